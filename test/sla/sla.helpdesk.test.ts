import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/platform/clock.js';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { actorFor, createTestOrg } from '../helpers/org.js';

// The app's real wiring: the helpdesk starts clocks and stores the next due; a breach escalates
// through helpdesk.escalate (note in en + zh-CN, urgent, tagged).
let ctx: TestContext;
const clock = new ManualClock('2026-01-05T09:00:00Z');
beforeAll(async () => {
  ctx = await createTestContext({ clock });
});
afterAll(async () => {
  await ctx?.close();
});

describe('helpdesk ↔ SLA', () => {
  it('an inbound message starts clocks, the ticket sorts by its due, a breach escalates the ticket once', async () => {
    const org = await createTestOrg(ctx); // DE shop: Mon-Fri 09:00-18:00 Europe/Berlin
    const { helpdesk, sla } = ctx.services;
    const r = await helpdesk.ingestInbound({
      orgId: org.orgId,
      shopId: org.shopId,
      channel: 'tiktok_chat',
      externalThreadId: 'sla-thread-1',
      externalMessageId: 'sla-msg-1',
      buyer: { externalId: 'buyer-1', name: 'Lena' },
      direction: 'inbound',
      text: 'Mein Paket ist beschädigt angekommen.',
      sentAt: '2026-01-05T09:00:00.000Z',
    });
    const agent = actorFor(org, 'agent');
    const before = await helpdesk.getTicket(agent, r.ticketId);
    // General policy: 60 business minutes from Monday 10:00 Berlin.
    expect(before.ticket.slaDueAt?.toISOString()).toBe('2026-01-05T10:00:00.000Z');
    expect((await sla.getClocks(agent, r.ticketId)).map((c) => [c.metric, c.state])).toEqual([
      ['first_reply', 'running'],
      ['resolution', 'running'],
    ]);

    clock.set('2026-01-05T10:00:00Z');
    expect(await sla.runDueTimers({ orgId: org.orgId })).toEqual({ warnings: 2, breaches: 1, escalations: 1 });
    expect(await sla.runDueTimers({ orgId: org.orgId })).toEqual({ warnings: 0, breaches: 0, escalations: 0 });

    const after = await helpdesk.getTicket(agent, r.ticketId);
    expect(after.ticket.priority).toBe('urgent');
    expect(after.ticket.tags).toContain('sla-breached');
    const notes = after.messages.filter((m) => m.kind === 'note');
    expect(notes.map((m) => m.body)).toEqual([
      'SLA breached: first reply was due 2026-01-05T10:00:00Z (target 60 min). Escalated to a supervisor.\nSLA 已超时：首次回复应于 2026-01-05T10:00:00Z 前完成（目标 60 分钟），已升级给主管。',
    ]);
    const first = (await sla.getClocks(agent, r.ticketId)).find((c) => c.metric === 'first_reply')!;
    expect(first.events.map((e) => e.kind)).toEqual(['started', 'warning_50', 'warning_80', 'breached', 'escalated']);
  });

  // The write path folds several writes into single statements (issue 20): the ticket row with its
  // number, due and opening message's changes; its thread; the clocks with their audit rows; a
  // reply's SLA event and the status change it causes. What they leave must be whole.
  it('a new ticket and a reply that changes its status leave whole rows, one outbox step and a chain that verifies', async () => {
    clock.set('2026-01-12T09:00:00Z');
    const org = await createTestOrg(ctx);
    const { helpdesk, sla, evidence } = ctx.services;
    const r = await helpdesk.ingestInbound({
      orgId: org.orgId,
      shopId: org.shopId,
      channel: 'tiktok_chat',
      externalThreadId: 'wp-thread-1',
      externalMessageId: 'wp-msg-1',
      buyer: { externalId: 'buyer-2', name: 'Jonas' },
      direction: 'inbound',
      text: 'Wo bleibt meine Bestellung?',
      sentAt: '2026-01-12T09:00:00.000Z',
    });
    const agent = actorFor(org, 'agent');
    const opened = await helpdesk.getTicket(agent, r.ticketId);
    expect(opened.ticket).toMatchObject({ number: 1, status: 'new', messageCount: 1, lastMessagePreview: 'Wo bleibt meine Bestellung?' });
    expect(opened.ticket.slaDueAt?.toISOString()).toBe('2026-01-12T10:00:00.000Z');
    expect(opened.ticket.lastMessageAt?.toISOString()).toBe('2026-01-12T09:00:00.000Z');
    // A second conversation takes the next number.
    const r2 = await helpdesk.ingestInbound({ orgId: org.orgId, shopId: org.shopId, channel: 'tiktok_chat', externalThreadId: 'wp-thread-2', externalMessageId: 'wp-msg-2', buyer: { externalId: 'buyer-3' }, direction: 'inbound', text: 'Hallo?', sentAt: '2026-01-12T09:00:00.000Z' });
    expect((await helpdesk.getTicket(agent, r2.ticketId)).ticket.number).toBe(2);

    clock.set('2026-01-12T09:20:00Z');
    const sent = await helpdesk.reply(agent, r.ticketId, { text: 'Sie ist unterwegs und kommt morgen an.', status: 'waiting_on_buyer', clientKey: 'wp-reply-1' });
    expect(sent.ticket).toMatchObject({ status: 'waiting_on_buyer', messageCount: 2, assigneeId: org.users.agent.id, slaDueAt: null });
    const clocks = await sla.getClocks(agent, r.ticketId);
    expect(clocks.map((c) => [c.metric, c.state, c.stopReason, c.events.map((e) => e.kind)])).toEqual([
      ['first_reply', 'stopped', 'reply', ['started', 'stopped']],
      ['resolution', 'paused', null, ['started', 'paused']],
    ]);

    const rows = await ctx.platform.db.system(async (tx) => ({
      threads: (await tx.execute(sql`select shop_id, ticket_id from ticket_threads where org_id = ${org.orgId} and external_thread_id = 'wp-thread-1'`)).rows,
      eventShops: (await tx.execute(sql`select distinct shop_id from sla_clock_events where org_id = ${org.orgId} and ticket_id = ${r.ticketId}`)).rows,
      steps: (await tx.execute(sql`select count(*)::int as n from outbox where org_id = ${org.orgId} and subject_type = 'ticket_message' and subject_id = ${sent.message.id}`)).rows,
    }));
    expect(rows.threads).toEqual([{ shop_id: org.shopId, ticket_id: r.ticketId }]);
    expect(rows.eventShops).toEqual([{ shop_id: org.shopId }]);
    expect(rows.steps).toEqual([{ n: 1 }]);
    const chain = await evidence.verify(org.orgId, { checkFiles: false });
    expect(chain).toMatchObject({ ok: true, broken: null });
    expect(chain.records).toBeGreaterThanOrEqual(6);
  });
});
