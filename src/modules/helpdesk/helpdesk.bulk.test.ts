import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../../../test/helpers/context.js';
import { createTestOrg, type TestOrg } from '../../../test/helpers/org.js';
import { ManualClock } from '../../platform/clock.js';
import { evidenceRecords as evidenceRecordsTable } from '../evidence/evidence.schema.js';

let ctx: TestContext;
const clock = new ManualClock('2026-03-03T09:30:00Z');

beforeAll(async () => {
  ctx = await createTestContext({ clock });
});
afterAll(async () => {
  await ctx?.close();
});

async function call(org: TestOrg, role: 'owner' | 'supervisor' | 'agent' | 'warehouse', url: string, payload: unknown) {
  const res = await ctx.app.inject({ method: 'POST', url, headers: { cookie: await org.cookie(role) }, payload: payload as object });
  return { status: res.statusCode, body: res.json() as Record<string, any> };
}

let seq = 0;
async function ticket(org: TestOrg, text = 'Where is my parcel? It has not moved for a week.'): Promise<string> {
  seq += 1;
  const r = await ctx.services.helpdesk.ingestInbound({
    orgId: org.orgId,
    shopId: org.shopId,
    channel: 'tiktok_chat',
    externalThreadId: `bulk-conv-${seq}`,
    externalMessageId: `bulk-msg-${seq}`,
    buyer: { externalId: `bulk-buyer-${seq}`, name: `Buyer ${seq}` },
    direction: 'inbound',
    text,
    sentAt: clock.now().toISOString(),
  });
  return r.ticketId;
}

async function stored(org: TestOrg, id: string) {
  const t = await ctx.services.helpdesk.getTicket({ orgId: org.orgId, userId: org.users.owner.id, role: 'owner' }, id);
  return t.ticket;
}

/** The SLA engine's event log for a ticket, minus ids and the ticket id (so two tickets compare). */
async function clockEvents(org: TestOrg, id: string) {
  const r = await ctx.platform.db.tenant(org.orgId, (tx) =>
    tx.execute(sql`select metric, kind, at, generation, due_at from sla_clock_events where org_id = ${org.orgId} and ticket_id = ${id} order by at, metric, kind`),
  );
  return (r.rows as { metric: string; kind: string; at: Date | string; generation: number; due_at: Date | string | null }[]).map((e) => ({
    metric: e.metric,
    kind: e.kind,
    at: new Date(e.at).toISOString(),
    generation: e.generation,
    dueAt: e.due_at ? new Date(e.due_at).toISOString() : null,
  }));
}

describe('POST /api/tickets/bulk', () => {
  it('reports a result per ticket: the closed one is refused, the others change', async () => {
    const org = await createTestOrg(ctx);
    const [a, b, c] = [await ticket(org), await ticket(org), await ticket(org)];
    expect((await call(org, 'agent', `/api/tickets/${b}/status`, { status: 'closed' })).status).toBe(200);

    const r = await call(org, 'agent', '/api/tickets/bulk', { ticketIds: [a, b, c], action: { kind: 'status', status: 'waiting_on_buyer' } });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({
      results: [
        { ticketId: a, ok: true },
        { ticketId: b, ok: false, code: 'tickets.bad_status_change', kind: 'conflict', message: expect.any(String) },
        { ticketId: c, ok: true },
      ],
    });
    expect([(await stored(org, a)).status, (await stored(org, b)).status, (await stored(org, c)).status]).toEqual(['waiting_on_buyer', 'closed', 'waiting_on_buyer']);

    // Priority, tags and assignment go through the same per-ticket rules.
    const p = await call(org, 'agent', '/api/tickets/bulk', { ticketIds: [a, c], action: { kind: 'priority', priority: 'urgent' } });
    expect(p.body.results).toEqual([
      { ticketId: a, ok: true },
      { ticketId: c, ok: true },
    ]);
    const tg = await call(org, 'agent', '/api/tickets/bulk', { ticketIds: [a, c], action: { kind: 'tags', add: ['late-parcel', 'vip'] } });
    expect(tg.body.results.every((x: { ok: boolean }) => x.ok)).toBe(true);
    await call(org, 'agent', '/api/tickets/bulk', { ticketIds: [c], action: { kind: 'tags', remove: ['vip'] } });
    expect((await stored(org, a)).tags).toEqual(['late-parcel', 'vip']);
    expect((await stored(org, c)).tags).toEqual(['late-parcel']);
    expect((await stored(org, a)).priority).toBe('urgent');

    // The supervisor takes c; an agent may then take a (unowned) but not c (someone else's).
    expect((await call(org, 'supervisor', '/api/tickets/bulk', { ticketIds: [c], action: { kind: 'assign', assigneeId: org.users.supervisor.id } })).body.results).toEqual([{ ticketId: c, ok: true }]);
    const take = await call(org, 'agent', '/api/tickets/bulk', { ticketIds: [a, c], action: { kind: 'assign', assigneeId: org.users.agent.id } });
    expect(take.body.results).toEqual([
      { ticketId: a, ok: true },
      { ticketId: c, ok: false, code: 'tickets.reassign_forbidden', kind: 'forbidden', message: expect.any(String) },
    ]);
    expect((await stored(org, a)).assigneeId).toBe(org.users.agent.id);
    expect((await stored(org, c)).assigneeId).toBe(org.users.supervisor.id);
  });

  it("answers not_found for another organisation's ticket and leaves it untouched", async () => {
    const mine = await createTestOrg(ctx);
    const theirs = await createTestOrg(ctx);
    const own = await ticket(mine);
    const foreign = await ticket(theirs);
    const r = await call(mine, 'supervisor', '/api/tickets/bulk', { ticketIds: [foreign, own, 'tkt_nothing'], action: { kind: 'priority', priority: 'low' } });
    expect(r.status).toBe(200);
    expect(r.body.results).toEqual([
      { ticketId: foreign, ok: false, code: 'ticket.not_found', kind: 'not_found', message: `ticket ${foreign} was not found` },
      { ticketId: own, ok: true },
      { ticketId: 'tkt_nothing', ok: false, code: 'ticket.not_found', kind: 'not_found', message: 'ticket tkt_nothing was not found' },
    ]);
    expect((await stored(theirs, foreign)).priority).not.toBe('low');
    expect((await stored(mine, own)).priority).toBe('low');
  });

  it('refuses bad input with 400 naming the field', async () => {
    const org = await createTestOrg(ctx);
    const id = await ticket(org);
    const action = { kind: 'status', status: 'open' };
    const fields = async (body: unknown) => {
      const r = await call(org, 'agent', '/api/tickets/bulk', body);
      expect(r.status).toBe(400);
      return r.body.details.issues.map((i: { field: string }) => i.field);
    };
    expect(await fields({ ticketIds: [], action })).toEqual(['ticketIds']);
    expect(await fields({ ticketIds: Array.from({ length: 101 }, (_, i) => `tkt_${i}`), action })).toEqual(['ticketIds']);
    expect(await fields({ ticketIds: [id, id], action })).toEqual(['ticketIds']);
    expect(await fields({ ticketIds: [id], action: { kind: 'status', status: 'done' } })).toEqual(['action.status']);
    expect(await fields({ ticketIds: [id], action: { kind: 'tags' } })).toEqual(['action.add']);
    expect(await fields({ ticketIds: [id], action: { kind: 'assign', assigneeId: null, queue: 'x' } })).toEqual(['action.queue']);
    // 100 distinct ids are accepted (unknown ones answer not_found one by one).
    const hundred = await call(org, 'agent', '/api/tickets/bulk', { ticketIds: [id, ...Array.from({ length: 99 }, (_, i) => `tkt_none_${i}`)], action });
    expect(hundred.status).toBe(200);
    expect(hundred.body.results).toHaveLength(100);
    expect(hundred.body.results.filter((x: { ok: boolean }) => x.ok)).toEqual([{ ticketId: id, ok: true }]);
  });

  it('refuses a role that may not do the action at all as a whole (403), like the single endpoint', async () => {
    const org = await createTestOrg(ctx);
    const id = await ticket(org);
    const single = await call(org, 'warehouse', `/api/tickets/${id}/status`, { status: 'solved' });
    const bulk = await call(org, 'warehouse', '/api/tickets/bulk', { ticketIds: [id], action: { kind: 'status', status: 'solved' } });
    expect([single.status, single.body.code]).toEqual([403, 'tickets.warehouse_status']);
    expect([bulk.status, bulk.body.code]).toEqual([403, 'tickets.warehouse_status']);
    const prio = await call(org, 'warehouse', '/api/tickets/bulk', { ticketIds: [id], action: { kind: 'priority', priority: 'high' } });
    expect([prio.status, prio.body.code]).toEqual([403, 'auth.role_forbidden']);
    // Warehouse may mark waiting on warehouse, in bulk as well.
    const ok = await call(org, 'warehouse', '/api/tickets/bulk', { ticketIds: [id], action: { kind: 'status', status: 'waiting_on_warehouse' } });
    expect(ok.body.results).toEqual([{ ticketId: id, ok: true }]);
    expect((await stored(org, id)).status).toBe('waiting_on_warehouse');
  });

  it('has exactly the effect of the single endpoint: status, SLA clock events, due, evidence', async () => {
    const org = await createTestOrg(ctx);
    clock.set('2026-03-03T10:00:00Z');
    const viaSingle = await ticket(org);
    const viaBulk = await ticket(org);
    clock.set('2026-03-03T10:05:00Z');
    const s = await call(org, 'agent', `/api/tickets/${viaSingle}/status`, { status: 'waiting_on_buyer' });
    const b = await call(org, 'agent', '/api/tickets/bulk', { ticketIds: [viaBulk], action: { kind: 'status', status: 'waiting_on_buyer' } });
    expect(s.status).toBe(200);
    expect(b.body.results).toEqual([{ ticketId: viaBulk, ok: true }]);

    const one = await stored(org, viaSingle);
    const other = await stored(org, viaBulk);
    const pick = (t: typeof one) => ({ status: t.status, slaDueAt: t.slaDueAt?.toISOString() ?? null, updatedAt: t.updatedAt.toISOString(), solvedAt: t.solvedAt });
    expect(pick(other)).toEqual(pick(one));
    expect(pick(other)).toMatchObject({ status: 'waiting_on_buyer', slaDueAt: null, updatedAt: '2026-03-03T10:05:00.000Z' });

    const evSingle = await clockEvents(org, viaSingle);
    const evBulk = await clockEvents(org, viaBulk);
    expect(evBulk).toEqual(evSingle);
    // The status change reached the SLA engine at the change's time (clocks paused while waiting on the buyer).
    expect(evBulk.filter((e) => e.at === '2026-03-03T10:05:00.000Z').length).toBeGreaterThan(0);

    const evidence = (id: string) =>
      ctx.platform.db.tenant(org.orgId, (tx) =>
        tx
          .select({ kind: evidenceRecordsTable.kind, data: evidenceRecordsTable.data, at: evidenceRecordsTable.occurredAt })
          .from(evidenceRecordsTable)
          .where(and(eq(evidenceRecordsTable.orgId, org.orgId), eq(evidenceRecordsTable.caseId, id)))
          .orderBy(evidenceRecordsTable.occurredAt),
      );
    // Creation records differ (ids, routing load); the records of the change itself must not.
    const change = async (id: string) => (await evidence(id)).filter((e) => e.at.toISOString() === '2026-03-03T10:05:00.000Z').map(({ kind, data }) => ({ kind, data }));
    expect(await change(viaBulk)).toEqual(await change(viaSingle));
    expect(await change(viaBulk)).toEqual([{ kind: 'status_change', data: { from: 'new', to: 'waiting_on_buyer', reason: null } }]);
  });
});
