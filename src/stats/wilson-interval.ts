/** A two-sided confidence interval. */
export interface Interval {
  readonly low: number;
  readonly high: number;
}

/** z for a two-sided 95 % interval (the normal quantile at 0.975). */
export const Z_95 = 1.959963984540054;

/**
 * Wilson score interval for `successes` out of `trials` (Wilson 1927). Chosen over the usual
 * p ± z·se because it stays inside [0, 1] and keeps its coverage at 0 %, 100 % and small n — eval
 * runs are often small and often near-perfect. No trials: the whole of [0, 1].
 */
export function wilsonInterval(successes: number, trials: number, z: number = Z_95): Interval {
  if (trials <= 0) return { low: 0, high: 1 };
  const p = successes / trials;
  const z2 = z * z;
  const denominator = 1 + z2 / trials;
  const centre = (p + z2 / (2 * trials)) / denominator;
  const half = (z * Math.sqrt((p * (1 - p)) / trials + z2 / (4 * trials * trials))) / denominator;
  // At p = 0 or 1 one bound is exact; rounding must not push it past the edge.
  return {
    low: successes <= 0 ? 0 : Math.max(0, centre - half),
    high: successes >= trials ? 1 : Math.min(1, centre + half),
  };
}
