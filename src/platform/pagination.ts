import { sql, type SQL, type AnyColumn } from 'drizzle-orm';
import { AppError } from './errors.js';

/**
 * The one pagination style of the API, for collections that grow with trade (tickets, returns,
 * remedies, platform returns, outbox steps, evidence cases): the query takes `limit` and `cursor`,
 * the answer is `{ items, nextCursor }`, and `nextCursor` is null on the last page. A cursor is
 * opaque to clients: base64url of the last item's sort key and id, so a page never repeats or
 * skips a row when rows arrive between two requests (keyset, not offset). Bounded configuration
 * lists (users, brands, shops, macros, SLA policies, agents) answer `{ items }` without a cursor.
 */

export { pageOf, pageQuery, type Page } from './pagination.dto.js';
import type { Page } from './pagination.dto.js';

/** Where the next page starts: the sort value of the last item seen (an ISO time) and its id. */
export interface CursorKey {
  sort: string;
  id: string;
}

export function encodeCursor(key: CursorKey): string {
  return Buffer.from(JSON.stringify([key.sort, key.id]), 'utf8').toString('base64url');
}

function badCursor(): AppError {
  return AppError.validation('request.bad_cursor', 'Invalid request: cursor: not a cursor from this API', [{ field: 'cursor', message: 'not a cursor from this API' }]);
}

/** The key inside a cursor; anything this API did not issue is a 400 naming `cursor`. */
export function decodeCursor(cursor: string): CursorKey {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw badCursor();
  }
  if (!Array.isArray(parsed) || parsed.length !== 2) throw badCursor();
  const [sort, id] = parsed as unknown[];
  if (typeof sort !== 'string' || typeof id !== 'string' || Number.isNaN(Date.parse(sort)) || !/^[\w.:-]{1,200}$/.test(id)) throw badCursor();
  return { sort, id };
}

/**
 * The keyset condition after a cursor for a list ordered by `sort` in `direction`, then by `id`
 * in `idDirection` (the same unless given); the query must order by the same two expressions in
 * the same directions. Sort values are times written by our clock (millisecond precision), so
 * the ISO string in the cursor is exact.
 */
export function afterCursor(
  sortExpr: AnyColumn | SQL,
  idExpr: AnyColumn | SQL,
  cursor: string | undefined,
  direction: 'asc' | 'desc' = 'desc',
  idDirection: 'asc' | 'desc' = direction,
): SQL | undefined {
  if (!cursor) return undefined;
  const key = decodeCursor(cursor);
  const sort = sql`${key.sort}::timestamptz`;
  if (idDirection === direction) return direction === 'desc' ? sql`(${sortExpr}, ${idExpr}) < (${sort}, ${key.id})` : sql`(${sortExpr}, ${idExpr}) > (${sort}, ${key.id})`;
  const past = direction === 'desc' ? sql`${sortExpr} < ${sort}` : sql`${sortExpr} > ${sort}`;
  const tie = idDirection === 'desc' ? sql`${idExpr} < ${key.id}` : sql`${idExpr} > ${key.id}`;
  return sql`(${past} or (${sortExpr} = ${sort} and ${tie}))`;
}

/**
 * Cut the `limit + 1` rows a query fetched into one page: the extra row only tells that another
 * page exists, and the cursor points after the last row kept.
 */
export function cutPage<R>(rows: R[], limit: number, key: (row: R) => { sort: Date | string; id: string }): Page<R> {
  const kept = rows.slice(0, limit);
  const last = kept[kept.length - 1];
  const k = last ? key(last) : undefined;
  return {
    items: kept,
    nextCursor: rows.length > limit && k ? encodeCursor({ sort: k.sort instanceof Date ? k.sort.toISOString() : k.sort, id: k.id }) : null,
  };
}
