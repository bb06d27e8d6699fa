/**
 * Issue 13 (workspace-a): notifications, the macro-variable resolver that blocks sending, the send
 * buttons' status, delivery status from the outbox, mentions, saved views, presence, automations,
 * the SLA warning notice and translation — through HTTP and the real services on real Postgres.
 */
import crypto from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerModuleWorkers } from '../../src/app/modules.js';
import { ManualClock } from '../../src/platform/clock.js';
import { PermanentError } from '../../src/platform/outbox/outbox.js';
import { ticketMessages, tickets } from '../../src/modules/helpdesk/helpdesk.schema.js';
import { messageTranslations } from '../../src/modules/translation/translation.schema.js';
import { startTranslationStandIn, type TranslationStandIn } from '../../src/integrations/translation/index.js';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { actorFor, createTestOrg, type TestOrg } from '../helpers/org.js';
import { seedOrder, seedTicket } from '../helpers/returns.js';

let ctx: TestContext;
// Tuesday 10 March 2026, 11:00 in Berlin: the DE shop is open.
const clock = new ManualClock('2026-03-10T10:00:00Z');
let standIn: TranslationStandIn;
let tiktokSends: { payload: Record<string, unknown> }[] = [];
let tiktokFails = false;

beforeAll(async () => {
  ctx = await createTestContext({ clock });
  await registerModuleWorkers(ctx.platform, ctx.services);
  // The TikTok chat as a remote system: accepts (or refuses for good) what is sent.
  ctx.platform.outbox.register('tiktok.send_message', async (payload) => {
    if (tiktokFails) throw new PermanentError('conversation closed by the platform');
    tiktokSends.push({ payload });
    return { messageId: `tt-${tiktokSends.length}` };
  });
  standIn = await startTranslationStandIn({ acceptKey: 'seller-key' });
  ctx.platform.outbound.allow(new URL(standIn.url).host);
}, 60_000);
afterAll(async () => {
  await standIn?.stop();
  await ctx?.close();
});

const get = async (org: TestOrg, role: 'owner' | 'supervisor' | 'agent', url: string) => ctx.app.inject({ method: 'GET', url, headers: { cookie: await org.cookie(role) } });
const send = async (org: TestOrg, role: 'owner' | 'supervisor' | 'agent', method: 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, payload?: unknown) =>
  ctx.app.inject({ method, url, headers: { cookie: await org.cookie(role) }, ...(payload === undefined ? {} : { payload: payload as object }) });

async function chatTicket(org: TestOrg, text = 'Hello, where is my parcel?', over: Record<string, unknown> = {}) {
  return ctx.services.helpdesk.ingestInbound({
    orgId: org.orgId,
    shopId: org.shopId,
    channel: 'tiktok_chat',
    externalThreadId: `conv-${crypto.randomUUID()}`,
    externalMessageId: `m-${crypto.randomUUID()}`,
    buyer: { externalId: `b-${crypto.randomUUID()}`, name: 'Lena Vogel', language: 'de' },
    direction: 'inbound',
    text,
    sentAt: clock.now().toISOString(),
    ...over,
  });
}

describe('notifications', () => {
  it('an approval waiting reaches supervisors and owners, its decision the agent; read, read-all and preferences', async () => {
    const org = await createTestOrg(ctx, { market: 'DE' });
    const order = await seedOrder(ctx, org, { lines: [{ unitPrice: 20_000 }] });
    const ticketId = await seedTicket(ctx, org, order.orderId);
    const r = await send(org, 'agent', 'POST', '/api/remedies', { orderId: order.orderId, ticketId, category: 'size_fit', optionKey: 't2:partial_refund+coupon', reason: 'Loyal buyer' });
    expect(r.statusCode).toBe(201);
    const remedy = r.json() as { id: string; status: string };
    expect(remedy.status).toBe('pending_approval');

    for (const role of ['supervisor', 'owner'] as const) {
      const list = (await get(org, role, '/api/notifications')).json() as { items: { kind: string; subject: { type: string; id: string }; params: Record<string, unknown>; link: string; read: boolean }[] };
      expect(list.items).toHaveLength(1);
      expect(list.items[0]).toMatchObject({ kind: 'approval_waiting', subject: { type: 'remedy', id: remedy.id }, params: { option: 't2:partial_refund+coupon', amount: 4_000, currency: 'EUR', orderNumber: order.externalId }, link: `/remedies?remedy=${remedy.id}`, read: false });
      expect((await get(org, role, '/api/notifications/unread-count')).json()).toEqual({ unread: 1 });
    }
    // The proposer is not told about their own proposal.
    expect((await get(org, 'agent', '/api/notifications/unread-count')).json()).toEqual({ unread: 0 });

    expect((await send(org, 'supervisor', 'POST', `/api/remedies/${remedy.id}/approve`, { note: 'ok' })).statusCode).toBe(200);
    const mine = (await get(org, 'agent', '/api/notifications')).json() as { items: { id: string; kind: string; params: Record<string, unknown>; link: string }[] };
    expect(mine.items.map((n) => [n.kind, n.params.decision, n.link])).toEqual([['approval_decided', 'approved', `/inbox/${ticketId}`]]);

    // Someone else's notification id changes nothing; one's own is marked read once.
    const supList = (await get(org, 'supervisor', '/api/notifications')).json() as { items: { id: string }[] };
    expect((await send(org, 'agent', 'POST', '/api/notifications/read', { ids: [supList.items[0]!.id] })).json()).toEqual({ updated: 0 });
    expect((await send(org, 'agent', 'POST', '/api/notifications/read', { ids: [mine.items[0]!.id] })).json()).toEqual({ updated: 1 });
    expect((await get(org, 'agent', '/api/notifications/unread-count')).json()).toEqual({ unread: 0 });
    expect((await send(org, 'owner', 'POST', '/api/notifications/read-all', {})).json()).toEqual({ updated: 1 });
    expect(((await get(org, 'owner', '/api/notifications?unread=true')).json() as { items: unknown[] }).items).toEqual([]);

    // The supervisor turns approval notices off: the next proposal tells only the owner.
    const prefs = await send(org, 'supervisor', 'PUT', '/api/notifications/preferences', { items: [{ kind: 'approval_waiting', inApp: false, email: false }] });
    expect(prefs.statusCode).toBe(200);
    expect((prefs.json() as { items: { kind: string; inApp: boolean }[]; emailAvailable: boolean }).items.find((i) => i.kind === 'approval_waiting')).toEqual({ kind: 'approval_waiting', inApp: false, email: false, emailDigest: false });
    const order2 = await seedOrder(ctx, org, { lines: [{ unitPrice: 20_000 }] });
    await send(org, 'agent', 'POST', '/api/remedies', { orderId: order2.orderId, category: 'size_fit', optionKey: 't2:partial_refund+coupon', reason: 'Second one' });
    expect((await get(org, 'supervisor', '/api/notifications/unread-count')).json()).toEqual({ unread: 1 });
    expect((await get(org, 'owner', '/api/notifications/unread-count')).json()).toEqual({ unread: 1 });
  });

  it('an @mention in an internal note notifies the person mentioned, not the writer', async () => {
    const org = await createTestOrg(ctx);
    const t = await chatTicket(org);
    const tag = org.users.agent.email.split('.')[1]!.split('@')[0]!;
    const r = await send(org, 'agent', 'POST', `/api/tickets/${t.ticketId}/notes`, { text: `@supervisor ${tag} can you check the parcel photos? cc @agent ${tag}` });
    expect(r.statusCode).toBe(201);
    const sup = (await get(org, 'supervisor', '/api/notifications')).json() as { items: { kind: string; subject: { id: string }; params: Record<string, unknown> }[] };
    expect(sup.items).toHaveLength(1);
    expect(sup.items[0]).toMatchObject({ kind: 'mention', subject: { id: t.ticketId }, params: { byUserId: org.users.agent.id } });
    expect((await get(org, 'agent', '/api/notifications/unread-count')).json()).toEqual({ unread: 0 });
    expect((await get(org, 'owner', '/api/notifications/unread-count')).json()).toEqual({ unread: 0 });
  });

  it('an SLA warning tells the assignee and the supervisors', async () => {
    const org = await createTestOrg(ctx);
    const t = await chatTicket(org, 'Mein Paket ist nicht angekommen, bitte helfen Sie mir');
    await ctx.services.helpdesk.assign(actorFor(org, 'supervisor'), t.ticketId, { assigneeId: org.users.agent.id });
    clock.advance(35 * 60_000); // 50 % of the 60-minute first reply
    await ctx.services.sla.runDueTimers({ orgId: org.orgId });
    for (const role of ['agent', 'supervisor'] as const) {
      const list = (await get(org, role, '/api/notifications')).json() as { items: { kind: string; params: Record<string, unknown> }[] };
      expect(list.items.map((n) => [n.kind, n.params.metric, n.params.percent])).toContainEqual(['sla_warning', 'first_reply', 50]);
    }
    // Past the due: the breach escalates, and both hear of it.
    clock.advance(30 * 60_000);
    await ctx.services.sla.runDueTimers({ orgId: org.orgId });
    for (const role of ['agent', 'supervisor'] as const) {
      const list = (await get(org, role, '/api/notifications')).json() as { items: { kind: string; params: Record<string, unknown>; link: string }[] };
      expect(list.items.filter((n) => n.kind === 'sla_breach').map((n) => [n.params.metric, n.link])).toEqual([['first_reply', `/inbox/${t.ticketId}`]]);
    }
    clock.advance(-65 * 60_000);
  });
});

describe('sending', () => {
  it('a reply still carrying {{variables}} is refused (422 naming them) and nothing reaches the buyer', async () => {
    const org = await createTestOrg(ctx);
    tiktokSends = [];
    const t = await chatTicket(org);
    const mac = await send(org, 'supervisor', 'POST', '/api/macros', { key: 'where_is_it', name: 'Where is it', bodies: { en: 'Hi {{buyer_name}}, your order {{order_number}} ({{product}}) is on its way: {{tracking_link}}' } });
    const macro = mac.json() as { id: string };
    const rendered = (await send(org, 'agent', 'POST', `/api/macros/${macro.id}/render`, { ticketId: t.ticketId, language: 'en' })).json() as { text: string; missing: string[] };
    // The ticket has no order: the order's variables have no value.
    expect(rendered.missing.sort()).toEqual(['order_number', 'product', 'tracking_link']);
    expect(rendered.text).toBe('Hi Lena, your order {{order_number}} ({{product}}) is on its way: {{tracking_link}}');

    const refused = await send(org, 'agent', 'POST', `/api/tickets/${t.ticketId}/reply`, { text: rendered.text, macroId: macro.id });
    expect(refused.statusCode).toBe(422);
    expect(refused.json()).toMatchObject({ code: 'tickets.unresolved_variables', details: { variables: ['order_number', 'product', 'tracking_link'] } });
    // An unknown variable blocks too.
    expect((await send(org, 'agent', 'POST', `/api/tickets/${t.ticketId}/reply`, { text: 'Hi {{ nickname }}' })).json()).toMatchObject({ details: { variables: ['nickname'] } });
    await ctx.platform.dispatcher.drain(20, org.orgId);
    expect(tiktokSends).toEqual([]);
    const msgs = await ctx.platform.db.tenant(org.orgId, (tx) => tx.select().from(ticketMessages).where(and(eq(ticketMessages.orgId, org.orgId), eq(ticketMessages.ticketId, t.ticketId))));
    expect(msgs.map((m) => m.direction)).toEqual(['inbound']);

    // Filled through the resolver, with the values the agent typed for what the ticket cannot know.
    const filled = (await send(org, 'agent', 'POST', `/api/tickets/${t.ticketId}/resolve-text`, { text: rendered.text, variables: { order_number: '5770-1', product: 'Headphones', tracking_link: 'DHL 123' } })).json() as { text: string; unresolved: string[] };
    expect(filled).toMatchObject({ text: 'Hi Lena, your order 5770-1 (Headphones) is on its way: DHL 123', unresolved: [] });
    expect((await send(org, 'agent', 'POST', `/api/tickets/${t.ticketId}/reply`, { text: filled.text, macroId: macro.id })).statusCode).toBe(201);
    await ctx.platform.dispatcher.drain(20, org.orgId);
    expect(tiktokSends.map((s) => s.payload.text)).toEqual(['Hi Lena, your order 5770-1 (Headphones) is on its way: DHL 123']);
  });

  it('the resolver fills order number, product, tracking, shop, agent and return deadline from the ticket', async () => {
    const org = await createTestOrg(ctx);
    const order = await seedOrder(ctx, org, { lines: [{ unitPrice: 5_000 }], deliveredAt: new Date('2026-03-05T12:00:00Z') });
    const ticketId = await seedTicket(ctx, org, order.orderId);
    const r = (await send(org, 'agent', 'POST', `/api/tickets/${ticketId}/resolve-text`, { text: '{{order_number}}|{{product}}|{{tracking_link}}|{{shop_name}}|{{agent_name}}|{{return_deadline}}|{{buyer_name}}' })).json() as { text: string; unresolved: string[] };
    expect(r.unresolved).toEqual([]);
    const [num, product, tracking, shop, agent, deadline, buyer] = r.text.split('|');
    expect(num).toBe(order.externalId);
    expect(product).toBe('Product 1');
    expect(tracking).toContain(`TRK${order.externalId}`);
    expect(shop).toMatch(/^Shop /);
    expect(agent).toBe('agent');
    // The DE shop's return window (30 days) after delivery on 5 March, in the buyer's language (German).
    expect(deadline).toBe('4. April 2026');
    expect(buyer).toBe('Anna');
  });

  it('send and solve, send and wait, plain send; a macro sets the default', async () => {
    const org = await createTestOrg(ctx);
    const t = await chatTicket(org);
    const solve = await send(org, 'agent', 'POST', `/api/tickets/${t.ticketId}/reply`, { text: 'Done, refund issued.', status: 'solved' });
    expect((solve.json() as { ticket: { status: string } }).ticket.status).toBe('solved');
    const t2 = await chatTicket(org);
    const open = await send(org, 'agent', 'POST', `/api/tickets/${t2.ticketId}/reply`, { text: "We'll get back to you.", status: 'open' });
    expect((open.json() as { ticket: { status: string } }).ticket.status).toBe('open');
    const mac = (await send(org, 'supervisor', 'POST', '/api/macros', { key: 'thanks_bye', name: 'Thanks', bodies: { en: 'Glad we could help!' }, defaultStatusAfter: 'solved' })).json() as { id: string; defaultStatusAfter: string };
    expect(mac.defaultStatusAfter).toBe('solved');
    const viaMacro = await send(org, 'agent', 'POST', `/api/tickets/${t2.ticketId}/reply`, { text: 'Glad we could help!', macroId: mac.id });
    expect((viaMacro.json() as { ticket: { status: string } }).ticket.status).toBe('solved');
  });

  it('a TikTok reply turns Sent when its step is done, Failed with the reason when refused; the supervisor hears of the failure', async () => {
    const org = await createTestOrg(ctx);
    const t = await chatTicket(org);
    const ok = (await send(org, 'agent', 'POST', `/api/tickets/${t.ticketId}/reply`, { text: 'On its way!' })).json() as { message: { id: string; deliveryStatus: string } };
    expect(ok.message.deliveryStatus).toBe('queued');
    await ctx.platform.dispatcher.drain(20, org.orgId);
    const thread = (await get(org, 'agent', `/api/tickets/${t.ticketId}`)).json() as { messages: { id: string; deliveryStatus: string | null; deliveryError: string | null }[] };
    expect(thread.messages.find((m) => m.id === ok.message.id)).toMatchObject({ deliveryStatus: 'sent', deliveryError: null });

    tiktokFails = true;
    try {
      const bad = (await send(org, 'agent', 'POST', `/api/tickets/${t.ticketId}/reply`, { text: 'Another note for you' })).json() as { message: { id: string } };
      await ctx.platform.dispatcher.drain(20, org.orgId);
      const after = (await get(org, 'agent', `/api/tickets/${t.ticketId}`)).json() as { messages: { id: string; deliveryStatus: string | null; deliveryError: string | null }[] };
      expect(after.messages.find((m) => m.id === bad.message.id)).toMatchObject({ deliveryStatus: 'failed', deliveryError: 'conversation closed by the platform' });
    } finally {
      tiktokFails = false;
    }
    const sup = (await get(org, 'supervisor', '/api/notifications')).json() as { items: { kind: string; params: Record<string, unknown>; link: string }[] };
    expect(sup.items.filter((n) => n.kind === 'outbox_failed')).toEqual([expect.objectContaining({ params: expect.objectContaining({ handler: 'tiktok.send_message', ticketId: t.ticketId }), link: `/inbox/${t.ticketId}` })]);
  });
});

describe('inbox', () => {
  it('views: all open, breached, waiting on platform, by channel; saved views per person', async () => {
    const org = await createTestOrg(ctx);
    const a = await chatTicket(org);
    const b = await chatTicket(org);
    await ctx.services.helpdesk.setStatus(actorFor(org, 'supervisor'), b.ticketId, 'waiting_on_platform');
    const ids = async (q: string) => ((await get(org, 'owner', `/api/tickets?${q}`)).json() as { items: { id: string }[] }).items.map((x) => x.id).sort();
    expect(await ids('view=open')).toEqual([a.ticketId, b.ticketId].sort());
    expect(await ids('view=waiting_on_platform')).toEqual([b.ticketId]);
    expect(await ids('view=open&channel=email')).toEqual([]);
    expect(await ids('view=open&channel=tiktok_chat')).toEqual([a.ticketId, b.ticketId].sort());
    expect(await ids('view=breached')).toEqual([]);
    clock.advance(3 * 3_600_000);
    expect(await ids('view=breached')).toContain(a.ticketId);
    clock.advance(-3 * 3_600_000);

    const saved = await send(org, 'agent', 'POST', '/api/saved-views', { name: 'TikTok chats', filter: { view: 'open', channel: 'tiktok_chat' } });
    expect(saved.statusCode).toBe(201);
    expect((await send(org, 'agent', 'POST', '/api/saved-views', { name: 'TikTok chats', filter: { view: 'mine' } })).json()).toMatchObject({ code: 'tickets.view_name_taken' });
    expect(((await get(org, 'agent', '/api/saved-views')).json() as { items: { name: string }[] }).items.map((v) => v.name)).toEqual(['TikTok chats']);
    expect(((await get(org, 'supervisor', '/api/saved-views')).json() as { items: unknown[] }).items).toEqual([]);
    const id = (saved.json() as { id: string }).id;
    expect((await send(org, 'supervisor', 'DELETE', `/api/saved-views/${id}`)).statusCode).toBe(404);
    expect((await send(org, 'agent', 'DELETE', `/api/saved-views/${id}`)).statusCode).toBe(200);
  });

  it('two agents on one ticket see each other (collision warning)', async () => {
    const org = await createTestOrg(ctx);
    const t = await chatTicket(org);
    expect((await send(org, 'agent', 'POST', `/api/tickets/${t.ticketId}/viewing`, {})).json()).toEqual({ items: [] });
    const sup = (await send(org, 'supervisor', 'POST', `/api/tickets/${t.ticketId}/viewing`, {})).json() as { items: { userId: string; name: string }[] };
    expect(sup.items.map((v) => v.userId)).toEqual([org.users.agent.id]);
    clock.advance(2 * 60_000);
    expect((await send(org, 'supervisor', 'POST', `/api/tickets/${t.ticketId}/viewing`, {})).json()).toEqual({ items: [] });
    clock.advance(-2 * 60_000);
  });
});

describe('automations', () => {
  it('a rule tags, prioritises and assigns a matching new ticket; the thread shows it; others are untouched', async () => {
    const org = await createTestOrg(ctx);
    const rule = await send(org, 'supervisor', 'POST', '/api/automations/rules', {
      name: 'Broken items to the supervisor',
      conditions: { channels: ['tiktok_chat'], keywords: ['kaputt', 'broken'] },
      actions: { addTags: ['damage'], priority: 'high', assigneeId: org.users.supervisor.id },
    });
    expect(rule.statusCode).toBe(201);
    expect((await send(org, 'agent', 'POST', '/api/automations/rules', { name: 'x', conditions: {}, actions: { priority: 'low' } })).statusCode).toBe(403);
    expect((await send(org, 'supervisor', 'POST', '/api/automations/rules', { name: 'x', conditions: {}, actions: {} })).statusCode).toBe(400);

    const hit = await chatTicket(org, 'Der Kopfhörer ist kaputt angekommen');
    const miss = await chatTicket(org, 'Wann kommt mein Paket?');
    const [th, tm] = await ctx.platform.db.tenant(org.orgId, async (tx) => [
      (await tx.select().from(tickets).where(and(eq(tickets.orgId, org.orgId), eq(tickets.id, hit.ticketId))))[0]!,
      (await tx.select().from(tickets).where(and(eq(tickets.orgId, org.orgId), eq(tickets.id, miss.ticketId))))[0]!,
    ]);
    expect({ tags: th.tags, priority: th.priority, assigneeId: th.assigneeId, messageCount: th.messageCount }).toEqual({ tags: ['damage'], priority: 'high', assigneeId: org.users.supervisor.id, messageCount: 2 });
    expect({ tags: tm.tags, priority: tm.priority }).toEqual({ tags: [], priority: 'normal' });
    const thread = (await get(org, 'agent', `/api/tickets/${hit.ticketId}`)).json() as { messages: { kind: string; author: { type: string }; event: { kind: string; params: Record<string, unknown> } | null }[] };
    expect(thread.messages[1]).toMatchObject({ kind: 'note', author: { type: 'system' }, event: { kind: 'automation', params: { rule: 'Broken items to the supervisor', tags: 'damage', priority: 'high' } } });

    const ruleId = (rule.json() as { id: string }).id;
    expect((await send(org, 'supervisor', 'PATCH', `/api/automations/rules/${ruleId}`, { active: false })).json()).toMatchObject({ active: false });
    const later = await chatTicket(org, 'Auch kaputt');
    const [tl] = await ctx.platform.db.tenant(org.orgId, (tx) => tx.select().from(tickets).where(and(eq(tickets.orgId, org.orgId), eq(tickets.id, later.ticketId))));
    expect(tl!.tags).toEqual([]);
  });

  it('out of hours the buyer gets an acknowledgement in their language naming when the shop answers', async () => {
    const org = await createTestOrg(ctx);
    expect((await send(org, 'supervisor', 'PUT', '/api/automations/settings', { autoCloseDays: null, outOfHoursAck: true })).statusCode).toBe(200);
    const saved = clock.now();
    clock.set(new Date('2026-03-08T20:00:00Z')); // Sunday evening in Berlin
    try {
      tiktokSends = [];
      const t = await chatTicket(org, 'Hallo, wo bleibt meine Bestellung? Ich warte schon lange.');
      const thread = (await get(org, 'agent', `/api/tickets/${t.ticketId}`)).json() as { ticket: { status: string; slaDueAt: string }; messages: { kind: string; text: string; event: { kind: string; params: Record<string, unknown> } | null }[] };
      expect(thread.ticket.status).toBe('new');
      const ack = thread.messages.find((m) => m.event?.kind === 'out_of_hours_ack')!;
      expect(ack.kind).toBe('public');
      // Monday 09:00 Berlin opening + the 60-minute first reply.
      expect(thread.ticket.slaDueAt).toBe('2026-03-09T09:00:00.000Z');
      expect(ack.event!.params.answerBy).toBe('2026-03-09T09:00:00.000Z');
      expect(ack.text).toContain('Danke für Ihre Nachricht');
      expect(ack.text).toContain('10:00');
      await ctx.platform.dispatcher.drain(20, org.orgId);
      expect(tiktokSends).toHaveLength(1);
    } finally {
      clock.set(saved);
    }
  });

  it('auto-close: after N days waiting on the buyer, a last message in their language and solved', async () => {
    const org = await createTestOrg(ctx);
    await send(org, 'supervisor', 'PUT', '/api/automations/settings', { autoCloseDays: 3, outOfHoursAck: false });
    const t = await chatTicket(org, 'Bonjour, je voudrais changer la taille de ma commande');
    await send(org, 'agent', 'POST', `/api/tickets/${t.ticketId}/reply`, { text: 'Quelle taille voulez-vous ?', status: 'waiting_on_buyer' });
    clock.advance(2 * 86_400_000);
    expect(await ctx.services.helpdesk.runAutoClose({ orgId: org.orgId })).toBe(0);
    clock.advance(86_400_000 + 1_000);
    try {
      expect(await ctx.services.helpdesk.runAutoClose({ orgId: org.orgId })).toBe(1);
      expect(await ctx.services.helpdesk.runAutoClose({ orgId: org.orgId })).toBe(0);
      const thread = (await get(org, 'agent', `/api/tickets/${t.ticketId}`)).json() as { ticket: { status: string; language: string }; messages: { kind: string; text: string; event: { kind: string } | null }[] };
      expect(thread.ticket.status).toBe('solved');
      const last = thread.messages[thread.messages.length - 1]!;
      expect(last).toMatchObject({ kind: 'public', event: { kind: 'auto_close' } });
      expect(last.text).toContain('3 jours');
    } finally {
      clock.advance(-(3 * 86_400_000 + 1_000));
    }
  });
});

describe('automations on ticket updates', () => {
  it('buyer replied, tag added, status changed, idle: each rule runs at its moment with a system line; one pass per change; quiet when nothing changes', async () => {
    const org = await createTestOrg(ctx);
    const rule = (body: Record<string, unknown>) => send(org, 'supervisor', 'POST', '/api/automations/rules', body);
    expect((await rule({ name: 'Refund asks', trigger: 'buyer_replied', conditions: { keywords: ['erstattung', 'refund'] }, actions: { addTags: ['refund-ask'], priority: 'high' } })).statusCode).toBe(201);
    expect((await rule({ name: 'VIP to the supervisor', trigger: 'tag_added', conditions: { tags: ['vip'] }, actions: { assigneeId: org.users.supervisor.id, addTags: ['escalated'] } })).statusCode).toBe(201);
    // Within one pass a later rule sees the tags an earlier one added (as at creation); the pass
    // ends there: what it changed runs no rules again.
    expect((await rule({ name: 'Escalated echo', trigger: 'tag_added', conditions: { tags: ['escalated'] }, actions: { addTags: ['echo'] } })).statusCode).toBe(201);
    expect((await rule({ name: 'Working', trigger: 'status_changed', conditions: { statuses: ['open'] }, actions: { queue: 'in-progress' } })).statusCode).toBe(201);
    expect((await rule({ name: 'Quiet for a day', trigger: 'idle', conditions: { idleHours: 24 }, actions: { priority: 'urgent' } })).statusCode).toBe(201);
    const noHours = await rule({ name: 'Quiet', trigger: 'idle', conditions: {}, actions: { priority: 'urgent' } });
    expect(noHours.statusCode).toBe(400);
    expect(JSON.stringify(noHours.json())).toContain('conditions.idleHours');
    const listed = (await get(org, 'supervisor', '/api/automations/rules')).json() as { items: { name: string; trigger: string }[] };
    expect(listed.items.map((r) => r.trigger)).toEqual(['buyer_replied', 'tag_added', 'tag_added', 'status_changed', 'idle']);

    // Opening a ticket runs only the "created" rules, even with the keyword in it.
    const t = await chatTicket(org, 'Ich möchte eine Erstattung');
    const row = async () => (await ctx.platform.db.tenant(org.orgId, (tx) => tx.select().from(tickets).where(and(eq(tickets.orgId, org.orgId), eq(tickets.id, t.ticketId)))))[0]!;
    expect((await row()).tags).toEqual([]);
    const lines = async () => ((await get(org, 'agent', `/api/tickets/${t.ticketId}`)).json() as { messages: { event: { kind: string; params: Record<string, unknown> } | null }[] }).messages.filter((m) => m.event?.kind === 'automation').map((m) => `${m.event!.params.trigger}:${m.event!.params.rule}`);

    await chatTicket(org, 'Bitte um Erstattung, danke', { externalThreadId: (await row()).externalThreadId });
    expect(await row()).toMatchObject({ tags: ['refund-ask'], priority: 'high' });
    expect(await lines()).toEqual(['buyer_replied:Refund asks']);
    // The same words again change nothing: no second line.
    await chatTicket(org, 'Erstattung?', { externalThreadId: (await row()).externalThreadId });
    expect(await lines()).toEqual(['buyer_replied:Refund asks']);

    const tagged = (await send(org, 'agent', 'POST', `/api/tickets/${t.ticketId}/tags`, { add: ['vip'] })).json() as { assigneeId: string; tags: string[] };
    expect(tagged.assigneeId).toBe(org.users.supervisor.id);
    expect([...tagged.tags].sort()).toEqual(['echo', 'escalated', 'refund-ask', 'vip']);
    expect(await lines()).toEqual(['buyer_replied:Refund asks', 'tag_added:VIP to the supervisor', 'tag_added:Escalated echo']);
    // Another tag by a person: the rules match again but would change nothing, so nothing is written.
    await send(org, 'agent', 'POST', `/api/tickets/${t.ticketId}/tags`, { add: ['gift'] });
    expect(await lines()).toHaveLength(3);

    expect((await send(org, 'supervisor', 'POST', `/api/tickets/${t.ticketId}/status`, { status: 'open' })).json()).toMatchObject({ status: 'open', queue: 'in-progress' });
    expect((await lines()).at(-1)).toBe('status_changed:Working');

    // Idle: nothing before 24 quiet hours, once after, not again in the same quiet stretch.
    clock.advance(23 * 3_600_000);
    try {
      expect(await ctx.services.helpdesk.runIdleAutomations()).toBe(0);
      clock.advance(2 * 3_600_000);
      expect(await ctx.services.helpdesk.runIdleAutomations()).toBe(1);
      expect((await row()).priority).toBe('urgent');
      expect(await ctx.services.helpdesk.runIdleAutomations()).toBe(0);
      expect((await lines()).at(-1)).toBe('idle:Quiet for a day');
    } finally {
      clock.advance(-25 * 3_600_000);
    }
  });
});

describe('translation', () => {
  it('through a DeepL-protocol service with the seller’s key: stored beside the original, draft into the buyer’s language', async () => {
    const org = await createTestOrg(ctx);
    const t = await chatTicket(org, 'Der Kopfhörer ist leider kaputt angekommen');
    const thread = (await get(org, 'agent', `/api/tickets/${t.ticketId}`)).json() as { messages: { id: string; text: string }[] };
    const msgId = thread.messages[0]!.id;
    expect((await send(org, 'agent', 'POST', `/api/tickets/${t.ticketId}/translate`, { target: 'en', messageIds: [msgId] })).json()).toMatchObject({ code: 'translation.not_configured' });

    expect((await send(org, 'supervisor', 'PUT', '/api/translation/settings', { baseUrl: standIn.url, apiKey: 'x' })).statusCode).toBe(403);
    expect((await send(org, 'owner', 'PUT', '/api/translation/settings', { baseUrl: standIn.url, apiKey: 'wrong' })).json()).toEqual({ baseUrl: standIn.url, hasKey: true });
    expect((await send(org, 'agent', 'POST', `/api/tickets/${t.ticketId}/translate`, { target: 'en', messageIds: [msgId] })).json()).toMatchObject({ code: 'translation.bad_key' });
    await send(org, 'owner', 'PUT', '/api/translation/settings', { baseUrl: standIn.url, apiKey: 'seller-key' });
    const before = standIn.calls.length;
    const tr = await send(org, 'agent', 'POST', `/api/tickets/${t.ticketId}/translate`, { target: 'en', messageIds: [msgId] });
    expect(tr.statusCode).toBe(200);
    expect(tr.json()).toEqual({ items: [{ messageId: msgId, target: 'en', sourceLanguage: 'de', text: '[DE→EN] Der Kopfhörer ist leider kaputt angekommen', provider: new URL(standIn.url).host }] });
    expect(standIn.calls.slice(before)).toEqual([{ key: 'seller-key', target: 'EN-GB', texts: ['Der Kopfhörer ist leider kaputt angekommen'] }]);
    // Asked once: the second time comes from the store. The original is untouched.
    await send(org, 'agent', 'POST', `/api/tickets/${t.ticketId}/translate`, { target: 'en', messageIds: [msgId] });
    expect(standIn.calls.length).toBe(before + 1);
    expect(((await get(org, 'agent', `/api/tickets/${t.ticketId}`)).json() as { messages: { text: string }[] }).messages[0]!.text).toBe('Der Kopfhörer ist leider kaputt angekommen');
    expect(((await get(org, 'agent', `/api/tickets/${t.ticketId}/translations?target=en`)).json() as { items: unknown[] }).items).toHaveLength(1);
    const stored = await ctx.platform.db.tenant(org.orgId, (tx) => tx.select().from(messageTranslations).where(eq(messageTranslations.orgId, org.orgId)));
    expect(stored.map((s) => [s.messageId, s.targetLang])).toEqual([[msgId, 'en']]);

    const draft = (await send(org, 'agent', 'POST', `/api/tickets/${t.ticketId}/translate-draft`, { text: 'We are sending a new pair today.' })).json();
    expect(draft).toEqual({ text: '[EN→DE] We are sending a new pair today.', target: 'de', provider: new URL(standIn.url).host });

    expect((await send(org, 'agent', 'PUT', '/api/translation/preference', { alwaysTranslate: true })).json()).toEqual({ alwaysTranslate: true });
    expect((await get(org, 'agent', '/api/translation/preference')).json()).toEqual({ alwaysTranslate: true });
    expect((await get(org, 'supervisor', '/api/translation/preference')).json()).toEqual({ alwaysTranslate: false });
    // The key never comes back.
    expect((await get(org, 'owner', '/api/translation/settings')).body).not.toContain('seller-key');

    // The machine-translated draft is unreviewed: sending it needs a review or an explicit confirmation.
    const machineDraft = { provider: draft.provider, to: 'de', reviewed: false };
    const refused = await send(org, 'agent', 'POST', `/api/tickets/${t.ticketId}/reply`, { text: draft.text, machineDraft });
    expect(refused.statusCode).toBe(422);
    expect(refused.json()).toMatchObject({ code: 'tickets.unreviewed_draft' });
    const sent = await send(org, 'agent', 'POST', `/api/tickets/${t.ticketId}/reply`, { text: draft.text, machineDraft: { ...machineDraft, confirmUnreviewed: true } });
    expect(sent.statusCode).toBe(201);
    const sentMsg = (sent.json() as { message: { id: string; machineDraft: unknown } }).message;
    expect(sentMsg.machineDraft).toEqual({ provider: draft.provider, from: null, to: 'de', reviewed: false, reviewedBy: null, reviewedAt: null, sentUnreviewed: true });
    const reviewed = await send(org, 'supervisor', 'POST', `/api/tickets/${t.ticketId}/messages/${sentMsg.id}/review`, {});
    expect(reviewed.statusCode).toBe(200);
    expect(reviewed.json()).toMatchObject({ machineDraft: { reviewed: true, reviewedBy: org.users.supervisor.id, sentUnreviewed: true } });
    // Reviewed before sending: stored as reviewed by the sender. A person's own words carry nothing.
    const checked = await send(org, 'agent', 'POST', `/api/tickets/${t.ticketId}/reply`, { text: draft.text, machineDraft: { ...machineDraft, reviewed: true } });
    expect((checked.json() as { message: { machineDraft: unknown } }).message.machineDraft).toMatchObject({ reviewed: true, reviewedBy: org.users.agent.id, sentUnreviewed: false });
    const plain = await send(org, 'agent', 'POST', `/api/tickets/${t.ticketId}/reply`, { text: 'Danke!' });
    const plainId = (plain.json() as { message: { id: string; machineDraft: unknown } }).message;
    expect(plainId.machineDraft).toBeNull();
    expect((await send(org, 'agent', 'POST', `/api/tickets/${t.ticketId}/messages/${plainId.id}/review`, {})).json()).toMatchObject({ code: 'tickets.not_machine_draft' });
    expect((await send(org, 'agent', 'POST', `/api/tickets/${t.ticketId}/messages/msg_nope/review`, {})).statusCode).toBe(404);
  });
});
