import { sql, type Expression, type SqlBool } from 'kysely';

/**
 * Keyset pagination: `after` is exclusive in the requested order, and a unique, monotonic `seq`
 * breaks ties between objects created in the same second, so deep pages cost what the first does.
 */
export type Order = 'asc' | 'desc';

/** `(a, b) > (x, y)` or `<` for descending pages — a row-value comparison Postgres indexes well. */
export function afterTuple(columns: readonly string[], values: readonly (number | string)[], order: Order): Expression<SqlBool> {
  const left = sql.join(columns.map((c) => sql.ref(c)));
  const right = sql.join(values.map((v) => sql.val(v)));
  return order === 'asc' ? sql<SqlBool>`(${left}) > (${right})` : sql<SqlBool>`(${left}) < (${right})`;
}

/** Fetch `limit + 1` rows, keep `limit`: the extra one tells whether more exist. */
export function splitPage<T>(rows: T[], limit: number): { data: T[]; has_more: boolean } {
  return rows.length > limit ? { data: rows.slice(0, limit), has_more: true } : { data: rows, has_more: false };
}
