import { and, desc, eq, getTableColumns, inArray, isNull, sql } from 'drizzle-orm';
import { placeholders, shapedStatement, statement, type Executor } from '../../platform/db.js';
import { AppError, isUniqueViolation, pgErrorCode } from '../../platform/errors.js';
import { enqueue } from '../../platform/outbox/outbox.js';
import { systemActor } from '../../platform/tenancy.js';
import { shopIn } from '../tenancy/index.js';
import { emitWebhookEvent } from '../integrations/index.js';
import type { HelpdeskCore, TicketRow } from './helpdesk.core.js';
import { decideRoute } from './helpdesk.agents.js';
import { createAutomationHook, createUpdateRules } from './helpdesk.automations.js';
import { replyPayload } from './helpdesk.commands.js';
import { InboundMessageSchema, type InboundMessage, type TicketStatus } from './helpdesk.dto.js';
import { languageModelReady } from './helpdesk.language.js';
import type { EvidenceInput, OrderFacts } from './helpdesk.ports.js';
import type { ShopRowLike } from './helpdesk.automations.types.js';
import {
  detectLanguage,
  HISTORY_UNANSWERED,
  initialPriority,
  isHistory,
  isImported,
  onBuyerMessage,
  preview,
  queueFor,
  slaEventsForInbound,
  statusAfterChannelMessage,
  AUTOMATED,
  subjectFrom,
  type ChannelStatus,
  type InboundSlaStep,
  type LanguageGuess,
  type RoutingDecision,
} from './helpdesk.rules.js';
import { ticketMessages, tickets, ticketThreads } from './helpdesk.schema.js';
import { zodIssues } from '../../platform/validation.js';

/** Thrown inside an ingest transaction that lost a race for the same message or thread. */
class IngestRace extends Error {}

type Ingested = { ticketId: string; messageId: string; created: boolean };
/** What the ingest needs of a conversation's thread row. */
type ThreadRow = { id: string; ticketId: string };

/** One inbound message and what was decided about it before any ticket is written. */
interface Arrival {
  input: InboundMessage;
  facts: OrderFacts | null;
  sentAt: Date;
  now: Date;
  fromBuyer: boolean;
  history: boolean;
  /** The status (and solved reason) the message leaves the ticket in. */
  next: ChannelStatus;
  guess: LanguageGuess;
  orderValue: { amount: number; currency: string } | undefined;
  /** The message's shop, read once and handed to routing and the SLA clocks. */
  shop: ShopRowLike & { brandId: string };
}

// ---------- steps that only read or write this module's tables ----------

/**
 * One conversation ingests one message at a time: webhook retries and parallel deliveries of the
 * same chat must not both open a ticket. The transaction takes this advisory lock as it opens
 * (`db.tenant`'s `lock`, in the round trip of BEGIN).
 */
const conversationLock = (input: InboundMessage) => `${input.orgId}|${input.channel}|${input.externalThreadId}`;

/**
 * What an earlier delivery left, in one round trip: the message itself when it was already stored
 * (a webhook retry), and the conversation's thread with the ticket it points at.
 */
async function findKnown(tx: Executor, input: InboundMessage): Promise<{ dup: { id: string; ticketId: string } | null; thread: ThreadRow | null }> {
  const r = await tx.execute(sql`select
      (select json_build_object('id', id, 'ticketId', ticket_id) from ticket_messages
        where org_id = ${input.orgId} and channel = ${input.channel} and external_message_id = ${input.externalMessageId} limit 1) as dup,
      (select json_build_object('id', id, 'ticketId', ticket_id) from ticket_threads
        where org_id = ${input.orgId} and channel = ${input.channel} and external_thread_id = ${input.externalThreadId}) as thread`);
  const row = r.rows[0] as { dup: { id: string; ticketId: string } | null; thread: ThreadRow | null };
  return { dup: row.dup, thread: row.thread };
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

/**
 * Already in the thread as the agent's reply: remember the platform's id so later deliveries are
 * duplicates, and count nothing twice.
 */
async function claimOwnReply(tx: Executor, t: TicketRow, input: InboundMessage, sentAt: Date): Promise<{ id: string } | undefined> {
  const own = await findOwnReply(tx, t, input.text, sentAt);
  if (own) await tx.update(ticketMessages).set({ externalMessageId: input.externalMessageId, deliveryStatus: 'sent' }).where(and(eq(ticketMessages.orgId, t.orgId), eq(ticketMessages.id, own.id)));
  return own;
}

/** The first buyer message after the ticket's latest public reply: where an unanswered stretch began. */
async function firstUnanswered(tx: Executor, t: TicketRow): Promise<Date | undefined> {
  const r = await tx.execute(sql`select min(sent_at) as at from ticket_messages
    where org_id = ${t.orgId} and ticket_id = ${t.id} and kind = 'public' and direction = 'inbound'
      and sent_at > coalesce((select max(sent_at) from ticket_messages where org_id = ${t.orgId} and ticket_id = ${t.id} and kind = 'public' and direction = 'outbound'), '-infinity'::timestamptz)`);
  const at = (r.rows[0] as { at: string | Date | null } | undefined)?.at;
  return at ? new Date(at) : undefined;
}

/**
 * The organisation's next ticket number, as a WITH the ticket's INSERT reads (`(select value from
 * numbered)`): the counter moves in the same statement as the row that takes the number.
 */
/**
 * A new ticket's INSERT: its number (the organisation's counter), the queue's round-robin cursor
 * moved to whoever gets it (`routed`: the routing_state row exists and is locked, routing created or
 * locked it in this transaction), the conversation's thread (`newThread`) and the row, in one
 * statement. Rendered once per shape (`shapedStatement()`, platform/db.ts): the widest statement of
 * a create.
 */
type TicketInsert = typeof tickets.$inferInsert;
const insertNewTicket = shapedStatement(
  (db, shape: { routed: boolean; newThread: boolean; columns: string[] }) => {
    const p = sql.placeholder;
    const counter = db.$with('numbered', { value: sql<number>`value` }).as(
      sql`insert into ticket_counters (org_id, id, value) values (${p('orgId')}, 'tickets', 1)
        on conflict (org_id, id) do update set value = ticket_counters.value + 1 returning value`,
    );
    const cursor = db.$with('cursor_moved', { id: sql<string>`id` }).as(
      sql`update routing_state set last_user_id = ${p('assigneeId')}, updated_at = ${p('cursorAt')}::timestamptz where org_id = ${p('orgId')} and id = ${p('queue')} returning id`,
    );
    const threadIn = db.$with('thread_in', { id: sql<string>`id` }).as(
      db
        .insert(ticketThreads)
        .values({ shopId: p('shopId'), orgId: p('orgId'), id: p('threadId'), channel: p('channel'), externalThreadId: p('externalThreadId'), ticketId: p('id'), createdAt: p('createdAt') })
        .onConflictDoNothing()
        .returning({ id: ticketThreads.id })
        .getSQL(),
    );
    return db
      .with(counter, ...(shape.routed ? [cursor] : []), ...(shape.newThread ? [threadIn] : []))
      .insert(tickets)
      .values({ ...(placeholders(...shape.columns) as unknown as TicketInsert), number: sql`(select value from ${counter})` })
      .returning({ ...getTableColumns(tickets), threadsIn: shape.newThread ? sql<number>`(select count(*) from ${threadIn})::int` : sql<number>`0` });
  },
  (shape) => `${shape.routed ? 'routed' : '-'}|${shape.newThread ? 'thread' : '-'}|${shape.columns.join(',')}`,
);

/**
 * What the message changes on its ticket: counters, last message, status (history settles at the
 * time the conversation went quiet, not at import time), and references that arrive late.
 */
function ticketPatchAfter(ticket: TicketRow, a: Arrival, created: boolean): Partial<TicketRow> {
  const { input, sentAt, next } = a;
  const status: TicketStatus = created ? ticket.status : next.status;
  const patch: Partial<TicketRow> = {
    messageCount: ticket.messageCount + 1,
    lastMessageAt: ticket.lastMessageAt && ticket.lastMessageAt > sentAt ? ticket.lastMessageAt : sentAt,
    lastMessagePreview: preview(input.text),
    updatedAt: a.now,
    status,
    slaDueAt: ticket.slaDueAt,
  };
  if (a.fromBuyer) patch.lastInboundAt = ticket.lastInboundAt && ticket.lastInboundAt > sentAt ? ticket.lastInboundAt : sentAt;
  if (!created && status !== ticket.status) {
    patch.solvedAt = status === 'solved' ? sentAt : null;
    patch.solvedReason = status === 'solved' ? next.solvedReason : null;
  } else if (!created && status === 'solved' && ticket.solvedReason !== next.solvedReason && isImported(ticket)) {
    patch.solvedAt = sentAt;
    patch.solvedReason = next.solvedReason;
  }
  // The order may arrive with a later message of the same conversation (TikTok chat cards).
  if (!ticket.orderId && input.orderId) patch.orderId = input.orderId;
  if (!ticket.buyerId && a.facts?.buyerId) patch.buyerId = a.facts.buyerId;
  if (!ticket.livestreamSessionId && input.livestreamSessionId) patch.livestreamSessionId = input.livestreamSessionId;
  // On the self-service page the buyer may give (or change) the address answers are mailed to.
  if (!created && a.fromBuyer && input.channel === 'self_service' && input.buyer.email) patch.buyerEmail = input.buyer.email.toLowerCase();
  return patch;
}

/**
 * An auto-reply, bounce or list mail is nobody's work: it opens a conversation solved (reason
 * `automated`, no clock) and leaves an existing ticket's status and clocks as they were.
 */
function automatedStatus(current: TicketRow | undefined): { status: TicketStatus; solvedReason: string | null } {
  return current ? { status: current.status, solvedReason: current.solvedReason } : { status: 'solved', solvedReason: AUTOMATED };
}

/** Inbound messages from every channel become tickets (contract 2). */

/** Every channel message's row (rendered once: `statement()`, platform/db.ts). */
const insertInbound = statement((db) =>
  db
    .insert(ticketMessages)
    .values({
      ...placeholders('shopId', 'orgId', 'id', 'ticketId', 'direction', 'channel', 'externalMessageId', 'authorType', 'authorId', 'authorName', 'body', 'language', 'attachments', 'channelMeta', 'deliveryStatus', 'sentAt', 'createdAt'),
      kind: 'public',
    })
    .onConflictDoNothing()
    .returning({ id: ticketMessages.id }),
);

export function createIngest(core: HelpdeskCore) {
  const { db, ids, clock } = core;
  const onTicketCreated = createAutomationHook(core, { replyPayload });
  const runUpdateRules = createUpdateRules(core);

  /**
   * Run the SLA steps `slaEventsForInbound` chose. A clock start on a ticket being opened only
   * sets `slaDueAt` in memory (the ticket's patch writes it); on an existing ticket it is written.
   */
  async function runSlaSteps(tx: Executor, t: TicketRow, steps: InboundSlaStep[], a: Arrival, opts: { writeDue: boolean }): Promise<void> {
    for (const step of steps) {
      if (step.kind === 'start_clocks') {
        const due = await core.slaStart(tx, t, a.orderValue, step.at, a.shop);
        if (opts.writeDue) await tx.update(tickets).set({ slaDueAt: due }).where(and(eq(tickets.orgId, t.orgId), eq(tickets.id, t.id)));
        else t.slaDueAt = due;
      } else {
        await core.slaEvent(tx, t, { kind: step.kind, status: step.status }, step.at);
      }
    }
  }

  /**
   * A new ticket for the message: numbered, routed when it is live work, its thread pointed at it.
   * Its "opened" evidence record comes back for the caller to append with the message's own.
   */
  async function openTicket(tx: Executor, a: Arrival, thread: ThreadRow | undefined): Promise<{ ticket: TicketRow; patch: Partial<TicketRow>; opened: EvidenceInput }> {
    const { input, facts, now, next, history } = a;
    const { orgId } = input;
    const queue = queueFor({ channel: input.channel, livestreamSessionId: input.livestreamSessionId, orderTrafficSource: facts?.lines.find((l) => l.trafficSourceType)?.trafficSourceType });
    const language = a.guess.language;
    const category = facts?.lines.find((l) => l.category)?.category ?? null;
    const id = ids('tkt');
    const priority = initialPriority(input.channel);
    // The SLA clocks start before the ticket row exists (they need only its id and facts; no
    // foreign key ties them to it), so the row goes in once with its due — and before routing,
    // whose queue cursor, once locked, makes the organisation's other new tickets wait until commit.
    let slaDueAt: Date | null = null;
    for (const step of slaEventsForInbound({ created: true, direction: input.direction, before: null, after: next, sentAt: a.sentAt })) {
      if (step.kind === 'start_clocks') slaDueAt = await core.slaStart(tx, { orgId, shopId: input.shopId, id, channel: input.channel, priority }, a.orderValue, step.at, a.shop);
    }
    // Settled history and seller-opened threads are nobody's work yet: no routing.
    const route: RoutingDecision = next.status === 'new' ? await decideRoute(tx, orgId, { language, queue, shopId: input.shopId }, category, now, a.shop) : { assigneeId: null, reason: history ? 'history' : 'no buyer message yet', wanted: [] };
    const draft = {
      orgId,
      id,
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
      priority,
      language,
      tags: [],
      assigneeId: route.assigneeId,
      queue,
      slaDueAt,
      mergedIntoId: null,
      solvedReason: next.solvedReason,
      solvedAt: next.status === 'solved' ? a.sentAt : null,
      messageCount: 0,
      lastMessageAt: null,
      lastInboundAt: null,
      lastMessagePreview: null,
      closedAt: null,
      createdAt: now,
      updatedAt: now,
    };
    // What the opening message changes on the ticket is written with the row itself (no second UPDATE).
    const patch = ticketPatchAfter({ ...draft, number: 0 }, a, true);
    // Number, routing cursor, row and (for a new conversation) its thread in one statement. The
    // thread carries its shop, so the shop-filling trigger (migration 0021) needs no lookup of the
    // ticket; its key to the ticket is checked at the statement's end, when both are in.
    const values: Record<string, unknown> = { ...draft, ...patch };
    const shape = { routed: route.assigneeId !== null, newThread: !thread, columns: Object.keys(values) };
    const [row] = await insertNewTicket(tx, shape, { ...values, threadId: ids('tth'), cursorAt: now.toISOString() });
    const { threadsIn, ...ticket } = row!;
    // A parallel delivery opened this conversation first: retry, and find its rows.
    if (shape.newThread && threadsIn !== 1) throw new IngestRace('thread');
    if (thread) await tx.update(ticketThreads).set({ ticketId: id }).where(and(eq(ticketThreads.orgId, orgId), eq(ticketThreads.id, thread.id)));
    // The organisation's outgoing webhooks hear of it in this transaction (no buyer name or text in the event).
    await emitWebhookEvent(tx, { ids, clock }, { orgId, type: 'ticket.created', key: `ticket.created:${id}`, data: { ticketId: id, number: ticket.number, shopId: ticket.shopId, channel: ticket.channel, status: ticket.status, priority: ticket.priority, language: ticket.language, queue: ticket.queue, orderId: ticket.orderId, assigneeId: ticket.assigneeId } });
    const opened: EvidenceInput = {
      orgId,
      caseId: id,
      caseType: 'ticket',
      kind: 'status_change',
      actor: { type: 'system' },
      occurredAt: now,
      summary: `Ticket #${ticket.number} opened from ${input.channel}${
        next.status !== 'new'
          ? ` as ${next.status}${next.solvedReason === AUTOMATED ? ` (automated mail: ${input.automated})` : next.solvedReason ? ` (${next.solvedReason}: written ${a.sentAt.toISOString()}, before the import horizon)` : ' (the seller wrote first)'}`
          : route.assigneeId
            ? `, routed to ${route.assigneeId} (${route.reason})`
            : `, unassigned in ${queue} (${route.reason})`
      }`,
      data: { status: next.status, solvedReason: next.solvedReason, history, channel: input.channel, queue, language, languageSource: a.guess.source, assigneeId: route.assigneeId, routing: route },
    };
    return { ticket, patch, opened };
  }

  /** The channel message itself on the ticket; losing a race to a parallel delivery is an IngestRace. */
  async function appendMessage(tx: Executor, ticket: TicketRow, a: Arrival): Promise<string> {
    const { input, fromBuyer } = a;
    const messageId = ids('msg');
    const inserted = await insertInbound(tx, {
      // The ticket's shop, given: the shop-filling trigger (migration 0021) then looks nothing up.
      shopId: ticket.shopId,
      orgId: input.orgId,
      id: messageId,
      ticketId: ticket.id,
      direction: input.direction,
      channel: input.channel,
      externalMessageId: input.externalMessageId,
      authorType: fromBuyer ? 'buyer' : 'platform',
      authorId: fromBuyer ? (input.buyer.externalId ?? null) : null,
      authorName: fromBuyer ? (input.buyer.name ?? input.buyer.email ?? input.buyer.phone ?? null) : 'Seller (outside Afterdesk)',
      body: input.text,
      language: fromBuyer ? a.guess.language : ticket.language,
      attachments: input.attachments ?? [],
      channelMeta: input.automated || input.channelMeta ? { ...input.channelMeta, ...(input.automated ? { automated: input.automated } : {}) } : null,
      deliveryStatus: fromBuyer ? null : 'sent',
      sentAt: a.sentAt,
      createdAt: a.now,
    });
    if (!inserted.length) throw new IngestRace('message');
    return messageId;
  }

  /**
   * Files the channel only linked to are fetched into the evidence store after commit, so a slow
   * CDN never holds the ingest transaction; the key makes a webhook retry a no-op.
   */
  async function queueAttachmentFetches(tx: Executor, ticketId: string, messageId: string, input: InboundMessage): Promise<void> {
    for (const [index, a] of (input.attachments ?? []).entries()) {
      if (!a.url || a.sha256) continue;
      await enqueue(
        tx,
        {
          orgId: input.orgId,
          handler: 'helpdesk.fetch_attachment',
          idempotencyKey: `helpdesk.attachment:${input.channel}:${input.externalMessageId}:${index}`,
          payload: { ticketId, messageId, index, url: a.url, fileName: a.fileName ?? null, contentType: a.contentType ?? null },
          subjectType: 'ticket_message',
          subjectId: messageId,
        },
        { ids, clock },
      );
    }
  }

  /**
   * The message's evidence, and the status change it caused on an existing ticket (or the new
   * ticket's "opened" record before them), appended together.
   */
  async function recordArrival(tx: Executor, ticket: TicketRow, patch: Partial<TicketRow>, a: Arrival, messageId: string, created: boolean, opened: EvidenceInput | undefined): Promise<void> {
    const { input, fromBuyer, sentAt, next } = a;
    const status = patch.status!;
    const who = fromBuyer ? ({ type: 'buyer', id: input.buyer.externalId, name: input.buyer.name } as const) : ({ type: 'platform' } as const);
    const records: EvidenceInput[] = opened ? [opened] : [];
    records.push({
      orgId: input.orgId,
      caseId: ticket.id,
      caseType: 'ticket',
      kind: 'message',
      actor: who,
      occurredAt: sentAt,
      summary: `${fromBuyer ? 'Buyer' : 'Seller'} message via ${input.channel}: ${preview(input.text)}`,
      data: { messageId, channel: input.channel, externalMessageId: input.externalMessageId, direction: input.direction, text: input.text, attachments: input.attachments ?? [] },
    });
    if (!created && (status !== ticket.status || patch.solvedReason !== undefined)) {
      records.push({
        orgId: input.orgId,
        caseId: ticket.id,
        caseType: 'ticket',
        kind: 'status_change',
        actor: who,
        occurredAt: sentAt,
        summary: `Status ${ticket.status} → ${status} (${fromBuyer ? 'buyer' : 'seller outside Afterdesk'} wrote${status === 'solved' && next.solvedReason ? `; ${next.solvedReason}` : ''})`,
        data: { from: ticket.status, to: status, messageId, solvedReason: status === 'solved' ? next.solvedReason : null, history: a.history },
      });
    }
    await core.evidenceMany(tx, records);
  }

  async function ingestOnce(input: InboundMessage, facts: OrderFacts | null): Promise<Ingested> {
    // Settled after the first message a process takes (the model loads once, on first need).
    await languageModelReady();
    const now = clock.now();
    const sentAt = new Date(input.sentAt);
    const { orgId } = input;
    return db.tenant(orgId, async (tx) => {
      const { dup, thread } = await findKnown(tx, input);
      if (dup) return { ticketId: dup.ticketId, messageId: dup.id, created: false };
      const shop = await shopIn(tx, orgId, input.shopId);

      let current = thread ? await core.lockTicket(tx, orgId, thread.ticketId) : undefined;
      const fromBuyer = input.direction === 'inbound';
      if (current && fromBuyer && onBuyerMessage(current.status).action === 'new_ticket') current = undefined;
      if (current && !fromBuyer) {
        const own = await claimOwnReply(tx, current, input, sentAt);
        if (own) return { ticketId: current.id, messageId: own.id, created: false };
      }

      // A pending return request is live whatever its age (the platform's deadline runs), so the
      // history rules only apply to conversations.
      const history = input.channel !== 'tiktok_return_request' && isHistory(sentAt, now);
      const before = current ? { status: current.status, solvedReason: current.solvedReason, lastInboundAt: current.lastInboundAt } : null;
      // Buyer messages of an imported, still unanswered stretch that a seller answer now settles.
      const replayFrom = current && !fromBuyer && before?.status === 'solved' && before.solvedReason === HISTORY_UNANSWERED ? await firstUnanswered(tx, current) : undefined;
      // The language is detected (ELD; a fifteenth of tinyld's time) only when something
      // reads it: a new ticket's language and routing, a buyer message's own language. A seller's
      // message on an existing ticket takes the ticket's language and never asks.
      let guess: LanguageGuess | undefined;
      const arrival: Arrival = {
        input,
        facts,
        sentAt,
        now,
        fromBuyer,
        history,
        next: input.automated ? automatedStatus(current) : statusAfterChannelMessage(before, input.direction, history),
        get guess() {
          return (guess ??= detectLanguage(input.text, { hint: input.buyer.language, shopLanguages: shop.languages }));
        },
        orderValue: facts?.totalAmount != null && facts.currency ? { amount: facts.totalAmount, currency: facts.currency } : undefined,
        shop,
      };

      const created = !current;
      const fresh = current ? undefined : await openTicket(tx, arrival, thread ?? undefined);
      const ticket = current ?? fresh!.ticket;
      const messageId = await appendMessage(tx, ticket, arrival);
      await queueAttachmentFetches(tx, ticket.id, messageId, input);
      // A new ticket was written with the message's changes already; an existing one is updated.
      const patch = fresh ? fresh.patch : ticketPatchAfter(ticket, arrival, created);
      if (!fresh) await tx.update(tickets).set(patch).where(and(eq(tickets.orgId, orgId), eq(tickets.id, ticket.id)));
      if (!created && !input.automated) {
        const steps = slaEventsForInbound({ created, direction: input.direction, before, after: arrival.next, sentAt, replayFrom });
        await runSlaSteps(tx, { ...ticket, ...patch } as TicketRow, steps, arrival, { writeDue: true });
      }
      await recordArrival(tx, ticket, patch, arrival, messageId, created, fresh?.opened);
      // Automations (rules, out-of-hours acknowledgement) for live work a buyer just opened.
      if (created && fromBuyer && arrival.next.status === 'new') await onTicketCreated(tx, { ...ticket, ...patch } as TicketRow, { facts, shop, text: input.text, now });
      // …and the rules for a buyer writing again on live work (not for imported history or auto-replies).
      else if (!created && fromBuyer && !history && !input.automated) await runUpdateRules(tx, ticket.id, orgId, 'buyer_replied', { text: input.text, now });
      return { ticketId: ticket.id, messageId, created };
    }, { cachedPlans: true, cachedSettings: true, lock: conversationLock(input) });
  }

  return {
    /** Contract 2: idempotent on org + channel + externalMessageId. */
    async ingestInbound(raw: InboundMessage): Promise<Ingested> {
      const parsed = InboundMessageSchema.safeParse(raw);
      if (!parsed.success) {
        throw AppError.validation(
          'helpdesk.bad_inbound',
          'Inbound message is invalid',
          zodIssues(parsed.error),
        );
      }
      const input = parsed.data as InboundMessage;
      const facts = await core.orderFacts(systemActor(input.orgId), input.orderId);
      // A channel's order reference is kept only when it names an order of this organisation;
      // the buyer's message itself is never refused for it. Without the orders module (isolated
      // tests) nothing can be checked and the reference is kept as given.
      if (input.orderId && core.ports.orders && !facts) {
        core.log?.warn({ orgId: input.orgId, channel: input.channel }, 'inbound order reference not found in the organisation; not linked');
        input.orderId = undefined;
      }
      for (let attempt = 0; ; attempt++) {
        try {
          const r = await ingestOnce(input, facts);
          if (input.direction === 'inbound' && core.ports.afterBuyerMessage) {
            await core.ports.afterBuyerMessage({ orgId: input.orgId, ticketId: r.ticketId, messageId: r.messageId, text: input.text }).catch((e: unknown) => core.log?.warn({ err: e, orgId: input.orgId }, 'after-buyer-message hook failed'));
          }
          return r;
        } catch (e) {
          // Two deliveries of one webhook raced; the loser retries and finds the winner's rows.
          const race = e instanceof IngestRace || isUniqueViolation(e) || pgErrorCode(e) === '40P01';
          if (!race || attempt >= 2) throw e;
        }
      }
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
        await core.evidence(tx, {
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

  };
}
