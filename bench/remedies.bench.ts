import { loadConfig } from '../src/app/config.js';
import { compose } from '../src/app/compose.js';
import { createPlatform } from '../src/app/deps.js';
import { registerRemedyHandlers } from '../src/modules/remedies/index.js';
import { systemClock } from '../src/platform/clock.js';
import { createPool, Database } from '../src/platform/db.js';
import { newId } from '../src/platform/ids.js';
import { silentLogger } from '../src/platform/logger.js';
import { enqueue } from '../src/platform/outbox/outbox.js';
import type { Actor } from '../src/platform/tenancy.js';
import { printComparison, sample, type BenchContext } from './harness.js';

/**
 * What the remedy machinery costs on top of the bare minimum for one exactly-once refund.
 * Baseline: enqueue one `tiktok.refund` outbox row in a tenant transaction and dispatch it.
 * Subject: a supervisor's partial refund + coupon through the real service (quote economics,
 * authority, coupon minted, evidence, refund step, reconcile) dispatched until the remedy is
 * completed. Both use the same in-process stand-in for the platform, the same pool, the same run.
 * Also: the returns list (100 rows, batched views) against 100 single-return reads.
 */
export default async function remediesBench(ctx: BenchContext): Promise<void> {
  const iterations = Math.max(100, Math.round(400 * ctx.scale));
  const dbs = await ctx.database('bench_remedies');
  const config = loadConfig({ NODE_ENV: 'production', DATABASE_URL: dbs.adminUrl, APP_DATABASE_URL: dbs.appUrl, LOG_LEVEL: 'silent' });
  const db = new Database(createPool(dbs.appUrl, 4));
  const p = createPlatform({ config, db, adminUrl: dbs.adminUrl, clock: systemClock, ids: newId, log: silentLogger, jobs: undefined, secretKey: Buffer.alloc(32, 1) });
  const s = compose(p);
  registerRemedyHandlers(p.outbox, s.remedies);
  let remoteRefunds = 0;
  p.outbox.register('tiktok.refund', async () => ({ refundId: `rf-${++remoteRefunds}` }));
  try {
    const org = await s.tenancy.createOrganisation({ name: 'Bench remedies' });
    const sup = await s.auth.createUserInOrg(org.orgId, { email: `sup.${org.orgId}@bench.afterdesk.dev`, name: 'Sup', password: 'bench-password-1', role: 'supervisor', languages: ['en'] });
    const owner: Actor = { orgId: org.orgId, userId: sup.id, role: 'owner' };
    const supervisor: Actor = { orgId: org.orgId, userId: sup.id, role: 'supervisor' };
    const brand = await s.tenancy.createBrand(owner, { name: 'Bench brand' });
    const shop = await s.tenancy.createShop(owner, { brandId: brand.id, name: 'Bench DE', market: 'DE' });
    const orders = s.orders;
    const nOrders = iterations * 2 + 150;
    const now = new Date();
    const ids = await db.tenant(org.orgId, (tx) =>
      orders.applyOrders(
        tx,
        org.orgId,
        Array.from({ length: nOrders }, (_, i) => ({
          shopId: shop.id,
          externalId: `B${i}`,
          buyer: { platformBuyerId: `buyer-${i % 500}`, displayName: 'Bench buyer', language: 'de' },
          status: 'delivered' as const,
          rawStatus: 'DELIVERED',
          currency: 'EUR',
          subtotal: 24_900,
          shipping: 0,
          sellerDiscount: 0,
          platformDiscount: 0,
          tax: 0,
          total: 24_900,
          placedAt: new Date(now.getTime() - 9 * 86_400_000),
          deliveredAt: new Date(now.getTime() - 2 * 86_400_000),
          deliveryStatus: 'delivered' as const,
          externalUpdatedAt: now,
          lines: [{ externalId: `B${i}-1`, skuId: 'sku', productId: 'p', productName: 'Headphones', category: 'Headphones', unitPrice: 24_900, paidAmount: 24_900, trafficSource: { type: 'organic' as const, id: null, name: null } }],
        })),
      ),
    ).catch((e: unknown) => {
      throw new Error(`seeding orders failed: ${String((e as { cause?: unknown }).cause ?? e)}`);
    });
    const orderIds = [...ids.values()];
    let next = 0;

    const baseline = await sample(async () => {
      const orderId = orderIds[next++]!;
      await db.tenant(org.orgId, (tx) =>
        enqueue(tx, { orgId: org.orgId, handler: 'tiktok.refund', idempotencyKey: `bench:${orderId}`, payload: { shopId: shop.id, orderId, amount: 4_980, currency: 'EUR', reason: 'bench' } }, { ids: p.ids, clock: p.clock }),
      );
      await p.dispatcher.drain(10, org.orgId);
    }, iterations, 20);

    const subject = await sample(async () => {
      const orderId = orderIds[next++]!;
      const rem = await s.remedies.propose(supervisor, { orderId, category: 'colour_difference', optionKey: 't2:partial_refund+coupon' });
      // The dispatcher's own pace: a watch that ran before its step retries after 1 s (outbox backoff).
      for (let k = 0; k < 1_000; k++) {
        await p.dispatcher.drain(10, org.orgId);
        if ((await s.remedies.get(supervisor, rem.id)).status === 'completed') return;
        await new Promise((r) => setTimeout(r, 5));
      }
      throw new Error(`remedy ${rem.id} did not complete`);
    }, iterations, 20);

    printComparison({
      name: 'One exactly-once partial refund',
      baseline: { label: 'bare outbox refund row + dispatch', stats: baseline },
      subject: { label: 'remedy: propose → refund → completed', stats: subject },
      notes: [`remote refunds recorded: ${remoteRefunds} (expected ${2 * (iterations + 20)})`],
    });

    // Returns list: 100 returns in one call vs reading them one by one.
    const agent: Actor = { orgId: org.orgId, userId: sup.id, role: 'supervisor' };
    const returnIds: string[] = [];
    for (let i = 0; i < 100; i++) {
      const orderId = orderIds[next++]!;
      const o = await orders.getOrder(agent, orderId);
      returnIds.push((await s.returns.create(agent, { orderId, orderLineIds: o.lines.map((l) => l.id), reasonCode: 'size_fit', channel: 'agent' })).id);
    }
    const one = await sample(async () => {
      for (const id of returnIds) await s.returns.get(agent, id);
    }, 20, 3);
    const list = await sample(() => s.returns.list(agent, { limit: 100 }), 20, 3);
    printComparison({
      name: 'Returns screen, 100 returns',
      baseline: { label: '100 single reads (get)', stats: one },
      subject: { label: 'one list call (batched views)', stats: list },
    });
  } finally {
    await db.close();
  }
}
