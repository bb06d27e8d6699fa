import { sql } from 'drizzle-orm';
import { createPool, Database } from '../src/platform/db.js';
import { printComparison, sample, type BenchContext } from './harness.js';
import { benchWorld, type WorldSize } from './world/world.js';

/**
 * The shared world, and what an analytics-style question costs on it. Baseline: order lines
 * counted per traffic source (one index-only pass over the org's lines). Subject: the return
 * rate per traffic source over the last 30 days (lines ⋈ orders in the window ⋈ after-sales
 * requests), the query a "which creator sells returns" report runs. Both in a tenant
 * transaction on the app role, so row-level security is part of the price.
 * BENCH_WORLD_SIZE = small (default) | full | <buyers>; BENCH_WORLD_SEED (default 1).
 */
export default async function worldBench(ctx: BenchContext): Promise<void> {
  const raw = process.env.BENCH_WORLD_SIZE ?? 'small';
  const size: WorldSize = raw === 'full' || raw === 'small' ? raw : Number(raw);
  const world = await benchWorld(ctx, { size, seed: Number(process.env.BENCH_WORLD_SEED ?? 1) });
  const m = world.manifest;
  ctx.log(`  ${Object.entries(m.counts).map(([k, v]) => `${k}=${v.toLocaleString('en')}`).join('  ')}`);
  // A second clone of the now-cached template: what every later benchmark pays.
  const again = await benchWorld(ctx, { size, seed: m.seed });
  ctx.log(`  clone of the cached template: ${again.cloneSeconds.toFixed(2)} s`);

  const db = new Database(createPool(world.appUrl, 2));
  try {
    const org = m.orgs[0]!;
    const since = new Date(Date.parse(m.now) - 30 * 86_400_000).toISOString();
    const perSource = () =>
      db.tenant(org.orgId, (tx) =>
        tx.execute(sql`select traffic_source_type, traffic_source_id, count(*)::int8 as n from order_lines group by 1, 2`),
      );
    const returnRates = () =>
      db.tenant(org.orgId, (tx) =>
        tx.execute(sql`
          select ol.traffic_source_type as type, ol.traffic_source_id as id, min(ol.traffic_source_name) as name, count(*)::int8 as lines,
            count(pr.id)::int8 as returned, count(pr.id)::float8 / count(*) as rate
          from orders o
          join order_lines ol on ol.org_id = o.org_id and ol.order_id = o.id
          left join platform_returns pr on pr.org_id = o.org_id and pr.order_id = o.id and pr.lines->0->>'orderLineId' = ol.id
          where o.placed_at >= ${since}::timestamptz and o.status in ('delivered', 'completed')
          group by 1, 2
          having count(*) >= 30
          order by rate desc`),
      );
    const iterations = Math.max(5, Math.round(20 * ctx.scale));
    const baseline = await sample(perSource, iterations, 2);
    const subject = await sample(returnRates, iterations, 2);

    // The world is only useful if the planted problems are findable: the worst sources by
    // return rate should be the ones generated bad.
    const rows = (await returnRates()).rows as Array<{ type: string; id: string | null; rate: number; lines: number }>;
    const bad = m.badSources.filter((s) => s.orgId === org.orgId);
    const top = rows.slice(0, bad.length).map((r) => r.id);
    const found = bad.filter((s) => top.includes(s.id)).length;
    printComparison({
      name: `world (${m.buyers.toLocaleString('en')} buyers, ${m.counts.order_lines!.toLocaleString('en')} lines): return rate per traffic source, last 30 days, one org`,
      baseline: { label: 'lines per traffic source (count only)', stats: baseline },
      subject: { label: 'return rate per source (lines⋈orders⋈returns)', stats: subject },
      notes: [
        `world build${world.built ? '' : ' (cached; figures from when it was built)'}: ${m.build.seconds.toFixed(1)} s = setup ${m.build.setupSeconds.toFixed(1)} s + bulk ${m.build.bulkSeconds.toFixed(1)} s (${m.build.rows.toLocaleString('en')} rows, ${Math.round(m.build.rowsPerSecond).toLocaleString('en')} rows/s) + vacuum ${m.build.vacuumSeconds.toFixed(1)} s, template ${(m.build.bytes / 1e6).toFixed(0)} MB; clone of the cached template ${again.cloneSeconds.toFixed(2)} s`,
        `planted bad sources of ${org.name} among the ${bad.length} worst by return rate: ${found}/${bad.length} (${rows.length} sources with ≥ 30 lines)`,
      ],
    });
  } finally {
    await db.close();
  }
}
