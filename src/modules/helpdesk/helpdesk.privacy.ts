import { sql } from 'drizzle-orm';
import type { Executor } from '../../platform/db.js';
import { addFile, cutoff, ids, type EraseContext, type PrivacyRegistration } from '../privacy/index.js';

const rows = async (tx: Executor, q: ReturnType<typeof sql>) => (await tx.execute(q)).rows as Record<string, unknown>[];

const ERASED_SUBJECT = '(erased)';

/** Blank a set of tickets: the buyer's identity on the ticket, every message's text and attachments. */
async function blankTickets(tx: Executor, orgId: string, ticketIds: string[], ctx: EraseContext) {
  if (!ticketIds.length) return { tickets: 0, ticket_messages: 0, ticket_threads: 0 };
  const t = await tx.execute(
    sql`update tickets set buyer_name = null, buyer_email = null, buyer_phone = null, buyer_external_id = null, subject = ${ERASED_SUBJECT},
               last_message_preview = null, external_thread_id = 'erased:' || id, updated_at = ${ctx.at}
         where org_id = ${orgId} and id = any(${sql.param(ticketIds)}::text[]) and subject <> ${ERASED_SUBJECT}`,
  );
  // Staff replies quote the buyer (names, addresses), so every message of the ticket goes.
  const m = await tx.execute(
    sql`update ticket_messages set body = '', author_name = case when author_type = 'buyer' then null else author_name end, attachments = '[]'::jsonb
         where org_id = ${orgId} and ticket_id = any(${sql.param(ticketIds)}::text[]) and (body <> '' or attachments <> '[]'::jsonb or (author_type = 'buyer' and author_name is not null))`,
  );
  // Thread ids can be an e-mail message id or a phone number (WhatsApp); they must stay unique.
  const th = await tx.execute(sql`update ticket_threads set external_thread_id = 'erased:' || id where org_id = ${orgId} and ticket_id = any(${sql.param(ticketIds)}::text[]) and external_thread_id not like 'erased:%'`);
  return { tickets: t.rowCount ?? 0, ticket_messages: m.rowCount ?? 0, ticket_threads: th.rowCount ?? 0 };
}

async function attachmentsOf(tx: Executor, orgId: string, ticketIds: string[]): Promise<{ ticketId: string; sha: string }[]> {
  if (!ticketIds.length) return [];
  const r = await rows(tx, sql`select distinct m.ticket_id, a->>'sha256' as sha from ticket_messages m, jsonb_array_elements(m.attachments) a where m.org_id = ${orgId} and m.ticket_id = any(${sql.param(ticketIds)}::text[]) and a ? 'sha256'`);
  return r.map((x) => ({ ticketId: String(x.ticket_id), sha: String(x.sha) }));
}

/** Tickets, their threads and messages. */
export const helpdeskPrivacy: PrivacyRegistration = {
  module: 'helpdesk',
  tables: [
    { table: 'tickets', buyerColumns: ['buyer_id', 'buyer_external_id'], personalColumns: ['buyer_name', 'buyer_email', 'buyer_phone', 'subject', 'last_message_preview', 'external_thread_id', 'search'] },
    { table: 'ticket_messages', buyerColumns: [], personalColumns: ['author_name', 'body', 'attachments', 'search'] },
    { table: 'ticket_threads', buyerColumns: [], personalColumns: ['external_thread_id'] },
  ],
  exempt: [
    { table: 'macros', reason: 'reply templates written by staff, with variables instead of names' },
    { table: 'macro_versions', reason: 'earlier states of staff reply templates and which staff member saved them' },
    { table: 'agent_schedules', reason: 'staff shifts' },
    { table: 'routing_state', reason: 'round-robin pointer to a staff member' },
    { table: 'ticket_assignee_loads', reason: "counts of staff members' open tickets" },
    { table: 'saved_views', reason: "staff members' inbox filters under names they chose" },
    { table: 'ticket_viewers', reason: 'which staff member had a ticket open, for a minute (presence)' },
    { table: 'automation_rules', reason: 'configuration: conditions and actions written by staff' },
    { table: 'automation_settings', reason: 'configuration: timers' },
  ],

  async scope(tx, s) {
    const found = await rows(
      tx,
      sql`select id, order_id from tickets where org_id = ${s.orgId}
            and (buyer_id = ${s.buyerId} or lower(buyer_email) = any(${sql.param(ids(s.emails))}::text[]) or order_id = any(${sql.param(ids(s.orderIds))}::text[])
                 or buyer_external_id = any(${sql.param(ids(s.platformBuyerIds))}::text[]))`,
    );
    for (const t of found) {
      s.ticketIds.add(String(t.id));
      s.caseIds.add(String(t.id));
      s.ticketOrders.set(String(t.id), (t.order_id as string | null) ?? null);
    }
    for (const p of await rows(tx, sql`select distinct buyer_phone from tickets where org_id = ${s.orgId} and id = any(${sql.param(ids(s.ticketIds))}::text[]) and buyer_phone is not null`)) s.phones.add(String(p.buyer_phone));
    for (const a of await attachmentsOf(tx, s.orgId, ids(s.ticketIds))) addFile(s, a.sha, a.ticketId);
  },

  async export(tx, s) {
    const tickets = (
      await rows(
        tx,
        sql`select to_jsonb(t) - 'search' || jsonb_build_object('messages', coalesce((select jsonb_agg(to_jsonb(m) - 'search' order by m.sent_at, m.id) from ticket_messages m where m.org_id = t.org_id and m.ticket_id = t.id), '[]'::jsonb)) as j
              from tickets t where org_id = ${s.orgId} and id = any(${sql.param(ids(s.ticketIds))}::text[]) order by created_at`,
      )
    ).map((r) => r.j);
    return { tickets };
  },

  async erase(tx, s, ctx) {
    const ticketIds = ids(s.ticketIds).filter((t) => !s.holdBack.has(t));
    const held = ids(s.ticketIds)
      .filter((t) => s.holdBack.has(t))
      .map((t) => ({ caseId: t, caseType: 'ticket', reason: 'legal_claims' as const, basis: 'GDPR Art. 17(3)(e)' as const, why: s.holdBack.get(t)! }));
    return { counts: await blankTickets(tx, s.orgId, ticketIds, ctx), heldBack: held };
  },

  async retain(tx, orgId, policy, now, ctx) {
    if (!policy.closedTicketContentDays) return {};
    const before = cutoff(now, policy.closedTicketContentDays);
    // Tickets an open dispute still needs (the case itself, or its order's) keep their content.
    const due = await rows(
      tx,
      sql`select t.id, t.order_id from tickets t where t.org_id = ${orgId} and t.status in ('solved', 'closed') and coalesce(t.closed_at, t.solved_at, t.updated_at) < ${before} and t.subject <> ${ERASED_SUBJECT}`,
    );
    const free = due.filter((d) => !ctx.holds.caseIds.has(String(d.id)) && !(d.order_id && ctx.holds.orderIds.has(String(d.order_id))));
    return blankTickets(tx, orgId, free.map((d) => String(d.id)), ctx);
  },
};
