import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TIKTOK_HANDLERS } from '../../src/integrations/tiktok/index.js';
import { orders as ordersTable, platformReturns as platformReturnsTable } from '../../src/modules/orders/orders.schema.js';
import { ManualClock } from '../../src/platform/clock.js';
import { enqueue } from '../../src/platform/outbox/outbox.js';
import { outbox } from '../../src/platform/outbox/outbox.schema.js';
import { registerModuleWorkers } from '../../src/app/modules.js';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { connectedWorld, uniqueShops } from './helpers.js';
import { createTestOrg } from '../helpers/org.js';
import { sellerReturnReason } from '../../src/modules/portal/index.js';

let ctx: TestContext;
const clock = new ManualClock(Date.now());
beforeAll(async () => {
  ctx = await createTestContext({ clock });
  await registerModuleWorkers(ctx.platform, ctx.services);
});
afterAll(async () => {
  await ctx?.close();
});

async function enqueueStep(orgId: string, handler: string, key: string, payload: Record<string, unknown>) {
  return ctx.platform.db.tenant(orgId, (tx) => enqueue(tx, { orgId, handler, idempotencyKey: key, payload }, { ids: ctx.platform.ids, clock }));
}
async function row(orgId: string, id: string) {
  const [r] = await ctx.platform.db.tenant(orgId, (tx) => tx.select().from(outbox).where(and(eq(outbox.orgId, orgId), eq(outbox.id, id))));
  return r!;
}

describe('TikTok write-backs through the outbox', () => {
  it("a buyer's return from the self-service page: created on TikTok for a US shop (RETURN_AND_REFUND, the step's key) and linked to our RMA; refused in DE", async () => {
    clock.set(Date.now());
    const shops = uniqueShops();
    const w = await connectedWorld(ctx, { shops });
    try {
      const world = w.sandbox.world;
      const us = shops.find((s) => s.region === 'US')!;
      const usOrg = await createTestOrg(ctx, { market: 'US' });
      const c = await ctx.services.tiktok.connections.completeAuthorisation(usOrg.orgId, w.sandbox.issueAuthCode([us.id]));
      expect(c.connected[0]?.shopId).toBe(usOrg.shopId);
      const fresh = (shopId: string) => [...world.orders.values()].find((o) => o.shopId === shopId && o.status === 'DELIVERED' && ![...world.returns.values()].some((r) => r.orderId === o.id))!;
      const usOrder = fresh(us.id);
      const deOrder = fresh(w.tiktokShopId);
      await ctx.services.tiktok.sync.syncShop(usOrg.orgId, usOrg.shopId, ['orders']);
      await ctx.services.tiktok.sync.syncShop(w.org.orgId, w.shopId, ['orders']);
      const ours = async (orgId: string, ext: string) => (await ctx.platform.db.tenant(orgId, (tx) => tx.select().from(ordersTable).where(and(eq(ordersTable.orgId, orgId), eq(ordersTable.externalId, ext)))))[0]!;
      const owner = { orgId: usOrg.orgId, userId: 'x', role: 'owner' as const };
      const usOurs = await ours(usOrg.orgId, usOrder.id);
      const line = (await ctx.services.orders.getOrder(owner, usOurs.id)).lines[0]!;
      // The RMA the buyer's page opens (self-service channel, no platform request yet).
      const rma = await ctx.services.returns.create(owner, { orderId: usOurs.id, orderLineIds: [line.id], reasonCode: 'changed_mind', channel: 'self_service' });
      const { row: step } = await enqueueStep(usOrg.orgId, TIKTOK_HANDLERS.createReturn, `portal-return:${rma.id}:platform`, { shopId: usOrg.shopId, orderId: usOurs.id, returnId: rma.id, orderLineIds: [line.id], returnReason: sellerReturnReason('US', 'changed_mind') });
      await ctx.platform.dispatcher.drain(5, usOrg.orgId);
      expect(await row(usOrg.orgId, step.id)).toMatchObject({ status: 'done' });
      const calls = w.sandbox.writebacks.filter((x) => x.kind === 'create_return' && x.target === usOrder.id);
      expect(calls).toHaveLength(1);
      expect(calls[0]).toMatchObject({ idempotencyKey: step.idempotencyKey, body: { return_type: 'RETURN_AND_REFUND', return_reason: 'seller_ecom_delivered_return_refund_reason1', order_line_item_ids: [line.externalId] } });
      const created = [...world.returns.values()].filter((r) => r.orderId === usOrder.id);
      expect(created).toHaveLength(1);
      // The platform request arrives; the import links it to the buyer's RMA instead of opening a second one.
      const imported = await ctx.services.returns.importPlatformReturns(owner);
      expect(imported.created.map((x) => x.returnId)).toEqual([rma.id]);
      const after = await ctx.services.returns.list(owner, { orderId: usOurs.id });
      expect(after).toHaveLength(1);
      expect(after[0]!.platformReturnId).toBe(imported.created[0]!.platformReturnId);

      // DE: TikTok lets only the buyer open a return; the platform refuses the seller's attempt for good.
      const deOwner = { orgId: w.org.orgId, userId: 'x', role: 'owner' as const };
      const deOurs = await ours(w.org.orgId, deOrder.id);
      const deLine = (await ctx.services.orders.getOrder(deOwner, deOurs.id)).lines[0]!;
      const { row: de } = await enqueueStep(w.org.orgId, TIKTOK_HANDLERS.createReturn, `portal-return:de-${deOurs.id}:platform`, { shopId: w.shopId, orderId: deOurs.id, returnId: 'ret_x', orderLineIds: [deLine.id], returnReason: sellerReturnReason('DE', 'changed_mind') });
      await ctx.platform.dispatcher.drain(5, w.org.orgId);
      const failed = await row(w.org.orgId, de.id);
      expect(failed.status).toBe('failed');
      expect(failed.lastError).toContain('25020005');
      expect([...world.returns.values()].filter((r) => r.orderId === deOrder.id)).toHaveLength(0);
    } finally {
      await w.close();
    }
  });

  it('refund: the answer is lost after the platform applied it; the retry sends the same idempotency key and the sandbox records exactly one refund', async () => {
    clock.set(Date.now());
    const w = await connectedWorld(ctx);
    try {
      const world = w.sandbox.world;
      const order = [...world.orders.values()].find((o) => o.shopId === w.tiktokShopId && o.status === 'DELIVERED')!;
      await ctx.services.tiktok.sync.syncShop(w.org.orgId, w.shopId, ['orders']);
      const [ours] = await ctx.platform.db.tenant(w.org.orgId, (tx) => tx.select().from(ordersTable).where(and(eq(ordersTable.orgId, w.org.orgId), eq(ordersTable.externalId, order.id))));
      const line = (await ctx.services.orders.getOrder({ orgId: w.org.orgId, userId: 'x', role: 'owner' }, ours!.id)).lines[0]!;
      const { row: step } = await enqueueStep(w.org.orgId, TIKTOK_HANDLERS.refund, `refund:remedy-1:${line.id}`, {
        shopId: w.shopId,
        orderId: ours!.id,
        orderLineIds: [line.id],
        amount: 5000,
        currency: 'EUR',
        reason: 'seller_goodwill_partial_refund',
      });
      w.sandbox.inject(/^\/return_refund\/202309\/returns$/, { kind: 'drop_after_commit' });

      // The network drop makes the client repeat the call (safe: it carries the key).
      await ctx.platform.dispatcher.runOnce(25, w.org.orgId);
      const refunds = w.sandbox.refunds.filter((r) => r.orderId === order.id);
      expect(refunds).toHaveLength(1);
      expect(refunds[0]).toMatchObject({ amount: 5000, currency: 'EUR', via: 'create_return REFUND', idempotencyKey: step.idempotencyKey });
      const calls = w.sandbox.writebacks.filter((x) => x.kind === 'create_return' && x.target === order.id);
      expect(calls.map((c) => [c.idempotencyKey, c.replay])).toEqual([
        [step.idempotencyKey, false],
        [step.idempotencyKey, true],
      ]);
      // Free text becomes a seller reason code valid for a delivered order (the platform takes no other).
      expect(calls[0]!.body.return_reason).toBe('ecom_order_delivered_refund_reason_not_match_description_seller');
      const done = await row(w.org.orgId, step.id);
      expect(done).toMatchObject({ status: 'done', attempts: 1 });
      expect(done.result).toMatchObject({ via: 'create_return', returnId: refunds[0]!.returnId });
      // Our copy of the platform return is refreshed right after the write-back.
      const prt = await ctx.platform.db.tenant(w.org.orgId, (tx) => tx.select().from(platformReturnsTable).where(and(eq(platformReturnsTable.orgId, w.org.orgId), eq(platformReturnsTable.externalId, refunds[0]!.returnId))));
      expect(prt[0]).toMatchObject({ status: 'approved', type: 'refund_only', refundAmount: 5000, orderId: ours!.id });
    } finally {
      await w.close();
    }
  });

  it('refund: a worker that died after the platform call (lease expired) re-runs with the same key — still one refund', async () => {
    clock.set(Date.now());
    const w = await connectedWorld(ctx);
    try {
      const world = w.sandbox.world;
      const order = [...world.orders.values()].find((o) => o.shopId === w.tiktokShopId && o.status === 'DELIVERED')!;
      const rt = world.openReturn(order.id, { reason: 'damaged', type: 'REFUND', silent: true });
      await ctx.services.tiktok.sync.syncShop(w.org.orgId, w.shopId, ['orders', 'returns']);
      const [ours] = await ctx.platform.db.tenant(w.org.orgId, (tx) => tx.select().from(ordersTable).where(and(eq(ordersTable.orgId, w.org.orgId), eq(ordersTable.externalId, order.id))));
      const { row: step } = await enqueueStep(w.org.orgId, TIKTOK_HANDLERS.refund, `refund:ticket-9`, { shopId: w.shopId, orderId: ours!.id, amount: rt.refundTotal, currency: 'EUR', reason: 'damaged' });
      // Simulate the crash: claim the row like a worker, run the handler, die before recording "done".
      const handler = ctx.platform.outbox.get(TIKTOK_HANDLERS.refund)!;
      await ctx.platform.db.tenant(w.org.orgId, (tx) => tx.update(outbox).set({ status: 'running', attempts: 1, lockedUntil: new Date(clock.now().getTime() + 60_000) }).where(eq(outbox.id, step.id)));
      await handler(step.payload, { orgId: w.org.orgId, id: step.id, idempotencyKey: step.idempotencyKey, attempt: 1 });
      expect(w.sandbox.refundsFor({ returnId: rt.id })).toHaveLength(1);
      clock.advance(61_000);
      await ctx.platform.dispatcher.runOnce(25, w.org.orgId);
      // (Other steps may run too: the helpdesk fetches the return photos through the outbox.)
      expect(await row(w.org.orgId, step.id)).toMatchObject({ status: 'done', attempts: 2 });
      // The pending buyer request was approved (APPROVE_REFUND) once; the re-run replayed the stored answer.
      expect(w.sandbox.refundsFor({ returnId: rt.id })).toEqual([{ shopId: w.tiktokShopId, orderId: order.id, returnId: rt.id, amount: rt.refundTotal, currency: 'EUR', via: 'APPROVE_REFUND', idempotencyKey: step.idempotencyKey }]);
      expect(w.sandbox.refunds.filter((x) => x.orderId === order.id)).toHaveLength(1);
      expect(world.returns.get(rt.id)!.status).toBe('RETURN_OR_REFUND_REQUEST_SUCCESS');
    } finally {
      await w.close();
    }
  });

  it('approve and reject returns send the key, and a business refusal fails the step permanently with the platform code', async () => {
    clock.set(Date.now());
    const w = await connectedWorld(ctx);
    try {
      const world = w.sandbox.world;
      const delivered = [...world.orders.values()].filter((o) => o.shopId === w.tiktokShopId && o.status === 'DELIVERED');
      const a = world.openReturn(delivered[0]!.id, { reason: 'colour', type: 'RETURN_AND_REFUND', silent: true });
      const b = world.openReturn(delivered[1]!.id, { reason: 'size', type: 'RETURN_AND_REFUND', silent: true });
      await ctx.services.tiktok.sync.syncShop(w.org.orgId, w.shopId, ['orders', 'returns']);
      const prts = await ctx.services.orders.listPlatformReturns({ orgId: w.org.orgId, userId: 'x', role: 'owner' }, { status: 'requested' });
      const pa = prts.find((p) => p.externalId === a.id)!;
      const pb = prts.find((p) => p.externalId === b.id)!;
      const s1 = await enqueueStep(w.org.orgId, TIKTOK_HANDLERS.approveReturn, `approve:${pa.id}`, { shopId: w.shopId, platformReturnId: pa.id, decision: 'APPROVE_RETURN' });
      const s2 = await enqueueStep(w.org.orgId, TIKTOK_HANDLERS.rejectReturn, `reject:${pb.id}`, { shopId: w.shopId, platformReturnId: pb.id, decision: 'REJECT_RETURN', rejectReason: 'reverse_reject_request_reason_1', comment: 'Worn, tags removed' });
      // Wrong decision for the type: the platform refuses (25020004) — retrying cannot help.
      const s3 = await enqueueStep(w.org.orgId, TIKTOK_HANDLERS.approveReturn, `approve-wrong:${pb.id}`, { shopId: w.shopId, platformReturnId: pb.id, decision: 'APPROVE_REFUND' });
      await ctx.platform.dispatcher.drain(5, w.org.orgId);
      expect(world.returns.get(a.id)!.status).toBe('AWAITING_BUYER_SHIP');
      expect(world.returns.get(b.id)!.status).toBe('REFUND_OR_RETURN_REQUEST_REJECT');
      expect(await row(w.org.orgId, s1.row.id)).toMatchObject({ status: 'done' });
      expect(await row(w.org.orgId, s2.row.id)).toMatchObject({ status: 'done' });
      const failed = await row(w.org.orgId, s3.row.id);
      expect(failed.status).toBe('failed');
      expect(failed.lastError).toContain('25020004');
      expect(w.sandbox.writebacks.filter((x) => x.target === a.id).map((x) => x.idempotencyKey)).toEqual([s1.row.idempotencyKey]);
      const after = await ctx.services.orders.getPlatformReturn({ orgId: w.org.orgId, userId: 'x', role: 'owner' }, pa.id);
      expect(after).toMatchObject({ status: 'awaiting_buyer_shipment', rawStatus: 'AWAITING_BUYER_SHIP' });
    } finally {
      await w.close();
    }
  });

  it('cancellations: approve and reject (with a reason from Get Reject Reasons) through the outbox; a wrong reason fails for good', async () => {
    clock.set(Date.now());
    const w = await connectedWorld(ctx);
    try {
      const world = w.sandbox.world;
      const ca = world.requestCancel(world.createOrder(w.tiktokShopId, { silent: true }).id, { silent: true });
      const cb = world.requestCancel(world.createOrder(w.tiktokShopId, { silent: true }).id, { silent: true });
      const cc = world.requestCancel(world.createOrder(w.tiktokShopId, { silent: true }).id, { silent: true });
      await ctx.services.tiktok.sync.syncShop(w.org.orgId, w.shopId, ['orders', 'cancellations']);
      const owner = { orgId: w.org.orgId, userId: 'x', role: 'owner' as const };
      const prts = await ctx.services.orders.listPlatformReturns(owner, { status: 'requested' });
      const id = (ext: string) => prts.find((p) => p.externalId === ext)!.id;
      const s1 = await enqueueStep(w.org.orgId, TIKTOK_HANDLERS.approveCancellation, `cancel-approve:${ca.id}`, { shopId: w.shopId, platformReturnId: id(ca.id) });
      const s2 = await enqueueStep(w.org.orgId, TIKTOK_HANDLERS.rejectCancellation, `cancel-reject:${cb.id}`, { shopId: w.shopId, platformReturnId: id(cb.id), rejectReason: 'seller_reject_apply_product_has_been_packed', comment: 'Already packed' });
      const s3 = await enqueueStep(w.org.orgId, TIKTOK_HANDLERS.rejectCancellation, `cancel-reject:${cc.id}`, { shopId: w.shopId, platformReturnId: id(cc.id), rejectReason: 'reverse_reject_request_reason_1' });
      await ctx.platform.dispatcher.drain(5, w.org.orgId);
      expect(await row(w.org.orgId, s1.row.id)).toMatchObject({ status: 'done' });
      expect(await row(w.org.orgId, s2.row.id)).toMatchObject({ status: 'done' });
      const failed = await row(w.org.orgId, s3.row.id);
      expect([failed.status, failed.attempts]).toEqual(['failed', 1]);
      expect(failed.lastError).toContain('25001016');
      expect([world.cancellations.get(ca.id)!.status, world.orders.get(ca.orderId)!.status]).toEqual(['CANCELLATION_REQUEST_COMPLETE', 'CANCELLED']);
      expect(world.cancellations.get(cb.id)!.status).toBe('CANCELLATION_REQUEST_CANCEL');
      // Our copies follow right after the write-back.
      expect((await ctx.services.orders.getPlatformReturn(owner, id(ca.id))).status).toBe('completed');
      expect((await ctx.services.orders.getPlatformReturn(owner, id(cb.id))).status).toBe('cancelled');
    } finally {
      await w.close();
    }
  });

  it('send message: no platform key, so after a lost answer the retry re-reads the chat and does not send twice', async () => {
    clock.set(Date.now());
    const w = await connectedWorld(ctx);
    try {
      const world = w.sandbox.world;
      const order = [...world.orders.values()].find((o) => o.shopId === w.tiktokShopId)!;
      world.buyerMessage(order, 'where', { silent: true });
      const conv = [...world.conversations.values()].find((c) => c.buyer.userId === order.buyer.userId)!;
      const text = 'Guten Tag! Ihr Paket ist unterwegs und kommt morgen an.';
      const { row: step } = await enqueueStep(w.org.orgId, TIKTOK_HANDLERS.sendMessage, 'reply:tkt-1:msg-1', { shopId: w.shopId, conversationId: conv.id, text, messageKey: 'msg-1' });
      w.sandbox.inject(new RegExp(`/conversations/${conv.id}/messages$`), { kind: 'drop_after_commit' }, 1, 'POST');
      expect(await ctx.platform.dispatcher.runOnce(25, w.org.orgId)).toMatchObject({ done: 1 });
      const shopMsgs = () => conv.messages.filter((m) => m.senderRole === 'SHOP' && m.content === JSON.stringify({ content: text }));
      expect(shopMsgs()).toHaveLength(1);
      const done = await row(w.org.orgId, step.id);
      expect(done.result).toEqual({ messageId: shopMsgs()[0]!.id, deduplicated: true });

      // A second outbox attempt of an already-sent message (e.g. after a crash) also finds it.
      const handler = ctx.platform.outbox.get(TIKTOK_HANDLERS.sendMessage)!;
      const again = await handler(step.payload, { orgId: w.org.orgId, id: step.id, idempotencyKey: step.idempotencyKey, attempt: 2 });
      expect(again).toEqual({ messageId: shopMsgs()[0]!.id, deduplicated: true });
      expect(shopMsgs()).toHaveLength(1);
      expect(w.sandbox.writebacks.filter((x) => x.kind === 'send_message' && x.target === conv.id)).toHaveLength(1);
    } finally {
      await w.close();
    }
  });

  it('send message: the daily quota (45101004) defers the step and the retry re-reads first; sensitive content (45101006) fails for good', async () => {
    clock.set(Date.now());
    const w = await connectedWorld(ctx);
    try {
      const world = w.sandbox.world;
      const order = [...world.orders.values()].find((o) => o.shopId === w.tiktokShopId)!;
      world.buyerMessage(order, 'where', { silent: true });
      const conv = [...world.conversations.values()].find((c) => c.buyer.userId === order.buyer.userId)!;
      const text = 'Ihr Paket kommt morgen an.';
      const { row: step } = await enqueueStep(w.org.orgId, TIKTOK_HANDLERS.sendMessage, 'reply:tkt-2:msg-1', { shopId: w.shopId, conversationId: conv.id, text, messageKey: 'msg-q' });
      w.sandbox.inject(new RegExp(`/conversations/${conv.id}/messages$`), { kind: 'error', http: 400, code: 45101004, message: 'daily quota used up' }, 1, 'POST');
      await ctx.platform.dispatcher.runOnce(25, w.org.orgId);
      const deferred = await row(w.org.orgId, step.id);
      expect([deferred.status, deferred.attempts]).toEqual(['pending', 1]);
      expect(deferred.lastError).toContain('45101004');
      clock.advance(10 * 60_000);
      await ctx.platform.dispatcher.runOnce(25, w.org.orgId);
      expect(await row(w.org.orgId, step.id)).toMatchObject({ status: 'done', attempts: 2 });
      expect(conv.messages.filter((m) => m.senderRole === 'SHOP' && m.content === JSON.stringify({ content: text }))).toHaveLength(1);

      const { row: bad } = await enqueueStep(w.org.orgId, TIKTOK_HANDLERS.sendMessage, 'reply:tkt-2:msg-2', { shopId: w.shopId, conversationId: conv.id, text: 'Schreiben Sie mir auf WhatsApp', messageKey: 'msg-s' });
      await ctx.platform.dispatcher.runOnce(25, w.org.orgId);
      const failed = await row(w.org.orgId, bad.id);
      expect([failed.status, failed.attempts]).toEqual(['failed', 1]);
      expect(failed.lastError).toContain('45101006');
    } finally {
      await w.close();
    }
  });

  it('names the bad field of a malformed payload and fails permanently', async () => {
    clock.set(Date.now());
    const w = await connectedWorld(ctx);
    try {
      const { row: step } = await enqueueStep(w.org.orgId, TIKTOK_HANDLERS.refund, 'refund:bad', { shopId: w.shopId, orderId: 'x1', amount: 12.5, currency: 'EUR', reason: 'r' });
      await ctx.platform.dispatcher.runOnce(25, w.org.orgId);
      const r = await row(w.org.orgId, step.id);
      expect(r.status).toBe('failed');
      expect(r.lastError).toContain('orderId: must be our ord_ id');
      expect(r.lastError).toContain('amount');
    } finally {
      await w.close();
    }
  });
});
