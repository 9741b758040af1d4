import type { ItemQuery } from '../services/report-service.ts';

export const PAGE_SIZE = 50;
/** Rows a free-text search page looks through (it is not indexed; see ReportRepository). */
export const SEARCH_SCAN_ROWS = 5000;

/** The items table's URL parameters, as the page's filter form sends them. */
export interface ItemParams {
  status: '' | 'pass' | 'fail' | 'errored';
  /** Criterion id the verdict filter and the score sort apply to. */
  crit: string;
  verdict: '' | 'passed' | 'failed';
  sort: 'row' | 'score_asc' | 'score_desc';
  q: string;
  after: string;
}

const pick = <T extends string>(value: string | undefined, allowed: readonly T[], fallback: T): T => (allowed.includes(value as T) ? (value as T) : fallback);

export function parseItemParams(get: (name: string) => string | undefined): ItemParams {
  return {
    status: pick(get('status'), ['', 'pass', 'fail', 'errored'], ''),
    crit: (get('crit') ?? '').slice(0, 300),
    verdict: pick(get('verdict'), ['', 'passed', 'failed'], ''),
    sort: pick(get('sort'), ['row', 'score_asc', 'score_desc'], 'row'),
    q: (get('q') ?? '').slice(0, 200),
    after: (get('after') ?? '').slice(0, 64),
  };
}

/** Cursor text: `<row>` in row order, `<score>_<row>` in score order. */
export function encodeCursor(c: { id: number; score?: number }): string {
  return c.score === undefined ? String(c.id) : `${c.score}_${c.id}`;
}

function decodeCursor(text: string): { id: number; score?: number } | undefined {
  const m = /^(?:(-?[0-9.eE+-]+)_)?(-?\d+)$/.exec(text);
  if (!m) return undefined;
  const id = Number(m[2]);
  if (!Number.isSafeInteger(id)) return undefined;
  if (m[1] === undefined) return { id };
  const score = Number(m[1]);
  return Number.isFinite(score) ? { id, score } : undefined;
}

/** The repository query for these parameters; `criteria` are the eval's criterion ids in order. */
export function toItemQuery(p: ItemParams, criteria: readonly string[]): ItemQuery {
  const position = criteria.indexOf(p.crit);
  const q: ItemQuery = { sort: { by: 'row' }, limit: PAGE_SIZE, scanLimit: SEARCH_SCAN_ROWS };
  if (p.status !== '') q.status = p.status;
  if (position >= 0 && p.verdict !== '') q.criterion = { position, passed: p.verdict === 'passed' };
  if (p.q !== '') q.search = p.q;
  else if (p.sort !== 'row' && criteria.length > 0) q.sort = { by: 'score', position: Math.max(0, position), order: p.sort === 'score_asc' ? 'asc' : 'desc' };
  const after = decodeCursor(p.after);
  if (after !== undefined && (q.sort.by === 'row' || after.score !== undefined)) q.after = after;
  return q;
}

/** A URL of the run page with these parameters (empty ones left out), at the items table. */
export function itemsHref(base: string, p: ItemParams, change: Partial<ItemParams> = {}): string {
  const merged = { ...p, ...change };
  const query = new URLSearchParams();
  for (const [k, v] of Object.entries(merged)) if (v !== '' && !(k === 'sort' && v === 'row')) query.set(k, v);
  const text = query.toString();
  return `${base}${text === '' ? '' : `?${text}`}#items`;
}
