import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerModuleWorkers } from '../../app/modules.js';
import { createTestContext, type TestContext } from '../../../test/helpers/context.js';
import { actorFor, createTestOrg } from '../../../test/helpers/org.js';
import { ManualClock } from '../../platform/clock.js';
import { RecordingPlatform, seedOrder, seedTicket, settle } from '../../../test/helpers/returns.js';

let ctx: TestContext;
const clock = new ManualClock('2026-03-10T10:00:00Z');
beforeAll(async () => {
  ctx = await createTestContext({ clock });
  await registerModuleWorkers(ctx.platform, ctx.services);
});
afterAll(async () => {
  await ctx?.close();
});

async function call(method: 'GET' | 'POST' | 'PUT' | 'PATCH', url: string, cookie: string, payload?: unknown) {
  const res = await ctx.app.inject({ method, url, headers: { cookie }, ...(payload !== undefined ? { payload: payload as Record<string, unknown> } : {}) });
  return { status: res.statusCode, body: res.body ? res.json() : undefined };
}

describe('returns over HTTP', () => {
  it('policy is enforced on the server: outside the window is a 422 with reasons', async () => {
    const org = await createTestOrg(ctx, { market: 'DE' });
    const order = await seedOrder(ctx, org, { deliveredAt: new Date(clock.now().getTime() - 45 * 86_400_000), lines: [{ unitPrice: 19_900 }] });
    const cookie = await org.cookie('agent');
    const res = await call('POST', '/api/returns', cookie, { orderId: order.orderId, orderLineIds: order.lineIds, reasonCode: 'changed_mind', channel: 'self_service' });
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({
      code: 'returns.not_eligible',
      message: 'This return cannot be opened: The 30-day return window ended on 2026-02-23',
      details: { reasons: [{ code: 'window_closed', message: 'The 30-day return window ended on 2026-02-23' }], windowEndsAt: '2026-02-23T10:00:00.000Z' },
    });
    const el = await call('POST', '/api/returns/eligibility', cookie, { orderId: order.orderId, orderLineIds: order.lineIds, reasonCode: 'changed_mind' });
    expect(el.status).toBe(200);
    expect(el.body).toMatchObject({ eligible: false, reasons: [{ code: 'window_closed' }] });
  });

  it('unknown fields get a 400 naming the field; wrong roles a 403; other orgs a 404', async () => {
    const org = await createTestOrg(ctx, { market: 'DE' });
    const order = await seedOrder(ctx, org, { lines: [{ unitPrice: 19_900 }] });
    const agent = await org.cookie('agent');
    const bad = await call('POST', '/api/returns', agent, { orderId: order.orderId, orderLineIds: order.lineIds, refundAmount: 99_999 });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('refundAmount');
    const created = await call('POST', '/api/returns', agent, { orderId: order.orderId, orderLineIds: order.lineIds, reasonCode: 'size_fit' });
    expect(created.status).toBe(201);
    const inspectByAgent = await call('POST', `/api/returns/${created.body.id}/receive`, agent, {});
    expect(inspectByAgent.status).toBe(403);
    const warehouseOffer = await call('POST', '/api/remedies', await org.cookie('warehouse'), { orderId: order.orderId, category: 'minor_flaw', optionKey: 't1:information+coupon' });
    expect(warehouseOffer.status).toBe(403);
    const other = await createTestOrg(ctx, { market: 'DE' });
    const foreign = await call('GET', `/api/returns/${created.body.id}`, await other.cookie('owner'));
    expect(foreign.status).toBe(404);
    expect((await call('GET', `/api/returns/lookup?code=${created.body.rma}`, await other.cookie('warehouse'))).status).toBe(404);
  });

  it('warehouse: scan, receive, inspect pass → refund sent and ticket resolved', async () => {
    const org = await createTestOrg(ctx, { market: 'DE' });
    const platform = new RecordingPlatform();
    platform.register(ctx);
    const order = await seedOrder(ctx, org, { lines: [{ unitPrice: 64_900 }] });
    const ticketId = await seedTicket(ctx, org, order.orderId, 'Ich möchte die Uhr zurückgeben, sie ist zu groß');
    const created = await call('POST', '/api/returns', await org.cookie('agent'), { orderId: order.orderId, orderLineIds: order.lineIds, reasonCode: 'size_fit', ticketId });
    const wh = await org.cookie('warehouse');
    const scanned = await call('GET', `/api/returns/lookup?code=${encodeURIComponent(created.body.rma)}`, wh);
    expect(scanned.body.id).toBe(created.body.id);
    expect((await call('POST', `/api/returns/${created.body.id}/receive`, wh, { trackingNumber: '00340434161094042557' })).body.status).toBe('received');
    const inspected = await call('POST', `/api/returns/${created.body.id}/inspect`, wh, { grade: 'as_new', photos: [] });
    expect(inspected.body).toMatchObject({ status: 'inspected', refund: { status: 'pending' } });
    await settle(ctx, org.orgId);
    expect(platform.refunds.map((r) => r.payload.amount)).toEqual([64_900]);
    const after = await call('GET', `/api/returns/${created.body.id}`, await org.cookie('agent'));
    expect(after.body).toMatchObject({ status: 'closed', refund: { status: 'sent' } });
    const t = await ctx.services.helpdesk.getTicket(actorFor(org, 'agent'), ticketId);
    expect(t.ticket.status).toBe('solved');
  });
});

describe('remedies over HTTP', () => {
  it('agent offers a partial refund over the limit → supervisor approves → refund sent once', async () => {
    const org = await createTestOrg(ctx, { market: 'DE' });
    const platform = new RecordingPlatform();
    platform.register(ctx);
    const order = await seedOrder(ctx, org, { lines: [{ unitPrice: 24_900 }] });
    const ticketId = await seedTicket(ctx, org, order.orderId, 'Die Farbe ist ganz anders als auf den Fotos');
    const agent = await org.cookie('agent');
    const quote = await call('POST', '/api/remedies/quote', agent, { orderId: order.orderId, ticketId, text: 'Die Farbe ist ganz anders als auf den Fotos' });
    expect(quote.status).toBe(200);
    expect(quote.body.category).toBe('colour_difference');
    const partial = quote.body.options.find((o: { key: string }) => o.key === 't2:partial_refund+coupon');
    expect(partial).toMatchObject({ refundAmount: 4_980, needsApproval: true });
    const noReason = await call('POST', '/api/remedies', agent, { orderId: order.orderId, ticketId, category: 'colour_difference', optionKey: partial.key });
    expect(noReason.status).toBe(400);
    expect(noReason.body.details.issues).toEqual([{ field: 'reason', message: 'required above your authority limit' }]);
    const offered = await call('POST', '/api/remedies', agent, { orderId: order.orderId, ticketId, category: 'colour_difference', optionKey: partial.key, reason: 'Buyer keeps the bag at 20 % off' });
    expect(offered.status).toBe(201);
    expect(offered.body.status).toBe('pending_approval');
    const sup = await org.cookie('supervisor');
    const queue = await call('GET', '/api/remedies?status=pending_approval', sup);
    expect(queue.body.items.map((r: { id: string }) => r.id)).toEqual([offered.body.id]);
    const approved = await call('POST', `/api/remedies/${offered.body.id}/approve`, sup, { note: 'fine' });
    expect(approved.body.status).toBe('executing');
    await settle(ctx, org.orgId);
    expect(platform.refunds.map((r) => r.payload.amount)).toEqual([4_980]);
    const done = await call('GET', `/api/remedies/${offered.body.id}`, agent);
    expect(done.body).toMatchObject({ status: 'completed', steps: [{ step: 'refund', status: 'done' }, { step: 'message', status: 'done' }] });
    const other = await createTestOrg(ctx, { market: 'DE' });
    expect((await call('GET', `/api/remedies/${offered.body.id}`, await other.cookie('owner'))).status).toBe(404);
    expect((await call('POST', `/api/remedies/${offered.body.id}/approve`, await other.cookie('owner'), {})).status).toBe(404);
  });

  it('the routes are documented', async () => {
    const doc = (await ctx.app.inject({ method: 'GET', url: '/docs/json' })).json();
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/remedies', '/api/remedies/quote', '/api/remedies/{id}/approve', '/api/returns', '/api/returns/lookup', '/api/returns/{id}/inspect']));
  });
});

describe('settings over HTTP', () => {
  it('the ladder and item economics: owner only, validated, and the quote follows them', async () => {
    const org = await createTestOrg(ctx, { market: 'DE' });
    const owner = await org.cookie('owner');
    const sup = await org.cookie('supervisor');
    const got = await call('GET', `/api/shops/${org.shopId}/remedy-settings`, sup);
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({ highTicketThreshold: 30_000, couponMinimumRule: 'claw_back', ladder: { tiers: { 2: { partialRefundPercent: 20 } } } });
    const ladder = { ...got.body.ladder, tiers: { ...got.body.ladder.tiers, 2: { ...got.body.ladder.tiers[2], partialRefundPercent: 35 } } };
    expect((await call('PATCH', `/api/shops/${org.shopId}/remedy-settings`, sup, { ladder })).status).toBe(403);
    const bad = await call('PATCH', `/api/shops/${org.shopId}/remedy-settings`, owner, { ladder: { ...ladder, tiers: { ...ladder.tiers, 2: { ...ladder.tiers[2], partialRefundPercent: 140 } } } });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('partialRefundPercent');
    expect((await call('PATCH', `/api/shops/${org.shopId}/remedy-settings`, owner, { ladder, highTicketThreshold: null })).status).toBe(200);
    expect((await call('PUT', `/api/shops/${org.shopId}/item-economics`, sup, { key: 'category:headphones', itemCost: 5_000, resalePercent: 70 })).status).toBe(200);
    const order = await seedOrder(ctx, org, { lines: [{ unitPrice: 20_000, category: 'Headphones' }] });
    const q = await call('POST', '/api/remedies/quote', await org.cookie('agent'), { orderId: order.orderId, category: 'size_fit' });
    expect(q.body.economics).toMatchObject({ itemCost: 5_000, expectedResale: 14_000 });
    expect(q.body.options.find((o: { key: string }) => o.key === 't2:partial_refund+coupon')).toMatchObject({ refundAmount: 7_000 });
    const other = await createTestOrg(ctx, { market: 'DE' });
    expect((await call('GET', `/api/shops/${org.shopId}/remedy-settings`, await other.cookie('owner'))).status).toBe(404);
  });

  it('the reason tree: read, new version by the owner, invalid trees named', async () => {
    const org = await createTestOrg(ctx, { market: 'DE' });
    const owner = await org.cookie('owner');
    const tree = await call('GET', '/api/returns/reasons', await org.cookie('agent'));
    expect(tree.body).toMatchObject({ version: 1 });
    const nodes = tree.body.nodes.map((n: { code: string; labels: Record<string, string> }) => (n.code === 'changed_mind' ? { ...n, labels: { ...n.labels, en: 'No longer wanted' } } : n));
    const saved = await call('PUT', '/api/returns/reasons', owner, { nodes });
    expect(saved.body).toMatchObject({ version: 2 });
    const orphan = await call('PUT', '/api/returns/reasons', owner, { nodes: [...nodes, { ...nodes[0], code: 'orphan', parent: 'missing' }] });
    expect(orphan.status).toBe(400);
    expect(orphan.body).toMatchObject({ code: 'returns.bad_reason_tree', details: { issues: [{ field: 'nodes', message: 'orphan: parent missing does not exist' }] } });
  });
});
