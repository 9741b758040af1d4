/**
 * `{{ path }}` rendering for grader inputs and sampling templates (architecture §6 "templates").
 *
 * A path starts at `item` or `sample` and continues with `.key`, `[n]` or `["key"]` / `['key']`.
 * Strings render verbatim, any other value as JSON; a path that does not resolve renders as the
 * empty string and is reported in `missing`, so a grader can flag `invalid_variable` and still
 * grade the row. Templates are parsed once into parts (literal text and placeholders) because
 * rendering runs per row per criterion; no `eval`, no regex over user data at render time.
 */

export type TemplateContext = { item: Record<string, unknown>; sample: Record<string, unknown> | null };

export type RenderResult = { text: string; missing: string[] };

export type CompiledTemplate = (ctx: TemplateContext) => RenderResult;

export type ResolveResult = { found: true; value: unknown } | { found: false };

type Segment = { kind: 'key'; key: string } | { kind: 'index'; index: number };

/** A parsed path: its root and the steps below it, or null when the text is not a path at all. */
type ParsedPath = { root: 'item' | 'sample'; segments: Segment[] } | null;

type Part = { kind: 'text'; text: string } | { kind: 'var'; raw: string; path: ParsedPath };

const NOT_FOUND: ResolveResult = { found: false };

// Characters that end a bare `.key` segment; anything else (including `-` and non-ASCII letters)
// may appear in a key, since dataset columns are not JavaScript identifiers.
function isKeyChar(ch: string): boolean {
  return ch !== '.' && ch !== '[' && ch !== ']' && ch !== '"' && ch !== "'" && !/\s/.test(ch);
}

function readBareKey(path: string, start: number): number {
  let end = start;
  while (end < path.length && isKeyChar(path[end]!)) end++;
  return end;
}

/** Parses `item.a.b[0]["c d"]`; returns null for anything malformed (it then simply does not resolve). */
export function parsePath(path: string): ParsedPath {
  const rootEnd = readBareKey(path, 0);
  const root = path.slice(0, rootEnd);
  if (root !== 'item' && root !== 'sample') return null;
  const segments: Segment[] = [];
  let i = rootEnd;
  while (i < path.length) {
    const ch = path[i];
    if (ch === '.') {
      const end = readBareKey(path, i + 1);
      if (end === i + 1) return null;
      segments.push({ kind: 'key', key: path.slice(i + 1, end) });
      i = end;
    } else if (ch === '[') {
      const quote = path[i + 1];
      if (quote === '"' || quote === "'") {
        // Quoted keys hold anything but their own quote; no escapes, keys with both quotes are rare.
        const close = path.indexOf(quote, i + 2);
        if (close < 0 || path[close + 1] !== ']') return null;
        segments.push({ kind: 'key', key: path.slice(i + 2, close) });
        i = close + 2;
      } else {
        const close = path.indexOf(']', i + 1);
        const digits = close < 0 ? '' : path.slice(i + 1, close);
        if (!/^\d+$/.test(digits)) return null;
        segments.push({ kind: 'index', index: Number(digits) });
        i = close + 1;
      }
    } else {
      return null;
    }
  }
  return { root, segments };
}

function step(value: unknown, segment: Segment): ResolveResult {
  if (Array.isArray(value)) {
    // `a.0` is accepted as `a[0]` (Jinja does the same); other keys on arrays do not resolve.
    const index = segment.kind === 'index' ? segment.index : /^\d+$/.test(segment.key) ? Number(segment.key) : -1;
    return index >= 0 && index < value.length ? { found: true, value: value[index] } : NOT_FOUND;
  }
  if (segment.kind === 'key' && typeof value === 'object' && value !== null) {
    // Own properties only: `item.constructor` must not reach Object.prototype.
    return Object.hasOwn(value, segment.key)
      ? { found: true, value: (value as Record<string, unknown>)[segment.key] }
      : NOT_FOUND;
  }
  return NOT_FOUND;
}

function resolveParsed(ctx: TemplateContext, parsed: ParsedPath): ResolveResult {
  if (parsed === null) return NOT_FOUND;
  // A null sample means no sample exists for the row, so nothing under it (nor itself) resolves.
  let current: ResolveResult = parsed.root === 'item' ? { found: true, value: ctx.item }
    : ctx.sample === null ? NOT_FOUND : { found: true, value: ctx.sample };
  for (const segment of parsed.segments) {
    if (!current.found) return NOT_FOUND;
    current = step(current.value, segment);
  }
  // JSON rows never hold `undefined`; treat one (from a hand-built context) as absent.
  return current.found && current.value === undefined ? NOT_FOUND : current;
}

export function resolvePath(ctx: TemplateContext, path: string): ResolveResult {
  return resolveParsed(ctx, parsePath(path.trim()));
}

function renderValue(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** Splits a template into literal text and placeholders. */
function parseTemplate(template: string): Part[] {
  const parts: Part[] = [];
  let literal = '';
  let i = 0;
  while (i < template.length) {
    let open = template.indexOf('{{', i);
    if (open < 0) break;
    // In `{{{ item.a }}}` the placeholder is the innermost `{{`; extra braces are literal (JSON-ish prompts).
    while (template[open + 2] === '{') open++;
    const close = template.indexOf('}}', open + 2);
    if (close < 0) break; // unclosed: the rest is literal text
    const reopen = template.indexOf('{{', open + 2);
    if (reopen >= 0 && reopen < close) {
      // `{{ a {{ item.b }}`: the first `{{` never closes on its own, so it is literal text.
      literal += template.slice(i, reopen);
      i = reopen;
      continue;
    }
    literal += template.slice(i, open);
    if (literal !== '') parts.push({ kind: 'text', text: literal });
    literal = '';
    const raw = template.slice(open + 2, close).trim();
    parts.push({ kind: 'var', raw, path: parsePath(raw) });
    i = close + 2;
  }
  literal += template.slice(i);
  if (literal !== '') parts.push({ kind: 'text', text: literal });
  return parts;
}

function compileUncached(template: string): CompiledTemplate {
  if (!template.includes('{{')) return () => ({ text: template, missing: [] });
  const parts = parseTemplate(template);
  if (parts.every((p) => p.kind === 'text')) return () => ({ text: template, missing: [] });
  return (ctx) => {
    let text = '';
    const missing: string[] = [];
    for (const part of parts) {
      if (part.kind === 'text') {
        text += part.text;
        continue;
      }
      const resolved = resolveParsed(ctx, part.path);
      if (resolved.found) text += renderValue(resolved.value);
      else if (!missing.includes(part.raw)) missing.push(part.raw);
    }
    return { text, missing };
  };
}

// Bounded so that many distinct templates (say, one per row) cannot grow memory without limit;
// a Map iterates in insertion order, so the first key is the oldest entry.
const CACHE_LIMIT = 256;
const cache = new Map<string, CompiledTemplate>();

/** Compiles a template once; hold the returned function when rendering the same template many times. */
export function compileTemplate(template: string): CompiledTemplate {
  const hit = cache.get(template);
  if (hit !== undefined) return hit;
  const compiled = compileUncached(template);
  if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value!);
  cache.set(template, compiled);
  return compiled;
}

export function renderTemplate(template: string, ctx: TemplateContext): RenderResult {
  // Hot path: plain text needs neither parsing nor a cache lookup.
  if (!template.includes('{{')) return { text: template, missing: [] };
  return compileTemplate(template)(ctx);
}
