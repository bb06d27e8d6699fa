import { and, eq, sql, type SQL } from 'drizzle-orm';
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

export interface TicketMatch {
  id: string;
  number: number;
  shopId: string;
  channel: string;
  subject: string;
  status: string;
  buyerId: string | null;
  buyerName: string | null;
  orderId: string | null;
  lastMessageAt: Date | null;
  /** What matched: the ticket number, or the buyer's name, e-mail or phone. */
  match: 'ticket_number' | 'buyer';
}

const ticketMatchOf = (x: Record<string, unknown>, match: TicketMatch['match']): TicketMatch => ({
  id: String(x.id),
  number: Number(x.number),
  shopId: String(x.shop_id),
  channel: String(x.channel),
  subject: String(x.subject),
  status: String(x.status),
  buyerId: (x.buyer_id as string | null) ?? null,
  buyerName: (x.buyer_name as string | null) ?? null,
  orderId: (x.order_id as string | null) ?? null,
  lastMessageAt: x.last_message_at ? new Date(String(x.last_message_at)) : null,
  match,
});

/**
 * Tickets a person may mean by `q`: its number (`123` or `#123`), or a buyer by name or e-mail
 * (`like`, the caller's escaped ILIKE pattern) or exact phone. Merged tickets are left out. Newest first.
 */
export async function ticketsMatching(tx: Executor, orgId: string, q: string, like: string, limit: number): Promise<TicketMatch[]> {
  const num = /^#?\d{1,15}$/.test(q) ? Number(q.replace('#', '')) : null;
  const phone = q.replace(/[\s()-]/g, '');
  const r = await tx.execute(sql`
    select id, number, shop_id, channel, subject, status, buyer_id, buyer_name, order_id, last_message_at, (number = ${num}) as by_number
      from tickets
     where org_id = ${orgId} and merged_into_id is null
       and (number = ${num} or buyer_name ilike ${like} or buyer_email ilike ${like} or (${phone.length >= 5} and buyer_phone = ${phone}))
     order by (number = ${num}) desc nulls last, last_message_at desc nulls last, id
     limit ${limit}`);
  return (r.rows as Record<string, unknown>[]).map((x) => ticketMatchOf(x, x.by_number ? 'ticket_number' : 'buyer'));
}

/** Tickets about an order or a buyer (the Orders and Customers pages), newest first, at most 100. */
export async function ticketsRelated(tx: Executor, orgId: string, by: { orderId?: string; buyerId?: string }): Promise<TicketMatch[]> {
  if (!by.orderId && !by.buyerId) return [];
  const r = await tx.execute(sql`
    select id, number, shop_id, channel, subject, status, buyer_id, buyer_name, order_id, last_message_at
      from tickets
     where org_id = ${orgId} and merged_into_id is null
       and ${by.orderId ? sql`order_id = ${by.orderId}` : sql`buyer_id = ${by.buyerId}`}
     order by created_at desc, id limit 100`);
  return (r.rows as Record<string, unknown>[]).map((x) => ticketMatchOf(x, 'buyer'));
}

/** Buyers of tickets whose contact (phone exactly, e-mail or name in part) matches: how an e-mail or phone finds a buyer's orders. */
export async function buyerIdsByContact(tx: Executor, orgId: string, q: string, like: string): Promise<string[]> {
  const phone = q.replace(/[\s()-]/g, '');
  const r = await tx.execute(
    sql`select distinct buyer_id from tickets where org_id = ${orgId} and buyer_id is not null and ((${phone.length >= 5} and buyer_phone = ${phone}) or buyer_email ilike ${like}) limit 50`,
  );
  return (r.rows as { buyer_id: string }[]).map((x) => String(x.buyer_id));
}

/** Number, subject, buyer and order of tickets by id (to title evidence cases and rows in words). */
export async function ticketLabels(tx: Executor, orgId: string, ids: string[]): Promise<TicketMatch[]> {
  if (ids.length === 0) return [];
  const r = await tx.execute(sql`
    select id, number, shop_id, channel, subject, status, buyer_id, buyer_name, order_id, last_message_at
      from tickets where org_id = ${orgId} and id = any(${sql.param([...new Set(ids)])}::text[])`);
  return (r.rows as Record<string, unknown>[]).map((x) => ticketMatchOf(x, 'buyer'));
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

export interface TicketLanguageFacts {
  id: string;
  shopId: string;
  language: string;
}

/** A ticket's shop and buyer language; null when no such ticket is the organisation's. */
export async function ticketLanguageIn(tx: Executor, orgId: string, ticketId: string): Promise<TicketLanguageFacts | null> {
  const r = await tx.execute(sql`select id, shop_id, language from tickets where org_id = ${orgId} and id = ${ticketId}`);
  const t = r.rows[0] as { id: string; shop_id: string; language: string } | undefined;
  return t ? { id: t.id, shopId: t.shop_id, language: t.language } : null;
}

/** One message of a ticket (its original text and language); null when it is not on that ticket. */
export async function ticketMessageIn(tx: Executor, orgId: string, ticketId: string, messageId: string): Promise<{ id: string; text: string; language: string; direction: string } | null> {
  const r = await tx.execute(sql`select id, body, language, direction from ticket_messages where org_id = ${orgId} and ticket_id = ${ticketId} and id = ${messageId}`);
  const m = r.rows[0] as { id: string; body: string; language: string; direction: string } | undefined;
  return m ? { id: m.id, text: m.body, language: m.language, direction: m.direction } : null;
}

/** When each buyer last wrote to us in a TikTok chat (the platform's 30-day messaging window) and whether a ticket is still open. */
export async function buyerChatFacts(tx: Executor, orgId: string, buyerIds: string[]): Promise<Map<string, { lastChatAt: Date | null; openTicket: boolean; email: string | null; phone: string | null }>> {
  const out = new Map<string, { lastChatAt: Date | null; openTicket: boolean; email: string | null; phone: string | null }>();
  if (buyerIds.length === 0) return out;
  // The newest address a buyer wrote from (e-mail and WhatsApp tickets), for messages we start ourselves.
  const r = await tx.execute(sql`select buyer_id, max(last_inbound_at) filter (where channel in ('tiktok_chat', 'livestream')) as last_chat,
      bool_or(status not in ('solved', 'closed')) as open,
      (array_agg(buyer_email order by created_at desc) filter (where buyer_email is not null))[1] as email,
      (array_agg(buyer_phone order by created_at desc) filter (where buyer_phone is not null))[1] as phone
    from tickets where org_id = ${orgId} and buyer_id = any(${sql.param(buyerIds)}::text[]) group by buyer_id`);
  for (const x of r.rows as { buyer_id: string; last_chat: string | null; open: boolean; email: string | null; phone: string | null }[]) out.set(x.buyer_id, { lastChatAt: x.last_chat ? new Date(x.last_chat) : null, openTicket: !!x.open, email: x.email ?? null, phone: x.phone ?? null });
  return out;
}

/** Whether a ticket exists in the organisation (for other modules that accept a ticket id). */
export async function ticketExists(tx: Executor, orgId: string, ticketId: string): Promise<boolean> {
  const r = await tx.execute(sql`select 1 from tickets where org_id = ${orgId} and id = ${ticketId}`);
  return r.rows.length > 0;
}

/** issue 16 (playbooks): what a procedure is chosen from — the ticket's shop, order, subject and the buyer's first messages. */
export async function ticketProblemFacts(tx: Executor, orgId: string, ticketId: string): Promise<{ id: string; shopId: string; orderId: string | null; language: string; status: string; subject: string | null; buyerText: string } | null> {
  const r = await tx.execute(sql`select id, shop_id, order_id, language, status, subject from tickets where org_id = ${orgId} and id = ${ticketId}`);
  const t = r.rows[0] as { id: string; shop_id: string; order_id: string | null; language: string; status: string; subject: string | null } | undefined;
  if (!t) return null;
  const m = await tx.execute(sql`select body from ticket_messages where org_id = ${orgId} and ticket_id = ${ticketId} and direction = 'inbound' order by sent_at, id limit 5`);
  return { id: t.id, shopId: t.shop_id, orderId: t.order_id, language: t.language, status: t.status, subject: t.subject, buyerText: (m.rows as { body: string }[]).map((x) => x.body).join('\n') };
}

/** issue 16 (notices): for each of these orders with a ticket, when its latest ticket was opened (a complaint about the order). */
export async function latestTicketOfOrders(tx: Executor, orgId: string, orderIds: string[]): Promise<Map<string, Date>> {
  if (orderIds.length === 0) return new Map();
  const r = await tx.execute(sql`select order_id, max(created_at) as at from tickets where org_id = ${orgId} and order_id = any(${sql.param(orderIds)}::text[]) group by order_id`);
  return new Map((r.rows as { order_id: string; at: string | Date }[]).map((x) => [x.order_id, new Date(x.at)]));
}

/** What product knowledge needs of a ticket: its shop, order, language and the buyer's latest words. */
export async function ticketQuestionIn(tx: Executor, orgId: string, ticketId: string): Promise<{ id: string; shopId: string; orderId: string | null; language: string; latestBuyerText: string | null } | null> {
  const r = await tx.execute(sql`select t.id, t.shop_id, t.order_id, t.language,
      (select m.body from ticket_messages m where m.org_id = t.org_id and m.ticket_id = t.id and m.direction = 'inbound' and m.author_type = 'buyer' order by m.sent_at desc, m.id desc limit 1) as latest
    from tickets t where t.org_id = ${orgId} and t.id = ${ticketId}`);
  const t = r.rows[0] as { id: string; shop_id: string; order_id: string | null; language: string; latest: string | null } | undefined;
  return t ? { id: t.id, shopId: t.shop_id, orderId: t.order_id, language: t.language, latestBuyerText: t.latest } : null;
}

/** Buyers' messages in a shop's tickets that name an order, since a time (listing-gap analysis). */
export async function buyerQuestionsOfShop(tx: Executor, orgId: string, shopId: string, since: Date): Promise<{ ticketId: string; orderId: string; text: string; language: string }[]> {
  const r = await tx.execute(sql`select t.id as ticket_id, t.order_id, m.body, m.language
    from ticket_messages m join tickets t on t.org_id = m.org_id and t.id = m.ticket_id
    where m.org_id = ${orgId} and t.shop_id = ${shopId} and t.order_id is not null and m.direction = 'inbound' and m.author_type = 'buyer'
      and m.sent_at >= ${since.toISOString()}::timestamptz
    order by m.sent_at, m.id`);
  return (r.rows as { ticket_id: string; order_id: string; body: string; language: string }[]).map((x) => ({ ticketId: x.ticket_id, orderId: x.order_id, text: x.body, language: x.language }));
}

/** Tickets of these buyers created or written to by them since a moment (incidents: who complained, who replied). */
export async function buyerTicketsSince(tx: Executor, orgId: string, buyerIds: string[], since: Date | null): Promise<{ id: string; buyerId: string; number: number; status: string; createdAt: Date; lastInboundAt: Date | null }[]> {
  if (buyerIds.length === 0) return [];
  const r = await tx.execute(sql`select id, buyer_id, number, status, created_at, last_inbound_at from tickets
    where org_id = ${orgId} and buyer_id = any(${sql.param(buyerIds)}::text[]) and merged_into_id is null
      ${since ? sql`and coalesce(last_inbound_at, created_at) >= ${since.toISOString()}::timestamptz` : sql``}
    order by created_at, id`);
  return (r.rows as { id: string; buyer_id: string; number: string | number; status: string; created_at: string; last_inbound_at: string | null }[]).map((x) => ({
    id: x.id,
    buyerId: x.buyer_id,
    number: Number(x.number),
    status: x.status,
    createdAt: new Date(x.created_at),
    lastInboundAt: x.last_inbound_at ? new Date(x.last_inbound_at) : null,
  }));
}

/** A ticket's buyer and shop (null when no such ticket is the organisation's). */
export async function ticketBuyerIn(tx: Executor, orgId: string, ticketId: string): Promise<{ id: string; buyerId: string | null; shopId: string; number: number } | null> {
  const r = await tx.execute(sql`select id, buyer_id, shop_id, number from tickets where org_id = ${orgId} and id = ${ticketId}`);
  const t = r.rows[0] as { id: string; buyer_id: string | null; shop_id: string; number: string | number } | undefined;
  return t ? { id: t.id, buyerId: t.buyer_id, shopId: t.shop_id, number: Number(t.number) } : null;
}

/** A public message of a buyer's self-service conversation, as the buyer's page shows it. */
export interface BuyerConversationMessage {
  direction: 'inbound' | 'outbound';
  body: string;
  sentAt: Date;
  attachmentCount: number;
}

/**
 * issue 17 (the buyer's page): an order's self-service conversation — the given ticket when the
 * card names one, else the order's newest self-service ticket — with its status and public
 * messages, as ONE json value (null when the order has none), to be selected inside the caller's
 * statement (`orderId`/`ticketId` may name the caller's columns); read it with buyerConversationFromJson.
 */
export function buyerConversationJson(orgId: SQL | string, orderId: SQL | string, ticketId: SQL | string | null): SQL {
  return sql`(select json_build_object('id', t.id, 'status', t.status, 'messages', coalesce((select json_agg(json_build_object('direction', m.direction, 'body', m.body, 'sentAt', m.sent_at, 'attachments', jsonb_array_length(m.attachments)) order by m.sent_at, m.id)
         from ticket_messages m where m.org_id = t.org_id and m.ticket_id = t.id and m.kind = 'public'), '[]'::json))
    from tickets t
    where t.org_id = ${orgId} and t.order_id = ${orderId} and (t.id = ${ticketId} or (${ticketId}::text is null and t.channel = 'self_service'))
    order by t.created_at desc, t.id desc limit 1)`;
}

export function buyerConversationFromJson(t: { id: string; status: string; messages: { direction: 'inbound' | 'outbound'; body: string; sentAt: string; attachments: number }[] } | null | undefined): { ticketId: string; status: string; messages: BuyerConversationMessage[] } | null {
  if (!t) return null;
  return { ticketId: t.id, status: t.status, messages: t.messages.map((m) => ({ direction: m.direction, body: m.body, sentAt: new Date(m.sentAt), attachmentCount: m.attachments })) };
}

/** issue 17: the order's conversation as the buyer's page shows it, on the caller's transaction (one statement); null when none. */
export async function buyerConversationIn(tx: Executor, orgId: string, orderId: string, ticketId: string | null): Promise<{ ticketId: string; status: string; messages: BuyerConversationMessage[] } | null> {
  const r = await tx.execute(sql`select ${buyerConversationJson(orgId, orderId, ticketId)} as v`);
  return buyerConversationFromJson((r.rows[0] as { v: Parameters<typeof buyerConversationFromJson>[0] } | undefined)?.v);
}
