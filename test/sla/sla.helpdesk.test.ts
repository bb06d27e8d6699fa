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
});
