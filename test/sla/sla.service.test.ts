import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/platform/clock.js';
import { newId } from '../../src/platform/ids.js';
import { silentLogger } from '../../src/platform/logger.js';
import { registerSlaJobs, type SlaEscalation } from '../../src/modules/sla/index.js';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { actorFor, createTestOrg, type TestOrg } from '../helpers/org.js';

let ctx: TestContext;
const clock = new ManualClock('2026-01-05T08:00:00Z');
beforeAll(async () => {
  ctx = await createTestContext({ clock, slaEscalation: false });
});
afterAll(async () => {
  await ctx?.close();
});

const sla = () => ctx.services.sla;
const MIN = 60_000;

/** A ticket's clocks started at `at` (default Monday 2026-01-05 10:00 Berlin). */
async function ticket(org: TestOrg, opts: { channel?: string; priority?: string; orderValue?: { amount: number; currency: string }; at?: string } = {}) {
  const ticketId = newId('tkt');
  const at = new Date(opts.at ?? '2026-01-05T09:00:00Z');
  clock.set(at);
  const r = await ctx.platform.db.tenant(org.orgId, (tx) =>
    sla().startClocks(tx, { orgId: org.orgId, shopId: org.shopId, ticketId, channel: opts.channel ?? 'tiktok_chat', priority: opts.priority ?? 'normal', orderValue: opts.orderValue, at }),
  );
  return { ticketId, at, nextDueAt: r.nextDueAt };
}

async function event(org: TestOrg, ticketId: string, kind: 'agent_public_reply' | 'buyer_message' | 'status_changed' | 'priority_changed', at: string, extra: { status?: string; priority?: string } = {}) {
  clock.set(at);
  return ctx.platform.db.tenant(org.orgId, (tx) => sla().recordEvent(tx, { orgId: org.orgId, ticketId, kind, at: new Date(at), ...extra }));
}

async function clocks(org: TestOrg, ticketId: string) {
  return sla().getClocks(actorFor(org, 'agent'), ticketId);
}

function kinds(c: { events: { kind: string }[] }) {
  return c.events.map((e) => e.kind);
}

describe('default policies', () => {
  it('seeds General, High-ticket and Livestream on the first ticket and picks by order value and channel', async () => {
    const org = await createTestOrg(ctx); // DE shop, Mon-Fri 09:00-18:00 Europe/Berlin
    const general = await ticket(org);
    expect(general.nextDueAt?.toISOString()).toBe('2026-01-05T10:00:00.000Z');
    const policies = await sla().listPolicies(actorFor(org, 'agent'));
    expect(policies.map((p) => [p.name, p.firstReplyMinutes, p.nextReplyMinutes, p.resolutionMinutes, p.mode])).toEqual([
      ['General', 60, 120, 1620, 'business'],
      ['High-ticket orders (≥ 200.00)', 15, 30, 540, 'business'],
      ['Livestream channel', 1440, 1440, 4320, 'calendar'],
    ]);
    const high = await ticket(org, { orderValue: { amount: 20_000, currency: 'EUR' } });
    expect(high.nextDueAt?.toISOString()).toBe('2026-01-05T09:15:00.000Z');
    const below = await ticket(org, { orderValue: { amount: 19_999, currency: 'EUR' } });
    expect(below.nextDueAt?.toISOString()).toBe('2026-01-05T10:00:00.000Z');
    // Livestream counts calendar time: Saturday 20:00 + 24 h.
    const live = await ticket(org, { channel: 'livestream', at: '2026-01-10T19:00:00Z' });
    expect(live.nextDueAt?.toISOString()).toBe('2026-01-11T19:00:00.000Z');
    const c = await clocks(org, general.ticketId);
    expect(c.map((x) => [x.metric, x.state, x.dueAt])).toEqual([
      ['first_reply', 'running', '2026-01-05T10:00:00.000Z'],
      // 1620 business minutes = three 9-hour days: Mon 10:00 → Thu 10:00.
      ['resolution', 'running', '2026-01-08T09:00:00.000Z'],
    ]);
  });

  it('a shop without any opening hours counts calendar time instead of failing its tickets', async () => {
    const org = await createTestOrg(ctx);
    const closed = { mon: [], tue: [], wed: [], thu: [], fri: [], sat: [], sun: [] };
    await ctx.services.tenancy.updateShop(actorFor(org, 'owner'), org.shopId, { businessHours: closed });
    const t = await ticket(org, { at: '2026-01-10T20:00:00Z' });
    expect(t.nextDueAt?.toISOString()).toBe('2026-01-10T21:00:00.000Z');
  });

  it('startClocks is idempotent per ticket', async () => {
    const org = await createTestOrg(ctx);
    const t = await ticket(org);
    const again = await ctx.platform.db.tenant(org.orgId, (tx) =>
      sla().startClocks(tx, { orgId: org.orgId, shopId: org.shopId, ticketId: t.ticketId, channel: 'tiktok_chat', priority: 'normal', at: new Date('2026-01-05T12:00:00Z') }),
    );
    expect(again.nextDueAt?.toISOString()).toBe('2026-01-05T10:00:00.000Z');
    expect(await clocks(org, t.ticketId)).toHaveLength(2);
  });
});

describe('timers', () => {
  it('warns at 50 % and 80 % exactly once each, then breaches and escalates once to a supervisor', async () => {
    const org = await createTestOrg(ctx);
    const seen: SlaEscalation[] = [];
    const off = ctx.services.events.slaEscalation.observe(async (e) => {
      if (e.orgId === org.orgId) seen.push(e);
    });
    try {
      // High-ticket: 15 business minutes from Mon 10:00 Berlin.
      const t = await ticket(org, { orderValue: { amount: 50_000, currency: 'EUR' } });
      clock.set('2026-01-05T09:07:29Z');
      expect(await sla().runDueTimers({ orgId: org.orgId })).toEqual({ warnings: 0, breaches: 0, escalations: 0 });
      clock.set('2026-01-05T09:07:30Z');
      expect(await sla().runDueTimers({ orgId: org.orgId })).toEqual({ warnings: 1, breaches: 0, escalations: 0 });
      expect(await sla().runDueTimers({ orgId: org.orgId })).toEqual({ warnings: 0, breaches: 0, escalations: 0 });
      clock.set('2026-01-05T09:12:00Z');
      expect(await sla().runDueTimers({ orgId: org.orgId })).toEqual({ warnings: 1, breaches: 0, escalations: 0 });
      clock.set('2026-01-05T09:14:59.999Z');
      expect(await sla().runDueTimers({ orgId: org.orgId })).toEqual({ warnings: 0, breaches: 0, escalations: 0 });
      clock.set('2026-01-05T09:15:00Z');
      expect(await sla().runDueTimers({ orgId: org.orgId })).toEqual({ warnings: 0, breaches: 1, escalations: 1 });
      clock.set('2026-01-05T09:30:00Z');
      expect(await sla().runDueTimers({ orgId: org.orgId })).toEqual({ warnings: 0, breaches: 0, escalations: 0 });

      expect(seen).toHaveLength(1);
      const first = (await clocks(org, t.ticketId)).find((c) => c.metric === 'first_reply')!;
      expect(seen[0]).toEqual({
        orgId: org.orgId,
        ticketId: t.ticketId,
        shopId: org.shopId,
        clockId: first.id,
        metric: 'first_reply',
        policyId: first.policyId,
        targetMinutes: 15,
        dueAt: new Date('2026-01-05T09:15:00Z'),
        breachedAt: new Date('2026-01-05T09:15:00Z'),
        escalateTo: 'supervisor',
      });
      expect(first.state).toBe('breached');
      expect(first.warningsFired).toEqual([50, 80]);
      expect(kinds(first)).toEqual(['started', 'warning_50', 'warning_80', 'breached', 'escalated']);
      expect(first.events.map((e) => e.at)).toEqual([
        '2026-01-05T09:00:00.000Z',
        '2026-01-05T09:07:30.000Z',
        '2026-01-05T09:12:00.000Z',
        '2026-01-05T09:15:00.000Z',
        '2026-01-05T09:15:00.000Z',
      ]);
      // The ticket still sorts by its (overdue) first-reply due until someone answers.
      const r = await event(org, t.ticketId, 'agent_public_reply', '2026-01-05T09:40:00Z');
      // Resolution: 540 business minutes from Mon 10:00 Berlin = 8 h Monday + 1 h Tuesday.
      expect(r.nextDueAt?.toISOString()).toBe('2026-01-06T09:00:00.000Z');
      const after = (await clocks(org, t.ticketId)).find((c) => c.metric === 'first_reply')!;
      expect([after.state, after.breachedAt, after.stoppedAt, after.stopReason]).toEqual(['stopped', '2026-01-05T09:15:00.000Z', '2026-01-05T09:40:00.000Z', 'reply']);
    } finally {
      off();
    }
  });

  it('an answer written before the due that reaches us after the breach timer ran withdraws the breach', async () => {
    const org = await createTestOrg(ctx);
    const t = await ticket(org, { orderValue: { amount: 50_000, currency: 'EUR' } });
    clock.set('2026-01-05T09:20:00Z');
    await sla().runDueTimers({ orgId: org.orgId });
    expect((await clocks(org, t.ticketId)).find((c) => c.metric === 'first_reply')).toMatchObject({ state: 'breached', breachedAt: '2026-01-05T09:15:00.000Z' });
    // The seller answered on the platform at 09:10; the import brings it in at 09:20.
    await event(org, t.ticketId, 'agent_public_reply', '2026-01-05T09:10:00Z');
    const after = (await clocks(org, t.ticketId)).find((c) => c.metric === 'first_reply')!;
    expect([after.state, after.breachedAt, after.stoppedAt, after.stopReason]).toEqual(['stopped', null, '2026-01-05T09:10:00.000Z', 'reply']);
    expect(after.events.find((e) => e.kind === 'stopped')).toMatchObject({ data: { met: true, breachWithdrawn: true } });
    // One written after the due stays a breach.
    const late = await ticket(org, { orderValue: { amount: 50_000, currency: 'EUR' } });
    clock.set('2026-01-05T09:20:00Z');
    await sla().runDueTimers({ orgId: org.orgId });
    await event(org, late.ticketId, 'agent_public_reply', '2026-01-05T09:16:00Z');
    const l = (await clocks(org, late.ticketId)).find((c) => c.metric === 'first_reply')!;
    expect([l.state, l.breachedAt]).toEqual(['stopped', '2026-01-05T09:15:00.000Z']);
    expect(l.events.find((e) => e.kind === 'stopped')).toMatchObject({ data: { met: false } });
  });

  it('a failing escalation handler is retried by the next run and then recorded once', async () => {
    const org = await createTestOrg(ctx);
    let calls = 0;
    const off = ctx.services.events.slaEscalation.observe(async (e) => {
      if (e.orgId !== org.orgId) return;
      calls++;
      if (calls === 1) throw new Error('helpdesk down');
    });
    try {
      const t = await ticket(org, { orderValue: { amount: 50_000, currency: 'EUR' } });
      clock.set('2026-01-05T09:15:00Z');
      expect(await sla().runDueTimers({ orgId: org.orgId })).toEqual({ warnings: 2, breaches: 1, escalations: 0 });
      clock.set('2026-01-05T09:21:00Z'); // past the 5-minute claim lease
      expect(await sla().runDueTimers({ orgId: org.orgId })).toEqual({ warnings: 0, breaches: 0, escalations: 1 });
      expect(await sla().runDueTimers({ orgId: org.orgId })).toEqual({ warnings: 0, breaches: 0, escalations: 0 });
      expect(calls).toBe(2);
      const first = (await clocks(org, t.ticketId)).find((c) => c.metric === 'first_reply')!;
      expect(kinds(first).filter((k) => k === 'escalated')).toHaveLength(1);
    } finally {
      off();
    }
  });

  it('a stale timer after a stop does nothing', async () => {
    const org = await createTestOrg(ctx);
    const t = await ticket(org);
    const first = (await clocks(org, t.ticketId)).find((c) => c.metric === 'first_reply')!;
    await event(org, t.ticketId, 'agent_public_reply', '2026-01-05T09:20:00Z');
    clock.set('2026-01-05T10:30:00Z');
    // The job scheduled for the started clock carries generation 1; the stop made it 2.
    expect(await sla().fireTimer({ orgId: org.orgId, clockId: first.id, generation: 1 })).toEqual({ warnings: 0, breaches: 0, escalations: 0 });
    expect(await sla().runDueTimers({ orgId: org.orgId })).toEqual({ warnings: 0, breaches: 0, escalations: 0 });
    const after = (await clocks(org, t.ticketId)).find((c) => c.metric === 'first_reply')!;
    expect(after.state).toBe('stopped');
    expect(kinds(after)).toEqual(['started', 'stopped']);
    expect(after.events[1]!.data).toEqual({ reason: 'reply', met: true });
  });

  it('a reply after the due whose timer has not run yet still counts as a breach, without paging anyone', async () => {
    const org = await createTestOrg(ctx);
    let calls = 0;
    const off = ctx.services.events.slaEscalation.observe(async (e) => {
      if (e.orgId === org.orgId) calls++;
    });
    try {
      const t = await ticket(org);
      await event(org, t.ticketId, 'agent_public_reply', '2026-01-05T10:05:00Z');
      expect(await sla().runDueTimers({ orgId: org.orgId })).toEqual({ warnings: 0, breaches: 0, escalations: 0 });
      const first = (await clocks(org, t.ticketId)).find((c) => c.metric === 'first_reply')!;
      expect([first.state, first.breachedAt, first.stoppedAt]).toEqual(['stopped', '2026-01-05T10:00:00.000Z', '2026-01-05T10:05:00.000Z']);
      expect(kinds(first)).toEqual(['started', 'breached', 'stopped']);
      expect(first.events[2]!.data).toEqual({ reason: 'reply', met: false });
      expect(calls).toBe(0);
    } finally {
      off();
    }
  });

  it('a timer for a generation not committed yet asks pg-boss to retry', async () => {
    const org = await createTestOrg(ctx);
    const t = await ticket(org);
    const first = (await clocks(org, t.ticketId)).find((c) => c.metric === 'first_reply')!;
    await expect(sla().fireTimer({ orgId: org.orgId, clockId: first.id, generation: 5 })).rejects.toThrow(/not visible yet/);
  });

  it('the current generation fires through the job handler, exactly at its instant', async () => {
    const org = await createTestOrg(ctx);
    const t = await ticket(org);
    const first = (await clocks(org, t.ticketId)).find((c) => c.metric === 'first_reply')!;
    // The app's clock trails the database's by a second: the job's own instant still counts as reached.
    clock.set('2026-01-05T09:29:59Z');
    expect(await sla().fireTimer({ orgId: org.orgId, clockId: first.id, generation: 1, at: Date.parse('2026-01-05T09:30:00Z') })).toEqual({ warnings: 1, breaches: 0, escalations: 0 });
    // Same job delivered twice: the generation moved on, nothing repeats.
    expect(await sla().fireTimer({ orgId: org.orgId, clockId: first.id, generation: 1, at: Date.parse('2026-01-05T09:30:00Z') })).toEqual({ warnings: 0, breaches: 0, escalations: 0 });
    const c = (await clocks(org, t.ticketId)).find((x) => x.metric === 'first_reply')!;
    expect([c.warningsFired, c.events.at(-1)!.at]).toEqual([[50], '2026-01-05T09:30:00.000Z']);
  });
});

describe('pauses and replies', () => {
  it('waiting on the buyer pauses; resuming shifts the due by exactly the paused business time', async () => {
    const org = await createTestOrg(ctx);
    const t = await ticket(org); // first reply due 10:00Z, resolution due Thu 09:00Z
    await event(org, t.ticketId, 'agent_public_reply', '2026-01-05T09:10:00Z');
    const paused = await event(org, t.ticketId, 'status_changed', '2026-01-05T09:30:00Z', { status: 'waiting_on_buyer' });
    expect(paused.nextDueAt).toBeNull();
    // Paused Mon 10:30 Berlin → Tue 11:00 Berlin = 7.5 h + 2 h = 570 business minutes.
    const resumed = await event(org, t.ticketId, 'status_changed', '2026-01-06T10:00:00Z', { status: 'open' });
    const res = (await clocks(org, t.ticketId)).find((c) => c.metric === 'resolution')!;
    expect(res.pausedBusinessMinutes).toBe(570);
    // Was Thu 10:00 Berlin; 570 more business minutes → Fri 10:30 Berlin.
    expect(res.dueAt).toBe('2026-01-09T09:30:00.000Z');
    expect(resumed.nextDueAt?.toISOString()).toBe('2026-01-09T09:30:00.000Z');
    expect(kinds(res)).toEqual(['started', 'paused', 'resumed']);
    expect(res.events[2]!.data).toMatchObject({ pausedBusinessMinutes: 570, previousDueAt: '2026-01-08T09:00:00.000Z' });
  });

  it('no timer fires for a paused clock', async () => {
    const org = await createTestOrg(ctx);
    const t = await ticket(org);
    await event(org, t.ticketId, 'status_changed', '2026-01-05T09:05:00Z', { status: 'waiting_on_buyer' });
    clock.set('2026-01-07T09:00:00Z');
    expect(await sla().runDueTimers({ orgId: org.orgId })).toEqual({ warnings: 0, breaches: 0, escalations: 0 });
  });

  it('an agent reply stops first reply; the next buyer message starts next reply; the next reply stops it', async () => {
    const org = await createTestOrg(ctx);
    const t = await ticket(org);
    const early = await event(org, t.ticketId, 'buyer_message', '2026-01-05T09:05:00Z');
    expect((await clocks(org, t.ticketId)).map((c) => c.metric)).toEqual(['first_reply', 'resolution']);
    expect(early.nextDueAt?.toISOString()).toBe('2026-01-05T10:00:00.000Z');
    await event(org, t.ticketId, 'agent_public_reply', '2026-01-05T09:20:00Z');
    const r = await event(org, t.ticketId, 'buyer_message', '2026-01-05T16:00:00Z');
    // 120 business minutes from Mon 17:00 Berlin: 1 h today, 1 h Tuesday from 09:00.
    expect(r.nextDueAt?.toISOString()).toBe('2026-01-06T09:00:00.000Z');
    await event(org, t.ticketId, 'buyer_message', '2026-01-05T16:30:00Z');
    let c = await clocks(org, t.ticketId);
    expect(c.map((x) => [x.metric, x.state])).toEqual([
      ['first_reply', 'stopped'],
      ['resolution', 'running'],
      ['next_reply', 'running'],
    ]);
    await event(org, t.ticketId, 'agent_public_reply', '2026-01-06T08:30:00Z');
    c = await clocks(org, t.ticketId);
    expect(c.find((x) => x.metric === 'next_reply')!.state).toBe('stopped');
    // A second round: the new next-reply clock continues the metric's generations.
    await event(org, t.ticketId, 'buyer_message', '2026-01-06T08:40:00Z');
    c = await clocks(org, t.ticketId);
    expect(c.filter((x) => x.metric === 'next_reply').map((x) => [x.state, x.generation])).toEqual([
      ['stopped', 2],
      ['running', 3],
    ]);
    const solved = await event(org, t.ticketId, 'status_changed', '2026-01-06T09:00:00Z', { status: 'solved' });
    expect(solved.nextDueAt).toBeNull();
    c = await clocks(org, t.ticketId);
    expect(c.find((x) => x.metric === 'resolution')!.stopReason).toBe('solved');
  });

  it('a reopened ticket gets a fresh resolution clock', async () => {
    const org = await createTestOrg(ctx);
    const t = await ticket(org);
    await event(org, t.ticketId, 'agent_public_reply', '2026-01-05T09:20:00Z');
    expect((await event(org, t.ticketId, 'status_changed', '2026-01-05T10:00:00Z', { status: 'solved' })).nextDueAt).toBeNull();
    // Reopened Tuesday 10:00 Berlin: 1620 business minutes → Friday 10:00 Berlin.
    const r = await event(org, t.ticketId, 'status_changed', '2026-01-06T09:00:00Z', { status: 'open' });
    expect(r.nextDueAt?.toISOString()).toBe('2026-01-09T09:00:00.000Z');
    const res = (await clocks(org, t.ticketId)).filter((c) => c.metric === 'resolution');
    expect(res.map((c) => [c.state, c.stopReason, c.startedAt])).toEqual([
      ['stopped', 'solved', '2026-01-05T09:00:00.000Z'],
      ['running', null, '2026-01-06T09:00:00.000Z'],
    ]);
  });

  it('a priority change re-selects the policy and records the recalculation', async () => {
    const org = await createTestOrg(ctx);
    await sla().createPolicy(actorFor(org, 'supervisor'), { name: 'Urgent', priority: 'urgent', firstReplyMinutes: 10 });
    const t = await ticket(org);
    const r = await event(org, t.ticketId, 'priority_changed', '2026-01-05T09:02:00Z', { priority: 'urgent' });
    expect(r.nextDueAt?.toISOString()).toBe('2026-01-05T09:10:00.000Z');
    const first = (await clocks(org, t.ticketId)).find((c) => c.metric === 'first_reply')!;
    expect(kinds(first)).toEqual(['started', 'recalculated']);
    expect(first.events[1]!.data).toMatchObject({ fromTargetMinutes: 60, toTargetMinutes: 10, previousDueAt: '2026-01-05T10:00:00.000Z' });
  });
});

describe('audit', () => {
  it('clock events are append-only for the application role', async () => {
    const org = await createTestOrg(ctx);
    const t = await ticket(org);
    const denied = async (q: ReturnType<typeof sql>) => {
      const e = await ctx.platform.db.tenant(org.orgId, (tx) => tx.execute(q)).then(() => undefined, (err: { cause?: { code?: string }; code?: string }) => err);
      return e?.cause?.code ?? e?.code;
    };
    // 42501 = insufficient_privilege
    expect(await denied(sql`update sla_clock_events set kind = 'stopped' where ticket_id = ${t.ticketId}`)).toBe('42501');
    expect(await denied(sql`delete from sla_clock_events where ticket_id = ${t.ticketId}`)).toBe('42501');
    expect((await clocks(org, t.ticketId)).flatMap(kinds)).toEqual(['started', 'started']);
  });
});

describe('imported history', () => {
  it('a ticket that arrives already overdue records the breach but warns and escalates nobody', async () => {
    const org = await createTestOrg(ctx);
    let calls = 0;
    const off = ctx.services.events.slaEscalation.observe(async (e) => {
      if (e.orgId === org.orgId) calls++;
    });
    try {
      const ticketId = newId('tkt');
      clock.set('2026-01-07T09:00:00Z');
      // The buyer wrote on Monday; the shop was connected (and the chat imported) on Wednesday.
      const r = await ctx.platform.db.tenant(org.orgId, (tx) =>
        sla().startClocks(tx, { orgId: org.orgId, shopId: org.shopId, ticketId, channel: 'tiktok_chat', priority: 'normal', at: new Date('2026-01-05T09:00:00Z') }),
      );
      expect(r.nextDueAt?.toISOString()).toBe('2026-01-05T10:00:00.000Z');
      expect(await sla().runDueTimers({ orgId: org.orgId })).toEqual({ warnings: 0, breaches: 1, escalations: 0 });
      const first = (await clocks(org, ticketId)).find((c) => c.metric === 'first_reply')!;
      expect(kinds(first)).toEqual(['started', 'breached']);
      expect(first.events[1]!.data).toMatchObject({ overdueOnArrival: true });
      expect([first.state, first.escalatedAt, calls]).toEqual(['breached', null, 0]);
      // The resolution clock (due Thursday) is still ahead: it will warn and escalate normally.
      const res = (await clocks(org, ticketId)).find((c) => c.metric === 'resolution')!;
      expect([res.state, res.dueAt]).toEqual(['running', '2026-01-08T09:00:00.000Z']);
    } finally {
      off();
    }
  });

  it('a clock imported part-way skips only the warnings already behind it', async () => {
    const org = await createTestOrg(ctx);
    const ticketId = newId('tkt');
    // Imported 40 minutes after the buyer wrote: 50 % (30 min) is behind, 80 % (48 min) ahead.
    clock.set('2026-01-05T09:40:00Z');
    await ctx.platform.db.tenant(org.orgId, (tx) =>
      sla().startClocks(tx, { orgId: org.orgId, shopId: org.shopId, ticketId, channel: 'tiktok_chat', priority: 'normal', at: new Date('2026-01-05T09:00:00Z') }),
    );
    expect(await sla().runDueTimers({ orgId: org.orgId })).toEqual({ warnings: 0, breaches: 0, escalations: 0 });
    let first = (await clocks(org, ticketId)).find((c) => c.metric === 'first_reply')!;
    expect([first.warningsFired, kinds(first)]).toEqual([[50], ['started']]);
    clock.set('2026-01-05T09:48:00Z');
    expect(await sla().runDueTimers({ orgId: org.orgId })).toEqual({ warnings: 1, breaches: 0, escalations: 0 });
    first = (await clocks(org, ticketId)).find((c) => c.metric === 'first_reply')!;
    expect(kinds(first)).toEqual(['started', 'warning_80']);
  });
});

describe('catch-up after downtime', () => {
  it('timers whose instants passed while no worker ran fire when the worker starts', async () => {
    const org = await createTestOrg(ctx);
    const t = await ticket(org, { orderValue: { amount: 30_000, currency: 'EUR' } });
    // Down from 10:01 to 11:00 Berlin: the 50 %, 80 % and breach instants all passed meanwhile.
    clock.set('2026-01-05T10:00:00Z');
    await registerSlaJobs(undefined, silentLogger, sla());
    const first = (await clocks(org, t.ticketId)).find((c) => c.metric === 'first_reply')!;
    expect(kinds(first)).toEqual(['started', 'warning_50', 'warning_80', 'breached']);
    expect(first.events.slice(1).map((e) => [e.at, e.data.firedAt])).toEqual([
      ['2026-01-05T09:07:30.000Z', '2026-01-05T10:00:00.000Z'],
      ['2026-01-05T09:12:00.000Z', '2026-01-05T10:00:00.000Z'],
      ['2026-01-05T09:15:00.000Z', '2026-01-05T10:00:00.000Z'],
    ]);
  });
});
