import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OrderInput, PlatformReturnInput } from '../../src/modules/orders/index.js';
import { ManualClock } from '../../src/platform/clock.js';
import { systemActor } from '../../src/platform/tenancy.js';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { actorFor, createTestOrg, type TestOrg } from '../helpers/org.js';
import { seedOrder, seedTicket } from '../helpers/returns.js';

/**
 * After-sales outcomes on small hand-built worlds whose answers are worked out here: return cycle
 * time by step against the target, cost share of sales, coupon ROI (coupons module reader), dispute
 * win rate and appeal success; CSAT asked on a solved ticket in the buyer's language through the
 * contact policy, sent once on the ticket's channel, the buyer's "5" stored and reported.
 */
let ctx: TestContext;
const clock = new ManualClock(new Date('2026-03-20T09:00:00Z'));
beforeAll(async () => {
  ctx = await createTestContext({ clock });
});
afterAll(async () => {
  await ctx?.close();
});

const order = (shopId: string, ext: string, paid: number): OrderInput =>
  ({ shopId, externalId: ext, buyer: { platformBuyerId: `b-${ext}`, displayName: null, email: null }, status: 'delivered', rawStatus: 'DELIVERED', currency: 'EUR', subtotal: paid, shipping: 0, sellerDiscount: 0, platformDiscount: 0, tax: 0, total: paid, placedAt: new Date('2026-03-01T10:00:00Z'), paidAt: null, deliveredAt: new Date('2026-03-04T10:00:00Z'), trackingNumber: null, carrier: null, deliveryStatus: 'delivered', externalUpdatedAt: new Date('2026-03-04T10:00:00Z'), lines: [{ externalId: `${ext}-1`, skuId: 's', productId: 'p', productName: 'Bag', unitPrice: paid, paidAmount: paid, trafficSource: { type: 'organic', id: null, name: null } }] }) as unknown as OrderInput;
const refund = (shopId: string, ext: string, amount: number): PlatformReturnInput => ({ shopId, kind: 'return', externalId: `R-${ext}`, externalOrderId: ext, type: 'refund_only', rawType: 'REFUND', status: 'completed', rawStatus: 'RETURN_OR_REFUND_REQUEST_COMPLETE', reasonCode: 'ecom_order_delivered_refund_reason_damaged', reasonText: 'damaged', lines: [{ externalOrderLineId: `${ext}-1`, refundAmount: amount }], currency: 'EUR', refundAmount: amount, photos: [], videos: [], requestedAt: new Date('2026-03-05T10:00:00Z'), externalUpdatedAt: new Date('2026-03-06T10:00:00Z') });

async function rma(org: TestOrg, orderId: string, i: number, t: { requested: string; approved?: string; received?: string; inspected?: string; refunded?: string; appeal?: 'open' | 'won' | 'lost' }) {
  const ts = (v?: string) => (v ? sql`${v}::timestamptz` : sql`null`);
  await ctx.platform.db.tenant(org.orgId, (tx) =>
    tx.execute(sql`insert into returns (org_id, id, rma, shop_id, order_id, channel, status, resolution, photos, language, policy, refund_trigger, currency, refund_total, refund_calc, requested_at, approved_at, received_at, inspected_at, refunded_at, appeal_status, inspection_photos, created_by, updated_at)
      values (${org.orgId}, ${`ret_t${i}_${org.orgId}`}, ${`RMA-T${i}`}, ${org.shopId}, ${orderId}, 'agent', 'refunded', 'refund', '{}', 'en', '{}'::jsonb, 'on_receipt', 'EUR', 0, '{"lines":[],"total":0,"couponRule":null}'::jsonb,
        ${t.requested}::timestamptz, ${ts(t.approved)}, ${ts(t.received)}, ${ts(t.inspected)}, ${ts(t.refunded)}, ${t.appeal ?? null}, '{}', 'test', now())`),
  );
}

describe('after-sales outcomes', () => {
  it('cycle by step against the stored target, cost share, coupon ROI, dispute and appeal rates', async () => {
    const org = await createTestOrg(ctx);
    const owner = actorFor(org, 'owner');
    const db = ctx.platform.db;
    // Sales: 4 delivered lines of 25.00 = 100.00; one refunded 10.00.
    await db.tenant(org.orgId, async (tx) => {
      await ctx.services.orders.applyOrders(tx, org.orgId, ['O1', 'O2', 'O3', 'O4'].map((e) => order(org.shopId, e, 2_500)));
      await ctx.services.orders.applyPlatformReturns(tx, org.orgId, [refund(org.shopId, 'O1', 1_000)]);
    });
    const { orderId } = await seedOrder(ctx, org, { lines: [{ unitPrice: 1000 }] });
    // RMAs: 92 h and 240 h request → refund; the second was appealed and won, a third lost, a fourth open.
    await rma(org, orderId, 1, { requested: '2026-03-01T00:00:00Z', approved: '2026-03-01T12:00:00Z', received: '2026-03-04T12:00:00Z', inspected: '2026-03-04T18:00:00Z', refunded: '2026-03-04T20:00:00Z' });
    await rma(org, orderId, 2, { requested: '2026-03-01T00:00:00Z', approved: '2026-03-01T02:00:00Z', refunded: '2026-03-11T00:00:00Z', appeal: 'won' });
    await rma(org, orderId, 3, { requested: '2026-03-02T00:00:00Z', appeal: 'lost' });
    await rma(org, orderId, 4, { requested: '2026-03-02T00:00:00Z', appeal: 'open' });
    // Coupons: 2 sent, 1 redeemed with a 5.00 discount on a 40.00 order.
    await db.tenant(org.orgId, async (tx) => {
      for (const [i, redeemed] of [[1, true], [2, false]] as const) {
        await tx.execute(sql`insert into coupon_ledger (org_id, id, shop_id, intent_key, occasion, arm, status, channel, currency, face_value, planned_at, sent_at, order_value, discount_amount, updated_at)
          values (${org.orgId}, ${`cl${i}`}, ${org.shopId}, ${`k${i}`}, 'return_visit', 'treatment', ${redeemed ? 'redeemed' : 'sent'}, 'tiktok_chat', 'EUR', 500, '2026-03-10T00:00:00Z', '2026-03-10T00:00:00Z', ${redeemed ? 4_000 : null}, ${redeemed ? 500 : null}, now())`);
      }
      // Disputes: 2 won, 1 lost, 1 open.
    });
    for (const [i, status] of [[1, 'won'], [2, 'won'], [3, 'lost'], [4, 'open']] as const) {
      const other = await seedOrder(ctx, org, { lines: [{ unitPrice: 1000 }], deliveredAt: null });
      await db.tenant(org.orgId, (tx) => tx.execute(sql`insert into dispute_cases (org_id, id, shop_id, order_id, status, member_case_ids, opened_by, created_at, updated_at) values (${org.orgId}, ${`dc${i}`}, ${org.shopId}, ${other.orderId}, ${status}, '{}', 'test', '2026-03-10T00:00:00Z', '2026-03-12T00:00:00Z')`));
    }
    await ctx.services.analytics.setSettings(owner, { cycleTargetDays: 5, stepTargetHours: { request_to_approval: 3, inspection_to_refund: 10 } });
    // A later change keeps what it leaves out and removes a step's target set to null.
    expect(await ctx.services.analytics.setSettings(owner, { stepTargetHours: { inspection_to_refund: null, receipt_to_inspection: 8 } })).toEqual({ cycleTargetDays: 5, stepTargetHours: { request_to_approval: 3, receipt_to_inspection: 8 } });
    const o = await ctx.services.analytics.outcomes(owner, { from: '2026-02-23', to: '2026-03-21' });

    const step = (s: string) => o.cycle.steps.find((x) => x.step === s)!;
    expect(o.cycle.targetDays).toBe(5);
    // Approval took 12 h and 2 h: one of two within the 3 h target.
    expect(step('request_to_approval')).toMatchObject({ n: 2, p50Hours: 2, p90Hours: 12, targetHours: 3, withinTarget: 0.5 });
    // Inspection took 6 h: within 8 h. No target left on inspection → refund.
    expect(step('receipt_to_inspection')).toMatchObject({ n: 1, p50Hours: 6, targetHours: 8, withinTarget: 1 });
    expect(step('inspection_to_refund')).toMatchObject({ targetHours: null, withinTarget: null });
    // 92 h is within 5 days (120 h), 240 h is not.
    expect(step('request_to_refund')).toEqual({ step: 'request_to_refund', n: 2, p50Hours: 92, p90Hours: 240, targetHours: 120, withinTarget: 0.5 });
    expect(o.appeals).toEqual({ won: 1, lost: 1, open: 1, successRate: 0.5 });
    expect(o.disputes).toEqual({ won: 2, lost: 1, open: 1, winRate: 2 / 3 });
    const eur = o.cost.find((c) => c.currency === 'EUR')!;
    expect(eur).toMatchObject({ refunds: 1_000, coupons: 500, reships: 0, returnShipping: 0, total: 1_500 });
    expect(eur.share).toBeCloseTo(1_500 / eur.revenue, 12);
    expect(o.coupons).toEqual([expect.objectContaining({ shopId: org.shopId, issued: 2, redeemed: 1, cost: 500, revenue: 4_000, redemptionRate: 0.5, roi: 7 })]);
    expect(o.reviewRate).toBeNull();
    expect(o.definitions.review_rate!.exclusions).toMatch(/not computed/);
    // Only the owner sets the target.
    await expect(ctx.services.analytics.setSettings(actorFor(org, 'supervisor'), { cycleTargetDays: 3 })).rejects.toMatchObject({ status: 403 });
  });

  it('CSAT: asked once on a solved ticket in the buyer language, the reply stored and reported by channel and agent', async () => {
    const org = await createTestOrg(ctx);
    const owner = actorFor(org, 'owner');
    const { orderId } = await seedOrder(ctx, org, { lines: [{ unitPrice: 1000 }] });
    const ticketId = await seedTicket(ctx, org, orderId, 'Der Reißverschluss klemmt');
    await ctx.services.helpdesk.markSolved(systemActor(org.orgId), ticketId, 'answered');
    const first = await ctx.services.analytics.askCsat(org.orgId);
    expect(first).toEqual({ asked: 1, refused: 0, reasons: [] });
    // Once per ticket.
    expect(await ctx.services.analytics.askCsat(org.orgId)).toEqual({ asked: 0, refused: 0, reasons: [] });
    const msgs = await ctx.platform.db.tenant(org.orgId, (tx) => tx.execute(sql`select m.body, m.direction, o.idempotency_key from ticket_messages m left join outbox o on o.org_id = m.org_id and o.id = m.outbox_id where m.org_id = ${org.orgId} and m.ticket_id = ${ticketId} and m.author_type = 'system' and m.kind = 'public'`));
    expect(msgs.rows).toEqual([{ body: expect.stringMatching(/^Wie zufrieden sind Sie damit, wie .* Ihr Anliegen gelöst hat\?/), direction: 'outbound', idempotency_key: `analytics.csat:${ticketId}` }]);
    const contacts = await ctx.platform.db.tenant(org.orgId, (tx) => tx.execute(sql`select purpose, channel, source from outreach_contacts where org_id = ${org.orgId}`));
    expect(contacts.rows).toEqual([{ purpose: 'service', channel: 'email', source: 'csat' }]);
    const ticket = await ctx.services.helpdesk.getTicket(owner, ticketId);
    // The buyer answers "5" on the same thread: stored, and the ticket the answer reopened is solved again.
    clock.advance(60_000);
    const thread = await ctx.platform.db.tenant(org.orgId, (tx) => tx.execute(sql`select external_thread_id from ticket_threads where org_id = ${org.orgId} and ticket_id = ${ticketId} limit 1`));
    await ctx.services.helpdesk.ingestInbound({ orgId: org.orgId, shopId: org.shopId, channel: 'email', externalThreadId: String((thread.rows[0] as { external_thread_id: string }).external_thread_id), externalMessageId: 'msg-csat-5', buyer: { email: (ticket as { buyerEmail?: string }).buyerEmail ?? 'anna@example.de', name: 'Anna Becker', language: 'de' }, direction: 'inbound', text: '5', sentAt: clock.now().toISOString() });
    // Stored as it arrived (the helpdesk's after-message hook): the 5-minute job finds nothing left.
    expect(await ctx.services.analytics.collectCsat(org.orgId)).toBe(0);
    const after = await ctx.platform.db.tenant(org.orgId, (tx) => tx.execute(sql`select t.status, c.score, c.language from tickets t join csat_surveys c on c.org_id = t.org_id and c.ticket_id = t.id where t.org_id = ${org.orgId} and t.id = ${ticketId}`));
    expect(after.rows).toEqual([{ status: 'solved', score: 5, language: 'de' }]);
    const o = await ctx.services.analytics.outcomes(owner, {});
    expect(o.csat).toMatchObject({ asked: 1, answered: 1, average: 5 });
    expect(o.csat.rows.find((r) => r.dimension === 'channel')).toMatchObject({ key: 'email', answered: 1, average: 5, satisfied: 1 });
    expect(o.csat.rows.filter((r) => r.dimension === 'agent')).toHaveLength(1);
    expect(o.csat.rows.filter((r) => r.dimension === 'reason')).toHaveLength(1);
  });

  it('CSAT answers are read when they arrive on any channel that makes tickets (a video comment, the portal), not only in the job', async () => {
    const org = await createTestOrg(ctx);
    const at = () => clock.now().toISOString();
    const inbound = (channel: 'video_comment' | 'self_service', thread: string, id: string, text: string) =>
      ctx.services.helpdesk.ingestInbound({ orgId: org.orgId, shopId: org.shopId, channel, externalThreadId: thread, externalMessageId: id, buyer: { externalId: `buyer-${thread}`, name: 'Buyer', language: 'en' }, direction: 'inbound', text, sentAt: at() });
    const vc = await inbound('video_comment', 'ttcomment:900', 'ttc:901', 'my lamp arrived broken');
    const portal = await inbound('self_service', 'portal:abc', 'p-1', 'where is my refund?');
    for (const [t, channel] of [[vc.ticketId, 'video_comment'], [portal.ticketId, 'self_service']] as const) {
      await ctx.services.helpdesk.markSolved(systemActor(org.orgId), t, 'answered');
      await ctx.services.analytics.csatAsked(org.orgId, { ticketId: t, shopId: org.shopId, channel, language: 'en' });
    }
    clock.advance(60_000);
    // Not a rating: nothing stored.
    await inbound('video_comment', 'ttcomment:900', 'ttc:902', 'thanks, but the box was wet');
    await inbound('self_service', 'portal:abc', 'p-2', '4/5');
    await inbound('video_comment', 'ttcomment:900', 'ttc:903', '★★★');
    const rows = await ctx.platform.db.tenant(org.orgId, (tx) => tx.execute(sql`select c.channel, c.score, t.status from csat_surveys c join tickets t on t.org_id = c.org_id and t.id = c.ticket_id where c.org_id = ${org.orgId} order by c.channel`));
    // The portal's rating-only reply reopened its ticket and solved it again; the video comment's
    // rating came after another message, so that ticket stays open for an agent.
    expect(rows.rows).toEqual([
      { channel: 'self_service', score: 4, status: 'solved' },
      { channel: 'video_comment', score: 3, status: 'open' },
    ]);
  });
});
