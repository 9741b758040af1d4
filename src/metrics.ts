/**
 * The one metrics registry of a process: counters and gauges by name and labels, rendered in the
 * Prometheus text format at `GET /metrics`. Like the logger it is passed in, never imported as a
 * global, so tests and embedded servers each keep their own.
 */
export type Labels = Readonly<Record<string, string>>;

interface Family {
  readonly type: 'counter' | 'gauge';
  readonly help: string;
  readonly series: Map<string, { labels: Labels; value: number | (() => number) }>;
}

const labelKey = (labels: Labels): string =>
  Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k]}`)
    .join('\u0000');

const escapeLabel = (value: string): string => value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');

/** Series per family are bounded: model names come from API callers. */
const MAX_SERIES = 1000;

export class Metrics {
  readonly #families = new Map<string, Family>();

  #family(name: string, type: Family['type'], help: string): Family {
    let family = this.#families.get(name);
    if (family === undefined) {
      family = { type, help, series: new Map() };
      this.#families.set(name, family);
    }
    return family;
  }

  #series(family: Family, labels: Labels): { labels: Labels; value: number | (() => number) } | null {
    const key = labelKey(labels);
    let series = family.series.get(key);
    if (series === undefined) {
      if (family.series.size >= MAX_SERIES) return null;
      series = { labels, value: 0 };
      family.series.set(key, series);
    }
    return series;
  }

  /** Adds `by` (default 1) to a counter. */
  inc(name: string, help: string, labels: Labels = {}, by = 1): void {
    const series = this.#series(this.#family(name, 'counter', help), labels);
    if (series !== null && typeof series.value === 'number') series.value += by;
  }

  /** Sets a gauge to a value, or to a function read at each scrape. */
  set(name: string, help: string, labels: Labels, value: number | (() => number)): void {
    const series = this.#series(this.#family(name, 'gauge', help), labels);
    if (series !== null) series.value = value;
  }

  /** The current value of a series (0 when it does not exist): for logs, benchmarks and tests. */
  value(name: string, labels: Labels = {}): number {
    const series = this.#families.get(name)?.series.get(labelKey(labels));
    if (series === undefined) return 0;
    return typeof series.value === 'function' ? series.value() : series.value;
  }

  render(): string {
    const lines: string[] = [];
    for (const [name, family] of this.#families) {
      lines.push(`# HELP ${name} ${family.help}`, `# TYPE ${name} ${family.type}`);
      for (const { labels, value } of family.series.values()) {
        const shown = Object.entries(labels)
          .map(([k, v]) => `${k}="${escapeLabel(v)}"`)
          .join(',');
        const number = typeof value === 'function' ? value() : value;
        lines.push(`${name}${shown === '' ? '' : `{${shown}}`} ${Number.isFinite(number) ? number : 0}`);
      }
    }
    return `${lines.join('\n')}\n`;
  }
}
