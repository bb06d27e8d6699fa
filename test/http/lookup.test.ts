/**
 * The lookup service finds an order, its return, its ticket and its buyer by the numbers people
 * have, ranks exact numbers first, keeps the warehouse away from conversations, and never reaches
 * into another organisation. The Orders and Customers lists page and filter.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { actorFor, createTestOrg, type TestOrg } from '../helpers/org.js';
import { seedOrder, seedTicket } from '../helpers/returns.js';

let ctx: TestContext;
let org: TestOrg;
let other: TestOrg;
beforeAll(async () => {
  ctx = await createTestContext();
  org = await createTestOrg(ctx, { market: 'DE' });
  other = await createTestOrg(ctx, { market: 'DE' });
});
afterAll(async () => {
  await ctx?.close();
});

const get = async (o: TestOrg, role: 'owner' | 'agent' | 'warehouse', url: string) => ctx.app.inject({ method: 'GET', url, headers: { cookie: await o.cookie(role) } });

describe('lookup', () => {
  it('finds an order by its platform number, a return by RMA and tracking, a ticket by number, a buyer by name', async () => {
    const order = await seedOrder(ctx, org, { lines: [{ unitPrice: 4_900 }] });
    const ticketId = await seedTicket(ctx, org, order.orderId, 'Wo ist mein Paket?');
    const ret = await ctx.services.returns.create(actorFor(org, 'agent'), { orderId: order.orderId, orderLineIds: order.lineIds, reasonCode: 'changed_mind', channel: 'agent', ticketId });
    const ticket = await ctx.services.helpdesk.getTicket(actorFor(org, 'agent'), ticketId);

    const byNumber = await get(org, 'agent', `/api/lookup?q=${order.externalId}`);
    expect(byNumber.statusCode).toBe(200);
    const first = byNumber.json().items[0];
    expect(first).toMatchObject({ kind: 'order', id: order.orderId, title: order.externalId, subtitle: 'Anna Becker', match: 'order_number', score: 100 });

    const byRma = (await get(org, 'agent', `/api/lookup?q=${ret.rma.toLowerCase()}`)).json().items;
    expect(byRma[0]).toMatchObject({ kind: 'return', id: ret.id, title: ret.rma, orderId: order.orderId, ticketId });

    const byTracking = (await get(org, 'agent', `/api/lookup?q=TRK${order.externalId}&kind=order`)).json().items;
    expect(byTracking.map((h: { id: string; match: string }) => [h.id, h.match])).toEqual([[order.orderId, 'tracking_number']]);

    const byTicket = (await get(org, 'agent', `/api/lookup?q=%23${ticket.ticket.number}&kind=ticket`)).json().items;
    expect(byTicket[0]).toMatchObject({ kind: 'ticket', id: ticketId, title: `#${ticket.ticket.number}`, match: 'ticket_number', orderId: order.orderId });

    const byName = (await get(org, 'agent', `/api/lookup?q=anna%20becker&kind=buyer`)).json().items;
    expect(byName.length).toBeGreaterThan(0);
    expect(byName[0]).toMatchObject({ kind: 'buyer', title: 'Anna Becker', score: 80 });

    // The warehouse scans RMAs; conversations and buyers are not theirs to browse.
    const wh = (await get(org, 'warehouse', `/api/lookup?q=${ret.rma}`)).json().items;
    expect(wh.map((h: { kind: string }) => h.kind)).toEqual(['return']);
    expect((await get(org, 'warehouse', `/api/lookup?q=anna&kind=ticket`)).json().items).toEqual([]);

    // Another organisation finds nothing of ours.
    expect((await get(other, 'owner', `/api/lookup?q=${order.externalId}`)).json().items).toEqual([]);
    expect((await get(other, 'owner', `/api/lookup?q=${ret.rma}`)).json().items).toEqual([]);

    // Too short or unknown fields: a 400 naming the field.
    const short = await get(org, 'agent', '/api/lookup?q=a');
    expect(short.statusCode).toBe(400);

    // Everything that hangs off the order.
    const rel = await get(org, 'agent', `/api/lookup/related?orderId=${order.orderId}`);
    expect(rel.statusCode).toBe(200);
    expect(rel.json()).toMatchObject({ tickets: [{ id: ticketId }], returns: [{ id: ret.id, rma: ret.rma }], remedies: [] });
    expect((await get(other, 'owner', `/api/lookup/related?orderId=${order.orderId}`)).statusCode).toBe(404);

    // Evidence cases in words: what each case is about, and people by name; other organisations' ids stay unknown.
    const labels = await get(org, 'agent', `/api/lookup/labels?ids=${ticketId},${ret.id},${order.orderId},${org.users.agent.id},usr_nothere000000`);
    expect(labels.statusCode).toBe(200);
    const l = labels.json();
    expect(l.cases).toEqual(
      expect.arrayContaining([
        { id: ticketId, kind: 'ticket', orderId: order.orderId, orderNumber: order.externalId, buyerId: expect.any(String), buyerName: 'Anna Becker', ticketId, ticketNumber: ticket.ticket.number, returnId: null, rma: null },
        { id: ret.id, kind: 'return', orderId: order.orderId, orderNumber: order.externalId, buyerId: expect.any(String), buyerName: 'Anna Becker', ticketId, ticketNumber: ticket.ticket.number, returnId: ret.id, rma: ret.rma },
        expect.objectContaining({ id: order.orderId, kind: 'order', orderNumber: order.externalId }),
      ]),
    );
    expect(l.cases).toHaveLength(3);
    expect(l.people).toEqual([{ id: org.users.agent.id, name: expect.any(String) }]);
    expect((await get(other, 'owner', `/api/lookup/labels?ids=${ticketId},${ret.id},${order.orderId}`)).json()).toEqual({ cases: [], people: [] });

    // One dispute case per order, gathering its ticket (with the buyer's message) and its return.
    const post = async (o: TestOrg, role: 'owner' | 'agent' | 'supervisor', url: string, payload: unknown) => ctx.app.inject({ method: 'POST', url, headers: { cookie: await o.cookie(role) }, payload: payload as object });
    expect((await get(org, 'agent', `/api/disputes?orderId=${order.orderId}`)).json()).toEqual({ dispute: null });
    const opened = await post(org, 'agent', '/api/disputes', { orderId: order.orderId });
    expect(opened.statusCode).toBe(200);
    const dispute = opened.json();
    expect(dispute).toMatchObject({ orderId: order.orderId, status: 'open', memberCaseIds: expect.arrayContaining([order.orderId, ticketId, ret.id]) });
    expect((await post(org, 'agent', '/api/disputes', { orderId: order.orderId })).json().id).toBe(dispute.id);
    expect((await post(other, 'owner', '/api/disputes', { orderId: order.orderId })).statusCode).toBe(404);
    expect((await get(other, 'owner', `/api/disputes?orderId=${order.orderId}`)).statusCode).toBe(404);
    const tl = (await get(org, 'agent', `/api/evidence/cases/${dispute.id}`)).json();
    const caseIds = new Set(tl.records.map((r: { caseId: string }) => r.caseId));
    expect([...caseIds].sort()).toEqual([dispute.id, ticketId, ret.id].sort());
    expect(tl.records.some((r: { kind: string; caseId: string }) => r.kind === 'message' && r.caseId === ticketId)).toBe(true);
    expect((await get(org, 'agent', `/api/evidence/cases/${dispute.id}/pack/check?reason=not_as_described`)).statusCode).toBe(200);
    expect((await get(org, 'agent', `/api/lookup/labels?ids=${dispute.id}`)).json().cases).toEqual([expect.objectContaining({ id: dispute.id, kind: 'dispute', orderNumber: order.externalId, buyerName: 'Anna Becker' })]);
    expect((await post(org, 'agent', `/api/disputes/${dispute.id}/status`, { status: 'submitted' })).json().status).toBe('submitted');
    expect((await post(org, 'agent', `/api/disputes/${dispute.id}/status`, { status: 'won' })).statusCode).toBe(403);
    expect((await post(org, 'supervisor', `/api/disputes/${dispute.id}/status`, { status: 'won' })).json().status).toBe('won');
    expect((await post(other, 'owner', `/api/disputes/${dispute.id}/status`, { status: 'lost' })).statusCode).toBe(404);
  });

  it('lists orders and customers newest first, a page at a time, filtered by q and buyer', async () => {
    const o = await createTestOrg(ctx, { market: 'DE' });
    const a = await seedOrder(ctx, o, { lines: [{ unitPrice: 1_000 }] });
    const b = await seedOrder(ctx, o, { lines: [{ unitPrice: 2_000 }, { unitPrice: 500 }] });
    const p1 = (await get(o, 'agent', '/api/orders?limit=1')).json();
    expect(p1.items).toHaveLength(1);
    expect(p1.nextCursor).not.toBeNull();
    const p2 = (await get(o, 'agent', `/api/orders?limit=1&cursor=${p1.nextCursor}`)).json();
    expect(new Set([p1.items[0].id, p2.items[0].id])).toEqual(new Set([a.orderId, b.orderId]));
    const found = (await get(o, 'agent', `/api/orders?q=${b.externalId}`)).json().items;
    expect(found).toEqual([expect.objectContaining({ id: b.orderId, total: 2_500, lineCount: 2, buyerName: 'Anna Becker', currency: 'EUR' })]);
    const buyers = (await get(o, 'agent', `/api/buyers?q=${b.externalId}`)).json().items;
    expect(buyers).toEqual([expect.objectContaining({ displayName: 'Anna Becker', orderCount: 1, lifetimeValue: { amount: 2_500, currency: 'EUR' } })]);
    const ofBuyer = (await get(o, 'agent', `/api/orders?buyerId=${buyers[0].id}`)).json().items;
    expect(ofBuyer.map((x: { id: string }) => x.id)).toEqual([b.orderId]);
    expect((await get(o, 'warehouse', '/api/orders')).statusCode).toBe(403);
  });
});
