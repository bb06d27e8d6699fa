import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerModuleWorkers } from '../../app/modules.js';
import { createTestContext, type TestContext } from '../../../test/helpers/context.js';
import { actorFor, createTestOrg, type TestOrg } from '../../../test/helpers/org.js';
import { ManualClock } from '../../platform/clock.js';
import { OutboxDispatcher } from '../../platform/outbox/outbox.js';
import { silentLogger } from '../../platform/logger.js';
import { evidenceRecords as evidenceRecordsTable } from '../evidence/evidence.schema.js';
import { reships as reshipsTable } from './remedies.schema.js';
import { couponLedger } from '../coupons/coupons.schema.js';
import { outboxRows, RecordingPlatform, seedOrder, seedTicket, settle } from '../../../test/helpers/returns.js';

let ctx: TestContext;
const clock = new ManualClock('2026-03-10T10:00:00Z');
beforeAll(async () => {
  // Chat reach on, no platform calls: the shop's compensation coupons are seeded in setup().
  ctx = await createTestContext({ clock, couponPlatform: { reach: async () => ({ connected: true, chatScope: true }), sellerVouchers: async () => new Map(), syncCoupons: async () => ({ coupons: 0 }) } });
  await registerModuleWorkers(ctx.platform, ctx.services);
});
afterAll(async () => {
  await ctx?.close();
});

async function setup(platform = new RecordingPlatform()) {
  const org = await createTestOrg(ctx, { market: 'DE' });
  platform.register(ctx);
  // 200.00 paid for one line; item cost 80.00, resale 60 % of list.
  const order = await seedOrder(ctx, org, { lines: [{ unitPrice: 20_000, paid: 20_000, productId: 'p-hp' }] });
  await ctx.services.remedies.setProductEconomics(actorFor(org, 'owner'), org.shopId, { key: 'product:p-hp', itemCost: 8_000, resalePercent: 60 });
  const ticketId = await seedTicket(ctx, org, order.orderId);
  await ctx.services.coupons.upsertPlatformCoupons(org.orgId, org.shopId, [500, 1_000, 2_500].map((v) => compensationCoupon(`73${v}`, v)));
  return { org, order, ticketId, platform };
}

/** A Seller Center chat coupon worth `value` (what the platform sync would store). */
function compensationCoupon(externalId: string, value: number) {
  return { externalId, title: `Sorry ${value / 100} EUR`, status: 'ONGOING', displayType: 'CHAT', creationSource: 'SELLER_CENTER', targetBuyerSegment: 'ALL', promoCode: `SORRY${value / 100}`, discountType: 'AMOUNT_OFF', currency: 'EUR', reductionAmount: value, percentageBp: null, maxDiscount: null, minSpend: 0, claimEndAt: new Date('2027-01-01T00:00:00Z'), redemptionType: 'RELATIVE', redemptionEndAt: null, redemptionDays: 30, totalClaimLimit: null, claimedCount: 0, displayChannels: ['CHAT'], productScope: 'FULL_SHOP', productIds: [], claimStartAt: null, redemptionStartAt: null, singleBuyerClaimLimit: 1, redemptionLimit: null, redeemedCount: 0, externalUpdatedAt: null };
}

async function evidenceKinds(orgId: string, caseId: string): Promise<string[]> {
  const rows = await ctx.platform.db.system((tx) => tx.select().from(evidenceRecordsTable).where(and(eq(evidenceRecordsTable.orgId, orgId), eq(evidenceRecordsTable.caseId, caseId))));
  return rows.map((r) => r.kind);
}

describe('quote', () => {
  it('shows every option with economics in the shop currency and the agent\'s authority', async () => {
    const { org, order, ticketId } = await setup();
    const q = await ctx.services.remedies.quote(actorFor(org, 'agent'), { orderId: order.orderId, ticketId, text: 'The screen arrived cracked' });
    expect(q.category).toBe('severe_damage');
    expect(q.suggestion).toMatchObject({ category: 'severe_damage', matched: ['cracked'] });
    // DE ships returns at the buyer's cost, but damage is not the buyer's fault: the seller pays.
    expect(q.economics).toEqual({ currency: 'EUR', paid: 20_000, itemCost: 8_000, returnShipping: 1_200, outboundShipping: 900, expectedResale: 12_000, buyerLifetimeValue: 20_000, sellerPaysReturn: true });
    expect(q.recommendedKey).toBe('t3:reship+reship+coupon+card');
    const byKey = Object.fromEntries(q.options.map((o) => [o.key, o]));
    expect(byKey['t1:information+coupon']).toMatchObject({ givenValue: 1_000, needsApproval: false });
    // partial refund 40.00 + coupon 20.00 = 60.00 > agent cap 45.00
    expect(byKey['t2:partial_refund+coupon']).toMatchObject({ givenValue: 6_000, needsApproval: true, check: { reason: 'over_amount' } });
    expect(byKey['t3:full_refund+coupon+card']).toMatchObject({ givenValue: 23_000, needsApproval: true });
    const sup = await ctx.services.remedies.quote(actorFor(org, 'supervisor'), { orderId: order.orderId, category: 'severe_damage' });
    expect(sup.options.find((o) => o.key === 't3:full_refund+coupon+card')).toMatchObject({ needsApproval: false });
  });
});

describe('within authority: executes at once through the outbox', () => {
  it("information + coupon: the shop's platform coupon is issued, buyer told in German, ticket solved, evidence kept", async () => {
    const { org, order, ticketId } = await setup();
    const personal = 'Der leichte Ledergeruch verfliegt nach ein paar Tagen an der Luft.';
    const rem = await ctx.services.remedies.propose(actorFor(org, 'agent'), { orderId: order.orderId, ticketId, category: 'minor_flaw', suggestedCategory: 'severe_damage', optionKey: 't1:information+coupon', message: personal });
    expect(rem.status).toBe('executing');
    // The 10 € Seller Center coupon (largest not above the ladder's 10 €), no locally minted code.
    expect(rem.coupon).toMatchObject({ amount: 1_000, currency: 'EUR', status: 'planned', code: 'SORRY10' });
    await settle(ctx, org.orgId);
    const done = await ctx.services.remedies.get(actorFor(org, 'agent'), rem.id);
    expect(done.status).toBe('completed');
    expect(done.steps.map((s) => [s.step, s.status])).toEqual([['message', 'done']]);
    const t = await ctx.services.helpdesk.getTicket(actorFor(org, 'agent'), ticketId);
    expect(t.ticket.status).toBe('solved');
    const reply = t.messages.find((m) => m.kind === 'public' && m.direction === 'outbound')!;
    expect(reply.body).toContain(rem.coupon!.code!);
    expect(reply.body).toContain('Gutschein über 10,00');
    expect(reply.body.startsWith(`Es tut uns leid, dass hier etwas schiefgelaufen ist. ${personal} Als Dankeschön`)).toBe(true);
    expect(await evidenceKinds(org.orgId, ticketId)).toEqual(expect.arrayContaining(['classification', 'responsibility', 'remedy_offered', 'remedy_approved', 'coupon', 'remedy_given']));
  });

  it('a reship with an apology card is released to the warehouse; a supervisor may give a full refund alone', async () => {
    const { org, order, ticketId, platform } = await setup();
    const rem = await ctx.services.remedies.propose(actorFor(org, 'supervisor'), { orderId: order.orderId, ticketId, category: 'severe_damage', optionKey: 't3:reship+reship+coupon+card' });
    await settle(ctx, org.orgId);
    const [reship] = await ctx.platform.db.system((tx) => tx.select().from(reshipsTable).where(eq(reshipsTable.remedyId, rem.id)));
    expect(reship).toMatchObject({ status: 'released', apologyCard: true });
    expect((await ctx.services.remedies.get(actorFor(org, 'agent'), rem.id)).status).toBe('completed');
    expect(platform.refunds).toHaveLength(0);
  });
});

describe('above authority: supervisor approval', () => {
  it('needs a reason, waits with nothing sent, then the supervisor\'s approval sends the refund once', async () => {
    const { org, order, ticketId, platform } = await setup();
    const agent = actorFor(org, 'agent');
    await expect(ctx.services.remedies.propose(agent, { orderId: order.orderId, ticketId, category: 'size_fit', optionKey: 't2:partial_refund+coupon' })).rejects.toMatchObject({ code: 'remedies.reason_required' });
    const rem = await ctx.services.remedies.propose(agent, { orderId: order.orderId, ticketId, category: 'size_fit', optionKey: 't2:partial_refund+coupon', reason: 'Loyal buyer, keeps the item' });
    expect(rem).toMatchObject({ status: 'pending_approval', limitCheck: 'over_amount', approvalReason: 'Loyal buyer, keeps the item', refundAmount: 4_000, steps: [] });
    expect(await outboxRows(ctx, org.orgId, rem.id)).toEqual([]);
    const queue = await ctx.services.remedies.list(actorFor(org, 'supervisor'), { status: 'pending_approval' });
    expect(queue.map((r) => r.id)).toEqual([rem.id]);
    await expect(ctx.services.remedies.approve(agent, rem.id, {})).rejects.toMatchObject({ code: 'auth.role_forbidden' });
    const approved = await ctx.services.remedies.approve(actorFor(org, 'supervisor'), rem.id, { note: 'ok' });
    expect(approved.status).toBe('executing');
    await expect(ctx.services.remedies.approve(actorFor(org, 'supervisor'), rem.id, {})).rejects.toMatchObject({ code: 'remedies.not_pending' });
    await settle(ctx, org.orgId);
    expect(platform.refunds).toHaveLength(1);
    expect(platform.refunds[0]!.payload).toMatchObject({ shopId: org.shopId, orderId: order.orderId, orderLineIds: order.lineIds, amount: 4_000, currency: 'EUR' });
    expect(platform.refunds[0]!.key).toBe(`remedy:${rem.id}:refund`);
    const done = await ctx.services.remedies.get(agent, rem.id);
    expect(done.status).toBe('completed');
    expect(done.steps.map((s) => [s.step, s.status])).toEqual([['refund', 'done'], ['message', 'done']]);
    expect(await evidenceKinds(org.orgId, ticketId)).toEqual(expect.arrayContaining(['remedy_offered', 'remedy_approved', 'refund', 'remedy_given']));
  });

  it('a supervisor over their own cap cannot approve; the owner can; a rejection sends nothing', async () => {
    const { org, order, ticketId } = await setup();
    // Lower the supervisor's cap to 100.00.
    await ctx.services.auth.updateUser(actorFor(org, 'owner'), org.users.supervisor.id, { remedyLimits: { percent: 100, amounts: { EUR: 10_000 } } });
    const rem = await ctx.services.remedies.propose(actorFor(org, 'agent'), { orderId: order.orderId, ticketId, category: 'severe_damage', optionKey: 't3:full_refund+coupon+card', reason: 'Second broken unit' });
    await expect(ctx.services.remedies.approve(actorFor(org, 'supervisor'), rem.id, {})).rejects.toMatchObject({ code: 'remedies.approver_over_limit' });
    expect((await ctx.services.remedies.approve(actorFor(org, 'owner'), rem.id, {})).status).toBe('executing');
    const other = await ctx.services.remedies.propose(actorFor(org, 'agent'), { orderId: order.orderId, ticketId, category: 'size_fit', optionKey: 't2:partial_refund+coupon', reason: 'asks for 20 %' });
    const rejected = await ctx.services.remedies.reject(actorFor(org, 'supervisor'), other.id, { note: 'offer the coupon first' });
    expect(rejected.status).toBe('rejected');
    expect(await outboxRows(ctx, org.orgId, other.id)).toEqual([]);
  });
});

describe('exactly once', () => {
  it('a crash after the platform accepted the refund, then lease expiry and retry: exactly one refund', async () => {
    const platform = new RecordingPlatform();
    const { org, order, ticketId } = await setup(platform);
    const rem = await ctx.services.remedies.propose(actorFor(org, 'supervisor'), { orderId: order.orderId, ticketId, category: 'severe_damage', optionKey: 't3:full_refund+coupon+card' });
    // Worker A claims the refund, the platform accepts it, then the process "dies" (never returns).
    platform.crashAfter = 1;
    const workerA = new OutboxDispatcher(ctx.platform.db, ctx.platform.outbox, clock, silentLogger);
    // The remedy's compensation coupon is an outbox step of its own (the coupons module's), due at the same moment.
    const crashed = workerA.runOnce(5, org.orgId);
    while (platform.refunds.length === 0) await new Promise((r) => setTimeout(r, 10));
    const [refundRow] = (await outboxRows(ctx, org.orgId, rem.id)).filter((r) => r.handler === 'tiktok.refund');
    expect(refundRow).toMatchObject({ status: 'running', attempts: 1 });
    // Before the lease runs out nobody else may take it.
    const workerB = new OutboxDispatcher(ctx.platform.db, ctx.platform.outbox, clock, silentLogger);
    await workerB.drain(10, org.orgId);
    expect(platform.calls).toBe(1);
    // Lease expires; worker B re-claims with the same idempotency key; the response is lost once too.
    clock.advance(workerA.leaseMs + 1_000);
    platform.failAfter = 1;
    await settle(ctx, org.orgId);
    expect(platform.calls).toBe(3);
    expect(platform.refunds).toHaveLength(1);
    expect(platform.refunds[0]).toMatchObject({ key: `remedy:${rem.id}:refund`, attempt: 1, payload: { amount: 20_000 } });
    const done = await ctx.services.remedies.get(actorFor(org, 'agent'), rem.id);
    expect(done.status).toBe('completed');
    expect(done.steps.find((s) => s.step === 'refund')).toMatchObject({ status: 'done', attempts: 3 });
    // Proposing the same remedy is a new remedy; re-running execution of this one enqueues nothing new.
    const rows = await outboxRows(ctx, org.orgId, rem.id);
    expect(rows.filter((r) => r.handler === 'tiktok.refund')).toHaveLength(1);
    platform.release();
    await crashed;
    expect(platform.refunds).toHaveLength(1);
  });

  it('two supervisors approving at the same moment: one wins, one refund row', async () => {
    const { org, order, ticketId, platform } = await setup();
    const rem = await ctx.services.remedies.propose(actorFor(org, 'agent'), { orderId: order.orderId, ticketId, category: 'size_fit', optionKey: 't2:partial_refund+coupon', reason: 'x' });
    const results = await Promise.allSettled([
      ctx.services.remedies.approve(actorFor(org, 'supervisor'), rem.id, {}),
      ctx.services.remedies.approve(actorFor(org, 'owner'), rem.id, {}),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.find((r) => r.status === 'rejected')).toMatchObject({ reason: { code: 'remedies.not_pending' } });
    await settle(ctx, org.orgId);
    expect(platform.refunds).toHaveLength(1);
    const coupons = await ctx.platform.db.system((tx) => tx.select().from(couponLedger).where(eq(couponLedger.remedyId, rem.id)));
    expect(coupons).toHaveLength(1);
  });
});

describe('failed steps', () => {
  it('a transient failure is retried by the outbox; a permanent one parks the remedy, retry completes it', async () => {
    const { org, order, ticketId, platform } = await setup();
    platform.failBefore = 2;
    const rem = await ctx.services.remedies.propose(actorFor(org, 'supervisor'), { orderId: order.orderId, ticketId, category: 'size_fit', optionKey: 't2:partial_refund+coupon' });
    await settle(ctx, org.orgId);
    expect((await ctx.services.remedies.get(actorFor(org, 'agent'), rem.id)).status).toBe('completed');
    expect(platform.refunds).toHaveLength(1);

    platform.reject = true;
    const rem2 = await ctx.services.remedies.propose(actorFor(org, 'supervisor'), { orderId: order.orderId, ticketId, category: 'size_fit', optionKey: 't2:partial_refund+coupon' });
    await settle(ctx, org.orgId);
    const parked = await ctx.services.remedies.get(actorFor(org, 'agent'), rem2.id);
    expect(parked).toMatchObject({ status: 'attention', failedStep: 'refund' });
    expect(parked.steps.find((s) => s.step === 'refund')).toMatchObject({ status: 'failed', lastError: 'refund rejected by the platform: order already fully refunded' });
    platform.reject = false;
    const retried = await ctx.services.remedies.retryStep(actorFor(org, 'agent'), rem2.id, 'refund');
    expect(retried.status).toBe('executing');
    await settle(ctx, org.orgId);
    expect((await ctx.services.remedies.get(actorFor(org, 'agent'), rem2.id)).status).toBe('completed');
    expect(platform.refunds).toHaveLength(2);
  });

  it('abandoning a remedy that cannot complete voids its coupon and cancels what has not run', async () => {
    const { org, order, ticketId, platform } = await setup();
    platform.reject = true;
    const rem = await ctx.services.remedies.propose(actorFor(org, 'owner'), { orderId: order.orderId, ticketId, category: 'wrong_item', optionKey: 't3:full_refund+coupon+card' });
    await settle(ctx, org.orgId);
    expect((await ctx.services.remedies.get(actorFor(org, 'agent'), rem.id)).status).toBe('attention');
    await expect(ctx.services.remedies.abandon(actorFor(org, 'agent'), rem.id, { note: 'x' })).rejects.toMatchObject({ code: 'auth.role_forbidden' });
    const gone = await ctx.services.remedies.abandon(actorFor(org, 'supervisor'), rem.id, { note: 'platform will not refund; offering store credit instead' });
    expect(gone.status).toBe('abandoned');
    expect(gone.coupon).toMatchObject({ status: 'voided' });
    expect(gone.steps.find((s) => s.step === 'refund')).toMatchObject({ status: 'cancelled' });
    expect(platform.refunds).toHaveLength(0);
  });
});

describe('tenancy', () => {
  it('another organisation sees 404 for remedies and cannot quote on foreign orders', async () => {
    const { org, order, ticketId } = await setup();
    const rem = await ctx.services.remedies.propose(actorFor(org, 'agent'), { orderId: order.orderId, ticketId, category: 'minor_flaw', optionKey: 't1:information+coupon' });
    const other = await createTestOrg(ctx, { market: 'DE' });
    await expect(ctx.services.remedies.get(actorFor(other, 'owner'), rem.id)).rejects.toMatchObject({ kind: 'not_found' });
    await expect(ctx.services.remedies.approve(actorFor(other, 'owner'), rem.id, {})).rejects.toMatchObject({ kind: 'not_found' });
    await expect(ctx.services.remedies.quote(actorFor(other, 'agent'), { orderId: order.orderId })).rejects.toMatchObject({ kind: 'not_found' });
  });
});

describe('references', () => {
  it("a remedy names only a return or TikTok request of its own order: completing it marks that return refunded", async () => {
    const { org, order, ticketId } = await setup();
    const agent = actorFor(org, 'agent');
    const other = await seedOrder(ctx, org, { lines: [{ unitPrice: 5_000, productId: 'p-hp' }] });
    const ret = await ctx.services.returns.create(agent, { orderId: other.orderId, orderLineIds: other.lineIds, channel: 'agent' });
    const { createOrdersService } = await import('../orders/index.js');
    const orders = createOrdersService(ctx.platform);
    await ctx.platform.db.tenant(org.orgId, (tx) =>
      orders.applyPlatformReturns(tx, org.orgId, [
        { shopId: org.shopId, kind: 'return', externalId: `rt-${other.externalId}`, externalOrderId: other.externalId, type: 'refund_only', rawType: 'REFUND', status: 'requested', rawStatus: 'RETURN_OR_REFUND_REQUEST_PENDING', reasonText: 'Farbe', lines: [{ externalOrderLineId: `${other.externalId}-1` }], photos: [], videos: [], requestedAt: clock.now(), externalUpdatedAt: clock.now() },
      ]),
    );
    const [pr] = await orders.listPlatformReturns(agent, { orderId: other.orderId });
    const base = { orderId: order.orderId, ticketId, category: 'minor_flaw' as const, optionKey: 't1:information+coupon' };
    const before = (await ctx.services.returns.get(agent, ret.id)).refund;
    await expect(ctx.services.remedies.propose(agent, { ...base, returnId: ret.id })).rejects.toMatchObject({ code: 'remedies.reference_order_mismatch', details: { issues: [{ field: 'returnId' }] } });
    await expect(ctx.services.remedies.propose(agent, { ...base, platformReturnId: pr!.id })).rejects.toMatchObject({ code: 'remedies.reference_order_mismatch', details: { issues: [{ field: 'platformReturnId' }] } });
    await expect(ctx.services.remedies.propose(agent, { ...base, returnId: 'ret_01kzzzzzzzzzzzzzzzzzzzzzzz' })).rejects.toMatchObject({ code: 'return.not_found' });
    await settle(ctx, org.orgId);
    expect((await ctx.services.returns.get(agent, ret.id)).refund).toEqual(before);
  });
});

describe('remedies on a TikTok after-sales request', () => {
  it('a partial refund becomes a platform partial-refund offer; a full one an approval', async () => {
    const { org, order, ticketId, platform } = await setup();
    const { createOrdersService } = await import('../orders/index.js');
    const orders = createOrdersService(ctx.platform);
    await ctx.platform.db.tenant(org.orgId, (tx) =>
      orders.applyPlatformReturns(tx, org.orgId, [
        { shopId: org.shopId, kind: 'return', externalId: `rt-${order.externalId}`, externalOrderId: order.externalId, type: 'refund_only', rawType: 'REFUND', status: 'requested', rawStatus: 'RETURN_OR_REFUND_REQUEST_PENDING', reasonText: 'Farbe', lines: [{ externalOrderLineId: `${order.externalId}-1` }], photos: [], videos: [], requestedAt: clock.now(), externalUpdatedAt: clock.now() },
      ]),
    );
    const [pr] = await orders.listPlatformReturns(actorFor(org, 'agent'), { orderId: order.orderId });
    const partial = await ctx.services.remedies.propose(actorFor(org, 'supervisor'), { orderId: order.orderId, ticketId, platformReturnId: pr!.id, category: 'colour_difference', optionKey: 't2:partial_refund+coupon' });
    await settle(ctx, org.orgId);
    expect(platform.approvals.map((a) => a.payload)).toEqual([{ shopId: org.shopId, platformReturnId: pr!.id, decision: 'OFFER_PARTIAL_REFUND', partialRefund: { amount: 4_000, currency: 'EUR' } }]);
    expect(platform.refunds).toHaveLength(0);
    expect((await ctx.services.remedies.get(actorFor(org, 'agent'), partial.id)).steps.map((s) => [s.step, s.status])).toEqual([['approve_return', 'done'], ['message', 'done']]);
  });
});

describe('compensation', () => {
  it('a reship already released is recalled when the remedy is abandoned after a later step fails', async () => {
    const { org, order, ticketId } = await setup();
    const rem = await ctx.services.remedies.propose(actorFor(org, 'supervisor'), { orderId: order.orderId, ticketId, category: 'severe_damage', optionKey: 't3:reship+reship+coupon+card' });
    // The buyer's message cannot be delivered: the ticket was closed meanwhile (a merge, say).
    await ctx.services.helpdesk.setStatus(actorFor(org, 'supervisor'), ticketId, 'closed');
    await settle(ctx, org.orgId);
    const parked = await ctx.services.remedies.get(actorFor(org, 'agent'), rem.id);
    expect(parked).toMatchObject({ status: 'attention', failedStep: 'message' });
    expect(parked.steps.map((s) => [s.step, s.status])).toEqual([['reship', 'done'], ['message', 'failed']]);
    const gone = await ctx.services.remedies.abandon(actorFor(org, 'supervisor'), rem.id, { note: 'buyer unreachable; stop the replacement' });
    expect(gone.coupon).toMatchObject({ status: 'voided' });
    await settle(ctx, org.orgId);
    const [reship] = await ctx.platform.db.system((tx) => tx.select().from(reshipsTable).where(eq(reshipsTable.remedyId, rem.id)));
    expect(reship).toMatchObject({ status: 'cancelled' });
    expect(await evidenceKinds(org.orgId, ticketId)).toContain('status_change');
  });
});
