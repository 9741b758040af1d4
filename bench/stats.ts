/** Small numeric and formatting helpers shared by the benchmarks. */

export interface LatencySummary {
  n: number;
  p50: number;
  p95: number;
  min: number;
  max: number;
}

/** Nearest-rank percentile of an unsorted sample (p in 0…100). */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] ?? Number.NaN;
}

export function summarize(values: readonly number[]): LatencySummary | null {
  if (values.length === 0) return null;
  const r = (v: number) => Math.round(v * 100) / 100;
  return { n: values.length, p50: r(percentile(values, 50)), p95: r(percentile(values, 95)), min: r(Math.min(...values)), max: r(Math.max(...values)) };
}

export const round = (v: number, digits = 1): number => Math.round(v * 10 ** digits) / 10 ** digits;

export function fmtNumber(v: number | null | undefined, digits = 0): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return 'n/a';
  return v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export const fmtMb = (kb: number | null | undefined): string => (kb === null || kb === undefined ? 'n/a' : fmtNumber(kb / 1024, 0));

export const fmtP50P95 = (s: LatencySummary | null | undefined): string => (s === null || s === undefined ? 'n/a' : `${fmtNumber(s.p50, 1)} / ${fmtNumber(s.p95, 1)}`);

/** A plain text table: first column left-aligned, the others right-aligned. */
export function renderTable(columns: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = columns.map((c, i) => Math.max(c.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join('  ').trimEnd();
  return [line(columns), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** The same data as a vertical table (metric per line, one column per backend): readable in a terminal however many metrics. */
export function renderTransposed(columns: readonly string[], rows: readonly (readonly string[])[]): string {
  const header = ['', ...rows.map((r) => r[0] ?? '')];
  const body = columns.slice(1).map((label, i) => [label, ...rows.map((r) => r[i + 1] ?? '')]);
  return renderTable(header, body);
}
