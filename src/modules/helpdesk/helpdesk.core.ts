import { and, eq, sql } from 'drizzle-orm';
import type { Clock } from '../../platform/clock.js';
import { placeholders, shapedStatement, statement, type Database, type Executor, type Tx } from '../../platform/db.js';
import { AppError } from '../../platform/errors.js';
import type { IdGenerator } from '../../platform/ids.js';
import type { Logger } from '../../platform/logger.js';
import { requireRole, type Actor } from '../../platform/tenancy.js';
import { userIn } from '../auth/index.js';
import type { AttachmentRef, Channel, MachineDraftView, MacroView, MessageView, Priority, ThreadEvent, TicketStatus, TicketView } from './helpdesk.dto.js';
import type { EvidenceInput, HelpdeskPorts, OrderFacts } from './helpdesk.ports.js';
import { languageModelReady } from './helpdesk.language.js';
import { canChangeStatus, detectLanguage, preview } from './helpdesk.rules.js';
import { macros, ticketMessages, tickets } from './helpdesk.schema.js';
import { unknownPlaceholders } from './helpdesk.variables.js';
import type { ShopRowLike } from './helpdesk.automations.types.js';

/*
 * What every part of the helpdesk service shares: its dependencies, the row views, and the few
 * steps that more than one use case takes (a locked ticket, a message with its evidence, a status
 * change with its SLA event). The parts (ingest, commands, queries, macros, agents) each build on
 * one `HelpdeskCore`; `createHelpdeskService` assembles them.
 */


/**
 * A ticket's row written with `set` and read back, rendered once per set of columns
 * (`shapedStatement()`, platform/db.ts): every reply and status change writes it. Keys whose value
 * is undefined are left as they are (as Drizzle's own update leaves them).
 */
const updateTicketShaped = shapedStatement(
  (db, columns: string[]) =>
    db
      .update(tickets)
      .set(placeholders(...columns) as unknown as Partial<typeof tickets.$inferInsert>)
      .where(and(eq(tickets.orgId, sql.placeholder('where_org_id')), eq(tickets.id, sql.placeholder('where_id'))))
      .returning(),
  (columns) => columns.join(','),
);
export async function updateTicketRow(tx: Executor, orgId: string, id: string, set: Partial<TicketRow>): Promise<TicketRow> {
  const defined = Object.fromEntries(Object.entries(set).filter(([, v]) => v !== undefined));
  const [row] = await updateTicketShaped(tx, Object.keys(defined), { ...defined, where_org_id: orgId, where_id: id });
  if (!row) throw AppError.notFound('ticket', id);
  return row;
}

// The two widest statements of every reply and note, rendered once (`statement()`, platform/db.ts).
const lockTicketRow = statement((db) => db.select().from(tickets).where(and(eq(tickets.orgId, sql.placeholder('orgId')), eq(tickets.id, sql.placeholder('id')))).for('update'));
const insertMessageRow = statement((db) =>
  db
    .insert(ticketMessages)
    .values(placeholders('shopId', 'orgId', 'id', 'ticketId', 'kind', 'direction', 'channel', 'externalMessageId', 'authorType', 'authorId', 'authorName', 'body', 'language', 'attachments', 'macroId', 'event', 'machineDraft', 'deliveryStatus', 'outboxId', 'sentAt', 'createdAt'))
    .returning(),
);

export type TicketRow = typeof tickets.$inferSelect;
export type MessageRow = typeof ticketMessages.$inferSelect;
export type MacroRow = typeof macros.$inferSelect;

export interface HelpdeskDeps {
  db: Database;
  ids: IdGenerator;
  clock: Clock;
  log?: Logger;
}

export const AGENT_ROLES = ['owner', 'supervisor', 'agent'] as const;
export const SUPERVISOR_ROLES = ['owner', 'supervisor'] as const;

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
    deliveryError: m.deliveryError,
    event: m.event ?? null,
    movedFromTicketId: m.movedFromTicketId,
    channelMeta: m.channelMeta ?? null,
    machineDraft: m.machineDraft ?? null,
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
    defaultStatusAfter: m.defaultStatusAfter,
    updatedAt: m.updatedAt.toISOString(),
    shopId: m.shopId,
    ownerUserId: m.ownerUserId,
    version: m.version,
    unknownVariables: Object.fromEntries(Object.entries(m.bodies).map(([lang, body]) => [lang, unknownPlaceholders(body)]).filter(([, v]) => v.length > 0)),
  };
}

/** Which outbox handler carries a public reply back to the buyer on each channel. */
export function replyHandlerFor(channel: Channel): 'tiktok.send_message' | 'email.send' | 'whatsapp.send' | 'portal.deliver' | 'tiktok.comment_reply' {
  if (channel === 'email') return 'email.send';
  // The buyer reads self-service replies on the portal page; the step only marks them delivered.
  if (channel === 'self_service') return 'portal.deliver';
  if (channel === 'whatsapp') return 'whatsapp.send';
  // A public reply under the TikTok video comment (API for Business).
  if (channel === 'video_comment') return 'tiktok.comment_reply';
  return 'tiktok.send_message';
}

export type SlaEventKind = 'agent_public_reply' | 'buyer_message' | 'status_changed' | 'priority_changed';

export function createHelpdeskCore(deps: HelpdeskDeps, ports: HelpdeskPorts) {
  const { db, ids } = deps;
  const { sla } = ports;

  async function evidence(tx: Executor, input: EvidenceInput): Promise<void> {
    await ports.recordEvidence(tx, input);
  }

  /**
   * A use case's records, in order, as its last step: the organisation's chain head is then held
   * from this append to commit only, and two records cost the round trips of one. Records citing
   * files are checked against the file store one by one.
   */
  async function evidenceMany(tx: Executor, inputs: (EvidenceInput | null | undefined)[]): Promise<void> {
    const list = inputs.filter((x): x is EvidenceInput => !!x);
    if (list.length > 1 && ports.recordEvidenceMany && list.every((x) => !x.fileSha256s?.length)) {
      await ports.recordEvidenceMany(tx, list);
      return;
    }
    for (const x of list) await ports.recordEvidence(tx, x);
  }

  /** Start the ticket's SLA clocks; the next due instant (null when none runs). */
  async function slaStart(tx: Executor, t: Pick<TicketRow, 'orgId' | 'shopId' | 'id' | 'channel' | 'priority'>, orderValue: { amount: number; currency: string } | undefined, at: Date, shop?: ShopRowLike): Promise<Date | null> {
    const r = await sla.startClocks(tx, { orgId: t.orgId, shopId: t.shopId, ticketId: t.id, channel: t.channel, priority: t.priority, orderValue, at, shop });
    return r.nextDueAt;
  }

  /** Several SLA events of one ticket, in order, read once when the SLA port can; the next due after the last. */
  async function slaEvents(tx: Executor, events: Parameters<typeof sla.recordEvent>[1][]): Promise<{ nextDueAt: Date | null }> {
    if (sla.recordEvents) return sla.recordEvents(tx, events);
    let r: { nextDueAt: Date | null } = { nextDueAt: null };
    for (const e of events) r = await sla.recordEvent(tx, e);
    return r;
  }

  /** Move the ticket's SLA clocks; the ticket row as it is afterwards (its new due written). */
  async function slaEvent(tx: Executor, t: { orgId: string; id: string }, ev: { kind: SlaEventKind; status?: TicketStatus; priority?: Priority }, at: Date): Promise<TicketRow | undefined> {
    const r = await sla.recordEvent(tx, { orgId: t.orgId, ticketId: t.id, ...ev, at });
    const [row] = await tx.update(tickets).set({ slaDueAt: r.nextDueAt }).where(and(eq(tickets.orgId, t.orgId), eq(tickets.id, t.id))).returning();
    return row;
  }

  /** The order's facts through the orders port; null for none, a missing one, or no orders module. */
  async function orderFacts(actor: Actor, orderId: string | null | undefined): Promise<OrderFacts | null> {
    const orders = ports.orders;
    if (!orderId || !orders) return null;
    try {
      return await orders.getOrderFacts(actor, orderId);
    } catch (e) {
      if (e instanceof AppError && e.kind === 'not_found') return null;
      throw e;
    }
  }

  async function lockTicket(tx: Executor, orgId: string, id: string): Promise<TicketRow> {
    const [t] = await lockTicketRow(tx, { orgId, id });
    if (!t) throw AppError.notFound('ticket', id);
    return t;
  }

  async function getTicketRow(actor: Actor, id: string): Promise<TicketRow> {
    return db.tenant(actor.orgId, async (tx) => {
      const [t] = await tx.select().from(tickets).where(and(eq(tickets.orgId, actor.orgId), eq(tickets.id, id)));
      if (!t) throw AppError.notFound('ticket', id);
      return t;
    });
  }

  async function writeStatus(tx: Tx, actor: Actor, t: TicketRow, to: TicketStatus, reason: string | undefined, now: Date): Promise<TicketRow> {
    const { row, evidence: ev } = await changeStatus(tx, actor, t, to, reason, now);
    if (ev) await evidence(tx, ev);
    return row;
  }

  /**
   * A status change without its evidence record, which the caller appends (with its others) at
   * the end of its transaction. The SLA clocks move first, so the ticket row is written once,
   * with its status and its new due together. `also` carries what the caller changes on the same
   * ticket just before (a reply): its SLA events go first in the same read, its fields in the same write.
   */
  async function changeStatus(
    tx: Tx,
    actor: Actor,
    t: TicketRow,
    to: TicketStatus,
    reason: string | undefined,
    now: Date,
    shop?: ShopRowLike,
    also?: { slaEvents: Parameters<typeof sla.recordEvent>[1][]; patch: Partial<TicketRow> },
  ): Promise<{ row: TicketRow; evidence: EvidenceInput | null }> {
    if (t.status === to) return { row: t, evidence: null };
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
    const r = await slaEvents(tx, [...(also?.slaEvents ?? []), { orgId: t.orgId, ticketId: t.id, kind: 'status_changed', status: to, at: now, shop }]);
    const row = await updateTicketRow(tx, t.orgId, t.id, { ...also?.patch, ...patch, slaDueAt: r.nextDueAt });
    return {
      row: row!,
      evidence: {
        orgId: t.orgId,
        caseId: t.id,
        caseType: 'ticket',
        kind: 'status_change',
        actor: actor.userId === 'system' ? { type: 'system' } : { type: 'user', id: actor.userId },
        occurredAt: now,
        summary: `Status ${t.status} → ${to}${reason ? ` (${reason})` : ''}`,
        data: { from: t.status, to, reason: reason ?? null },
      },
    };
  }

  /** An agent's (or the system's) reply or note, with its evidence; the caller updates the ticket. */
  async function addMessage(
    tx: Tx,
    actor: Actor,
    t: TicketRow,
    input: { kind: 'public' | 'note'; text: string; attachments?: AttachmentRef[]; macroId?: string; event?: ThreadEvent; machineDraft?: MachineDraftView | null },
    now: Date,
  ): Promise<MessageRow> {
    const { message, evidence: ev } = await insertMessage(tx, actor, t, input, now);
    await evidence(tx, ev);
    return message;
  }

  /**
   * `addMessage` without the evidence record, which the caller appends at the end of its
   * transaction; `outboxId` is the id the caller will give the message's delivery step.
   */
  async function insertMessage(
    tx: Tx,
    actor: Actor,
    t: TicketRow,
    input: { kind: 'public' | 'note'; text: string; attachments?: AttachmentRef[]; macroId?: string; event?: ThreadEvent; machineDraft?: MachineDraftView | null },
    now: Date,
    outboxId?: string,
  ): Promise<{ message: MessageRow; evidence: EvidenceInput }> {
    // A note's language is detected (a public reply takes the ticket's).
    if (input.kind === 'note') await languageModelReady();
    // A signed-in person's actor carries their name from the session lookup (one read fewer per reply).
    const user = actor.userId === 'system' ? undefined : actor.name !== undefined ? { id: actor.userId, name: actor.name } : ((await userIn(tx, actor.orgId, actor.userId)) ?? undefined);
    if (input.macroId) {
      const [mac] = await tx.select({ id: macros.id }).from(macros).where(and(eq(macros.orgId, actor.orgId), eq(macros.id, input.macroId)));
      if (!mac) throw AppError.notFound('macro', input.macroId);
    }
    const id = ids('msg');
    const attachments = input.attachments ?? [];
    const [m] = await insertMessageRow(tx, {
      // The ticket's shop, given: the shop-filling trigger (migration 0021) then looks nothing up.
      shopId: t.shopId,
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
      event: input.event ?? null,
      machineDraft: input.machineDraft ?? null,
      deliveryStatus: input.kind === 'public' ? 'queued' : null,
      outboxId: outboxId ?? null,
      sentAt: now,
      createdAt: now,
    });
    return {
      message: m!,
      evidence: {
        orgId: t.orgId,
        caseId: t.id,
        caseType: 'ticket',
        kind: input.kind === 'public' ? 'message' : 'note',
        actor: user ? { type: 'user', id: user.id, name: user.name } : { type: 'system' },
        occurredAt: now,
        summary: `${input.kind === 'public' ? 'Reply to buyer' : 'Internal note'}: ${preview(input.text)}`,
        data: { messageId: id, channel: t.channel, text: input.text, attachments, macroId: input.macroId ?? null },
        fileSha256s: attachments.flatMap((a) => (a.sha256 ? [a.sha256] : [])),
      },
    };
  }

  /** Who may set which status, whatever the ticket: shared by the single and the bulk endpoint. */
  function checkStatusRole(actor: Actor, status: TicketStatus): void {
    requireRole(actor, ['owner', 'supervisor', 'agent', 'warehouse'], 'changing ticket status');
    if (actor.role === 'warehouse' && status !== 'waiting_on_warehouse' && status !== 'open') {
      throw AppError.forbidden('tickets.warehouse_status', 'Warehouse staff may only hand a ticket back (open) or mark it waiting on warehouse');
    }
  }

  return { ...deps, ports, evidence, evidenceMany, slaStart, slaEvent, orderFacts, lockTicket, getTicketRow, writeStatus, changeStatus, addMessage, insertMessage, checkStatusRole };
}

export type HelpdeskCore = ReturnType<typeof createHelpdeskCore>;
