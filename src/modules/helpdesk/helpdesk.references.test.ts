import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../../../test/helpers/context.js';
import { createTestOrg, type TestOrg } from '../../../test/helpers/org.js';

/**
 * Every id a helpdesk request body can carry must name something of the caller's organisation,
 * and another organisation's id must be answered exactly like an id that does not exist.
 */
let ctx: TestContext;
let a: TestOrg;
let b: TestOrg;
beforeAll(async () => {
  ctx = await createTestContext();
  a = await createTestOrg(ctx);
  b = await createTestOrg(ctx);
});
afterAll(() => ctx.close());

async function call(org: TestOrg, method: 'GET' | 'POST', url: string, payload?: unknown) {
  const res = await ctx.app.inject({ method, url, headers: { cookie: await org.cookie('owner') }, ...(payload !== undefined ? { payload: payload as object } : {}) });
  return { status: res.statusCode, body: res.json() as Record<string, any> };
}

/** Status and code of a refusal, without the request id and the echoed id. */
const outcome = (r: { status: number; body: Record<string, any> }) => ({ status: r.status, code: r.body.code });

async function makeOrder(org: TestOrg, externalId: string): Promise<{ orderId: string; buyerId: string }> {
  const ids = await ctx.platform.db.tenant(org.orgId, (tx) =>
    ctx.services.orders.applyOrders(tx, org.orgId, [
      {
        shopId: org.shopId,
        externalId,
        buyer: { platformBuyerId: `tt-${externalId}`, displayName: 'Private Buyer', language: 'de', country: 'DE' },
        status: 'shipped',
        rawStatus: 'IN_TRANSIT',
        currency: 'EUR',
        subtotal: 1000,
        shipping: 0,
        sellerDiscount: 0,
        platformDiscount: 0,
        tax: 0,
        total: 1000,
        placedAt: new Date('2026-03-01T10:00:00Z'),
        trackingNumber: 'JJD0009999',
        carrier: 'DHL',
        deliveryStatus: 'in_transit',
        externalUpdatedAt: new Date('2026-03-02T10:00:00Z'),
        lines: [{ externalId: `${externalId}-1`, skuId: 's1', productId: 'p1', productName: 'Tuch', category: 'Fashion', unitPrice: 1000, paidAmount: 1000, trafficSource: { type: 'organic', id: null, name: null } }],
      },
    ]),
  );
  const orderId = [...ids.values()][0]!;
  const o = await ctx.services.orders.getOrder({ orgId: org.orgId, userId: org.users.owner.id, role: 'owner' }, orderId);
  return { orderId, buyerId: o.buyerId };
}

async function newTicket(org: TestOrg, from: string): Promise<string> {
  const r = await call(org, 'POST', '/api/helpdesk/inbound/whatsapp', { shopId: org.shopId, from, text: 'Where is my parcel?' });
  expect(r.status).toBe(201);
  return r.body.ticketId as string;
}

describe('foreign references in helpdesk bodies answer like missing ones', () => {
  it("link: another organisation's buyer is refused exactly like a nonexistent one, and nothing is stored", async () => {
    const t = await newTicket(a, '+15550001001');
    const theirs = await makeOrder(b, `ext-b-${crypto.randomBytes(3).toString('hex')}`);
    const foreign = await call(a, 'POST', `/api/tickets/${t}/link`, { buyerId: theirs.buyerId });
    const missing = await call(a, 'POST', `/api/tickets/${t}/link`, { buyerId: 'byr_01jzzzzzzzzzzzzzzzzzzzzzzz' });
    expect(outcome(foreign)).toEqual({ status: 404, code: 'buyer.not_found' });
    expect(outcome(missing)).toEqual(outcome(foreign));
    expect((await call(a, 'GET', `/api/tickets/${t}`)).body.ticket.buyer.id).toBeNull();
  });

  it("link: another organisation's order is refused like a nonexistent one; own order and buyer link, a buyer who is not the order's is refused", async () => {
    const t = await newTicket(a, '+15550001002');
    const theirs = await makeOrder(b, `ext-b-${crypto.randomBytes(3).toString('hex')}`);
    const foreign = await call(a, 'POST', `/api/tickets/${t}/link`, { orderId: theirs.orderId });
    const missing = await call(a, 'POST', `/api/tickets/${t}/link`, { orderId: 'ord_01jzzzzzzzzzzzzzzzzzzzzzzz' });
    expect(outcome(foreign)).toEqual({ status: 404, code: 'order.not_found' });
    expect(outcome(missing)).toEqual(outcome(foreign));

    const mine = await makeOrder(a, `ext-a-${crypto.randomBytes(3).toString('hex')}`);
    const other = await makeOrder(a, `ext-a-${crypto.randomBytes(3).toString('hex')}`);
    const mismatch = await call(a, 'POST', `/api/tickets/${t}/link`, { orderId: mine.orderId, buyerId: other.buyerId });
    expect(outcome(mismatch)).toEqual({ status: 400, code: 'tickets.buyer_order_mismatch' });
    const ok = await call(a, 'POST', `/api/tickets/${t}/link`, { orderId: mine.orderId, buyerId: mine.buyerId });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ orderId: mine.orderId, buyer: { id: mine.buyerId } });
  });

  it("inbound (test channels): another organisation's order id is refused like a nonexistent one and opens no ticket", async () => {
    const theirs = await makeOrder(b, `ext-b-${crypto.randomBytes(3).toString('hex')}`);
    for (const path of ['/api/helpdesk/inbound/whatsapp', '/api/helpdesk/inbound/email'] as const) {
      const body = (orderId: string) =>
        path.endsWith('whatsapp') ? { shopId: a.shopId, from: '+15550001003', text: 'Order question', orderId } : { shopId: a.shopId, from: 'buyer.ref@example.org', subject: 'Order', text: 'Order question', orderId };
      const foreign = await call(a, 'POST', path, body(theirs.orderId));
      const missing = await call(a, 'POST', path, body('ord_01jzzzzzzzzzzzzzzzzzzzzzzz'));
      expect({ path, ...outcome(foreign) }).toEqual({ path, status: 404, code: 'order.not_found' });
      expect(outcome(missing)).toEqual(outcome(foreign));
    }
    const list = await call(a, 'GET', '/api/tickets/search?q=question');
    expect(list.body.items).toEqual([]);
  });

  it("ingestInbound from a channel: another organisation's order id is not stored on the ticket (the message still arrives)", async () => {
    const theirs = await makeOrder(b, `ext-b-${crypto.randomBytes(3).toString('hex')}`);
    const mine = await makeOrder(a, `ext-a-${crypto.randomBytes(3).toString('hex')}`);
    const base = { orgId: a.orgId, shopId: a.shopId, channel: 'tiktok_chat' as const, buyer: { externalId: 'tt-x', name: 'X' }, direction: 'inbound' as const, text: 'Hallo, wo ist mein Paket?', sentAt: ctx.clock.now().toISOString() };
    const r = await ctx.services.helpdesk.ingestInbound({ ...base, externalThreadId: `conv-${theirs.orderId}`, externalMessageId: 'm1', orderId: theirs.orderId });
    const { ticket } = await ctx.services.helpdesk.getTicket({ orgId: a.orgId, userId: a.users.owner.id, role: 'owner' }, r.ticketId);
    expect({ orderId: ticket.orderId, buyerId: ticket.buyerId }).toEqual({ orderId: null, buyerId: null });
    // A later message that names another organisation's order does not attach it either; our own order does.
    await ctx.services.helpdesk.ingestInbound({ ...base, externalThreadId: `conv-${theirs.orderId}`, externalMessageId: 'm2', orderId: theirs.orderId });
    expect((await ctx.services.helpdesk.getTicket({ orgId: a.orgId, userId: a.users.owner.id, role: 'owner' }, r.ticketId)).ticket.orderId).toBeNull();
    await ctx.services.helpdesk.ingestInbound({ ...base, externalThreadId: `conv-${theirs.orderId}`, externalMessageId: 'm3', orderId: mine.orderId });
    const after = (await ctx.services.helpdesk.getTicket({ orgId: a.orgId, userId: a.users.owner.id, role: 'owner' }, r.ticketId)).ticket;
    expect({ orderId: after.orderId, buyerId: after.buyerId }).toEqual({ orderId: mine.orderId, buyerId: mine.buyerId });
  });

  it("reply: another organisation's macro is refused like a nonexistent one; nothing is sent", async () => {
    const t = await newTicket(a, '+15550001004');
    await ctx.services.helpdesk.seedDefaultMacros(b.orgId);
    const theirMacro = (await call(b, 'GET', '/api/macros')).body.items[0].id as string;
    const foreign = await call(a, 'POST', `/api/tickets/${t}/reply`, { text: 'Hello', macroId: theirMacro });
    const missing = await call(a, 'POST', `/api/tickets/${t}/reply`, { text: 'Hello', macroId: 'mac_01jzzzzzzzzzzzzzzzzzzzzzzz' });
    expect(outcome(foreign)).toEqual({ status: 404, code: 'macro.not_found' });
    expect(outcome(missing)).toEqual(outcome(foreign));
    const { messages } = (await call(a, 'GET', `/api/tickets/${t}`)).body as { messages: { kind: string; direction: string }[] };
    expect(messages.filter((m) => m.direction === 'outbound')).toEqual([]);
  });

  it("reply and note: a file another organisation stored is refused like an unknown one", async () => {
    const t = await newTicket(a, '+15550001005');
    const theirs = await ctx.services.evidence.storeFile(b.orgId, { bytes: Buffer.from(`b's private delivery note ${crypto.randomUUID()}\n`), fileName: 'note.txt', declaredContentType: 'text/plain' });
    const unknown = crypto.randomBytes(32).toString('hex');
    for (const path of ['reply', 'notes']) {
      const foreign = await call(a, 'POST', `/api/tickets/${t}/${path}`, { text: 'See attached', attachments: [{ sha256: theirs.sha256, fileName: 'x.txt' }] });
      const missing = await call(a, 'POST', `/api/tickets/${t}/${path}`, { text: 'See attached', attachments: [{ sha256: unknown, fileName: 'x.txt' }] });
      expect({ path, ...outcome(foreign) }).toEqual({ path, status: 400, code: 'evidence.unknown_file' });
      expect(outcome(missing)).toEqual(outcome(foreign));
    }
  });

  it("assign, bulk assign, merge and macro render: another organisation's user or ticket answers like a missing one", async () => {
    const t = await newTicket(a, '+15550001006');
    const theirTicket = await newTicket(b, '+15550001007');
    const ghostUser = 'usr_01jzzzzzzzzzzzzzzzzzzzzzzz';
    const foreignAssign = await call(a, 'POST', `/api/tickets/${t}/assign`, { assigneeId: b.users.agent.id });
    const missingAssign = await call(a, 'POST', `/api/tickets/${t}/assign`, { assigneeId: ghostUser });
    expect(outcome(foreignAssign)).toEqual({ status: 400, code: 'tickets.bad_assignee' });
    expect(outcome(missingAssign)).toEqual(outcome(foreignAssign));

    const bulkForeign = await call(a, 'POST', '/api/tickets/bulk', { ticketIds: [t, theirTicket], action: { kind: 'assign', assigneeId: b.users.agent.id } });
    expect(bulkForeign.status).toBe(200);
    expect(bulkForeign.body.results.map((r: { ticketId: string; ok: boolean; code?: string }) => [r.ticketId, r.ok, r.code])).toEqual([
      [t, false, 'tickets.bad_assignee'],
      [theirTicket, false, 'ticket.not_found'],
    ]);

    const foreignMerge = await call(a, 'POST', `/api/tickets/${t}/merge`, { sourceTicketIds: [theirTicket] });
    const missingMerge = await call(a, 'POST', `/api/tickets/${t}/merge`, { sourceTicketIds: ['tkt_01jzzzzzzzzzzzzzzzzzzzzzzz'] });
    expect(outcome(foreignMerge)).toEqual({ status: 404, code: 'ticket.not_found' });
    expect(outcome(missingMerge)).toEqual(outcome(foreignMerge));

    await ctx.services.helpdesk.seedDefaultMacros(a.orgId);
    const myMacro = (await call(a, 'GET', '/api/macros')).body.items[0].id as string;
    const foreignRender = await call(a, 'POST', `/api/macros/${myMacro}/render`, { ticketId: theirTicket });
    const missingRender = await call(a, 'POST', `/api/macros/${myMacro}/render`, { ticketId: 'tkt_01jzzzzzzzzzzzzzzzzzzzzzzz' });
    expect(outcome(foreignRender)).toEqual({ status: 404, code: 'ticket.not_found' });
    expect(outcome(missingRender)).toEqual(outcome(foreignRender));
    // b's ticket is untouched.
    expect((await call(b, 'GET', `/api/tickets/${theirTicket}`)).body.ticket).toMatchObject({ status: 'new', mergedIntoId: null });
  });
});
