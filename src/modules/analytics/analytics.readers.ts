import { sql } from 'drizzle-orm';
import type { Executor } from '../../platform/db.js';

/** The shop's own LIVE session that was on air at `at` (from the synced session list), if any. */
export async function liveSessionAt(tx: Executor, orgId: string, shopId: string, at: Date): Promise<{ id: string; title: string } | null> {
  const r = await tx.execute(sql`select id, title from live_sessions where org_id = ${orgId} and shop_id = ${shopId} and started_at <= ${at.toISOString()}::timestamptz and ended_at >= ${at.toISOString()}::timestamptz order by started_at desc limit 1`);
  const row = r.rows[0] as { id: string; title: string } | undefined;
  return row ? { id: String(row.id), title: String(row.title) } : null;
}

/**
 * One traffic source of a shop as analytics counts it (the weekly rollup since `since`, as of its
 * last refresh): its name, delivered orders and lines, returned lines; null when no order line of
 * the shop was ever attributed to it. The video-comments integration shows it on comment tickets.
 */
export async function sourceTotals(tx: Executor, orgId: string, shopId: string, sourceType: string, sourceId: string, since: Date): Promise<{ name: string | null; orders: number; deliveredLines: number; returns: number } | null> {
  const r = await tx.execute(sql`
    select (select f.source_name from analytics_line_facts f where f.org_id = ${orgId} and f.shop_id = ${shopId} and f.source_type = ${sourceType} and f.source_id = ${sourceId} and f.source_name is not null limit 1) as name,
      coalesce(sum(delivered_orders), 0) as orders, coalesce(sum(delivered_lines), 0) as delivered, coalesce(sum(returned_lines), 0) as returns
    from analytics_source_weekly where org_id = ${orgId} and shop_id = ${shopId} and source_type = ${sourceType} and source_id = ${sourceId} and week >= ${since.toISOString().slice(0, 10)}::date`);
  const row = r.rows[0] as { name: string | null; orders: string | number; delivered: string | number; returns: string | number } | undefined;
  const known = await tx.execute(sql`select 1 from analytics_line_facts where org_id = ${orgId} and shop_id = ${shopId} and source_type = ${sourceType} and source_id = ${sourceId} limit 1`);
  if (!row || !known.rows.length) return null;
  return { name: row.name ?? null, orders: Number(row.orders), deliveredLines: Number(row.delivered), returns: Number(row.returns) };
}
