import { wilsonInterval, Z_95, type Interval } from './wilson-interval.ts';

/** The 2×2 table of two runs graded on the same items (one criterion). */
export interface PairedCounts {
  /** Passed in both runs. */
  readonly bothPass: number;
  /** Passed in base, failed in head: regressions. */
  readonly regressions: number;
  /** Failed in base, passed in head: fixes. */
  readonly fixes: number;
  /** Failed in both runs. */
  readonly bothFail: number;
}

/**
 * Interval for head's pass rate minus base's over the same items: Newcombe's hybrid score method
 * for paired proportions (Newcombe 1998, "method 10"). It combines the two Wilson intervals and
 * corrects for the correlation of the pairs (phi, which Newcombe shrinks towards 0 by n/2 when it
 * is positive), so it stays in [-1, 1] and behaves at 0 or 100 % — where the Wald interval for
 * paired data collapses.
 */
export function pairedDifferenceInterval(counts: PairedCounts, z: number = Z_95): Interval & { readonly estimate: number } {
  const { bothPass: a, regressions: b, fixes: c, bothFail: d } = counts;
  const n = a + b + c + d;
  if (n === 0) return { estimate: 0, low: -1, high: 1 };
  const base = (a + b) / n;
  const head = (a + c) / n;
  const estimate = head - base;
  const baseCi = wilsonInterval(a + b, n, z);
  const headCi = wilsonInterval(a + c, n, z);
  const marginals = (a + b) * (c + d) * (a + c) * (b + d);
  const association = a * d - b * c;
  const corrected = association > n / 2 ? association - n / 2 : association < 0 ? association : 0;
  const phi = marginals === 0 ? 0 : corrected / Math.sqrt(marginals);
  const below = Math.sqrt(Math.max(0, (head - headCi.low) ** 2 - 2 * phi * (head - headCi.low) * (baseCi.high - base) + (baseCi.high - base) ** 2));
  const above = Math.sqrt(Math.max(0, (headCi.high - head) ** 2 - 2 * phi * (headCi.high - head) * (base - baseCi.low) + (base - baseCi.low) ** 2));
  return { estimate, low: Math.max(-1, estimate - below), high: Math.min(1, estimate + above) };
}
