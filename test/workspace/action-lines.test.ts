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
});
