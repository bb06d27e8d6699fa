import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/platform/clock.js';
import { newId } from '../../src/platform/ids.js';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { createTestOrg, type TestOrg } from '../helpers/org.js';

let ctx: TestContext;
let org: TestOrg;
// Sessions expire on this clock too, so every instant in this file stays on one day.
const clock = new ManualClock('2026-02-04T08:00:00Z');
beforeAll(async () => {
  ctx = await createTestContext({ clock, slaEscalation: false });
  org = await createTestOrg(ctx, { market: 'DE', region: 'BY' });
});
afterAll(async () => {
  await ctx?.close();
});

async function get(url: string, role: 'owner' | 'supervisor' | 'agent' | 'warehouse' = 'agent') {
  return ctx.app.inject({ method: 'GET', url, headers: { cookie: await org.cookie(role) } });
}

describe('GET /api/sla/due', () => {
  const q = (o: Record<string, string>) => new URLSearchParams({ timezone: 'Europe/Berlin', country: 'DE', region: 'BY', hours: 'Mon-Fri 09:00-18:00', start: '2026-01-05T17:30:00+01:00', minutes: '60', ...o }).toString();

  it('computes the due with the explanation', async () => {
    const res = await get(`/api/sla/due?${q({})}`);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      due: '2026-01-07T09:30:00+01:00',
      dueUtc: '2026-01-07T08:30:00.000Z',
      start: '2026-01-05T17:30:00+01:00',
      minutes: 60,
      mode: 'business',
      timeZone: 'Europe/Berlin',
      hours: 'Mon-Fri 09:00-18:00',
      holidaysSkipped: [{ date: '2026-01-06', name: 'Heilige Drei Könige' }],
      segments: [
        { from: '2026-01-05T17:30:00+01:00', to: '2026-01-05T18:00:00+01:00', minutes: 30 },
        { from: '2026-01-07T09:00:00+01:00', to: '2026-01-07T09:30:00+01:00', minutes: 30 },
      ],
    });
  });

  it.each([
    [{ timezone: 'Mars/Olympus' }, 'querystring.timezone'],
    [{ start: 'tomorrow' }, 'querystring.start'],
    [{ minutes: 'ten' }, 'querystring.minutes'],
    [{ hours: 'Mon-Fri 9 to 6' }, 'querystring.hours'],
    [{ country: 'XX' }, 'querystring.country'],
    [{ region: 'QQ' }, 'querystring.region'],
    [{ colour: 'blue' }, 'querystring.colour'],
  ])('400 names the bad field (%j)', async (patch, field) => {
    const res = await get(`/api/sla/due?${q(patch)}`);
    expect(res.statusCode).toBe(400);
    expect(res.json().details.issues.map((i: { field: string }) => i.field)).toEqual([field]);
  });

  it('needs a session', async () => {
    const res = await ctx.app.inject({ method: 'GET', url: `/api/sla/due?${q({})}` });
    expect(res.statusCode).toBe(401);
  });

  it("uses a shop's own calendar", async () => {
    const res = await get(`/api/sla/shops/${org.shopId}/due?start=${encodeURIComponent('2026-01-05T17:30:00+01:00')}&minutes=60`);
    expect(res.statusCode).toBe(200);
    expect(res.json().due).toBe('2026-01-07T09:30:00+01:00');
    const other = await createTestOrg(ctx);
    const res404 = await get(`/api/sla/shops/${other.shopId}/due?start=2026-01-05T17:30:00Z&minutes=60`);
    expect(res404.statusCode).toBe(404);
  });
});

describe('policies', () => {
  it('lists the seeded defaults; supervisors create and change policies; agents may not', async () => {
    const list = await get('/api/sla/policies');
    expect(list.statusCode).toBe(200);
    expect(list.json().items.map((p: { name: string }) => p.name)).toEqual(['General', 'High-ticket orders (≥ 200.00)', 'Livestream channel']);

    const body = { name: 'WhatsApp VIP', channel: 'whatsapp', priority: 'high', firstReplyMinutes: 10, warningPercents: [75, 25] };
    const denied = await ctx.app.inject({ method: 'POST', url: '/api/sla/policies', headers: { cookie: await org.cookie('agent') }, payload: body });
    expect(denied.statusCode).toBe(403);
    const created = await ctx.app.inject({ method: 'POST', url: '/api/sla/policies', headers: { cookie: await org.cookie('supervisor') }, payload: body });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({ name: 'WhatsApp VIP', channel: 'whatsapp', priority: 'high', firstReplyMinutes: 10, nextReplyMinutes: null, mode: 'business', warningPercents: [25, 75], active: true });
    const dup = await ctx.app.inject({ method: 'POST', url: '/api/sla/policies', headers: { cookie: await org.cookie('owner') }, payload: body });
    expect(dup.statusCode).toBe(409);

    const id = created.json().id;
    const one = await get(`/api/sla/policies/${id}`);
    expect(one.json()).toEqual(created.json());
    const other = await createTestOrg(ctx);
    const foreign = await ctx.app.inject({ method: 'GET', url: `/api/sla/policies/${id}`, headers: { cookie: await other.cookie('owner') } });
    expect(foreign.statusCode).toBe(404);
    const patched = await ctx.app.inject({ method: 'PATCH', url: `/api/sla/policies/${id}`, headers: { cookie: await org.cookie('owner') }, payload: { firstReplyMinutes: 20, mode: 'calendar' } });
    expect(patched.statusCode).toBe(200);
    expect(patched.json()).toMatchObject({ firstReplyMinutes: 20, mode: 'calendar' });
    const emptied = await ctx.app.inject({ method: 'PATCH', url: `/api/sla/policies/${id}`, headers: { cookie: await org.cookie('owner') }, payload: { firstReplyMinutes: null } });
    expect(emptied.statusCode).toBe(400);
    expect(emptied.json().details.issues[0].field).toBe('firstReplyMinutes');
    const off = await ctx.app.inject({ method: 'DELETE', url: `/api/sla/policies/${id}`, headers: { cookie: await org.cookie('supervisor') } });
    expect(off.json().active).toBe(false);
  });

  it('400 names the bad field in a policy body', async () => {
    const cookie = await org.cookie('owner');
    const bad = await ctx.app.inject({ method: 'POST', url: '/api/sla/policies', headers: { cookie }, payload: { name: 'X', firstReplyMinutes: 0 } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().details.issues.map((i: { field: string }) => i.field)).toEqual(['firstReplyMinutes']);
    const unknown = await ctx.app.inject({ method: 'POST', url: '/api/sla/policies', headers: { cookie }, payload: { name: 'Y', firstReplyMinutes: 5, colour: 'red' } });
    expect(unknown.json().details.issues.map((i: { field: string }) => i.field)).toEqual(['colour']);
    const shop = await ctx.app.inject({ method: 'POST', url: '/api/sla/policies', headers: { cookie }, payload: { name: 'Z', shopId: 'shp_nope', firstReplyMinutes: 5 } });
    expect(shop.statusCode).toBe(400);
    expect(shop.json().details.issues[0].field).toBe('shopId');
  });
});

describe('clocks and attainment', () => {
  it("shows a ticket's clocks with events, 404 for another org's ticket, and reports attainment", async () => {
    const sla = ctx.services.sla;
    const mk = async (at: string, orderValue?: { amount: number; currency: string }) => {
      const ticketId = newId('tkt');
      clock.set(at);
      await ctx.platform.db.tenant(org.orgId, (tx) => sla.startClocks(tx, { orgId: org.orgId, shopId: org.shopId, ticketId, channel: 'tiktok_chat', priority: 'normal', orderValue, at: new Date(at) }));
      return ticketId;
    };
    const reply = (ticketId: string, at: string) => {
      clock.set(at);
      return ctx.platform.db.tenant(org.orgId, (tx) => sla.recordEvent(tx, { orgId: org.orgId, ticketId, kind: 'agent_public_reply', at: new Date(at) }));
    };
    // Wednesday 2026-02-04, Berlin 10:00: three tickets answered after 10, 30 and 90 minutes (general target 60).
    const a = await mk('2026-02-04T09:00:00Z');
    const b = await mk('2026-02-04T09:00:00Z');
    const c = await mk('2026-02-04T09:00:00Z');
    await reply(a, '2026-02-04T09:10:00Z');
    await reply(b, '2026-02-04T09:30:00Z');
    clock.set('2026-02-04T10:00:00Z');
    await sla.runDueTimers({ orgId: org.orgId });
    await reply(c, '2026-02-04T10:30:00Z');

    const res = await get(`/api/sla/tickets/${c}/clocks`);
    expect(res.statusCode).toBe(200);
    const first = res.json().items.find((x: { metric: string }) => x.metric === 'first_reply');
    expect(first).toMatchObject({ state: 'stopped', dueAt: '2026-02-04T10:00:00.000Z', breachedAt: '2026-02-04T10:00:00.000Z', stoppedAt: '2026-02-04T10:30:00.000Z', stopReason: 'reply' });
    expect(first.events.map((e: { kind: string }) => e.kind)).toEqual(['started', 'warning_50', 'warning_80', 'breached', 'stopped']);

    const other = await createTestOrg(ctx);
    const foreign = await ctx.app.inject({ method: 'GET', url: `/api/sla/tickets/${c}/clocks`, headers: { cookie: await other.cookie('agent') } });
    expect(foreign.statusCode).toBe(404);

    const report = await get(`/api/sla/attainment?from=2026-02-01T00:00:00Z&to=2026-03-01T00:00:00Z&shopId=${org.shopId}`, 'supervisor');
    expect(report.statusCode).toBe(200);
    expect(report.json().items).toEqual([
      { shopId: org.shopId, metric: 'first_reply', count: 3, met: 2, breached: 1, open: 0, attainmentPercent: 66.7, p50FirstReplyMinutes: 30, p90FirstReplyMinutes: 78 },
      { shopId: org.shopId, metric: 'resolution', count: 3, met: 0, breached: 0, open: 3, attainmentPercent: null, p50FirstReplyMinutes: null, p90FirstReplyMinutes: null },
    ]);
    expect((await get('/api/sla/attainment?from=2026-02-01T00:00:00Z&to=2026-03-01T00:00:00Z', 'agent')).statusCode).toBe(403);
    const badRange = await get('/api/sla/attainment?from=2026-03-01T00:00:00Z&to=2026-02-01T00:00:00Z', 'owner');
    expect(badRange.statusCode).toBe(400);
    expect(badRange.json().details.issues[0].field).toBe('to');
  });

  it('documents every SLA route under the sla tag', async () => {
    const doc = (await ctx.app.inject({ method: 'GET', url: '/docs/json' })).json();
    const slaPaths = Object.entries(doc.paths as Record<string, Record<string, { tags?: string[]; summary?: string }>>).filter(([p]) => p.startsWith('/api/sla/'));
    expect(slaPaths.map(([p]) => p).sort()).toEqual(['/api/sla/attainment', '/api/sla/due', '/api/sla/policies', '/api/sla/policies/{id}', '/api/sla/shops/{id}/due', '/api/sla/tickets/{ticketId}/clocks']);
    for (const [, ops] of slaPaths) for (const op of Object.values(ops)) expect([op.tags, typeof op.summary]).toEqual([['sla'], 'string']);
  });
});
