/**
 * Re-bins a criterion's rounded score counts (`run_score_bins`) into equal-width bars over a range:
 * the grader's own range when it has one, else the observed minimum to maximum.
 */
export interface Histogram {
  lo: number;
  hi: number;
  bars: Array<{ from: number; to: number; count: number }>;
  total: number;
}

export function histogram(values: ReadonlyArray<{ value: number; count: number }>, range: readonly [number, number] | null, bars = 20): Histogram | null {
  if (values.length === 0) return null;
  let lo = range?.[0] ?? Infinity;
  let hi = range?.[1] ?? -Infinity;
  for (const v of values) {
    if (v.value < lo) lo = v.value;
    if (v.value > hi) hi = v.value;
  }
  const n = hi > lo ? bars : 1;
  const width = hi > lo ? (hi - lo) / n : 1;
  const out = Array.from({ length: n }, (_, i) => ({ from: lo + i * width, to: i === n - 1 ? hi : lo + (i + 1) * width, count: 0 }));
  let total = 0;
  for (const v of values) {
    const i = hi > lo ? Math.min(n - 1, Math.max(0, Math.floor((v.value - lo) / width))) : 0;
    out[i]!.count += v.count;
    total += v.count;
  }
  return { lo, hi, bars: out, total };
}
