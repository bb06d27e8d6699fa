import { and, asc, desc, eq, inArray, sql } from 'drizzle-orm';
import type { Clock } from '../../platform/clock.js';
import type { Database, Executor, Tx } from '../../platform/db.js';
import { AppError } from '../../platform/errors.js';
import type { IdGenerator } from '../../platform/ids.js';
import type { Logger } from '../../platform/logger.js';
import { enqueue, enqueueMany, type EnqueueInput } from '../../platform/outbox/outbox.js';
import { outbox } from '../../platform/outbox/outbox.schema.js';
import { publishLive } from '../../platform/live.js';
import { afterCursor, cutPage, type Page } from '../../platform/pagination.js';
import { requireRole, type Actor } from '../../platform/tenancy.js';
import { remedyLimitsOf } from '../auth/index.js';
import type { CreateAnnotation, CreateFeedbackTask } from '../analytics/index.js';
import type { EvidenceInput, RecordEvidence, RecordEvidenceMany } from '../evidence/index.js';
import { buyerChatFacts, buyerTicketsSince, ticketBuyerIn } from '../helpdesk/index.js';
import type { Notify } from '../notifications/index.js';
import { buyersMatchingPattern, complaintCounts, linesOfPlatformOrders, buyerPlatformIds, orderOutcomes, productsSoldInShop, sourcesSold, type PatternBuyer } from '../orders/index.js';
import type { ContactDecision, OutreachService } from '../outreach/index.js';
import { shopIn } from '../tenancy/index.js';
import type { AudienceView, IncidentView, LotImportBody, LotImportView, LotList, MemberView, StatusView, UpdateBody } from './incidents.dto.js';
import { LotCsvError, matchLots, parseLotCsv, type LotCandidateLine, type LotRowError } from './incidents.lots.rules.js';
import {
  audienceDelta,
  canMove,
  channelFor,
  costPerBuyer,
  countAudience,
  editable,
  estimate,
  INCIDENT_CHANNELS,
  INCIDENT_LANGUAGES,
  messageFor,
  messageLanguage,
  needsApproval,
  paceFor,
  patternIsEmpty,
  renderMessage,
  slotAt,
  spikeTest,
  unknownVariables,
  whatsappParam,
  type AudienceMember,
  type Compensation,
  type IncidentChannel,
  type IncidentLanguage,
  type IncidentPattern,
  type IncidentStatus,
} from './incidents.rules.js';
import { incidentApplications, incidentBuyers, incidentLots, incidents, type BuyerStatus, type ProposalFacts } from './incidents.schema.js';

export type IncidentRow = typeof incidents.$inferSelect;
export type IncidentBuyerRow = typeof incidentBuyers.$inferSelect;

/** Outbox handlers of an outreach (the TikTok text send is registered by the integration, e-mail by the app). */
export const INCIDENT_CHAT_HANDLER = 'tiktok.send_buyer_text';
export const INCIDENT_EMAIL_HANDLER = 'incidents.send_email';
export const INCIDENT_TEST_MAIL_HANDLER = 'incidents.test_mail';
/** WhatsApp: the shop's number (Cloud API or the fallback line); outside the 24-hour window the approved template. */
export const INCIDENT_WHATSAPP_HANDLER = 'incidents.send_whatsapp';
/** The approved WhatsApp template that opens a conversation about an incident (shop, buyer name, order number). */
export const INCIDENT_WHATSAPP_TEMPLATE = 'afterdesk_incident_notice';
/** Channels whose sends are built. */
export const SENDABLE_CHANNELS: IncidentChannel[] = ['tiktok_chat', 'email', 'whatsapp'];

const LEADS = ['owner', 'supervisor'] as const;
const DESK = ['owner', 'supervisor', 'agent'] as const;
const HARD_REASONS = new Set(['no_chat_scope', 'unreachable', 'no_address', 'no_consent', 'unsubscribed']);

export interface IncidentsDeps {
  db: Database;
  ids: IdGenerator;
  clock: Clock;
  log: Logger;
  /** Buyers queued per transaction when an outreach starts (the bench lifts it). */
  chunk?: number;
  /** Pacing switched off (the bench measures the send loop without it). */
  pacing?: boolean;
}

export interface IncidentsPorts {
  recordEvidence: RecordEvidence;
  /** A batch of evidence chained in one statement (the per-buyer records of a chunk); without it one by one. */
  recordEvidenceMany?: RecordEvidenceMany;
  notify: Notify;
  outreach: OutreachService;
  coupons: {
    /** The coupons module's one issue path (ledger + COUPON_CARD step with the text), in our transaction. */
    issueIn(tx: Tx, actor: Actor, input: { shopId: string; buyerId: string; platformCouponId: string; occasion: string; purpose: 'service'; text: string | null; notBefore?: Date }): Promise<{ row: { id: string; outboxId: string | null } }>;
    listPlatformCoupons(actor: Actor, shopId: string): Promise<{ items: { id: string; title: string; faceValue: number; currency: string; chatProblems: string[] }[] }>;
    issue(actor: Actor, input: { shopId: string; buyerId: string; platformCouponId: string; ticketId?: string | null; text?: string | null }): Promise<{ id: string }>;
    /** Ledger status of coupons by id (redeemed = the buyer accepted). */
    redeemedOf(tx: Executor, orgId: string, ledgerIds: string[]): Promise<Set<string>>;
  };
  /** The analytics module's use cases, each inside our transaction (the close writes them with its own rows). */
  analytics: {
    annotateIn(tx: Executor, actor: Actor, a: CreateAnnotation): Promise<unknown>;
    createTaskIn(tx: Executor, actor: Actor, input: CreateFeedbackTask): Promise<unknown>;
    excludeIn(tx: Executor, actor: Actor, body: { shopId: string; sourceType: string; sourceId: string; sourceName?: string; note?: string }): Promise<unknown>;
  };
  /**
   * The remedies module's one path for money and reships: an incident's approved compensation for one
   * buyer (partial refund or reship on their latest matching order), in our transaction, one per
   * incident and order. Absent, partial refunds and reships are costed and approved but not executed.
   */
  remedies?: {
    startIncidentRemedyIn(tx: Tx, actor: Actor, input: { incidentId: string; shopId: string; orderId: string; orderLineIds: string[]; kind: 'partial_refund' | 'reship'; amount: number; currency: string; approvedBy: string | null; language: string }): Promise<{ id: string }>;
  };
  /** A public reply on a ticket (helpdesk), idempotent per client key. */
  reply(actor: Actor, ticketId: string, input: { text: string; clientKey: string }): Promise<{ message: { id: string } }>;
  /** Is the shop connected, with the customer-service scope? */
  chatReach(orgId: string, shopId: string): Promise<{ connected: boolean; chatScope: boolean }>;
  /** The signed-in person's own e-mail address (test sends go there). */
  emailOf(tx: Executor, orgId: string, userId: string): Promise<string | null>;
}

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);

export function incidentView(r: IncidentRow): IncidentView {
  const c = r.compensation as Compensation;
  return {
    id: r.id,
    shopId: r.shopId,
    title: r.title,
    status: r.status,
    pattern: r.pattern,
    channels: r.channels,
    deadlineHours: r.deadlineHours,
    messages: r.messages as Record<string, string>,
    compensation: { ...c },
    currency: r.currency,
    totalCost: r.totalCost,
    approvalReason: r.approvalReason,
    excludedBuyerIds: r.excludedBuyerIds,
    proposal: r.proposal ?? null,
    declaredBy: r.declaredBy,
    approvedBy: r.approvedBy,
    approvedAt: iso(r.approvedAt),
    frozenAt: iso(r.frozenAt),
    sendStartedAt: iso(r.sendStartedAt),
    rootCause: r.rootCause,
    fix: r.fix,
    closedAt: iso(r.closedAt),
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
  };
}

interface Resolved {
  buyers: PatternBuyer[];
  members: (AudienceMember & { match: PatternBuyer; reasons: Partial<Record<IncidentChannel, string[]>>; notBefore: Date | null })[];
}

/**
 * The buyers an incident pattern matches: the orders module's set-based match, with the pattern's
 * lots first resolved to their order lines here (the incidents module owns `incident_lots`). Lots
 * that name no line match nobody.
 */
export async function matchPattern(tx: Executor, orgId: string, shopId: string, pattern: IncidentPattern | undefined, extra: { includeCancelled?: boolean; includeRefunded?: boolean; buyerIds?: string[] }): Promise<PatternBuyer[]> {
  const { lots, ...rest } = pattern ?? {};
  let lineIds: string[] | undefined;
  if (lots?.length) {
    const r = await tx.select({ id: incidentLots.orderLineId }).from(incidentLots).where(and(eq(incidentLots.orgId, orgId), eq(incidentLots.shopId, shopId), inArray(incidentLots.lot, lots)));
    lineIds = r.map((x) => x.id);
  }
  return buyersMatchingPattern(tx, orgId, { shopId, ...rest, ...extra, ...(lineIds ? { lineIds } : {}) });
}

export function createIncidentsService(deps: IncidentsDeps, ports: IncidentsPorts) {
  const { db, ids, clock, log } = deps;
  const chunk = deps.chunk ?? 250;

  function evidence(inc: Pick<IncidentRow, 'orgId' | 'id'>, actor: Actor | null, kind: EvidenceInput['kind'], summary: string, data: Record<string, unknown>): EvidenceInput {
    return { orgId: inc.orgId, caseId: inc.id, caseType: 'incident', kind, actor: !actor || actor.userId === 'system' ? { type: 'system' } : { type: 'user', id: actor.userId }, occurredAt: clock.now(), summary, data };
  }

  async function load(tx: Executor, orgId: string, id: string, lock = false): Promise<IncidentRow> {
    const q = tx.select().from(incidents).where(and(eq(incidents.orgId, orgId), eq(incidents.id, id)));
    const [r] = lock ? await q.for('update') : await q;
    if (!r) throw AppError.notFound('incident', id);
    return r;
  }

  async function move(tx: Executor, inc: IncidentRow, to: IncidentStatus, set: Partial<IncidentRow> = {}): Promise<IncidentRow> {
    if (!canMove(inc.status, to)) throw AppError.conflict('incidents.bad_state', `The incident is ${inc.status}; it cannot become ${to}`, { status: inc.status, to });
    const [r] = await tx.update(incidents).set({ ...set, status: to, updatedAt: clock.now() }).where(and(eq(incidents.orgId, inc.orgId), eq(incidents.id, inc.id))).returning();
    return r!;
  }

  /** Who matches now, with reach per channel from the contact policy (same rules as every other send). */
  async function resolve(tx: Executor, inc: IncidentRow): Promise<Resolved> {
    const buyers = await matchPattern(tx, inc.orgId, inc.shopId, inc.pattern, {});
    const buyerIds = buyers.map((b) => b.buyerId);
    const shop = await shopIn(tx, inc.orgId, inc.shopId);
    const reach = await ports.chatReach(inc.orgId, inc.shopId);
    const now = clock.now();
    const tickets = await buyerTicketsSince(tx, inc.orgId, buyerIds, null);
    const firstOrder = new Map(buyers.map((b) => [b.buyerId, b.lastOrderAt]));
    const complained = new Set(tickets.filter((t) => t.createdAt >= (firstOrder.get(t.buyerId) ?? now)).map((t) => t.buyerId));
    const base = { orgId: inc.orgId, shopId: inc.shopId, zone: shop.timeZone, at: now };
    const decisions: Partial<Record<IncidentChannel, Map<string, ContactDecision>>> = {};
    decisions.tiktok_chat = await ports.outreach.decideManyIn(tx, { ...base, purpose: 'service', channel: 'tiktok_chat', reach: { noChatScope: !reach.connected || !reach.chatScope } }, buyerIds);
    // E-mail and WhatsApp only with an address and the buyer's consent (the marketing rule's consent part).
    decisions.email = await ports.outreach.decideManyIn(tx, { ...base, purpose: 'marketing', channel: 'email' }, buyerIds);
    decisions.whatsapp = await ports.outreach.decideManyIn(tx, { ...base, purpose: 'marketing', channel: 'whatsapp' }, buyerIds);
    const excluded = new Set(inc.excludedBuyerIds);
    const members = buyers.map((b) => {
      const r = {} as Record<IncidentChannel, boolean>;
      const reasons: Partial<Record<IncidentChannel, string[]>> = {};
      let notBefore: Date | null = null;
      for (const ch of INCIDENT_CHANNELS) {
        const d = decisions[ch]!.get(b.buyerId)!;
        const hard = d.reasons.filter((x) => HARD_REASONS.has(x));
        r[ch] = hard.length === 0;
        reasons[ch] = hard;
        if (ch === 'tiktok_chat' && d.reasons.includes('quiet_hours')) notBefore = d.notBefore ?? quietEnd(d);
      }
      return { buyerId: b.buyerId, country: b.country, language: b.language, complained: complained.has(b.buyerId), reach: r, excluded: excluded.has(b.buyerId), match: b, reasons, notBefore };
    });
    return { buyers, members };
  }

  function quietEnd(d: ContactDecision): Date | null {
    return d.notBefore;
  }

  function perChannelOf(inc: IncidentRow, members: Resolved['members']): Partial<Record<IncidentChannel, number>> {
    const out: Partial<Record<IncidentChannel, number>> = {};
    for (const m of members) {
      if (m.excluded) continue;
      const ch = channelFor(m.reach, inc.channels);
      if (ch) out[ch] = (out[ch] ?? 0) + 1;
    }
    return out;
  }

  async function costOf(tx: Executor, actor: Actor, inc: IncidentRow, reachable: number) {
    const comp = inc.compensation as Compensation;
    const total = costPerBuyer(comp) * reachable;
    const limits = await remedyLimitsOf(tx, actor.orgId, actor.userId);
    const a = needsApproval(limits, total, inc.currency);
    return { total, needsApproval: a.needed, reason: a.reason };
  }

  async function audienceIn(tx: Executor, actor: Actor, inc: IncidentRow): Promise<AudienceView> {
    const now = clock.now();
    const start = inc.sendStartedAt ?? now;
    if (inc.frozenAt) {
      const rows = await tx.select().from(incidentBuyers).where(and(eq(incidentBuyers.orgId, inc.orgId), eq(incidentBuyers.incidentId, inc.id)));
      const frozenRows = rows.filter((r) => !r.addedAfterFreeze || r.status !== 'pending_decision');
      const members: AudienceMember[] = frozenRows.map((r) => ({ buyerId: r.buyerId, country: r.country, language: r.language, complained: r.complained, reach: Object.fromEntries(INCIDENT_CHANNELS.map((c) => [c, r.channel === c])) as Record<IncidentChannel, boolean>, excluded: r.status === 'skipped' }));
      const counts = countAudience(members);
      const perChannel: Partial<Record<IncidentChannel, number>> = {};
      for (const r of frozenRows) if (r.channel && r.status !== 'skipped') perChannel[r.channel] = (perChannel[r.channel] ?? 0) + 1;
      const current = await matchPattern(tx, inc.orgId, inc.shopId, inc.pattern, {});
      const delta = audienceDelta(new Set(rows.map((r) => r.buyerId)), current.map((b) => b.buyerId));
      const comp = inc.compensation as Compensation;
      return {
        frozen: true,
        ...counts,
        perChannel,
        estimate: estimate(perChannel, start, inc.deadlineHours, comp.kind === 'coupon'),
        deadlineAt: new Date(start.getTime() + inc.deadlineHours * 3_600_000).toISOString(),
        totalCost: inc.totalCost,
        currency: inc.currency,
        needsApproval: !!inc.approvalReason && inc.approvalReason !== 'within_limits' && inc.approvalReason !== 'no_cost' && inc.approvalReason !== 'unlimited',
        approvalReason: inc.approvalReason ?? 'no_cost',
        delta: { added: delta.added.length, gone: delta.gone.length, pendingDecision: rows.filter((r) => r.status === 'pending_decision').length },
      };
    }
    const r = await resolve(tx, inc);
    const counts = countAudience(r.members);
    const perChannel = perChannelOf(inc, r.members);
    const reachable = Object.values(perChannel).reduce((a, b) => a + (b ?? 0), 0);
    const cost = await costOf(tx, actor, inc, reachable);
    const comp = inc.compensation as Compensation;
    return {
      frozen: false,
      ...counts,
      perChannel,
      estimate: estimate(perChannel, start, inc.deadlineHours, comp.kind === 'coupon'),
      deadlineAt: new Date(start.getTime() + inc.deadlineHours * 3_600_000).toISOString(),
      totalCost: cost.total,
      currency: inc.currency,
      needsApproval: cost.needsApproval,
      approvalReason: cost.reason,
      delta: null,
    };
  }

  /** Freeze the audience: one row per matching buyer with the channel they will be sent on. */
  async function freezeIn(tx: Executor, inc: IncidentRow, afterFreeze: boolean): Promise<number> {
    const r = await resolve(tx, inc);
    const now = clock.now();
    const have = new Set((await tx.select({ b: incidentBuyers.buyerId }).from(incidentBuyers).where(and(eq(incidentBuyers.orgId, inc.orgId), eq(incidentBuyers.incidentId, inc.id)))).map((x) => x.b));
    const rows = r.members
      .filter((m) => !have.has(m.buyerId))
      .map((m) => {
        const ch = channelFor(m.reach, inc.channels);
        const status: BuyerStatus = afterFreeze ? 'pending_decision' : m.excluded ? 'skipped' : !ch ? 'unreachable' : 'targeted';
        const why = !ch ? [...new Set(inc.channels.flatMap((c) => m.reasons[c] ?? []))].join(',') || 'no_channel' : null;
        return {
          orgId: inc.orgId,
          incidentId: inc.id,
          buyerId: m.buyerId,
          shopId: inc.shopId,
          orderIds: m.match.orderIds,
          language: messageLanguage(m.language),
          country: m.country,
          complained: m.complained,
          channel: ch,
          unreachableReason: why,
          addedAfterFreeze: afterFreeze,
          status,
          outboxId: null,
          couponLedgerId: null,
          sendAt: null,
          queuedAt: null,
          createdAt: now,
        };
      });
    for (let i = 0; i < rows.length; i += 1000) await tx.insert(incidentBuyers).values(rows.slice(i, i + 1000));
    return rows.length;
  }

  function variablesOf(m: PatternBuyer) {
    return { buyer_name: m.buyerName, product: m.productName, order_number: m.orderExternalId, tracking_link: m.trackingNumber ? `https://t.17track.net/en#nums=${encodeURIComponent(m.trackingNumber)}` : null };
  }

  /**
   * Queue the sends of buyers still `targeted`, a chunk per transaction, planned in memory and
   * written set-based: the text steps with one INSERT from unnest (`enqueueMany`, key
   * `incident:<id>:<buyer>`), the contacts with one, the per-buyer evidence with one chained
   * append, the buyers' rows with one UPDATE from unnest. A chunk is one commit, so a crash
   * between chunks leaves nothing half-done and a rerun queues only the rest. Coupon cards go
   * through the coupons module's own issue path (one call per buyer, in the same transaction).
   */
  async function queueAll(actor: Actor, incidentId: string, onProgress?: (done: number, total: number) => void): Promise<{ queued: number; unreachable: number }> {
    let queued = 0;
    let unreachable = 0;
    const total = await db.tenant(actor.orgId, async (tx) => Number(((await tx.execute(sql`select count(*)::int as n from incident_buyers where org_id = ${actor.orgId} and incident_id = ${incidentId} and status = 'targeted'`)).rows[0] as { n: number }).n));
    for (;;) {
      const r = await db.tenant(actor.orgId, async (tx) => {
        const inc = await load(tx, actor.orgId, incidentId, true);
        if (inc.status !== 'sending') return null;
        const rows = await tx
          .select()
          .from(incidentBuyers)
          .where(and(eq(incidentBuyers.orgId, actor.orgId), eq(incidentBuyers.incidentId, incidentId), eq(incidentBuyers.status, 'targeted')))
          .orderBy(asc(incidentBuyers.buyerId))
          .limit(chunk);
        if (rows.length === 0) return null;
        // The slot of each send: its index among this channel's sends (already queued + this chunk).
        const counts = new Map<string, number>();
        for (const row of (await tx.execute(sql`select channel, count(*)::int as n from incident_buyers where org_id = ${actor.orgId} and incident_id = ${incidentId} and status = 'queued' group by channel`)).rows as { channel: string; n: number }[]) counts.set(row.channel, row.n);
        const start = inc.sendStartedAt ?? clock.now();
        const now = clock.now();
        const comp = inc.compensation as Compensation;
        const matches = new Map((await matchPattern(tx, actor.orgId, inc.shopId, inc.pattern, { includeCancelled: true, includeRefunded: true, buyerIds: rows.map((x) => x.buyerId) })).map((m) => [m.buyerId, m]));
        const shop = await shopIn(tx, actor.orgId, inc.shopId);
        const decisions = await ports.outreach.decideManyIn(tx, { orgId: actor.orgId, shopId: inc.shopId, purpose: 'service', channel: 'tiktok_chat', zone: shop.timeZone, reach: {} }, rows.map((x) => x.buyerId));
        const plan = planQueue(actor, inc, rows, { counts, start, now, shopName: shop.name, matches, decisions });
        // Coupon cards: the coupons module's issue path (ledger + step) per buyer, in this transaction.
        for (const c of plan.coupons) {
          try {
            const issued = await ports.coupons.issueIn(tx, actor, { shopId: inc.shopId, buyerId: c.row.buyerId, platformCouponId: (comp as Extract<Compensation, { kind: 'coupon' }>).platformCouponId, occasion: `incident:${incidentId}`, purpose: 'service', text: c.text, notBefore: c.at });
            plan.queued.push({ buyerId: c.row.buyerId, outboxId: issued.row.outboxId, ledgerId: issued.row.id, at: c.at });
          } catch (e) {
            if (!(e instanceof AppError) || e.kind !== 'unprocessable') throw e;
            plan.unreachable.push({ buyerId: c.row.buyerId, reason: e.code });
          }
        }
        // A partial refund or a reship: the remedies module pays or ships it per buyer reached, in this
        // transaction (one per incident and order, so a retried chunk never pays twice). A buyer whose
        // order cannot take it (currency, a refund not below what was paid, a payout hold) is left
        // unreached with the reason, and gets no message promising it.
        if ((comp.kind === 'partial_refund' || comp.kind === 'reship') && ports.remedies) {
          const failed = new Set<string>();
          for (const q of plan.queued) {
            const m = matches.get(q.buyerId);
            if (!m) continue;
            try {
              await tx.transaction(async (sp) => {
                await ports.remedies!.startIncidentRemedyIn(sp as Tx, actor, { incidentId, shopId: inc.shopId, orderId: m.latestOrderId, orderLineIds: m.latestLineIds, kind: comp.kind as 'partial_refund' | 'reship', amount: comp.kind === 'partial_refund' ? comp.amount : comp.unitCost, currency: comp.currency, approvedBy: inc.approvedBy, language: rows.find((x) => x.buyerId === q.buyerId)?.language ?? 'en' });
              });
            } catch (e) {
              if (!(e instanceof AppError) || (e.kind !== 'unprocessable' && e.kind !== 'conflict' && e.kind !== 'validation')) throw e;
              failed.add(q.buyerId);
              plan.unreachable.push({ buyerId: q.buyerId, reason: e.code });
            }
          }
          if (failed.size) {
            const dropped = new Set(plan.queued.filter((q) => failed.has(q.buyerId)).map((q) => q.outboxId));
            plan.queued = plan.queued.filter((q) => !failed.has(q.buyerId));
            plan.steps = plan.steps.filter((st) => !dropped.has(st.id));
            plan.contacts = plan.contacts.filter((c) => !failed.has(c.buyerId));
            plan.evidence = plan.evidence.filter((e) => !failed.has(e.caseId));
          }
        }
        if (plan.steps.length) {
          const made = await enqueueMany(tx, plan.steps, { clock });
          // A key already there (a step made by another path under the same key): point the row at that step.
          const missing = new Map(plan.steps.filter((st) => !made.has(st.idempotencyKey)).map((st) => [st.id, st.idempotencyKey]));
          if (missing.size) {
            const found = await tx.select({ id: outbox.id, key: outbox.idempotencyKey }).from(outbox).where(and(eq(outbox.orgId, actor.orgId), inArray(outbox.idempotencyKey, [...missing.values()])));
            const byKey = new Map(found.map((f) => [f.key, f.id]));
            for (const q of plan.queued) if (q.outboxId && missing.has(q.outboxId)) q.outboxId = byKey.get(missing.get(q.outboxId)!) ?? null;
          }
          await ports.outreach.recordManyIn(tx, plan.contacts);
          if (ports.recordEvidenceMany) await ports.recordEvidenceMany(tx, plan.evidence);
          else for (const e of plan.evidence) await ports.recordEvidence(tx, e);
        }
        await writeBuyerStates(tx, actor.orgId, incidentId, plan.queued, plan.unreachable, now);
        return { q: plan.queued.length, u: plan.unreachable.length };
      });
      if (!r) break;
      queued += r.q;
      unreachable += r.u;
      onProgress?.(queued + unreachable, total);
    }
    return { queued, unreachable };
  }

  type Queued = { buyerId: string; outboxId: string | null; ledgerId: string | null; at: Date };
  type Unreachable = { buyerId: string; reason: string };

  /** The rows of one chunk's sends, planned in memory (no statement runs). */
  function planQueue(
    actor: Actor,
    inc: IncidentRow,
    rows: IncidentBuyerRow[],
    x: { counts: Map<string, number>; start: Date; now: Date; shopName: string; matches: Map<string, PatternBuyer>; decisions: Map<string, ContactDecision> },
  ) {
    const comp = inc.compensation as Compensation;
    const steps: (EnqueueInput & { id: string })[] = [];
    const contacts: { orgId: string; shopId: string; buyerId: string; purpose: 'service'; channel: IncidentChannel; source: string; at: Date }[] = [];
    const evidenceRows: EvidenceInput[] = [];
    const queuedRows: Queued[] = [];
    const unreachableRows: Unreachable[] = [];
    const coupons: { row: IncidentBuyerRow; text: string | null; at: Date }[] = [];
    for (const row of rows) {
      const ch = row.channel!;
      if (!SENDABLE_CHANNELS.includes(ch)) {
        unreachableRows.push({ buyerId: row.buyerId, reason: 'channel_not_built' });
        continue;
      }
      const i = x.counts.get(ch) ?? 0;
      x.counts.set(ch, i + 1);
      const pace = paceFor(ch, comp.kind === 'coupon' && ch === 'tiktok_chat');
      let at = deps.pacing === false ? x.now : slotAt(i, x.start, pace);
      const d = x.decisions.get(row.buyerId);
      if (ch === 'tiktok_chat' && d?.notBefore && d.notBefore > at) at = d.notBefore;
      const m = x.matches.get(row.buyerId);
      const template = messageFor(inc.messages, row.language);
      const text = template && m ? renderMessage(template, variablesOf(m)) : template;
      if (comp.kind === 'coupon' && ch === 'tiktok_chat') {
        coupons.push({ row, text, at });
        continue;
      }
      const id = ids('obx');
      const handler = ch === 'email' ? INCIDENT_EMAIL_HANDLER : ch === 'whatsapp' ? INCIDENT_WHATSAPP_HANDLER : INCIDENT_CHAT_HANDLER;
      // WhatsApp refuses free text outside the buyer's 24-hour window: the approved template carries
      // the agreed text as its last variable (one line: template variables take no line breaks).
      // A variable may not be empty either: a missing value becomes a dash.
      const templateParams = ch === 'whatsapp' ? [m?.buyerName ?? '', x.shopName, m?.orderExternalId ?? '', text ?? ''].map((v) => whatsappParam(v) || '-') : undefined;
      steps.push({ id, orgId: actor.orgId, handler, idempotencyKey: `incident:${inc.id}:${row.buyerId}`, payload: { shopId: inc.shopId, buyerId: row.buyerId, incidentId: inc.id, text: text ?? '', ...(templateParams ? { language: row.language, templateParams } : {}) }, subjectType: 'incident', subjectId: inc.id, maxAttempts: ch === 'tiktok_chat' ? 300 : 12, notBefore: at });
      contacts.push({ orgId: actor.orgId, shopId: inc.shopId, buyerId: row.buyerId, purpose: 'service', channel: ch, source: `incidents:${inc.id}`, at });
      // Per buyer, what was queued for them and when (a dispute about the outreach finds it under the buyer).
      evidenceRows.push({ orgId: actor.orgId, caseId: row.buyerId, caseType: 'buyer', kind: 'message', actor: actor.userId === 'system' ? { type: 'system' } : { type: 'user', id: actor.userId }, occurredAt: x.now, summary: `Incident outreach "${inc.title}" queued by ${ch}`, data: { incidentId: inc.id, outboxId: id, channel: ch, language: row.language, sendAt: at.toISOString(), text: text ?? '' } });
      queuedRows.push({ buyerId: row.buyerId, outboxId: id, ledgerId: null, at });
    }
    return { steps, contacts, evidence: evidenceRows, queued: queuedRows, unreachable: unreachableRows, coupons };
  }

  /** The chunk's buyers' rows in two statements: queued (with step, ledger row, slot) and unreachable. */
  async function writeBuyerStates(tx: Executor, orgId: string, incidentId: string, q: Queued[], u: Unreachable[], now: Date): Promise<void> {
    if (q.length) {
      await tx.execute(sql`update incident_buyers b set status = 'queued', outbox_id = u.outbox_id, coupon_ledger_id = u.ledger_id, send_at = u.send_at, queued_at = ${now.toISOString()}::timestamptz
        from unnest(${sql.param(q.map((r) => r.buyerId))}::text[], ${sql.param(q.map((r) => r.outboxId))}::text[], ${sql.param(q.map((r) => r.ledgerId))}::text[], ${sql.param(q.map((r) => r.at.toISOString()))}::timestamptz[]) as u(buyer_id, outbox_id, ledger_id, send_at)
        where b.org_id = ${orgId} and b.incident_id = ${incidentId} and b.buyer_id = u.buyer_id`);
    }
    if (u.length) {
      await tx.execute(sql`update incident_buyers b set status = 'unreachable', unreachable_reason = u.reason
        from unnest(${sql.param(u.map((r) => r.buyerId))}::text[], ${sql.param(u.map((r) => r.reason))}::text[]) as u(buyer_id, reason)
        where b.org_id = ${orgId} and b.incident_id = ${incidentId} and b.buyer_id = u.buyer_id`);
    }
  }

  async function statusIn(tx: Executor, inc: IncidentRow): Promise<StatusView> {
    const rows = await tx.select().from(incidentBuyers).where(and(eq(incidentBuyers.orgId, inc.orgId), eq(incidentBuyers.incidentId, inc.id)));
    const outboxIds = rows.map((r) => r.outboxId).filter((x): x is string => !!x);
    const steps = new Map<string, { status: string; error: string | null; doneAt: Date | null; attempts: number; nextAt: Date }>();
    for (let i = 0; i < outboxIds.length; i += 5000) {
      const part = outboxIds.slice(i, i + 5000);
      const s = await tx.select({ id: outbox.id, status: outbox.status, error: outbox.lastError, doneAt: outbox.doneAt, attempts: outbox.attempts, nextAt: outbox.nextAttemptAt }).from(outbox).where(and(eq(outbox.orgId, inc.orgId), inArray(outbox.id, part)));
      for (const x of s) steps.set(x.id, { status: x.status, error: x.error, doneAt: x.doneAt, attempts: x.attempts, nextAt: x.nextAt });
    }
    const sentAt = new Map<string, Date>();
    const stepState = (r: IncidentBuyerRow): 'targeted' | 'queued' | 'sent' | 'failed' | 'paused' | 'cancelled' | 'unreachable' | 'skipped' | 'pending_decision' => {
      if (r.status === 'unreachable') return 'unreachable';
      if (r.status === 'skipped' || r.status === 'pending_decision') return r.status;
      if (r.status === 'cancelled') return 'cancelled';
      if (r.status === 'targeted') return 'targeted';
      const s = r.outboxId ? steps.get(r.outboxId) : undefined;
      if (!s) return 'queued';
      if (s.status === 'done') {
        if (s.doneAt) sentAt.set(r.buyerId, s.doneAt);
        return 'sent';
      }
      if (s.status === 'failed') return 'failed';
      if (s.status === 'held') return 'paused';
      if (s.status === 'cancelled') return 'cancelled';
      return 'queued';
    };
    const states = new Map(rows.map((r) => [r.buyerId, stepState(r)]));
    // Replies: a ticket of the buyer written to after the send.
    const sentBuyers = rows.filter((r) => states.get(r.buyerId) === 'sent');
    const firstSent = sentBuyers.length ? new Date(Math.min(...sentBuyers.map((r) => sentAt.get(r.buyerId)?.getTime() ?? Date.now()))) : null;
    const tickets = firstSent ? await buyerTicketsSince(tx, inc.orgId, sentBuyers.map((r) => r.buyerId), firstSent) : [];
    const replied = new Map<string, { at: Date; open: boolean }>();
    for (const t of tickets) {
      // Only the buyer writing counts: our own outreach also lands on (or opens) their ticket.
      const at = t.lastInboundAt;
      const sent = sentAt.get(t.buyerId);
      if (at && sent && at >= sent) replied.set(t.buyerId, { at, open: t.status !== 'solved' && t.status !== 'closed' });
    }
    const redeemed = await ports.coupons.redeemedOf(tx, inc.orgId, rows.map((r) => r.couponLedgerId).filter((x): x is string => !!x));
    const outcomes = await orderOutcomes(tx, inc.orgId, [...new Set(sentBuyers.flatMap((r) => r.orderIds))]);
    const returnsAfter = sentBuyers.filter((r) => r.orderIds.some((o) => outcomes.get(o)?.returned !== 'none' && outcomes.get(o) !== undefined)).length;
    const zero = () => ({ targeted: 0, queued: 0, sent: 0, failed: 0, paused: 0, cancelled: 0, unreachable: 0, replied: 0, accepted: 0 });
    const byLanguage: StatusView['byLanguage'] = {};
    const byChannel: StatusView['byChannel'] = {};
    const failures = new Map<string, number>();
    const v: StatusView = { id: inc.id, status: inc.status, targeted: 0, queued: 0, sent: 0, failed: 0, paused: 0, cancelled: 0, unreachable: 0, deferred: 0, replied: 0, accepted: 0, stillOpen: 0, returnsAfter, failures: [], byLanguage, byChannel, estimatedFinishAt: null, series: [] };
    let lastAt = 0;
    for (const r of rows) {
      const st = states.get(r.buyerId)!;
      if (st === 'skipped' || st === 'pending_decision') continue;
      const l = (byLanguage[r.language] ??= zero());
      const c = (byChannel[r.channel ?? 'none'] ??= zero());
      const bump = (k: keyof ReturnType<typeof zero>) => {
        v[k]++;
        l[k]++;
        c[k]++;
      };
      bump('targeted');
      if (st === 'sent' || st === 'failed' || st === 'paused' || st === 'cancelled' || st === 'unreachable' || st === 'queued') bump(st);
      if (st === 'failed') {
        const reason = (r.outboxId && steps.get(r.outboxId)?.error) || 'unknown';
        const key = reason.length > 120 ? `${reason.slice(0, 117)}…` : reason;
        failures.set(key, (failures.get(key) ?? 0) + 1);
      }
      if (st === 'queued' && r.outboxId) {
        const s = steps.get(r.outboxId);
        if (s && s.attempts > 0) v.deferred++;
        if (s) lastAt = Math.max(lastAt, s.nextAt.getTime());
      }
      if (replied.has(r.buyerId)) {
        bump('replied');
        if (replied.get(r.buyerId)!.open) v.stillOpen++;
      }
      if (r.couponLedgerId && redeemed.has(r.couponLedgerId)) bump('accepted');
    }
    v.failures = [...failures.entries()].map(([reason, count]) => ({ reason, count })).sort((a, b) => b.count - a.count);
    v.estimatedFinishAt = v.queued > 0 && lastAt ? new Date(lastAt).toISOString() : null;
    // Sends and replies per hour.
    const hour = (d: Date) => Math.floor(d.getTime() / 3_600_000) * 3_600_000;
    const series = new Map<number, { sent: number; replied: number }>();
    for (const d of sentAt.values()) series.set(hour(d), { sent: (series.get(hour(d))?.sent ?? 0) + 1, replied: series.get(hour(d))?.replied ?? 0 });
    for (const x of replied.values()) series.set(hour(x.at), { sent: series.get(hour(x.at))?.sent ?? 0, replied: (series.get(hour(x.at))?.replied ?? 0) + 1 });
    v.series = [...series.entries()].sort((a, b) => a[0] - b[0]).map(([at, x]) => ({ at: new Date(at).toISOString(), ...x }));
    return v;
  }

  /** Outbox steps of an outreach that have not run yet (pause, resume and cancel move them). */
  async function stepsOf(tx: Executor, orgId: string, incidentId: string): Promise<string[]> {
    const r = await tx.select({ id: incidentBuyers.outboxId }).from(incidentBuyers).where(and(eq(incidentBuyers.orgId, orgId), eq(incidentBuyers.incidentId, incidentId), eq(incidentBuyers.status, 'queued')));
    return r.map((x) => x.id).filter((x): x is string => !!x);
  }

  async function setSteps(tx: Executor, orgId: string, stepIds: string[], from: string[], to: string, at?: Date): Promise<number> {
    let n = 0;
    for (let i = 0; i < stepIds.length; i += 5000) {
      const r = await tx.execute(sql`update outbox set status = ${to}, updated_at = ${clock.now().toISOString()}::timestamptz ${at ? sql`, next_attempt_at = greatest(next_attempt_at, ${at.toISOString()}::timestamptz)` : sql``}
        where org_id = ${orgId} and id = any(${sql.param(stepIds.slice(i, i + 5000))}::text[]) and status = any(${sql.param(from)}::text[])`);
      n += r.rowCount ?? 0;
    }
    return n;
  }

  const service = {
    async declare(actor: Actor, input: { shopId: string; title: string; pattern: IncidentPattern; channels?: IncidentChannel[]; deadlineHours?: number }, opts: { proposal?: ProposalFacts } = {}): Promise<IncidentView> {
      if (!opts.proposal) requireRole(actor, DESK, 'declaring incidents');
      if (patternIsEmpty(input.pattern)) throw AppError.validation('incidents.empty_pattern', 'Say what went wrong: a product, SKU, livestream, video, campaign, carrier or date range', [{ field: 'pattern', message: 'at least one part is needed' }]);
      return db.tenant(actor.orgId, async (tx) => {
        const shop = await shopIn(tx, actor.orgId, input.shopId);
        const now = clock.now();
        const row: IncidentRow = {
          orgId: actor.orgId,
          id: ids('inc'),
          shopId: shop.id,
          title: input.title,
          status: opts.proposal ? 'proposed' : 'draft',
          pattern: input.pattern,
          excludedBuyerIds: [],
          channels: input.channels ?? ['tiktok_chat'],
          messages: {},
          compensation: { kind: 'none' },
          currency: shop.currency,
          totalCost: 0,
          deadlineHours: input.deadlineHours ?? 24,
          approvalReason: null,
          proposal: opts.proposal ?? null,
          declaredBy: actor.userId === 'system' ? null : actor.userId,
          approvedBy: null,
          approvedAt: null,
          frozenAt: null,
          sendStartedAt: null,
          repliesNotified: 0,
          rootCause: null,
          fix: null,
          closedAt: null,
          closedBy: null,
          createdAt: now,
          updatedAt: now,
        };
        await tx.insert(incidents).values(row);
        await ports.recordEvidence(tx, evidence(row, actor, 'note', opts.proposal ? `Incident proposed: ${row.title}` : `Incident declared: ${row.title}`, { pattern: row.pattern, proposal: row.proposal }));
        return incidentView(row);
      });
    },

    async list(actor: Actor, q: { limit?: number; cursor?: string; status?: IncidentStatus }): Promise<Page<IncidentView>> {
      requireRole(actor, DESK, 'reading incidents');
      const limit = q.limit ?? 50;
      const rows = await db.tenant(actor.orgId, (tx) =>
        tx
          .select()
          .from(incidents)
          .where(and(eq(incidents.orgId, actor.orgId), q.status ? eq(incidents.status, q.status) : undefined, afterCursor(incidents.createdAt, incidents.id, q.cursor)))
          .orderBy(desc(incidents.createdAt), desc(incidents.id))
          .limit(limit + 1),
      );
      const page = cutPage(rows, limit, (r) => ({ sort: r.createdAt, id: r.id }));
      return { items: page.items.map(incidentView), nextCursor: page.nextCursor };
    },

    async get(actor: Actor, id: string): Promise<IncidentView> {
      requireRole(actor, DESK, 'reading incidents');
      return db.tenant(actor.orgId, async (tx) => incidentView(await load(tx, actor.orgId, id)));
    },

    async update(actor: Actor, id: string, patch: UpdateBody): Promise<IncidentView> {
      requireRole(actor, DESK, 'changing incidents');
      return db.tenant(actor.orgId, async (tx) => {
        const inc = await load(tx, actor.orgId, id, true);
        if (!editable(inc.status)) throw AppError.conflict('incidents.frozen', `The outreach is ${inc.status}: message, compensation and audience no longer change`, { status: inc.status });
        if (patch.pattern && patternIsEmpty(patch.pattern)) throw AppError.validation('incidents.empty_pattern', 'Say what went wrong', [{ field: 'pattern', message: 'at least one part is needed' }]);
        if (patch.excludedBuyerIds?.length) {
          const known = await buyerPlatformIds(tx, actor.orgId, [...new Set(patch.excludedBuyerIds)]);
          const missing = patch.excludedBuyerIds.find((b) => !known.has(b));
          if (missing) throw AppError.notFound('buyer', missing);
        }
        let compensation = inc.compensation as Compensation;
        if (patch.compensation) {
          const c = patch.compensation;
          if (c.kind === 'coupon') {
            const list = await ports.coupons.listPlatformCoupons(actor, inc.shopId);
            const found = list.items.find((x) => x.id === c.platformCouponId);
            if (!found) throw AppError.notFound('platform_coupon', c.platformCouponId);
            if (found.chatProblems.length) throw AppError.unprocessable('incidents.coupon_not_sendable', `Coupon ${found.title} cannot go out in chat: ${found.chatProblems.join(', ')}`, { issues: [{ field: 'compensation.platformCouponId', message: found.chatProblems.join(', ') }] });
            compensation = { kind: 'coupon', platformCouponId: found.id, faceValue: found.faceValue, currency: found.currency };
          } else if (c.kind === 'partial_refund') compensation = { kind: 'partial_refund', amount: c.amount, currency: inc.currency };
          else if (c.kind === 'reship') compensation = { kind: 'reship', unitCost: c.unitCost, currency: inc.currency };
          else compensation = { kind: 'none' };
        }
        const messages = patch.messages ? (Object.fromEntries(Object.entries(patch.messages).filter(([, v]) => !!v)) as Partial<Record<IncidentLanguage, string>>) : inc.messages;
        for (const [lang, text] of Object.entries(messages)) {
          const bad = unknownVariables(text ?? '');
          if (bad.length) throw AppError.validation('incidents.unknown_variable', `Unknown variable ${bad.map((b) => `{${b}}`).join(', ')}`, [{ field: `messages.${lang}`, message: `unknown: ${bad.join(', ')}` }]);
        }
        const [row] = await tx
          .update(incidents)
          .set({
            title: patch.title ?? inc.title,
            pattern: patch.pattern ?? inc.pattern,
            channels: patch.channels ?? inc.channels,
            deadlineHours: patch.deadlineHours ?? inc.deadlineHours,
            messages,
            compensation,
            excludedBuyerIds: patch.excludedBuyerIds ?? inc.excludedBuyerIds,
            status: inc.status === 'proposed' ? 'draft' : inc.status === 'pending_approval' ? 'draft' : inc.status,
            updatedAt: clock.now(),
          })
          .where(and(eq(incidents.orgId, actor.orgId), eq(incidents.id, id)))
          .returning();
        return incidentView(row!);
      });
    },

    async audience(actor: Actor, id: string): Promise<AudienceView> {
      requireRole(actor, DESK, 'reading incidents');
      return db.tenant(actor.orgId, async (tx) => audienceIn(tx, actor, await load(tx, actor.orgId, id)));
    },

    /** Members, frozen rows after approval (with the delta), the live match before. */
    async members(actor: Actor, id: string, q: { limit?: number; cursor?: string; delta?: boolean } = {}): Promise<Page<MemberView>> {
      requireRole(actor, DESK, 'reading incidents');
      const limit = q.limit ?? 100;
      return db.tenant(actor.orgId, async (tx) => {
        const inc = await load(tx, actor.orgId, id);
        const all = await membersIn(tx, inc, q.delta === true);
        const after = q.cursor ? Buffer.from(q.cursor, 'base64url').toString('utf8') : '';
        const rest = all.filter((m) => m.buyerId > after);
        const items = rest.slice(0, limit);
        return { items, nextCursor: rest.length > limit ? Buffer.from(items[items.length - 1]!.buyerId, 'utf8').toString('base64url') : null };
      });
    },

    /** Every member (CLI export). */
    async allMembers(actor: Actor, id: string): Promise<MemberView[]> {
      requireRole(actor, DESK, 'reading incidents');
      return db.tenant(actor.orgId, async (tx) => membersIn(tx, await load(tx, actor.orgId, id), false));
    },

    async preview(actor: Actor, id: string, language?: IncidentLanguage) {
      requireRole(actor, DESK, 'reading incidents');
      return db.tenant(actor.orgId, async (tx) => {
        const inc = await load(tx, actor.orgId, id);
        const buyers = await matchPattern(tx, actor.orgId, inc.shopId, inc.pattern, {});
        const items = (language ? [language] : [...INCIDENT_LANGUAGES]).map((lang) => {
          const sample = buyers.find((b) => messageLanguage(b.language) === lang) ?? buyers[0] ?? null;
          const template = inc.messages[lang] ?? null;
          return { language: lang, template, text: template ? renderMessage(template, sample ? variablesOf(sample) : { buyer_name: 'Alex', product: 'Product', order_number: '0000000000', tracking_link: null }) : null, unknownVariables: template ? unknownVariables(template) : [], sampleBuyer: sample?.buyerName ?? null };
        });
        return { items };
      });
    },

    /** The agreed text of one language to the signed-in person's own address (an outbox step). */
    async testSend(actor: Actor, id: string, language: IncidentLanguage) {
      requireRole(actor, DESK, 'test-sending incident messages');
      return db.tenant(actor.orgId, async (tx) => {
        const inc = await load(tx, actor.orgId, id);
        const template = inc.messages[language];
        if (!template) throw AppError.validation('incidents.no_message', `No ${language} text yet`, [{ field: 'language', message: 'write this language first' }]);
        const to = await ports.emailOf(tx, actor.orgId, actor.userId);
        if (!to) throw AppError.unprocessable('incidents.no_address', 'Your account has no e-mail address');
        const [sample] = await matchPattern(tx, actor.orgId, inc.shopId, inc.pattern, {});
        const text = renderMessage(template, sample ? variablesOf(sample) : {});
        const n = Number(((await tx.execute(sql`select count(*)::int as n from outbox where org_id = ${actor.orgId} and handler = ${INCIDENT_TEST_MAIL_HANDLER} and subject_id = ${id}`)).rows[0] as { n: number }).n);
        const step = await enqueue(tx, { orgId: actor.orgId, handler: INCIDENT_TEST_MAIL_HANDLER, idempotencyKey: `incident-test:${id}:${n + 1}`, payload: { to, subject: `[TEST] ${inc.title} (${language})`, text }, subjectType: 'incident', subjectId: id, maxAttempts: 5 }, { ids, clock });
        return { to, outboxId: step.row.id };
      });
    },

    /**
     * Ask for the outreach: the cost is computed now; within the declarer's authority it is
     * approved at once (audience frozen), above it a supervisor or owner must approve.
     */
    async submit(actor: Actor, id: string): Promise<IncidentView> {
      requireRole(actor, DESK, 'submitting incidents');
      return db.tenant(actor.orgId, async (tx) => {
        const inc = await load(tx, actor.orgId, id, true);
        if (Object.keys(inc.messages).length === 0) throw AppError.validation('incidents.no_message', 'Write the message first (at least one language)', [{ field: 'messages', message: 'required' }]);
        const a = await audienceIn(tx, actor, inc);
        const reachable = Object.values(a.perChannel).reduce((x, y) => x + y, 0);
        if (reachable === 0) throw AppError.unprocessable('incidents.nobody_reachable', 'No buyer of this audience can be reached on the chosen channels');
        if (!a.needsApproval) {
          let row = await move(tx, inc, inc.status === 'pending_approval' ? 'approved' : 'pending_approval', { totalCost: a.totalCost, approvalReason: a.approvalReason });
          if (row.status === 'pending_approval') row = await move(tx, row, 'approved', { approvedBy: actor.userId, approvedAt: clock.now(), frozenAt: clock.now() });
          await freezeIn(tx, row, false);
          await ports.recordEvidence(tx, evidence(row, actor, 'remedy_approved', `Outreach within ${actor.role} authority: ${a.total} buyers, cost ${a.totalCost} ${a.currency}`, { totalCost: a.totalCost, reason: a.approvalReason, buyers: a.total }));
          return incidentView(row);
        }
        const row = await move(tx, inc, 'pending_approval', { totalCost: a.totalCost, approvalReason: a.approvalReason });
        await ports.recordEvidence(tx, evidence(row, actor, 'remedy_offered', `Outreach above ${actor.role} authority (${a.approvalReason}): cost ${a.totalCost} ${a.currency}; approval asked`, { totalCost: a.totalCost, reason: a.approvalReason }));
        await ports.notify(tx, { orgId: actor.orgId, to: { role: ['owner', 'supervisor'] }, kind: 'incident_approval', subject: { type: 'incident', id }, shopId: inc.shopId, params: { title: inc.title, amount: a.totalCost, currency: a.currency }, link: `/incidents/${id}`, except: actor.userId });
        return incidentView(row);
      });
    },

    /** A supervisor or owner approves: the audience is frozen now. */
    async approve(actor: Actor, id: string): Promise<IncidentView> {
      requireRole(actor, LEADS, 'approving incident outreach');
      return db.tenant(actor.orgId, async (tx) => {
        const inc = await load(tx, actor.orgId, id, true);
        if (inc.status !== 'pending_approval') throw AppError.conflict('incidents.bad_state', `The incident is ${inc.status}; only one waiting for approval can be approved`, { status: inc.status });
        const limits = await remedyLimitsOf(tx, actor.orgId, actor.userId);
        const mine = needsApproval(limits, inc.totalCost, inc.currency);
        if (mine.needed && actor.role !== 'owner') throw AppError.forbidden('incidents.approver_over_limit', `This outreach is above your own authority too (${mine.reason}); an owner must approve it`, { reason: mine.reason });
        const row = await move(tx, inc, 'approved', { approvedBy: actor.userId, approvedAt: clock.now(), frozenAt: clock.now() });
        const n = await freezeIn(tx, row, false);
        await ports.recordEvidence(tx, evidence(row, actor, 'remedy_approved', `Outreach approved by ${actor.role}: ${n} buyers frozen, cost ${inc.totalCost} ${inc.currency}`, { by: actor.userId, buyers: n, totalCost: inc.totalCost }));
        if (inc.declaredBy) await ports.notify(tx, { orgId: actor.orgId, to: [inc.declaredBy], kind: 'approval_decided', subject: { type: 'incident', id }, shopId: inc.shopId, params: { title: inc.title, decision: 'approved' }, link: `/incidents/${id}`, except: actor.userId });
        return incidentView(row);
      });
    },

    /** Start (or continue after a crash) the bulk send: queue every targeted buyer's step. */
    async send(actor: Actor, id: string, onProgress?: (done: number, total: number) => void): Promise<{ queued: number; unreachable: number }> {
      requireRole(actor, LEADS, 'sending incident outreach');
      await db.tenant(actor.orgId, async (tx) => {
        const inc = await load(tx, actor.orgId, id, true);
        if (inc.status === 'approved') {
          const row = await move(tx, inc, 'sending', { sendStartedAt: clock.now() });
          await ports.recordEvidence(tx, evidence(row, actor, 'status_change', 'Outreach started', { by: actor.userId }));
        } else if (inc.status !== 'sending') throw AppError.conflict('incidents.bad_state', `The incident is ${inc.status}; approve it first`, { status: inc.status });
      });
      return queueAll(actor, id, onProgress);
    },

    async pause(actor: Actor, id: string): Promise<IncidentView> {
      requireRole(actor, LEADS, 'pausing incident outreach');
      return db.tenant(actor.orgId, async (tx) => {
        const inc = await load(tx, actor.orgId, id, true);
        const row = await move(tx, inc, 'paused');
        const n = await setSteps(tx, actor.orgId, await stepsOf(tx, actor.orgId, id), ['pending'], 'held');
        await ports.recordEvidence(tx, evidence(row, actor, 'status_change', `Outreach paused (${n} sends held)`, { held: n }));
        return incidentView(row);
      });
    },

    async resume(actor: Actor, id: string): Promise<IncidentView> {
      requireRole(actor, LEADS, 'resuming incident outreach');
      const row = await db.tenant(actor.orgId, async (tx) => {
        const inc = await load(tx, actor.orgId, id, true);
        const row = await move(tx, inc, 'sending');
        const n = await setSteps(tx, actor.orgId, await stepsOf(tx, actor.orgId, id), ['held'], 'pending', clock.now());
        await ports.recordEvidence(tx, evidence(row, actor, 'status_change', `Outreach resumed (${n} sends released)`, { released: n }));
        return row;
      });
      await queueAll(actor, id);
      return incidentView(row);
    },

    async cancel(actor: Actor, id: string): Promise<IncidentView> {
      requireRole(actor, LEADS, 'cancelling incident outreach');
      return db.tenant(actor.orgId, async (tx) => {
        const inc = await load(tx, actor.orgId, id, true);
        const row = await move(tx, inc, 'cancelled');
        const steps = await stepsOf(tx, actor.orgId, id);
        const n = await setSteps(tx, actor.orgId, steps, ['pending', 'held'], 'cancelled');
        await tx.update(incidentBuyers).set({ status: 'cancelled' }).where(and(eq(incidentBuyers.orgId, actor.orgId), eq(incidentBuyers.incidentId, id), inArray(incidentBuyers.status, ['targeted'])));
        await ports.recordEvidence(tx, evidence(row, actor, 'status_change', `Outreach cancelled (${n} sends not made)`, { cancelled: n }));
        return incidentView(row);
      });
    },

    /** Buyers who match after the freeze come in as a visible delta; the supervisor adds or skips them. */
    async decideDelta(actor: Actor, id: string, include: boolean): Promise<{ added: number }> {
      requireRole(actor, LEADS, 'changing an incident audience');
      const added = await db.tenant(actor.orgId, async (tx) => {
        const inc = await load(tx, actor.orgId, id, true);
        if (!inc.frozenAt) throw AppError.conflict('incidents.not_frozen', 'The audience is not frozen yet: it follows the pattern by itself');
        await freezeIn(tx, inc, true);
        const pending = await tx.select().from(incidentBuyers).where(and(eq(incidentBuyers.orgId, actor.orgId), eq(incidentBuyers.incidentId, id), eq(incidentBuyers.status, 'pending_decision')));
        for (const p of pending) {
          await tx
            .update(incidentBuyers)
            .set({ status: include ? (p.channel ? 'targeted' : 'unreachable') : 'skipped', unreachableReason: include && !p.channel ? 'no_channel' : p.unreachableReason })
            .where(and(eq(incidentBuyers.orgId, actor.orgId), eq(incidentBuyers.incidentId, id), eq(incidentBuyers.buyerId, p.buyerId)));
        }
        if (pending.length) await ports.recordEvidence(tx, evidence(inc, actor, 'note', `${pending.length} buyers who matched after the freeze were ${include ? 'added' : 'left out'}`, { buyers: pending.map((p) => p.buyerId), include }));
        return include ? pending.filter((p) => p.channel).length : 0;
      });
      const inc = await db.tenant(actor.orgId, (tx) => load(tx, actor.orgId, id));
      if (added && inc.status === 'sending') await queueAll(actor, id);
      return { added };
    },

    async status(actor: Actor, id: string): Promise<StatusView> {
      requireRole(actor, DESK, 'reading incidents');
      return db.tenant(actor.orgId, async (tx) => {
        const inc = await load(tx, actor.orgId, id);
        const v = await statusIn(tx, inc);
        await notifyReplies(tx, inc, v.replied);
        // The last step done with nothing left: the outreach is sent.
        if (inc.status === 'sending' && v.queued === 0 && v.targeted > 0 && v.paused === 0) {
          const left = Number(((await tx.execute(sql`select count(*)::int as n from incident_buyers where org_id = ${actor.orgId} and incident_id = ${id} and status = 'targeted'`)).rows[0] as { n: number }).n);
          if (left === 0) {
            await move(tx, inc, 'sent');
            v.status = 'sent';
          }
        }
        return v;
      });
    },

    /**
     * Root cause and fix: the annotation, the feedback tasks and (optionally) the source's exclusion
     * are written in the close's own transaction through the analytics module's `…In` functions, so
     * a closed incident always has them and a failure leaves the incident open.
     */
    async close(actor: Actor, id: string, body: { rootCause: string; fix: string; followUps?: { kind: CreateFeedbackTask['kind']; title: string }[]; excludeSource?: boolean }): Promise<IncidentView> {
      requireRole(actor, LEADS, 'closing incidents');
      const row = await db.tenant(actor.orgId, async (tx) => {
        const inc = await load(tx, actor.orgId, id, true);
        if (inc.status === 'sending' || inc.status === 'paused') throw AppError.conflict('incidents.still_sending', 'Finish or cancel the outreach before closing', { status: inc.status });
        const to: IncidentStatus = 'closed';
        let cur = inc;
        if (cur.status === 'approved' || cur.status === 'pending_approval' || cur.status === 'proposed') cur = await move(tx, cur, 'cancelled');
        const row = await move(tx, cur, to, { rootCause: body.rootCause, fix: body.fix, closedAt: clock.now(), closedBy: actor.userId });
        for (const f of body.followUps ?? []) await ports.analytics.createTaskIn(tx, actor, { shopId: inc.shopId, kind: f.kind, title: f.title, body: `Follow-up of incident "${inc.title}" (${body.rootCause}): ${body.fix}`, aboutType: 'incident', about: inc.id });
        await ports.analytics.annotateIn(tx, actor, { shopId: row.shopId, kind: 'incident', title: `${row.title} (${body.rootCause})`, startsAt: row.createdAt.toISOString(), endsAt: row.closedAt!.toISOString(), aboutType: 'incident', about: row.id });
        const p = row.pattern;
        const source = p.livestreamIds?.[0] ? { sourceType: 'livestream', sourceId: p.livestreamIds[0] } : p.videoIds?.[0] ? { sourceType: 'creator_video', sourceId: p.videoIds[0] } : p.adCampaignIds?.[0] ? { sourceType: 'ad_campaign', sourceId: p.adCampaignIds[0] } : null;
        if (body.excludeSource && source) await ports.analytics.excludeIn(tx, actor, { shopId: row.shopId, ...source, note: `Incident ${row.title}: ${body.fix}`.slice(0, 1000) });
        await ports.recordEvidence(tx, evidence(row, actor, 'classification', `Incident closed: ${body.rootCause}`, { rootCause: body.rootCause, fix: body.fix, followUps: body.followUps ?? [], excludedSource: body.excludeSource && source ? source : null }));
        return row;
      });
      return incidentView(row);
    },

    /** The spike test per product and reason over the shop's after-sales requests; proposals link the tickets. */
    async propose(actor: Actor, shopId: string): Promise<IncidentView[]> {
      requireRole(actor, LEADS, 'proposing incidents');
      const found = await db.tenant(actor.orgId, async (tx) => {
        await shopIn(tx, actor.orgId, shopId);
        const counts = await complaintCounts(tx, actor.orgId, shopId, clock.now());
        const open = await tx.select({ proposal: incidents.proposal }).from(incidents).where(and(eq(incidents.orgId, actor.orgId), eq(incidents.shopId, shopId), inArray(incidents.status, ['proposed', 'draft', 'pending_approval', 'approved', 'sending', 'paused'])));
        const openKeys = new Set(open.map((o) => o.proposal?.key).filter(Boolean));
        const out: { facts: ProposalFacts; productId: string; productName: string }[] = [];
        for (const c of counts) {
          const key = `product:${c.productId}:${c.reason}`;
          const t = spikeTest({ key, recent: c.recent, baseline: c.baseline });
          if (!t.spike || openKeys.has(key)) continue;
          const tickets = await buyerTicketsSince(tx, actor.orgId, c.recentBuyerIds, new Date(clock.now().getTime() - 86_400_000));
          out.push({ facts: { key, reason: c.reason, recent: c.recent, baseline: c.baseline, expected: t.expected, pValue: t.pValue, ticketIds: [...new Set(tickets.map((x) => x.id))] }, productId: c.productId, productName: c.productName });
        }
        return out;
      });
      const made: IncidentView[] = [];
      for (const f of found) made.push(await service.declare(actor, { shopId, title: `${f.productName}: ${f.facts.recent} "${f.facts.reason}" complaints in 24 h`, pattern: { productIds: [f.productId], placedFrom: new Date(clock.now().getTime() - 60 * 86_400_000).toISOString() } }, { proposal: f.facts }));
      return made;
    },

    /** What the pattern editor offers: products and sources sold by the shop, sendable coupons. */
    async choices(actor: Actor, shopId: string) {
      requireRole(actor, DESK, 'reading incidents');
      const coupons = (await ports.coupons.listPlatformCoupons(actor, shopId)).items.filter((c) => c.chatProblems.length === 0).map((c) => ({ id: c.id, title: c.title, faceValue: c.faceValue, currency: c.currency }));
      return db.tenant(actor.orgId, async (tx) => ({ products: await productsSoldInShop(tx, actor.orgId, shopId), sources: await sourcesSold(tx, actor.orgId, shopId), coupons }));
    },

    /**
     * Import lots per order line from a CSV: every row must name an order of the shop, a line of it
     * (line id, seller SKU or SKU id) and a lot. All or nothing: one bad row and nothing is written
     * (the answer lists each bad row with its field). A line imported again takes the new lot.
     */
    async importLots(actor: Actor, body: LotImportBody, opts: { progress?: (phase: 'check' | 'write', done: number, total: number) => void } = {}): Promise<LotImportView> {
      requireRole(actor, LEADS, 'importing lots');
      return db.tenant(actor.orgId, async (tx) => {
        // The shop first: another organisation's (or brand's) shop is a 404 whatever the file holds.
        const shop = await shopIn(tx, actor.orgId, body.shopId);
        let parsed: ReturnType<typeof parseLotCsv>;
        try {
          parsed = parseLotCsv(body.csv, body.columns);
        } catch (e) {
          if (!(e instanceof LotCsvError)) throw e;
          if (e.code === 'unknown_column') throw AppError.validation('incidents.lots_unknown_column', `No such column: ${e.detail}`, [{ field: 'columns', message: e.detail }]);
          if (e.code === 'too_many_rows') throw AppError.validation('incidents.lots_too_many_rows', e.detail, [{ field: 'csv', message: e.detail }]);
          if (e.code === 'no_rows') throw AppError.validation('incidents.lots_no_rows', e.detail, [{ field: 'csv', message: e.detail }]);
          throw AppError.validation('incidents.lots_bad_csv', `The file is not readable CSV: ${e.detail}`, [{ field: 'csv', message: e.detail }]);
        }
        const orderIds = [...new Set(parsed.rows.map((r) => r.orderId))];
        const lines: LotCandidateLine[] = [];
        for (let i = 0; i < orderIds.length; i += 5000) {
          lines.push(...(await linesOfPlatformOrders(tx, actor.orgId, shop.id, orderIds.slice(i, i + 5000))));
          opts.progress?.('check', Math.min(i + 5000, orderIds.length), orderIds.length);
        }
        const matched = matchLots(parsed.rows, lines);
        const errors: LotRowError[] = [...parsed.errors, ...matched.errors].sort((a, b) => a.row - b.row);
        const rows = parsed.rows.length + new Set(parsed.errors.map((e) => e.row)).size;
        const base = { rows, lines: matched.assignments.length, errorCount: errors.length, errors: errors.slice(0, 500) };
        if (errors.length > 0) return { status: 'refused' as const, importId: null, ...base };
        if (body.dryRun) return { status: 'checked' as const, importId: null, ...base };
        const importId = ids('lotimp');
        const now = clock.now();
        for (let i = 0; i < matched.assignments.length; i += 1000) {
          await tx
            .insert(incidentLots)
            .values(matched.assignments.slice(i, i + 1000).map((a) => ({ orgId: actor.orgId, orderLineId: a.orderLineId, shopId: shop.id, orderId: a.orderId, platformOrderId: a.platformOrderId, sellerSku: a.sellerSku, lot: a.lot, importId, importedAt: now })))
            .onConflictDoUpdate({ target: [incidentLots.orgId, incidentLots.orderLineId], set: { lot: sql`excluded.lot`, importId: sql`excluded.import_id`, importedAt: sql`excluded.imported_at`, sellerSku: sql`excluded.seller_sku` } });
          opts.progress?.('write', Math.min(i + 1000, matched.assignments.length), matched.assignments.length);
        }
        log.info({ orgId: actor.orgId, shopId: shop.id, importId, rows, lines: matched.assignments.length }, 'incident lots imported');
        return { status: 'imported' as const, importId, ...base };
      });
    },

    /** A shop's known lots with their line and order counts, most recently imported first (at most 1,000). */
    async lots(actor: Actor, shopId: string): Promise<LotList> {
      requireRole(actor, DESK, 'reading incidents');
      return db.tenant(actor.orgId, async (tx) => {
        const shop = await shopIn(tx, actor.orgId, shopId);
        const r = await tx
          .select({ lot: incidentLots.lot, lines: sql<number>`count(*)::int`, orders: sql<number>`count(distinct ${incidentLots.orderId})::int`, importedAt: sql<Date>`max(${incidentLots.importedAt})` })
          .from(incidentLots)
          .where(and(eq(incidentLots.orgId, actor.orgId), eq(incidentLots.shopId, shop.id)))
          .groupBy(incidentLots.lot)
          .orderBy(sql`max(${incidentLots.importedAt}) desc`, asc(incidentLots.lot))
          .limit(1000);
        return { items: r.map((x) => ({ lot: x.lot, lines: Number(x.lines), orders: Number(x.orders), importedAt: new Date(x.importedAt).toISOString() })) };
      });
    },

    /** The incident banner of a ticket: outreaches its buyer is part of, with the agreed text and compensation. */
    async forTicket(actor: Actor, ticketId: string) {
      requireRole(actor, DESK, 'reading incidents');
      return db.tenant(actor.orgId, async (tx) => {
        const t = await ticketBuyerIn(tx, actor.orgId, ticketId);
        if (!t) throw AppError.notFound('ticket', ticketId);
        if (!t.buyerId) return { items: [] };
        const rows = await tx
          .select({ inc: incidents, b: incidentBuyers })
          .from(incidentBuyers)
          .innerJoin(incidents, and(eq(incidents.orgId, incidentBuyers.orgId), eq(incidents.id, incidentBuyers.incidentId)))
          .where(and(eq(incidentBuyers.orgId, actor.orgId), eq(incidentBuyers.buyerId, t.buyerId), inArray(incidentBuyers.status, ['queued', 'targeted'])))
          .orderBy(desc(incidents.createdAt));
        const applied = new Set((await tx.select({ i: incidentApplications.incidentId }).from(incidentApplications).where(and(eq(incidentApplications.orgId, actor.orgId), eq(incidentApplications.ticketId, ticketId)))).map((x) => x.i));
        const buyers = await matchPattern(tx, actor.orgId, t.shopId, rows[0]?.inc.pattern, { includeCancelled: true, includeRefunded: true }).catch(() => []);
        const me = buyers.find((b) => b.buyerId === t.buyerId);
        return {
          items: rows.map(({ inc, b }) => {
            const template = messageFor(inc.messages, b.language);
            return { incidentId: inc.id, title: inc.title, status: inc.status, language: b.language, text: template ? renderMessage(template, me ? variablesOf(me) : {}) : null, compensation: { ...(inc.compensation as Compensation) }, applied: applied.has(inc.id) };
          }),
        };
      });
    },

    /** One click on a reply ticket: the agreed text as the reply, and the coupon when that is the compensation. */
    async applyToTicket(actor: Actor, incidentId: string, ticketId: string): Promise<{ messageId: string; couponLedgerId: string | null }> {
      requireRole(actor, DESK, 'applying incident outreach');
      await db.tenant(actor.orgId, (tx) => load(tx, actor.orgId, incidentId));
      const banner = await service.forTicket(actor, ticketId);
      const item = banner.items.find((i) => i.incidentId === incidentId);
      if (!item) throw AppError.unprocessable('incidents.not_in_audience', "The ticket's buyer is not in this incident's outreach");
      if (!item.text) throw AppError.unprocessable('incidents.no_message', 'The incident has no agreed text in any language');
      const { buyerId, shopId } = await db.tenant(actor.orgId, async (tx) => {
        const t = (await ticketBuyerIn(tx, actor.orgId, ticketId))!;
        return { buyerId: t.buyerId!, shopId: t.shopId };
      });
      const sent = await ports.reply(actor, ticketId, { text: item.text, clientKey: `incident-${incidentId}` });
      let couponLedgerId: string | null = null;
      const c = item.compensation;
      if (c.kind === 'coupon' && c.platformCouponId) {
        // The outreach may already have sent this buyer the coupon: the ledger is keyed per incident and buyer.
        const existing = await db.tenant(actor.orgId, (tx) => tx.select({ l: incidentBuyers.couponLedgerId }).from(incidentBuyers).where(and(eq(incidentBuyers.orgId, actor.orgId), eq(incidentBuyers.incidentId, incidentId), eq(incidentBuyers.buyerId, buyerId))));
        couponLedgerId = existing[0]?.l ?? (await ports.coupons.issue(actor, { shopId, buyerId, platformCouponId: c.platformCouponId, ticketId })).id;
      }
      await db.tenant(actor.orgId, async (tx) => {
        await tx.insert(incidentApplications).values({ orgId: actor.orgId, incidentId, ticketId, shopId, messageId: sent.message.id, couponLedgerId, appliedBy: actor.userId, appliedAt: clock.now() }).onConflictDoNothing();
        await ports.recordEvidence(tx, { orgId: actor.orgId, caseId: ticketId, caseType: 'ticket', kind: 'note', actor: { type: 'user', id: actor.userId }, occurredAt: clock.now(), summary: `Incident outreach applied: ${item.title}`, data: { incidentId, messageId: sent.message.id, couponLedgerId } });
      });
      return { messageId: sent.message.id, couponLedgerId };
    },

    /**
     * What a WhatsApp send needs at send time: the buyer's number (read now, not kept in the step),
     * the shop's sender line; null when the buyer's row no longer wants a send (cancelled, gone).
     */
    async whatsappSendOf(orgId: string, incidentId: string, buyerId: string): Promise<{ to: string | null; from: string | null } | null> {
      return db.tenant(orgId, async (tx) => {
        const [b] = await tx.select({ status: incidentBuyers.status, shopId: incidentBuyers.shopId }).from(incidentBuyers).where(and(eq(incidentBuyers.orgId, orgId), eq(incidentBuyers.incidentId, incidentId), eq(incidentBuyers.buyerId, buyerId)));
        if (!b || b.status !== 'queued') return null;
        const shop = await shopIn(tx, orgId, b.shopId);
        const facts = await buyerChatFacts(tx, orgId, [buyerId]);
        return { to: facts.get(buyerId)?.phone ?? null, from: shop.supportContacts.whatsapp ?? null };
      });
    },

    /**
     * An outbox step finished (any worker process): if it is an outreach's send — its own step, or
     * a coupon card issued for it — the live channel tells the browsers showing that incident. At
     * most one event a second per incident, with one trailing event so the last step is heard too.
     */
    async stepFinished(orgId: string, f: { subjectType: string | null; subjectId: string | null }): Promise<void> {
      if (!f.subjectId || (f.subjectType !== 'incident' && f.subjectType !== 'coupon')) return;
      const found = await db.tenant(orgId, async (tx) => {
        if (f.subjectType === 'incident') return (await tx.select({ id: incidents.id, shopId: incidents.shopId }).from(incidents).where(and(eq(incidents.orgId, orgId), eq(incidents.id, f.subjectId!))))[0];
        return (await tx.select({ id: incidentBuyers.incidentId, shopId: incidentBuyers.shopId }).from(incidentBuyers).where(and(eq(incidentBuyers.orgId, orgId), eq(incidentBuyers.couponLedgerId, f.subjectId!))).limit(1))[0];
      });
      if (found) await liveProgress(orgId, found.id, found.shopId);
    },

    /** Every few minutes: progress of running outreaches (sent when done, reply notices). */
    async refreshAll(actorFor: (orgId: string) => Actor): Promise<number> {
      const running = await db.system(async (tx) => (await tx.execute(sql`select org_id, id from incidents where status in ('sending', 'sent')`)).rows as { org_id: string; id: string }[]);
      for (const r of running) await service.status(actorFor(r.org_id), r.id).catch((e) => log.warn({ err: e, incidentId: r.id }, 'incident refresh failed'));
      return running.length;
    },

    /** Hourly: proposals for every shop with after-sales requests (system actor). */
    async proposeAll(actorFor: (orgId: string) => Actor): Promise<number> {
      const shops = await db.system(async (tx) => (await tx.execute(sql`select distinct org_id, shop_id from platform_returns where requested_at >= ${new Date(clock.now().getTime() - 86_400_000).toISOString()}::timestamptz`)).rows as { org_id: string; shop_id: string }[]);
      let n = 0;
      for (const s of shops) {
        try {
          n += (await service.propose(actorFor(s.org_id), s.shop_id)).length;
        } catch (e) {
          log.warn({ err: e, orgId: s.org_id, shopId: s.shop_id }, 'incident proposals failed for a shop; the next run retries');
        }
      }
      return n;
    },
  };

  // Live progress: a rate limit per incident (wall time, not the domain clock: it only spaces events).
  const liveLast = new Map<string, { at: number; trailing: boolean }>();
  const LIVE_SPACING_MS = 1_000;
  async function publishProgress(orgId: string, incidentId: string, shopId: string): Promise<void> {
    await db.tenant(orgId, (tx) => publishLive(tx, { t: 'incident', o: orgId, s: shopId, id: incidentId }));
  }
  async function liveProgress(orgId: string, incidentId: string, shopId: string): Promise<void> {
    const key = `${orgId}:${incidentId}`;
    const now = performance.now();
    const last = liveLast.get(key);
    if (!last || now - last.at >= LIVE_SPACING_MS) {
      liveLast.set(key, { at: now, trailing: false });
      if (liveLast.size > 1000) for (const [k, v] of liveLast) if (now - v.at > 60_000) liveLast.delete(k);
      await publishProgress(orgId, incidentId, shopId);
      return;
    }
    if (last.trailing) return;
    last.trailing = true;
    const t = setTimeout(() => {
      last.at = performance.now();
      last.trailing = false;
      publishProgress(orgId, incidentId, shopId).catch((e: unknown) => log.warn({ err: e, incidentId }, 'incident live event failed'));
    }, LIVE_SPACING_MS - (now - last.at));
    t.unref();
  }

  /** New replies since the last notice: the declarer and the supervisors hear of them (once per new count). */
  async function notifyReplies(tx: Executor, inc: IncidentRow, replied: number): Promise<void> {
    if (replied <= inc.repliesNotified) return;
    const r = await tx.update(incidents).set({ repliesNotified: replied }).where(and(eq(incidents.orgId, inc.orgId), eq(incidents.id, inc.id), eq(incidents.repliesNotified, inc.repliesNotified))).returning({ id: incidents.id });
    if (!r.length) return;
    await ports.notify(tx, { orgId: inc.orgId, to: { role: ['supervisor'], userIds: inc.declaredBy ? [inc.declaredBy] : [] }, kind: 'incident_reply', subject: { type: 'incident', id: inc.id }, shopId: inc.shopId, params: { title: inc.title, count: replied - inc.repliesNotified }, link: `/incidents/${inc.id}` });
  }

  async function membersIn(tx: Executor, inc: IncidentRow, deltaOnly: boolean): Promise<MemberView[]> {
    const matches = await matchPattern(tx, inc.orgId, inc.shopId, inc.pattern, { includeCancelled: true, includeRefunded: true });
    const byId = new Map(matches.map((m) => [m.buyerId, m]));
    if (inc.frozenAt) {
      const rows = await tx.select().from(incidentBuyers).where(and(eq(incidentBuyers.orgId, inc.orgId), eq(incidentBuyers.incidentId, inc.id))).orderBy(asc(incidentBuyers.buyerId));
      return rows
        .filter((r) => !deltaOnly || r.addedAfterFreeze)
        .map((r) => {
          const m = byId.get(r.buyerId);
          return { buyerId: r.buyerId, buyerName: m?.buyerName ?? null, orderNumber: m?.orderExternalId ?? '', orderCount: r.orderIds.length, language: r.language, country: r.country, complained: r.complained, channel: r.channel, unreachableReason: r.unreachableReason, excluded: r.status === 'skipped', addedAfterFreeze: r.addedAfterFreeze, state: r.status };
        });
    }
    if (deltaOnly) return [];
    const r = await resolve(tx, inc);
    return r.members.map((m) => {
      const ch = channelFor(m.reach, inc.channels);
      return { buyerId: m.buyerId, buyerName: m.match.buyerName, orderNumber: m.match.orderExternalId, orderCount: m.match.orderIds.length, language: messageLanguage(m.language), country: m.country, complained: m.complained, channel: ch, unreachableReason: ch ? null : [...new Set(inc.channels.flatMap((c) => m.reasons[c] ?? []))].join(',') || 'no_channel', excluded: m.excluded, addedAfterFreeze: false, state: m.excluded ? 'skipped' : ch ? 'targeted' : 'unreachable' };
    });
  }

  return { ...service, queueAll, audienceIn, resolve };
}

export type IncidentsService = ReturnType<typeof createIncidentsService>;
