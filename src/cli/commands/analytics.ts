import type { Command } from 'commander';
import cliProgress from 'cli-progress';
import { stringify } from 'csv-stringify/sync';
import { sql } from 'drizzle-orm';
import { systemActor } from '../../platform/tenancy.js';
import type { Platform } from '../../app/deps.js';
import { fail, withRuntime } from '../context.js';

function usage(option: string, message: string): never {
  console.error(`error: ${option}: ${message}`);
  process.exit(2);
}

/** The organisation a report is for: the shop's, the one given, or the only one there is. */
async function orgFor(p: Platform, o: { org?: string; shop?: string }): Promise<string> {
  const rows = await p.db.system(async (tx) =>
    o.shop ? (await tx.execute(sql`select org_id from shops where id = ${o.shop}`)).rows : o.org ? (await tx.execute(sql`select org_id from organisations where org_id = ${o.org}`)).rows : (await tx.execute(sql`select org_id from organisations order by created_at limit 2`)).rows,
  );
  if (rows.length === 0) usage(o.shop ? '--shop' : '--org', `no such ${o.shop ? 'shop' : 'organisation'}`);
  if (rows.length > 1) usage('--org', 'several organisations: pass --org or --shop');
  return String((rows[0] as { org_id: string }).org_id);
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

export function registerAnalyticsCommands(program: Command): void {
  const report = program.command('report').description('Analytics reports: return rates by source/product/reason, exclusions, shop health');

  report
    .command('return-rates')
    .description('Return, refund, complaint and dispute rates with anomaly flags (binomial test vs the shop, Benjamini–Hochberg q = 0.05, ≥ 30 delivered orders)')
    .option('--by <dimension>', 'source | product | sku | reason | market', 'source')
    .option('--shop <id>', 'one shop (shp_…)')
    .option('--org <id>', 'organisation (default: the shop’s, or the only one)')
    .option('--from <date>', 'first delivery week day, YYYY-MM-DD (default: 90 days ago)')
    .option('--to <date>', 'end, exclusive, YYYY-MM-DD (default: tomorrow)')
    .option('--format <format>', 'json | csv', 'json')
    .action(async (o: { by: string; shop?: string; org?: string; from?: string; to?: string; format: string }) => {
      if (!['source', 'product', 'sku', 'reason', 'market'].includes(o.by)) usage('--by', `"${o.by}" must be source, product, sku, reason or market`);
      if (o.format !== 'json' && o.format !== 'csv') usage('--format', `"${o.format}" must be json or csv`);
      if (o.from && !DAY.test(o.from)) usage('--from', 'must be YYYY-MM-DD');
      if (o.to && !DAY.test(o.to)) usage('--to', 'must be YYYY-MM-DD');
      try {
        await withRuntime(async (p, s) => {
          const orgId = await orgFor(p, o);
          const r = await s.analytics.report(systemActor(orgId), { by: o.by as 'source', shopId: o.shop, from: o.from, to: o.to });
          const rows = r.items.map((x) => ({ type: x.sourceType ?? o.by, id: x.sourceId ?? x.key, name: x.name, shop: x.shopId, orders: x.orders, deliveredLines: x.deliveredLines, returns: x.returns, rate: x.returnRate, refundRate: x.refundRate, complaintRate: x.complaintRate, disputeRate: x.disputeRate, baseline: x.baseline, qValue: x.qValue, flagged: x.flagged, excluded: x.excluded }));
          if (o.format === 'json') console.log(JSON.stringify({ by: r.by, from: r.from, to: r.to, rows, definitions: r.definitions }, null, 2));
          else process.stdout.write(stringify(rows, { header: true }));
        });
      } catch (e) {
        fail(e);
      }
    });

  report
    .command('exclusions')
    .description('Flagged sources not yet excluded: campaign ids, creator handles, video ids and live session ids to pause')
    .option('--shop <id>', 'one shop (shp_…)')
    .option('--org <id>', 'organisation (default: the shop’s, or the only one)')
    .option('--format <format>', 'csv | json', 'csv')
    .action(async (o: { shop?: string; org?: string; format: string }) => {
      if (o.format !== 'json' && o.format !== 'csv') usage('--format', `"${o.format}" must be csv or json`);
      try {
        await withRuntime(async (p, s) => {
          const orgId = await orgFor(p, o);
          const recs = await s.analytics.recommendations(systemActor(orgId), { shopId: o.shop });
          if (o.format === 'json') console.log(JSON.stringify(recs, null, 2));
          else process.stdout.write(s.analytics.recommendationsCsv(recs));
        });
      } catch (e) {
        fail(e);
      }
    });

  report
    .command('shop-health')
    .description("Shop health per shop: the platform's customer-service performance and the metrics computed here, against per-market thresholds")
    .option('--shop <id>', 'one shop (shp_…)')
    .option('--org <id>', 'organisation (default: the shop’s, or the only one)')
    .option('--format <format>', 'json', 'json')
    .action(async (o: { shop?: string; org?: string; format: string }) => {
      if (o.format !== 'json') usage('--format', `"${o.format}" must be json`);
      try {
        await withRuntime(async (p, s) => {
          const orgId = await orgFor(p, o);
          console.log(JSON.stringify(await s.analytics.shopHealth(systemActor(orgId), { shopId: o.shop }), null, 2));
        });
      } catch (e) {
        fail(e);
      }
    });

  program
    .command('analytics')
    .description('Analytics upkeep')
    .command('rebuild')
    .description('Rebuild the per-line facts and weekly rollup of an organisation from the orders (after a bulk load with triggers off)')
    .option('--org <id>', 'organisation (default: the only one)')
    .action(async (o: { org?: string }) => {
      try {
        await withRuntime(async (p, s) => {
          const orgId = await orgFor(p, o);
          const total = Number(((await p.db.tenant(orgId, (tx) => tx.execute(sql`select count(*) as n from orders where org_id = ${orgId}`))).rows[0] as { n: number }).n);
          const bar = new cliProgress.SingleBar({ format: 'rebuild [{bar}] {value}/{total} orders' }, cliProgress.Presets.shades_classic);
          bar.start(total, 0);
          await s.analytics.rebuildAll(orgId, (n) => bar.increment(n));
          bar.stop();
        });
      } catch (e) {
        fail(e);
      }
    });
}
