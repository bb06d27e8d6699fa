import { and, desc, eq, sql } from 'drizzle-orm';
import type { Executor } from '../../platform/db.js';
import { publishLive } from '../../platform/live.js';
import { actionLineText, actionStateFollows, failureReason, platformConfirms, stateOfStep, type ActionKind, type ActionState } from './helpdesk.actions.rules.js';
import type { HelpdeskCore } from './helpdesk.core.js';
import { ticketMessages, tickets } from './helpdesk.schema.js';

/** What a module tells the helpdesk when it queues an action taken from a ticket. */
export interface ActionLineInput {
  orgId: string;
  ticketId: string;
  /** The outbox step carrying the action; its end writes the next line. */
  outboxId: string;
  /** Ties the lines of one action together (e.g. `remedy:<id>:refund`); a later confirmation names it. */
  group: string;
  action: ActionKind;
  amount?: number | null;
  currency?: string | null;
  /** A reference people recognise (the platform's request number, the coupon's title). */
  ref?: string | null;
  /** The platform request the action is about: the platform's later word on it confirms the action. */
  platformReturnId?: string | null;
}

/** Writes action lines in the caller's transaction (ports of remedies, returns, coupons). */
export type ActionLines = {
  requested(tx: Executor, input: ActionLineInput): Promise<void>;
  /**
   * Our side finished (a remedy completed, the buyer told): every action of the group prefix not
   * waiting on a platform request's own outcome turns confirmed.
   */
  confirmed(tx: Executor, orgId: string, groupPrefix: string): Promise<void>;
};

type LineParams = { action: ActionKind; state: ActionState; group: string; amount: number | null; currency: string | null; ref: string | null; reason: string | null; platformReturnId: string | null };

/**
 * Action lines in the thread: a system line per state an action reaches, written where the state
 * is known (requested in the action's own transaction, sent or failed when its outbox step ends,
 * confirmed when the platform's outcome arrives), each announced on the live channel.
 */
export function createActions(core: HelpdeskCore) {
  const { db, ids, clock } = core;

  async function latestOf(tx: Executor, orgId: string, group: string): Promise<{ ticketId: string; outboxId: string | null; params: LineParams } | null> {
    const [m] = await tx
      .select({ ticketId: ticketMessages.ticketId, outboxId: ticketMessages.outboxId, event: ticketMessages.event })
      .from(ticketMessages)
      .where(and(eq(ticketMessages.orgId, orgId), sql`${ticketMessages.event}->>'kind' = 'action'`, sql`${ticketMessages.event}->'params'->>'group' = ${group}`))
      .orderBy(desc(ticketMessages.createdAt), desc(ticketMessages.id))
      .limit(1);
    return m ? { ticketId: m.ticketId, outboxId: m.outboxId, params: m.event!.params as unknown as LineParams } : null;
  }

  async function write(tx: Executor, orgId: string, ticketId: string, outboxId: string | null, params: LineParams): Promise<boolean> {
    const [t] = await tx.select({ id: tickets.id, channel: tickets.channel, shopId: tickets.shopId }).from(tickets).where(and(eq(tickets.orgId, orgId), eq(tickets.id, ticketId)));
    if (!t) return false;
    const now = clock.now();
    await tx.insert(ticketMessages).values({
      orgId,
      id: ids('msg'),
      ticketId,
      kind: 'note',
      direction: 'outbound',
      channel: t.channel,
      externalMessageId: null,
      authorType: 'system',
      authorId: null,
      authorName: 'Afterdesk',
      body: actionLineText(params),
      language: 'en',
      attachments: [],
      macroId: null,
      event: { kind: 'action', params: { ...params } },
      deliveryStatus: null,
      outboxId,
      sentAt: now,
      createdAt: now,
    });
    await publishLive(tx, { t: 'ticket', o: orgId, s: t.shopId, id: ticketId });
    return true;
  }

  async function advance(tx: Executor, orgId: string, group: string, state: ActionState, reason: string | null): Promise<boolean> {
    const last = await latestOf(tx, orgId, group);
    if (!last || !actionStateFollows(last.params.state, state)) return false;
    // The platform's word can arrive before our step's end is recorded (a writeback re-reads the
    // request at once): what it confirmed was sent, so the thread says so first.
    if (state === 'confirmed' && last.params.state === 'requested') await write(tx, orgId, last.ticketId, last.outboxId, { ...last.params, state: 'sent', reason: null });
    return write(tx, orgId, last.ticketId, last.outboxId, { ...last.params, state, reason });
  }

  const lines: ActionLines = {
    async requested(tx, input) {
      const last = await latestOf(tx, input.orgId, input.group);
      if (last) return; // asked again (a retried request): the action's lines already run
      await write(tx, input.orgId, input.ticketId, input.outboxId, { action: input.action, state: 'requested', group: input.group, amount: input.amount ?? null, currency: input.currency ?? null, ref: input.ref ?? null, reason: null, platformReturnId: input.platformReturnId ?? null });
    },
    async confirmed(tx, orgId, groupPrefix) {
      const groups = await tx.execute(sql`select distinct event->'params'->>'group' as g from ticket_messages
        where org_id = ${orgId} and event->>'kind' = 'action' and starts_with(event->'params'->>'group', ${groupPrefix})
          and coalesce(event->'params'->>'platformReturnId', '') = ''`);
      for (const r of groups.rows as { g: string }[]) await advance(tx, orgId, r.g, 'confirmed', null);
    },
  };

  return {
    actionLines: lines,
    /**
     * The platform's current word on its requests (the sync's upsert, in its transaction): an
     * action about a request the platform now shows decided the way we asked turns confirmed.
     */
    async platformOutcomes(tx: Executor, orgId: string, rows: { id: string; status: string }[]): Promise<number> {
      const settled = rows.filter((r) => r.status !== 'requested' && r.status !== 'unknown');
      if (settled.length === 0) return 0;
      const status = new Map(settled.map((r) => [r.id, r.status]));
      const found = await tx.execute(sql`select distinct event->'params'->>'group' as g, event->'params'->>'action' as a, event->'params'->>'platformReturnId' as p from ticket_messages
        where org_id = ${orgId} and event->>'kind' = 'action' and event->'params'->>'platformReturnId' in (${sql.join([...status.keys()].map((id) => sql`${id}`), sql`, `)})`);
      let n = 0;
      for (const r of found.rows as { g: string; a: ActionKind; p: string }[]) {
        if (platformConfirms(r.a, status.get(r.p)!) && (await advance(tx, orgId, r.g, 'confirmed', null))) n++;
      }
      return n;
    },
    /**
     * An outbox step ended: the action it carries (if a ticket asked for it) gets its next line —
     * sent to the platform, or failed with the platform's reason. Told once per step end; a
     * repeated call writes nothing.
     */
    async actionStepFinished(orgId: string, outboxId: string, status: 'done' | 'failed', error: string | null): Promise<boolean> {
      return db.tenant(orgId, async (tx) => {
        const [m] = await tx
          .select({ event: ticketMessages.event })
          .from(ticketMessages)
          .where(and(eq(ticketMessages.orgId, orgId), eq(ticketMessages.outboxId, outboxId), sql`${ticketMessages.event}->>'kind' = 'action'`))
          .limit(1);
        if (!m) return false;
        return advance(tx, orgId, String(m.event!.params.group), stateOfStep(status), status === 'failed' ? failureReason(error) : null);
      });
    },
  };
}
