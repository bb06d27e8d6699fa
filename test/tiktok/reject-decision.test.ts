/**
 * A supervisor rejecting a TikTok return after a failed inspection picks one of the reasons TikTok
 * lists for that return right now (Get Reject Reasons); the reject reaches the platform through
 * the outbox with that reason, and anything else is refused naming the field.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerModuleWorkers } from '../../src/app/modules.js';
import { ManualClock } from '../../src/platform/clock.js';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { actorFor } from '../helpers/org.js';
import { seedOrder } from '../helpers/returns.js';
import { connectedWorld } from './helpers.js';

let ctx: TestContext;
const clock = new ManualClock(Date.now());
beforeAll(async () => {
  ctx = await createTestContext({ clock });
  await registerModuleWorkers(ctx.platform, ctx.services);
});
afterAll(async () => {
  await ctx?.close();
});

describe('rejecting a TikTok return names one of its platform reasons', () => {
  it('lists the parcel reasons, refuses a missing or foreign reason, and sends REJECT_RECEIVED_PACKAGE with the chosen one', async () => {
    clock.set(Date.now());
    const w = await connectedWorld(ctx);
    try {
      const world = w.sandbox.world;
      const busy = new Set([...world.returns.values()].map((r) => r.orderId));
      const delivered = [...world.orders.values()].find((o) => o.shopId === w.tiktokShopId && o.status === 'DELIVERED' && !busy.has(o.id))!;
      const rt = world.openReturn(delivered.id, { reason: 'size', type: 'RETURN_AND_REFUND', silent: true });
      world.setReturnStatus(rt.id, 'BUYER_SHIPPED_ITEM', { silent: true });
      await ctx.services.tiktok.sync.syncShop(w.org.orgId, w.shopId, ['orders', 'returns']);
      const owner = actorFor(w.org, 'owner');
      const prt = (await ctx.services.orders.listPlatformReturns(owner, {})).find((p) => p.externalId === rt.id)!;
      const agent = actorFor(w.org, 'agent');
      const ret = await ctx.services.returns.fromPlatformReturn(agent, prt.id, { reasonCode: 'changed_mind' });
      const wh = actorFor(w.org, 'warehouse');
      await ctx.services.returns.receive(wh, ret.id, {});
      expect((await ctx.services.returns.inspect(wh, ret.id, { grade: 'not_ours' })).status).toBe('inspection_failed');

      const cookie = await w.org.cookie('supervisor');
      const listed = await ctx.app.inject({ method: 'GET', url: `/api/returns/${ret.id}/reject-reasons`, headers: { cookie } });
      expect(listed.statusCode).toBe(200);
      const names = (listed.json() as { items: { name: string; text: string | null }[] }).items.map((x) => x.name);
      expect(names).toContain('reverse_reject_return_parcel_reason_3');
      // A request-stage reason is not one TikTok takes for a parcel that came back.
      expect(names).not.toContain('reverse_reject_request_reason_1');
      expect((await ctx.app.inject({ method: 'GET', url: `/api/returns/${ret.id}/reject-reasons`, headers: { cookie: await w.org.cookie('agent') } })).statusCode).toBe(403);

      const decide = (body: Record<string, unknown>) => ctx.app.inject({ method: 'POST', url: `/api/returns/${ret.id}/decide`, headers: { cookie }, payload: body });
      const missing = await decide({ decision: 'reject', note: 'someone else\'s headphones in the box' });
      expect(missing.statusCode).toBe(400);
      expect(missing.json()).toMatchObject({ code: 'returns.reject_reason_required', details: { issues: [{ field: 'rejectReason' }] } });
      const foreign = await decide({ decision: 'reject', note: 'x', rejectReason: 'reverse_reject_request_reason_1' });
      expect(foreign.statusCode).toBe(400);
      expect(foreign.json()).toMatchObject({ code: 'returns.unknown_reject_reason', details: { issues: [{ field: 'rejectReason' }] } });
      expect((await ctx.services.returns.get(owner, ret.id)).status).toBe('inspection_failed');

      const ok = await decide({ decision: 'reject', note: 'someone else\'s headphones in the box', rejectReason: 'reverse_reject_return_parcel_reason_3' });
      expect(ok.statusCode).toBe(200);
      expect(ok.json()).toMatchObject({ status: 'rejected', payoutHold: null });
      await ctx.platform.dispatcher.drain(5, w.org.orgId);
      const sent = w.sandbox.writebacks.filter((x) => x.kind === 'reject_return' && x.target === rt.id);
      expect(sent).toHaveLength(1);
      expect(sent[0]!.body).toMatchObject({ decision: 'REJECT_RECEIVED_PACKAGE', reject_reason: 'reverse_reject_return_parcel_reason_3' });
      expect(sent[0]!.idempotencyKey).toBe(`return:${ret.id}:reject`);
      expect(world.returns.get(rt.id)!.status).not.toBe('BUYER_SHIPPED_ITEM');

      // Our own returns have no platform reasons; naming one is refused.
      const own = await seedOrder(ctx, w.org, { lines: [{ unitPrice: 5_000 }] });
      const mine = await ctx.services.returns.create(agent, { orderId: own.orderId, orderLineIds: own.lineIds, reasonCode: 'changed_mind', channel: 'agent' });
      expect(await ctx.services.returns.rejectReasons(owner, mine.id)).toEqual([]);
      await ctx.services.returns.receive(wh, mine.id, {});
      await ctx.services.returns.inspect(wh, mine.id, { grade: 'empty_box' });
      await expect(ctx.services.returns.decide(owner, mine.id, { decision: 'reject', note: 'empty', rejectReason: 'reverse_reject_return_parcel_reason_3' })).rejects.toMatchObject({ code: 'returns.reject_reason_unused' });
      expect((await ctx.services.returns.decide(owner, mine.id, { decision: 'reject', note: 'empty box' })).status).toBe('rejected');
    } finally {
      await w.close();
    }
  });
});
