import { sql } from 'drizzle-orm';
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { stringify } from 'csv-stringify/sync';
import { AppError } from '../../platform/errors.js';
import { systemActor } from '../../platform/tenancy.js';
import type { Platform } from '../../app/deps.js';
import { fail, withRuntime } from '../context.js';

/** The organisation that owns a row (the installation operator names shops and programmes by id). */
async function orgOf(p: Platform, table: 'shops' | 'coupon_programmes', id: string): Promise<string> {
  const r = await p.db.system((tx) => tx.execute(table === 'shops' ? sql`select org_id from shops where id = ${id}` : sql`select org_id from coupon_programmes where id = ${id}`));
  const row = r.rows[0] as { org_id: string } | undefined;
  if (!row) throw AppError.notFound(table === 'shops' ? 'shop' : 'coupon_programme', id);
  return row.org_id;
}

export function registerCouponsCommands(program: Command): void {
  const c = program.command('coupons').description('Platform coupons, lifecycle programmes and their reports');

  c.command('sync')
    .description("Re-read a shop's coupons from TikTok Shop (every connected shop without --shop)")
    .option('--shop <shopId>', 'one shop')
    .action(async (o: { shop?: string }) => {
      try {
        await withRuntime(async (p, s) => {
          const shops = o.shop ? [{ orgId: await orgOf(p, 'shops', o.shop), shopId: o.shop }] : await s.tiktok.connections.allActive();
          const bar = new cliProgress.SingleBar({ format: 'coupons sync |{bar}| {value}/{total} shops', stream: process.stderr }, cliProgress.Presets.shades_classic);
          bar.start(shops.length, 0);
          let total = 0;
          for (const x of shops) {
            total += (await s.couponPlatform.syncCoupons(x.orgId, x.shopId)).coupons;
            bar.increment();
          }
          bar.stop();
          console.log(`${total} coupons synced from ${shops.length} shop(s)`);
        });
      } catch (e) {
        fail(e);
      }
    });

  c.command('programmes')
    .description('Programmes with their live figures')
    .option('--org <orgId>', 'one organisation (default: all)')
    .option('--json', 'print JSON')
    .action(async (o: { org?: string; json?: boolean }) => {
      try {
        await withRuntime(async (p, s) => {
          const orgs = o.org ? [o.org] : ((await p.db.system((tx) => tx.execute(sql`select distinct org_id from coupon_programmes order by org_id`))).rows as { org_id: string }[]).map((r) => r.org_id);
          const all = [];
          for (const org of orgs) all.push(...(await s.coupons.listProgrammes(systemActor(org))).items.map((x) => ({ orgId: org, ...x })));
          if (o.json) return void console.log(JSON.stringify(all, null, 2));
          for (const x of all) console.log(`${x.id}  ${x.name}  [${x.kind}, ${x.status}]  sent ${x.figures.sent}  redeemed ${x.figures.redeemed}  rate ${x.figures.redemptionRate == null ? '—' : (x.figures.redemptionRate * 100).toFixed(1) + ' %'}  hold-out ${x.figures.heldOut}`);
          if (all.length === 0) console.log('No coupon programmes.');
        });
      } catch (e) {
        fail(e);
      }
    });

  c.command('report')
    .description('One programme: per variant sent, redeemed, redemption rate, order-value uplift, incremental orders and revenue with 95 % intervals, cost, ROI')
    .requiredOption('--programme <id>', 'programme id (cpg_…)')
    .option('--format <json|csv>', 'output format', 'json')
    .action(async (o: { programme: string; format: string }) => {
      try {
        if (o.format !== 'json' && o.format !== 'csv') throw AppError.validation('cli.format', 'format must be json or csv', [{ field: '--format', message: 'json or csv' }]);
        await withRuntime(async (p, s) => {
          const r = await s.coupons.report(systemActor(await orgOf(p, 'coupon_programmes', o.programme)), o.programme);
          if (o.format === 'json') return void console.log(JSON.stringify(r, null, 2));
          const rows = r.variants.map((v) => ({
            variant: v.key,
            sent: v.sent,
            held_out: v.heldOut,
            redeemed: v.redeemed,
            redemption_rate: v.redemptionRate ?? '',
            order_value_uplift: v.orderValueUplift ?? '',
            incremental_orders: v.incrementalOrders?.estimate ?? '',
            incremental_orders_low: v.incrementalOrders?.low ?? '',
            incremental_orders_high: v.incrementalOrders?.high ?? '',
            incremental_revenue: v.incrementalRevenue?.estimate ?? '',
            verdict: v.verdict,
            cost: v.cost,
            cost_per_incremental_order: v.costPerIncrementalOrder ?? '',
            roi: v.roi ?? '',
            later_return_rate: v.laterReturnRate ?? '',
            currency: r.currency,
          }));
          process.stdout.write(stringify(rows, { header: true }));
        });
      } catch (e) {
        fail(e);
      }
    });
}
