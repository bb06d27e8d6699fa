/**
 * A failed inspection pays nobody until a supervisor or owner decides — for every refund trigger
 * and channel: our own returns (refund on request, on receipt, after inspection), TikTok returns
 * (approve on the platform) and early refunds (the platform already paid), plus a step that was
 * in flight when the hold came and a remedy proposed on the side.
 */
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerModuleWorkers } from '../../app/modules.js';
import { createTestContext, type TestContext } from '../../../test/helpers/context.js';
import { actorFor, createTestOrg } from '../../../test/helpers/org.js';
import { ManualClock } from '../../platform/clock.js';
import { outbox } from '../../platform/outbox/outbox.schema.js';
import type { ReturnPolicy } from '../tenancy/index.js';
import { createOrdersService } from '../orders/index.js';
import { outboxRows, RecordingPlatform, seedOrder, seedTicket, settle } from '../../../test/helpers/returns.js';

let ctx: TestContext;
const clock = new ManualClock('2026-03-10T10:00:00Z');
beforeAll(async () => {
  ctx = await createTestContext({ clock });
  await registerModuleWorkers(ctx.platform, ctx.services);
});
afterAll(async () => {
  await ctx?.close();
});

async function setup(policy: Partial<ReturnPolicy> = {}, highTicket: number | null = 30_000) {
  const org = await createTestOrg(ctx, { market: 'GB' });
  const platform = new RecordingPlatform();
  platform.register(ctx);
  const owner = actorFor(org, 'owner');
  const shop = await ctx.services.tenancy.getShop(owner, org.shopId);
  await ctx.services.tenancy.updateShop(owner, org.shopId, { returnPolicy: { ...shop.returnPolicy, ...policy } });
  await ctx.services.remedies.updateSettings(owner, org.shopId, { highTicketThreshold: highTicket });
  return { org, platform, agent: actorFor(org, 'agent'), wh: actorFor(org, 'warehouse'), sup: actorFor(org, 'supervisor'), owner };
}

async function moneySteps(orgId: string, remedyId: string) {
  return (await outboxRows(ctx, orgId, remedyId)).filter((r) => r.handler === 'tiktok.refund' || r.handler === 'tiktok.approve_return').map((r) => r.status);
}

describe('a failed inspection stops every payout until a supervisor or owner decides', () => {
  it('refund after inspection (the £349 case): a failed grade queues nothing; reject never pays', async () => {
    const { org, platform, agent, wh, sup } = await setup({ refundTrigger: 'on_inspection_pass' });
    const order = await seedOrder(ctx, org, { lines: [{ unitPrice: 34_900 }], currency: 'GBP' });
    const r = await ctx.services.returns.create(agent, { orderId: order.orderId, orderLineIds: order.lineIds, reasonCode: 'changed_mind', channel: 'agent' });
    await ctx.services.returns.receive(wh, r.id, {});
    const failed = await ctx.services.returns.inspect(wh, r.id, { grade: 'damaged', note: 'screen cracked, buyer said changed mind' });
    expect(failed).toMatchObject({ status: 'inspection_failed', inspection: { passed: false }, refund: { status: 'held', remedyId: null }, payoutHold: { reason: `return ${r.rma} failed inspection (damaged)` } });
    await settle(ctx, org.orgId);
    expect(platform.refunds).toEqual([]);
    expect(platform.approvals).toEqual([]);
    // Nobody pays the buyer on the side while the hold lasts, whatever their authority.
    await expect(ctx.services.remedies.propose(agent, { orderId: order.orderId, category: 'severe_damage', optionKey: 't3:full_refund+coupon+card', reason: 'buyer insists' })).rejects.toMatchObject({ code: 'remedies.payout_held', details: { returnId: r.id } });
    await expect(ctx.services.remedies.propose(actorFor(org, 'owner'), { orderId: order.orderId, category: 'minor_flaw', optionKey: 't2:partial_refund+coupon' })).rejects.toMatchObject({ code: 'remedies.payout_held' });
    const rejected = await ctx.services.returns.decide(sup, r.id, { decision: 'reject', note: 'buyer damage' });
    expect(rejected).toMatchObject({ status: 'rejected', payoutHold: null, refund: { status: 'not_due' } });
    await settle(ctx, org.orgId);
    expect(platform.refunds).toEqual([]);
    // Once decided, the order is payable again by the usual rules.
    const later = await ctx.services.remedies.propose(actorFor(org, 'owner'), { orderId: order.orderId, category: 'minor_flaw', optionKey: 't2:partial_refund+coupon' });
    expect(later.status).toBe('executing');
  });

  it('refund on receipt: the queued refund is held by the failed grade, and "refund anyway" pays it exactly once', async () => {
    const { org, platform, agent, wh, sup } = await setup({ refundTrigger: 'on_receipt' }, null);
    const order = await seedOrder(ctx, org, { lines: [{ unitPrice: 12_000 }], currency: 'GBP' });
    const r = await ctx.services.returns.create(agent, { orderId: order.orderId, orderLineIds: order.lineIds, reasonCode: 'changed_mind', channel: 'self_service' });
    const received = await ctx.services.returns.receive(wh, r.id, {});
    expect(received.refund.status).toBe('pending');
    const remedyId = received.refund.remedyId!;
    // The warehouse grades before the dispatcher has sent the refund.
    const failed = await ctx.services.returns.inspect(wh, r.id, { grade: 'empty_box' });
    expect(failed).toMatchObject({ status: 'inspection_failed', refund: { status: 'held', remedyId } });
    expect(await moneySteps(org.orgId, remedyId)).toEqual(['held']);
    expect((await ctx.services.remedies.get(agent, remedyId)).status).toBe('on_hold');
    await settle(ctx, org.orgId);
    expect(platform.refunds).toEqual([]);
    // Warehouse staff and agents cannot lift it.
    await expect(ctx.services.returns.decide(wh, r.id, { decision: 'refund_anyway', note: 'x' })).rejects.toMatchObject({ code: 'auth.role_forbidden' });
    await expect(ctx.services.returns.decide(agent, r.id, { decision: 'refund_anyway', note: 'x' })).rejects.toMatchObject({ code: 'auth.role_forbidden' });
    const paid = await ctx.services.returns.decide(sup, r.id, { decision: 'refund_anyway', note: 'goodwill' });
    expect(paid).toMatchObject({ status: 'inspected', payoutHold: null, refund: { status: 'pending', remedyId } });
    await settle(ctx, org.orgId);
    expect(platform.refunds.map((x) => x.payload.amount)).toEqual([12_000]);
    expect(await ctx.services.returns.get(agent, r.id)).toMatchObject({ status: 'closed', refund: { status: 'sent' } });
  });

  it('a refund step in flight when the hold lands, that then fails and is retried, is stopped by the outbox gate', async () => {
    const { org, platform, agent, wh, sup } = await setup({ refundTrigger: 'on_receipt' }, null);
    let letGo!: () => void;
    const blocked = new Promise<void>((resolve) => (letGo = resolve));
    let first = true;
    ctx.platform.outbox.register('tiktok.refund', async (p, c) => {
      if (first) {
        first = false;
        await blocked;
        throw new Error('connect ECONNRESET');
      }
      platform.refunds.push({ key: c.idempotencyKey, payload: p, attempt: c.attempt });
      return { ok: true };
    });
    const order = await seedOrder(ctx, org, { lines: [{ unitPrice: 8_000 }], currency: 'GBP' });
    const r = await ctx.services.returns.create(agent, { orderId: order.orderId, orderLineIds: order.lineIds, reasonCode: 'changed_mind', channel: 'agent' });
    const remedyId = (await ctx.services.returns.receive(wh, r.id, {})).refund.remedyId!;
    const round = ctx.platform.dispatcher.runOnce(25, org.orgId);
    while ((await moneySteps(org.orgId, remedyId))[0] !== 'running') await new Promise((res) => setTimeout(res, 5));
    await ctx.services.returns.inspect(wh, r.id, { grade: 'not_ours' });
    letGo();
    await round;
    expect(await moneySteps(org.orgId, remedyId)).toEqual(['pending']);
    await settle(ctx, org.orgId);
    expect(await moneySteps(org.orgId, remedyId)).toEqual(['held']);
    expect(platform.refunds).toEqual([]);
    expect((await ctx.services.remedies.get(agent, remedyId)).status).toBe('on_hold');
    await ctx.services.returns.decide(sup, r.id, { decision: 'refund_anyway', note: 'our mistake at the warehouse' });
    await settle(ctx, org.orgId);
    expect(platform.refunds.map((x) => x.payload.amount)).toEqual([8_000]);
  });

  it('refund on request: money already sent stands, the hold is recorded and blocks anything further', async () => {
    const { org, platform, agent, wh } = await setup({ refundTrigger: 'on_request' }, null);
    const order = await seedOrder(ctx, org, { lines: [{ unitPrice: 6_000 }], currency: 'GBP' });
    const r = await ctx.services.returns.create(agent, { orderId: order.orderId, orderLineIds: order.lineIds, reasonCode: 'changed_mind', channel: 'self_service' });
    await settle(ctx, org.orgId);
    expect(platform.refunds.map((x) => x.payload.amount)).toEqual([6_000]);
    await ctx.services.returns.receive(wh, r.id, {});
    const failed = await ctx.services.returns.inspect(wh, r.id, { grade: 'empty_box' });
    expect(failed).toMatchObject({ status: 'inspection_failed', refund: { status: 'sent' }, payoutHold: { reason: expect.stringContaining('failed inspection') } });
    await expect(ctx.services.remedies.propose(agent, { orderId: order.orderId, category: 'minor_flaw', optionKey: 't2:partial_refund+coupon', reason: 'x' })).rejects.toMatchObject({ code: 'remedies.payout_held' });
    await settle(ctx, org.orgId);
    expect(platform.refunds).toHaveLength(1);
  });

  it('TikTok return: no platform approval after a failed grade; the owner\'s "refund anyway" approves the received package once', async () => {
    const { org, platform, agent, wh, owner } = await setup();
    const order = await seedOrder(ctx, org, { lines: [{ unitPrice: 34_900 }], currency: 'GBP' });
    const orders = createOrdersService(ctx.platform);
    await ctx.platform.db.tenant(org.orgId, (tx) =>
      orders.applyPlatformReturns(tx, org.orgId, [
        { shopId: org.shopId, kind: 'return', externalId: `rt-${order.externalId}`, externalOrderId: order.externalId, type: 'return_and_refund', rawType: 'RETURN_AND_REFUND', status: 'requested', rawStatus: 'RETURN_OR_REFUND_REQUEST_PENDING', reasonText: 'No longer needed', lines: [{ externalOrderLineId: `${order.externalId}-1` }], photos: [], videos: [], requestedAt: clock.now(), externalUpdatedAt: clock.now() },
      ]),
    );
    const [pr] = await orders.listPlatformReturns(agent, { orderId: order.orderId });
    const r = await ctx.services.returns.fromPlatformReturn(agent, pr!.id, { reasonCode: 'changed_mind' });
    await ctx.services.returns.receive(wh, r.id, {});
    expect((await ctx.services.returns.inspect(wh, r.id, { grade: 'damaged' })).status).toBe('inspection_failed');
    await settle(ctx, org.orgId);
    expect(platform.approvals).toEqual([]);
    await ctx.services.returns.decide(owner, r.id, { decision: 'refund_anyway', note: 'keep the rating' });
    await settle(ctx, org.orgId);
    await settle(ctx, org.orgId);
    expect(platform.approvals.map((a) => a.payload)).toEqual([{ shopId: org.shopId, platformReturnId: pr!.id, decision: 'APPROVE_RECEIVED_PACKAGE' }]);
    expect(platform.refunds).toEqual([]);
  });

  it('early refund: a remedy queued before the grade is held, the appeal outcome releases it', async () => {
    const { org, platform, agent, wh, sup } = await setup({ refundTrigger: 'on_inspection_pass' });
    const order = await seedOrder(ctx, org, { lines: [{ unitPrice: 20_000 }, { unitPrice: 5_000 }], currency: 'GBP' });
    const ticketId = await seedTicket(ctx, org, order.orderId, 'The second item has a scratch');
    const r = await ctx.services.returns.create(agent, { orderId: order.orderId, orderLineIds: [order.lineIds[0]!], reasonCode: 'changed_mind', channel: 'agent' });
    await ctx.services.returns.markPlatformRefunded(sup, r.id);
    // A partial refund for the other item, given by the supervisor, still waiting for the dispatcher.
    const side = await ctx.services.remedies.propose(sup, { orderId: order.orderId, orderLineIds: [order.lineIds[1]!], ticketId, category: 'minor_flaw', optionKey: 't2:partial_refund+coupon' });
    expect(side.status).toBe('executing');
    await ctx.services.returns.receive(wh, r.id, {});
    const failed = await ctx.services.returns.inspect(wh, r.id, { grade: 'empty_box' });
    expect(failed).toMatchObject({ status: 'appeal_open', refund: { status: 'platform_refunded' }, payoutHold: { reason: expect.any(String) } });
    expect((await ctx.services.remedies.get(agent, side.id)).status).toBe('on_hold');
    await settle(ctx, org.orgId);
    expect(platform.refunds).toEqual([]);
    await ctx.services.returns.recordAppealOutcome(sup, r.id, 'won');
    await settle(ctx, org.orgId);
    // The side remedy was decided on its own; it resumes once no hold is left, and pays once.
    expect(platform.refunds.map((x) => x.payload.orderLineIds)).toEqual([[order.lineIds[1]]]);
    expect((await ctx.services.remedies.get(agent, side.id)).status).toBe('completed');
  });

  it('an exchange switched to a refund after a failed inspection pays only on the decision', async () => {
    const { org, platform, agent, wh, sup } = await setup({ refundTrigger: 'on_receipt' }, null);
    const order = await seedOrder(ctx, org, { lines: [{ unitPrice: 9_000, sku: 'BOOT-40', productId: 'p-boot' }], currency: 'GBP' });
    const r = await ctx.services.returns.create(agent, { orderId: order.orderId, orderLineIds: order.lineIds, reasonCode: 'size_fit', channel: 'agent', resolution: 'exchange', exchangeSku: 'BOOT-41' });
    await ctx.services.returns.receive(wh, r.id, {});
    await ctx.services.returns.inspect(wh, r.id, { grade: 'not_ours' });
    const switched = await ctx.services.returns.switchToRefund(agent, r.id, { note: 'size out of stock' });
    expect(switched).toMatchObject({ resolution: 'refund', refund: { status: 'held', remedyId: null } });
    await settle(ctx, org.orgId);
    expect(platform.refunds).toEqual([]);
    await ctx.services.returns.decide(sup, r.id, { decision: 'refund_anyway', note: 'accept' });
    await settle(ctx, org.orgId);
    expect(platform.refunds.map((x) => x.payload.amount)).toEqual([9_000]);
    const held = await ctx.platform.db.system((tx) => tx.select().from(outbox).where(and(eq(outbox.orgId, org.orgId), eq(outbox.status, 'held'))));
    expect(held).toEqual([]);
  });
});

describe('recording a platform refund is a money decision', () => {
  it('agents and warehouse staff may not mark a return refunded by the platform', async () => {
    const { org, agent, wh, sup } = await setup();
    const order = await seedOrder(ctx, org, { lines: [{ unitPrice: 5_000 }] });
    const r = await ctx.services.returns.create(agent, { orderId: order.orderId, orderLineIds: order.lineIds, channel: 'agent' });
    await expect(ctx.services.returns.markPlatformRefunded(agent, r.id)).rejects.toMatchObject({ code: 'auth.role_forbidden' });
    await expect(ctx.services.returns.markPlatformRefunded(wh, r.id)).rejects.toMatchObject({ code: 'auth.role_forbidden' });
    expect((await ctx.services.returns.markPlatformRefunded(sup, r.id)).refund.status).toBe('platform_refunded');
  });
});
