import { createHash } from 'node:crypto';

/**
 * The report's only static files, shipped inside the bundle (no build step, no CDN, no side
 * files). Served under a content hash, so browsers cache them for good.
 */
const CSS = `
:root { color-scheme: light dark; --bg: #fff; --fg: #1b1f24; --muted: #59636e; --line: #d1d9e0; --panel: #f6f8fa;
  --accent: #0969da; --pass: #1a7f37; --fail: #cf222e; --err: #9a6700; --bar: #54aeff;
  --s0: #0969da; --s1: #bf3989; --s2: #1a7f37; --s3: #9a6700; --s4: #8250df; --s5: #cf222e; }
@media (prefers-color-scheme: dark) { :root { --bg: #0d1117; --fg: #e6edf3; --muted: #9198a1; --line: #3d444d; --panel: #151b23;
  --accent: #4493f8; --pass: #3fb950; --fail: #f85149; --err: #d29922; --bar: #1f6feb;
  --s0: #4493f8; --s1: #db61a2; --s2: #3fb950; --s3: #d29922; --s4: #ab7df8; --s5: #f85149; } }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg); font: 14px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; }
a { color: var(--accent); }
a:focus-visible, button:focus-visible, input:focus-visible, select:focus-visible, summary:focus-visible { outline: 2px solid var(--accent); outline-offset: 2px; }
.skip { position: absolute; left: -999px; } .skip:focus { left: 8px; top: 8px; background: var(--bg); padding: 4px 8px; z-index: 2; }
header.top { display: flex; gap: 16px; align-items: center; padding: 8px 24px; border-bottom: 1px solid var(--line); background: var(--panel); flex-wrap: wrap; }
header.top .brand { font-weight: 700; text-decoration: none; color: var(--fg); }
header.top nav { flex: 1; color: var(--muted); } header.top form { margin: 0; }
main { padding: 16px 24px 48px; max-width: 1400px; margin: 0 auto; }
h1 { font-size: 22px; margin: 8px 0 4px; word-break: break-word; } h2 { font-size: 17px; margin: 28px 0 8px; } h3 { font-size: 15px; margin: 12px 0 4px; }
.muted { color: var(--muted); } .mono, code, pre { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12.5px; }
pre { background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: 8px 10px; overflow: auto; max-height: 480px; white-space: pre-wrap; word-break: break-word; margin: 4px 0; }
.scroll { overflow-x: auto; -webkit-overflow-scrolling: touch; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-weight: 600; color: var(--muted); white-space: nowrap; } td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tbody tr:hover { background: var(--panel); }
.cards { display: flex; gap: 12px; flex-wrap: wrap; margin: 8px 0; }
.card { border: 1px solid var(--line); border-radius: 8px; padding: 8px 14px; min-width: 120px; background: var(--panel); }
.card .v { font-size: 22px; font-weight: 600; font-variant-numeric: tabular-nums; } .card .k { color: var(--muted); font-size: 12px; }
.badge { display: inline-block; padding: 0 8px; border-radius: 10px; font-size: 12px; font-weight: 600; border: 1px solid currentColor; white-space: nowrap; }
.pass { color: var(--pass); } .fail { color: var(--fail); } .errored { color: var(--err); }
.status-completed { color: var(--pass); } .status-failed { color: var(--fail); } .status-canceled { color: var(--muted); } .status-queued, .status-in_progress { color: var(--accent); }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(320px, 1fr)); gap: 16px; }
.panel { border: 1px solid var(--line); border-radius: 8px; padding: 10px 14px; }
form.filters { display: flex; flex-wrap: wrap; gap: 8px; align-items: end; margin: 8px 0; }
form.filters label { display: flex; flex-direction: column; font-size: 12px; color: var(--muted); }
input, select, button { font: inherit; color: var(--fg); background: var(--bg); border: 1px solid var(--line); border-radius: 6px; padding: 4px 8px; min-height: 32px; }
button { cursor: pointer; background: var(--panel); } button.danger { color: var(--fail); border-color: var(--fail); }
.pager { display: flex; gap: 16px; margin: 8px 0; align-items: center; }
svg { max-width: 100%; height: auto; } svg text { fill: var(--muted); font-size: 10px; }
svg .axis { stroke: var(--line); } svg .bar { fill: var(--bar); } svg .grid-line { stroke: var(--line); stroke-dasharray: 2 3; }
${[0, 1, 2, 3, 4, 5].map((i) => `svg .s${i} { stroke: var(--s${i}); fill: none; stroke-width: 2; } svg .p${i} { fill: var(--s${i}); } .key${i} { color: var(--s${i}); }`).join('\n')}
.verdict { font-weight: 700; } .cell-json { max-width: 360px; max-height: 6em; overflow: hidden; word-break: break-word; }
.msg { border-left: 3px solid var(--line); padding: 2px 10px; margin: 6px 0; } .msg .role { font-weight: 600; color: var(--muted); font-size: 12px; text-transform: uppercase; }
.verdict-box { font-size: 16px; padding: 10px 14px; border-radius: 8px; border: 1px solid var(--line); background: var(--panel); margin: 8px 0; }
.side { display: grid; grid-template-columns: 1fr 1fr; gap: 16px; } .row-flex { display: flex; gap: 12px; flex-wrap: wrap; align-items: center; }
progress { width: 240px; height: 10px; }
.signin { max-width: 380px; margin: 64px auto; } .signin input { width: 100%; margin: 4px 0 12px; }
.error-text { color: var(--fail); }
@media (max-width: 700px) { main { padding: 12px; } header.top { padding: 8px 12px; } .side { grid-template-columns: 1fr; } .hide-sm { display: none; } .card { min-width: 96px; } }
`;

const JS = `
(function () {
  // Live progress: counts move while the run is queued or in progress; a finished run reloads once
  // so the page shows its final report.
  var live = document.querySelector('[data-live-url]');
  if (live) {
    var url = live.getAttribute('data-live-url');
    var fmt = function (n) { return Number(n).toLocaleString('en-US'); };
    var tick = function () {
      fetch(url, { credentials: 'same-origin', headers: { accept: 'application/json' } }).then(function (r) { return r.ok ? r.json() : null; }).then(function (p) {
        if (!p) return setTimeout(tick, 3000);
        var c = p.run.result_counts;
        ['total', 'passed', 'failed', 'errored'].forEach(function (k) {
          document.querySelectorAll('[data-count="' + k + '"]').forEach(function (el) { el.textContent = fmt(c[k]); });
        });
        document.querySelectorAll('[data-run-status]').forEach(function (el) { el.textContent = p.run.status.replace('_', ' '); el.className = 'badge status-' + p.run.status; });
        var bar = document.querySelector('progress[data-progress]');
        if (bar && p.row_count) { bar.max = p.row_count; bar.value = c.total; }
        var rows = document.querySelector('[data-row-count]');
        if (rows && p.row_count) rows.textContent = fmt(p.row_count);
        (p.run.per_testing_criteria_results || []).forEach(function (r) {
          var el = document.querySelector('[data-criterion-live="' + r.testing_criteria + '"]');
          if (el) el.textContent = fmt(r.passed) + ' / ' + fmt(r.passed + r.failed);
        });
        if (p.run.status === 'queued' || p.run.status === 'in_progress') setTimeout(tick, 1000);
        else location.reload();
      }).catch(function () { setTimeout(tick, 3000); });
    };
    setTimeout(tick, 1000);
  }
  // Confirm before a state-changing form (cancel).
  document.querySelectorAll('form[data-confirm]').forEach(function (f) {
    f.addEventListener('submit', function (e) { if (!confirm(f.getAttribute('data-confirm'))) e.preventDefault(); });
  });
})();
`;

const hashOf = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 12);

export const ASSETS = {
  css: { path: `/assets/report-${hashOf(CSS)}.css`, body: CSS, type: 'text/css; charset=utf-8' },
  js: { path: `/assets/report-${hashOf(JS)}.js`, body: JS, type: 'text/javascript; charset=utf-8' },
} as const;
