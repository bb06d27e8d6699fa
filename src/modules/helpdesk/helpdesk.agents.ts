import { and, eq, sql } from 'drizzle-orm';
import { statement, type Executor } from '../../platform/db.js';
import { AppError } from '../../platform/errors.js';
import { requireRole, type Actor } from '../../platform/tenancy.js';
import { deskPeopleIn, routableAgentsIn, userIn } from '../auth/index.js';
import { shopIn, type BusinessHours } from '../tenancy/index.js';
import { SUPERVISOR_ROLES, type HelpdeskCore, type TicketRow } from './helpdesk.core.js';
import { isOnShift, routeTicket, type RoutingDecision } from './helpdesk.rules.js';
import { agentSchedules, routingState, tickets } from './helpdesk.schema.js';

/** The queue's cursor row, created or locked (every routed ticket): rendered once (`statement()`, platform/db.ts). */
const lockCursor = statement((db) =>
  db
    .insert(routingState)
    .values({ orgId: sql.placeholder('orgId'), id: sql.placeholder('id'), lastUserId: null, updatedAt: sql.placeholder('updatedAt') })
    .onConflictDoUpdate({ target: [routingState.orgId, routingState.id], set: { lastUserId: sql`${routingState.lastUserId}` } })
    .returning({ lastUserId: routingState.lastUserId }),
);

/**
 * Route within one transaction: candidates, their live load, shifts and the queue's cursor.
 * `shop` is the ticket's shop when the caller already read it (the ingest did), saving a read.
 */
export async function decideRoute(tx: Executor, orgId: string, t: { language: string; queue: string; shopId: string }, category: string | null | undefined, now: Date, shop?: { id: string; brandId: string }): Promise<RoutingDecision> {
  // Only people whose brand limit covers the ticket's shop can see it, so only they may get it.
  const brandId = shop && shop.id === t.shopId ? shop.brandId : (await shopIn(tx, orgId, t.shopId)).brandId;
  const people = await routableAgentsIn(tx, orgId, brandId);
  if (!people.length) return { assigneeId: null, reason: 'no agents', wanted: [] };
  const userIds = people.map((p) => p.id);
  // Each candidate's open load and shift in one round trip.
  const facts = await tx.execute(sql`select u.id, coalesce(l.n, 0)::int as n, coalesce(l.rows, 0)::int as rows, s.time_zone, s.hours
    from unnest(${sql.param(userIds)}::text[]) as u(id)
    left join lateral (select sum(delta) as n, count(*) as rows from ticket_assignee_loads where org_id = ${orgId} and user_id = u.id) l on true
    left join agent_schedules s on s.org_id = ${orgId} and s.id = u.id`);
  const rows = facts.rows as { id: string; n: number; rows: number; time_zone: string | null; hours: BusinessHours | null }[];
  if (rows.reduce((a, x) => a + x.rows, 0) > LOAD_ROWS_FOLD_AT) await foldLoads(tx, orgId);
  const loads = rows.map((x) => ({ id: x.id, n: x.n }));
  const schedules = rows.flatMap((x) => (x.time_zone && x.hours ? [{ id: x.id, timeZone: x.time_zone, hours: x.hours }] : []));
  // The queue's cursor row, locked until commit — created first when the queue has none yet. A
  // plain SELECT … FOR UPDATE locks nothing while the row is missing, so the first routings of a
  // new queue took the ticket counter before the cursor and later ones the other way round:
  // concurrent ingests deadlocked. The no-op update locks the row whether it was there or not.
  const [state] = await lockCursor(tx, { orgId, id: t.queue, updatedAt: now });
  const loadOf = new Map(loads.map((l) => [l.id, l.n]));
  const schedOf = new Map(schedules.map((s) => [s.id, { timeZone: s.timeZone, hours: s.hours }]));
  return routeTicket({
    language: t.language,
    queue: t.queue,
    category,
    now,
    lastAssignedId: state?.lastUserId ?? null,
    agents: people.map((p) => ({ ...p, load: loadOf.get(p.id) ?? 0, schedule: schedOf.get(p.id) ?? null })),
  });
}

/** Past this many load rows of the candidates, routing folds the organisation's rows into one per agent. */
export const LOAD_ROWS_FOLD_AT = 200;

/**
 * The open tickets each person holds, summed from the +1/-1 rows the tickets trigger appends
 * (migration 0212) instead of counting the organisation's open tickets. When the candidates' rows
 * pile up, the organisation's rows are folded into one per agent in this transaction: the DELETE
 * takes only rows committed before it (a concurrent fold waits, then skips what this one took),
 * so every +1/-1 is counted exactly once, before and after.
 */
export async function openLoads(tx: Executor, orgId: string, userIds: string[]): Promise<{ id: string; n: number }[]> {
  const r = await tx.execute(sql`select user_id as id, sum(delta)::int as n, count(*)::int as rows from ticket_assignee_loads
    where org_id = ${orgId} and user_id = any(${sql.param(userIds)}::text[]) group by user_id`);
  const rows = r.rows as { id: string; n: number; rows: number }[];
  if (rows.reduce((a, x) => a + x.rows, 0) > LOAD_ROWS_FOLD_AT) await foldLoads(tx, orgId);
  return rows.map(({ id, n }) => ({ id, n }));
}

async function foldLoads(tx: Executor, orgId: string): Promise<void> {
  await tx.execute(sql`with taken as (delete from ticket_assignee_loads where org_id = ${orgId} returning user_id, delta)
    insert into ticket_assignee_loads (org_id, user_id, delta)
    select ${orgId}, user_id, sum(delta)::int from taken group by user_id having sum(delta) <> 0`);
}

/** Move the queue's round-robin cursor to whoever just got a ticket from it. */
export async function rememberRoute(tx: Executor, orgId: string, queue: string, userId: string, now: Date): Promise<void> {
  await tx
    .insert(routingState)
    .values({ orgId, id: queue, lastUserId: userId, updatedAt: now })
    .onConflictDoUpdate({ target: [routingState.orgId, routingState.id], set: { lastUserId: userId, updatedAt: now } });
}

/** Agents and routing: who can take tickets, their shifts, and re-running the router. */
export function createAgents(core: HelpdeskCore) {
  const { db, clock } = core;

  const agents = {
    /** Who can take tickets: languages, skills, shift, live load (assignment pickers, supervisor view). */
    async listAgents(actor: Actor): Promise<{ id: string; name: string; role: string; languages: string[]; skills: string[]; load: number; onShift: boolean; schedule: { timeZone: string; hours: BusinessHours } | null }[]> {
      const now = clock.now();
      return db.tenant(actor.orgId, async (tx) => {
        const people = await deskPeopleIn(tx, actor.orgId);
        const loads = await tx
          .select({ id: tickets.assigneeId, n: sql<number>`count(*)::int` })
          .from(tickets)
          .where(and(eq(tickets.orgId, actor.orgId), sql`${tickets.assigneeId} is not null`, sql`${tickets.status} not in ('solved', 'closed')`))
          .groupBy(tickets.assigneeId);
        const schedules = await tx.select().from(agentSchedules).where(eq(agentSchedules.orgId, actor.orgId));
        const loadOf = new Map(loads.map((l) => [l.id, l.n]));
        const schedOf = new Map(schedules.map((x) => [x.id, { timeZone: x.timeZone, hours: x.hours }]));
        return people.map(({ id, name, role, languages, skills }) => {
          const schedule = schedOf.get(id) ?? null;
          return { id, name, role, languages, skills, load: loadOf.get(id) ?? 0, schedule, onShift: isOnShift(schedule, now) };
        });
      });
    },

    async getSchedule(actor: Actor, userId: string): Promise<{ timeZone: string; hours: Record<string, { start: string; end: string }[]> } | null> {
      return db.tenant(actor.orgId, async (tx) => {
        if (!(await userIn(tx, actor.orgId, userId))) throw AppError.notFound('user', userId);
        const [s] = await tx.select().from(agentSchedules).where(and(eq(agentSchedules.orgId, actor.orgId), eq(agentSchedules.id, userId)));
        return s ? { timeZone: s.timeZone, hours: s.hours } : null;
      });
    },

    async setSchedule(actor: Actor, userId: string, input: { timeZone: string; hours: BusinessHours }): Promise<void> {
      if (actor.userId !== userId) requireRole(actor, SUPERVISOR_ROLES, "changing another person's shift");
      const now = clock.now();
      await db.tenant(actor.orgId, async (tx) => {
        if (!(await userIn(tx, actor.orgId, userId))) throw AppError.notFound('user', userId);
        await tx
          .insert(agentSchedules)
          .values({ orgId: actor.orgId, id: userId, timeZone: input.timeZone, hours: input.hours, updatedAt: now })
          .onConflictDoUpdate({ target: [agentSchedules.orgId, agentSchedules.id], set: { timeZone: input.timeZone, hours: input.hours, updatedAt: now } });
      });
    },

    /**
     * Re-route every open ticket assigned to one person (they went off shift, on leave, or left):
     * each ticket runs through the router again, in its own transaction, at most 200 at a time.
     * The router may hand a ticket back to the same person when they are still the best match.
     */
    async rerouteAgentTickets(actor: Actor, userId: string): Promise<{ ticketId: string; from: string | null; to: string | null; reason: string }[]> {
      requireRole(actor, SUPERVISOR_ROLES, 're-routing tickets');
      const open = await db.tenant(actor.orgId, async (tx) => {
        if (!(await userIn(tx, actor.orgId, userId))) throw AppError.notFound('user', userId);
        return tx
          .select({ id: tickets.id })
          .from(tickets)
          .where(and(eq(tickets.orgId, actor.orgId), eq(tickets.assigneeId, userId), sql`${tickets.status} not in ('solved', 'closed')`))
          .orderBy(tickets.createdAt)
          .limit(200);
      });
      const out: { ticketId: string; from: string | null; to: string | null; reason: string }[] = [];
      for (const t of open) {
        const r = await agents.reroute(actor, t.id);
        out.push({ ticketId: t.id, from: userId, to: r.decision.assigneeId, reason: r.decision.reason });
      }
      return out;
    },

    /** Re-run routing for a ticket (supervisor "re-route" button). */
    async reroute(actor: Actor, ticketId: string): Promise<{ ticket: TicketRow; decision: RoutingDecision }> {
      requireRole(actor, SUPERVISOR_ROLES, 're-routing tickets');
      const now = clock.now();
      const t0 = await core.getTicketRow(actor, ticketId);
      const facts = await core.orderFacts(actor, t0.orderId);
      return db.tenant(actor.orgId, async (tx) => {
        const t = await core.lockTicket(tx, actor.orgId, ticketId);
        const decision = await decideRoute(tx, actor.orgId, { language: t.language, queue: t.queue, shopId: t.shopId }, facts?.lines.find((l) => l.category)?.category, now);
        const [row] = await tx.update(tickets).set({ assigneeId: decision.assigneeId, updatedAt: now }).where(and(eq(tickets.orgId, actor.orgId), eq(tickets.id, t.id))).returning();
        if (decision.assigneeId) await rememberRoute(tx, actor.orgId, t.queue, decision.assigneeId, now);
        await core.evidence(tx, {
          orgId: t.orgId,
          caseId: t.id,
          caseType: 'ticket',
          kind: 'status_change',
          actor: { type: 'user', id: actor.userId },
          occurredAt: now,
          summary: `Re-routed: ${t.assigneeId ?? 'nobody'} → ${decision.assigneeId ?? 'nobody'} (${decision.reason})`,
          data: { assignment: { from: t.assigneeId, to: decision.assigneeId }, routing: decision },
        });
        return { ticket: row!, decision };
      });
    },
  };
  return agents;
}
