import type { Histogram } from './histogram.ts';
import { count, percent, score, when } from './format.ts';

/** SVG charts drawn on the server: no script, readable without colour (titles on every mark). */

export function HistogramChart(props: { h: Histogram; label: string }) {
  const { h } = props;
  const W = 320;
  const H = 110;
  const top = 6;
  const base = 90;
  const max = Math.max(1, ...h.bars.map((b) => b.count));
  const bw = W / h.bars.length;
  return (
    <svg viewBox={`0 0 ${W} ${H}`} width={W} height={H} role="img" aria-label={`Score histogram of ${props.label}: ${count(h.total)} scores from ${score(h.lo)} to ${score(h.hi)}`}>
      {h.bars.map((b, i) => {
        const bh = b.count === 0 ? 0 : Math.max(1, ((base - top) * b.count) / max);
        return (
          <rect class="bar" x={(i * bw + 1).toFixed(1)} y={(base - bh).toFixed(1)} width={Math.max(1, bw - 2).toFixed(1)} height={bh.toFixed(1)}>
            <title>{`${score(b.from)} – ${score(b.to)}: ${count(b.count)} (${percent(b.count / h.total)})`}</title>
          </rect>
        );
      })}
      <line class="axis" x1="0" y1={base} x2={W} y2={base} />
      <text x="0" y={H - 4}>{score(h.lo)}</text>
      <text x={W} y={H - 4} text-anchor="end">{score(h.hi)}</text>
      <text x={W / 2} y={H - 4} text-anchor="middle">{`max ${count(max)} per bar`}</text>
    </svg>
  );
}

export interface RateSeries {
  name: string;
  /** One point per run (oldest first); null where the run has no count for this criterion. */
  points: Array<{ rate: number | null; label: string; at: number }>;
}

/** Pass rate per criterion over runs: one line per criterion, y from 0 to 100 %. */
export function PassRateChart(props: { series: RateSeries[] }) {
  const W = 720;
  const H = 220;
  const L = 36;
  const R = 8;
  const T = 8;
  const B = 24;
  const n = Math.max(1, ...props.series.map((s) => s.points.length));
  const x = (i: number) => (n === 1 ? L + (W - L - R) / 2 : L + (i * (W - L - R)) / (n - 1));
  const y = (r: number) => T + (1 - r) * (H - T - B);
  return (
    <figure>
      <svg viewBox={`0 0 ${W} ${H}`} width={W} height={H} role="img" aria-label="Pass rate per criterion over runs">
        {[0, 0.25, 0.5, 0.75, 1].map((g) => (
          <g>
            <line class="grid-line" x1={L} x2={W - R} y1={y(g).toFixed(1)} y2={y(g).toFixed(1)} />
            <text x={L - 4} y={(y(g) + 3).toFixed(1)} text-anchor="end">{`${g * 100}%`}</text>
          </g>
        ))}
        {props.series.map((s, si) => {
          const pts = s.points.map((p, i) => (p.rate === null ? null : `${x(i).toFixed(1)},${y(p.rate).toFixed(1)}`)).filter((p) => p !== null);
          return (
            <g>
              {pts.length > 1 ? <polyline class={`s${si % 6}`} points={pts.join(' ')} /> : null}
              {s.points.map((p, i) =>
                p.rate === null ? null : (
                  <circle class={`p${si % 6}`} cx={x(i).toFixed(1)} cy={y(p.rate).toFixed(1)} r="3.5">
                    <title>{`${s.name} — ${p.label} (${when(p.at)}): ${percent(p.rate)}`}</title>
                  </circle>
                ),
              )}
            </g>
          );
        })}
        <text x={L} y={H - 6}>oldest</text>
        <text x={W - R} y={H - 6} text-anchor="end">newest</text>
      </svg>
      <figcaption class="row-flex">
        {props.series.map((s, si) => (
          <span class={`key${si % 6}`}>
            ● <span class="muted">{s.name}</span>
          </span>
        ))}
      </figcaption>
    </figure>
  );
}
