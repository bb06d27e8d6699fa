import { sql } from 'drizzle-orm';
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

/** When each buyer last wrote to us in a TikTok chat (the platform's 30-day messaging window) and whether a ticket is still open. */
export async function buyerChatFacts(tx: Executor, orgId: string, buyerIds: string[]): Promise<Map<string, { lastChatAt: Date | null; openTicket: boolean }>> {
  const out = new Map<string, { lastChatAt: Date | null; openTicket: boolean }>();
  if (buyerIds.length === 0) return out;
  const r = await tx.execute(sql`select buyer_id, max(last_inbound_at) filter (where channel in ('tiktok_chat', 'livestream')) as last_chat,
      bool_or(status not in ('solved', 'closed')) as open
    from tickets where org_id = ${orgId} and buyer_id = any(${sql.param(buyerIds)}::text[]) group by buyer_id`);
  for (const x of r.rows as { buyer_id: string; last_chat: string | null; open: boolean }[]) out.set(x.buyer_id, { lastChatAt: x.last_chat ? new Date(x.last_chat) : null, openTicket: !!x.open });
  return out;
}

/** Whether a ticket exists in the organisation (for other modules that accept a ticket id). */
export async function ticketExists(tx: Executor, orgId: string, ticketId: string): Promise<boolean> {
  const r = await tx.execute(sql`select 1 from tickets where org_id = ${orgId} and id = ${ticketId}`);
  return r.rows.length > 0;
}
