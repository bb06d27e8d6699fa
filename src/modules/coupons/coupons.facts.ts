import { sql } from 'drizzle-orm';
import type { Executor } from '../../platform/db.js';
import { buyerShopFactsOf, buyerShopFactsQuery, buyersChangedSinceQuery, type BuyerShopFacts } from '../orders/index.js';

/**
 * The coupons module's per-buyer summary (`coupon_buyer_facts`, one row per buyer and shop): last
 * order, last delivery, orders and spend over 365/180 days, returns over 180 days, open after-sales.
 * The day's due buyers are then one index range scan over it instead of an aggregate per candidate.
 *
 * How it stays current — a pull, not a hook or a trigger: before each selection the shop's buyers
 * whose orders or after-sales requests changed since the watermark (an index range on
 * `updated_at`, with an overlap for transactions that committed late) and the buyers whose windowed
 * figures changed by time alone (`fresh_until` passed) are recomputed in one upsert, from the
 * orders module's own aggregate query. A trigger on `orders` would write a coupons table from the
 * orders module's statements (two owners for one table) and put coupon work on every order write
 * of the webhook path; a change hook in the orders service would miss rows written set-based
 * (imports, the bench world) and again cost the ingestion transaction. The pull keeps the orders
 * module unchanged but for one reader and one index, and a missed run only delays, never loses, a
 * change.
 */

/** Rows changed this long before the watermark are read again (a transaction that committed late). */
export const WATERMARK_OVERLAP_MS = 15 * 60_000;

const COLUMNS = sql.raw(
  'buyer_id, language, country, last_order_at, last_order_id, last_delivered_at, last_delivered_order_id, orders365, spend365, spend180, returns180, returned180, has_returns, open_return, fresh_until',
);

async function upsertFrom(tx: Executor, orgId: string, shopId: string, now: Date, buyers: string[] | null): Promise<number> {
  const r = await tx.execute(sql`insert into coupon_buyer_facts (org_id, shop_id, ${COLUMNS}, refreshed_at, draw)
    select ${orgId}, ${shopId}, ${COLUMNS}, ${now.toISOString()}::timestamptz, hashtext(buyer_id) from (${buyerShopFactsQuery(orgId, shopId, now, buyers)}) f
    on conflict (org_id, shop_id, buyer_id) do update set language = excluded.language, country = excluded.country,
      last_order_at = excluded.last_order_at, last_order_id = excluded.last_order_id, last_delivered_at = excluded.last_delivered_at,
      last_delivered_order_id = excluded.last_delivered_order_id, orders365 = excluded.orders365, spend365 = excluded.spend365,
      spend180 = excluded.spend180, returns180 = excluded.returns180, returned180 = excluded.returned180, has_returns = excluded.has_returns,
      open_return = excluded.open_return, fresh_until = excluded.fresh_until, refreshed_at = excluded.refreshed_at`);
  return r.rowCount ?? 0;
}

/**
 * Rebuild a shop's summary from all its orders (set-based: one GROUP BY). `now` is the instant the
 * windows are worked out for, `readAt` the clock when the orders were read (the watermark).
 */
export async function rebuildBuyerFacts(tx: Executor, orgId: string, shopId: string, now: Date, readAt: Date = now): Promise<number> {
  await tx.execute(sql`delete from coupon_buyer_facts where org_id = ${orgId} and shop_id = ${shopId}`);
  const n = await upsertFrom(tx, orgId, shopId, now, null);
  await tx.execute(sql`insert into coupon_fact_watermarks (org_id, shop_id, changes_through, facts_at, rebuilt_at) values (${orgId}, ${shopId}, ${readAt.toISOString()}::timestamptz, ${now.toISOString()}::timestamptz, ${readAt.toISOString()}::timestamptz)
    on conflict (org_id, shop_id) do update set changes_through = excluded.changes_through, facts_at = excluded.facts_at, rebuilt_at = excluded.rebuilt_at`);
  return n;
}

/**
 * Bring a shop's summary up to `now`: the first time (or when asked about an earlier instant than
 * the last time) a rebuild; after that the changed and the stale buyers only, in one statement.
 */
export async function refreshBuyerFacts(tx: Executor, orgId: string, shopId: string, now: Date, readAt: Date = now): Promise<{ rebuilt: boolean; refreshed: number }> {
  const [w] = (await tx.execute(sql`select changes_through, facts_at from coupon_fact_watermarks where org_id = ${orgId} and shop_id = ${shopId} for update`)).rows as { changes_through: string | Date; facts_at: string | Date }[];
  if (!w || now.getTime() < new Date(w.facts_at).getTime()) return { rebuilt: true, refreshed: await rebuildBuyerFacts(tx, orgId, shopId, now, readAt) };
  const since = new Date(Math.min(new Date(w.changes_through).getTime(), readAt.getTime()) - WATERMARK_OVERLAP_MS);
  // Which buyers: two index ranges (changes since the watermark; rows whose windows moved); usually few or none.
  const due = await tx.execute(sql`${buyersChangedSinceQuery(orgId, shopId, since)}
    union select buyer_id from coupon_buyer_facts where org_id = ${orgId} and shop_id = ${shopId} and fresh_until <= ${now.toISOString()}::timestamptz`);
  const buyers = (due.rows as { buyer_id: string }[]).map((x) => x.buyer_id);
  const refreshed = buyers.length ? await upsertFrom(tx, orgId, shopId, now, buyers) : 0;
  await tx.execute(sql`update coupon_fact_watermarks set changes_through = ${readAt.toISOString()}::timestamptz, facts_at = ${now.toISOString()}::timestamptz where org_id = ${orgId} and shop_id = ${shopId}`);
  return { rebuilt: false, refreshed };
}

/** Which buyers a programme looks at today: one index range over the summary. */
export type CandidateRange = { deliveredIn: [Date, Date] } | { lastOrderIn: [Date, Date] } | { minOrders365: number };

/** Candidates are read in pages of at least this many (four per send left today, so a shop's ordinary day is one page). */
export const CANDIDATE_PAGE_MIN = 1_000;

function rangeWhere(range: CandidateRange) {
  return 'deliveredIn' in range
    ? sql`last_delivered_at >= ${range.deliveredIn[0].toISOString()}::timestamptz and last_delivered_at < ${range.deliveredIn[1].toISOString()}::timestamptz`
    : 'lastOrderIn' in range
      ? sql`last_order_at >= ${range.lastOrderIn[0].toISOString()}::timestamptz and last_order_at < ${range.lastOrderIn[1].toISOString()}::timestamptz`
      : sql`orders365 >= ${sql.raw(String(Math.max(2, Math.floor(range.minOrders365))))}`;
}

/** How many buyers the range holds (what a run that stopped at the day's quota did not look at). */
export async function countCandidatesIn(tx: Executor, orgId: string, shopId: string, range: CandidateRange): Promise<number> {
  const r = await tx.execute(sql`select count(*)::int as n from coupon_buyer_facts where org_id = ${orgId} and shop_id = ${shopId} and ${rangeWhere(range)}`);
  return Number((r.rows[0] as { n: number }).n);
}

/** Where a page continues: the phase (0 = from the day's start point to the end of the ring, 1 = the wrap), the last draw and buyer. */
export type CandidateCursor = [phase: 0 | 1, draw: number, buyerId: string];

/**
 * A page of candidates with their facts, in one statement (the summary's own columns; no per-buyer
 * lookups), in a random order that is stable across runs and restarts: the buyers' stored draw
 * (`hashtext(buyer_id)`), starting at the point `hashtext(salt)` (the programme and the day) and
 * wrapping around the ring. The loyal buyers' range reads the draw-ordered index, so a page costs its
 * own rows, not a sort of every candidate. `after` continues from the previous page's `last`.
 */
export async function candidatesIn(tx: Executor, orgId: string, shopId: string, range: CandidateRange, page: { salt: string; limit: number; after?: CandidateCursor }): Promise<{ facts: Map<string, BuyerShopFacts>; last: CandidateCursor | null }> {
  const out = new Map<string, BuyerShopFacts>();
  let last: CandidateCursor | null = null;
  const start = sql`hashtext(${page.salt})`;
  if (!('minOrders365' in range)) {
    // A day's window (delivered, last order) is a small range on its own index, sorted: one statement.
    const ph = sql`(draw < ${start})::int`;
    const after = page.after ? sql`and (${ph}, draw, buyer_id) > (${page.after[0]}::int, ${page.after[1]}::int, ${page.after[2]}::text)` : sql``;
    const r = await tx.execute(sql`select ${COLUMNS}, draw, ${ph} as ph from coupon_buyer_facts where org_id = ${orgId} and shop_id = ${shopId} and ${rangeWhere(range)} ${after}
      order by ph, draw, buyer_id limit ${page.limit}`);
    for (const x of r.rows as Record<string, unknown>[]) out.set(x.buyer_id as string, buyerShopFactsOf(x));
    const tail = r.rows.at(-1) as { ph: number; draw: number; buyer_id: string } | undefined;
    return { facts: out, last: tail ? [Number(tail.ph) as 0 | 1, Number(tail.draw), tail.buyer_id] : null };
  }
  // The loyal buyers (a member day: a tenth of the shop) in the draw-ordered index, the ring's two halves in turn.
  for (const phase of [0, 1] as const) {
    if (page.after && page.after[0] > phase) continue;
    const want = page.limit - out.size;
    if (want <= 0) break;
    const side = phase === 0 ? sql`draw >= ${start}` : sql`draw < ${start}`;
    const after = page.after && page.after[0] === phase ? sql`and (draw, buyer_id) > (${page.after[1]}::int, ${page.after[2]}::text)` : sql``;
    const r = await tx.execute(sql`select ${COLUMNS}, draw from coupon_buyer_facts where org_id = ${orgId} and shop_id = ${shopId} and ${rangeWhere(range)} and ${side} ${after}
      order by draw, buyer_id limit ${want}`);
    for (const x of r.rows as Record<string, unknown>[]) out.set(x.buyer_id as string, buyerShopFactsOf(x));
    const tail = r.rows.at(-1) as { draw: number; buyer_id: string } | undefined;
    if (tail) last = [phase, Number(tail.draw), tail.buyer_id];
  }
  return { facts: out, last };
}
