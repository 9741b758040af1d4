/** One CSV line (RFC 4180): fields with a comma, quote or line break are quoted. */
export function csvRow(fields: readonly unknown[]): string {
  return `${fields.map(csvField).join(',')}\r\n`;
}

function csvField(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint' ? String(v) : JSON.stringify(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** The text a model answered in an output item's sample (chat messages or a JSONL row's output_text). */
export function outputTextOf(sample: unknown): string | null {
  if (sample === null || typeof sample !== 'object') return null;
  const s = sample as { output?: unknown; output_text?: unknown };
  if (Array.isArray(s.output)) {
    const parts = s.output.map((m: { content?: unknown }) => (typeof m?.content === 'string' ? m.content : m?.content == null ? '' : JSON.stringify(m.content)));
    return parts.join('\n');
  }
  return typeof s.output_text === 'string' ? s.output_text : null;
}
