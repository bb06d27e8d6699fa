import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerModuleWorkers } from '../../src/app/modules.js';
import { ManualClock } from '../../src/platform/clock.js';
import { systemActor } from '../../src/platform/tenancy.js';
import { assignArm } from '../../src/modules/experiments/index.js';
import { outbox } from '../../src/platform/outbox/outbox.schema.js';
import { evidenceRecords } from '../../src/modules/evidence/evidence.schema.js';
import { couponBuyerFacts } from '../../src/modules/coupons/coupons.schema.js';
import { WATERMARK_OVERLAP_MS } from '../../src/modules/coupons/index.js';
import { candidatesIn, type CandidateCursor, type CandidateRange } from '../../src/modules/coupons/coupons.facts.js';
import { buyerShopFacts } from '../../src/modules/orders/index.js';
import type { SbBuyer } from '../../src/integrations/tiktok/sandbox/world.js';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { actorFor } from '../helpers/org.js';
import { connectedWorld, type TikTokTestWorld } from '../tiktok/helpers.js';

/**
 * Coupons against the local TikTok Shop, end to end: platform coupons synced, a return-visit
 * programme, an order delivered → 3 days later exactly one COUPON_CARD → the buyer orders with it
 * → the ledger says redeemed → the report counts it; a crash between the send and the ledger
 * update sends nothing twice. And a remedy's compensation coupon is the platform's, voided when
 * the remedy is abandoned.
 */
let ctx: TestContext;
let world: TikTokTestWorld;
const clock = new ManualClock('2026-03-10T08:00:00Z'); // 09:00 in Berlin: outside the quiet hours

beforeAll(async () => {
  ctx = await createTestContext({ clock });
  await registerModuleWorkers(ctx.platform, ctx.services);
  // The sandbox lives on the test's clock, and the client signs with it (the timestamp window).
  ctx.services.tiktok.client.setClock(clock);
  world = await connectedWorld(ctx, { nowMs: () => clock.now().getTime() });
  await ctx.services.tiktok.sync.syncShop(world.org.orgId, world.shopId);
});
afterAll(async () => {
  await world?.close();
  await ctx?.close();
});

const cardsTo = (buyer: SbBuyer) =>
  [...world.sandbox.world.conversations.values()].filter((c) => c.buyer.userId === buyer.userId).flatMap((c) => c.messages.filter((m) => m.type === 'COUPON_CARD'));

async function drainSends(rounds = 40): Promise<void> {
  for (let i = 0; i < rounds; i++) {
    await ctx.platform.dispatcher.drain(20, world.org.orgId);
    clock.advance(2_100);
  }
}

describe('coupons against the sandbox', () => {
  it('syncs platform coupons and refuses the ones a programme cannot use, naming the field', async () => {
    const owner = actorFor(world.org, 'owner');
    const r = await ctx.services.coupons.syncShop(owner, world.shopId);
    expect(r.coupons).toBe(8);
    const list = await ctx.services.coupons.listPlatformCoupons(owner, world.shopId);
    expect(list.chatReach).toBe('ok');
    const byTitle = (t: string) => list.items.find((c) => c.title === t)!;
    expect(byTitle('Return visit: spend 30, save 5')).toMatchObject({ faceValue: 500, minSpend: 3000, currency: 'EUR', chatProblems: [], redemptionDays: 14 });
    expect(byTitle('Loyal customers: 10 %').chatProblems).toEqual(['segment_repeat_customers']);
    expect(byTitle('LIVE flash 20 off').chatProblems).toEqual(['display_type']);
    const base = { shopId: world.shopId, name: 'x', kind: 'return_visit' as const, schedule: { afterDeliveryDays: 3 }, segment: {}, holdoutPercent: 0, budget: 10_000, channel: 'tiktok_chat' as const, maxMinSpend: null, maxFaceValue: null, messages: {} };
    await expect(ctx.services.coupons.createProgramme(owner, { ...base, variants: [{ key: 'a', platformCouponId: byTitle('Return visit: spend 30, save 5').id, weight: 1 }, { key: 'b', platformCouponId: byTitle('Loyal customers: 10 %').id, weight: 1 }] })).rejects.toMatchObject({
      status: 422,
      details: { issues: [{ field: 'variants.1.platformCouponId', message: expect.stringContaining('repeat customers') }] },
    });
    await expect(ctx.services.coupons.createProgramme(owner, { ...base, variants: [{ key: 'a', platformCouponId: byTitle('Spring promo code').id, weight: 1 }] })).rejects.toMatchObject({ code: 'coupons.coupon_expired' });
    await expect(ctx.services.coupons.createProgramme(owner, { ...base, maxMinSpend: 2000, variants: [{ key: 'a', platformCouponId: byTitle('Return visit: spend 30, save 5').id, weight: 1 }] })).rejects.toMatchObject({ code: 'coupons.coupon_threshold' });
  });

  it('delivered → 3 days later exactly one COUPON_CARD → redeemed → counted; a crash after the send sends nothing twice', async () => {
    const owner = actorFor(world.org, 'owner');
    const { orgId } = world.org;
    const sb = world.sandbox.world;
    const coupons = (await ctx.services.coupons.listPlatformCoupons(owner, world.shopId)).items;
    const returnVisit = coupons.find((c) => c.title === 'Return visit: spend 30, save 5')!;
    const programme = await ctx.services.coupons.createProgramme(owner, {
      shopId: world.shopId,
      name: 'Return visit',
      kind: 'return_visit',
      schedule: { afterDeliveryDays: 3 },
      segment: {},
      holdoutPercent: 0,
      budget: 1_000_000,
      channel: 'tiktok_chat',
      maxMinSpend: 5000,
      maxFaceValue: null,
      messages: { de: 'Danke! {value} Rabatt ab {minSpend} bis {until}.' },
      variants: [{ key: 'a', platformCouponId: returnVisit.id, weight: 1 }],
    });
    // The budget moves money: creating and changing it is on the owners' audit log.
    await ctx.services.coupons.updateProgramme(owner, programme.id, { budget: 1_200_000 });
    const budgetAudit = await ctx.platform.db.tenant(world.org.orgId, (tx) => tx.execute(sql`select before, after from audit_events where org_id = ${world.org.orgId} and action = 'coupons.budget_changed' and subject_id = ${programme.id} order by at, id`));
    expect(budgetAudit.rows.map((r) => [(r as { before: { budget: number } | null }).before?.budget ?? null, (r as { after: { budget: number } }).after.budget])).toEqual([
      [null, 1_000_000],
      [1_000_000, 1_200_000],
    ]);

    // A new buyer orders, the parcel is delivered today.
    const order = sb.createOrder(world.tiktokShopId, { silent: false });
    sb.ship(order.id, { silent: true });
    sb.setOrderStatus(order.id, 'DELIVERED', { silent: false });
    await ctx.services.tiktok.sync.syncShop(orgId, world.shopId);
    const buyer = order.buyer;

    // Days 1 and 2: nothing for this buyer.
    for (let d = 1; d <= 2; d++) {
      clock.advance(86_400_000);
      await ctx.services.coupons.runDue(orgId, world.shopId);
      await drainSends(3);
      expect(cardsTo(buyer)).toHaveLength(0);
    }
    // Day 3: planned and sent once; the first attempt "crashes" after the platform took the card.
    clock.advance(86_400_000);
    const run = await ctx.services.coupons.runDue(orgId, world.shopId);
    expect(run.planned).toBeGreaterThanOrEqual(1);
    const svc = ctx.services.coupons;
    const markSent = svc.markSent;
    let crashes = 0;
    svc.markSent = async (...args) => {
      if (crashes++ === 0) throw new Error('worker died after the send');
      return markSent(...args);
    };
    await drainSends(40);
    svc.markSent = markSent;
    expect(crashes).toBeGreaterThanOrEqual(1);
    // The retry (after backoff) re-reads the chat and finds the card.
    for (let i = 0; i < 10; i++) {
      clock.advance(30_000);
      await ctx.platform.dispatcher.drain(20, orgId);
    }
    const mine = (await svc.ledgerOfBuyer(owner, await buyerIdOf(buyer.userId))).items;
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ status: 'sent', couponExternalId: returnVisit.externalId, programmeId: programme.id });
    expect(cardsTo(buyer)).toHaveLength(1);
    expect(JSON.parse(cardsTo(buyer)[0]!.content)).toEqual({ coupon_id: returnVisit.externalId });
    const step = await ctx.platform.db.system((tx) => tx.select().from(outbox).where(and(eq(outbox.orgId, orgId), eq(outbox.subjectId, mine[0]!.id))));
    expect(step[0]).toMatchObject({ status: 'done', attempts: 2, result: expect.objectContaining({ deduplicated: true }) });
    // The text went once too.
    const texts = [...sb.conversations.values()].filter((c) => c.buyer.userId === buyer.userId).flatMap((c) => c.messages.filter((m) => m.type === 'TEXT' && m.senderRole === 'SHOP'));
    expect(texts).toHaveLength(1);
    expect(JSON.parse(texts[0]!.content).content).toMatch(/^Danke! 5,00\s€ Rabatt ab 30,00\s€ bis \d/);

    // A second run the same day adds nothing.
    const again = await ctx.services.coupons.runDue(orgId, world.shopId);
    expect(again.planned).toBe(0);

    // Two days later the buyer orders with the coupon.
    clock.advance(2 * 86_400_000);
    const redeeming = world.sandbox.coupons.redeem(buyer, returnVisit.externalId);
    await ctx.services.tiktok.sync.syncShop(orgId, world.shopId);
    const attributed = await ctx.services.coupons.attribute(orgId, world.shopId);
    expect(attributed.redeemed).toBeGreaterThanOrEqual(1);
    const after = (await svc.ledgerOfBuyer(owner, await buyerIdOf(buyer.userId))).items[0]!;
    expect(after).toMatchObject({ status: 'redeemed', redeemedOrderId: expect.stringMatching(/^ord_/) });
    expect(after.orderValue).toBeGreaterThanOrEqual(3000);

    const detail = await svc.getProgramme(owner, programme.id);
    expect(detail.programme.figures.redeemed).toBeGreaterThanOrEqual(1);
    const v = detail.report.variants[0]!;
    expect(v.redeemed).toBe(detail.programme.figures.redeemed);
    expect(v.redemptionRate).toBeCloseTo(v.redeemed / v.sent, 10);
    expect(detail.report.timeline.some((d) => d.redeemed > 0)).toBe(true);
    // Without a hold-out the lift cannot be measured: said, not guessed.
    expect(v.verdict).toBe('inconclusive');

    // The order is cancelled: the coupon comes back (rule table: cancellation restores a valid coupon).
    sb.setOrderStatus(redeeming.id, 'CANCELLED', { silent: true });
    await ctx.services.tiktok.sync.syncShop(orgId, world.shopId);
    expect(await svc.settleRedemptions(orgId)).toMatchObject({ restored: 1 });
    expect((await svc.ledgerOfBuyer(owner, await buyerIdOf(buyer.userId))).items[0]).toMatchObject({ status: 'sent', redeemedOrderId: null });
    const ev = await ctx.platform.db.system((tx) => tx.select().from(evidenceRecords).where(and(eq(evidenceRecords.orgId, orgId), eq(evidenceRecords.caseId, after.buyerId!))));
    expect(ev.map((e) => e.summary)).toEqual(expect.arrayContaining([expect.stringContaining('planned'), expect.stringContaining('sent in chat'), expect.stringContaining('redeemed'), expect.stringContaining('restored')]));
  });

  it('a remedy with a compensation coupon sends the platform coupon; abandoning the remedy voids it', async () => {
    const { orgId } = world.org;
    const sb = world.sandbox.world;
    const order = sb.createOrder(world.tiktokShopId, { silent: false });
    sb.ship(order.id, { silent: true });
    sb.setOrderStatus(order.id, 'DELIVERED', { silent: false });
    await ctx.services.tiktok.sync.syncShop(orgId, world.shopId);
    const orderId = await orderIdOf(order.id);
    // The refund will be refused by the platform: the remedy parks in attention and can be abandoned.
    world.sandbox.inject(/\/return_refund\/202309\/returns$/, { kind: 'error', http: 200, code: 25001051, message: 'order cannot be refunded' }, 5, 'POST');
    const rem = await ctx.services.remedies.propose(actorFor(world.org, 'supervisor'), { orderId, category: 'size_fit', optionKey: 't2:partial_refund+coupon' });
    // The ladder's coupon maps to the shop's Seller Center coupon closest in value (not above it).
    expect(rem.coupon).toMatchObject({ status: 'planned', currency: 'EUR' });
    const chosen = (await ctx.services.coupons.listPlatformCoupons(actorFor(world.org, 'owner'), world.shopId)).items.find((c) => c.title === rem.coupon!.code)!;
    expect(chosen.title).toMatch(/^Sorry: /);
    expect(chosen.faceValue).toBe(rem.coupon!.amount);
    await drainSends(10);
    expect(cardsTo(order.buyer).map((m) => JSON.parse(m.content))).toEqual([{ coupon_id: chosen.externalId }]);
    const parked = await ctx.services.remedies.get(actorFor(world.org, 'agent'), rem.id);
    expect(parked.status).toBe('attention');
    expect(parked.coupon).toMatchObject({ status: 'sent' });
    const gone = await ctx.services.remedies.abandon(actorFor(world.org, 'supervisor'), rem.id, { note: 'refund refused' });
    expect(gone.coupon).toMatchObject({ status: 'voided' });
    const voided = (await ctx.services.coupons.ledgerOfBuyer(systemActor(orgId), await buyerIdOf(order.buyer.userId))).items[0]!;
    expect(voided).toMatchObject({ status: 'voided', remedyId: rem.id });
    // The card had gone out before the void: its contact still counts toward the frequency cap (only unsent ones are withdrawn).
    const contact = await ctx.platform.db.system((tx) => tx.execute(sql`select purpose, withdrawn_at from outreach_contacts where org_id = ${orgId} and ref = ${voided.id}`));
    expect(contact.rows).toEqual([{ purpose: 'service', withdrawn_at: null }]);
  });

  it('compensation coupons keep a persistent hold-out: a held-out buyer gets none, is counted in the report, and the evidence chain stays whole', async () => {
    const { orgId } = world.org;
    const sb = world.sandbox.world;
    const owner = actorFor(world.org, 'owner');
    // The shop's compensation programme was made by the remedy above (hold-out 0 %); the seller sets 50 %.
    const comp = (await ctx.services.coupons.listProgrammes(owner, { shopId: world.shopId })).items.find((p) => p.kind === 'compensation')!;
    expect(comp).toMatchObject({ name: 'Compensation coupons', holdoutPercent: 0, figures: { sent: 1, heldOut: 0 } });
    await ctx.services.coupons.updateProgramme(owner, comp.id, { holdoutPercent: 50 });
    // Buyers until one falls in the hold-out (a hash of programme and buyer: the same answer every time).
    let held: { orderId: string; buyerId: string } | null = null;
    for (let i = 0; i < 20 && !held; i++) {
      const order = sb.createOrder(world.tiktokShopId, { silent: false });
      sb.ship(order.id, { silent: true });
      sb.setOrderStatus(order.id, 'DELIVERED', { silent: false });
      await ctx.services.tiktok.sync.syncShop(orgId, world.shopId);
      const buyerId = await buyerIdOf(order.buyer.userId);
      if (assignArm(comp.id, buyerId, 50) === 'holdout') held = { orderId: await orderIdOf(order.id), buyerId };
    }
    expect(held).not.toBeNull();
    const rem = await ctx.services.remedies.propose(actorFor(world.org, 'supervisor'), { orderId: held!.orderId, category: 'size_fit', optionKey: 't2:partial_refund+coupon' });
    // The remedy shows its coupon as held out (nothing is sent, and the buyer message names no coupon).
    expect(rem.coupon).toMatchObject({ status: 'held_out', amount: expect.any(Number) });
    const rows = await ctx.platform.db.system((tx) => tx.execute(sql`select arm, status, remedy_id, programme_id, outbox_id from coupon_ledger where org_id = ${orgId} and buyer_id = ${held!.buyerId}`));
    expect(rows.rows).toEqual([{ arm: 'holdout', status: 'held_out', remedy_id: rem.id, programme_id: comp.id, outbox_id: null }]);
    const detail = await ctx.services.coupons.getProgramme(owner, comp.id);
    expect(detail.programme.figures).toMatchObject({ heldOut: 1, sent: 1 });
    // The report compares live issues only: the one sent earlier was voided with its remedy.
    expect(detail.report.variants).toEqual([expect.objectContaining({ key: 'compensation', sent: 0, heldOut: 1, verdict: 'inconclusive' })]);
    // Every coupon record (batched or single) is on one unbroken evidence chain.
    expect(await ctx.services.evidence.verify(orgId)).toMatchObject({ ok: true });
  });

  it('the per-buyer summary equals the per-buyer lookup, takes in a new order by the pull (no rebuild), and moves with its windows by time alone', async () => {
    const { orgId } = world.org;
    const sb = world.sandbox.world;
    const svc = ctx.services.coupons;
    const compare = async (at: Date) => {
      const rows = await ctx.platform.db.tenant(orgId, (tx) => tx.select().from(couponBuyerFacts).where(and(eq(couponBuyerFacts.orgId, orgId), eq(couponBuyerFacts.shopId, world.shopId))));
      const lookup = await ctx.platform.db.tenant(orgId, (tx) => buyerShopFacts(tx, orgId, world.shopId, rows.map((r) => r.buyerId), at));
      for (const r of rows) {
        const { buyerId, lastOrderAt, lastOrderId, lastDeliveredAt, lastDeliveredOrderId, orders365, spend365, spend180, returns180, hasReturns, openReturn, language, country } = r;
        expect({ buyerId, lastOrderAt, lastOrderId, lastDeliveredAt, lastDeliveredOrderId, orders365, spend365, spend180, returns180, returnedValue180: r.returned180, hasReturnHistory: hasReturns, openReturn, language, country }).toEqual(lookup.get(r.buyerId));
      }
      return rows;
    };
    await svc.refreshFacts(orgId, world.shopId);
    const before = await compare(clock.now());
    expect(before.length).toBeGreaterThanOrEqual(4);
    expect(before.some((r) => r.orders365 > 0)).toBe(true);

    // A new order, delivered: in the summary after the next refresh, which reads the changed buyers (here the
    // sandbox sync rewrites every order it lists, so all of the shop's buyers count as changed).
    clock.advance(3_600_000);
    const order = sb.createOrder(world.tiktokShopId, { silent: false });
    sb.ship(order.id, { silent: true });
    sb.setOrderStatus(order.id, 'DELIVERED', { silent: false });
    await ctx.services.tiktok.sync.syncShop(orgId, world.shopId);
    const pulled = await svc.refreshFacts(orgId, world.shopId);
    expect(pulled.rebuilt).toBe(false);
    expect(pulled.refreshed).toBeGreaterThanOrEqual(1);
    const after = await compare(clock.now());
    const orderId = await orderIdOf(order.id);
    expect(after.find((r) => r.buyerId === order.buyer.userId || r.lastOrderId === orderId)).toMatchObject({ lastOrderId: orderId, lastDeliveredOrderId: orderId, orders365: expect.any(Number) });
    // Changes within the overlap before the last read are read once more (a late commit is not lost); then nobody is recomputed.
    expect((await svc.refreshFacts(orgId, world.shopId)).refreshed).toBeGreaterThanOrEqual(1);
    clock.advance(WATERMARK_OVERLAP_MS + 60_000);
    await svc.refreshFacts(orgId, world.shopId);
    expect(await svc.refreshFacts(orgId, world.shopId)).toEqual({ rebuilt: false, refreshed: 0 });

    // 366 days on, every order has left the 365-day window: the stale rows (and only they) are recomputed.
    const later = new Date(clock.now().getTime() + 366 * 86_400_000);
    const withOrders = after.filter((r) => r.freshUntil !== null).length;
    const moved = await svc.refreshFacts(orgId, world.shopId, later);
    expect(moved).toEqual({ rebuilt: false, refreshed: withOrders });
    const aged = await compare(later);
    expect(aged.every((r) => r.orders365 === 0 && r.spend365 === 0 && r.freshUntil === null)).toBe(true);
  });

  it("candidates come in pages in the buyers' stored draw from the programme's start point of the day, wrapping around: each once, stable across runs, another day another start", async () => {
    const { orgId } = world.org;
    // Every summary row carries its draw, hashtext(buyer_id) (the refresh above wrote them).
    const bad = await ctx.platform.db.system((tx) => tx.execute(sql`select count(*)::int as n from coupon_buyer_facts where org_id = ${orgId} and draw <> hashtext(buyer_id)`));
    expect(bad.rows[0]).toEqual({ n: 0 });
    // 60 loyal buyers of a shop of their own (no other test reads it).
    const shop = 'shp_draw_pages';
    await ctx.platform.db.system((tx) =>
      tx.execute(sql`insert into coupon_buyer_facts (org_id, shop_id, buyer_id, orders365, spend365, spend180, returns180, returned180, has_returns, open_return, refreshed_at, draw, last_order_at)
        select ${orgId}, ${shop}, 'byr_draw_' || g, 3 + g % 4, 0, 0, 0, 0, false, false, now(), hashtext('byr_draw_' || g), '2026-01-09T12:00:00Z' from generate_series(1, 60) g`),
    );
    const loyal = { minOrders365: 3 };
    const lapsed: CandidateRange = { lastOrderIn: [new Date('2026-01-09T00:00:00Z'), new Date('2026-01-10T00:00:00Z')] };
    const pages = async (salt: string, limit: number, range: CandidateRange = loyal) => {
      const seen: string[] = [];
      let after: CandidateCursor | undefined;
      for (let i = 0; i < 100; i++) {
        const page = await ctx.platform.db.tenant(orgId, (tx) => candidatesIn(tx, orgId, shop, range, { salt, limit, after }));
        seen.push(...page.facts.keys());
        if (page.facts.size < limit) break;
        after = page.last!;
      }
      return seen;
    };
    const expected = async (salt: string) =>
      ((await ctx.platform.db.system((tx) => tx.execute(sql`select buyer_id from coupon_buyer_facts where org_id = ${orgId} and shop_id = ${shop} order by draw < hashtext(${salt}), draw, buyer_id`))).rows as { buyer_id: string }[]).map((x) => x.buyer_id);
    const salt = 'cpg_loyal:2026-03-10';
    const want = await expected(salt);
    expect(want).toHaveLength(60);
    // Pages of 7 (crossing the wrap) give every buyer once, in the ring order; one big page the same.
    expect(await pages(salt, 7)).toEqual(want);
    expect(await pages(salt, 500)).toEqual(want);
    expect(await pages(salt, 60)).toEqual(want);
    // A day's window (here: last order) is read by its own index and sorted, in the same ring order.
    expect(await pages(salt, 7, lapsed)).toEqual(want);
    expect(await pages(salt, 100, lapsed)).toEqual(want);
    // Another day: another start point, the same buyers.
    const next = await pages('cpg_loyal:2026-03-11', 9);
    expect(next).toEqual(await expected('cpg_loyal:2026-03-11'));
    expect(next[0]).not.toBe(want[0]);
    expect([...next].sort()).toEqual([...want].sort());
  });
});

async function buyerIdOf(platformBuyerId: string): Promise<string> {
  const { buyers } = await import('../../src/modules/orders/orders.schema.js');
  const [b] = await ctx.platform.db.system((tx) => tx.select({ id: buyers.id }).from(buyers).where(and(eq(buyers.orgId, world.org.orgId), eq(buyers.platformBuyerId, platformBuyerId))));
  if (!b) throw new Error(`buyer ${platformBuyerId} not synced`);
  return b.id;
}
async function orderIdOf(externalId: string): Promise<string> {
  const { orders } = await import('../../src/modules/orders/orders.schema.js');
  const [o] = await ctx.platform.db.system((tx) => tx.select({ id: orders.id }).from(orders).where(and(eq(orders.orgId, world.org.orgId), eq(orders.externalId, externalId))));
  if (!o) throw new Error(`order ${externalId} not synced`);
  return o.id;
}
