import { and, asc, desc, eq, inArray, isNull, sql, type SQL } from 'drizzle-orm';
import type { Executor } from '../../platform/db.js';
import { AppError } from '../../platform/errors.js';
import type { Actor } from '../../platform/tenancy.js';
import type { HelpdeskCore, MessageRow, TicketRow } from './helpdesk.core.js';
import type { ListQuery } from './helpdesk.dto.js';
import { decodeCursor, encodeCursor, isLive } from './helpdesk.rules.js';
import { ticketMessages, tickets } from './helpdesk.schema.js';

/** One page of tickets in SLA order (soonest due first, then id), keyset-paged. */
async function listRows(tx: Executor, where: SQL[], limit: number, cursor?: string): Promise<{ items: TicketRow[]; nextCursor: string | null }> {
  if (cursor) {
    const c = decodeCursor(cursor);
    if (!c) throw AppError.validation('tickets.bad_cursor', 'cursor is not valid', [{ field: 'cursor', message: 'not a cursor from this API' }]);
    where.push(sql`(${tickets}.sla_sort, ${tickets.id}) > (${c.slaSort}::timestamptz, ${c.id})`);
  }
  const rows = await tx
    .select()
    .from(tickets)
    .where(and(...where))
    .orderBy(sql`${tickets}.sla_sort`, asc(tickets.id))
    .limit(limit + 1);
  const more = rows.length > limit;
  const items = more ? rows.slice(0, limit) : rows;
  const last = items[items.length - 1];
  return { items, nextCursor: more && last ? encodeCursor({ slaSort: last.slaDueAt ? last.slaDueAt.toISOString() : 'infinity', id: last.id }) : null };
}

/** Queries: the ticket page, inbox lists and counts, and search. Nothing here writes. */
export function createQueries(core: HelpdeskCore) {
  const { db } = core;

  return {
    async getTicket(actor: Actor, id: string): Promise<{ ticket: TicketRow; messages: MessageRow[] }> {
      return db.tenant(actor.orgId, async (tx) => {
        const [t] = await tx.select().from(tickets).where(and(eq(tickets.orgId, actor.orgId), eq(tickets.id, id)));
        if (!t) throw AppError.notFound('ticket', id);
        const messages = await tx
          .select()
          .from(ticketMessages)
          .where(and(eq(ticketMessages.orgId, actor.orgId), eq(ticketMessages.ticketId, id)))
          .orderBy(asc(ticketMessages.sentAt), asc(ticketMessages.id));
        return { ticket: t, messages };
      });
    },

    /**
     * The ticket page in one transaction and two statements: the ticket with this buyer's other
     * tickets (matched by order-module buyer, channel identity or e-mail), then the thread.
     */
    async openTicket(actor: Actor, id: string): Promise<{ ticket: TicketRow; messages: MessageRow[]; otherTickets: TicketRow[] }> {
      return db.tenant(actor.orgId, async (tx) => {
        const me = (col: string) => sql.raw(`(select ${col} from tickets where org_id = `).append(sql`${actor.orgId} and id = ${id})`);
        const rows = await tx
          .select()
          .from(tickets)
          .where(
            and(
              eq(tickets.orgId, actor.orgId),
              sql`(${tickets.id} = ${id}
                or ${tickets.buyerId} = ${me('buyer_id')}
                or (${tickets.shopId}, ${tickets.buyerExternalId}) = (select shop_id, buyer_external_id from tickets where org_id = ${actor.orgId} and id = ${id})
                or ${tickets.buyerEmail} = ${me('buyer_email')})`,
            ),
          )
          .orderBy(sql`${tickets.id} = ${id} desc`, desc(tickets.createdAt))
          .limit(21);
        const ticket = rows[0];
        if (!ticket || ticket.id !== id) throw AppError.notFound('ticket', id);
        const messages = await tx
          .select()
          .from(ticketMessages)
          .where(and(eq(ticketMessages.orgId, actor.orgId), eq(ticketMessages.ticketId, id)))
          .orderBy(asc(ticketMessages.sentAt), asc(ticketMessages.id));
        return { ticket, messages, otherTickets: rows.slice(1) };
      });
    },

    /** The ticket page's right-hand side: the order (contract 1 sidebar), and this buyer's other tickets. */
    async getSidebar(actor: Actor, id: string): Promise<{ order: unknown; otherTickets: TicketRow[] }> {
      const { t, otherTickets } = await db.tenant(actor.orgId, async (tx) => {
        const [t] = await tx.select().from(tickets).where(and(eq(tickets.orgId, actor.orgId), eq(tickets.id, id)));
        if (!t) throw AppError.notFound('ticket', id);
        const who: SQL[] = [];
        if (t.buyerId) who.push(eq(tickets.buyerId, t.buyerId));
        if (t.buyerExternalId) who.push(and(eq(tickets.shopId, t.shopId), eq(tickets.buyerExternalId, t.buyerExternalId))!);
        if (t.buyerEmail) who.push(eq(tickets.buyerEmail, t.buyerEmail));
        if (!who.length) return { t, otherTickets: [] };
        const otherTickets = await tx
          .select()
          .from(tickets)
          .where(and(eq(tickets.orgId, actor.orgId), sql`${tickets.id} <> ${t.id}`, sql`(${sql.join(who, sql` or `)})`))
          .orderBy(desc(tickets.createdAt))
          .limit(20);
        return { t, otherTickets };
      });
      const orders = core.ports.orders;
      let order: unknown = null;
      if (t.orderId && orders?.getOrderSidebar) {
        try {
          order = await orders.getOrderSidebar(actor, t.orderId);
        } catch (e) {
          if (!(e instanceof AppError && e.kind === 'not_found')) throw e;
        }
      }
      return { order, otherTickets };
    },

    async list(actor: Actor, q: ListQuery): Promise<{ items: TicketRow[]; nextCursor: string | null }> {
      const where: SQL[] = [eq(tickets.orgId, actor.orgId)];
      // Literal, not bound parameters: the planner can only match the partial queue indexes
      // (`where status not in ('solved','closed')`) against constants.
      const live = sql`${tickets.status} not in ('solved', 'closed')`;
      switch (q.view) {
        case 'mine':
          where.push(eq(tickets.assigneeId, q.assigneeId ?? actor.userId), q.status ? eq(tickets.status, q.status) : live);
          break;
        case 'unassigned':
          where.push(isNull(tickets.assigneeId), live);
          break;
        case 'queue':
          if (!q.queue) throw AppError.validation('tickets.queue_required', 'view=queue needs a queue', [{ field: 'queue', message: 'required for view=queue' }]);
          where.push(eq(tickets.queue, q.queue), q.status ? eq(tickets.status, q.status) : live);
          break;
        case 'status':
          if (!q.status) throw AppError.validation('tickets.status_required', 'view=status needs a status', [{ field: 'status', message: 'required for view=status' }]);
          where.push(eq(tickets.status, q.status));
          break;
        case 'all':
          if (q.status) where.push(eq(tickets.status, q.status));
          break;
        case 'open':
          where.push(q.status ? eq(tickets.status, q.status) : live);
          break;
        case 'breached':
          // Escalated by the SLA engine, or due already and still waiting for the team.
          where.push(live, sql`(${tickets.tags} @> array['sla-breached']::text[] or ${tickets.slaDueAt} < ${core.clock.now().toISOString()}::timestamptz)`);
          break;
        case 'waiting_on_platform':
          where.push(eq(tickets.status, 'waiting_on_platform'));
          break;
      }
      if (q.channel) where.push(eq(tickets.channel, q.channel));
      if (q.view !== 'mine' && q.assigneeId) where.push(eq(tickets.assigneeId, q.assigneeId));
      if (q.view !== 'queue' && q.queue) where.push(eq(tickets.queue, q.queue));
      if (q.shopId) where.push(eq(tickets.shopId, q.shopId));
      if (q.tag) where.push(sql`${tickets.tags} @> array[${q.tag}]::text[]`);
      return db.tenant(actor.orgId, (tx) => listRows(tx, where, q.limit, q.cursor));
    },

    /** Counts for the inbox's left rail. */
    async counts(actor: Actor): Promise<{ mine: number; unassigned: number; queues: Record<string, number>; statuses: Record<string, number> }> {
      return db.tenant(actor.orgId, async (tx) => {
        const r = await tx.execute(sql`select
            count(*) filter (where assignee_id = ${actor.userId} and status not in ('solved','closed'))::int as mine,
            count(*) filter (where assignee_id is null and status not in ('solved','closed'))::int as unassigned
          from tickets where org_id = ${actor.orgId} and status not in ('solved','closed')`);
        const byQueue = await tx.execute(sql`select queue, count(*)::int as n from tickets where org_id = ${actor.orgId} and status not in ('solved','closed') group by queue`);
        const byStatus = await tx.execute(sql`select status, count(*)::int as n from tickets where org_id = ${actor.orgId} group by status`);
        const head = r.rows[0] as { mine: number; unassigned: number };
        return {
          mine: head.mine,
          unassigned: head.unassigned,
          queues: Object.fromEntries((byQueue.rows as { queue: string; n: number }[]).map((x) => [x.queue, x.n])),
          statuses: Object.fromEntries((byStatus.rows as { status: string; n: number }[]).map((x) => [x.status, x.n])),
        };
      });
    },

    /**
     * Full-text search over messages (stemmed in the message's language and plain) and over ticket
     * subjects and buyer identity. The query is stemmed in all five languages, since the agent's
     * words may be in any of them.
     */
    async search(actor: Actor, q: string, limit = 25): Promise<{ ticket: TicketRow; snippet: string | null; rank: number }[]> {
      // On cached plans: the search statement's plan does not depend on its values (the functions are
      // opaque to the planner and plan their own statements), and planning it took 1.4 ms of wall time
      // per search at eight clients (write-path bench).
      return db.tenant(actor.orgId, async (tx) => {
        // The index scans run in afterdesk_search_* (migration 0202): under row-level security
        // Postgres will not use a GIN index for the non-leakproof @@ operator.
        // The six stemmings often agree ("refund" is 'refund' in all of them): the same lexeme OR-ed
        // six times made every match and every rank evaluate it six times over. The distinct ones,
        // OR-ed, match the same rows (a | a is a); a query of stop words only matches nothing, as before.
        const tsq = sql`(select string_agg(distinct '(' || x || ')', ' | ')::tsquery from unnest(array[
          websearch_to_tsquery('simple', ${q})::text, websearch_to_tsquery('english', ${q})::text, websearch_to_tsquery('german', ${q})::text,
          websearch_to_tsquery('french', ${q})::text, websearch_to_tsquery('italian', ${q})::text, websearch_to_tsquery('spanish', ${q})::text]) as x where x <> '')`;
        // The query is built once (a materialised WITH) and read by its three users: the message
        // and ticket searches and the snippet (inline, each built it again: six stemmings each time).
        const r = await tx.execute(sql`
          with
          q as materialized (select ${tsq} as tsq),
          -- Ranking reads every matching row, so a very common word would cost seconds on a large
          -- org; the newest 500 matches are ranked (how the functions find them: migration 0268).
          matches as (
            select ticket_id, message_id as id, rank from afterdesk_search_messages((select tsq from q), 500)
          ),
          hits as (
            select ticket_id, max(rank) as rank, (array_agg(id order by rank desc))[1] as message_id
            from matches
            group by ticket_id
            union all
            select ticket_id, rank * 1.5, null from afterdesk_search_tickets((select tsq from q), 500)
          ),
          best as (
            select ticket_id, max(rank) as rank, max(message_id) as message_id from hits group by ticket_id
            order by max(rank) desc limit ${limit}
          )
          select best.ticket_id, best.rank, best.message_id,
            case when best.message_id is null then null else
              (select ts_headline(afterdesk_ts_config(m.language), m.body, (select tsq from q), 'MaxWords=20, MinWords=8, StartSel=«, StopSel=»')
                 from ticket_messages m where m.org_id = ${actor.orgId} and m.id = best.message_id) end as snippet
          from best
          order by best.rank desc`);
        const hits = r.rows as { ticket_id: string; rank: number; snippet: string | null }[];
        if (!hits.length) return [];
        const rows = await tx.select().from(tickets).where(and(eq(tickets.orgId, actor.orgId), inArray(tickets.id, hits.map((h) => h.ticket_id))));
        const byId = new Map(rows.map((t) => [t.id, t]));
        return hits.flatMap((h) => (byId.has(h.ticket_id) ? [{ ticket: byId.get(h.ticket_id)!, snippet: h.snippet, rank: Number(h.rank) }] : []));
      }, { cachedPlans: true });
    },

    /** Whether the ticket still holds live work (channel handlers ask before sending). */
    async isLive(actor: Actor, ticketId: string): Promise<boolean> {
      return isLive((await core.getTicketRow(actor, ticketId)).status);
    },
  };
}
