import crypto from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../../../test/helpers/context.js';
import { createTestOrg, type TestOrg } from '../../../test/helpers/org.js';
import { ManualClock } from '../../platform/clock.js';
import { outbox } from '../../platform/outbox/outbox.schema.js';
import { evidenceRecords as evidenceRecordsTable } from '../evidence/evidence.schema.js';
import { LocalEmailProvider, registerEmailChannel } from '../../integrations/email/index.js';
import { registerWorkspaceWorkers } from '../../app/modules.js';
import { LocalWhatsAppProvider } from '../../integrations/whatsapp/index.js';
import { registerHelpdeskHandlers } from './helpdesk.jobs.js';

let ctx: TestContext;
const clock = new ManualClock('2026-03-03T09:30:00Z'); // a Tuesday morning in Europe
const mail = new LocalEmailProvider();
const wa = new LocalWhatsAppProvider();

beforeAll(async () => {
  ctx = await createTestContext({ clock });
  registerEmailChannel(ctx.platform.outbox, mail);
  // The reply's delivery status follows its step through the outbox's finish listener, as in the worker.
  registerWorkspaceWorkers(ctx.platform, ctx.services);
  ctx.services.whatsapp.registerOutboxHandlers(ctx.platform.outbox, wa);
});
afterAll(async () => {
  await ctx?.close();
});

async function call(org: TestOrg, role: 'owner' | 'supervisor' | 'agent' | 'warehouse', method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE', url: string, payload?: unknown) {
  const res = await ctx.app.inject({ method, url, headers: { cookie: await org.cookie(role) }, ...(payload === undefined ? {} : { payload: payload as object }) });
  return { status: res.statusCode, body: res.body ? (res.json() as Record<string, any>) : {} };
}

async function setSupportEmail(org: TestOrg) {
  const r = await call(org, 'owner', 'PATCH', `/api/shops/${org.shopId}`, { supportContacts: { email: 'hilfe@shop.example', phone: '+49 89 1', whatsapp: '+49 89 1', returnWarehouse: 'Lager 1' } });
  expect(r.status).toBe(200);
}

describe('helpdesk over HTTP, wired to the real SLA and evidence modules', () => {
  it('an e-mail arrives, an agent replies, the local provider sends exactly one threaded mail', async () => {
    const org = await createTestOrg(ctx);
    await setSupportEmail(org);
    const inb = await call(org, 'agent', 'POST', '/api/helpdesk/inbound/email', {
      shopId: org.shopId,
      from: 'jonas.weber@example.de',
      fromName: 'Jonas Weber',
      subject: 'Uhr kommt nicht an',
      text: 'Guten Tag, meine Bestellung ist seit zwei Wochen unterwegs und die Sendungsverfolgung zeigt nichts Neues. Können Sie bitte nachsehen?',
      messageId: '<jw-1@example.de>',
    });
    expect(inb.status).toBe(201);
    const again = await call(org, 'agent', 'POST', '/api/helpdesk/inbound/email', {
      shopId: org.shopId,
      from: 'jonas.weber@example.de',
      subject: 'Uhr kommt nicht an',
      text: 'dup',
      messageId: '<jw-1@example.de>',
    });
    expect(again).toEqual({ status: 200, body: { ticketId: inb.body.ticketId, messageId: inb.body.messageId, created: false } });
    const id = inb.body.ticketId as string;

    const got = await call(org, 'agent', 'GET', `/api/tickets/${id}`);
    expect(got.body.ticket).toMatchObject({ channel: 'email', language: 'de', status: 'new', subject: 'Uhr kommt nicht an', buyer: { email: 'jonas.weber@example.de', name: 'Jonas Weber' } });
    expect(got.body.ticket.slaDueAt).not.toBe(null);

    const rep = await call(org, 'agent', 'POST', `/api/tickets/${id}/reply`, { text: 'Hallo Herr Weber, wir haben beim Versanddienst nachgefragt und melden uns morgen.' });
    expect(rep.status).toBe(201);
    expect(rep.body.ticket.status).toBe('waiting_on_buyer');
    // Waiting on the buyer pauses the clocks, so nothing is due.
    expect(rep.body.ticket.slaDueAt).toBe(null);
    const note = await call(org, 'agent', 'POST', `/api/tickets/${id}/notes`, { text: 'Carrier ticket DHL-99 opened.' });
    expect(note.status).toBe(201);

    const rows = await ctx.platform.db.tenant(org.orgId, (tx) => tx.select().from(outbox).where(eq(outbox.orgId, org.orgId)));
    expect(rows.map((r) => [r.handler, r.idempotencyKey])).toEqual([['email.send', `helpdesk.reply:${rep.body.message.id}`]]);
    const before = mail.sent.length;
    const report = await ctx.platform.dispatcher.drain(50, org.orgId);
    expect(report).toMatchObject({ done: 1, failed: 0 });
    const sentNow = mail.sent.slice(before);
    expect(sentNow.map((m) => ({ to: m.to, from: m.from, subject: m.subject, inReplyTo: m.inReplyTo, references: m.references, text: m.text }))).toEqual([
      {
        to: 'jonas.weber@example.de',
        from: 'hilfe@shop.example',
        subject: 'Re: Uhr kommt nicht an',
        inReplyTo: '<jw-1@example.de>',
        references: ['<jw-1@example.de>'],
        text: 'Hallo Herr Weber, wir haben beim Versanddienst nachgefragt und melden uns morgen.',
      },
    ]);
    const thread = await call(org, 'agent', 'GET', `/api/tickets/${id}`);
    expect(thread.body.messages.map((m: any) => [m.kind, m.direction, m.deliveryStatus])).toEqual([
      ['public', 'inbound', null],
      ['public', 'outbound', 'sent'],
      ['note', 'outbound', null],
    ]);

    // The buyer answers the reply: same conversation (References root), ticket back to open.
    const back = await call(org, 'agent', 'POST', '/api/helpdesk/inbound/email', {
      shopId: org.shopId,
      from: 'jonas.weber@example.de',
      subject: 'Re: Uhr kommt nicht an',
      text: 'Danke, ich warte.',
      messageId: '<jw-2@example.de>',
      inReplyTo: '<jw-1@example.de>',
    });
    expect(back.body).toMatchObject({ ticketId: id, created: false });
    expect((await call(org, 'agent', 'GET', `/api/tickets/${id}`)).body.ticket.status).toBe('open');

    const ev = await ctx.platform.db.tenant(org.orgId, (tx) =>
      tx.select({ kind: evidenceRecordsTable.kind }).from(evidenceRecordsTable).where(and(eq(evidenceRecordsTable.orgId, org.orgId), eq(evidenceRecordsTable.caseId, id))).orderBy(evidenceRecordsTable.seq),
    );
    expect(ev.map((e) => e.kind)).toEqual(['status_change', 'message', 'message', 'status_change', 'note', 'message', 'status_change']);
    // Records appended as one batch (opened + message, reply + status) chain like single ones.
    expect(await ctx.services.evidence.verify(org.orgId)).toMatchObject({ ok: true });
  });

  it('WhatsApp: inbound by number, reply through whatsapp.send', async () => {
    const org = await createTestOrg(ctx);
    const inb = await call(org, 'agent', 'POST', '/api/helpdesk/inbound/whatsapp', { shopId: org.shopId, from: '+39 333 123 4567', name: 'Giulia', text: 'Ciao, la collana che ho ricevuto ha la chiusura rotta. Cosa posso fare?' });
    expect(inb.status).toBe(201);
    const t = await call(org, 'agent', 'GET', `/api/tickets/${inb.body.ticketId}`);
    expect(t.body.ticket).toMatchObject({ channel: 'whatsapp', language: 'it', externalThreadId: '+393331234567', buyer: { phone: '+393331234567' } });
    await call(org, 'agent', 'POST', `/api/tickets/${inb.body.ticketId}/reply`, { text: 'Ciao Giulia, ci dispiace molto! Ti mandiamo subito una collana nuova.' });
    const before = wa.sent.length;
    await ctx.platform.dispatcher.drain(50, org.orgId);
    expect(wa.sent.slice(before).map((m) => [m.to, m.text])).toEqual([['+393331234567', 'Ciao Giulia, ci dispiace molto! Ti mandiamo subito una collana nuova.']]);
  });

  it('queue views sorted by SLA due, counts, search and macros', async () => {
    const org = await createTestOrg(ctx);
    const texts = [
      'Hello, my wireless speaker arrived with a dent on the side.',
      'Bonjour, je voudrais retourner les écouteurs, ils sont trop grands.',
      'Hallo, die Kette ist angelaufen und die Farbe stimmt nicht mit dem Foto überein.',
    ];
    const ids: string[] = [];
    for (const [i, text] of texts.entries()) {
      clock.set(`2026-03-03T09:3${i}:00Z`);
      const r = await call(org, 'agent', 'POST', '/api/helpdesk/inbound/whatsapp', { shopId: org.shopId, from: `+4917000000${i}`, text });
      ids.push(r.body.ticketId);
    }
    const un = await call(org, 'supervisor', 'GET', '/api/tickets?view=queue&queue=general&limit=2');
    expect(un.status).toBe(200);
    const next = await call(org, 'supervisor', 'GET', `/api/tickets?view=queue&queue=general&limit=2&cursor=${un.body.nextCursor}`);
    const order = [...un.body.items, ...next.body.items];
    expect(order.map((t: any) => t.id)).toEqual(ids);
    const dues = order.map((t: any) => t.slaDueAt);
    expect([...dues].sort()).toEqual(dues);
    const agents = await call(org, 'agent', 'GET', '/api/helpdesk/agents');
    // The French ticket stays unassigned: nobody in this org speaks French.
    expect(agents.body.items.map((a: any) => [a.role, a.load, a.onShift]).sort()).toEqual([
      ['agent', 2, true],
      ['owner', 0, true],
      ['supervisor', 0, true],
    ]);
    const counts = await call(org, 'agent', 'GET', '/api/tickets/counts');
    expect(counts.body.queues).toEqual({ general: 3 });

    const found = await call(org, 'agent', 'GET', `/api/tickets/search?q=${encodeURIComponent('Ketten Farbe')}`);
    expect(found.body.items.map((h: any) => h.ticket.id)).toEqual([ids[2]]);

    const seeded = await ctx.services.helpdesk.seedDefaultMacros(org.orgId);
    expect(seeded).toBe(5);
    const list = await call(org, 'agent', 'GET', '/api/macros');
    const colour = list.body.items.find((m: any) => m.key === 'colour_difference');
    const rendered = await call(org, 'agent', 'POST', `/api/macros/${colour.id}/render`, { ticketId: ids[2], variables: { product: 'Kette „Luna“', order_number: '5781-2231' } });
    expect(rendered.body).toMatchObject({ language: 'de', fellBack: false, missing: ['buyer_name'] });
    expect(rendered.body.text).toContain('Farbe von Kette „Luna“');
    const fr = await call(org, 'agent', 'POST', `/api/macros/${colour.id}/render`, { ticketId: ids[1], variables: { buyer_name: 'Léa' } });
    expect(fr.body.text.startsWith('Bonjour Léa,')).toBe(true);

    const created = await call(org, 'agent', 'POST', '/api/macros', { key: 'nope', name: 'Nope', bodies: { en: 'x' } });
    expect(created.status).toBe(403);
    const bad = await call(org, 'supervisor', 'POST', '/api/macros', { key: 'ok_key', name: 'Ok', bodies: { de: 'nur deutsch' } });
    expect(bad.status).toBe(400);
    expect(bad.body.details.issues[0].field).toContain('bodies');
    const made = await call(org, 'supervisor', 'POST', '/api/macros', { key: 'gift_wrap', name: 'Gift wrap', bodies: { en: 'We wrapped it for you, {{buyer_name}}.', it: "L'abbiamo incartato per te, {{buyer_name}}." } });
    expect(made.status).toBe(201);
    expect(made.body).toMatchObject({ key: 'gift_wrap', category: 'general', languages: ['en', 'it'] });
    const patched = await call(org, 'supervisor', 'PATCH', `/api/macros/${made.body.id}`, { active: false });
    expect(patched.body.active).toBe(false);
    expect((await call(org, 'agent', 'GET', '/api/macros')).body.items.map((m: any) => m.key)).not.toContain('gift_wrap');
    const del = await ctx.app.inject({ method: 'DELETE', url: `/api/macros/${made.body.id}`, headers: { cookie: await org.cookie('supervisor') } });
    expect(del.statusCode).toBe(204);
    expect((await call(org, 'supervisor', 'GET', `/api/macros/${made.body.id}`)).status).toBe(404);
    const unknown = await call(org, 'agent', 'POST', `/api/tickets/${ids[0]}/reply`, { text: 'hi', sendNow: true });
    expect(unknown.status).toBe(400);
    expect(unknown.body.details.issues).toEqual([{ field: 'sendNow', message: 'unknown field' }]);
  });

  it('escalation on SLA breach makes the ticket urgent, tagged and owned by a supervisor', async () => {
    const org = await createTestOrg(ctx);
    const r = await ctx.services.helpdesk.ingestInbound({
      orgId: org.orgId,
      shopId: org.shopId,
      channel: 'tiktok_chat',
      externalThreadId: 'esc-1',
      externalMessageId: 'esc-1',
      buyer: { externalId: 'b1' },
      direction: 'inbound',
      text: 'Where is my refund?',
      sentAt: clock.now().toISOString(),
    });
    await ctx.services.helpdesk.assign({ orgId: org.orgId, userId: org.users.supervisor.id, role: 'supervisor' }, r.ticketId, { assigneeId: null });
    const t = await ctx.services.helpdesk.escalate({ orgId: org.orgId, ticketId: r.ticketId, metric: 'first_reply', dueAt: new Date('2026-03-03T10:00:00Z'), targetMinutes: 60 });
    expect(t).toMatchObject({ priority: 'urgent', tags: ['sla-breached'], assigneeId: org.users.supervisor.id });
    const { messages } = await ctx.services.helpdesk.getTicket({ orgId: org.orgId, userId: org.users.agent.id, role: 'agent' }, r.ticketId);
    expect(messages.at(-1)!.body).toMatch(/^SLA breached: first reply was due 2026-03-03T10:00:00Z \(target 60 min\)/);
  });
});

describe('with a real order (orders module, contract 1)', () => {
  it('links buyer and order, routes a livestream order to its queue, fills macros and the sidebar', async () => {
    const org = await createTestOrg(ctx);
    const [orderId] = [
      ...(
        await ctx.platform.db.tenant(org.orgId, (tx) =>
          ctx.services.orders.applyOrders(tx, org.orgId, [
            {
              shopId: org.shopId,
              externalId: '5781002233',
              buyer: { platformBuyerId: 'tt-buyer-9', displayName: 'Lena M.', language: 'de', country: 'DE' },
              status: 'shipped',
              rawStatus: 'IN_TRANSIT',
              currency: 'EUR',
              subtotal: 24000,
              shipping: 0,
              sellerDiscount: 0,
              platformDiscount: 0,
              tax: 0,
              total: 24000,
              placedAt: new Date('2026-03-01T10:00:00Z'),
              trackingNumber: 'JJD0001234',
              carrier: 'DHL',
              deliveryStatus: 'in_transit',
              externalUpdatedAt: new Date('2026-03-02T10:00:00Z'),
              lines: [{ externalId: 'l1', skuId: 's1', productId: 'p1', productName: 'Seidentuch Rosé', category: 'Fashion', unitPrice: 24000, paidAmount: 24000, trafficSource: { type: 'livestream', id: 'live-7', name: 'Launch live' } }],
            },
          ]),
        )
      ).values(),
    ];
    const r = await ctx.services.helpdesk.ingestInbound({
      orgId: org.orgId,
      shopId: org.shopId,
      channel: 'tiktok_chat',
      externalThreadId: 'conv-live-9',
      externalMessageId: 'cm-1',
      buyer: { externalId: 'tt-buyer-9', name: 'Lena M.' },
      orderId,
      direction: 'inbound',
      text: 'Hallo, wann kommt mein Tuch aus dem Live an?',
      sentAt: clock.now().toISOString(),
    });
    const t = (await call(org, 'agent', 'GET', `/api/tickets/${r.ticketId}`)).body.ticket;
    const order = await ctx.services.orders.getOrder({ orgId: org.orgId, userId: org.users.agent.id, role: 'agent' }, orderId!);
    expect(t).toMatchObject({ queue: 'livestream', orderId, buyer: { id: order.buyerId } });
    // The same buyer writes again from a new conversation: the ticket page lists the earlier one.
    const second = await ctx.services.helpdesk.ingestInbound({ orgId: org.orgId, shopId: org.shopId, channel: 'tiktok_chat', externalThreadId: 'conv-live-10', externalMessageId: 'cm-9', buyer: { externalId: 'tt-buyer-9' }, direction: 'inbound', text: 'Noch eine Frage zur Pflege.', sentAt: clock.now().toISOString() });
    const page = await call(org, 'agent', 'GET', `/api/tickets/${second.ticketId}`);
    expect(page.body.otherTickets.map((x: any) => x.id)).toEqual([r.ticketId]);
    const side = await call(org, 'agent', 'GET', `/api/tickets/${r.ticketId}/sidebar`);
    expect(side.body.order).toMatchObject({ order: { id: orderId, externalId: '5781002233' }, delivery: { trackingNumber: 'JJD0001234', carrier: 'DHL' } });
    await ctx.services.helpdesk.seedDefaultMacros(org.orgId);
    const wismo = (await call(org, 'agent', 'GET', '/api/macros')).body.items.find((m: any) => m.key === 'where_is_my_order');
    const out = await call(org, 'agent', 'POST', `/api/macros/${wismo.id}/render`, { ticketId: r.ticketId });
    expect(out.body).toMatchObject({ language: 'de', missing: [] });
    expect(out.body.text).toContain('Bestellung 5781002233');
    expect(out.body.text).toContain('Ihr Seidentuch Rosé ist bereits unterwegs');
    expect(out.body.text).toContain('https://www.dhl.com/global-en/home/tracking/tracking-parcel.html?tracking-id=JJD0001234');
  });
});

describe('attachments', () => {
  const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');

  it('a linked return photo is fetched into the evidence store and cited by sha256', async () => {
    const org = await createTestOrg(ctx);
    registerHelpdeskHandlers(ctx.platform.outbox, ctx.services.helpdesk, ctx.services.evidence, (async (url: URL | string) => {
      expect(String(url)).toBe('https://cdn.example/return/photo-1.png');
      return new Response(PNG, { status: 200, headers: { 'content-type': 'image/jpeg' } });
    }) as typeof fetch);
    const r = await ctx.services.helpdesk.ingestInbound({
      orgId: org.orgId,
      shopId: org.shopId,
      channel: 'tiktok_return_request',
      externalThreadId: 'ret-77',
      externalMessageId: 'ret-77:req',
      buyer: { externalId: 'b77' },
      direction: 'inbound',
      text: 'Return request: item damaged in transit',
      attachments: [{ url: 'https://cdn.example/return/photo-1.png', contentType: 'image/jpeg' }],
      sentAt: clock.now().toISOString(),
    });
    // A retried webhook enqueues nothing new.
    await ctx.services.helpdesk.ingestInbound({ orgId: org.orgId, shopId: org.shopId, channel: 'tiktok_return_request', externalThreadId: 'ret-77', externalMessageId: 'ret-77:req', buyer: {}, direction: 'inbound', text: 'x', attachments: [{ url: 'https://cdn.example/return/photo-1.png' }], sentAt: clock.now().toISOString() });
    const report = await ctx.platform.dispatcher.drain(50, org.orgId);
    expect(report).toMatchObject({ claimed: 1, done: 1 });
    const { messages } = await ctx.services.helpdesk.getTicket({ orgId: org.orgId, userId: org.users.agent.id, role: 'agent' }, r.ticketId);
    const sha = crypto.createHash('sha256').update(PNG).digest('hex');
    expect(messages[0]!.attachments).toEqual([{ url: 'https://cdn.example/return/photo-1.png', contentType: 'image/png', sha256: sha, size: PNG.length, fileName: 'photo-1.png' }]);
    const ev = await ctx.platform.db.tenant(org.orgId, (tx) =>
      tx.select().from(evidenceRecordsTable).where(and(eq(evidenceRecordsTable.orgId, org.orgId), eq(evidenceRecordsTable.caseId, r.ticketId), eq(evidenceRecordsTable.kind, 'attachment'))),
    );
    expect(ev.map((e) => e.fileSha256s)).toEqual([[sha]]);
  });

  it('agents upload a file for a reply; the reply cites it', async () => {
    const org = await createTestOrg(ctx);
    const inb = await call(org, 'agent', 'POST', '/api/helpdesk/inbound/whatsapp', { shopId: org.shopId, from: '+4915100001111', text: 'Können Sie mir die Rechnung schicken?' });
    const boundary = '----afterdesk-test';
    const body = Buffer.concat([
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="label.png"\r\nContent-Type: image/png\r\n\r\n`),
      PNG,
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    const up = await ctx.app.inject({
      method: 'POST',
      url: `/api/tickets/${inb.body.ticketId}/attachments`,
      headers: { cookie: await org.cookie('agent'), 'content-type': `multipart/form-data; boundary=${boundary}` },
      payload: body,
    });
    expect(up.statusCode).toBe(201);
    const att = up.json();
    expect(att).toEqual({ sha256: crypto.createHash('sha256').update(PNG).digest('hex'), fileName: 'label.png', contentType: 'image/png', size: PNG.length });
    const rep = await call(org, 'agent', 'POST', `/api/tickets/${inb.body.ticketId}/reply`, { text: 'Anbei das Rücksendeetikett.', attachments: [att] });
    expect(rep.status).toBe(201);
    expect(rep.body.message.attachments).toEqual([att]);
    const other = await createTestOrg(ctx);
    const stolen = await ctx.app.inject({ method: 'POST', url: `/api/tickets/${inb.body.ticketId}/attachments`, headers: { cookie: await other.cookie('agent'), 'content-type': `multipart/form-data; boundary=${boundary}` }, payload: body });
    expect(stolen.statusCode).toBe(404);
  });
});

describe('tenant isolation for helpdesk objects', () => {
  it('another organisation gets 404 for tickets, macros and schedules', async () => {
    const a = await createTestOrg(ctx);
    const b = await createTestOrg(ctx);
    const inb = await call(b, 'agent', 'POST', '/api/helpdesk/inbound/whatsapp', { shopId: b.shopId, from: '+15550001111', text: 'Hi, my order never arrived.' });
    const other = await call(b, 'agent', 'POST', '/api/helpdesk/inbound/whatsapp', { shopId: b.shopId, from: '+15550002222', text: 'Hi, wrong colour.' });
    await ctx.services.helpdesk.seedDefaultMacros(b.orgId);
    const macroId = (await call(b, 'agent', 'GET', '/api/macros')).body.items[0].id as string;
    const t = inb.body.ticketId as string;
    const requests: [string, string, unknown?][] = [
      ['GET', `/api/tickets/${t}`],
      ['GET', `/api/tickets/${t}/sidebar`],
      ['POST', `/api/tickets/${t}/reply`, { text: 'stolen' }],
      ['POST', `/api/tickets/${t}/notes`, { text: 'stolen' }],
      ['POST', `/api/tickets/${t}/status`, { status: 'solved' }],
      ['POST', `/api/tickets/${t}/priority`, { priority: 'low' }],
      ['POST', `/api/tickets/${t}/tags`, { add: ['x'] }],
      ['POST', `/api/tickets/${t}/assign`, { assigneeId: null }],
      ['POST', `/api/tickets/${t}/reroute`],
      ['POST', `/api/tickets/${t}/merge`, { sourceTicketIds: [other.body.ticketId] }],
      ['POST', `/api/tickets/${t}/link`, { orderId: 'ord_x' }],
      ['GET', `/api/macros/${macroId}`],
      ['PATCH', `/api/macros/${macroId}`, { name: 'stolen' }],
      ['DELETE', `/api/macros/${macroId}`],
      ['POST', `/api/macros/${macroId}/render`, {}],
      ['GET', `/api/helpdesk/agents/${b.users.agent.id}/schedule`],
    ];
    for (const [method, url, payload] of requests) {
      const res = await call(a, 'owner', method as never, url, payload);
      expect({ method, url, status: res.status }).toEqual({ method, url, status: 404 });
    }
    // Inbound into another org's shop is refused too, and lists and search never show b's tickets.
    const sneaky = await call(a, 'owner', 'POST', '/api/helpdesk/inbound/whatsapp', { shopId: b.shopId, from: '+15550003333', text: 'x' });
    expect(sneaky.status).toBe(404);
    expect((await call(a, 'owner', 'GET', '/api/tickets?view=all')).body.items).toEqual([]);
    expect((await call(a, 'owner', 'GET', '/api/tickets/search?q=order')).body.items).toEqual([]);
    expect((await call(b, 'owner', 'GET', `/api/tickets/${t}`)).body.ticket.status).toBe('new');
  });
});
