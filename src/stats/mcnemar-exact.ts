/**
 * Exact (binomial) McNemar test, two-sided: the probability, if neither run is better, of flips at
 * least as lopsided as `regressions` (pass → fail) against `fixes` (fail → pass). Under the null
 * hypothesis each of the n = regressions + fixes discordant items flips either way with
 * probability ½, so p = min(1, 2 · P(X ≤ min(b, c))) for X ~ Binomial(n, ½). Exact rather than
 * the χ² approximation because eval comparisons usually have few flips. No flips: p = 1.
 */
export function mcnemarExactP(regressions: number, fixes: number): number {
  const n = regressions + fixes;
  if (n === 0) return 1;
  const k = Math.min(regressions, fixes);
  // Binomial terms C(n, i)·½ⁿ one from the last; in log space only when ½ⁿ would underflow, so
  // small cases are exact (3 flips one way: p = 0.25, not 0.25000000000000006).
  let tail = 0;
  if (n <= 1000) {
    let term = 0.5 ** n;
    for (let i = 0; i <= k; i += 1) {
      tail += term;
      term = (term * (n - i)) / (i + 1);
    }
  } else {
    let logTerm = n * Math.log(0.5);
    for (let i = 0; i <= k; i += 1) {
      tail += Math.exp(logTerm);
      logTerm += Math.log((n - i) / (i + 1));
    }
  }
  return Math.min(1, 2 * tail);
}
