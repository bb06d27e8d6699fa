import { and, asc, desc, eq, inArray, isNull, sql, type SQL } from 'drizzle-orm';
import type { Clock } from '../../platform/clock.js';
import type { Database, Executor, Tx } from '../../platform/db.js';
import { AppError, isAppError, isUniqueViolation, pgErrorCode } from '../../platform/errors.js';
import type { IdGenerator } from '../../platform/ids.js';
import type { Logger } from '../../platform/logger.js';
import { enqueue } from '../../platform/outbox/outbox.js';
import { outbox } from '../../platform/outbox/outbox.schema.js';
import { requireRole, systemActor, type Actor } from '../../platform/tenancy.js';
import { usersTable } from '../auth/index.js';
import { shopsTable } from '../tenancy/index.js';
import {
  InboundMessageSchema,
  type AssignInput,
  type AttachmentRef,
  type BulkInput,
  type BulkResult,
  type Channel,
  type CreateMacro,
  type InboundMessage,
  type ListQuery,
  type MacroView,
  type MessageView,
  type Priority,
  type ReplyInput,
  type TagsInput,
  type TicketStatus,
  type TicketView,
  type UpdateMacro,
} from './helpdesk.dto.js';
import { DEFAULT_MACROS } from './helpdesk.macros.js';
import type { EvidenceInput, HelpdeskPorts, OrderFacts } from './helpdesk.ports.js';
import {
  applyTags,
  canChangeStatus,
  decodeCursor,
  detectLanguage,
  encodeCursor,
  initialPriority,
  HISTORY_UNANSWERED,
  isHistory,
  isImported,
  isLive,
  isOnShift,
  onBuyerMessage,
  preview,
  queueFor,
  renderMacro,
  routeTicket,
  statusAfterChannelMessage,
  statusAfterReply,
  subjectFrom,
  type RenderedMacro,
  type RoutingDecision,
} from './helpdesk.rules.js';
import type { BusinessHours } from '../tenancy/index.js';
import { agentSchedules, macros, routingState, ticketCounters, ticketMessages, tickets, ticketThreads } from './helpdesk.schema.js';

export type TicketRow = typeof tickets.$inferSelect;
export type MessageRow = typeof ticketMessages.$inferSelect;
export type MacroRow = typeof macros.$inferSelect;

export interface HelpdeskDeps {
  db: Database;
  ids: IdGenerator;
  clock: Clock;
  log?: Logger;
}

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);

export function ticketView(t: TicketRow): TicketView {
  return {
    id: t.id,
    number: t.number,
    shopId: t.shopId,
    channel: t.channel,
    externalThreadId: t.externalThreadId,
    buyer: { id: t.buyerId, externalId: t.buyerExternalId, name: t.buyerName, email: t.buyerEmail, phone: t.buyerPhone },
    orderId: t.orderId,
    livestreamSessionId: t.livestreamSessionId,
    subject: t.subject,
    status: t.status,
    priority: t.priority,
    language: t.language,
    tags: t.tags,
    assigneeId: t.assigneeId,
    queue: t.queue,
    slaDueAt: iso(t.slaDueAt),
    mergedIntoId: t.mergedIntoId,
    messageCount: t.messageCount,
    lastMessageAt: iso(t.lastMessageAt),
    lastMessagePreview: t.lastMessagePreview,
    createdAt: t.createdAt.toISOString(),
    updatedAt: t.updatedAt.toISOString(),
    solvedAt: iso(t.solvedAt),
    closedAt: iso(t.closedAt),
  };
}

export function messageView(m: MessageRow): MessageView {
  return {
    id: m.id,
    ticketId: m.ticketId,
    kind: m.kind,
    direction: m.direction,
    channel: m.channel,
    author: { type: m.authorType, id: m.authorId, name: m.authorName },
    text: m.body,
    language: m.language,
    attachments: m.attachments,
    macroId: m.macroId,
    deliveryStatus: m.deliveryStatus,
    movedFromTicketId: m.movedFromTicketId,
    sentAt: m.sentAt.toISOString(),
  };
}

export function macroView(m: MacroRow): MacroView {
  return {
    id: m.id,
    key: m.key,
    name: m.name,
    category: m.category,
    bodies: m.bodies,
    languages: Object.keys(m.bodies).sort(),
    active: m.active,
    updatedAt: m.updatedAt.toISOString(),
  };
}

/** Which outbox handler carries a public reply back to the buyer on each channel. */
export function replyHandlerFor(channel: Channel): 'tiktok.send_message' | 'email.send' | 'whatsapp.send' {
  if (channel === 'email') return 'email.send';
  if (channel === 'whatsapp') return 'whatsapp.send';
  return 'tiktok.send_message';
}

/** Thrown inside an ingest transaction that lost a race for the same message or thread. */
class IngestRace extends Error {}

const AGENT_ROLES = ['owner', 'supervisor', 'agent'] as const;
const SUPERVISOR_ROLES = ['owner', 'supervisor'] as const;

export function createHelpdeskService(deps: HelpdeskDeps, portsOf: () => HelpdeskPorts = () => ({})) {
  const { db, ids, clock } = deps;

  async function evidence(tx: Executor, input: EvidenceInput): Promise<void> {
    const rec = portsOf().recordEvidence;
    if (rec) await rec(tx, input);
  }

  async function slaStart(tx: Executor, t: TicketRow, orderValue: { amount: number; currency: string } | undefined, at: Date): Promise<Date | null | undefined> {
    const sla = portsOf().sla;
    if (!sla) return undefined;
    const r = await sla.startClocks(tx, { orgId: t.orgId, shopId: t.shopId, ticketId: t.id, channel: t.channel, priority: t.priority, orderValue, at });
    return r.nextDueAt;
  }

  async function slaEvent(
    tx: Executor,
    t: { orgId: string; id: string },
    ev: { kind: 'agent_public_reply' | 'buyer_message' | 'status_changed' | 'priority_changed'; status?: TicketStatus; priority?: Priority },
    at: Date,
  ): Promise<void> {
    const sla = portsOf().sla;
    if (!sla) return;
    const r = await sla.recordEvent(tx, { orgId: t.orgId, ticketId: t.id, ...ev, at });
    await tx.update(tickets).set({ slaDueAt: r.nextDueAt }).where(and(eq(tickets.orgId, t.orgId), eq(tickets.id, t.id)));
  }

  async function orderFacts(actor: Actor, orderId: string | null | undefined): Promise<OrderFacts | null> {
    const orders = portsOf().orders;
    if (!orderId || !orders) return null;
    try {
      return await orders.getOrderFacts(actor, orderId);
    } catch (e) {
      if (e instanceof AppError && e.kind === 'not_found') return null;
      throw e;
    }
  }

  /** An order of the caller's organisation, or the same 404 a missing one gets (also without the orders module). */
  async function requireOrder(actor: Actor, orderId: string): Promise<OrderFacts> {
    const facts = await orderFacts(actor, orderId);
    if (!facts) throw AppError.notFound('order', orderId);
    return facts;
  }

  async function requireBuyer(actor: Actor, buyerId: string): Promise<void> {
    const orders = portsOf().orders;
    if (!orders?.buyerExists || !(await orders.buyerExists(actor, buyerId))) throw AppError.notFound('buyer', buyerId);
  }

  async function lockTicket(tx: Executor, orgId: string, id: string): Promise<TicketRow> {
    const [t] = await tx.select().from(tickets).where(and(eq(tickets.orgId, orgId), eq(tickets.id, id))).for('update');
    if (!t) throw AppError.notFound('ticket', id);
    return t;
  }

  async function loadUser(tx: Executor, orgId: string, userId: string) {
    const [u] = await tx.select().from(usersTable).where(and(eq(usersTable.orgId, orgId), eq(usersTable.id, userId)));
    return u;
  }

  async function nextNumber(tx: Executor, orgId: string): Promise<number> {
    const r = await tx.execute(sql`insert into ticket_counters (org_id, id, value) values (${orgId}, 'tickets', 1)
      on conflict (org_id, id) do update set value = ticket_counters.value + 1 returning value`);
    return Number((r.rows[0] as { value: number }).value);
  }
  void ticketCounters;

  /** Route within one transaction: candidates, their live load, shifts and the queue's cursor. */
  async function decideRoute(tx: Executor, orgId: string, t: { language: string; queue: string }, category: string | null | undefined, now: Date): Promise<RoutingDecision> {
    const people = await tx
      .select({ id: usersTable.id, role: usersTable.role, active: usersTable.active, languages: usersTable.languages, skills: usersTable.skills })
      .from(usersTable)
      .where(and(eq(usersTable.orgId, orgId), eq(usersTable.active, true), inArray(usersTable.role, ['agent', 'supervisor'])));
    if (!people.length) return { assigneeId: null, reason: 'no agents', wanted: [] };
    const userIds = people.map((p) => p.id);
    const loads = await tx
      .select({ id: tickets.assigneeId, n: sql<number>`count(*)::int` })
      .from(tickets)
      .where(and(eq(tickets.orgId, orgId), inArray(tickets.assigneeId, userIds), sql`${tickets.status} not in ('solved', 'closed')`))
      .groupBy(tickets.assigneeId);
    const schedules = await tx.select().from(agentSchedules).where(and(eq(agentSchedules.orgId, orgId), inArray(agentSchedules.id, userIds)));
    const [state] = await tx.select().from(routingState).where(and(eq(routingState.orgId, orgId), eq(routingState.id, t.queue))).for('update');
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

  async function rememberRoute(tx: Executor, orgId: string, queue: string, userId: string, now: Date): Promise<void> {
    await tx
      .insert(routingState)
      .values({ orgId, id: queue, lastUserId: userId, updatedAt: now })
      .onConflictDoUpdate({ target: [routingState.orgId, routingState.id], set: { lastUserId: userId, updatedAt: now } });
  }

  /**
   * Our own reply coming back through the channel (TikTok reports the shop's messages, including
   * the ones we sent): the newest unclaimed public reply on this ticket with the same text, sent
   * by us up to a day before the platform's timestamp (5 minutes of clock skew allowed).
   */
  async function findOwnReply(tx: Executor, t: TicketRow, text: string, sentAt: Date): Promise<{ id: string } | undefined> {
    const [m] = await tx
      .select({ id: ticketMessages.id })
      .from(ticketMessages)
      .where(
        and(
          eq(ticketMessages.orgId, t.orgId),
          eq(ticketMessages.ticketId, t.id),
          eq(ticketMessages.kind, 'public'),
          eq(ticketMessages.direction, 'outbound'),
          inArray(ticketMessages.authorType, ['user', 'system']),
          isNull(ticketMessages.externalMessageId),
          eq(ticketMessages.body, text),
          sql`${ticketMessages.sentAt} between ${new Date(sentAt.getTime() - 24 * 3600_000).toISOString()}::timestamptz and ${new Date(sentAt.getTime() + 5 * 60_000).toISOString()}::timestamptz`,
        ),
      )
      .orderBy(desc(ticketMessages.sentAt))
      .limit(1);
    return m;
  }

  /** The first buyer message after the ticket's latest public reply: where an unanswered stretch began. */
  async function firstUnanswered(tx: Executor, t: TicketRow): Promise<Date | undefined> {
    const r = await tx.execute(sql`select min(sent_at) as at from ticket_messages
      where org_id = ${t.orgId} and ticket_id = ${t.id} and kind = 'public' and direction = 'inbound'
        and sent_at > coalesce((select max(sent_at) from ticket_messages where org_id = ${t.orgId} and ticket_id = ${t.id} and kind = 'public' and direction = 'outbound'), '-infinity'::timestamptz)`);
    const at = (r.rows[0] as { at: string | Date | null } | undefined)?.at;
    return at ? new Date(at) : undefined;
  }

  async function ingestOnce(input: InboundMessage, facts: OrderFacts | null): Promise<{ ticketId: string; messageId: string; created: boolean }> {
    const now = clock.now();
    const sentAt = new Date(input.sentAt);
    const { orgId } = input;
    return db.tenant(orgId, async (tx) => {
      // One conversation ingests one message at a time: webhook retries and parallel deliveries
      // of the same chat must not both open a ticket.
      await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`${orgId}|${input.channel}|${input.externalThreadId}`}, 0))`);
      const [dup] = await tx
        .select({ id: ticketMessages.id, ticketId: ticketMessages.ticketId })
        .from(ticketMessages)
        .where(and(eq(ticketMessages.orgId, orgId), eq(ticketMessages.channel, input.channel), eq(ticketMessages.externalMessageId, input.externalMessageId)));
      if (dup) return { ticketId: dup.ticketId, messageId: dup.id, created: false };

      const [shop] = await tx.select().from(shopsTable).where(and(eq(shopsTable.orgId, orgId), eq(shopsTable.id, input.shopId)));
      if (!shop) throw AppError.notFound('shop', input.shopId);

      const [thread] = await tx
        .select()
        .from(ticketThreads)
        .where(and(eq(ticketThreads.orgId, orgId), eq(ticketThreads.channel, input.channel), eq(ticketThreads.externalThreadId, input.externalThreadId)));
      let ticket = thread ? await lockTicket(tx, orgId, thread.ticketId) : undefined;
      const fromBuyer = input.direction === 'inbound';
      if (ticket && fromBuyer && onBuyerMessage(ticket.status).action === 'new_ticket') ticket = undefined;

      if (ticket && !fromBuyer) {
        const own = await findOwnReply(tx, ticket, input.text, sentAt);
        if (own) {
          // Already in the thread as the agent's reply: remember the platform's id so later
          // deliveries are duplicates, and count nothing twice.
          await tx.update(ticketMessages).set({ externalMessageId: input.externalMessageId, deliveryStatus: 'sent' }).where(and(eq(ticketMessages.orgId, orgId), eq(ticketMessages.id, own.id)));
          return { ticketId: ticket.id, messageId: own.id, created: false };
        }
      }

      // A pending return request is live whatever its age (the platform's deadline runs), so the
      // history rules only apply to conversations.
      const history = input.channel !== 'tiktok_return_request' && isHistory(sentAt, now);
      const before = ticket ? { status: ticket.status, solvedReason: ticket.solvedReason, lastInboundAt: ticket.lastInboundAt } : null;
      const next = statusAfterChannelMessage(before, input.direction, history);
      // Buyer messages of an imported, still unanswered stretch that a seller answer now settles.
      const replayFrom = ticket && !fromBuyer && before?.status === 'solved' && before.solvedReason === HISTORY_UNANSWERED ? await firstUnanswered(tx, ticket) : undefined;

      const guess = detectLanguage(input.text, { hint: input.buyer.language, shopLanguages: shop.languages });
      const orderValue = facts?.totalAmount != null && facts.currency ? { amount: facts.totalAmount, currency: facts.currency } : undefined;
      let created = false;
      if (!ticket) {
        created = true;
        const queue = queueFor({ channel: input.channel, livestreamSessionId: input.livestreamSessionId, orderTrafficSource: facts?.lines.find((l) => l.trafficSourceType)?.trafficSourceType });
        const language = guess.language;
        const category = facts?.lines.find((l) => l.category)?.category ?? null;
        // Settled history and seller-opened threads are nobody's work yet: no routing.
        const route: RoutingDecision = next.status === 'new' ? await decideRoute(tx, orgId, { language, queue }, category, now) : { assigneeId: null, reason: history ? 'history' : 'no buyer message yet', wanted: [] };
        const id = ids('tkt');
        const [row] = await tx
          .insert(tickets)
          .values({
            orgId,
            id,
            number: await nextNumber(tx, orgId),
            shopId: input.shopId,
            channel: input.channel,
            externalThreadId: input.externalThreadId,
            buyerId: facts?.buyerId ?? null,
            buyerExternalId: input.buyer.externalId ?? null,
            buyerName: input.buyer.name ?? null,
            buyerEmail: input.buyer.email?.toLowerCase() ?? null,
            buyerPhone: input.buyer.phone ?? null,
            orderId: input.orderId ?? null,
            livestreamSessionId: input.livestreamSessionId ?? null,
            subject: subjectFrom(input.text, input.subject),
            status: next.status,
            priority: initialPriority(input.channel),
            language,
            tags: [],
            assigneeId: route.assigneeId,
            queue,
            slaDueAt: null,
            mergedIntoId: null,
            solvedReason: next.solvedReason,
            solvedAt: next.status === 'solved' ? sentAt : null,
            messageCount: 0,
            createdAt: now,
            updatedAt: now,
          })
          .returning();
        ticket = row!;
        if (route.assigneeId) await rememberRoute(tx, orgId, queue, route.assigneeId, now);
        if (thread) {
          await tx.update(ticketThreads).set({ ticketId: id }).where(and(eq(ticketThreads.orgId, orgId), eq(ticketThreads.id, thread.id)));
        } else {
          const ins = await tx
            .insert(ticketThreads)
            .values({ orgId, id: ids('tth'), channel: input.channel, externalThreadId: input.externalThreadId, ticketId: id, createdAt: now })
            .onConflictDoNothing()
            .returning({ id: ticketThreads.id });
          if (!ins.length) throw new IngestRace('thread');
        }
        // Clocks run from a live buyer message; imported history starts them only if a seller
        // answer settles it (below), a seller-opened thread when the buyer first writes.
        if (next.status === 'new') {
          const due = await slaStart(tx, ticket, orderValue, sentAt);
          if (due !== undefined) ticket.slaDueAt = due;
        }
        await evidence(tx, {
          orgId,
          caseId: id,
          caseType: 'ticket',
          kind: 'status_change',
          actor: { type: 'system' },
          occurredAt: now,
          summary: `Ticket #${ticket.number} opened from ${input.channel}${
            next.status !== 'new'
              ? ` as ${next.status}${next.solvedReason ? ` (${next.solvedReason}: written ${sentAt.toISOString()}, before the import horizon)` : ' (the seller wrote first)'}`
              : route.assigneeId
                ? `, routed to ${route.assigneeId} (${route.reason})`
                : `, unassigned in ${queue} (${route.reason})`
          }`,
          data: { status: next.status, solvedReason: next.solvedReason, history, channel: input.channel, queue, language, languageSource: guess.source, assigneeId: route.assigneeId, routing: route },
        });
      }

      const messageId = ids('msg');
      const attachments = input.attachments ?? [];
      const inserted = await tx
        .insert(ticketMessages)
        .values({
          orgId,
          id: messageId,
          ticketId: ticket.id,
          kind: 'public',
          direction: input.direction,
          channel: input.channel,
          externalMessageId: input.externalMessageId,
          authorType: fromBuyer ? 'buyer' : 'platform',
          authorId: fromBuyer ? (input.buyer.externalId ?? null) : null,
          authorName: fromBuyer ? (input.buyer.name ?? input.buyer.email ?? input.buyer.phone ?? null) : 'Seller (outside Afterdesk)',
          body: input.text,
          language: fromBuyer ? guess.language : ticket.language,
          attachments,
          deliveryStatus: fromBuyer ? null : 'sent',
          sentAt,
          createdAt: now,
        })
        .onConflictDoNothing()
        .returning({ id: ticketMessages.id });
      if (!inserted.length) throw new IngestRace('message');

      // Files the channel only linked to are fetched into the evidence store after commit, so a
      // slow CDN never holds the ingest transaction; the key makes a webhook retry a no-op.
      for (const [index, a] of attachments.entries()) {
        if (!a.url || a.sha256) continue;
        await enqueue(
          tx,
          {
            orgId,
            handler: 'helpdesk.fetch_attachment',
            idempotencyKey: `helpdesk.attachment:${input.channel}:${input.externalMessageId}:${index}`,
            payload: { ticketId: ticket.id, messageId, index, url: a.url, fileName: a.fileName ?? null, contentType: a.contentType ?? null },
            subjectType: 'ticket_message',
            subjectId: messageId,
          },
          { ids, clock },
        );
      }

      const status: TicketStatus = created ? ticket.status : next.status;
      const patch: Partial<TicketRow> = {
        messageCount: ticket.messageCount + 1,
        lastMessageAt: ticket.lastMessageAt && ticket.lastMessageAt > sentAt ? ticket.lastMessageAt : sentAt,
        lastMessagePreview: preview(input.text),
        updatedAt: now,
        status,
        slaDueAt: ticket.slaDueAt,
      };
      if (fromBuyer) patch.lastInboundAt = ticket.lastInboundAt && ticket.lastInboundAt > sentAt ? ticket.lastInboundAt : sentAt;
      if (!created && status !== ticket.status) {
        // History settles at the time the conversation went quiet, not at import time.
        patch.solvedAt = status === 'solved' ? sentAt : null;
        patch.solvedReason = status === 'solved' ? next.solvedReason : null;
      } else if (!created && status === 'solved' && ticket.solvedReason !== next.solvedReason && isImported(ticket)) {
        patch.solvedAt = sentAt;
        patch.solvedReason = next.solvedReason;
      }
      // The order may arrive with a later message of the same conversation (TikTok chat cards).
      if (!ticket.orderId && input.orderId) patch.orderId = input.orderId;
      if (!ticket.buyerId && facts?.buyerId) patch.buyerId = facts.buyerId;
      if (!ticket.livestreamSessionId && input.livestreamSessionId) patch.livestreamSessionId = input.livestreamSessionId;
      await tx.update(tickets).set(patch).where(and(eq(tickets.orgId, orgId), eq(tickets.id, ticket.id)));

      // SLA, in the order things happened on the channel (all at the messages' own times).
      const startLate = async (at: Date) => {
        const due = await slaStart(tx, { ...ticket!, ...patch } as TicketRow, orderValue, at);
        if (due !== undefined) await tx.update(tickets).set({ slaDueAt: due }).where(and(eq(tickets.orgId, orgId), eq(tickets.id, ticket!.id)));
      };
      if (!created && before) {
        if (fromBuyer) {
          const deferred = status === 'solved' && next.solvedReason === HISTORY_UNANSWERED;
          if (!deferred) {
            // A seller-opened or imported ticket may have no clocks yet: this message starts them.
            if (before.lastInboundAt === null || isImported(before)) await startLate(sentAt);
            await slaEvent(tx, ticket, { kind: 'buyer_message', status }, sentAt);
          }
        } else {
          let replyStatus: TicketStatus = before.status;
          if (replayFrom && replayFrom <= sentAt) {
            // The unanswered stretch is now answered: measure it from the buyer's message.
            await startLate(replayFrom);
            await slaEvent(tx, ticket, { kind: 'buyer_message', status: 'open' }, replayFrom);
            replyStatus = 'open';
          }
          await slaEvent(tx, ticket, { kind: 'agent_public_reply', status: replyStatus }, sentAt);
          if (status !== replyStatus) await slaEvent(tx, ticket, { kind: 'status_changed', status }, sentAt);
        }
      }

      await evidence(tx, {
        orgId,
        caseId: ticket.id,
        caseType: 'ticket',
        kind: 'message',
        actor: fromBuyer ? { type: 'buyer', id: input.buyer.externalId, name: input.buyer.name } : { type: 'platform' },
        occurredAt: sentAt,
        summary: `${fromBuyer ? 'Buyer' : 'Seller'} message via ${input.channel}: ${preview(input.text)}`,
        data: { messageId, channel: input.channel, externalMessageId: input.externalMessageId, direction: input.direction, text: input.text, attachments },
      });
      if (!created && (status !== ticket.status || patch.solvedReason !== undefined)) {
        await evidence(tx, {
          orgId,
          caseId: ticket.id,
          caseType: 'ticket',
          kind: 'status_change',
          actor: fromBuyer ? { type: 'buyer', id: input.buyer.externalId, name: input.buyer.name } : { type: 'platform' },
          occurredAt: sentAt,
          summary: `Status ${ticket.status} → ${status} (${fromBuyer ? 'buyer' : 'seller outside Afterdesk'} wrote${status === 'solved' && next.solvedReason ? `; ${next.solvedReason}` : ''})`,
          data: { from: ticket.status, to: status, messageId, solvedReason: status === 'solved' ? next.solvedReason : null, history },
        });
      }
      return { ticketId: ticket.id, messageId, created };
    });
  }

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

  async function writeStatus(tx: Tx, actor: Actor, t: TicketRow, to: TicketStatus, reason: string | undefined, now: Date): Promise<TicketRow> {
    if (t.status === to) return t;
    const ok = canChangeStatus(t.status, to);
    if (!ok.ok) throw AppError.conflict('tickets.bad_status_change', ok.reason, { from: t.status, to });
    const patch: Partial<TicketRow> = { status: to, updatedAt: now };
    if (to === 'solved') {
      patch.solvedAt = now;
      patch.solvedReason = reason ?? null;
    } else if (to === 'closed') {
      patch.closedAt = now;
      patch.solvedAt = t.solvedAt ?? now;
    } else {
      patch.solvedAt = null;
    }
    await tx.update(tickets).set(patch).where(and(eq(tickets.orgId, t.orgId), eq(tickets.id, t.id)));
    await slaEvent(tx, t, { kind: 'status_changed', status: to }, now);
    const [row] = await tx.select().from(tickets).where(and(eq(tickets.orgId, t.orgId), eq(tickets.id, t.id)));
    await evidence(tx, {
      orgId: t.orgId,
      caseId: t.id,
      caseType: 'ticket',
      kind: 'status_change',
      actor: actor.userId === 'system' ? { type: 'system' } : { type: 'user', id: actor.userId },
      occurredAt: now,
      summary: `Status ${t.status} → ${to}${reason ? ` (${reason})` : ''}`,
      data: { from: t.status, to, reason: reason ?? null },
    });
    return row!;
  }

  async function addMessage(
    tx: Tx,
    actor: Actor,
    t: TicketRow,
    input: { kind: 'public' | 'note'; text: string; attachments?: AttachmentRef[]; macroId?: string },
    now: Date,
  ): Promise<MessageRow> {
    const user = actor.userId === 'system' ? undefined : await loadUser(tx, actor.orgId, actor.userId);
    if (input.macroId) {
      const [mac] = await tx.select({ id: macros.id }).from(macros).where(and(eq(macros.orgId, actor.orgId), eq(macros.id, input.macroId)));
      if (!mac) throw AppError.notFound('macro', input.macroId);
    }
    const id = ids('msg');
    const attachments = input.attachments ?? [];
    const [m] = await tx
      .insert(ticketMessages)
      .values({
        orgId: t.orgId,
        id,
        ticketId: t.id,
        kind: input.kind,
        direction: 'outbound',
        channel: t.channel,
        externalMessageId: null,
        authorType: user ? 'user' : 'system',
        authorId: user?.id ?? null,
        authorName: user?.name ?? 'Afterdesk',
        body: input.text,
        language: input.kind === 'public' ? t.language : detectLanguage(input.text, { hint: 'en' }).language,
        attachments,
        macroId: input.macroId ?? null,
        deliveryStatus: input.kind === 'public' ? 'queued' : null,
        sentAt: now,
        createdAt: now,
      })
      .returning();
    await evidence(tx, {
      orgId: t.orgId,
      caseId: t.id,
      caseType: 'ticket',
      kind: input.kind === 'public' ? 'message' : 'note',
      actor: user ? { type: 'user', id: user.id, name: user.name } : { type: 'system' },
      occurredAt: now,
      summary: `${input.kind === 'public' ? 'Reply to buyer' : 'Internal note'}: ${preview(input.text)}`,
      data: { messageId: id, channel: t.channel, text: input.text, attachments, macroId: input.macroId ?? null },
      fileSha256s: attachments.flatMap((a) => (a.sha256 ? [a.sha256] : [])),
    });
    return m!;
  }

  async function getTicketRow(actor: Actor, id: string): Promise<TicketRow> {
    return db.tenant(actor.orgId, async (tx) => {
      const [t] = await tx.select().from(tickets).where(and(eq(tickets.orgId, actor.orgId), eq(tickets.id, id)));
      if (!t) throw AppError.notFound('ticket', id);
      return t;
    });
  }

  /** Who may set which status, whatever the ticket: shared by the single and the bulk endpoint. */
  function checkStatusRole(actor: Actor, status: TicketStatus): void {
    requireRole(actor, ['owner', 'supervisor', 'agent', 'warehouse'], 'changing ticket status');
    if (actor.role === 'warehouse' && status !== 'waiting_on_warehouse' && status !== 'open') {
      throw AppError.forbidden('tickets.warehouse_status', 'Warehouse staff may only hand a ticket back (open) or mark it waiting on warehouse');
    }
  }

  const service = {
    /** Contract 2: idempotent on org + channel + externalMessageId. */
    async ingestInbound(raw: InboundMessage): Promise<{ ticketId: string; messageId: string; created: boolean }> {
      const parsed = InboundMessageSchema.safeParse(raw);
      if (!parsed.success) {
        throw AppError.validation(
          'helpdesk.bad_inbound',
          'Inbound message is invalid',
          parsed.error.issues.map((i) => ({ field: i.path.join('.'), message: i.message })),
        );
      }
      const input = parsed.data as InboundMessage;
      const facts = await orderFacts(systemActor(input.orgId), input.orderId);
      // A channel's order reference is kept only when it names an order of this organisation;
      // the buyer's message itself is never refused for it. Without the orders module (isolated
      // tests) nothing can be checked and the reference is kept as given.
      if (input.orderId && portsOf().orders && !facts) {
        deps.log?.warn({ orgId: input.orgId, channel: input.channel }, 'inbound order reference not found in the organisation; not linked');
        input.orderId = undefined;
      }
      for (let attempt = 0; ; attempt++) {
        try {
          return await ingestOnce(input, facts);
        } catch (e) {
          // Two deliveries of one webhook raced; the loser retries and finds the winner's rows.
          const race = e instanceof IngestRace || isUniqueViolation(e) || pgErrorCode(e) === '40P01';
          if (!race || attempt >= 2) throw e;
        }
      }
    },

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
      const orders = portsOf().orders;
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
      }
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

    /** A public reply: the message, the channel's outbox row, SLA and evidence in one transaction. */
    async reply(actor: Actor, ticketId: string, input: ReplyInput): Promise<{ message: MessageRow; ticket: TicketRow; outboxId: string }> {
      requireRole(actor, AGENT_ROLES, 'replying to buyers');
      const now = clock.now();
      return db.tenant(actor.orgId, async (tx) => {
        let t = await lockTicket(tx, actor.orgId, ticketId);
        const idempotencyKey = input.clientKey ? `helpdesk.reply:${ticketId}:${input.clientKey}` : undefined;
        if (idempotencyKey) {
          // The ticket row lock serialises replies on this ticket, so the first submit has committed.
          const [prior] = await tx.select().from(outbox).where(and(eq(outbox.orgId, actor.orgId), eq(outbox.idempotencyKey, idempotencyKey)));
          if (prior?.subjectId) {
            const [m] = await tx.select().from(ticketMessages).where(and(eq(ticketMessages.orgId, actor.orgId), eq(ticketMessages.id, prior.subjectId)));
            if (m) return { message: m, ticket: t, outboxId: prior.id };
          }
        }
        if (t.status === 'closed') throw AppError.conflict('tickets.closed', `Ticket #${t.number} is closed${t.mergedIntoId ? ` (merged into ${t.mergedIntoId})` : ''}; reply on the open ticket`);
        const m = await addMessage(tx, actor, t, { kind: 'public', text: input.text, attachments: input.attachments, macroId: input.macroId }, now);
        const handler = replyHandlerFor(t.channel);
        const payload = await replyPayload(tx, t, m);
        const { row } = await enqueue(
          tx,
          { orgId: actor.orgId, handler, idempotencyKey: idempotencyKey ?? `helpdesk.reply:${m.id}`, payload, subjectType: 'ticket_message', subjectId: m.id },
          { ids, clock },
        );
        await tx.update(ticketMessages).set({ outboxId: row.id }).where(and(eq(ticketMessages.orgId, actor.orgId), eq(ticketMessages.id, m.id)));
        const patch: Partial<TicketRow> = { messageCount: t.messageCount + 1, lastMessageAt: now, lastMessagePreview: preview(input.text), updatedAt: now };
        // Whoever answers an unowned ticket owns it; the queue stays on their list.
        if (!t.assigneeId && actor.userId !== 'system') patch.assigneeId = actor.userId;
        [t] = (await tx.update(tickets).set(patch).where(and(eq(tickets.orgId, actor.orgId), eq(tickets.id, t.id))).returning()) as [TicketRow];
        await slaEvent(tx, t, { kind: 'agent_public_reply', status: t.status }, now);
        const next = statusAfterReply(t.status, input.status);
        if (next !== t.status) t = await writeStatus(tx, actor, t, next, undefined, now);
        const [fresh] = await tx.select().from(tickets).where(and(eq(tickets.orgId, actor.orgId), eq(tickets.id, t.id)));
        return { message: { ...m, outboxId: row.id }, ticket: fresh!, outboxId: row.id };
      });
    },

    async addNote(actor: Actor, ticketId: string, input: { text: string; attachments?: AttachmentRef[] }): Promise<MessageRow> {
      requireRole(actor, ['owner', 'supervisor', 'agent', 'warehouse'], 'adding notes');
      const now = clock.now();
      return db.tenant(actor.orgId, async (tx) => {
        const t = await lockTicket(tx, actor.orgId, ticketId);
        const m = await addMessage(tx, actor, t, { kind: 'note', text: input.text, attachments: input.attachments }, now);
        await tx.update(tickets).set({ messageCount: t.messageCount + 1, updatedAt: now }).where(and(eq(tickets.orgId, actor.orgId), eq(tickets.id, t.id)));
        return m;
      });
    },

    async setStatus(actor: Actor, ticketId: string, status: TicketStatus, reason?: string): Promise<TicketRow> {
      checkStatusRole(actor, status);
      const now = clock.now();
      return db.tenant(actor.orgId, async (tx) => writeStatus(tx, actor, await lockTicket(tx, actor.orgId, ticketId), status, reason, now));
    },

    /** For other modules (e.g. after a refund went through). */
    async markSolved(actor: Actor, ticketId: string, reason: string): Promise<TicketRow> {
      const now = clock.now();
      return db.tenant(actor.orgId, async (tx) => {
        const t = await lockTicket(tx, actor.orgId, ticketId);
        if (t.status === 'closed' || t.status === 'solved') return t;
        return writeStatus(tx, actor, t, 'solved', reason, now);
      });
    },

    async setPriority(actor: Actor, ticketId: string, priority: Priority): Promise<TicketRow> {
      requireRole(actor, AGENT_ROLES, 'changing priority');
      const now = clock.now();
      return db.tenant(actor.orgId, async (tx) => {
        const t = await lockTicket(tx, actor.orgId, ticketId);
        if (t.priority === priority) return t;
        await tx.update(tickets).set({ priority, updatedAt: now }).where(and(eq(tickets.orgId, actor.orgId), eq(tickets.id, t.id)));
        await slaEvent(tx, t, { kind: 'priority_changed', priority }, now);
        await evidence(tx, {
          orgId: t.orgId,
          caseId: t.id,
          caseType: 'ticket',
          kind: 'status_change',
          actor: { type: 'user', id: actor.userId },
          occurredAt: now,
          summary: `Priority ${t.priority} → ${priority}`,
          data: { priorityFrom: t.priority, priorityTo: priority },
        });
        const [fresh] = await tx.select().from(tickets).where(and(eq(tickets.orgId, actor.orgId), eq(tickets.id, t.id)));
        return fresh!;
      });
    },

    async setTags(actor: Actor, ticketId: string, change: TagsInput): Promise<TicketRow> {
      requireRole(actor, AGENT_ROLES, 'tagging tickets');
      const now = clock.now();
      return db.tenant(actor.orgId, async (tx) => {
        const t = await lockTicket(tx, actor.orgId, ticketId);
        const tags = applyTags(t.tags, change);
        const [row] = await tx.update(tickets).set({ tags, updatedAt: now }).where(and(eq(tickets.orgId, actor.orgId), eq(tickets.id, t.id))).returning();
        return row!;
      });
    },

    /** 404 unless the order is one of the caller's organisation (bodies that carry an order id). */
    async checkOrder(actor: Actor, orderId: string): Promise<void> {
      await requireOrder(actor, orderId);
    },

    /** Link the ticket to an order / buyer of the orders module once known. */
    async link(actor: Actor, ticketId: string, input: { orderId?: string | null; buyerId?: string | null }): Promise<TicketRow> {
      requireRole(actor, AGENT_ROLES, 'linking tickets');
      const now = clock.now();
      const facts = input.orderId ? await requireOrder(actor, input.orderId) : null;
      if (input.buyerId) {
        await requireBuyer(actor, input.buyerId);
        if (facts?.buyerId && facts.buyerId !== input.buyerId) {
          throw AppError.validation('tickets.buyer_order_mismatch', 'That order belongs to another buyer', [{ field: 'buyerId', message: "not the order's buyer" }]);
        }
      }
      return db.tenant(actor.orgId, async (tx) => {
        const t = await lockTicket(tx, actor.orgId, ticketId);
        const patch: Partial<TicketRow> = { updatedAt: now };
        if (input.orderId !== undefined) patch.orderId = input.orderId;
        if (input.buyerId !== undefined) patch.buyerId = input.buyerId;
        else if (facts?.buyerId && !t.buyerId) patch.buyerId = facts.buyerId;
        const [row] = await tx.update(tickets).set(patch).where(and(eq(tickets.orgId, actor.orgId), eq(tickets.id, t.id))).returning();
        return row!;
      });
    },

    /**
     * Assign and/or move to another queue. Agents may take a ticket or give it back; supervisors
     * and owners re-route anything.
     */
    async assign(actor: Actor, ticketId: string, input: AssignInput): Promise<TicketRow> {
      requireRole(actor, AGENT_ROLES, 'assigning tickets');
      const now = clock.now();
      return db.tenant(actor.orgId, async (tx) => {
        const t = await lockTicket(tx, actor.orgId, ticketId);
        const supervisor = (SUPERVISOR_ROLES as readonly string[]).includes(actor.role);
        if (!supervisor) {
          const self = input.assigneeId === actor.userId || (input.assigneeId === null && t.assigneeId === actor.userId) || input.assigneeId === undefined;
          if (!self || input.queue !== undefined) throw AppError.forbidden('tickets.reassign_forbidden', 'Agents may take a ticket or hand back their own; supervisors re-route');
          if (input.assigneeId === actor.userId && t.assigneeId && t.assigneeId !== actor.userId) {
            throw AppError.forbidden('tickets.reassign_forbidden', 'This ticket belongs to another agent; ask a supervisor to re-route it');
          }
        }
        if (input.assigneeId) {
          const u = await loadUser(tx, actor.orgId, input.assigneeId);
          if (!u || !u.active || u.role === 'warehouse') {
            throw AppError.validation('tickets.bad_assignee', 'Assignee must be an active agent, supervisor or owner of this organisation', [{ field: 'assigneeId', message: 'unknown or inactive user' }]);
          }
        }
        const patch: Partial<TicketRow> = { updatedAt: now };
        if (input.assigneeId !== undefined) patch.assigneeId = input.assigneeId;
        if (input.queue !== undefined) patch.queue = input.queue;
        const [row] = await tx.update(tickets).set(patch).where(and(eq(tickets.orgId, actor.orgId), eq(tickets.id, t.id))).returning();
        await evidence(tx, {
          orgId: t.orgId,
          caseId: t.id,
          caseType: 'ticket',
          kind: 'status_change',
          actor: { type: 'user', id: actor.userId },
          occurredAt: now,
          summary: `Assignment: ${t.assigneeId ?? 'nobody'} → ${row!.assigneeId ?? 'nobody'}, queue ${t.queue} → ${row!.queue}`,
          data: { assignment: { from: t.assigneeId, to: row!.assigneeId }, queue: { from: t.queue, to: row!.queue } },
        });
        return row!;
      });
    },

    /** Re-run routing for a ticket (supervisor "re-route" button). */
    async reroute(actor: Actor, ticketId: string): Promise<{ ticket: TicketRow; decision: RoutingDecision }> {
      requireRole(actor, SUPERVISOR_ROLES, 're-routing tickets');
      const now = clock.now();
      const t0 = await getTicketRow(actor, ticketId);
      const facts = await orderFacts(actor, t0.orderId);
      return db.tenant(actor.orgId, async (tx) => {
        const t = await lockTicket(tx, actor.orgId, ticketId);
        const decision = await decideRoute(tx, actor.orgId, { language: t.language, queue: t.queue }, facts?.lines.find((l) => l.category)?.category, now);
        const [row] = await tx.update(tickets).set({ assigneeId: decision.assigneeId, updatedAt: now }).where(and(eq(tickets.orgId, actor.orgId), eq(tickets.id, t.id))).returning();
        if (decision.assigneeId) await rememberRoute(tx, actor.orgId, t.queue, decision.assigneeId, now);
        await evidence(tx, {
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

    /**
     * One action on many tickets. Each ticket runs through the same method as its single endpoint,
     * in its own transaction, so SLA events, evidence and outbox rows are exactly those of one call
     * per ticket. A refusal about one ticket (not found — also for another organisation's id —,
     * a status change it does not allow, another agent's ticket) is reported for that ticket and the
     * others go on. A role that may not do the action at all refuses the whole request up front, as
     * the single endpoint would refuse every call. Anything that is not an AppError is a bug and
     * propagates (tickets before it stay changed: each was its own committed call).
     */
    async bulk(actor: Actor, input: BulkInput): Promise<BulkResult[]> {
      const a = input.action;
      if (a.kind === 'status') checkStatusRole(actor, a.status);
      else requireRole(actor, AGENT_ROLES, a.kind === 'priority' ? 'changing priority' : a.kind === 'tags' ? 'tagging tickets' : 'assigning tickets');
      const results: BulkResult[] = [];
      for (const ticketId of input.ticketIds) {
        try {
          if (a.kind === 'status') await service.setStatus(actor, ticketId, a.status);
          else if (a.kind === 'priority') await service.setPriority(actor, ticketId, a.priority);
          else if (a.kind === 'assign') await service.assign(actor, ticketId, { assigneeId: a.assigneeId });
          else await service.setTags(actor, ticketId, { ...(a.add ? { add: a.add } : {}), ...(a.remove ? { remove: a.remove } : {}) });
          results.push({ ticketId, ok: true });
        } catch (e) {
          if (!isAppError(e)) throw e;
          results.push({ ticketId, ok: false, code: e.code, kind: e.kind, message: e.message });
        }
      }
      return results;
    },

    /**
     * Merge duplicates into `targetId`: their messages and conversations move to the survivor,
     * each merged ticket closes pointing at it, and its evidence stays under its own id.
     */
    async merge(actor: Actor, targetId: string, sourceIds: string[]): Promise<TicketRow> {
      requireRole(actor, AGENT_ROLES, 'merging tickets');
      const now = clock.now();
      const unique = [...new Set(sourceIds)];
      if (unique.includes(targetId)) throw AppError.validation('tickets.merge_self', 'A ticket cannot be merged into itself', [{ field: 'sourceTicketIds', message: 'contains the target' }]);
      return db.tenant(actor.orgId, async (tx) => {
        // Lock in id order so two merges of overlapping sets cannot deadlock.
        const all = [targetId, ...unique].sort();
        const locked = new Map<string, TicketRow>();
        for (const id of all) locked.set(id, await lockTicket(tx, actor.orgId, id));
        const target = locked.get(targetId)!;
        if (target.status === 'closed') throw AppError.conflict('tickets.merge_into_closed', `Ticket #${target.number} is closed and cannot receive a merge`);
        let tags = target.tags;
        for (const sid of unique) {
          const s = locked.get(sid)!;
          if (s.status === 'closed') throw AppError.conflict('tickets.merge_closed', `Ticket #${s.number} is already closed`, { ticketId: sid });
          await tx.execute(sql`update ticket_messages set ticket_id = ${targetId}, moved_from_ticket_id = coalesce(moved_from_ticket_id, ${sid})
            where org_id = ${actor.orgId} and ticket_id = ${sid}`);
          await tx.update(ticketThreads).set({ ticketId: targetId }).where(and(eq(ticketThreads.orgId, actor.orgId), eq(ticketThreads.ticketId, sid)));
          await tx
            .update(tickets)
            .set({ status: 'closed', mergedIntoId: targetId, closedAt: now, solvedAt: s.solvedAt ?? now, solvedReason: `merged into #${target.number}`, messageCount: 0, updatedAt: now })
            .where(and(eq(tickets.orgId, actor.orgId), eq(tickets.id, sid)));
          await slaEvent(tx, s, { kind: 'status_changed', status: 'closed' }, now);
          await addMessage(tx, actor, { ...s, status: 'closed' }, { kind: 'note', text: `Merged into ticket #${target.number} (${targetId}).\n已合并到工单 #${target.number}。` }, now);
          await evidence(tx, {
            orgId: actor.orgId,
            caseId: sid,
            caseType: 'ticket',
            kind: 'status_change',
            actor: { type: 'user', id: actor.userId },
            occurredAt: now,
            summary: `Merged into #${target.number}; messages moved`,
            data: { from: s.status, to: 'closed', mergedIntoId: targetId },
          });
          tags = applyTags(tags, { add: s.tags });
        }
        await addMessage(tx, actor, target, { kind: 'note', text: ((nums) => `Merged ${nums} into this ticket.\n已将 ${nums} 合并到本工单。`)(unique.map((id) => `#${locked.get(id)!.number}`).join(', ')) }, now);
        await evidence(tx, {
          orgId: actor.orgId,
          caseId: targetId,
          caseType: 'ticket',
          kind: 'status_change',
          actor: { type: 'user', id: actor.userId },
          occurredAt: now,
          summary: `Absorbed ${unique.length} duplicate ticket(s)`,
          data: { mergedTicketIds: unique },
        });
        const firstOrder = target.orderId ?? unique.map((id) => locked.get(id)!.orderId).find((o) => o);
        await tx.execute(sql`update tickets set
            message_count = (select count(*) from ticket_messages m where m.org_id = ${actor.orgId} and m.ticket_id = ${targetId}),
            last_message_at = (select max(sent_at) from ticket_messages m where m.org_id = ${actor.orgId} and m.ticket_id = ${targetId} and m.kind = 'public'),
            order_id = ${firstOrder ?? null}, updated_at = ${now.toISOString()}::timestamptz
          where org_id = ${actor.orgId} and id = ${targetId}`);
        await tx.update(tickets).set({ tags }).where(and(eq(tickets.orgId, actor.orgId), eq(tickets.id, targetId)));
        const [fresh] = await tx.select().from(tickets).where(and(eq(tickets.orgId, actor.orgId), eq(tickets.id, targetId)));
        return fresh!;
      });
    },

    /**
     * Full-text search over messages (stemmed in the message's language and plain) and over ticket
     * subjects and buyer identity. The query is stemmed in all five languages, since the agent's
     * words may be in any of them.
     */
    async search(actor: Actor, q: string, limit = 25): Promise<{ ticket: TicketRow; snippet: string | null; rank: number }[]> {
      return db.tenant(actor.orgId, async (tx) => {
        // The index scans run in afterdesk_search_* (migration 0202): under row-level security
        // Postgres will not use a GIN index for the non-leakproof @@ operator.
        const tsq = sql`(websearch_to_tsquery('simple', ${q}) || websearch_to_tsquery('english', ${q}) || websearch_to_tsquery('german', ${q}) || websearch_to_tsquery('french', ${q}) || websearch_to_tsquery('italian', ${q}) || websearch_to_tsquery('spanish', ${q}))`;
        const r = await tx.execute(sql`
          with
          -- Ranking reads every matching row, so a very common word would cost seconds on a large
          -- org; only the first 2000 matches the index yields are ranked.
          matches as (
            select ticket_id, message_id as id, rank from afterdesk_search_messages(${tsq}, 2000)
          ),
          hits as (
            select ticket_id, max(rank) as rank, (array_agg(id order by rank desc))[1] as message_id
            from matches
            group by ticket_id
            union all
            select ticket_id, rank * 1.5, null from afterdesk_search_tickets(${tsq}, 500)
          ),
          best as (
            select ticket_id, max(rank) as rank, max(message_id) as message_id from hits group by ticket_id
            order by max(rank) desc limit ${limit}
          )
          select best.ticket_id, best.rank, best.message_id,
            case when best.message_id is null then null else
              (select ts_headline(afterdesk_ts_config(m.language), m.body, ${tsq}, 'MaxWords=20, MinWords=8, StartSel=«, StopSel=»')
                 from ticket_messages m where m.org_id = ${actor.orgId} and m.id = best.message_id) end as snippet
          from best
          order by best.rank desc`);
        const hits = r.rows as { ticket_id: string; rank: number; snippet: string | null }[];
        if (!hits.length) return [];
        const rows = await tx.select().from(tickets).where(and(eq(tickets.orgId, actor.orgId), inArray(tickets.id, hits.map((h) => h.ticket_id))));
        const byId = new Map(rows.map((t) => [t.id, t]));
        return hits.flatMap((h) => (byId.has(h.ticket_id) ? [{ ticket: byId.get(h.ticket_id)!, snippet: h.snippet, rank: Number(h.rank) }] : []));
      });
    },

    // ---------- macros ----------

    async listMacros(actor: Actor, opts: { includeInactive?: boolean } = {}): Promise<MacroRow[]> {
      return db.tenant(actor.orgId, (tx) =>
        tx
          .select()
          .from(macros)
          .where(and(eq(macros.orgId, actor.orgId), opts.includeInactive ? undefined : eq(macros.active, true)))
          .orderBy(asc(macros.category), asc(macros.name)),
      );
    },

    async getMacro(actor: Actor, id: string): Promise<MacroRow> {
      return db.tenant(actor.orgId, async (tx) => {
        const [m] = await tx.select().from(macros).where(and(eq(macros.orgId, actor.orgId), eq(macros.id, id)));
        if (!m) throw AppError.notFound('macro', id);
        return m;
      });
    },

    async createMacro(actor: Actor, input: CreateMacro): Promise<MacroRow> {
      requireRole(actor, SUPERVISOR_ROLES, 'managing macros');
      const now = clock.now();
      try {
        return await db.tenant(actor.orgId, async (tx) => {
          const [m] = await tx
            .insert(macros)
            .values({ orgId: actor.orgId, id: ids('mac'), key: input.key, name: input.name, category: input.category, bodies: input.bodies as Record<string, string>, active: true, createdAt: now, updatedAt: now })
            .returning();
          return m!;
        });
      } catch (e) {
        if (isUniqueViolation(e, 'macros_key_unique')) throw AppError.conflict('macros.duplicate_key', `A macro with key ${input.key} already exists`, { field: 'key' });
        throw e;
      }
    },

    async updateMacro(actor: Actor, id: string, input: UpdateMacro): Promise<MacroRow> {
      requireRole(actor, SUPERVISOR_ROLES, 'managing macros');
      const now = clock.now();
      return db.tenant(actor.orgId, async (tx) => {
        const patch: Partial<MacroRow> = { updatedAt: now };
        if (input.name !== undefined) patch.name = input.name;
        if (input.category !== undefined) patch.category = input.category;
        if (input.bodies !== undefined) patch.bodies = input.bodies as Record<string, string>;
        if (input.active !== undefined) patch.active = input.active;
        const [m] = await tx.update(macros).set(patch).where(and(eq(macros.orgId, actor.orgId), eq(macros.id, id))).returning();
        if (!m) throw AppError.notFound('macro', id);
        return m;
      });
    },

    async deleteMacro(actor: Actor, id: string): Promise<void> {
      requireRole(actor, SUPERVISOR_ROLES, 'managing macros');
      await db.tenant(actor.orgId, async (tx) => {
        const r = await tx.delete(macros).where(and(eq(macros.orgId, actor.orgId), eq(macros.id, id))).returning({ id: macros.id });
        if (!r.length) throw AppError.notFound('macro', id);
      });
    },

    /**
     * Fill a macro for a ticket: the buyer's language (fallback en) and the variables the ticket
     * and its order know. Explicit variables win over derived ones.
     */
    async renderMacro(actor: Actor, id: string, opts: { ticketId?: string; language?: string; variables?: Record<string, string> }): Promise<RenderedMacro & { variables: Record<string, string> }> {
      const m = await service.getMacro(actor, id);
      const vars: Record<string, string> = {};
      let language = opts.language ?? 'en';
      if (opts.ticketId) {
        const t = await getTicketRow(actor, opts.ticketId);
        language = opts.language ?? t.language;
        const shop = await db.tenant(actor.orgId, async (tx) => (await tx.select().from(shopsTable).where(and(eq(shopsTable.orgId, actor.orgId), eq(shopsTable.id, t.shopId))))[0]);
        if (t.buyerName) vars.buyer_name = t.buyerName.split(/\s+/)[0]!;
        if (shop) vars.shop_name = shop.name;
        if (t.orderId) vars.order_number = t.orderId;
        const facts = await orderFacts(actor, t.orderId);
        if (facts) {
          if (facts.externalId) vars.order_number = facts.externalId;
          const product = facts.lines.find((l) => l.productName)?.productName;
          if (product) vars.product = product;
          if (facts.trackingUrl) vars.tracking_link = facts.trackingUrl;
          else if (facts.trackingNumber) vars.tracking_link = `${facts.carrier ? `${facts.carrier} ` : ''}${facts.trackingNumber}`;
        }
      }
      Object.assign(vars, opts.variables ?? {});
      return { ...renderMacro(m.bodies, language, vars), variables: vars };
    },

    /** The starter playbooks in five languages; existing keys are left alone. */
    async seedDefaultMacros(orgId: string): Promise<number> {
      const now = clock.now();
      return db.tenant(orgId, async (tx) => {
        let n = 0;
        for (const d of DEFAULT_MACROS) {
          const r = await tx
            .insert(macros)
            .values({ orgId, id: ids('mac'), key: d.key, name: d.name, category: d.category, bodies: d.bodies, active: true, createdAt: now, updatedAt: now })
            .onConflictDoNothing()
            .returning({ id: macros.id });
          n += r.length;
        }
        return n;
      });
    },

    // ---------- agent shifts ----------

    /** Who can take tickets: languages, skills, shift, live load (assignment pickers, supervisor view). */
    async listAgents(actor: Actor): Promise<{ id: string; name: string; role: string; languages: string[]; skills: string[]; load: number; onShift: boolean; schedule: { timeZone: string; hours: BusinessHours } | null }[]> {
      const now = clock.now();
      return db.tenant(actor.orgId, async (tx) => {
        const people = await tx
          .select({ id: usersTable.id, name: usersTable.name, role: usersTable.role, languages: usersTable.languages, skills: usersTable.skills })
          .from(usersTable)
          .where(and(eq(usersTable.orgId, actor.orgId), eq(usersTable.active, true), inArray(usersTable.role, ['owner', 'supervisor', 'agent'])))
          .orderBy(asc(usersTable.name));
        const loads = await tx
          .select({ id: tickets.assigneeId, n: sql<number>`count(*)::int` })
          .from(tickets)
          .where(and(eq(tickets.orgId, actor.orgId), sql`${tickets.assigneeId} is not null`, sql`${tickets.status} not in ('solved', 'closed')`))
          .groupBy(tickets.assigneeId);
        const schedules = await tx.select().from(agentSchedules).where(eq(agentSchedules.orgId, actor.orgId));
        const loadOf = new Map(loads.map((l) => [l.id, l.n]));
        const schedOf = new Map(schedules.map((x) => [x.id, { timeZone: x.timeZone, hours: x.hours }]));
        return people.map((u) => {
          const schedule = schedOf.get(u.id) ?? null;
          return { ...u, load: loadOf.get(u.id) ?? 0, schedule, onShift: isOnShift(schedule, now) };
        });
      });
    },

    async getSchedule(actor: Actor, userId: string): Promise<{ timeZone: string; hours: Record<string, { start: string; end: string }[]> } | null> {
      return db.tenant(actor.orgId, async (tx) => {
        const u = await loadUser(tx, actor.orgId, userId);
        if (!u) throw AppError.notFound('user', userId);
        const [s] = await tx.select().from(agentSchedules).where(and(eq(agentSchedules.orgId, actor.orgId), eq(agentSchedules.id, userId)));
        return s ? { timeZone: s.timeZone, hours: s.hours } : null;
      });
    },

    async setSchedule(actor: Actor, userId: string, input: { timeZone: string; hours: import('../tenancy/index.js').BusinessHours }): Promise<void> {
      if (actor.userId !== userId) requireRole(actor, SUPERVISOR_ROLES, "changing another person's shift");
      const now = clock.now();
      await db.tenant(actor.orgId, async (tx) => {
        const u = await loadUser(tx, actor.orgId, userId);
        if (!u) throw AppError.notFound('user', userId);
        await tx
          .insert(agentSchedules)
          .values({ orgId: actor.orgId, id: userId, timeZone: input.timeZone, hours: input.hours, updatedAt: now })
          .onConflictDoUpdate({ target: [agentSchedules.orgId, agentSchedules.id], set: { timeZone: input.timeZone, hours: input.hours, updatedAt: now } });
      });
    },

    /**
     * SLA breach (contract 3's onEscalation): the team sees a bilingual note, the ticket turns
     * urgent and tagged so it tops every queue, and an unowned ticket goes to a supervisor.
     */
    async escalate(e: { orgId: string; ticketId: string; metric: string; dueAt: Date; targetMinutes: number }): Promise<TicketRow | null> {
      const now = clock.now();
      const actor = systemActor(e.orgId);
      return db.tenant(e.orgId, async (tx) => {
        const [t] = await tx.select().from(tickets).where(and(eq(tickets.orgId, e.orgId), eq(tickets.id, e.ticketId))).for('update');
        if (!t || !isLive(t.status)) return t ?? null;
        const label: Record<string, [string, string]> = { first_reply: ['first reply', '首次回复'], next_reply: ['next reply', '后续回复'], resolution: ['resolution', '解决'] };
        const [en, zh] = label[e.metric] ?? [e.metric, e.metric];
        const due = e.dueAt.toISOString().replace('.000Z', 'Z');
        await addMessage(tx, actor, t, { kind: 'note', text: `SLA breached: ${en} was due ${due} (target ${e.targetMinutes} min). Escalated to a supervisor.\nSLA 已超时：${zh}应于 ${due} 前完成（目标 ${e.targetMinutes} 分钟），已升级给主管。` }, now);
        const patch: Partial<TicketRow> = { tags: applyTags(t.tags, { add: ['sla-breached'] }), messageCount: t.messageCount + 1, updatedAt: now };
        if (t.priority !== 'urgent') patch.priority = 'urgent';
        if (!t.assigneeId) {
          const [sup] = await tx
            .select({ id: usersTable.id })
            .from(usersTable)
            .where(and(eq(usersTable.orgId, e.orgId), eq(usersTable.role, 'supervisor'), eq(usersTable.active, true)))
            .orderBy(asc(usersTable.id))
            .limit(1);
          if (sup) patch.assigneeId = sup.id;
        }
        await tx.update(tickets).set(patch).where(and(eq(tickets.orgId, e.orgId), eq(tickets.id, t.id)));
        if (patch.priority) await slaEvent(tx, t, { kind: 'priority_changed', priority: 'urgent' }, now);
        await evidence(tx, {
          orgId: e.orgId,
          caseId: t.id,
          caseType: 'ticket',
          kind: 'status_change',
          actor: { type: 'system' },
          occurredAt: now,
          summary: `SLA ${en} breached; escalated (priority urgent${patch.assigneeId ? `, assigned to supervisor ${patch.assigneeId}` : ''})`,
          data: { escalation: { metric: e.metric, dueAt: due, targetMinutes: e.targetMinutes }, priorityFrom: t.priority, assigneeId: patch.assigneeId ?? t.assigneeId },
        });
        const [fresh] = await tx.select().from(tickets).where(and(eq(tickets.orgId, e.orgId), eq(tickets.id, t.id)));
        return fresh!;
      });
    },

    /** The fetch-attachment step stored a linked file: pin it on the message and in the evidence. */
    async attachStoredFile(orgId: string, input: { messageId: string; index: number; sha256: string; contentType: string; size: number; fileName?: string | null }): Promise<void> {
      const now = clock.now();
      await db.tenant(orgId, async (tx) => {
        const [m] = await tx.select().from(ticketMessages).where(and(eq(ticketMessages.orgId, orgId), eq(ticketMessages.id, input.messageId))).for('update');
        if (!m) throw AppError.notFound('message', input.messageId);
        const list = [...m.attachments];
        const cur = list[input.index];
        if (!cur || cur.sha256 === input.sha256) return;
        list[input.index] = { ...cur, sha256: input.sha256, contentType: input.contentType, size: input.size, ...(input.fileName && !cur.fileName ? { fileName: input.fileName } : {}) };
        await tx.update(ticketMessages).set({ attachments: list }).where(and(eq(ticketMessages.orgId, orgId), eq(ticketMessages.id, m.id)));
        await evidence(tx, {
          orgId,
          caseId: m.ticketId,
          caseType: 'ticket',
          kind: 'attachment',
          actor: m.authorType === 'buyer' ? { type: 'buyer', id: m.authorId ?? undefined, name: m.authorName ?? undefined } : { type: 'system' },
          occurredAt: now,
          summary: `File from the ${m.channel} message stored: ${cur.fileName ?? input.fileName ?? input.sha256.slice(0, 12)} (${input.contentType}, ${input.size} bytes)`,
          data: { messageId: m.id, index: input.index, url: cur.url ?? null, sha256: input.sha256 },
          fileSha256s: [input.sha256],
        });
      });
    },

    /** Outbox handlers call this after the channel accepted (or refused for good) a reply. */
    async markDelivery(orgId: string, messageId: string, status: 'sent' | 'failed'): Promise<void> {
      await db.tenant(orgId, (tx) => tx.update(ticketMessages).set({ deliveryStatus: status }).where(and(eq(ticketMessages.orgId, orgId), eq(ticketMessages.id, messageId))));
    },

    /** Look a ticket's sending context up for channel handlers (e-mail threading headers). */
    async isLive(actor: Actor, ticketId: string): Promise<boolean> {
      return isLive((await getTicketRow(actor, ticketId)).status);
    },
  };

  async function replyPayload(tx: Executor, t: TicketRow, m: MessageRow): Promise<Record<string, unknown>> {
    const handler = replyHandlerFor(t.channel);
    if (handler === 'tiktok.send_message') {
      let conversationId = t.externalThreadId;
      if (t.channel === 'tiktok_return_request') {
        // A return request is not a conversation; the buyer reads replies in their chat with the shop.
        const [chat] = t.buyerExternalId
          ? await tx
              .select({ conv: ticketThreads.externalThreadId })
              .from(ticketThreads)
              .innerJoin(tickets, and(eq(tickets.orgId, ticketThreads.orgId), eq(tickets.id, ticketThreads.ticketId)))
              .where(and(eq(ticketThreads.orgId, t.orgId), eq(ticketThreads.channel, 'tiktok_chat'), eq(tickets.shopId, t.shopId), eq(tickets.buyerExternalId, t.buyerExternalId)))
              .orderBy(desc(ticketThreads.createdAt))
              .limit(1)
          : [];
        if (!chat) {
          throw AppError.conflict('tickets.no_chat_for_return', 'This buyer has no TikTok chat with the shop yet, so a reply cannot reach them; decide the return request instead, or wait for the buyer to write');
        }
        conversationId = chat.conv;
      }
      return { shopId: t.shopId, conversationId, text: m.body, messageKey: m.id };
    }
    const [shop] = await tx.select().from(shopsTable).where(and(eq(shopsTable.orgId, t.orgId), eq(shopsTable.id, t.shopId)));
    if (handler === 'email.send') {
      // Thread the reply under the buyer's latest mail so their client groups it.
      const [lastIn] = await tx
        .select({ ext: ticketMessages.externalMessageId })
        .from(ticketMessages)
        .where(and(eq(ticketMessages.orgId, t.orgId), eq(ticketMessages.ticketId, t.id), eq(ticketMessages.direction, 'inbound'), eq(ticketMessages.channel, 'email')))
        .orderBy(desc(ticketMessages.sentAt))
        .limit(1);
      const refs = await tx
        .select({ ext: ticketMessages.externalMessageId })
        .from(ticketMessages)
        .where(and(eq(ticketMessages.orgId, t.orgId), eq(ticketMessages.ticketId, t.id), eq(ticketMessages.channel, 'email'), sql`${ticketMessages.externalMessageId} is not null`))
        .orderBy(asc(ticketMessages.sentAt));
      return {
        shopId: t.shopId,
        ticketId: t.id,
        messageId: m.id,
        from: shop?.supportContacts.email ?? null,
        fromName: shop?.name ?? null,
        to: t.buyerEmail,
        toName: t.buyerName,
        subject: /^re:/i.test(t.subject) ? t.subject : `Re: ${t.subject}`,
        text: m.body,
        inReplyTo: lastIn?.ext ?? null,
        references: refs.map((r) => r.ext).filter((x): x is string => !!x),
        attachments: m.attachments,
      };
    }
    return { shopId: t.shopId, ticketId: t.id, messageId: m.id, from: shop?.supportContacts.whatsapp ?? null, to: t.buyerPhone ?? t.externalThreadId, text: m.body, attachments: m.attachments };
  }

  return service;
}

export type HelpdeskService = ReturnType<typeof createHelpdeskService>;
