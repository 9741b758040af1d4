/** Number and text formatting shared by the pages; one place so every page shows numbers alike. */

export const count = (n: number): string => n.toLocaleString('en-US');

/** 0.8731 → "87.3 %"; NaN (no items) → "—". */
export const percent = (x: number, digits = 1): string => (Number.isFinite(x) ? `${(x * 100).toFixed(digits)} %` : '—');

/** A signed percentage-point difference: +3.1 pp. */
export const points = (x: number, digits = 1): string => (Number.isFinite(x) ? `${x >= 0 ? '+' : '−'}${Math.abs(x * 100).toFixed(digits)} pp` : '—');

/** Unix seconds → "2025-05-01 14:03 UTC". */
export function when(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || seconds <= 0) return '—';
  return `${new Date(seconds * 1000).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

export function score(x: number | null | undefined): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '—';
  if (x === Math.trunc(x)) return String(x);
  return Math.abs(x) >= 100 ? x.toFixed(1) : x.toPrecision(3);
}

export function pValue(p: number): string {
  if (!Number.isFinite(p)) return '—';
  if (p < 0.001) return '< 0.001';
  return p >= 0.1 ? p.toFixed(2) : p.toFixed(3);
}

/** Compact one-line JSON, cut at `max` characters. */
export function jsonLine(value: unknown, max = 200): string {
  const text = JSON.stringify(value) ?? '';
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

export const cut = (text: string, max = 200): string => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/** Pretty JSON when the text parses as a JSON object or array; null otherwise. */
export function prettyJson(text: string): string | null {
  const t = text.trim();
  if (!(t.startsWith('{') || t.startsWith('['))) return null;
  try {
    return JSON.stringify(JSON.parse(t), null, 2);
  } catch {
    return null;
  }
}

/** The text of a chat message's content: a string, or the text parts of a parts array. */
export function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (content === null || content === undefined) return '';
  if (Array.isArray(content)) return content.map((p) => (typeof p === 'string' ? p : typeof (p as { text?: unknown }).text === 'string' ? (p as { text: string }).text : JSON.stringify(p))).join('\n');
  if (typeof content === 'object' && typeof (content as { text?: unknown }).text === 'string') return (content as { text: string }).text;
  return JSON.stringify(content);
}

/** What the model answered, as text: every output message's content joined. */
export function outputText(output: unknown): string {
  if (!Array.isArray(output)) return '';
  return output.map((m) => contentText((m as { content?: unknown }).content)).filter((t) => t !== '').join('\n');
}
