import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerModuleWorkers } from '../../app/modules.js';
import { createTestContext, type TestContext } from '../../../test/helpers/context.js';
import { actorFor } from '../../../test/helpers/org.js';
import { connectedWorld } from '../../../test/tiktok/helpers.js';
import { TIKTOK_HANDLERS } from '../../integrations/tiktok/index.js';
import { ManualClock } from '../../platform/clock.js';
import { silentLogger } from '../../platform/logger.js';
import { OutboxDispatcher, type OutboxHandler } from '../../platform/outbox/outbox.js';
import { orders as ordersTable } from '../orders/orders.schema.js';
import { outboxRows, settle } from '../../../test/helpers/returns.js';

let ctx: TestContext;
const clock = new ManualClock(Date.now());
beforeAll(async () => {
  ctx = await createTestContext({ clock });
  await registerModuleWorkers(ctx.platform, ctx.services);
});
afterAll(async () => {
  await ctx?.close();
});

describe('remedy refund against the TikTok sandbox', () => {
  it('retries and a crash after the platform call still give the sandbox exactly one refund', async () => {
    clock.set(Date.now());
    const w = await connectedWorld(ctx);
    const realRefund = ctx.platform.outbox.get(TIKTOK_HANDLERS.refund)!;
    try {
      const order = [...w.sandbox.world.orders.values()].find((o) => o.shopId === w.tiktokShopId && o.status === 'DELIVERED')!;
      await ctx.services.tiktok.sync.syncShop(w.org.orgId, w.shopId, ['orders']);
      const [ours] = await ctx.platform.db.tenant(w.org.orgId, (tx) => tx.select().from(ordersTable).where(and(eq(ordersTable.orgId, w.org.orgId), eq(ordersTable.externalId, order.id))));
      const view = await ctx.services.orders.getOrder(actorFor(w.org, 'owner'), ours!.id);
      const line = view.lines[0]!;

      // The wrapper lets the real handler reach the sandbox, then "kills" the first worker before
      // it can record the step as done; the second attempt first meets a transient network error.
      let calls = 0;
      let hang: (() => void) | undefined;
      const crashing: OutboxHandler = async (payload, c) => {
        const n = ++calls;
        if (n === 2) throw new Error('connect ECONNRESET');
        const r = await realRefund(payload, c);
        if (n === 1) await new Promise<void>((resolve) => (hang = resolve));
        return r;
      };
      ctx.platform.outbox.register(TIKTOK_HANDLERS.refund, crashing);

      const rem = await ctx.services.remedies.propose(actorFor(w.org, 'supervisor'), { orderId: ours!.id, orderLineIds: [line.id], category: 'colour_difference', optionKey: 't2:partial_refund+coupon' });
      expect(rem.status).toBe('executing');
      const expected = Math.round(line.paidAmount * 0.2);
      expect(rem.refundAmount).toBe(expected);

      const workerA = new OutboxDispatcher(ctx.platform.db, ctx.platform.outbox, clock, silentLogger);
      const dying = workerA.runOnce(25, w.org.orgId);
      while (w.sandbox.refunds.filter((r) => r.orderId === order.id).length === 0) await new Promise((r) => setTimeout(r, 10));
      clock.advance(workerA.leaseMs + 1_000);
      await settle(ctx, w.org.orgId);

      const refunds = w.sandbox.refunds.filter((r) => r.orderId === order.id);
      expect(refunds).toEqual([expect.objectContaining({ amount: expected, currency: 'EUR', idempotencyKey: `remedy:${rem.id}:refund` })]);
      expect(calls).toBe(3);
      const step = (await outboxRows(ctx, w.org.orgId, rem.id)).find((r) => r.handler === TIKTOK_HANDLERS.refund)!;
      expect(step).toMatchObject({ status: 'done', attempts: 3 });
      expect((await ctx.services.remedies.get(actorFor(w.org, 'agent'), rem.id)).status).toBe('completed');
      hang?.();
      await dying;
      expect(w.sandbox.refunds.filter((r) => r.orderId === order.id)).toHaveLength(1);
    } finally {
      ctx.platform.outbox.register(TIKTOK_HANDLERS.refund, realRefund);
      await w.close();
    }
  });
});
