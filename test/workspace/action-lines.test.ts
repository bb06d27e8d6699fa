/**
 * Issue 13: an action taken from a ticket shows its progress as lines in the thread that follow
 * its outbox step — requested (in the action's own transaction), sent to the platform or failed
 * with the platform's reason (when the step ends), confirmed (when the remedy completes) — each
 * state once, whatever is told twice.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerModuleWorkers } from '../../src/app/modules.js';
import { TIKTOK_HANDLERS } from '../../src/integrations/tiktok/index.js';
import { ManualClock } from '../../src/platform/clock.js';
import { PermanentError, type OutboxHandler } from '../../src/platform/outbox/outbox.js';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { actorFor } from '../helpers/org.js';
import { settle } from '../helpers/returns.js';
import { connectedWorld, type TikTokTestWorld } from '../tiktok/helpers.js';

let ctx: TestContext;
let w: TikTokTestWorld;
const clock = new ManualClock(Date.now());
beforeAll(async () => {
  ctx = await createTestContext({ clock });
  await registerModuleWorkers(ctx.platform, ctx.services);
  w = await connectedWorld(ctx);
}, 60_000);
afterAll(async () => {
  await w?.close();
  await ctx?.close();
});

/** A TikTok return request on a fresh delivered order, synced: its ticket and platform request. */
async function requestTicket(): Promise<{ ticketId: string; orderId: string; platformReturnId: string; externalId: string }> {
  const world = w.sandbox.world;
  const busy = new Set([...world.returns.values()].map((r) => r.orderId));
  const order = [...world.orders.values()].find((o) => o.shopId === w.tiktokShopId && o.status === 'DELIVERED' && !busy.has(o.id))!;
  const rq = world.openReturn(order.id, { reason: 'colour', type: 'RETURN_AND_REFUND' });
  await ctx.services.tiktok.sync.syncShop(w.org.orgId, w.shopId, ['orders', 'returns']);
  await settle(ctx, w.org.orgId);
  const owner = actorFor(w.org, 'owner');
  const prt = (await ctx.services.orders.listPlatformReturns(owner, {})).find((p) => p.externalId === rq.id)!;
  const page = await ctx.services.helpdesk.list(owner, { view: 'all', limit: 200 } as never);
  const ticket = (page.items as { id: string; channel: string; orderId: string | null }[]).find((t) => t.channel === 'tiktok_return_request' && t.orderId === prt.orderId)!;
  return { ticketId: ticket.id, orderId: prt.orderId!, platformReturnId: prt.id, externalId: rq.id };
}

async function lines(ticketId: string) {
  const { messages } = await ctx.services.helpdesk.getTicket(actorFor(w.org, 'owner'), ticketId);
  return messages.filter((m) => m.event?.kind === 'action').map((m) => ({ ...(m.event!.params as Record<string, string | number | null>), kind: m.kind, author: m.authorType, body: m.body }) as Record<string, string | number | null>);
}

describe('action lines in the ticket thread', () => {
  it('approving the platform request from the ticket: requested, sent to the platform, confirmed by the platform status; nothing more when told again', async () => {
    const r = await requestTicket();
    const out = await ctx.services.returns.decidePlatformRequest(actorFor(w.org, 'agent'), r.platformReturnId, { decision: 'approve', ticketId: r.ticketId });
    expect(await lines(r.ticketId)).toEqual([expect.objectContaining({ action: 'return_approve', state: 'requested', ref: r.externalId, kind: 'note', author: 'system', body: `Approval of the platform request (${r.externalId}): requested` })]);
    await settle(ctx, w.org.orgId);
    // The writeback re-reads the request at once: the platform shows it approved (awaiting the
    // buyer's parcel), so the line is confirmed right after "sent".
    await ctx.services.tiktok.sync.syncShop(w.org.orgId, w.shopId, ['returns']);
    expect((await lines(r.ticketId)).map((l) => l.state)).toEqual(['requested', 'sent', 'confirmed']);
    // A finish listener told twice (a redelivered notification) and another sync write nothing more.
    expect(await ctx.services.helpdesk.actionStepFinished(w.org.orgId, out.outboxId, 'done', null)).toBe(false);
    await ctx.services.tiktok.sync.syncShop(w.org.orgId, w.shopId, ['returns']);
    expect((await lines(r.ticketId)).map((l) => l.state)).toEqual(['requested', 'sent', 'confirmed']);
  }, 60_000);

  it('a refund the platform refuses: requested, then failed with the platform\'s reason; a partial refund offer through the request: requested → sent → confirmed', async () => {
    const real = ctx.platform.outbox.get(TIKTOK_HANDLERS.refund)!;
    const refusing: OutboxHandler = async () => {
      throw new PermanentError('Refund refused: the order is under platform review\n  at stack line');
    };
    const sup = actorFor(w.org, 'supervisor');
    const a = await requestTicket();
    ctx.platform.outbox.register(TIKTOK_HANDLERS.refund, refusing);
    try {
      const rem = await ctx.services.remedies.propose(sup, { orderId: a.orderId, ticketId: a.ticketId, category: 'colour_difference', optionKey: 't2:partial_refund+coupon' });
      expect(rem.status).toBe('executing');
      const first = await lines(a.ticketId);
      expect(first).toEqual([expect.objectContaining({ action: 'refund', state: 'requested', amount: rem.refundAmount, currency: 'EUR', group: `remedy:${rem.id}:refund` })]);
      await settle(ctx, w.org.orgId);
      expect(await lines(a.ticketId)).toEqual([
        expect.objectContaining({ state: 'requested' }),
        expect.objectContaining({ action: 'refund', state: 'failed', reason: 'Refund refused: the order is under platform review' }),
      ]);
    } finally {
      ctx.platform.outbox.register(TIKTOK_HANDLERS.refund, real);
    }

    const b = await requestTicket();
    // Through the buyer's open request (TikTok takes no second request on the order): a partial refund offer.
    const rem = await ctx.services.remedies.propose(sup, { orderId: b.orderId, ticketId: b.ticketId, platformReturnId: b.platformReturnId, category: 'colour_difference', optionKey: 't2:partial_refund+coupon' });
    await settle(ctx, w.org.orgId);
    expect(w.sandbox.writebacks.filter((x) => x.target === b.externalId).map((x) => x.body)).toEqual([expect.objectContaining({ decision: 'OFFER_PARTIAL_REFUND' })]);
    expect((await lines(b.ticketId)).map((l) => [l.action, l.state])).toEqual([
      ['partial_refund', 'requested'],
      ['partial_refund', 'sent'],
    ]);
    // The buyer accepts on TikTok; the next sync brings the platform's word: confirmed, once.
    w.sandbox.world.answerPartialRefund(b.externalId, true);
    await ctx.services.tiktok.sync.syncShop(w.org.orgId, w.shopId, ['returns']);
    await ctx.services.tiktok.sync.syncShop(w.org.orgId, w.shopId, ['returns']);
    const got = await lines(b.ticketId);
    expect(got.map((l) => [l.action, l.state])).toEqual([
      ['partial_refund', 'requested'],
      ['partial_refund', 'sent'],
      ['partial_refund', 'confirmed'],
    ]);
    expect(got.every((l) => l.amount === rem.refundAmount && l.currency === 'EUR')).toBe(true);
  }, 90_000);

  it("acting from the return's own page writes the same lines into the return's ticket: approve, reject after a failed inspection, refund anyway", async () => {
    const agent = actorFor(w.org, 'agent');
    const sup = actorFor(w.org, 'supervisor');
    const wh = actorFor(w.org, 'warehouse');
    const world = w.sandbox.world;
    const failedReturn = async () => {
      const r = await requestTicket();
      const ret = await ctx.services.returns.fromPlatformReturn(agent, r.platformReturnId, { reasonCode: 'changed_mind', ticketId: r.ticketId });
      expect(ret.ticketId).toBe(r.ticketId);
      // Approved from the return's page: no ticket named, the line lands in the return's ticket.
      await ctx.services.returns.decidePlatformRequest(agent, r.platformReturnId, { decision: 'approve' });
      await settle(ctx, w.org.orgId);
      expect((await lines(r.ticketId)).map((l) => [l.action, l.state, l.ref])).toEqual([
        ['return_approve', 'requested', r.externalId],
        ['return_approve', 'sent', r.externalId],
        // The writeback re-reads the request at once and finds it approved.
        ['return_approve', 'confirmed', r.externalId],
      ]);
      world.setReturnStatus(r.externalId, 'BUYER_SHIPPED_ITEM', { silent: true });
      await ctx.services.tiktok.sync.syncShop(w.org.orgId, w.shopId, ['returns']);
      await ctx.services.returns.receive(wh, ret.id, {});
      expect((await ctx.services.returns.inspect(wh, ret.id, { grade: 'not_ours' })).status).toBe('inspection_failed');
      return { ...r, returnId: ret.id, before: (await lines(r.ticketId)).length };
    };

    // The supervisor rejects the parcel from the return's page: requested → sent, named by the platform's number.
    const a = await failedReturn();
    const reason = (await ctx.services.returns.rejectReasons(sup, a.returnId)).find((x) => x.name.includes('parcel'))!;
    await ctx.services.returns.decide(sup, a.returnId, { decision: 'reject', note: 'not our item', rejectReason: reason.name });
    expect((await lines(a.ticketId)).slice(a.before)).toEqual([expect.objectContaining({ action: 'return_reject', state: 'requested', ref: a.externalId, group: `return:${a.returnId}:reject`, author: 'system' })]);
    await settle(ctx, w.org.orgId);
    expect((await lines(a.ticketId)).slice(a.before).map((l) => [l.action, l.state])).toEqual([
      ['return_reject', 'requested'],
      ['return_reject', 'sent'],
      ['return_reject', 'confirmed'],
    ]);

    // Refund anyway from the return's page: the refund's lines in the same thread.
    const b = await failedReturn();
    await ctx.services.returns.decide(sup, b.returnId, { decision: 'refund_anyway', note: 'goodwill' });
    await settle(ctx, w.org.orgId);
    const after = (await lines(b.ticketId)).slice(b.before);
    expect(after.map((l) => [l.action, l.state])).toEqual([
      ['refund', 'requested'],
      ['refund', 'sent'],
      ['refund', 'confirmed'],
    ]);
    expect(after[0]!.amount).toBeGreaterThan(0);
  }, 120_000);
});
