import type { ActionLines } from '../helpdesk/index.js';
import { and, asc, desc, eq, gte, inArray, isNotNull, or, sql } from 'drizzle-orm';
import type { Clock } from '../../platform/clock.js';
import type { Database, Executor, Tx } from '../../platform/db.js';
import { AppError, isUniqueViolation } from '../../platform/errors.js';
import type { IdGenerator } from '../../platform/ids.js';
import { enqueue } from '../../platform/outbox/outbox.js';
import { afterCursor, cutPage, type Page } from '../../platform/pagination.js';
import { requireRole, systemActor, type Actor } from '../../platform/tenancy.js';
import { shopIn } from '../tenancy/index.js';
import { openReturnRequests, orgsWithOpenReturnRequests, type OpenReturnRequest } from '../orders/index.js';
import { settingsVersionOn } from '../../platform/settings-cache.js';
import { buyerLanguage, MESSAGE_HANDLER, returnInstructions, type EvidenceInput, type OrderInfo, type RemediesPorts, type RemediesService, type RemedyRow } from '../remedies/index.js';
import {
  appealDeadline,
  checkEligibility,
  computeRefund,
  cycleTime,
  DEFAULT_REASON_TREE,
  effectiveTrigger,
  importCheckDue,
  inspectionPasses,
  nextImportCheck,
  reasonFromPlatform,
  refundDueOn,
  snapshotReason,
  summariseCycles,
  validateReasonTree,
  type Eligibility,
  type Grade,
  type ImportCheck,
  type ReasonLanguage,
  type ReasonNode,
  type ReturnEvent,
} from './returns.rules.js';
import { exchangeStock, platformReturnChecks, reasonTrees, returnLines, returns } from './returns.schema.js';

export type ReturnRow = typeof returns.$inferSelect;
export type ReturnLineRow = typeof returnLines.$inferSelect;

export interface ReturnsDeps {
  db: Database;
  ids: IdGenerator;
  clock: Clock;
  remedies: RemediesService;
}

/** A reason the platform accepts for rejecting an after-sales request (TikTok's Get Reject Reasons). */
export interface PlatformRejectReason {
  name: string;
  text: string | null;
}

/** The neighbours a return reads and writes through; all required (the composition fills them). */
export type ReturnsPorts = Pick<RemediesPorts, 'orders' | 'tickets' | 'recordEvidence'> & {
  /** The platform's reject reasons for one of its requests right now (they depend on its step). */
  platformRejectReasons(actor: Actor, platformReturnId: string): Promise<PlatformRejectReason[]>;
  /** Lines in the ticket's thread following a decision's step (requested → sent / failed). */
  actionLines?: ActionLines;
};

/** The outbox step that rejects a platform request (the TikTok integration registers it by this name). */
export const PLATFORM_REJECT_HANDLER = 'tiktok.reject_return';

/**
 * The platform decision for an approve or reject of a request of this type in this state (TikTok's
 * decision names), or null when the platform takes none now. Cancellations use their own endpoints.
 */
export function platformDecision(type: string, status: string, decision: 'approve' | 'reject'): string | null {
  if (type === 'cancellation') return status === 'requested' ? (decision === 'approve' ? 'APPROVE_CANCELLATION' : 'REJECT_CANCELLATION') : null;
  if (status === 'buyer_shipped') return decision === 'approve' ? 'APPROVE_RECEIVED_PACKAGE' : 'REJECT_RECEIVED_PACKAGE';
  if (status !== 'requested') return null;
  if (type === 'refund_only') return decision === 'approve' ? 'APPROVE_REFUND' : 'REJECT_REFUND';
  if (type === 'replacement') return decision === 'approve' ? 'APPROVE_REPLACEMENT' : 'REJECT_REPLACEMENT';
  if (type === 'return_and_refund') return decision === 'approve' ? 'APPROVE_RETURN' : 'REJECT_RETURN';
  return null;
}

export interface CreateReturnInput {
  orderId: string;
  orderLineIds: string[];
  reasonCode?: string | null;
  note?: string | null;
  photos?: string[];
  channel: 'tiktok' | 'self_service' | 'agent';
  ticketId?: string | null;
  platformReturnId?: string | null;
  resolution?: 'refund' | 'exchange' | 'no_refund';
  exchangeSku?: string | null;
  language?: string | null;
  /** The platform already paid the buyer (TikTok early refund). */
  platformRefundedAt?: Date | null;
}

const WAREHOUSE_ROLES = ['owner', 'supervisor', 'warehouse'] as const;

export function createReturnsService(deps: ReturnsDeps, ports: ReturnsPorts) {
  const { db, ids, clock, remedies } = deps;

  async function evidence(tx: Executor, input: EvidenceInput): Promise<void> {
    await ports.recordEvidence(tx, input);
  }
  function orders() {
    return ports.orders;
  }
  function ev(r: ReturnRow, kind: EvidenceInput['kind'], actor: Actor, summary: string, data: Record<string, unknown>, extra: Partial<EvidenceInput> = {}): EvidenceInput {
    return { orgId: r.orgId, caseId: r.id, caseType: 'return', kind, actor: actor.userId === 'system' ? { type: 'system' } : { type: 'user', id: actor.userId }, occurredAt: clock.now(), summary, data, ...extra };
  }

  async function latestTree(tx: Executor, orgId: string, actor: Actor): Promise<{ id: string; version: number; nodes: ReasonNode[] }> {
    const [t] = await tx.select().from(reasonTrees).where(eq(reasonTrees.orgId, orgId)).orderBy(desc(reasonTrees.version)).limit(1);
    if (t) return t;
    // The first use pins the default tree as version 1, so snapshots always name a stored version.
    const row = { orgId, id: ids('rtr'), version: 1, nodes: DEFAULT_REASON_TREE, createdBy: actor.userId, createdAt: clock.now() };
    await tx.insert(reasonTrees).values(row).onConflictDoNothing();
    const [again] = await tx.select().from(reasonTrees).where(eq(reasonTrees.orgId, orgId)).orderBy(desc(reasonTrees.version)).limit(1);
    return again!;
  }

  async function loadReturn(tx: Executor, orgId: string, id: string, lock = false): Promise<ReturnRow> {
    const q = tx.select().from(returns).where(and(eq(returns.orgId, orgId), eq(returns.id, id)));
    const [r] = lock ? await q.for('update') : await q;
    if (!r) throw AppError.notFound('return', id);
    return r;
  }

  async function linesOf(tx: Executor, orgId: string, returnId: string): Promise<ReturnLineRow[]> {
    return tx.select().from(returnLines).where(and(eq(returnLines.orgId, orgId), eq(returnLines.returnId, returnId)));
  }

  async function shopOf(tx: Executor, orgId: string, shopId: string) {
    return { shop: await shopIn(tx, orgId, shopId), settings: await remedies.settingsIn(tx, orgId, shopId) };
  }

  async function evaluate(tx: Executor, actor: Actor, order: OrderInfo, input: Pick<CreateReturnInput, 'orderLineIds' | 'reasonCode' | 'photos' | 'language'>) {
    const { shop, settings } = await shopOf(tx, actor.orgId, order.shopId);
    const tree = await latestTree(tx, actor.orgId, actor);
    const lang = (['en', 'de', 'fr', 'it', 'es'].includes(input.language ?? '') ? input.language : 'en') as ReasonLanguage;
    let reason = null;
    let photosRequired = false;
    if (input.reasonCode) {
      reason = snapshotReason(tree, input.reasonCode, lang) ?? null;
      if (!reason) throw AppError.validation('returns.unknown_reason', `Unknown return reason ${input.reasonCode}`, [{ field: 'reasonCode', message: `not in reason tree version ${tree.version}` }]);
      photosRequired = tree.nodes.find((n) => n.code === input.reasonCode)!.photosRequired;
    }
    const unknown = input.orderLineIds.filter((l) => !order.lines.some((x) => x.id === l));
    if (unknown.length) throw AppError.validation('returns.unknown_line', `Order lines ${unknown.join(', ')} are not part of order ${order.id}`, [{ field: 'orderLineIds', message: `unknown: ${unknown.join(', ')}` }]);
    const live = input.orderLineIds.length
      ? await tx.select({ id: returnLines.orderLineId }).from(returnLines).where(and(eq(returnLines.orgId, actor.orgId), inArray(returnLines.orderLineId, input.orderLineIds), eq(returnLines.active, true)))
      : [];
    const liveSet = new Set(live.map((l) => l.id));
    const eligibility: Eligibility = checkEligibility({
      policy: shop.returnPolicy,
      deliveredAt: order.deliveredAt,
      now: clock.now(),
      lines: input.orderLineIds.map((id) => ({ id, category: order.lines.find((l) => l.id === id)!.category, alreadyReturned: liveSet.has(id) })),
      reason,
      photoCount: input.photos?.length ?? 0,
      photosRequired,
    });
    return { shop, settings, tree, reason, eligibility };
  }

  async function startRefund(tx: Tx, actor: Actor, r: ReturnRow, lines: ReturnLineRow[]): Promise<ReturnRow> {
    let lineIds = lines.map((l) => l.orderLineId);
    if (r.refundTotal > lines.reduce((a, l) => a + l.paid, 0)) {
      // Giving back a coupon deduction taken on an earlier return: the platform caps a refund at
      // what the cited lines have left, so cite the earlier lines the deduction sat on too.
      const earlier = await tx
        .select({ orderLineId: returnLines.orderLineId })
        .from(returnLines)
        .innerJoin(returns, and(eq(returns.orgId, returnLines.orgId), eq(returns.id, returnLines.returnId)))
        .where(and(eq(returnLines.orgId, r.orgId), eq(returns.orderId, r.orderId), eq(returnLines.active, true), sql`${returnLines.couponClawback} > 0`));
      lineIds = [...new Set([...lineIds, ...earlier.map((e) => e.orderLineId)])];
    }
    const rem = await remedies.startPolicyRefund(tx, actor, {
      shopId: r.shopId,
      orderId: r.orderId,
      orderLineIds: lineIds,
      returnId: r.id,
      ticketId: r.ticketId,
      platformReturnId: r.platformReturnId,
      buyerId: r.buyerId,
      language: r.language,
      amount: r.refundTotal,
      paidBase: lines.reduce((a, l) => a + l.paid, 0),
      currency: r.currency,
      faultOwner: r.reason?.faultOwner ?? 'buyer',
      parcelReceived: !!r.receivedAt,
    });
    const [row] = await tx.update(returns).set({ refundRemedyId: rem.id, updatedAt: clock.now() }).where(and(eq(returns.orgId, r.orgId), eq(returns.id, r.id))).returning();
    await evidence(tx, ev(r, 'refund', actor, `Refund of ${r.refundTotal} ${r.currency} released (${r.refundTrigger})`, { remedyId: rem.id, amount: r.refundTotal, currency: r.currency, trigger: r.refundTrigger }));
    return row!;
  }

  async function maybeRefund(tx: Tx, actor: Actor, r: ReturnRow, event: ReturnEvent): Promise<ReturnRow> {
    if (r.refundRemedyId) return r;
    if (!refundDueOn(r.refundTrigger, event, { resolution: r.resolution, alreadyRefunded: !!r.platformRefundedAt })) return r;
    if (r.refundTotal <= 0) return r;
    return startRefund(tx, actor, r, (await linesOf(tx, r.orgId, r.id)).filter((l) => l.active));
  }

  /** Closed once the parcel is checked and the money question is settled. */
  function settled(r: ReturnRow): boolean {
    const inspected = r.inspectionPassed === true;
    const refundDone = r.resolution !== 'refund' || !!r.refundedAt || !!r.platformRefundedAt || r.refundTotal === 0;
    return inspected && refundDone;
  }

  // Returns learn that their refund landed from the remedy's completion, in the same transaction
  // (the composition hands this to the remedies service as its completion subscriber).
  async function remedyCompleted(tx: Tx, rem: RemedyRow): Promise<void> {
    if (!rem.returnId) return;
    const r = await loadReturn(tx, rem.orgId, rem.returnId, true);
    const now = clock.now();
    const next = { ...r, refundedAt: now };
    const [row] = await tx
      .update(returns)
      .set({ refundedAt: now, status: settled(next) ? 'closed' : r.status, closedAt: settled(next) ? now : r.closedAt, updatedAt: now })
      .where(and(eq(returns.orgId, r.orgId), eq(returns.id, r.id)))
      .returning();
    await evidence(tx, ev(row!, 'status_change', systemActor(rem.orgId), `Refund sent; return ${row!.status}`, { refundedAt: now.toISOString() }));
  }

  /** Views for many returns with two extra queries in all (lines, refund remedies), on the caller's transaction. */
  async function views(tx: Executor, rows: ReturnRow[]) {
    if (rows.length === 0) return [];
    const orgId = rows[0]!.orgId;
    const allLines = await tx.select().from(returnLines).where(and(eq(returnLines.orgId, orgId), inArray(returnLines.returnId, rows.map((r) => r.id))));
    const remById = await remedies.statusesIn(tx, orgId, rows.map((r) => r.refundRemedyId).filter((x): x is string => !!x));
    const holds = await remedies.openHoldsOf(tx, orgId, rows.map((r) => r.id));
    return rows.map((r) => shape(r, allLines.filter((l) => l.returnId === r.id), r.refundRemedyId ? (remById.get(r.refundRemedyId) ?? null) : null, holds.get(r.id) ?? null));
  }

  async function view(tx: Executor, r: ReturnRow) {
    return (await views(tx, [r]))[0]!;
  }

  function shape(r: ReturnRow, lines: ReturnLineRow[], refundRemedy: { status: string; failedStep: string | null } | null, hold: { reason: string; placedAt: Date } | null) {
    const refundStatus =
      r.resolution !== 'refund'
        ? 'not_applicable'
        : r.platformRefundedAt
          ? 'platform_refunded'
          : r.refundedAt
            ? 'sent'
            : r.refundRemedyId
              ? refundRemedy?.status === 'attention'
                ? 'failed'
                : refundRemedy?.status === 'on_hold'
                  ? 'held'
                  : refundRemedy?.status === 'abandoned'
                    ? 'cancelled'
                    : 'pending'
              : hold
                ? 'held'
                : 'not_due';
    return {
      id: r.id,
      rma: r.rma,
      shopId: r.shopId,
      orderId: r.orderId,
      buyerId: r.buyerId,
      ticketId: r.ticketId,
      platformReturnId: r.platformReturnId,
      channel: r.channel,
      status: r.status,
      resolution: r.resolution,
      reason: r.reason,
      buyerNote: r.buyerNote,
      photos: r.photos,
      language: r.language,
      policy: r.policy,
      refundTrigger: r.refundTrigger,
      currency: r.currency,
      refundTotal: r.refundTotal,
      couponRule: r.refundCalc.couponRule,
      trackingNumber: r.trackingNumber,
      lines: lines.map((l) => ({ id: l.id, orderLineId: l.orderLineId, sku: l.sku, productName: l.productName, category: l.category, unitPrice: l.unitPrice, paid: l.paid, restockingFee: l.restockingFee, couponClawback: l.couponClawback, refund: l.refund, reason: l.reason })),
      receipt: { at: r.receivedAt?.toISOString() ?? null, by: r.receivedBy },
      inspection: { at: r.inspectedAt?.toISOString() ?? null, by: r.inspectedBy, grade: r.grade, passed: r.inspectionPassed, note: r.inspectionNote, photos: r.inspectionPhotos },
      refund: { status: refundStatus, remedyId: r.refundRemedyId, at: r.refundedAt?.toISOString() ?? null, platformRefundedAt: r.platformRefundedAt?.toISOString() ?? null, failedStep: refundRemedy?.failedStep ?? null },
      appeal: r.appealStatus ? { status: r.appealStatus, deadline: r.appealDeadline?.toISOString() ?? null } : null,
      payoutHold: hold ? { reason: hold.reason, since: hold.placedAt.toISOString() } : null,
      exchange: r.exchange,
      cycleTime: cycleTime({ requestedAt: r.requestedAt, approvedAt: r.approvedAt, receivedAt: r.receivedAt, inspectedAt: r.inspectedAt, refundedAt: r.refundedAt ?? r.platformRefundedAt }),
      requestedAt: r.requestedAt.toISOString(),
      closedAt: r.closedAt?.toISOString() ?? null,
    };
  }
  type ReturnView = ReturnType<typeof shape>;

  /**
   * What the TikTok import looks at: open requests that have no RMA yet (the orders module pages
   * them, oldest first). `due` are those to judge now — never judged, or changed since, or their
   * wait is over (`importCheckDue`) —, at most `limit`. With `all` (a person asked), requests still
   * waiting fill up the rest, the longest-waiting first, and `remaining` counts what did not fit.
   */
  async function importCandidates(tx: Executor, orgId: string, actor: Actor, limit: number, all: boolean) {
    const at = clock.now();
    const basis = `${await settingsVersionOn(tx, orgId)}|${(await latestTree(tx, orgId, actor)).version}`;
    const due: Array<OpenReturnRequest & { check?: ImportCheck }> = [];
    const waiting: Array<OpenReturnRequest & { check: ImportCheck }> = [];
    let open = 0;
    let after: { requestedAt: Date; id: string } | undefined;
    while (all || due.length < limit) {
      const page = await openReturnRequests(tx, orgId, { limit: 200, after });
      if (page.length === 0) break;
      const ids = page.map((p) => p.id);
      const imported = new Set((await tx.select({ id: returns.platformReturnId }).from(returns).where(and(eq(returns.orgId, orgId), inArray(returns.platformReturnId, ids)))).map((r) => r.id));
      const checks = new Map((await tx.select().from(platformReturnChecks).where(and(eq(platformReturnChecks.orgId, orgId), inArray(platformReturnChecks.platformReturnId, ids)))).map((c) => [c.platformReturnId, c]));
      for (const p of page) {
        if (imported.has(p.id)) continue;
        open++;
        const check = checks.get(p.id);
        if (importCheckDue(check, { seen: p.externalUpdatedAt.toISOString(), basis, at })) {
          if (due.length < limit) due.push({ ...p, check });
        } else if (all) waiting.push({ ...p, check: check! });
      }
      const last = page[page.length - 1]!;
      after = { requestedAt: last.requestedAt, id: last.id };
    }
    const take = [...due, ...waiting.sort((a, b) => a.check.checkedAt.getTime() - b.check.checkedAt.getTime()).slice(0, Math.max(0, limit - due.length))];
    return { take, basis, remaining: all ? open - take.length : undefined };
  }

  async function nextRma(tx: Executor, orgId: string): Promise<string> {
    // The counter row is locked until this transaction ends, so concurrent requests queue for a number.
    const r = await tx.execute(sql`insert into return_counters (org_id, id, value) values (${orgId}, 'rma', 1)
      on conflict (org_id, id) do update set value = return_counters.value + 1 returning value`);
    const n = Number((r.rows[0] as { value: number }).value);
    return `RMA-${String(n).padStart(6, '0')}`;
  }

  async function reserveExchange(tx: Executor, orgId: string, shopId: string, sku: string) {
    const id = `${shopId}:${sku}`;
    const [row] = await tx
      .update(exchangeStock)
      .set({ available: sql`${exchangeStock.available} - 1`, reserved: sql`${exchangeStock.reserved} + 1` })
      .where(and(eq(exchangeStock.orgId, orgId), eq(exchangeStock.id, id), sql`${exchangeStock.available} > 0`))
      .returning();
    if (row) return { sku, label: row.label, status: 'reserved' as const, fallback: null };
    const [known] = await tx.select().from(exchangeStock).where(and(eq(exchangeStock.orgId, orgId), eq(exchangeStock.id, id)));
    // Offer what is in stock for the same product, else a refund.
    const alternatives = known
      ? await tx.select().from(exchangeStock).where(and(eq(exchangeStock.orgId, orgId), eq(exchangeStock.shopId, shopId), eq(exchangeStock.productId, known.productId), sql`${exchangeStock.available} > 0`))
      : [];
    return { sku, label: known?.label ?? sku, status: 'out_of_stock' as const, fallback: alternatives.length ? `in stock: ${alternatives.map((a) => a.sku).join(', ')}` : 'refund' };
  }

  return {
    remedyCompleted,

    async getReasonTree(actor: Actor, version?: number) {
      return db.tenant(actor.orgId, async (tx) => {
        const latest = await latestTree(tx, actor.orgId, actor);
        if (version === undefined || version === latest.version) return latest;
        const [t] = await tx.select().from(reasonTrees).where(and(eq(reasonTrees.orgId, actor.orgId), eq(reasonTrees.version, version)));
        if (!t) throw AppError.notFound('reason_tree', String(version));
        return t;
      });
    },

    /** The reason tree's history, newest first (the latest 100 versions). */
    async reasonTreeVersions(actor: Actor): Promise<{ id: string; version: number; createdBy: string; createdAt: Date; nodeCount: number }[]> {
      return db.tenant(actor.orgId, async (tx) => {
        await latestTree(tx, actor.orgId, actor);
        const rows = await tx.select().from(reasonTrees).where(eq(reasonTrees.orgId, actor.orgId)).orderBy(desc(reasonTrees.version)).limit(100);
        return rows.map((r) => ({ id: r.id, version: r.version, createdBy: r.createdBy, createdAt: r.createdAt, nodeCount: r.nodes.length }));
      });
    },

    /** A new version; returns already opened keep the snapshot of the version they used. */
    async updateReasonTree(actor: Actor, nodes: ReasonNode[]) {
      requireRole(actor, ['owner'], 'editing return reasons');
      const problems = validateReasonTree(nodes);
      if (problems.length) throw AppError.validation('returns.bad_reason_tree', `The reason tree is not valid: ${problems.join('; ')}`, problems.map((p) => ({ field: 'nodes', message: p })));
      return db.tenant(actor.orgId, async (tx) => {
        const cur = await latestTree(tx, actor.orgId, actor);
        const row = { orgId: actor.orgId, id: ids('rtr'), version: cur.version + 1, nodes, createdBy: actor.userId, createdAt: clock.now() };
        try {
          await tx.insert(reasonTrees).values(row);
        } catch (e) {
          if (isUniqueViolation(e)) throw AppError.conflict('returns.reason_tree_race', 'Someone else saved the reason tree at the same time; reload and try again');
          throw e;
        }
        return row;
      });
    },

    async eligibility(actor: Actor, input: { orderId: string; orderLineIds: string[]; reasonCode?: string | null; photos?: string[]; language?: string | null }): Promise<Eligibility> {
      const order = await orders().getOrder(actor, input.orderId);
      return db.tenant(actor.orgId, async (tx) => (await evaluate(tx, actor, order, input)).eligibility);
    },

    /**
     * Open a return. The policy is checked here for every channel (TikTok, buyer page, agent),
     * so no client can skip it: an ineligible request is a 422 carrying every reason.
     */
    async create(actor: Actor, input: CreateReturnInput): Promise<ReturnView> {
      const order = await orders().getOrder(actor, input.orderId);
      // The buyer's instructions go to this ticket: it must be one of the caller's own.
      if (input.ticketId) await ports.tickets.getTicket(actor, input.ticketId);
      return db.tenant(actor.orgId, async (tx) => {
        const { shop, settings, reason, eligibility } = await evaluate(tx, actor, order, input);
        if (!eligibility.eligible) {
          throw AppError.unprocessable('returns.not_eligible', `This return cannot be opened: ${eligibility.reasons.map((r) => r.message).join('; ')}`, { reasons: eligibility.reasons, windowEndsAt: eligibility.windowEndsAt });
        }
        const now = clock.now();
        const faultOwner = reason?.faultOwner ?? 'buyer';
        // Lines of this order already in other live returns, and what those deducted for the coupon.
        const earlier = await tx
          .select({ orderLineId: returnLines.orderLineId, clawback: returnLines.couponClawback })
          .from(returnLines)
          .where(and(eq(returnLines.orgId, actor.orgId), inArray(returnLines.orderLineId, order.lines.map((l) => l.id)), eq(returnLines.active, true)));
        const calc = computeRefund({
          previouslyReturnedLineIds: earlier.map((e) => e.orderLineId),
          previousClawback: earlier.reduce((a, e) => a + e.clawback, 0),
          currency: order.currency,
          allLines: order.lines.map((l) => ({ id: l.id, unitPrice: l.unitPrice, paid: l.paid })),
          returnedLineIds: input.orderLineIds,
          restockingFeePercent: shop.returnPolicy.restockingFeePercent,
          faultOwner,
          coupon: order.coupon ?? null,
          couponRule: settings.couponMinimumRule,
        });
        const resolution = input.resolution ?? 'refund';
        const value = order.lines.filter((l) => input.orderLineIds.includes(l.id)).reduce((a, l) => a + l.paid, 0);
        const trigger = effectiveTrigger(shop.returnPolicy, value, settings.highTicketThreshold);
        const id = ids('ret');
        const language = buyerLanguage(input.language ?? order.buyer.language);
        let exchange = null;
        if (resolution === 'exchange') {
          if (!input.exchangeSku) throw AppError.validation('returns.exchange_sku_required', 'Name the size or colour to exchange for', [{ field: 'exchangeSku', message: 'required for an exchange' }]);
          exchange = await reserveExchange(tx, actor.orgId, order.shopId, input.exchangeSku);
        }
        const row: ReturnRow = {
          orgId: actor.orgId,
          id,
          rma: await nextRma(tx, actor.orgId),
          shopId: order.shopId,
          orderId: order.id,
          buyerId: order.buyerId,
          ticketId: input.ticketId ?? null,
          platformReturnId: input.platformReturnId ?? null,
          channel: input.channel,
          status: 'awaiting_parcel',
          resolution,
          reason,
          buyerNote: input.note ?? null,
          photos: input.photos ?? [],
          language,
          policy: shop.returnPolicy,
          refundTrigger: trigger,
          currency: order.currency,
          refundTotal: resolution === 'refund' ? calc.total : 0,
          refundCalc: calc,
          trackingNumber: null,
          requestedAt: now,
          approvedAt: now,
          receivedAt: null,
          receivedBy: null,
          inspectedAt: null,
          inspectedBy: null,
          grade: null,
          inspectionPassed: null,
          inspectionNote: null,
          inspectionPhotos: [],
          refundRemedyId: null,
          refundedAt: null,
          platformRefundedAt: input.platformRefundedAt ?? null,
          appealDeadline: null,
          appealStatus: null,
          exchange,
          closedAt: null,
          createdBy: actor.userId,
          updatedAt: now,
        };
        try {
          await tx.insert(returns).values(row);
          await tx.insert(returnLines).values(
            calc.lines.map((l) => {
              const ol = order.lines.find((x) => x.id === l.lineId)!;
              return { orgId: actor.orgId, id: ids('rtl'), returnId: id, orderLineId: ol.id, sku: ol.sku, productId: ol.productId, productName: ol.productName, category: ol.category, unitPrice: ol.unitPrice, paid: l.paid, restockingFee: l.restockingFee, couponClawback: l.couponClawback, refund: resolution === 'refund' ? l.refund : 0, reason, active: true };
            }),
          );
        } catch (e) {
          if (isUniqueViolation(e)) throw AppError.conflict('returns.duplicate', 'One of these items is already part of another return, or this platform request was already imported');
          throw e;
        }
        await evidence(tx, ev(row, 'policy_snapshot', actor, `Return ${row.rma} opened under a ${shop.returnPolicy.windowDays}-day policy, refund ${trigger}`, { policy: shop.returnPolicy, trigger, eligibility, channel: input.channel }));
        await evidence(tx, ev(row, 'order_snapshot', actor, `Order ${order.externalId}: ${calc.lines.length} line(s), refund ${calc.total} ${order.currency}`, { orderId: order.id, lines: calc.lines, couponRule: calc.couponRule }));
        if (reason) await evidence(tx, ev(row, 'responsibility', actor, `Reason: ${reason.label} (${reason.faultOwner})`, { reason }, { responsibility: reason.faultOwner }));
        let out = await maybeRefund(tx, actor, row, 'request_approved');
        if (row.ticketId) {
          const text = returnInstructions(language, { rma: row.rma, warehouseAddress: shop.supportContacts.returnWarehouse ?? null, buyerPaysShipping: shop.returnPolicy.returnShippingPaidBy === 'buyer' && faultOwner === 'buyer', windowEndsAt: eligibility.windowEndsAt, refundOn: trigger });
          await enqueue(tx, { orgId: actor.orgId, handler: MESSAGE_HANDLER, idempotencyKey: `return:${id}:instructions`, payload: { ticketId: row.ticketId, text }, subjectType: 'return', subjectId: id }, { ids, clock });
        }
        out = await loadReturn(tx, actor.orgId, id);
        return view(tx, out);
      });
    },

    /** Open an RMA for a TikTok after-sales request (reasons, photos and the early refund come with it). */
    async fromPlatformReturn(actor: Actor, platformReturnId: string, input: { reasonCode?: string | null; ticketId?: string | null; platformRefunded?: boolean }): Promise<ReturnView> {
      const pr = await orders().getPlatformReturn(actor, platformReturnId);
      if (!pr.orderId) throw AppError.unprocessable('returns.platform_without_order', `Platform return ${pr.externalId} is not linked to a synced order yet`);
      // The buyer may have started this return on our self-service page first (and then opened it
      // in the TikTok app as guided, or we created it for them): link that RMA instead of a second one.
      const orderId = pr.orderId;
      const linked = await db.tenant(actor.orgId, async (tx) => {
        const [open] = await tx
          .select({ id: returns.id })
          .from(returns)
          .where(and(eq(returns.orgId, actor.orgId), eq(returns.orderId, orderId), eq(returns.channel, 'self_service'), sql`${returns.platformReturnId} is null`, sql`${returns.closedAt} is null`))
          .orderBy(asc(returns.requestedAt))
          .limit(1);
        if (!open) return null;
        await tx.update(returns).set({ platformReturnId: pr.id }).where(and(eq(returns.orgId, actor.orgId), eq(returns.id, open.id)));
        await evidence(tx, { orgId: actor.orgId, caseId: open.id, caseType: 'return', kind: 'status_change', actor: { type: 'system', id: 'returns' }, occurredAt: clock.now(), summary: `Linked to TikTok request ${pr.externalId} (the buyer started this return on the self-service page)`, data: { platformReturnId: pr.id, externalId: pr.externalId } });
        return open.id;
      });
      if (linked) return this.get(actor, linked);
      return this.create(actor, {
        orderId: pr.orderId,
        orderLineIds: pr.orderLineIds,
        reasonCode: input.reasonCode ?? null,
        note: pr.reasonText,
        photos: pr.photos,
        channel: 'tiktok',
        ticketId: input.ticketId ?? null,
        platformReturnId: pr.id,
        // A refund-only request TikTok already approved means the buyer has the money (early refund).
        platformRefundedAt: (input.platformRefunded ?? (pr.type === 'refund_only' && ['approved', 'completed'].includes(pr.status))) ? clock.now() : null,
      });
    },

    /**
     * Open RMAs for TikTok return requests that have none yet. The policy still decides: a request
     * outside it is reported with its reasons (the seller answers it on TikTok), not imported.
     */
    async importPlatformReturns(actor: Actor, opts: { limit?: number; all?: boolean } = {}) {
      requireRole(actor, ['owner', 'supervisor', 'agent'], 'importing TikTok return requests');
      // A person asking (the Returns page) has every request judged again, the longest-waiting
      // first; the five-minute job judges only those due.
      const all = opts.all ?? true;
      const { take, basis, remaining } = await db.tenant(actor.orgId, (tx) => importCandidates(tx, actor.orgId, actor, opts.limit ?? 100, all));
      const created: { platformReturnId: string; returnId: string; rma: string }[] = [];
      const skipped: { platformReturnId: string; code: string; reasons: unknown }[] = [];
      for (const c of take) {
        const seen = c.externalUpdatedAt.toISOString();
        try {
          const r = await this.fromPlatformReturn(actor, c.id, { reasonCode: reasonFromPlatform(c.reasonCode, c.reasonText) });
          created.push({ platformReturnId: c.id, returnId: r.id, rma: r.rma });
          if (c.check) await db.tenant(actor.orgId, (tx) => tx.delete(platformReturnChecks).where(and(eq(platformReturnChecks.orgId, actor.orgId), eq(platformReturnChecks.platformReturnId, c.id))));
        } catch (e) {
          if (!(e instanceof AppError) || (e.kind !== 'unprocessable' && e.kind !== 'conflict')) throw e;
          const reasons = e.details?.reasons ?? e.message;
          skipped.push({ platformReturnId: c.id, code: e.code, reasons });
          // Remember the refusal and when to look again, so the next runs pass it by until then.
          const next = nextImportCheck(c.check, { seen, basis, at: clock.now() });
          const row = { orgId: actor.orgId, platformReturnId: c.id, shopId: c.shopId, code: e.code, reasons, ...next };
          await db.tenant(actor.orgId, (tx) =>
            tx
              .insert(platformReturnChecks)
              .values(row)
              .onConflictDoUpdate({ target: [platformReturnChecks.orgId, platformReturnChecks.platformReturnId], set: { code: row.code, reasons: row.reasons, seen: row.seen, basis: row.basis, attempts: row.attempts, checkedAt: row.checkedAt, recheckAt: row.recheckAt } }),
          );
        }
      }
      return { created, skipped, ...(remaining !== undefined ? { remaining } : {}) };
    },

    /** Organisations with TikTok return requests due for the import (for the job). */
    async orgsWithPendingPlatformReturns(): Promise<string[]> {
      const out: string[] = [];
      for (const orgId of await orgsWithOpenReturnRequests(db)) {
        const { take } = await db.tenant(orgId, (tx) => importCandidates(tx, orgId, systemActor(orgId), 1, false));
        if (take.length) out.push(orgId);
      }
      return out;
    },

    async instructions(actor: Actor, id: string, language?: string) {
      return db.tenant(actor.orgId, async (tx) => {
        const r = await loadReturn(tx, actor.orgId, id);
        const { shop } = await shopOf(tx, actor.orgId, r.shopId);
        const lang = buyerLanguage(language ?? r.language);
        const windowEndsAt = null;
        return { language: lang, text: returnInstructions(lang, { rma: r.rma, warehouseAddress: shop.supportContacts.returnWarehouse ?? null, buyerPaysShipping: r.policy.returnShippingPaidBy === 'buyer' && (r.reason?.faultOwner ?? 'buyer') === 'buyer', windowEndsAt, refundOn: r.refundTrigger }) };
      });
    },

    /** The warehouse scans an RMA number or a tracking number. */
    async lookup(actor: Actor, code: string): Promise<ReturnView> {
      const c = code.trim();
      return db.tenant(actor.orgId, async (tx) => {
        const [r] = await tx
          .select()
          .from(returns)
          .where(and(eq(returns.orgId, actor.orgId), or(eq(returns.rma, c.toUpperCase()), eq(returns.trackingNumber, c), eq(returns.id, c))))
          .orderBy(desc(returns.requestedAt))
          .limit(1);
        if (!r) throw AppError.notFound('return', c);
        return view(tx, r);
      });
    },

    async receive(actor: Actor, id: string, input: { trackingNumber?: string | null; note?: string | null }): Promise<ReturnView> {
      requireRole(actor, WAREHOUSE_ROLES, 'receiving returns');
      return db.tenant(actor.orgId, async (tx) => {
        const r = await loadReturn(tx, actor.orgId, id, true);
        if (r.receivedAt) throw AppError.conflict('returns.already_received', `Return ${r.rma} was received on ${r.receivedAt.toISOString()}`);
        const now = clock.now();
        // "Receive and close": a case already solved by a reship has nothing left to decide.
        const close = r.resolution === 'no_refund';
        const [row] = await tx
          .update(returns)
          .set({ receivedAt: now, receivedBy: actor.userId, trackingNumber: input.trackingNumber ?? r.trackingNumber, status: close ? 'closed' : 'received', closedAt: close ? now : null, updatedAt: now })
          .where(and(eq(returns.orgId, actor.orgId), eq(returns.id, id)))
          .returning();
        await evidence(tx, ev(row!, 'tracking', actor, `Parcel received at the return warehouse${input.trackingNumber ? ` (${input.trackingNumber})` : ''}${close ? '; closed without refund (already solved)' : ''}`, { trackingNumber: input.trackingNumber ?? null, note: input.note ?? null }));
        const out = await maybeRefund(tx, actor, row!, 'received');
        return view(tx, out);
      });
    },

    async inspect(actor: Actor, id: string, input: { grade: Grade; note?: string | null; photos?: string[] }): Promise<ReturnView> {
      requireRole(actor, WAREHOUSE_ROLES, 'inspecting returns');
      const after = await db.tenant(actor.orgId, async (tx) => {
        const r = await loadReturn(tx, actor.orgId, id, true);
        if (!r.receivedAt) throw AppError.conflict('returns.not_received', `Return ${r.rma} has not been received yet`);
        if (r.inspectedAt) throw AppError.conflict('returns.already_inspected', `Return ${r.rma} was already inspected (${r.grade})`);
        const now = clock.now();
        const passed = inspectionPasses(input.grade, r.reason?.faultOwner ?? 'buyer');
        const earlyRefund = !!r.platformRefundedAt;
        const status = passed ? 'inspected' : earlyRefund ? 'appeal_open' : 'inspection_failed';
        const [row] = await tx
          .update(returns)
          .set({
            inspectedAt: now,
            inspectedBy: actor.userId,
            grade: input.grade,
            inspectionPassed: passed,
            inspectionNote: input.note ?? null,
            inspectionPhotos: input.photos ?? [],
            status,
            appealStatus: !passed && earlyRefund ? 'open' : null,
            appealDeadline: !passed && earlyRefund ? appealDeadline(now) : null,
            updatedAt: now,
          })
          .where(and(eq(returns.orgId, actor.orgId), eq(returns.id, id)))
          .returning();
        await evidence(tx, ev(row!, 'inspection', actor, `Inspection: ${input.grade} — ${passed ? 'pass' : 'fail'}`, { grade: input.grade, passed, note: input.note ?? null, photos: input.photos ?? [] }, { fileSha256s: (input.photos ?? []).filter((p) => /^[0-9a-f]{64}$/.test(p)) }));
        if (!passed && earlyRefund) {
          await evidence(tx, ev(row!, 'status_change', actor, `Platform refunded early; appeal opened, deadline ${row!.appealDeadline!.toISOString()}`, { appealDeadline: row!.appealDeadline!.toISOString() }, { responsibility: 'buyer' }));
        }
        if (!passed) {
          // A failed inspection stops every payout on the order until a supervisor or owner decides.
          const hold = await remedies.holdPayouts(tx, actor, { orderId: r.orderId, returnId: r.id, reason: `return ${r.rma} failed inspection (${input.grade})` });
          await evidence(tx, ev(row!, 'status_change', actor, `Payouts on the order held until a supervisor or owner decides${hold.inFlight.length ? `; ${hold.inFlight.length} refund(s) were already with the platform` : ''}`, { holdId: hold.holdId, heldRemedies: hold.held, inFlightRemedies: hold.inFlight }));
        }
        let out = passed ? await maybeRefund(tx, actor, row!, 'inspection_passed') : row!;
        if (passed && settled(out)) {
          [out] = await tx.update(returns).set({ status: 'closed', closedAt: now, updatedAt: now }).where(and(eq(returns.orgId, actor.orgId), eq(returns.id, id))).returning() as [ReturnRow];
        }
        return out;
      });
      // A failed inspection becomes the supervisor's case on the buyer's ticket.
      if (after.inspectionPassed === false && after.ticketId) {
        const t = ports.tickets;
        await t.addNote(actor, after.ticketId, `Return ${after.rma} failed inspection (${after.grade})${after.appealStatus === 'open' ? `; appeal to the platform by ${after.appealDeadline!.toISOString().slice(0, 10)}` : '; a supervisor decides refund or rejection'}.`);
        await t.setStatus(systemActor(actor.orgId), after.ticketId, 'open');
      }
      return db.tenant(actor.orgId, async (tx) => view(tx, after));
    },

    /** The supervisor's decision on a failed inspection. */
    /** What the platform accepts as a reason to reject this return now (empty for our own returns). */
    async rejectReasons(actor: Actor, id: string): Promise<PlatformRejectReason[]> {
      requireRole(actor, ['owner', 'supervisor'], 'deciding failed inspections');
      const r = await db.tenant(actor.orgId, (tx) => loadReturn(tx, actor.orgId, id));
      return r.platformReturnId ? ports.platformRejectReasons(actor, r.platformReturnId) : [];
    },

    async decide(actor: Actor, id: string, input: { decision: 'refund_anyway' | 'reject'; note: string; rejectReason?: string }): Promise<ReturnView> {
      requireRole(actor, ['owner', 'supervisor'], 'deciding failed inspections');
      const r0 = await db.tenant(actor.orgId, (tx) => loadReturn(tx, actor.orgId, id));
      // Rejecting a TikTok return rejects the received parcel on TikTok too, with a reason the
      // platform lists for it right now: asked before the transaction, checked here, sent by the outbox.
      let platformReason: PlatformRejectReason | undefined;
      if (input.decision === 'reject' && r0.platformReturnId && r0.status === 'inspection_failed') {
        const reasons = await ports.platformRejectReasons(actor, r0.platformReturnId);
        if (!input.rejectReason) {
          throw AppError.validation('returns.reject_reason_required', 'Rejecting a TikTok return needs one of the platform\'s reject reasons', [{ field: 'rejectReason', message: `required: one of ${reasons.map((x) => x.name).join(', ') || '(the platform lists none now)'}` }]);
        }
        platformReason = reasons.find((x) => x.name === input.rejectReason);
        if (!platformReason) {
          throw AppError.validation('returns.unknown_reject_reason', `TikTok does not accept "${input.rejectReason}" for this return now`, [{ field: 'rejectReason', message: `one of ${reasons.map((x) => x.name).join(', ') || '(none now)'}` }]);
        }
      } else if (input.rejectReason && !r0.platformReturnId) {
        throw AppError.validation('returns.reject_reason_unused', 'Only a TikTok return is rejected with a platform reason', [{ field: 'rejectReason', message: 'only for TikTok returns' }]);
      }
      // The platform's own number for the request, named in the ticket's progress line.
      const platformRef = platformReason && r0.platformReturnId && r0.ticketId && ports.actionLines ? (await ports.orders.getPlatformReturn(actor, r0.platformReturnId)).externalId : null;
      return db.tenant(actor.orgId, async (tx) => {
        const r = await loadReturn(tx, actor.orgId, id, true);
        if (r.status !== 'inspection_failed') throw AppError.conflict('returns.not_failed', `Return ${r.rma} is ${r.status}, not a failed inspection`);
        const now = clock.now();
        let out: ReturnRow;
        if (input.decision === 'refund_anyway') {
          await remedies.releasePayouts(tx, actor, { returnId: id, outcome: 'pay', note: input.note });
          [out] = (await tx.update(returns).set({ status: 'inspected', inspectionPassed: true, updatedAt: now }).where(and(eq(returns.orgId, actor.orgId), eq(returns.id, id))).returning()) as [ReturnRow];
          if (!out.refundRemedyId && out.refundTotal > 0 && !out.platformRefundedAt) out = await startRefund(tx, actor, out, (await linesOf(tx, r.orgId, r.id)).filter((l) => l.active));
        } else {
          await remedies.releasePayouts(tx, actor, { returnId: id, outcome: 'cancel', note: input.note });
          [out] = (await tx.update(returns).set({ status: 'rejected', closedAt: now, updatedAt: now }).where(and(eq(returns.orgId, actor.orgId), eq(returns.id, id))).returning()) as [ReturnRow];
          await tx.update(returnLines).set({ active: false }).where(and(eq(returnLines.orgId, actor.orgId), eq(returnLines.returnId, id)));
          if (platformReason && r.platformReturnId) {
            const step = await enqueue(
              tx,
              {
                orgId: actor.orgId,
                handler: PLATFORM_REJECT_HANDLER,
                idempotencyKey: `return:${id}:reject`,
                payload: { shopId: r.shopId, platformReturnId: r.platformReturnId, decision: 'REJECT_RECEIVED_PACKAGE', rejectReason: platformReason.name, comment: input.note.slice(0, 1000) },
                subjectType: 'return',
                subjectId: id,
              },
              { ids, clock },
            );
            // Decided from the return's page: the return's conversation shows the rejection's progress too.
            if (r.ticketId && ports.actionLines) {
              await ports.actionLines.requested(tx, { orgId: actor.orgId, ticketId: r.ticketId, outboxId: step.row.id, group: `return:${id}:reject`, action: 'return_reject', ref: platformRef ?? null, platformReturnId: r.platformReturnId });
            }
          }
        }
        await evidence(tx, ev(out, 'status_change', actor, `Supervisor: ${input.decision} — ${input.note}${platformReason ? ` (TikTok reason: ${platformReason.text ?? platformReason.name})` : ''}`, { decision: input.decision, note: input.note, platformRejectReason: platformReason?.name ?? null }));
        return view(tx, out);
      });
    },

    /**
     * Cancel a return nobody has shipped or been paid for yet (the buyer changed their mind, or it
     * was opened by mistake): it closes, its lines become returnable again, and the ticket learns it.
     */
    async cancel(actor: Actor, id: string, input: { note: string }): Promise<ReturnView> {
      requireRole(actor, ['owner', 'supervisor', 'agent'], 'cancelling returns');
      const out = await db.tenant(actor.orgId, async (tx) => {
        const r = await loadReturn(tx, actor.orgId, id, true);
        if (!['requested', 'awaiting_parcel'].includes(r.status) || r.receivedAt || r.refundRemedyId || r.platformRefundedAt) {
          throw AppError.conflict('returns.not_cancellable', `Return ${r.rma} is ${r.status}${r.refundRemedyId ? ' with a refund under way' : ''}; only a return still waiting for its parcel, with nothing paid, can be cancelled`);
        }
        const now = clock.now();
        const [row] = await tx.update(returns).set({ status: 'closed', resolution: 'no_refund', closedAt: now, updatedAt: now }).where(and(eq(returns.orgId, actor.orgId), eq(returns.id, id))).returning();
        await tx.update(returnLines).set({ active: false }).where(and(eq(returnLines.orgId, actor.orgId), eq(returnLines.returnId, id)));
        await evidence(tx, ev(row!, 'status_change', actor, `Return ${r.rma} cancelled: ${input.note}`, { cancelled: true, note: input.note }));
        return row!;
      });
      if (out.ticketId) await ports.tickets.addNote(actor, out.ticketId, `Return ${out.rma} cancelled: ${input.note}`);
      return db.tenant(actor.orgId, async (tx) => view(tx, out));
    },

    /** Send the buyer the return instructions again (on the return's ticket, in the buyer's language); each resend is its own message. */
    async resendInstructions(actor: Actor, id: string): Promise<ReturnView> {
      requireRole(actor, ['owner', 'supervisor', 'agent'], 'sending return instructions');
      return db.tenant(actor.orgId, async (tx) => {
        const r = await loadReturn(tx, actor.orgId, id, true);
        if (!r.ticketId) throw AppError.conflict('returns.no_ticket', `Return ${r.rma} has no conversation to send the instructions to`);
        if (!['requested', 'awaiting_parcel'].includes(r.status)) throw AppError.conflict('returns.not_awaiting_parcel', `Return ${r.rma} is ${r.status}; instructions are for a parcel still to be sent`);
        const { shop } = await shopOf(tx, actor.orgId, r.shopId);
        const lang = buyerLanguage(r.language);
        const text = returnInstructions(lang, { rma: r.rma, warehouseAddress: shop.supportContacts.returnWarehouse ?? null, buyerPaysShipping: r.policy.returnShippingPaidBy === 'buyer' && (r.reason?.faultOwner ?? 'buyer') === 'buyer', windowEndsAt: null, refundOn: r.refundTrigger });
        const now = clock.now();
        // One message per press: the key carries the time, so a resend is never swallowed by the first one.
        await enqueue(tx, { orgId: actor.orgId, handler: MESSAGE_HANDLER, idempotencyKey: `return:${id}:instructions:${now.getTime()}`, payload: { ticketId: r.ticketId, text }, subjectType: 'return', subjectId: id }, { ids, clock });
        await evidence(tx, ev(r, 'message', actor, `Return instructions sent again (${lang})`, { language: lang, text }));
        return view(tx, r);
      });
    },

    /**
     * Approve or reject a platform after-sales request (a TikTok return, refund, replacement or
     * cancellation) from where the agent is: the decision goes to the platform through the outbox
     * (one step per request and decision: pressing twice sends once), a rejection names one of the
     * platform's reject reasons for the request now, and the ticket and the evidence record it.
     */
    /** The platform's reject reasons for a request of its own (what the ticket's reject form offers). */
    async platformRequestRejectReasons(actor: Actor, platformReturnId: string): Promise<PlatformRejectReason[]> {
      requireRole(actor, ['owner', 'supervisor', 'agent'], 'deciding platform requests');
      await ports.orders.getPlatformReturn(actor, platformReturnId);
      return ports.platformRejectReasons(actor, platformReturnId);
    },

    async decidePlatformRequest(actor: Actor, platformReturnId: string, input: { decision: 'approve' | 'reject'; rejectReason?: string; comment?: string; ticketId?: string; images?: string[] }): Promise<{ outboxId: string; decision: string; handler: string }> {
      requireRole(actor, ['owner', 'supervisor', 'agent'], 'deciding platform requests');
      const p = await ports.orders.getPlatformReturn(actor, platformReturnId);
      if (input.ticketId) await ports.tickets.getTicket(actor, input.ticketId);
      const cancellation = p.type === 'cancellation';
      const plan = platformDecision(p.type, p.status, input.decision);
      if (!plan) throw AppError.conflict('returns.platform_not_actionable', `This ${p.type} request is ${p.status}; the platform takes no ${input.decision} now`);
      let reason: PlatformRejectReason | undefined;
      if (input.decision === 'reject') {
        const reasons = await ports.platformRejectReasons(actor, platformReturnId);
        if (!input.rejectReason) throw AppError.validation('returns.reject_reason_required', "Rejecting needs one of the platform's reject reasons", [{ field: 'rejectReason', message: `required: one of ${reasons.map((x) => x.name).join(', ') || '(the platform lists none now)'}` }]);
        reason = reasons.find((x) => x.name === input.rejectReason);
        if (!reason) throw AppError.validation('returns.unknown_reject_reason', `TikTok does not accept "${input.rejectReason}" for this request now`, [{ field: 'rejectReason', message: `one of ${reasons.map((x) => x.name).join(', ') || '(none now)'}` }]);
      }
      const handler = cancellation ? (input.decision === 'approve' ? 'tiktok.approve_cancellation' : 'tiktok.reject_cancellation') : input.decision === 'approve' ? 'tiktok.approve_return' : PLATFORM_REJECT_HANDLER;
      const payload: Record<string, unknown> = cancellation
        ? { shopId: p.shopId, platformReturnId, ...(reason ? { rejectReason: reason.name } : {}), ...(input.comment ? { comment: input.comment.slice(0, 1000) } : {}) }
        : { shopId: p.shopId, platformReturnId, decision: plan, ...(reason ? { rejectReason: reason.name } : {}), ...(input.comment ? { comment: input.comment.slice(0, 1000) } : {}) };
      const caseId = input.ticketId ?? p.orderId ?? platformReturnId;
      const result = await db.tenant(actor.orgId, async (tx) => {
        // Decided from a return's page (no ticket given): the thread of the return's own ticket, if any.
        const threadTicketId =
          input.ticketId ??
          (
            await tx
              .select({ ticketId: returns.ticketId })
              .from(returns)
              .where(and(eq(returns.orgId, actor.orgId), eq(returns.platformReturnId, platformReturnId), isNotNull(returns.ticketId)))
              .orderBy(desc(returns.updatedAt))
              .limit(1)
          )[0]?.ticketId ??
          null;
        const step = await enqueue(tx, { orgId: actor.orgId, handler, idempotencyKey: `platform-request:${platformReturnId}:${plan}`, payload, subjectType: 'platform_return', subjectId: platformReturnId }, { ids, clock });
        await ports.recordEvidence(tx, {
          orgId: actor.orgId,
          caseId,
          caseType: input.ticketId ? 'ticket' : 'dispute',
          kind: 'status_change',
          actor: { type: 'user', id: actor.userId },
          occurredAt: clock.now(),
          summary: `${input.decision === 'approve' ? 'Approved' : 'Rejected'} the platform's ${p.type.replace(/_/g, ' ')} request ${p.externalId}${reason ? ` (reason: ${reason.text ?? reason.name})` : ''}${input.comment ? ` — ${input.comment}` : ''}`,
          data: { platformReturnId, externalId: p.externalId, decision: plan, rejectReason: reason?.name ?? null, comment: input.comment ?? null, orderId: p.orderId, images: input.images ?? [] },
          fileSha256s: (input.images ?? []).filter((x) => /^[0-9a-f]{64}$/.test(x)),
        });
        if (threadTicketId && ports.actionLines) {
          const action = cancellation ? (input.decision === 'approve' ? 'cancel_approve' : 'cancel_reject') : input.decision === 'approve' ? 'return_approve' : 'return_reject';
          await ports.actionLines.requested(tx, { orgId: actor.orgId, ticketId: threadTicketId, outboxId: step.row.id, group: `platform-request:${platformReturnId}:${plan}`, action, ref: p.externalId, platformReturnId });
        }
        return step;
      });
      if (input.ticketId) {
        // Without the thread's action lines (a composition that has none), a note says it in words.
        if (!ports.actionLines) await ports.tickets.addNote(actor, input.ticketId, `${input.decision === 'approve' ? 'Approved' : 'Rejected'} TikTok request ${p.externalId} (${plan}${reason ? `, ${reason.text ?? reason.name}` : ''}); sent to the platform.`);
        await ports.tickets.setStatus(actor, input.ticketId, 'waiting_on_platform');
      }
      return { outboxId: result.row.id, decision: plan, handler };
    },

    async recordAppealOutcome(actor: Actor, id: string, outcome: 'won' | 'lost'): Promise<ReturnView> {
      requireRole(actor, ['owner', 'supervisor'], 'recording appeal outcomes');
      return db.tenant(actor.orgId, async (tx) => {
        const r = await loadReturn(tx, actor.orgId, id, true);
        if (r.appealStatus !== 'open') throw AppError.conflict('returns.no_open_appeal', `Return ${r.rma} has no open appeal`);
        const now = clock.now();
        const [row] = await tx.update(returns).set({ appealStatus: outcome, status: 'closed', closedAt: now, updatedAt: now }).where(and(eq(returns.orgId, actor.orgId), eq(returns.id, id))).returning();
        // The platform paid the buyer already; the appeal settles it, so nothing more is owed by us.
        await remedies.releasePayouts(tx, actor, { returnId: id, outcome: 'cancel', note: `appeal ${outcome}` });
        await evidence(tx, ev(row!, 'status_change', actor, `Appeal ${outcome}`, { outcome }));
        return view(tx, row!);
      });
    },

    async markPlatformRefunded(actor: Actor, id: string): Promise<ReturnView> {
      // It suppresses the seller's own refund, so it is a money decision.
      requireRole(actor, ['owner', 'supervisor'], 'recording a platform refund');
      return db.tenant(actor.orgId, async (tx) => {
        const r = await loadReturn(tx, actor.orgId, id, true);
        if (r.platformRefundedAt) return view(tx, r);
        const now = clock.now();
        const [row] = await tx.update(returns).set({ platformRefundedAt: now, updatedAt: now }).where(and(eq(returns.orgId, actor.orgId), eq(returns.id, id))).returning();
        await evidence(tx, ev(row!, 'refund', { ...actor }, 'The platform refunded the buyer before the parcel arrived', { platformRefundedAt: now.toISOString() }));
        return view(tx, row!);
      });
    },

    async get(actor: Actor, id: string): Promise<ReturnView> {
      return db.tenant(actor.orgId, async (tx) => view(tx, await loadReturn(tx, actor.orgId, id)));
    },

    async list(actor: Actor, filter: ReturnListFilter): Promise<ReturnView[]> {
      return (await this.page(actor, filter)).items;
    },

    /** One page of returns, newest request first; `cursor` is the previous page's `nextCursor`. */
    async page(actor: Actor, filter: ReturnListFilter): Promise<Page<ReturnView>> {
      return db.tenant(actor.orgId, async (tx) => {
        const conds = [eq(returns.orgId, actor.orgId)];
        if (filter.status) conds.push(eq(returns.status, filter.status as ReturnRow['status']));
        if (filter.shopId) conds.push(eq(returns.shopId, filter.shopId));
        if (filter.orderId) conds.push(eq(returns.orderId, filter.orderId));
        // Open appeals are worked by deadline: the one that expires first comes first (an open
        // appeal always has one).
        const byDeadline = filter.status === 'appeal_open';
        const sortCol = byDeadline ? returns.appealDeadline : returns.requestedAt;
        const after = afterCursor(sortCol, returns.id, filter.cursor, byDeadline ? 'asc' : 'desc');
        if (after) conds.push(after);
        const order = byDeadline ? [asc(returns.appealDeadline), asc(returns.id)] : [desc(returns.requestedAt), desc(returns.id)];
        const limit = filter.limit ?? 100;
        const rows = await tx.select().from(returns).where(and(...conds)).orderBy(...order).limit(limit + 1);
        const page = cutPage(rows, limit, (r) => ({ sort: (byDeadline ? r.appealDeadline : r.requestedAt) ?? r.requestedAt, id: r.id }));
        return { items: await views(tx, page.items), nextCursor: page.nextCursor };
      });
    },

    /** Request → refund over the returns refunded in the last `days`, with the step that slows them most. */
    async cycleStats(actor: Actor, filter: { shopId?: string; days?: number }) {
      const days = filter.days ?? 30;
      const since = new Date(clock.now().getTime() - days * 86_400_000);
      return db.tenant(actor.orgId, async (tx) => {
        const conds = [eq(returns.orgId, actor.orgId), gte(returns.refundedAt, since)];
        if (filter.shopId) conds.push(eq(returns.shopId, filter.shopId));
        const rows = await tx
          .select({ requestedAt: returns.requestedAt, approvedAt: returns.approvedAt, receivedAt: returns.receivedAt, inspectedAt: returns.inspectedAt, refundedAt: returns.refundedAt })
          .from(returns)
          .where(and(...conds));
        return { days, ...summariseCycles(rows.map((r) => cycleTime(r))) };
      });
    },

    /** The exchange's fallback: the buyer takes the money instead (e.g. the size is out of stock). */
    async switchToRefund(actor: Actor, id: string, input: { note?: string | null }): Promise<ReturnView> {
      requireRole(actor, ['owner', 'supervisor', 'agent'], 'changing a return to a refund');
      return db.tenant(actor.orgId, async (tx) => {
        const r = await loadReturn(tx, actor.orgId, id, true);
        if (r.resolution !== 'exchange') throw AppError.conflict('returns.not_exchange', `Return ${r.rma} is a ${r.resolution}, not an exchange`);
        if (r.exchange?.status === 'shipped') throw AppError.conflict('returns.exchange_shipped', `The replacement for ${r.rma} has already shipped`);
        if (r.exchange?.status === 'reserved') {
          await tx
            .update(exchangeStock)
            .set({ available: sql`${exchangeStock.available} + 1`, reserved: sql`greatest(${exchangeStock.reserved} - 1, 0)` })
            .where(and(eq(exchangeStock.orgId, actor.orgId), eq(exchangeStock.id, `${r.shopId}:${r.exchange.sku}`)));
        }
        const now = clock.now();
        const [row] = await tx
          .update(returns)
          .set({ resolution: 'refund', refundTotal: r.refundCalc.total, exchange: r.exchange ? { ...r.exchange, status: 'released' } : null, updatedAt: now })
          .where(and(eq(returns.orgId, actor.orgId), eq(returns.id, id)))
          .returning();
        for (const l of r.refundCalc.lines) {
          await tx.update(returnLines).set({ refund: l.refund }).where(and(eq(returnLines.orgId, actor.orgId), eq(returnLines.returnId, id), eq(returnLines.orderLineId, l.lineId)));
        }
        await evidence(tx, ev(row!, 'status_change', actor, `Exchange changed to a refund of ${row!.refundTotal} ${row!.currency}${input.note ? `: ${input.note}` : ''}`, { exchange: r.exchange, refundTotal: row!.refundTotal }));
        // Pay now if the policy's paying step has already happened.
        // A failed inspection waits for the supervisor's decision, which pays if it says so.
        const due = row!.inspectionPassed !== false && (row!.refundTrigger === 'on_request' || (row!.refundTrigger === 'on_receipt' && !!row!.receivedAt) || (row!.refundTrigger === 'on_inspection_pass' && row!.inspectionPassed === true));
        let out = row!;
        if (due && !out.platformRefundedAt && out.refundTotal > 0) out = await startRefund(tx, actor, out, (await linesOf(tx, out.orgId, out.id)).filter((l) => l.active));
        return view(tx, out);
      });
    },

    async setExchangeStock(actor: Actor, shopId: string, input: { sku: string; productId: string; label: string; available: number }) {
      requireRole(actor, ['owner', 'supervisor', 'warehouse'], 'setting exchange stock');
      return db.tenant(actor.orgId, async (tx) => {
        await shopOf(tx, actor.orgId, shopId);
        const [row] = await tx
          .insert(exchangeStock)
          .values({ orgId: actor.orgId, id: `${shopId}:${input.sku}`, shopId, sku: input.sku, productId: input.productId, label: input.label, available: input.available, reserved: 0 })
          .onConflictDoUpdate({ target: [exchangeStock.orgId, exchangeStock.id], set: { available: input.available, label: input.label, productId: input.productId } })
          .returning();
        return row!;
      });
    },

    /** A shop's exchange stock, by product and SKU. */
    async listExchangeStock(actor: Actor, shopId: string) {
      return db.tenant(actor.orgId, async (tx) => {
        await shopOf(tx, actor.orgId, shopId);
        return tx.select().from(exchangeStock).where(and(eq(exchangeStock.orgId, actor.orgId), eq(exchangeStock.shopId, shopId))).orderBy(asc(exchangeStock.productId), asc(exchangeStock.sku));
      });
    },

    async stockOf(actor: Actor, shopId: string, sku: string) {
      return db.tenant(actor.orgId, async (tx) => {
        const [row] = await tx.select().from(exchangeStock).where(and(eq(exchangeStock.orgId, actor.orgId), eq(exchangeStock.id, `${shopId}:${sku}`)));
        return row ?? null;
      });
    },
  };
}

export type ReturnsService = ReturnType<typeof createReturnsService>;
export interface ReturnListFilter {
  status?: string;
  shopId?: string;
  orderId?: string;
  limit?: number;
  cursor?: string;
}
