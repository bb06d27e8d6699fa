import { sql } from 'drizzle-orm';
import type { Database } from '../../platform/db.js';
import { AppError } from '../../platform/errors.js';
import { requireRole, type Actor } from '../../platform/tenancy.js';
import { explainDueForShop, loadShop } from './sla.calendars.js';
import type { DueView } from './sla.dto.js';
import type { SlaMode } from './sla.rules.js';

/** Read-only answers: attainment per shop and metric, and when a target falls due on a shop's calendar. */
export function createSlaReports(deps: { db: Database }) {
  const { db } = deps;

  /** The due calculator on a shop's own calendar (zone, hours, market holidays). */
  async function computeDueForShop(actor: Actor, shopId: string, q: { start: string; minutes: number; mode?: SlaMode }): Promise<DueView> {
    const shop = await db.tenant(actor.orgId, (tx) => loadShop(tx, actor.orgId, shopId));
    return explainDueForShop(shop, q);
  }

  /** Per shop and metric: how many clocks met or breached their targets, and first-reply times. */
  async function attainment(actor: Actor, q: { from: string; to: string; shopId?: string }) {
    requireRole(actor, ['owner', 'supervisor'], 'reading SLA attainment');
    const from = new Date(q.from);
    const to = new Date(q.to);
    if (!(from < to)) throw AppError.validation('sla.bad_range', 'from must be before to', [{ field: 'to', message: 'must be after from' }]);
    return db.tenant(actor.orgId, async (tx) => {
      const r = await tx.execute(sql`
        select shop_id, metric,
          count(*)::int as count,
          count(*) filter (where stopped_at is not null and breached_at is null)::int as met,
          count(*) filter (where breached_at is not null)::int as breached,
          percentile_cont(0.5) within group (order by extract(epoch from (stopped_at - started_at)) / 60)
            filter (where metric = 'first_reply' and stop_reason = 'reply') as p50,
          percentile_cont(0.9) within group (order by extract(epoch from (stopped_at - started_at)) / 60)
            filter (where metric = 'first_reply' and stop_reason = 'reply') as p90
        from sla_clocks
        where org_id = ${actor.orgId} and started_at >= ${from.toISOString()}::timestamptz and started_at < ${to.toISOString()}::timestamptz
          ${q.shopId ? sql`and shop_id = ${q.shopId}` : sql``}
        group by shop_id, metric
        order by shop_id, array_position(array['first_reply','next_reply','resolution'], metric)`);
      const rows = r.rows as { shop_id: string; metric: string; count: number; met: number; breached: number; p50: number | null; p90: number | null }[];
      return rows.map((x) => ({
        shopId: x.shop_id,
        metric: x.metric,
        count: x.count,
        met: x.met,
        breached: x.breached,
        open: x.count - x.met - x.breached,
        attainmentPercent: x.met + x.breached > 0 ? Math.round((x.met / (x.met + x.breached)) * 1000) / 10 : null,
        p50FirstReplyMinutes: x.p50 === null ? null : Math.round(Number(x.p50) * 10) / 10,
        p90FirstReplyMinutes: x.p90 === null ? null : Math.round(Number(x.p90) * 10) / 10,
      }));
    });
  }

  return { computeDueForShop, attainment };
}
