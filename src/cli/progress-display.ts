import { styleText } from 'node:util';
import type { Writable } from 'node:stream';

export interface ProgressCounts {
  /** Rows done so far (passed + failed + errored). */
  done: number;
  passed: number;
  failed: number;
  errored: number;
}

export interface ProgressOptions {
  /** A terminal: one line redrawn in place with a bar. Otherwise (CI, a pipe): a line now and then. */
  tty: boolean;
  /** Rows the run will have, when known (a local source): enables the bar, percentage and ETA. */
  total: number | null;
  /** Without a terminal: at most one line per this many ms (default 5 s). */
  lineIntervalMs?: number;
  label?: string;
  /** Show pass/fail/errored (default true; false for copies that have no verdicts). */
  verdicts?: boolean;
  now?: () => number;
}

const BAR_WIDTH = 24;

function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** Live progress of a run (or an export or import): done/total, rows/s, ETA, pass/fail/errored. */
export class ProgressDisplay {
  readonly #out: Writable;
  readonly #o: ProgressOptions;
  readonly #now: () => number;
  readonly #started: number;
  #lastLine = -Infinity;
  #printed: ProgressCounts | null = null;
  #drawn = false;
  #last: ProgressCounts = { done: 0, passed: 0, failed: 0, errored: 0 };

  constructor(out: Writable, o: ProgressOptions) {
    this.#out = out;
    this.#o = o;
    this.#now = o.now ?? Date.now;
    this.#started = this.#now();
  }

  /** The text of one progress line (no colour when not on a terminal). */
  line(c: ProgressCounts): string {
    const elapsed = (this.#now() - this.#started) / 1000;
    const rate = elapsed > 0 ? c.done / elapsed : 0;
    const paint = (color: Parameters<typeof styleText>[0], text: string) => (this.#o.tty ? styleText(color, text) : text);
    const parts: string[] = [];
    if (this.#o.label) parts.push(this.#o.label);
    const total = this.#o.total;
    if (total !== null && total > 0) {
      const fraction = Math.min(1, c.done / total);
      const filled = Math.round(fraction * BAR_WIDTH);
      if (this.#o.tty) parts.push(`${paint('cyan', '█'.repeat(filled))}${paint('gray', '░'.repeat(BAR_WIDTH - filled))}`);
      parts.push(`${c.done}/${total} ${(fraction * 100).toFixed(0)}%`);
    } else {
      parts.push(`${c.done} rows`);
    }
    parts.push(`${rate >= 100 ? rate.toFixed(0) : rate.toFixed(1)} rows/s`);
    if (total !== null && total > 0) parts.push(`ETA ${rate > 0 ? duration((total - c.done) / rate) : '?'}`);
    if (this.#o.verdicts !== false) parts.push(`${paint('green', `pass ${c.passed}`)} ${paint('red', `fail ${c.failed}`)} ${paint('yellow', `errored ${c.errored}`)}`);
    parts.push(`${duration(elapsed)} elapsed`);
    return parts.join('  ');
  }

  update(c: ProgressCounts): void {
    this.#last = c;
    if (this.#o.tty) {
      const text = this.line(c);
      this.#out.write(`\r\x1b[2K${text}`);
      this.#drawn = true;
      return;
    }
    const now = this.#now();
    if (now - this.#lastLine >= (this.#o.lineIntervalMs ?? 5000)) {
      this.#lastLine = now;
      this.#printed = c;
      this.#out.write(`${this.line(c)}\n`);
    }
  }

  /** Leaves the final state on screen (a terminal keeps the bar; a log gets a last line). */
  finish(): void {
    if (this.#o.tty) {
      if (this.#drawn) this.#out.write(`\r\x1b[2K${this.line(this.#last)}\n`);
    } else if (this.#printed !== this.#last) {
      this.#out.write(`${this.line(this.#last)}\n`);
    }
  }
}
