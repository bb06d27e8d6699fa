import { and, desc, eq, sql } from 'drizzle-orm';
import { statement, type Executor, type Tx } from '../../platform/db.js';
import { AppError, isAppError } from '../../platform/errors.js';
import { enqueue } from '../../platform/outbox/outbox.js';
import { LIVE_CHANNEL, publishLive } from '../../platform/live.js';
import { outbox } from '../../platform/outbox/outbox.schema.js';
import { requireRole, systemActor, type Actor } from '../../platform/tenancy.js';
import { deskPeopleIn, firstSupervisorIn, userIn } from '../auth/index.js';
import { shopIn, type ShopRow } from '../tenancy/index.js';
import { AGENT_ROLES, replyHandlerFor, SUPERVISOR_ROLES, updateTicketRow, type HelpdeskCore, type MessageRow, type TicketRow } from './helpdesk.core.js';
import type { AssignInput, AttachmentRef, BulkInput, BulkResult, Channel, Priority, ReplyInput, TagsInput, TicketStatus } from './helpdesk.dto.js';
import type { OrderFacts } from './helpdesk.ports.js';
import { applyTags, isLive, mentionedIn, preview, replyWindowClosed, statusAfterReply } from './helpdesk.rules.js';
import { unresolvedVariables } from './helpdesk.variables.js';
import { createUpdateRules } from './helpdesk.automations.js';
import { draftRecord, draftSendProblem, markReviewed } from './helpdesk.drafts.rules.js';
import { macros, ticketMessages, tickets, ticketThreads } from './helpdesk.schema.js';

/** The longest public reply under a TikTok video comment (the cap public API clients apply). */
export const VIDEO_COMMENT_REPLY_MAX = 150;

/** A WhatsApp ticket whose buyer has been silent for over 24 h takes only approved templates. */
function replyWindowProblem(t: TicketRow, now: Date): AppError | null {
  const closed = replyWindowClosed(t, now);
  if (!closed) return null;
  return AppError.unprocessable(
    'whatsapp.window_closed',
    `WhatsApp accepts free-form replies only within 24 hours of the buyer's last message (${closed.lastInboundAt ?? 'none yet'}); outside it only an approved template may be sent`,
    { lastInboundAt: closed.lastInboundAt },
  );
}

/** An order of the caller's organisation, or the same 404 a missing one gets (also without the orders module). */
async function requireOrder(core: HelpdeskCore, actor: Actor, orderId: string): Promise<OrderFacts> {
  const facts = await core.orderFacts(actor, orderId);
  if (!facts) throw AppError.notFound('order', orderId);
  return facts;
}

async function requireBuyer(core: HelpdeskCore, actor: Actor, buyerId: string): Promise<void> {
  const orders = core.ports.orders;
  if (!orders?.buyerExists || !(await orders.buyerExists(actor, buyerId))) throw AppError.notFound('buyer', buyerId);
}

/** The status a macro asks a reply to leave the ticket in (null: the usual one). */
async function macroDefaultStatus(tx: Executor, orgId: string, macroId: string): Promise<TicketStatus | undefined> {
  const [m] = await tx.select({ s: macros.defaultStatusAfter }).from(macros).where(and(eq(macros.orgId, orgId), eq(macros.id, macroId)));
  return m?.s ?? undefined;
}

/** `@Name` in an internal note tells that person (a mention of oneself tells nobody). */
async function notifyMentions(core: HelpdeskCore, tx: Executor, actor: Actor, t: TicketRow, text: string): Promise<void> {
  if (!core.ports.notify || !text.includes('@')) return;
  const people = await deskPeopleIn(tx, actor.orgId);
  const mentioned = mentionedIn(text, people);
  if (!mentioned.length) return;
  await core.ports.notify(tx, { orgId: actor.orgId, to: mentioned, kind: 'mention', subject: { type: 'ticket', id: t.id }, shopId: t.shopId, params: { ticketNumber: t.number, byUserId: actor.userId, by: people.find((p) => p.id === actor.userId)?.name ?? null }, link: `/inbox/${t.id}`, except: actor.userId });
}

/** What the channel's outbox handler needs to deliver a public reply (`knownShop`: the ticket's shop, when the caller read it). */
export async function replyPayload(tx: Executor, t: TicketRow, m: MessageRow, knownShop?: ShopRow): Promise<Record<string, unknown>> {
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
  if (handler === 'tiktok.comment_reply') {
    // The thread is the top-level comment; the step re-reads the replies before a retry.
    return { shopId: t.shopId, ticketId: t.id, messageId: m.id, threadId: t.externalThreadId, text: m.body, queuedAt: m.sentAt.toISOString() };
  }
  // The ticket's shop always exists (foreign key), so this never refuses.
  const shop = knownShop && knownShop.id === t.shopId ? knownShop : await shopIn(tx, t.orgId, t.shopId);
  if (handler === 'email.send') {
    // Thread the reply under the buyer's latest mail so their client groups it; the thread's
    // message ids (oldest first) as its references — both from one read of the ticket's mails.
    const mails = (
      await tx.execute(sql`select external_message_id as ext, direction from ticket_messages
        where org_id = ${t.orgId} and ticket_id = ${t.id} and channel = 'email' and (external_message_id is not null or direction = 'inbound')
        order by sent_at, id`)
    ).rows as { ext: string | null; direction: string }[];
    const lastIn = mails.filter((x) => x.direction === 'inbound').at(-1);
    const refs = mails.filter((x) => x.ext !== null);
    return {
      shopId: t.shopId,
      ticketId: t.id,
      ticketNumber: t.number,
      messageId: m.id,
      from: shop.supportContacts.email ?? null,
      fromName: shop.name ?? null,
      to: t.buyerEmail,
      toName: t.buyerName,
      subject: /^re:/i.test(t.subject) ? t.subject : `Re: ${t.subject}`,
      text: m.body,
      inReplyTo: lastIn?.ext ?? null,
      references: refs.map((r) => r.ext).filter((x): x is string => !!x),
      attachments: m.attachments,
    };
  }
  return { shopId: t.shopId, ticketId: t.id, messageId: m.id, from: shop.supportContacts.whatsapp ?? null, to: t.buyerPhone ?? t.externalThreadId, text: m.body, attachments: m.attachments };
}

/**
 * Ticket commands: what agents (and other modules, and SLA escalation) do to a ticket — reply,
 * note, status, priority, tags, links, assignment, merge, and the bulk form of some of them.
 */

/** A reply's retry check (every reply with a client key): rendered once (`statement()`, platform/db.ts). */
const priorStep = statement((db) =>
  db
    .select({ id: outbox.id, subjectId: outbox.subjectId })
    .from(outbox)
    .where(and(eq(outbox.orgId, sql.placeholder('orgId')), eq(outbox.idempotencyKey, sql.placeholder('key')))),
);

export function createCommands(core: HelpdeskCore) {
  const runUpdateRules = createUpdateRules(core);
  const { db, ids, clock } = core;

  const part = {
    /** A public reply: the message, the channel's outbox row, SLA and evidence in one transaction. */
    async reply(actor: Actor, ticketId: string, input: ReplyInput): Promise<{ message: MessageRow; ticket: TicketRow; outboxId: string }> {
      requireRole(actor, AGENT_ROLES, 'replying to buyers');
      // A placeholder left in the text would reach the buyer as `{{order_number}}`: refuse, naming them.
      const unresolved = unresolvedVariables(input.text);
      if (unresolved.length) throw AppError.unprocessable('tickets.unresolved_variables', `Fill in ${unresolved.map((v) => `{{${v}}}`).join(', ')} before sending`, { variables: unresolved });
      if (draftSendProblem(input.machineDraft)) throw AppError.unprocessable('tickets.unreviewed_draft', 'This reply is an unreviewed machine translation: review it, or confirm sending it unreviewed', { issues: [{ field: 'machineDraft.reviewed', message: 'unreviewed machine translation' }] });
      const now = clock.now();
      return db.tenant(actor.orgId, async (tx) => {
        let t = await core.lockTicket(tx, actor.orgId, ticketId);
        const idempotencyKey = input.clientKey ? `helpdesk.reply:${ticketId}:${input.clientKey}` : undefined;
        if (idempotencyKey) {
          // The ticket row lock serialises replies on this ticket, so the first submit has committed.
          const [prior] = await priorStep(tx, { orgId: actor.orgId, key: idempotencyKey });
          if (prior?.subjectId) {
            const [m] = await tx.select().from(ticketMessages).where(and(eq(ticketMessages.orgId, actor.orgId), eq(ticketMessages.id, prior.subjectId)));
            if (m) return { message: m, ticket: t, outboxId: prior.id };
          }
        }
        if (t.status === 'closed') throw AppError.conflict('tickets.closed', `Ticket #${t.number} is closed${t.mergedIntoId ? ` (merged into ${t.mergedIntoId})` : ''}; reply on the open ticket`);
        const window = replyWindowProblem(t, now);
        if (window) throw window;
        // A comment reply is public and short; files cannot go under a comment.
        if (t.channel === 'video_comment' && (input.text.length > VIDEO_COMMENT_REPLY_MAX || input.attachments?.length)) {
          throw AppError.unprocessable('video_comment.reply_too_long', `A reply under a TikTok video comment is public and holds at most ${VIDEO_COMMENT_REPLY_MAX} characters and no files (this one has ${input.text.length}${input.attachments?.length ? ` and ${input.attachments.length} file(s)` : ''}); take longer answers to the buyer's chat`, { max: VIDEO_COMMENT_REPLY_MAX, length: input.text.length });
        }
        // The delivery step's id is chosen first, so the message goes in already pointing at it.
        const outboxId = ids('obx');
        const { message: m, evidence: said } = await core.insertMessage(tx, actor, t, { kind: 'public', text: input.text, attachments: input.attachments, macroId: input.macroId, machineDraft: draftRecord(input.machineDraft, actor.userId, now) }, now, outboxId);
        const handler = replyHandlerFor(t.channel);
        // The ticket's shop, read once for the payload and both SLA steps.
        const shop = await shopIn(tx, actor.orgId, t.shopId);
        const payload = await replyPayload(tx, t, m, shop);
        const { row } = await enqueue(
          tx,
          { orgId: actor.orgId, handler, idempotencyKey: idempotencyKey ?? `helpdesk.reply:${m.id}`, payload, subjectType: 'ticket_message', subjectId: m.id },
          { ids: () => outboxId, clock },
        );
        // An existing step under the key (a resubmit whose message was lost) keeps its own id.
        if (row.id !== outboxId) await tx.update(ticketMessages).set({ outboxId: row.id }).where(and(eq(ticketMessages.orgId, actor.orgId), eq(ticketMessages.id, m.id)));
        const replied = { orgId: actor.orgId, ticketId: t.id, kind: 'agent_public_reply' as const, status: t.status, at: now, shop };
        const patch: Partial<TicketRow> = { messageCount: t.messageCount + 1, lastMessageAt: now, lastMessagePreview: preview(input.text), updatedAt: now };
        // Whoever answers an unowned ticket owns it; the queue stays on their list.
        if (!t.assigneeId && actor.userId !== 'system') patch.assigneeId = actor.userId;
        const next = statusAfterReply(t.status, input.status ?? (input.macroId ? await macroDefaultStatus(tx, actor.orgId, input.macroId) : undefined));
        // The SLA clocks move first (the reply, then the status change it causes, in one read of
        // the clocks), so the ticket row is written once with its new status and due.
        let changed: Awaited<ReturnType<typeof core.changeStatus>> | undefined;
        if (next !== t.status) {
          changed = await core.changeStatus(tx, actor, t, next, undefined, now, shop, { slaEvents: [replied], patch });
          t = changed.row;
        } else {
          const moved = await core.ports.sla.recordEvent(tx, replied);
          t = await updateTicketRow(tx, actor.orgId, t.id, { ...patch, slaDueAt: moved.nextDueAt });
        }
        // The evidence last, as one append: the organisation's chain head is held only from here to commit.
        await core.evidenceMany(tx, [said, changed?.evidence]);
        return { message: { ...m, outboxId: row.id }, ticket: t, outboxId: row.id };
      }, { cachedPlans: true, cachedSettings: true });
    },

    /**
     * A message the system sends on its own (the CSAT question), on the caller's transaction: the
     * public message and the channel's outbox row under `idempotencyKey` (a retry sends nothing
     * twice). No SLA event and no status change: it is not an agent's answer. False when the
     * channel cannot take a free-form message now (closed ticket, WhatsApp window closed).
     */
    async sendAutomatedIn(tx: Tx, orgId: string, ticketId: string, text: string, idempotencyKey: string): Promise<boolean> {
      const now = clock.now();
      const t = await core.lockTicket(tx, orgId, ticketId);
      if (t.status === 'closed' || replyWindowProblem(t, now)) return false;
      const [prior] = await tx.select({ id: outbox.id }).from(outbox).where(and(eq(outbox.orgId, orgId), eq(outbox.idempotencyKey, idempotencyKey)));
      if (prior) return true;
      const m = await core.addMessage(tx, systemActor(orgId), t, { kind: 'public', text }, now);
      const { row } = await enqueue(tx, { orgId, handler: replyHandlerFor(t.channel), idempotencyKey, payload: await replyPayload(tx, t, m), subjectType: 'ticket_message', subjectId: m.id }, { ids, clock });
      await tx.update(ticketMessages).set({ outboxId: row.id }).where(and(eq(ticketMessages.orgId, orgId), eq(ticketMessages.id, m.id)));
      await tx.update(tickets).set({ messageCount: t.messageCount + 1, lastMessageAt: now, lastMessagePreview: preview(text) }).where(and(eq(tickets.orgId, orgId), eq(tickets.id, t.id)));
      return true;
    },

    /** A person confirms they checked a machine-translated reply (after it was sent unreviewed). */
    async reviewMachineDraft(actor: Actor, ticketId: string, messageId: string): Promise<MessageRow> {
      requireRole(actor, AGENT_ROLES, 'reviewing machine translations');
      const now = clock.now();
      return db.tenant(actor.orgId, async (tx) => {
        const t = await core.lockTicket(tx, actor.orgId, ticketId);
        const [m] = await tx.select().from(ticketMessages).where(and(eq(ticketMessages.orgId, actor.orgId), eq(ticketMessages.ticketId, t.id), eq(ticketMessages.id, messageId)));
        if (!m) throw AppError.notFound('message', messageId);
        if (!m.machineDraft) throw AppError.conflict('tickets.not_machine_draft', 'This message was written by a person, not translated by a machine');
        if (m.machineDraft.reviewed) return m;
        const [row] = await tx.update(ticketMessages).set({ machineDraft: markReviewed(m.machineDraft, actor.userId, now) }).where(and(eq(ticketMessages.orgId, actor.orgId), eq(ticketMessages.id, m.id))).returning();
        await core.evidence(tx, { orgId: t.orgId, caseId: t.id, caseType: 'ticket', kind: 'status_change', actor: { type: 'user', id: actor.userId }, occurredAt: now, summary: 'Machine translation of a sent reply reviewed', data: { messageId: m.id, provider: m.machineDraft.provider, to: m.machineDraft.to } });
        await publishLive(tx, { t: 'ticket', o: t.orgId, s: t.shopId, id: t.id });
        return row!;
      });
    },

    async addNote(actor: Actor, ticketId: string, input: { text: string; attachments?: AttachmentRef[] }): Promise<MessageRow> {
      requireRole(actor, ['owner', 'supervisor', 'agent', 'warehouse'], 'adding notes');
      const now = clock.now();
      return db.tenant(actor.orgId, async (tx) => {
        const t = await core.lockTicket(tx, actor.orgId, ticketId);
        const m = await core.addMessage(tx, actor, t, { kind: 'note', text: input.text, attachments: input.attachments }, now);
        await tx.update(tickets).set({ messageCount: t.messageCount + 1, updatedAt: now }).where(and(eq(tickets.orgId, actor.orgId), eq(tickets.id, t.id)));
        await notifyMentions(core, tx, actor, t, input.text);
        return m;
      });
    },

    async setStatus(actor: Actor, ticketId: string, status: TicketStatus, reason?: string): Promise<TicketRow> {
      core.checkStatusRole(actor, status);
      const now = clock.now();
      return db.tenant(actor.orgId, async (tx) => {
        const before = await core.lockTicket(tx, actor.orgId, ticketId);
        const row = await core.writeStatus(tx, actor, before, status, reason, now);
        // A person's change runs the "status changed" rules; a change the system makes does not (no loops).
        if (actor.userId !== 'system' && before.status !== row.status && (await runUpdateRules(tx, ticketId, actor.orgId, 'status_changed', { now }))) {
          const [fresh] = await tx.select().from(tickets).where(and(eq(tickets.orgId, actor.orgId), eq(tickets.id, ticketId)));
          return fresh!;
        }
        return row;
      });
    },

    /** For other modules (e.g. after a refund went through). */
    async markSolved(actor: Actor, ticketId: string, reason: string): Promise<TicketRow> {
      const now = clock.now();
      return db.tenant(actor.orgId, async (tx) => {
        const t = await core.lockTicket(tx, actor.orgId, ticketId);
        if (t.status === 'closed' || t.status === 'solved') return t;
        return core.writeStatus(tx, actor, t, 'solved', reason, now);
      });
    },

    async setPriority(actor: Actor, ticketId: string, priority: Priority): Promise<TicketRow> {
      requireRole(actor, AGENT_ROLES, 'changing priority');
      const now = clock.now();
      return db.tenant(actor.orgId, async (tx) => {
        const t = await core.lockTicket(tx, actor.orgId, ticketId);
        if (t.priority === priority) return t;
        await tx.update(tickets).set({ priority, updatedAt: now }).where(and(eq(tickets.orgId, actor.orgId), eq(tickets.id, t.id)));
        await core.slaEvent(tx, t, { kind: 'priority_changed', priority }, now);
        await core.evidence(tx, {
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
        const t = await core.lockTicket(tx, actor.orgId, ticketId);
        const tags = applyTags(t.tags, change);
        const [row] = await tx.update(tickets).set({ tags, updatedAt: now }).where(and(eq(tickets.orgId, actor.orgId), eq(tickets.id, t.id))).returning();
        if (actor.userId !== 'system' && tags.some((x) => !t.tags.includes(x)) && (await runUpdateRules(tx, ticketId, actor.orgId, 'tag_added', { now }))) {
          const [fresh] = await tx.select().from(tickets).where(and(eq(tickets.orgId, actor.orgId), eq(tickets.id, t.id)));
          return fresh!;
        }
        return row!;
      });
    },

    /** 404 unless the order is one of the caller's organisation (bodies that carry an order id). */
    async checkOrder(actor: Actor, orderId: string): Promise<void> {
      await requireOrder(core, actor, orderId);
    },

    /** Link the ticket to an order / buyer of the orders module once known. */
    async link(actor: Actor, ticketId: string, input: { orderId?: string | null; buyerId?: string | null }): Promise<TicketRow> {
      requireRole(actor, AGENT_ROLES, 'linking tickets');
      const now = clock.now();
      const facts = input.orderId ? await requireOrder(core, actor, input.orderId) : null;
      if (input.buyerId) {
        await requireBuyer(core, actor, input.buyerId);
        if (facts?.buyerId && facts.buyerId !== input.buyerId) {
          throw AppError.validation('tickets.buyer_order_mismatch', 'That order belongs to another buyer', [{ field: 'buyerId', message: "not the order's buyer" }]);
        }
      }
      return db.tenant(actor.orgId, async (tx) => {
        const t = await core.lockTicket(tx, actor.orgId, ticketId);
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
        const t = await core.lockTicket(tx, actor.orgId, ticketId);
        const supervisor = (SUPERVISOR_ROLES as readonly string[]).includes(actor.role);
        if (!supervisor) {
          const self = input.assigneeId === actor.userId || (input.assigneeId === null && t.assigneeId === actor.userId) || input.assigneeId === undefined;
          if (!self || input.queue !== undefined) throw AppError.forbidden('tickets.reassign_forbidden', 'Agents may take a ticket or hand back their own; supervisors re-route');
          if (input.assigneeId === actor.userId && t.assigneeId && t.assigneeId !== actor.userId) {
            throw AppError.forbidden('tickets.reassign_forbidden', 'This ticket belongs to another agent; ask a supervisor to re-route it');
          }
        }
        if (input.assigneeId) {
          const u = await userIn(tx, actor.orgId, input.assigneeId);
          if (!u || !u.active || u.role === 'warehouse') {
            throw AppError.validation('tickets.bad_assignee', 'Assignee must be an active agent, supervisor or owner of this organisation', [{ field: 'assigneeId', message: 'unknown or inactive user' }]);
          }
        }
        const patch: Partial<TicketRow> = { updatedAt: now };
        if (input.assigneeId !== undefined) patch.assigneeId = input.assigneeId;
        if (input.queue !== undefined) patch.queue = input.queue;
        const [row] = await tx.update(tickets).set(patch).where(and(eq(tickets.orgId, actor.orgId), eq(tickets.id, t.id))).returning();
        await core.evidence(tx, {
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
      if (a.kind === 'status') core.checkStatusRole(actor, a.status);
      else requireRole(actor, AGENT_ROLES, a.kind === 'priority' ? 'changing priority' : a.kind === 'tags' ? 'tagging tickets' : 'assigning tickets');
      const results: BulkResult[] = [];
      for (const ticketId of input.ticketIds) {
        try {
          if (a.kind === 'status') await part.setStatus(actor, ticketId, a.status);
          else if (a.kind === 'priority') await part.setPriority(actor, ticketId, a.priority);
          else if (a.kind === 'assign') await part.assign(actor, ticketId, { assigneeId: a.assigneeId });
          else await part.setTags(actor, ticketId, { ...(a.add ? { add: a.add } : {}), ...(a.remove ? { remove: a.remove } : {}) });
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
        for (const id of all) locked.set(id, await core.lockTicket(tx, actor.orgId, id));
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
          await core.slaEvent(tx, s, { kind: 'status_changed', status: 'closed' }, now);
          await core.addMessage(tx, actor, { ...s, status: 'closed' }, { kind: 'note', text: `Merged into ticket #${target.number} (${targetId}).\n已合并到工单 #${target.number}。` }, now);
          await core.evidence(tx, {
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
        await core.addMessage(tx, actor, target, { kind: 'note', text: ((nums) => `Merged ${nums} into this ticket.\n已将 ${nums} 合并到本工单。`)(unique.map((id) => `#${locked.get(id)!.number}`).join(', ')) }, now);
        await core.evidence(tx, {
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
     * SLA breach (contract 3's escalation, handed in by the composition): the team sees a bilingual note, the ticket turns
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
        await core.addMessage(tx, actor, t, { kind: 'note', text: `SLA breached: ${en} was due ${due} (target ${e.targetMinutes} min). Escalated to a supervisor.\nSLA 已超时：${zh}应于 ${due} 前完成（目标 ${e.targetMinutes} 分钟），已升级给主管。` }, now);
        const patch: Partial<TicketRow> = { tags: applyTags(t.tags, { add: ['sla-breached'] }), messageCount: t.messageCount + 1, updatedAt: now };
        if (t.priority !== 'urgent') patch.priority = 'urgent';
        if (!t.assigneeId) {
          const sup = await firstSupervisorIn(tx, e.orgId);
          if (sup) patch.assigneeId = sup;
        }
        await tx.update(tickets).set(patch).where(and(eq(tickets.orgId, e.orgId), eq(tickets.id, t.id)));
        if (patch.priority) await core.slaEvent(tx, t, { kind: 'priority_changed', priority: 'urgent' }, now);
        await core.ports.notify?.(tx, {
          orgId: e.orgId,
          to: { role: ['supervisor'], userIds: [patch.assigneeId ?? t.assigneeId].filter((x): x is string => !!x) },
          kind: 'sla_breach',
          subject: { type: 'ticket', id: t.id },
          shopId: t.shopId,
          params: { ticketNumber: t.number, metric: e.metric, dueAt: due },
          link: `/inbox/${t.id}`,
        });
        await core.evidence(tx, {
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

    /**
     * The channel accepted (or refused for good) a reply: the WhatsApp and comment handlers call this
     * with the channel's id for the message (every reply step's outcome is written by `markDeliveryIn`).
     */
    async markDelivery(orgId: string, messageId: string, status: 'sent' | 'failed', error?: string | null, externalMessageId?: string): Promise<{ ticketId: string; shopId: string | null } | null> {
      return db.tenant(orgId, (tx) => part.markDeliveryIn(tx, orgId, messageId, status, error, externalMessageId));
    },

    /**
     * `markDelivery` on the caller's transaction: the outbox's finish writer calls it for every reply
     * step, in the transaction that records the step's outcome, so a reply turns "Sent", or "Failed"
     * with the reason, whichever channel carried it, exactly when its step ends.
     */
    async markDeliveryIn(tx: Executor, orgId: string, messageId: string, status: 'sent' | 'failed', error?: string | null, externalMessageId?: string): Promise<{ ticketId: string; shopId: string | null } | null> {
      // One statement (every reply's delivery comes through here): the status, the ticket's shop and
      // the live event (`LiveEvent` 'delivery', heard at commit).
      const r = await tx.execute(sql`with m as (
            update ticket_messages set delivery_status = ${status}, delivery_error = ${status === 'failed' ? (error ?? null)?.slice(0, 500) ?? null : null},
              external_message_id = coalesce(${externalMessageId ?? null}, external_message_id)
            where org_id = ${orgId} and id = ${messageId}
            returning ticket_id),
          t as (select m.ticket_id, (select shop_id from tickets where org_id = ${orgId} and id = m.ticket_id) as shop_id from m)
          select t.ticket_id, t.shop_id,
            pg_notify(${LIVE_CHANNEL}, json_build_object('t', 'delivery', 'o', ${orgId}::text, 's', t.shop_id, 'id', t.ticket_id, 'm', ${messageId}::text, 'st', ${status === 'sent' ? 'done' : 'failed'}::text)::text)
          from t`);
      const row = r.rows[0] as { ticket_id: string; shop_id: string | null } | undefined;
      return row ? { ticketId: row.ticket_id, shopId: row.shop_id } : null;
    },

    /**
     * A channel's later word on a reply, found by the channel's id for it (WhatsApp: delivered,
     * read, or failed with the platform's reason). Unknown ids are ignored: not every status is ours.
     */
    async markDeliveryByExternalId(orgId: string, channel: Channel, externalMessageId: string, update: { status: 'sent' | 'failed'; detail?: 'delivered' | 'read'; error?: string }): Promise<boolean> {
      return db.tenant(orgId, async (tx) => {
        const [m] = await tx
          .select({ id: ticketMessages.id, meta: ticketMessages.channelMeta, status: ticketMessages.deliveryStatus })
          .from(ticketMessages)
          .where(and(eq(ticketMessages.orgId, orgId), eq(ticketMessages.channel, channel), eq(ticketMessages.externalMessageId, externalMessageId), eq(ticketMessages.direction, 'outbound')))
          .for('update');
        if (!m) return false;
        // Statuses may arrive out of order: read never goes back to delivered, failed stays failed.
        const rank = { delivered: 1, read: 2 } as const;
        const cur = m.meta?.delivery;
        const detail = update.detail && (!cur || rank[update.detail] > rank[cur]) ? update.detail : cur;
        const meta = { ...m.meta, ...(detail ? { delivery: detail } : {}), ...(update.error ? { deliveryError: update.error.slice(0, 300) } : {}) };
        await tx
          .update(ticketMessages)
          .set({ deliveryStatus: m.status === 'failed' ? 'failed' : update.status, channelMeta: meta, ...(update.status === 'failed' && update.error ? { deliveryError: update.error.slice(0, 500) } : {}) })
          .where(and(eq(ticketMessages.orgId, orgId), eq(ticketMessages.id, m.id)));
        return true;
      });
    },

  };
  return part;
}
