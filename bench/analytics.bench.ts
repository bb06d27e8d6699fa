import { sql } from 'drizzle-orm';
import { createAnalyticsService } from '../src/modules/analytics/index.js';
import { systemClock } from '../src/platform/clock.js';
import { createPool, Database } from '../src/platform/db.js';
import { newId } from '../src/platform/ids.js';
import { printComparison, sample, type BenchContext } from './harness.js';
import { benchWorld, type WorldSize } from './world/world.js';

/**
 * Return rate by traffic source by delivery week, for one organisation of the shared world:
 * subject = the weekly source rollup the analytics module keeps (analytics_source_weekly), baseline = the same
 * answer computed from the raw rows (orders ⋈ order_lines ⋈ the line's latest after-sales request).
 * The world is loaded with triggers off, so the rollup is first built by `rebuildAll` (timed: what
 * a first install or a bulk import costs); afterwards triggers keep it current. Both answers are
 * compared row by row before timing. BENCH_WORLD_SIZE = small (default) | full | <buyers>.
 */
export default async function analyticsBench(ctx: BenchContext): Promise<void> {
  const raw = process.env.BENCH_WORLD_SIZE ?? 'small';
  const size: WorldSize = raw === 'full' || raw === 'small' ? raw : Number(raw);
  const world = await benchWorld(ctx, { size, seed: Number(process.env.BENCH_WORLD_SEED ?? 1) });
  const m = world.manifest;
  const db = new Database(createPool(world.appUrl, 4));
  try {
    const org = m.orgs[0]!;
    const analytics = createAnalyticsService({ db, ids: newId, clock: systemClock, notifyOwners: async () => undefined });
    // Set-based backfill by default (three statements inside Postgres); BENCH_ANALYTICS_REBUILD=orders
    // times the per-order path the triggers' queue uses instead.
    const perOrder = process.env.BENCH_ANALYTICS_REBUILD === 'orders';
    const t0 = performance.now();
    const orders = perOrder ? await analytics.rebuildAll(org.orgId) : await analytics.rebuildAllSet(org.orgId);
    const rebuildSeconds = (performance.now() - t0) / 1000;
    ctx.log(`  backfill: ${perOrder ? 'per order (rebuildAll)' : 'set-based (rebuildAllSet)'}`);
    const lines = Number(((await db.tenant(org.orgId, (tx) => tx.execute(sql`select count(*) as n from analytics_line_facts`))).rows[0] as { n: number }).n);
    ctx.log(`  rollup built for ${org.name}: ${orders.toLocaleString('en')} ${perOrder ? 'orders' : 'lines'}, ${lines.toLocaleString('en')} lines in ${rebuildSeconds.toFixed(1)} s`);

    const fromRollup = () =>
      db.tenant(org.orgId, (tx) =>
        tx.execute(sql`
          select source_type, source_id, week, sum(delivered_lines)::int8 as delivered, sum(returned_lines)::int8 as returned
          from analytics_source_weekly group by 1, 2, 3 having sum(delivered_lines) > 0 order by 1, 2, 3`),
      );
    const fromRaw = () =>
      db.tenant(org.orgId, (tx) =>
        tx.execute(sql`
          select ol.traffic_source_type as source_type, coalesce(ol.traffic_source_id, '') as source_id,
            (date_trunc('week', o.delivered_at at time zone 'UTC'))::date as week,
            count(*)::int8 as delivered, count(*) filter (where pr.status is not null and pr.status <> 'cancelled')::int8 as returned
          from orders o
          join order_lines ol on ol.org_id = o.org_id and ol.order_id = o.id
          left join lateral (
            select p.status from platform_returns p
            where p.org_id = o.org_id and p.order_id = o.id and p.kind = 'return' and p.lines @> jsonb_build_array(jsonb_build_object('orderLineId', ol.id))
            order by p.requested_at desc limit 1) pr on true
          where o.delivered_at is not null and o.status <> 'cancelled' and coalesce(ol.raw_status, '') <> 'CANCELLED'
          group by 1, 2, 3 order by 1, 2, 3`),
      );
    const key = (r: Record<string, unknown>) => `${r.source_type}|${r.source_id}|${String(r.week instanceof Date ? r.week.toISOString().slice(0, 10) : r.week).slice(0, 10)}|${r.delivered}|${r.returned}`;
    const a = (await fromRollup()).rows.map(key);
    const b = (await fromRaw()).rows.map(key);
    const agree = a.length === b.length && a.every((x, i) => x === b[i]);
    if (!agree) {
      const missing = b.filter((x) => !a.includes(x)).slice(0, 3);
      const extra = a.filter((x) => !b.includes(x)).slice(0, 3);
      throw new Error(`rollup and raw answers differ (${a.length} vs ${b.length} rows); raw only: ${missing.join(' ; ')}; rollup only: ${extra.join(' ; ')}`);
    }
    const iterations = Math.max(5, Math.round(10 * ctx.scale));
    const baseline = await sample(fromRaw, Math.max(3, Math.round(iterations / 2)), 1);
    const subject = await sample(fromRollup, iterations * 4, 3);
    printComparison({
      name: `analytics (${m.counts.order_lines!.toLocaleString('en')} lines in the world, ${lines.toLocaleString('en')} in ${org.name}): return rate by source by delivery week`,
      baseline: { label: 'from raw rows (orders⋈lines⋈latest request)', stats: baseline },
      subject: { label: 'from the rollup (analytics_source_weekly)', stats: subject },
      notes: [`answers agree: ${a.length} (source, week) rows, identical`, `rollup backfill (${perOrder ? 'rebuildAll, per order' : 'rebuildAllSet, set-based'}, one org): ${rebuildSeconds.toFixed(1)} s for ${lines.toLocaleString('en')} lines`],
    });
  } finally {
    await db.close();
  }
}
