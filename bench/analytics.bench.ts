import { sql } from 'drizzle-orm';
import { createAnalyticsService } from '../src/modules/analytics/index.js';
import { systemClock } from '../src/platform/clock.js';
import { createPool, Database } from '../src/platform/db.js';
import { newId } from '../src/platform/ids.js';
import { printComparison, sample, type BenchContext } from './harness.js';
import fs from 'node:fs';
import { postmasterPid, treeCpuMs } from './proc-cpu.js';
import { benchWorld, type WorldSize } from './world/world.js';

/**
 * Return rate by traffic source by delivery week over the shared world:
 * subject = the weekly source rollup the analytics module keeps (analytics_source_weekly), baseline = the same
 * answer computed from the raw rows (orders ⋈ order_lines ⋈ the line's latest after-sales request).
 * Every organisation of the world is asked (one tenant query each, row-level security on, the
 * answers' times summed), so the answer covers every order line of the world; BENCH_ANALYTICS_ORGS=first
 * asks only the first (half of the lines). The world is loaded with triggers off, so the rollup is
 * first built by `rebuildAllSet` (timed: what a first install or a bulk import costs); afterwards
 * triggers keep it current. Both answers are compared row by row (that first pass is also the
 * warm-up); then each side is timed. BENCH_WORLD_SIZE = small (default) | full (~10 M lines) | <buyers>;
 * BENCH_ANALYTICS_RAW_SAMPLES (default 5, at least 1) timed passes over the raw rows.
 */
const readLoad = () => fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

export default async function analyticsBench(ctx: BenchContext): Promise<void> {
  const raw = process.env.BENCH_WORLD_SIZE ?? 'small';
  const size: WorldSize = raw === 'full' || raw === 'small' ? raw : Number(raw);
  const tw = performance.now();
  const world = await benchWorld(ctx, { size, seed: Number(process.env.BENCH_WORLD_SEED ?? 1) });
  const worldSeconds = (performance.now() - tw) / 1000;
  const m = world.manifest;
  const db = new Database(createPool(world.appUrl, 4));
  try {
    const orgs = process.env.BENCH_ANALYTICS_ORGS === 'first' ? m.orgs.slice(0, 1) : m.orgs;
    const analytics = createAnalyticsService({ db, ids: newId, clock: systemClock, notifyOwners: async () => undefined });
    // Set-based backfill by default (three statements inside Postgres); BENCH_ANALYTICS_REBUILD=orders
    // times the per-order path the triggers' queue uses instead.
    const perOrder = process.env.BENCH_ANALYTICS_REBUILD === 'orders';
    const t0 = performance.now();
    for (const org of orgs) await (perOrder ? analytics.rebuildAll(org.orgId) : analytics.rebuildAllSet(org.orgId));
    const rebuildSeconds = (performance.now() - t0) / 1000;
    let lines = 0;
    for (const org of orgs) lines += Number(((await db.tenant(org.orgId, (tx) => tx.execute(sql`select count(*) as n from analytics_line_facts`))).rows[0] as { n: number }).n);
    ctx.log(`  rollup built (${perOrder ? 'per order, rebuildAll' : 'set-based, rebuildAllSet'}) for ${orgs.length} organisation(s): ${lines.toLocaleString('en')} lines in ${rebuildSeconds.toFixed(1)} s, load ${readLoad()}`);

    const fromRollup = (orgId: string) =>
      db.tenant(orgId, (tx) =>
        tx.execute(sql`
          select source_type, source_id, week, sum(delivered_lines)::int8 as delivered, sum(returned_lines)::int8 as returned
          from analytics_source_weekly group by 1, 2, 3 having sum(delivered_lines) > 0 order by 1, 2, 3`),
      );
    const fromRaw = (orgId: string) =>
      db.tenant(orgId, (tx) =>
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
    /** The whole answer: every organisation's rows, each tagged with its organisation. */
    const answer = async (q: (orgId: string) => Promise<{ rows: unknown[] }>) => {
      const out: Array<Record<string, unknown>> = [];
      for (const org of orgs) for (const r of (await q(org.orgId)).rows as Array<Record<string, unknown>>) out.push({ org: org.orgId, ...r });
      return out;
    };
    const key = (r: Record<string, unknown>) => `${r.org}|${r.source_type}|${r.source_id}|${String(r.week instanceof Date ? r.week.toISOString().slice(0, 10) : r.week).slice(0, 10)}|${r.delivered}|${r.returned}`;
    const ta = performance.now();
    const a = (await answer(fromRollup)).map(key);
    const tb = performance.now();
    const b = (await answer(fromRaw)).map(key);
    const firstRawMs = performance.now() - tb;
    const agree = a.length === b.length && a.every((x, i) => x === b[i]);
    if (!agree) {
      const missing = b.filter((x) => !a.includes(x)).slice(0, 3);
      const extra = a.filter((x) => !b.includes(x)).slice(0, 3);
      throw new Error(`rollup and raw answers differ (${a.length} vs ${b.length} rows); raw only: ${missing.join(' ; ')}; rollup only: ${extra.join(' ; ')}`);
    }
    ctx.log(`  answers agree (${a.length.toLocaleString('en')} rows); first (cold) passes: rollup ${(tb - ta).toFixed(0)} ms, raw ${(firstRawMs / 1000).toFixed(1)} s, load ${readLoad()}`);
    const iterations = Math.max(5, Math.round(10 * ctx.scale));
    const rawSamples = Math.max(1, Number(process.env.BENCH_ANALYTICS_RAW_SAMPLES ?? Math.max(3, Math.round(iterations / 2))));
    // CPU per answer: this process plus the world cluster's process tree (postmaster and backends).
    const postmaster = await postmasterPid(world.adminUrl);
    const cpuNow = () => {
      const u = process.cpuUsage();
      return (u.user + u.system) / 1000 + treeCpuMs({ pg: postmaster }).pg!;
    };
    const c0 = cpuNow();
    const baseline = await sample(() => answer(fromRaw), rawSamples, 0);
    const rawCpu = (cpuNow() - c0) / rawSamples;
    const loadRaw = readLoad();
    const subjectN = iterations * 4;
    for (let i = 0; i < 3; i++) await answer(fromRollup);
    const c1 = cpuNow();
    const subject = await sample(() => answer(fromRollup), subjectN, 0);
    const rollupCpu = (cpuNow() - c1) / subjectN;
    printComparison({
      name: `analytics (${m.counts.order_lines!.toLocaleString('en')} lines in the world, ${lines.toLocaleString('en')} in the ${orgs.length} organisation(s) asked): return rate by source by delivery week`,
      baseline: { label: 'from raw rows (orders⋈lines⋈latest request)', stats: baseline },
      subject: { label: 'from the rollup (analytics_source_weekly)', stats: subject },
      notes: [
        `aim (issue 15, at 10 M lines): rollup p50 under 500 ms warm and at least ×20 faster than from raw rows`,
        `answers agree: ${a.length.toLocaleString('en')} (organisation, source, week) rows, identical; one tenant query per organisation, times summed`,
        `rollup backfill (${perOrder ? 'rebuildAll, per order' : 'rebuildAllSet, set-based'}): ${rebuildSeconds.toFixed(1)} s for ${lines.toLocaleString('en')} lines`,
        `world: ${world.built ? `built in ${m.build.seconds.toFixed(1)} s (bulk ${m.build.rows.toLocaleString('en')} rows in ${m.build.bulkSeconds.toFixed(1)} s, vacuum ${m.build.vacuumSeconds.toFixed(1)} s, ${(m.build.bytes / 1e9).toFixed(1)} GB)` : `cached (built in ${m.build.seconds.toFixed(1)} s)`}, clone ${world.cloneSeconds.toFixed(1)} s, ready after ${worldSeconds.toFixed(1)} s`,
        `CPU per answer (this process + the world's Postgres tree, /proc): raw ${(rawCpu / 1000).toFixed(2)} s, rollup ${rollupCpu.toFixed(1)} ms (×${(rawCpu / Math.max(0.001, rollupCpu)).toFixed(0)} less)`,
        `load average: ${loadRaw} after the raw passes, ${readLoad()} at the end`,
      ],
    });
  } finally {
    await db.close();
  }
}
