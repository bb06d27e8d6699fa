import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../../../test/helpers/context.js';
import { actorFor, createTestOrg, type TestOrg } from '../../../test/helpers/org.js';
import { ManualClock } from '../../platform/clock.js';
import type { InboundMessage } from './helpdesk.dto.js';

// Real helpdesk + real SLA engine. The test org's DE shop works Mon-Fri 09:00-18:00 Europe/Berlin;
// the general policy wants a first reply within 60 business minutes.
// "Now" is Wednesday 4 March 2026, 12:00 UTC (13:00 in Berlin); the history horizon is 72 h.
let ctx: TestContext;
const clock = new ManualClock('2026-03-04T12:00:00Z');
beforeAll(async () => {
  ctx = await createTestContext({ clock });
});
afterAll(async () => {
  await ctx?.close();
});

let seq = 0;
function chat(org: TestOrg, thread: string, direction: 'inbound' | 'outbound', sentAt: string, text: string, over: Partial<InboundMessage> = {}): InboundMessage {
  return {
    orgId: org.orgId,
    shopId: org.shopId,
    channel: 'tiktok_chat',
    externalThreadId: thread,
    externalMessageId: `${thread}-m${++seq}`,
    buyer: { externalId: `buyer-${thread}`, name: 'Lena K.', language: 'de' },
    direction,
    text,
    sentAt,
    ...over,
  };
}

const BUYER = 'Hallo, meine Bestellung ist seit Tagen unterwegs. Wann kommt sie an?';
const SELLER = 'Guten Tag, Ihr Paket ist bei DHL und wird morgen zugestellt. Viele Grüße';

async function state(org: TestOrg, ticketId: string) {
  const agent = actorFor(org, 'agent');
  const { ticket, messages } = await ctx.services.helpdesk.getTicket(agent, ticketId);
  const clocks = await ctx.services.sla.getClocks(agent, ticketId).catch((e: { kind?: string }) => {
    if (e.kind === 'not_found') return [];
    throw e;
  });
  return {
    status: ticket.status,
    solvedReason: ticket.solvedReason,
    solvedAt: ticket.solvedAt?.toISOString() ?? null,
    slaDueAt: ticket.slaDueAt?.toISOString() ?? null,
    assigneeId: ticket.assigneeId,
    messages: messages.map((m) => [m.direction, m.authorType]),
    clocks: clocks.map((c) => ({ metric: c.metric, state: c.state, startedAt: c.startedAt, dueAt: c.dueAt, stoppedAt: c.stoppedAt, breachedAt: c.breachedAt })),
  };
}

describe('history imported when a shop connects', () => {
  it('a weeks-old chat the seller answered on the platform arrives solved, its first reply met at the answer', async () => {
    const org = await createTestOrg(ctx);
    const { helpdesk } = ctx.services;
    // Tuesday 10 February, 10:00 Berlin: the buyer asks; the seller answers 40 minutes later.
    const a = await helpdesk.ingestInbound(chat(org, 'h1', 'inbound', '2026-02-10T09:00:00.000Z', BUYER));
    expect(a.created).toBe(true);
    // On its own the buyer's message is unanswered history: settled, no clock, nobody's work.
    expect(await state(org, a.ticketId)).toMatchObject({ status: 'solved', solvedReason: 'history_unanswered', solvedAt: '2026-02-10T09:00:00.000Z', slaDueAt: null, assigneeId: null, clocks: [] });

    const b = await helpdesk.ingestInbound(chat(org, 'h1', 'outbound', '2026-02-10T09:40:00.000Z', SELLER));
    expect(b).toMatchObject({ ticketId: a.ticketId, created: false });
    expect(await state(org, a.ticketId)).toEqual({
      status: 'solved',
      solvedReason: 'history_answered',
      solvedAt: '2026-02-10T09:40:00.000Z',
      slaDueAt: null,
      assigneeId: null,
      messages: [
        ['inbound', 'buyer'],
        ['outbound', 'platform'],
      ],
      clocks: [
        { metric: 'first_reply', state: 'stopped', startedAt: '2026-02-10T09:00:00.000Z', dueAt: '2026-02-10T10:00:00.000Z', stoppedAt: '2026-02-10T09:40:00.000Z', breachedAt: null },
        { metric: 'resolution', state: 'stopped', startedAt: '2026-02-10T09:00:00.000Z', dueAt: expect.any(String), stoppedAt: '2026-02-10T09:40:00.000Z', breachedAt: null },
      ],
    });
    // A re-sync of the same chat changes nothing.
    expect(await helpdesk.ingestInbound(chat(org, 'h1', 'outbound', '2026-02-10T09:40:00.000Z', SELLER, { externalMessageId: `h1-m${seq}` }))).toMatchObject({ created: false });
    expect((await state(org, a.ticketId)).messages).toHaveLength(2);
  });

  it('a late answer on the platform is recorded as a missed first reply, still solved', async () => {
    const org = await createTestOrg(ctx);
    const a = await ctx.services.helpdesk.ingestInbound(chat(org, 'h2', 'inbound', '2026-02-10T09:00:00.000Z', BUYER));
    await ctx.services.helpdesk.ingestInbound(chat(org, 'h2', 'outbound', '2026-02-10T13:00:00.000Z', SELLER));
    const s = await state(org, a.ticketId);
    expect(s).toMatchObject({ status: 'solved', solvedReason: 'history_answered', solvedAt: '2026-02-10T13:00:00.000Z', slaDueAt: null });
    expect(s.clocks[0]).toEqual({ metric: 'first_reply', state: 'stopped', startedAt: '2026-02-10T09:00:00.000Z', dueAt: '2026-02-10T10:00:00.000Z', stoppedAt: '2026-02-10T13:00:00.000Z', breachedAt: '2026-02-10T10:00:00.000Z' });
  });

  it('a back-and-forth ending with the buyer\'s thanks: first and next reply measured, settled, nothing due', async () => {
    const org = await createTestOrg(ctx);
    const { helpdesk } = ctx.services;
    const a = await helpdesk.ingestInbound(chat(org, 'h3', 'inbound', '2026-02-10T09:00:00.000Z', BUYER));
    await helpdesk.ingestInbound(chat(org, 'h3', 'outbound', '2026-02-10T09:20:00.000Z', SELLER));
    await helpdesk.ingestInbound(chat(org, 'h3', 'inbound', '2026-02-11T09:00:00.000Z', 'Das Paket ist immer noch nicht da. Können Sie bitte nachsehen?'));
    await helpdesk.ingestInbound(chat(org, 'h3', 'outbound', '2026-02-11T09:30:00.000Z', 'Wir haben bei DHL nachgefragt, es wird heute zugestellt.'));
    await helpdesk.ingestInbound(chat(org, 'h3', 'inbound', '2026-02-11T15:00:00.000Z', 'Danke, das hilft mir!'));
    const s = await state(org, a.ticketId);
    expect(s).toMatchObject({ status: 'solved', solvedReason: 'history_unanswered', solvedAt: '2026-02-11T15:00:00.000Z', slaDueAt: null });
    expect(s.clocks.map((c) => [c.metric, c.state, c.startedAt, c.stoppedAt, c.breachedAt])).toEqual([
      ['first_reply', 'stopped', '2026-02-10T09:00:00.000Z', '2026-02-10T09:20:00.000Z', null],
      ['resolution', 'stopped', '2026-02-10T09:00:00.000Z', '2026-02-10T09:20:00.000Z', null],
      ['resolution', 'stopped', '2026-02-11T09:00:00.000Z', '2026-02-11T09:30:00.000Z', null],
      ['next_reply', 'stopped', '2026-02-11T09:00:00.000Z', '2026-02-11T09:30:00.000Z', null],
    ]);
  });

  it('a weeks-old buyer message nobody answered stays settled until the buyer writes again; then the clock runs from the new message', async () => {
    const org = await createTestOrg(ctx);
    const { helpdesk } = ctx.services;
    const a = await helpdesk.ingestInbound(chat(org, 'h4', 'inbound', '2026-01-28T09:00:00.000Z', BUYER));
    expect(await state(org, a.ticketId)).toMatchObject({ status: 'solved', solvedReason: 'history_unanswered', slaDueAt: null, clocks: [] });
    const agent = actorFor(org, 'agent');
    expect((await helpdesk.list(agent, { view: 'unassigned', limit: 50 })).items.map((t) => t.id)).not.toContain(a.ticketId);

    const b = await helpdesk.ingestInbound(chat(org, 'h4', 'inbound', '2026-03-04T11:50:00.000Z', 'Hallo? Ich warte immer noch auf eine Antwort.'));
    expect(b).toMatchObject({ ticketId: a.ticketId, created: false });
    const s = await state(org, a.ticketId);
    // 11:50 UTC = 12:50 Berlin → 60 business minutes → 13:50 Berlin.
    expect(s).toMatchObject({ status: 'open', solvedReason: null, solvedAt: null, slaDueAt: '2026-03-04T12:50:00.000Z' });
    expect(s.clocks.map((c) => [c.metric, c.state, c.startedAt])).toEqual([
      ['first_reply', 'running', '2026-03-04T11:50:00.000Z'],
      ['resolution', 'running', '2026-03-04T11:50:00.000Z'],
    ]);
    expect((await helpdesk.list(agent, { view: 'unassigned', limit: 50 })).items.map((t) => t.id)).toContain(a.ticketId);
  });

  it('a buyer message inside the horizon is live work with its real due; a seller answer in Seller Center counts as the first reply', async () => {
    const org = await createTestOrg(ctx);
    const { helpdesk } = ctx.services;
    const a = await helpdesk.ingestInbound(chat(org, 'h5', 'inbound', '2026-03-04T11:30:00.000Z', BUYER));
    expect(await state(org, a.ticketId)).toMatchObject({ status: 'new', solvedReason: null, slaDueAt: '2026-03-04T12:30:00.000Z' });
    // Two days old is still inside the 72-hour horizon: new, and already overdue.
    const old = await helpdesk.ingestInbound(chat(org, 'h5b', 'inbound', '2026-03-02T11:30:00.000Z', BUYER));
    expect(await state(org, old.ticketId)).toMatchObject({ status: 'new', slaDueAt: '2026-03-02T12:30:00.000Z' });

    await helpdesk.ingestInbound(chat(org, 'h5', 'outbound', '2026-03-04T11:55:00.000Z', SELLER));
    const s = await state(org, a.ticketId);
    expect(s).toMatchObject({ status: 'waiting_on_buyer', solvedReason: null, solvedAt: null, slaDueAt: null });
    expect(s.clocks.map((c) => [c.metric, c.state, c.stoppedAt, c.breachedAt])).toEqual([
      ['first_reply', 'stopped', '2026-03-04T11:55:00.000Z', null],
      ['resolution', 'paused', null, null],
    ]);
  });

  it('our own reply coming back through the channel is matched to the agent\'s message, not counted again', async () => {
    const org = await createTestOrg(ctx);
    const { helpdesk } = ctx.services;
    const a = await helpdesk.ingestInbound(chat(org, 'h6', 'inbound', '2026-03-04T11:30:00.000Z', BUYER));
    const agent = actorFor(org, 'agent');
    const r = await helpdesk.reply(agent, a.ticketId, { text: SELLER, status: 'waiting_on_warehouse' });
    const echo = await helpdesk.ingestInbound(chat(org, 'h6', 'outbound', new Date(clock.now().getTime() + 3000).toISOString(), SELLER, { externalMessageId: 'tts-echo-1' }));
    expect(echo).toEqual({ ticketId: a.ticketId, messageId: r.message.id, created: false });
    const s = await state(org, a.ticketId);
    expect(s.status).toBe('waiting_on_warehouse');
    expect(s.messages).toEqual([
      ['inbound', 'buyer'],
      ['outbound', 'user'],
    ]);
    const { messages } = await helpdesk.getTicket(agent, a.ticketId);
    expect(messages[1]).toMatchObject({ externalMessageId: 'tts-echo-1', deliveryStatus: 'sent' });
  });

  it('a seller-opened thread waits on the buyer without a clock; the buyer\'s answer starts one', async () => {
    const org = await createTestOrg(ctx);
    const { helpdesk } = ctx.services;
    const a = await helpdesk.ingestInbound(chat(org, 'h7', 'outbound', '2026-03-04T11:00:00.000Z', 'Ihre Bestellung wurde versandt.'));
    expect(await state(org, a.ticketId)).toMatchObject({ status: 'waiting_on_buyer', slaDueAt: null, assigneeId: null, clocks: [] });
    await helpdesk.ingestInbound(chat(org, 'h7', 'inbound', '2026-03-04T11:40:00.000Z', BUYER));
    const s = await state(org, a.ticketId);
    expect(s).toMatchObject({ status: 'open', slaDueAt: '2026-03-04T12:40:00.000Z' });
    expect(s.clocks.map((c) => [c.metric, c.state, c.startedAt])).toEqual([
      ['first_reply', 'running', '2026-03-04T11:40:00.000Z'],
      ['resolution', 'running', '2026-03-04T11:40:00.000Z'],
    ]);
  });

  it('a platform return request is live whatever its age', async () => {
    const org = await createTestOrg(ctx);
    const a = await ctx.services.helpdesk.ingestInbound(
      chat(org, 'return:h8', 'inbound', '2026-02-20T09:00:00.000Z', 'Farbe weicht vom Livestream ab', { channel: 'tiktok_return_request', externalMessageId: 'return:h8:requested' }),
    );
    expect(await state(org, a.ticketId)).toMatchObject({ status: 'new', solvedReason: null });
  });
});
