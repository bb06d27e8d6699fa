import { and, eq, sql } from 'drizzle-orm';
import { tickets } from './helpdesk.schema.js';
import type { Executor } from '../../platform/db.js';

/*
 * Narrow reads for other modules, on the caller's transaction (so they see its writes and its
 * organisation): the helpdesk's tables stay its own.
 */

/** Buyers who wrote from this phone number, or from an email matching `like` (the caller's escaped ILIKE pattern). */
export async function buyersWithTicketContact(tx: Executor, orgId: string, phone: string, like: string): Promise<string[]> {
  const r = await tx.execute(sql`select distinct buyer_id from tickets where org_id = ${orgId} and buyer_id is not null and (buyer_phone = ${phone} or buyer_email ilike ${like})`);
  return (r.rows as { buyer_id: string }[]).map((x) => String(x.buyer_id));
}

/**
 * The e-mail conversation of ticket number `n` (the `[#n]` token of our subjects), so a buyer's
 * fresh mail quoting it lands on that ticket; null for another channel's ticket or no such number.
 */
export async function emailThreadOfTicket(tx: Executor, orgId: string, shopId: string, n: number): Promise<string | null> {
  const [row] = await tx
    .select({ thread: tickets.externalThreadId })
    .from(tickets)
    .where(and(eq(tickets.orgId, orgId), eq(tickets.number, n), eq(tickets.shopId, shopId), eq(tickets.channel, 'email')))
    .limit(1);
  return row?.thread ?? null;
}

/** Tickets still open (not solved, closed or merged away): a count for the agency overview. */
export async function openTicketCount(tx: Executor, orgId: string): Promise<number> {
  const r = await tx.execute(sql`select count(*)::int as n from tickets where org_id = ${orgId} and status not in ('solved', 'closed') and merged_into_id is null`);
  return (r.rows[0] as { n: number }).n;
}
