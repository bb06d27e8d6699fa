import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../../../test/helpers/context.js';
import { actorFor, createTestOrg, type TestOrg } from '../../../test/helpers/org.js';
import { ManualClock } from '../../platform/clock.js';
import { outbox } from '../../platform/outbox/outbox.schema.js';
import type { Executor } from '../../platform/db.js';
import { createHelpdeskService, type HelpdeskService } from './helpdesk.service.js';
import { LOAD_ROWS_FOLD_AT, openLoads } from './helpdesk.agents.js';
import type { EvidenceInput, SlaPort } from './helpdesk.ports.js';
import type { InboundMessage } from './helpdesk.dto.js';

let ctx: TestContext;
const clock = new ManualClock('2026-03-02T10:00:00Z');

/** A recording SLA double (contract 3) that answers with a fixed due time per call kind. */
function recordingSla() {
  const calls: { fn: string; input: Record<string, unknown>; inTx: boolean }[] = [];
  const port: SlaPort = {
    async startClocks(tx: Executor, input) {
      calls.push({ fn: 'startClocks', input: { ...input }, inTx: typeof (tx as { rollback?: unknown }).rollback === 'function' });
      return { nextDueAt: new Date(input.at.getTime() + 60 * 60_000) };
    },
    async recordEvent(tx: Executor, input) {
      calls.push({ fn: 'recordEvent', input: { ...input }, inTx: typeof (tx as { rollback?: unknown }).rollback === 'function' });
      return { nextDueAt: input.status === 'waiting_on_buyer' ? null : new Date(input.at.getTime() + 30 * 60_000) };
    },
  };
  return { calls, port };
}

let hd: HelpdeskService;
let sla: ReturnType<typeof recordingSla>;
const evidence: EvidenceInput[] = [];

beforeAll(async () => {
  ctx = await createTestContext({ clock });
  sla = recordingSla();
  hd = createHelpdeskService(ctx.platform, {
    sla: sla.port,
    recordEvidence: async (_tx, input) => {
      evidence.push(input);
    },
  });
});
afterAll(async () => {
  await ctx?.close();
});

function inbound(org: TestOrg, over: Partial<InboundMessage> = {}): InboundMessage {
  return {
    orgId: org.orgId,
    shopId: org.shopId,
    channel: 'tiktok_chat',
    externalThreadId: 'conv-1',
    externalMessageId: 'm-1',
    buyer: { externalId: 'buyer-77', name: 'Anna Schmidt' },
    direction: 'inbound',
    text: 'Hallo, wo ist meine Bestellung? Ich warte seit zehn Tagen auf die Kopfhörer.',
    sentAt: '2026-03-02T09:58:00Z',
    ...over,
  };
}

describe('ingestInbound', () => {
  it('creates a ticket once per message and appends later messages of the conversation', async () => {
    const org = await createTestOrg(ctx);
    const a = await hd.ingestInbound(inbound(org));
    expect(a.created).toBe(true);
    const again = await hd.ingestInbound(inbound(org));
    expect(again).toEqual({ ticketId: a.ticketId, messageId: a.messageId, created: false });
    const b = await hd.ingestInbound(inbound(org, { externalMessageId: 'm-2', text: 'Hallo? Bitte antworten Sie mir.', sentAt: '2026-03-02T10:05:00Z' }));
    expect(b).toMatchObject({ ticketId: a.ticketId, created: false });
    expect(b.messageId).not.toBe(a.messageId);
    const { ticket, messages } = await hd.getTicket(actorFor(org, 'agent'), a.ticketId);
    expect(ticket).toMatchObject({ status: 'new', language: 'de', queue: 'general', channel: 'tiktok_chat', buyerExternalId: 'buyer-77', messageCount: 2, number: 1 });
    expect(messages.map((m) => [m.kind, m.direction, m.authorType, m.language])).toEqual([
      ['public', 'inbound', 'buyer', 'de'],
      ['public', 'inbound', 'buyer', 'de'],
    ]);
  });

  it('runs concurrent deliveries of one message into exactly one ticket and one message', async () => {
    const org = await createTestOrg(ctx);
    const results = await Promise.all([1, 2, 3, 4].map(() => hd.ingestInbound(inbound(org, { externalThreadId: 'race', externalMessageId: 'race-1' }))));
    expect(new Set(results.map((r) => r.ticketId)).size).toBe(1);
    expect(new Set(results.map((r) => r.messageId)).size).toBe(1);
    expect(results.filter((r) => r.created).length).toBe(1);
  });

  it('starts SLA clocks in the same transaction and stores nextDueAt', async () => {
    const org = await createTestOrg(ctx);
    sla.calls.length = 0;
    const r = await hd.ingestInbound(inbound(org, { channel: 'tiktok_return_request', externalThreadId: 'ret-9', externalMessageId: 'ret-9:1' }));
    expect(sla.calls).toEqual([
      { fn: 'startClocks', inTx: true, input: { orgId: org.orgId, shopId: org.shopId, ticketId: r.ticketId, channel: 'tiktok_return_request', priority: 'high', orderValue: undefined, at: new Date('2026-03-02T09:58:00Z'), shop: expect.objectContaining({ id: org.shopId, timeZone: expect.any(String) }) } },
    ]);
    const { ticket } = await hd.getTicket(actorFor(org, 'agent'), r.ticketId);
    expect(ticket.slaDueAt?.toISOString()).toBe('2026-03-02T10:58:00.000Z');
    expect(ticket.queue).toBe('returns');
  });

  it('sends livestream orders to their own queue', async () => {
    const org = await createTestOrg(ctx);
    const r = await hd.ingestInbound(inbound(org, { channel: 'livestream', externalThreadId: 'live-1', externalMessageId: 'live-1:1', livestreamSessionId: 'ls-2026-03-01', text: 'I bought the speaker in your live yesterday, when does it ship?' }));
    const { ticket } = await hd.getTicket(actorFor(org, 'agent'), r.ticketId);
    expect(ticket).toMatchObject({ queue: 'livestream', language: 'en', livestreamSessionId: 'ls-2026-03-01' });
  });

  it('a buyer message on a solved ticket reopens it; on a closed ticket it starts a new one', async () => {
    const org = await createTestOrg(ctx);
    const agent = actorFor(org, 'agent');
    const first = await hd.ingestInbound(inbound(org, { externalThreadId: 'c-reopen', externalMessageId: 'r1' }));
    await hd.setStatus(agent, first.ticketId, 'solved');
    const second = await hd.ingestInbound(inbound(org, { externalThreadId: 'c-reopen', externalMessageId: 'r2' }));
    expect(second.ticketId).toBe(first.ticketId);
    expect((await hd.getTicket(agent, first.ticketId)).ticket.status).toBe('open');
    await hd.setStatus(agent, first.ticketId, 'closed');
    const third = await hd.ingestInbound(inbound(org, { externalThreadId: 'c-reopen', externalMessageId: 'r3' }));
    expect(third.created).toBe(true);
    expect(third.ticketId).not.toBe(first.ticketId);
    const fourth = await hd.ingestInbound(inbound(org, { externalThreadId: 'c-reopen', externalMessageId: 'r4' }));
    expect(fourth.ticketId).toBe(third.ticketId);
  });

  it('rejects an unknown shop with 404 and bad input with 400 naming the field', async () => {
    const org = await createTestOrg(ctx);
    const other = await createTestOrg(ctx);
    await expect(hd.ingestInbound(inbound(org, { shopId: other.shopId }))).rejects.toMatchObject({ kind: 'not_found' });
    await expect(hd.ingestInbound(inbound(org, { sentAt: 'yesterday' }))).rejects.toMatchObject({ kind: 'validation', details: { issues: [{ field: 'sentAt' }] } });
  });
});

describe('replies, notes, status', () => {
  it('a reply enqueues exactly one outbox row for the channel, records SLA and evidence; a note sends nothing', async () => {
    const org = await createTestOrg(ctx);
    const agent = actorFor(org, 'agent');
    const r = await hd.ingestInbound(inbound(org, { externalThreadId: 'conv-reply', externalMessageId: 'x1' }));
    sla.calls.length = 0;
    evidence.length = 0;
    clock.set('2026-03-02T10:10:00Z');
    const rep = await hd.reply(agent, r.ticketId, { text: 'Guten Tag Frau Schmidt, Ihre Bestellung ist unterwegs.' });
    const rows = await ctx.platform.db.tenant(org.orgId, (tx) => tx.select().from(outbox).where(eq(outbox.orgId, org.orgId)));
    expect(rows.map((o) => ({ handler: o.handler, key: o.idempotencyKey, payload: o.payload }))).toEqual([
      {
        handler: 'tiktok.send_message',
        key: `helpdesk.reply:${rep.message.id}`,
        payload: { shopId: org.shopId, conversationId: 'conv-reply', text: 'Guten Tag Frau Schmidt, Ihre Bestellung ist unterwegs.', messageKey: rep.message.id },
      },
    ]);
    expect(rep.ticket).toMatchObject({ status: 'waiting_on_buyer', assigneeId: agent.userId, slaDueAt: null });
    expect(sla.calls.map((c) => [c.fn, c.input.kind, c.input.status ?? null, c.inTx])).toEqual([
      ['recordEvent', 'agent_public_reply', 'new', true],
      ['recordEvent', 'status_changed', 'waiting_on_buyer', true],
    ]);
    expect(evidence.map((e) => [e.kind, e.caseId, e.actor.type])).toEqual([
      ['message', r.ticketId, 'user'],
      ['status_change', r.ticketId, 'user'],
    ]);

    await hd.addNote(agent, r.ticketId, { text: 'Buyer is a repeat customer, be generous.' });
    const after = await ctx.platform.db.tenant(org.orgId, (tx) => tx.select().from(outbox).where(eq(outbox.orgId, org.orgId)));
    expect(after.length).toBe(1);
    const { messages } = await hd.getTicket(agent, r.ticketId);
    expect(messages.map((m) => [m.kind, m.direction, m.deliveryStatus])).toEqual([
      ['public', 'inbound', null],
      ['public', 'outbound', 'queued'],
      ['note', 'outbound', null],
    ]);
    expect(evidence.at(-1)).toMatchObject({ kind: 'note', caseId: r.ticketId });
  });

  it('an e-mail reply goes to email.send threaded under the buyer mail; WhatsApp to whatsapp.send', async () => {
    const org = await createTestOrg(ctx);
    const agent = actorFor(org, 'agent');
    const e = await hd.ingestInbound(
      inbound(org, { channel: 'email', externalThreadId: '<a1@mail.example>', externalMessageId: '<a1@mail.example>', subject: 'Kaputte Lieferung', buyer: { email: 'Anna@Example.com', name: 'Anna' } }),
    );
    const rep = await hd.reply(agent, e.ticketId, { text: 'Das tut uns leid.' });
    const w = await hd.ingestInbound(inbound(org, { channel: 'whatsapp', externalThreadId: '+4915112345678', externalMessageId: 'wamid.1', buyer: { phone: '+4915112345678' } }));
    const wrep = await hd.reply(agent, w.ticketId, { text: 'Wir kümmern uns darum.' });
    const rows = await ctx.platform.db.tenant(org.orgId, (tx) => tx.select().from(outbox).where(eq(outbox.orgId, org.orgId)));
    const byHandler = Object.fromEntries(rows.map((o) => [o.handler, o.payload]));
    expect(byHandler['email.send']).toMatchObject({
      to: 'anna@example.com',
      subject: 'Re: Kaputte Lieferung',
      text: 'Das tut uns leid.',
      inReplyTo: '<a1@mail.example>',
      references: ['<a1@mail.example>'],
      messageId: rep.message.id,
    });
    expect(byHandler['whatsapp.send']).toMatchObject({ to: '+4915112345678', text: 'Wir kümmern uns darum.', messageId: wrep.message.id });
  });

  it('a resubmitted reply with the same clientKey is sent once', async () => {
    const org = await createTestOrg(ctx);
    const agent = actorFor(org, 'agent');
    const r = await hd.ingestInbound(inbound(org, { externalThreadId: 'ck', externalMessageId: 'ck1' }));
    const results = await Promise.all([1, 2, 3].map(() => hd.reply(agent, r.ticketId, { text: 'Einmal bitte.', clientKey: 'compose-7f3a9c21' })));
    expect(new Set(results.map((x) => x.message.id)).size).toBe(1);
    const rows = await ctx.platform.db.tenant(org.orgId, (tx) => tx.select().from(outbox).where(eq(outbox.orgId, org.orgId)));
    expect(rows.map((o) => o.idempotencyKey)).toEqual([`helpdesk.reply:${r.ticketId}:compose-7f3a9c21`]);
    const { messages } = await hd.getTicket(agent, r.ticketId);
    expect(messages.filter((m) => m.direction === 'outbound').length).toBe(1);
  });

  it("a reply on a return request goes to the buyer's TikTok chat, or is refused when there is none", async () => {
    const org = await createTestOrg(ctx);
    const agent = actorFor(org, 'agent');
    const ret = await hd.ingestInbound(inbound(org, { channel: 'tiktok_return_request', externalThreadId: 'return:R1', externalMessageId: 'return:R1:requested', buyer: { externalId: 'tt-b1' } }));
    await expect(hd.reply(agent, ret.ticketId, { text: 'Wir prüfen das.' })).rejects.toMatchObject({ code: 'tickets.no_chat_for_return' });
    await hd.ingestInbound(inbound(org, { channel: 'tiktok_chat', externalThreadId: 'conv-tt-b1', externalMessageId: 'c1', buyer: { externalId: 'tt-b1' } }));
    const rep = await hd.reply(agent, ret.ticketId, { text: 'Wir prüfen das.' });
    const [row] = await ctx.platform.db.tenant(org.orgId, (tx) => tx.select().from(outbox).where(and(eq(outbox.orgId, org.orgId), eq(outbox.subjectId, rep.message.id))));
    expect(row!.payload).toEqual({ shopId: org.shopId, conversationId: 'conv-tt-b1', text: 'Wir prüfen das.', messageKey: rep.message.id });
  });

  it('status waiting_on_buyer reaches the SLA recordEvent and clears the due time it returns', async () => {
    const org = await createTestOrg(ctx);
    const agent = actorFor(org, 'agent');
    const r = await hd.ingestInbound(inbound(org, { externalThreadId: 'st', externalMessageId: 'st1' }));
    sla.calls.length = 0;
    const t = await hd.setStatus(agent, r.ticketId, 'waiting_on_buyer');
    expect(sla.calls.map((c) => [c.fn, c.input.kind, c.input.status])).toEqual([['recordEvent', 'status_changed', 'waiting_on_buyer']]);
    expect(t.slaDueAt).toBe(null);
    const p = await hd.setPriority(agent, r.ticketId, 'urgent');
    expect(sla.calls.at(-1)!.input).toMatchObject({ kind: 'priority_changed', priority: 'urgent' });
    expect(p.priority).toBe('urgent');
  });

  it('a closed ticket cannot be reopened by hand', async () => {
    const org = await createTestOrg(ctx);
    const agent = actorFor(org, 'agent');
    const r = await hd.ingestInbound(inbound(org, { externalThreadId: 'cl', externalMessageId: 'cl1' }));
    await hd.setStatus(agent, r.ticketId, 'closed');
    await expect(hd.setStatus(agent, r.ticketId, 'open')).rejects.toMatchObject({ code: 'tickets.bad_status_change' });
    await expect(hd.reply(agent, r.ticketId, { text: 'hello' })).rejects.toMatchObject({ code: 'tickets.closed' });
  });
});

describe('merge, assignment, routing, search', () => {
  it('merging moves messages and conversations to the survivor and closes the duplicate with a link', async () => {
    const org = await createTestOrg(ctx);
    const agent = actorFor(org, 'agent');
    const a = await hd.ingestInbound(inbound(org, { externalThreadId: 'dup-a', externalMessageId: 'da1', text: 'My earbuds arrived with a cracked case.' }));
    const b = await hd.ingestInbound(inbound(org, { channel: 'email', externalThreadId: '<dup-b@x>', externalMessageId: '<dup-b@x>', text: 'Sent you a chat too: the earbud case is cracked.', buyer: { email: 'b@x.example' } }));
    await hd.setTags(agent, b.ticketId, { add: ['Damaged'] });
    evidence.length = 0;
    const merged = await hd.merge(agent, a.ticketId, [b.ticketId]);
    expect(merged).toMatchObject({ id: a.ticketId, tags: ['damaged'], messageCount: 3 });
    const loser = await hd.getTicket(agent, b.ticketId);
    expect(loser.ticket).toMatchObject({ status: 'closed', mergedIntoId: a.ticketId });
    expect(loser.messages.map((m) => [m.kind, m.body])).toEqual([['note', `Merged into ticket #1 (${a.ticketId}).\n已合并到工单 #1。`]]);
    const winner = await hd.getTicket(agent, a.ticketId);
    expect(winner.messages.map((m) => [m.kind, m.movedFromTicketId])).toEqual([
      ['public', null],
      ['public', b.ticketId],
      ['note', null],
    ]);
    expect(evidence.map((e) => [e.caseId, e.kind])).toEqual([
      [b.ticketId, 'note'],
      [b.ticketId, 'status_change'],
      [a.ticketId, 'note'],
      [a.ticketId, 'status_change'],
    ]);
    // The merged conversation now feeds the survivor.
    const later = await hd.ingestInbound(inbound(org, { channel: 'email', externalThreadId: '<dup-b@x>', externalMessageId: '<dup-b2@x>', text: 'Any news?', buyer: { email: 'b@x.example' } }));
    expect(later).toMatchObject({ ticketId: a.ticketId, created: false });
  });

  it('routes by language: a French ticket goes to the French speaker, round-robin between equals', async () => {
    const org = await createTestOrg(ctx);
    const owner = actorFor(org, 'owner');
    const fr1 = await ctx.services.auth.createUser(owner, { email: `fr1.${org.orgId}@t.dev`, name: 'Claire', password: 'longenough1', role: 'agent', languages: ['fr'] });
    const fr2 = await ctx.services.auth.createUser(owner, { email: `fr2.${org.orgId}@t.dev`, name: 'Julien', password: 'longenough1', role: 'agent', languages: ['fr'] });
    const msg = (n: number) => inbound(org, { externalThreadId: `fr-${n}`, externalMessageId: `fr-${n}`, text: "Bonjour, le casque que j'ai reçu ne s'allume pas du tout." });
    const assignees: (string | null)[] = [];
    for (let i = 0; i < 4; i++) {
      const r = await hd.ingestInbound(msg(i));
      assignees.push((await hd.getTicket(owner, r.ticketId)).ticket.assigneeId);
    }
    const [x, y] = [fr1.id, fr2.id].sort();
    // Least loaded first; with equal load the queue's cursor rotates.
    expect(assignees).toEqual([x, y, x, y]);
  });

  it("routing's open-ticket loads (trigger rows) equal a count of open tickets through assign, solve, reopen, delete and a fold", async () => {
    const org = await createTestOrg(ctx);
    const sup = actorFor(org, 'supervisor');
    const agent = actorFor(org, 'agent');
    const counted = () =>
      ctx.platform.db.tenant(org.orgId, async (tx) => {
        const r = await tx.execute(sql`select assignee_id as id, count(*)::int as n from tickets where org_id = ${org.orgId} and assignee_id is not null and status not in ('solved', 'closed') group by 1`);
        return Object.fromEntries((r.rows as { id: string; n: number }[]).map((x) => [x.id, x.n]));
      });
    const summed = (ids: string[]) => ctx.platform.db.tenant(org.orgId, async (tx) => Object.fromEntries((await openLoads(tx, org.orgId, ids)).filter((x) => x.n !== 0).map((x) => [x.id, x.n])));
    const people = [sup.userId, agent.userId];
    const made: string[] = [];
    for (let i = 0; i < 4; i++) made.push((await hd.ingestInbound(inbound(org, { externalThreadId: `ld-${i}`, externalMessageId: `ld-${i}` }))).ticketId);
    await hd.assign(sup, made[0]!, { assigneeId: agent.userId });
    await hd.assign(sup, made[1]!, { assigneeId: agent.userId });
    await hd.assign(sup, made[2]!, { assigneeId: sup.userId });
    await hd.assign(sup, made[1]!, { assigneeId: sup.userId });
    await hd.setStatus(sup, made[2]!, 'solved');
    await hd.setStatus(sup, made[2]!, 'open');
    await hd.setStatus(sup, made[0]!, 'solved');
    const settled = await counted();
    expect(await summed(people)).toEqual(settled);
    expect(settled[sup.userId]).toBe(2);
    // A ticket written and deleted directly counts while it exists, and stops counting when deleted.
    await ctx.platform.db.tenant(org.orgId, (tx) =>
      tx.execute(sql`insert into tickets (org_id, id, number, shop_id, channel, external_thread_id, subject, status, priority, language, tags, queue, assignee_id, message_count, created_at, updated_at)
        values (${org.orgId}, 'tkt_load_probe', 999999, ${org.shopId}, 'email', 'load-probe', 'probe', 'open', 'normal', 'en', '{}', 'general', ${agent.userId}, 0, now(), now())`),
    );
    expect(await summed(people)).toEqual({ ...settled, [agent.userId]: (settled[agent.userId] ?? 0) + 1 });
    await ctx.platform.db.tenant(org.orgId, (tx) => tx.execute(sql`delete from tickets where org_id = ${org.orgId} and id = 'tkt_load_probe'`));
    expect(await summed(people)).toEqual(settled);
    // Past the fold threshold the rows fold into one per agent, and the sums stay the same.
    for (let i = 0; i < LOAD_ROWS_FOLD_AT; i++) await ctx.platform.db.tenant(org.orgId, (tx) => tx.execute(sql`update tickets set assignee_id = ${i % 2 ? sup.userId : agent.userId} where org_id = ${org.orgId} and id = ${made[3]!}`));
    const before = await counted();
    expect(await summed(people)).toEqual(before);
    const rows = await ctx.platform.db.tenant(org.orgId, async (tx) => (await tx.execute(sql`select count(*)::int as n from ticket_assignee_loads where org_id = ${org.orgId}`)).rows[0] as { n: number });
    expect(rows.n).toBeLessThanOrEqual(people.length);
    expect(await summed(people)).toEqual(before);
  });

  it('agents may take a ticket but not steal one; supervisors re-route', async () => {
    const org = await createTestOrg(ctx);
    const agent = actorFor(org, 'agent');
    const sup = actorFor(org, 'supervisor');
    const r = await hd.ingestInbound(inbound(org, { externalThreadId: 'as', externalMessageId: 'as1' }));
    await hd.assign(sup, r.ticketId, { assigneeId: sup.userId });
    await expect(hd.assign(agent, r.ticketId, { assigneeId: agent.userId })).rejects.toMatchObject({ code: 'tickets.reassign_forbidden' });
    const moved = await hd.assign(sup, r.ticketId, { assigneeId: agent.userId, queue: 'vip' });
    expect(moved).toMatchObject({ assigneeId: agent.userId, queue: 'vip' });
    const mine = await hd.list(agent, { view: 'mine', limit: 10 });
    expect(mine.items.map((t) => t.id)).toEqual([r.ticketId]);
  });

  it('search finds a German message by a German word form, and not in another org', async () => {
    const org = await createTestOrg(ctx);
    const other = await createTestOrg(ctx);
    const r = await hd.ingestInbound(inbound(org, { externalThreadId: 's1', externalMessageId: 's1', text: 'Die Lautsprecher wurden beschädigt geliefert, der Karton war völlig zerdrückt.' }));
    await hd.ingestInbound(inbound(org, { externalThreadId: 's2', externalMessageId: 's2', text: 'Where is my parcel? It has been a week.' }));
    // "Lautsprecher" singular/plural and "Lieferung" vs "geliefert" differ; the German stemmer maps Kartons → karton.
    const hits = await hd.search(actorFor(org, 'agent'), 'Kartons');
    expect(hits.map((h) => h.ticket.id)).toEqual([r.ticketId]);
    expect(hits[0]!.snippet).toContain('«Karton»');
    expect(await hd.search(actorFor(other, 'agent'), 'Kartons')).toEqual([]);
  });

  // The query is built once per search and read by the message search, the ticket search and the
  // snippet; each of them must still see it.
  it('search ranks a message match with its snippet, finds a buyer by name with no snippet, and a query of stop words only finds nothing', async () => {
    const org = await createTestOrg(ctx);
    const agent = actorFor(org, 'agent');
    const a = await hd.ingestInbound(inbound(org, { externalThreadId: 'q1', externalMessageId: 'q1', text: 'Le colis est arrivé ouvert et la télécommande manque.' }));
    const b = await hd.ingestInbound(inbound(org, { externalThreadId: 'q2', externalMessageId: 'q2', text: 'Hello, any news?', buyer: { externalId: 'b-q2', name: 'Walburga Quenstedt' } }));
    const byWord = await hd.search(agent, 'télécommande');
    expect(byWord.map((h) => [h.ticket.id, h.snippet])).toEqual([[a.ticketId, 'colis est arrivé ouvert et la «télécommande» manque.']]);
    const byName = await hd.search(agent, 'Quenstedt');
    expect(byName.map((h) => [h.ticket.id, h.snippet])).toEqual([[b.ticketId, null]]);
    expect(await hd.search(agent, 'the and of')).toEqual([]);
  });

  it('lists a queue sorted by SLA due with cursor pagination', async () => {
    const org = await createTestOrg(ctx);
    const agent = actorFor(org, 'agent');
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      // Later sentAt → later due (the SLA double adds an hour).
      const r = await hd.ingestInbound(inbound(org, { externalThreadId: `q${i}`, externalMessageId: `q${i}`, sentAt: new Date(Date.parse('2026-03-02T08:00:00Z') - i * 60_000).toISOString() }));
      ids.push(r.ticketId);
    }
    const expected = [...ids].reverse();
    const page1 = await hd.list(agent, { view: 'queue', queue: 'general', limit: 2 });
    const page2 = await hd.list(agent, { view: 'queue', queue: 'general', limit: 2, cursor: page1.nextCursor! });
    const page3 = await hd.list(agent, { view: 'queue', queue: 'general', limit: 2, cursor: page2.nextCursor! });
    expect([...page1.items, ...page2.items, ...page3.items].map((t) => t.id)).toEqual(expected);
    expect(page3.nextCursor).toBe(null);
  });
});

describe('macros', () => {
  it('seeds the default set once and renders in the buyer language with ticket variables', async () => {
    const org = await createTestOrg(ctx);
    const agent = actorFor(org, 'agent');
    expect(await hd.seedDefaultMacros(org.orgId)).toBe(5);
    expect(await hd.seedDefaultMacros(org.orgId)).toBe(0);
    const list = await hd.listMacros(agent);
    const wismo = list.find((m) => m.key === 'where_is_my_order')!;
    expect(Object.keys(wismo.bodies).sort()).toEqual(['de', 'en', 'es', 'fr', 'it']);
    const r = await hd.ingestInbound(inbound(org, { externalThreadId: 'mac', externalMessageId: 'mac1', orderId: 'ord_123' }));
    const out = await hd.renderMacro(agent, wismo.id, { ticketId: r.ticketId, variables: { tracking_link: 'https://track.example/DE123' } });
    expect(out.language).toBe('de');
    expect(out.text.startsWith('Hallo Anna,')).toBe(true);
    // No orders module here, so the order is unknown: its number stays a placeholder (and blocks
    // sending) rather than showing the buyer our internal id.
    expect(out.text).not.toContain('ord_123');
    expect(out.text).toContain('Bestellung {{order_number}}');
    expect(out.text).toContain('https://track.example/DE123');
    expect(out.missing).toEqual(['order_number', 'product']);
  });

  it('CRUD needs a supervisor; duplicate keys are 409', async () => {
    const org = await createTestOrg(ctx);
    const sup = actorFor(org, 'supervisor');
    await expect(hd.createMacro(actorFor(org, 'agent'), { key: 'x_y', name: 'X', category: 'general', bodies: { en: 'Hi' } })).rejects.toMatchObject({ kind: 'forbidden' });
    const m = await hd.createMacro(sup, { key: 'thanks', name: 'Thanks', category: 'general', bodies: { en: 'Thanks {{buyer_name}}!', it: 'Grazie {{buyer_name}}!' } });
    await expect(hd.createMacro(sup, { key: 'thanks', name: 'Again', category: 'general', bodies: { en: 'x' } })).rejects.toMatchObject({ code: 'macros.duplicate_key' });
    const u = await hd.updateMacro(sup, m.id, { bodies: { en: 'Thank you, {{buyer_name}}!', es: '¡Gracias, {{buyer_name}}!' } });
    expect(u.bodies).toEqual({ en: 'Thank you, {{buyer_name}}!', es: '¡Gracias, {{buyer_name}}!' });
    expect((await hd.renderMacro(sup, m.id, { language: 'fr', variables: { buyer_name: 'Zoé' } })).text).toBe('Thank you, Zoé!');
    await hd.deleteMacro(sup, m.id);
    await expect(hd.getMacro(sup, m.id)).rejects.toMatchObject({ kind: 'not_found' });
  });
});

