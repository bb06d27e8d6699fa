import { and, asc, desc, eq, inArray, isNull, ne } from 'drizzle-orm';
import type { Clock } from '../../platform/clock.js';
import type { Database, Executor, Tx } from '../../platform/db.js';
import { AppError } from '../../platform/errors.js';
import type { IdGenerator } from '../../platform/ids.js';
import type { Logger } from '../../platform/logger.js';
import { enqueue, type OutboxDispatcher, type OutboxRegistry } from '../../platform/outbox/outbox.js';
import { outbox } from '../../platform/outbox/outbox.schema.js';
import { afterCursor, cutPage, type Page } from '../../platform/pagination.js';
import { requireRole, systemActor, type Actor } from '../../platform/tenancy.js';
import { remedyLimitsOf, type RemedyLimits } from '../auth/index.js';
import { shopIn } from '../tenancy/index.js';
import { auditActorOf, changedOnly, recordAudit } from '../audit/index.js';
import type { OrderInfo, RemediesPorts, EvidenceInput } from './remedies.ports.js';
import {
  authorityFor,
  CATEGORY_FAULT,
  DEFAULT_LADDER,
  holdEffect,
  isMoneyStep,
  planSteps,
  recommend,
  remedyProgress,
  stepKey,
  suggestCategory,
  type Economics,
  type FaultOwner,
  type LadderConfig,
  type ProblemCategory,
  type RemedyOption,
  type StepKind,
  type StepState,
} from './remedies.rules.js';
import { payoutHolds, productEconomics, remedies, remedySettings, reships } from './remedies.schema.js';
import type { LedgerView } from '../coupons/index.js';
import { remedyMessage } from './remedies.texts.js';

export type RemedyRow = typeof remedies.$inferSelect;
export type SettingsRow = typeof remedySettings.$inferSelect;
export type PayoutHoldRow = typeof payoutHolds.$inferSelect;

/** What placing a hold did to each remedy on the order (for evidence and the caller's note). */
export interface HoldReport {
  holdId: string;
  held: string[];
  inFlight: string[];
}

export interface RemediesDeps {
  db: Database;
  ids: IdGenerator;
  clock: Clock;
  log: Logger;
  outbox: OutboxRegistry;
  dispatcher: OutboxDispatcher;
}

export const RECONCILE_HANDLER = 'remedies.reconcile';
export const MESSAGE_HANDLER = 'remedies.message';
export const RESHIP_HANDLER = 'remedies.reship';
export const RESHIP_CANCEL_HANDLER = 'remedies.reship_cancel';
/** The option key prefix of a remedy an incident's approved outreach gives a buyer (`incident:<id>`). */
const INCIDENT_OPTION = 'incident:';

const PROPOSER_ROLES = ['owner', 'supervisor', 'agent'] as const;
const APPROVER_ROLES = ['owner', 'supervisor'] as const;

/** Called in the transaction that completes a remedy (returns use it to mark the refund sent). */
export type CompletionHook = (tx: Tx, remedy: RemedyRow) => Promise<void>;

export interface StepView {
  step: StepKind;
  outboxId: string;
  handler: string;
  status: StepState;
  attempts: number;
  lastError: string | null;
  nextAttemptAt: string;
  doneAt: string | null;
}

export function settingsDefaults(orgId: string, shopId: string, now: Date): SettingsRow {
  return {
    orgId,
    id: shopId,
    ladder: DEFAULT_LADDER,
    highTicketThreshold: 30_000,
    couponMinimumRule: 'claw_back',
    defaultCostPercent: 45,
    defaultResalePercent: 60,
    returnShipping: 1_200,
    outboundShipping: 900,
    updatedAt: now,
  };
}

function stepOf(idempotencyKey: string): StepKind {
  return idempotencyKey.slice(idempotencyKey.lastIndexOf(':') + 1) as StepKind;
}

/**
 * `onCompleted` is the one subscriber to a remedy's completion (the composition hands in the
 * returns module's); it runs in the completing transaction.
 */
/** The decision fields of a remedy decided when it is made (the return policy owes it, an incident approved it): it executes at once. */
function decidedAndExecuting(now: Date, proposedBy: string, decidedBy: string, limitCheck: RemedyRow['limitCheck'], decisionNote: string) {
  return { status: 'executing' as const, proposedBy, limitCheck, approvalReason: null, decidedBy, decidedAt: now, decisionNote, reconcileRound: 0, failedStep: null, buyerMessage: null, createdAt: now, updatedAt: now, completedAt: null };
}

export function createRemediesService(deps: RemediesDeps, ports: RemediesPorts & { onCompleted: CompletionHook }) {
  const { db, ids, clock } = deps;

  async function evidence(tx: Executor, input: EvidenceInput): Promise<void> {
    await ports.recordEvidence(tx, input);
  }
  function orders() {
    return ports.orders;
  }

  /** The person who proposed a remedy hears the supervisor's decision. */
  async function notifyDecided(tx: Executor, r: RemedyRow, actor: Actor, decision: 'approved' | 'rejected'): Promise<void> {
    await ports.notify?.(tx, {
      orgId: r.orgId,
      to: [r.proposedBy],
      kind: 'approval_decided',
      subject: { type: 'remedy', id: r.id },
      shopId: r.shopId,
      params: { decision, option: r.optionKey, amount: r.refundAmount, currency: r.currency, ticketId: r.ticketId },
      link: r.ticketId ? `/inbox/${r.ticketId}` : `/remedies?remedy=${r.id}`,
      except: actor.userId,
    });
  }

  async function loadSettings(tx: Executor, orgId: string, shopId: string): Promise<SettingsRow> {
    const [s] = await tx.select().from(remedySettings).where(and(eq(remedySettings.orgId, orgId), eq(remedySettings.id, shopId)));
    return s ?? settingsDefaults(orgId, shopId, clock.now());
  }

  const assertShop = shopIn;

  async function limitsOf(tx: Executor, actor: Actor): Promise<RemedyLimits> {
    const limits = await remedyLimitsOf(tx, actor.orgId, actor.userId);
    if (!limits) throw AppError.forbidden('remedies.no_user', 'Only signed-in people can give remedies');
    return limits;
  }

  /** Item cost and resale per product, else per category, else the shop's default ratios. */
  async function economicsFor(tx: Executor, orgId: string, order: OrderInfo, lineIds: string[], settings: SettingsRow, sellerPaysReturn: boolean): Promise<Economics> {
    const lines = order.lines.filter((l) => lineIds.includes(l.id));
    const keys = [...new Set(lines.flatMap((l) => [`product:${l.productId}`, `category:${(l.category ?? '').toLowerCase()}`]))];
    const known = keys.length
      ? await tx.select().from(productEconomics).where(and(eq(productEconomics.orgId, orgId), eq(productEconomics.shopId, order.shopId), inArray(productEconomics.key, keys)))
      : [];
    const byKey = new Map(known.map((k) => [k.key, k]));
    let itemCost = 0;
    let resale = 0;
    for (const l of lines) {
      const k = byKey.get(`product:${l.productId}`) ?? byKey.get(`category:${(l.category ?? '').toLowerCase()}`);
      const cost = k ? k.itemCost : Math.round((l.unitPrice * settings.defaultCostPercent) / 100);
      const resalePercent = k ? k.resalePercent : settings.defaultResalePercent;
      itemCost += cost;
      resale += Math.round((l.unitPrice * resalePercent) / 100);
    }
    return {
      currency: order.currency,
      paid: lines.reduce((a, l) => a + l.paid, 0),
      itemCost,
      returnShipping: settings.returnShipping,
      outboundShipping: settings.outboundShipping,
      expectedResale: resale,
      buyerLifetimeValue: order.buyer.lifetimeValue,
      sellerPaysReturn,
    };
  }

  async function loadRemedy(tx: Executor, orgId: string, id: string, lock = false): Promise<RemedyRow> {
    const q = tx.select().from(remedies).where(and(eq(remedies.orgId, orgId), eq(remedies.id, id)));
    const [r] = lock ? await q.for('update') : await q;
    if (!r) throw AppError.notFound('remedy', id);
    return r;
  }

  async function stepsOf(tx: Executor, orgId: string, remedyId: string): Promise<StepView[]> {
    return (await stepsOfMany(tx, orgId, [remedyId])).get(remedyId) ?? [];
  }

  async function stepsOfMany(tx: Executor, orgId: string, remedyIds: string[]): Promise<Map<string, StepView[]>> {
    const out = new Map<string, StepView[]>();
    if (remedyIds.length === 0) return out;
    const rows = await tx
      .select()
      .from(outbox)
      .where(and(eq(outbox.orgId, orgId), eq(outbox.subjectType, 'remedy'), inArray(outbox.subjectId, remedyIds), ne(outbox.handler, RECONCILE_HANDLER)))
      .orderBy(asc(outbox.createdAt), asc(outbox.id));
    for (const r of rows) {
      const list = out.get(r.subjectId!) ?? [];
      list.push({ step: stepOf(r.idempotencyKey), outboxId: r.id, handler: r.handler, status: r.status, attempts: r.attempts, lastError: r.lastError, nextAttemptAt: r.nextAttemptAt.toISOString(), doneAt: r.doneAt?.toISOString() ?? null });
      out.set(r.subjectId!, list);
    }
    return out;
  }

  /**
   * The watch over a remedy's steps is itself an outbox row. It is due just after the steps it
   * watches; when it finds them still pending or in flight it hands over to a fresh watch due
   * when they next can have moved (`hop` counts these, `tag` names the phase), and only after
   * many hops does it fall back to the outbox's growing retry backoff.
   */
  async function armReconcile(tx: Executor, r: RemedyRow, round: number, tag = 'steps', hop = 0, at?: Date): Promise<void> {
    const due = at ?? new Date(clock.now().getTime() + 1);
    await enqueue(
      tx,
      { orgId: r.orgId, handler: RECONCILE_HANDLER, idempotencyKey: `remedy:${r.id}:reconcile:${round}:${tag}:${hop}`, payload: { remedyId: r.id, tag, hop }, subjectType: 'remedy-control', subjectId: r.id, maxAttempts: 200, notBefore: due },
      { ids, clock },
    );
  }

  /**
   * Start executing: the coupon is minted here (our own table, so it is part of this
   * transaction), every external step becomes an outbox row with a key derived from the remedy
   * and the step, and a reconcile row watches them. A crash before commit leaves nothing; after
   * commit, the outbox owns the rest.
   */
  async function openHoldOn(tx: Executor, orgId: string, orderId: string): Promise<PayoutHoldRow | undefined> {
    const [h] = await tx
      .select()
      .from(payoutHolds)
      .where(and(eq(payoutHolds.orgId, orgId), eq(payoutHolds.orderId, orderId), isNull(payoutHolds.releasedAt)))
      .orderBy(asc(payoutHolds.placedAt))
      .limit(1);
    return h;
  }

  /** No money leaves for an order under a payout hold, whoever asks. */
  async function assertPayable(tx: Executor, orgId: string, orderId: string, refundAmount: number): Promise<void> {
    if (refundAmount <= 0) return;
    const h = await openHoldOn(tx, orgId, orderId);
    if (h) {
      throw AppError.conflict('remedies.payout_held', `Refunds for this order are on hold: ${h.reason}. A supervisor or owner decides the failed inspection first`, { holdId: h.id, returnId: h.returnId, reason: h.reason });
    }
  }

  async function startExecution(tx: Tx, r: RemedyRow, actor: Actor, opts: { platformDecision?: 'APPROVE_REFUND' | 'APPROVE_RECEIVED_PACKAGE' } = {}): Promise<void> {
    await assertPayable(tx, r.orgId, r.orderId, r.refundAmount);
    const now = clock.now();
    if (r.coupon) {
      // The shop's platform coupon closest in value (Seller Center coupons; nothing is minted here),
      // sent as a chat card by the coupons module's outbox step in this same transaction.
      await ports.coupons.issueCompensationIn(tx, actor, { remedyId: r.id, shopId: r.shopId, buyerId: r.buyerId, currency: r.currency, amount: r.coupon.amount, language: r.language, evidenceCase: ticketOrReturnCase(r) ?? { caseId: r.id, caseType: 'return' } });
    }
    const steps = planSteps({ refundAmount: r.refundAmount, reship: r.reship, viaPlatformReturn: !!r.platformReturnId, message: false });
    for (const s of steps) {
      let payload: Record<string, unknown>;
      if (s.step === 'refund') {
        payload = { shopId: r.shopId, orderId: r.orderId, orderLineIds: r.orderLineIds, amount: r.refundAmount, currency: r.currency, reason: `${r.kind === 'return_refund' ? 'Return refund' : 'Remedy'} ${r.id} (${r.category})` };
      } else if (s.step === 'approve_return') {
        // TikTok's decision vocabulary: a parcel we hold → approve the received package; money
        // without a parcel → approve the refund, or offer a partial one.
        const partial = r.kind !== 'return_refund' && r.refundAmount < r.paidBase;
        const decision = opts.platformDecision ?? (partial ? 'OFFER_PARTIAL_REFUND' : 'APPROVE_REFUND');
        payload = { shopId: r.shopId, platformReturnId: r.platformReturnId, decision, ...(decision === 'OFFER_PARTIAL_REFUND' ? { partialRefund: { amount: r.refundAmount, currency: r.currency } } : {}) };
      } else {
        const reshipId = ids('rsp');
        await tx
          .insert(reships)
          .values({ orgId: r.orgId, id: reshipId, shopId: r.shopId, remedyId: r.id, orderId: r.orderId, lines: r.orderLineIds.map((l) => ({ orderLineId: l, sku: '', productName: '' })), apologyCard: r.apologyCard, status: 'requested', createdAt: now, updatedAt: now })
          .onConflictDoNothing();
        payload = { remedyId: r.id, orderId: r.orderId, apologyCard: r.apologyCard };
      }
      const { row: stepRow } = await enqueue(tx, { orgId: r.orgId, handler: s.handler, idempotencyKey: stepKey(r.id, s.step), payload, subjectType: 'remedy', subjectId: r.id }, { ids, clock });
      if (r.ticketId && ports.actionLines) {
        const partial = s.step === 'approve_return' && payload.decision === 'OFFER_PARTIAL_REFUND';
        const action = s.step === 'reship' ? 'reship' : partial ? 'partial_refund' : 'refund';
        await ports.actionLines.requested(tx, { orgId: r.orgId, ticketId: r.ticketId, outboxId: stepRow.id, group: `remedy:${r.id}:${s.step}`, action, amount: s.step === 'reship' ? null : r.refundAmount, currency: s.step === 'reship' ? null : r.currency, platformReturnId: s.step === 'approve_return' ? r.platformReturnId : null });
      }
    }
    await armReconcile(tx, r, r.reconcileRound);
  }

  /** Steps not yet run are cancelled, the coupon voided, a reship recalled; money sent stands. */
  async function abandonIn(tx: Tx, actor: Actor, r: RemedyRow, note: string): Promise<RemedyRow> {
    const id = r.id;
    const now = clock.now();
    const compensated: string[] = [];
    await tx
      .update(outbox)
      .set({ status: 'cancelled', updatedAt: now })
      .where(and(eq(outbox.orgId, actor.orgId), eq(outbox.subjectId, id), inArray(outbox.status, ['pending', 'failed', 'held'])));
    const steps = await stepsOf(tx, actor.orgId, id);
    const voided = await ports.coupons.voidRemedyIn(tx, actor, id);
    if (voided) compensated.push(voided);
    const reshipStep = steps.find((s) => s.step === 'reship');
    if (reshipStep?.status === 'done') {
      await enqueue(tx, { orgId: actor.orgId, handler: RESHIP_CANCEL_HANDLER, idempotencyKey: `remedy:${id}:reship_cancel`, payload: { remedyId: id }, subjectType: 'remedy-compensation', subjectId: id }, { ids, clock });
      compensated.push('reship recalled');
    } else if (reshipStep) {
      await tx.update(reships).set({ status: 'cancelled', updatedAt: now }).where(and(eq(reships.orgId, actor.orgId), eq(reships.remedyId, id)));
      compensated.push('reship cancelled before release');
    }
    const refunded = steps.find((s) => (s.step === 'refund' || s.step === 'approve_return') && s.status === 'done');
    const [row] = await tx.update(remedies).set({ status: 'abandoned', decisionNote: note, updatedAt: now }).where(and(eq(remedies.orgId, actor.orgId), eq(remedies.id, id))).returning();
    await evidence(tx, caseEvidence(row!, 'status_change', actor, `Remedy abandoned: ${note}. ${compensated.join('; ') || 'nothing to undo'}${refunded ? '; the refund already sent stands' : ''}`, { compensated, refundStands: !!refunded }));
    return row!;
  }

  /** Where a remedy's evidence is filed: its ticket, else its return; an incident's remedy under its buyer. */
  function caseOf(r: RemedyRow): { caseId: string; caseType: 'ticket' | 'return' | 'buyer' } {
    if (!r.ticketId && !r.returnId && r.buyerId && r.optionKey.startsWith(INCIDENT_OPTION)) return { caseId: r.buyerId, caseType: 'buyer' };
    return { caseId: r.ticketId ?? r.returnId ?? r.id, caseType: r.ticketId ? 'ticket' : 'return' };
  }

  /** The coupons module files under a ticket or a return (an incident's remedies carry no coupon). */
  function ticketOrReturnCase(r: RemedyRow): { caseId: string; caseType: 'ticket' | 'return' } | undefined {
    const c = caseOf(r);
    return c.caseType === 'buyer' ? undefined : { caseId: c.caseId, caseType: c.caseType };
  }

  async function couponOf(tx: Executor, r: RemedyRow): Promise<LedgerView | undefined> {
    return (await ports.coupons.remedyCouponIn(tx, r.orgId, [r.id])).get(r.id);
  }

  function caseEvidence(r: RemedyRow, kind: EvidenceInput['kind'], actor: Actor | null, summary: string, data: Record<string, unknown>): EvidenceInput {
    const { caseId, caseType } = caseOf(r);
    return {
      orgId: r.orgId,
      caseId,
      caseType,
      kind,
      actor: !actor || actor.userId === 'system' ? { type: 'system' } : { type: 'user', id: actor.userId },
      occurredAt: clock.now(),
      summary,
      data: { remedyId: r.id, ...data },
    };
  }

  async function messageText(tx: Executor, r: RemedyRow): Promise<string> {
    const c = await couponOf(tx, r);
    return remedyMessage(r.language, {
      personal: r.buyerMessage,
      refund: r.refundAmount > 0 ? { amount: r.refundAmount, currency: r.currency } : null,
      reship: r.reship,
      apologyCard: r.apologyCard,
      coupon: c && c.status !== 'voided' && c.expiresAt ? { code: c.promoCode ?? c.couponTitle ?? '', amount: c.faceValue, currency: c.currency, minSpend: c.minSpend, expiresAt: new Date(c.expiresAt) } : null,
    });
  }

  /**
   * The reconcile step: once money and goods have moved, queue the buyer's message; once
   * everything is done, complete the remedy. A failed step parks the remedy in `attention`
   * (visible, retryable, or abandoned with compensation).
   */
  const MAX_HOPS = 40;
  /** How soon a step can have moved: a pending one at its next attempt, one in flight shortly. */
  function nextLook(steps: StepView[], now: Date): Date {
    const times = steps
      .filter((x) => x.status === 'pending' || x.status === 'running')
      .map((x) => (x.status === 'pending' ? Date.parse(x.nextAttemptAt) : now.getTime() + 25));
    return new Date(Math.max(now.getTime() + 1, (times.length ? Math.min(...times) : now.getTime()) + 1));
  }

  async function reconcile(orgId: string, remedyId: string, watch: { tag?: string; hop?: number } = {}): Promise<Record<string, unknown>> {
    const outcome = await db.tenant(orgId, async (tx) => {
      const r = await loadRemedy(tx, orgId, remedyId, true);
      if (r.status === 'completed') return { state: 'completed' as const, r };
      if (r.status !== 'executing') return { state: 'idle' as const, r };
      const steps = await stepsOf(tx, orgId, r.id);
      const progress = remedyProgress(steps.map((s) => ({ phase: s.step === 'message' ? 2 : 1, state: s.status })));
      const now = clock.now();
      if (progress === 'failed') {
        const failed = steps.find((s) => s.status === 'failed')!;
        await tx.update(remedies).set({ status: 'attention', failedStep: failed.step, updatedAt: now }).where(and(eq(remedies.orgId, orgId), eq(remedies.id, r.id)));
        await evidence(tx, caseEvidence(r, 'status_change', null, `Remedy step ${failed.step} failed: ${failed.lastError ?? 'unknown error'}`, { step: failed.step, error: failed.lastError }));
        return { state: 'failed' as const, r };
      }
      const phase1Done = steps.filter((s) => s.step !== 'message').every((s) => s.status === 'done');
      if (phase1Done && !steps.some((s) => s.step === 'message') && r.ticketId) {
        await enqueue(tx, { orgId, handler: MESSAGE_HANDLER, idempotencyKey: stepKey(r.id, 'message'), payload: { ticketId: r.ticketId, text: await messageText(tx, r) }, subjectType: 'remedy', subjectId: r.id }, { ids, clock });
        // A fresh watch right behind the message, rather than this one's retry backoff.
        await armReconcile(tx, r, r.reconcileRound, 'message');
        return { state: 'message_queued' as const, r };
      }
      if (progress === 'done') {
        const [done] = await tx.update(remedies).set({ status: 'completed', completedAt: now, failedStep: null, updatedAt: now }).where(and(eq(remedies.orgId, orgId), eq(remedies.id, r.id))).returning();
        const refundStep = steps.find((s) => s.step === 'refund' || s.step === 'approve_return');
        if (refundStep) await evidence(tx, caseEvidence(r, 'refund', null, `Refund of ${r.refundAmount} ${r.currency} sent`, { amount: r.refundAmount, currency: r.currency, outboxId: refundStep.outboxId, handler: refundStep.handler }));
        if (r.reship) await evidence(tx, caseEvidence(r, 'reship', null, `Replacement released to the warehouse${r.apologyCard ? ' with an apology card' : ''}`, { apologyCard: r.apologyCard }));
        await evidence(tx, caseEvidence(r, 'remedy_given', null, `Remedy ${r.optionKey} completed`, { optionKey: r.optionKey, givenValue: r.givenValue }));
        await ports.onCompleted(tx, done!);
        // The platform accepted every step and the buyer was told: the ticket's action lines are confirmed.
        if (r.ticketId && ports.actionLines) await ports.actionLines.confirmed(tx, orgId, `remedy:${r.id}:`);
        return { state: 'completed' as const, r: done! };
      }
      const hop = watch.hop ?? 0;
      if (hop < MAX_HOPS) {
        await armReconcile(tx, r, r.reconcileRound, watch.tag ?? 'steps', hop + 1, nextLook(steps, now));
        return { state: 'handed_over' as const, r };
      }
      return { state: 'waiting' as const, r };
    });
    if (outcome.state === 'waiting') throw new AppError('unavailable', 'remedies.steps_pending', `Remedy ${remedyId} is waiting for its steps`);
    if (outcome.state === 'completed' && outcome.r.ticketId) {
      // Outside the transaction (the helpdesk writes its own); idempotent, so a retry is harmless.
      await ports.tickets.markSolved(systemActor(orgId), outcome.r.ticketId, `remedy ${outcome.r.id} completed`);
    }
    return { state: outcome.state };
  }

  function remedyView(r: RemedyRow, steps: StepView[], coupon: LedgerView | undefined) {
    return {
      id: r.id,
      shopId: r.shopId,
      ticketId: r.ticketId,
      returnId: r.returnId,
      orderId: r.orderId,
      orderLineIds: r.orderLineIds,
      platformReturnId: r.platformReturnId,
      language: r.language,
      category: r.category,
      suggestedCategory: r.suggestedCategory,
      faultOwner: r.faultOwner,
      optionKey: r.optionKey,
      kind: r.kind,
      tier: r.tier,
      currency: r.currency,
      paidBase: r.paidBase,
      refundAmount: r.refundAmount,
      coupon: coupon ? { code: coupon.promoCode ?? coupon.couponTitle, amount: coupon.faceValue, currency: coupon.currency, minSpend: coupon.minSpend, vip: r.coupon?.vip ?? false, status: coupon.status, expiresAt: coupon.expiresAt } : r.coupon ? { code: null, amount: r.coupon.amount, currency: r.currency, minSpend: r.coupon.minSpend, vip: r.coupon.vip, status: 'planned', expiresAt: null } : null,
      reship: r.reship,
      apologyCard: r.apologyCard,
      givenValue: r.givenValue,
      economics: r.economics,
      status: r.status,
      proposedBy: r.proposedBy,
      limitCheck: r.limitCheck,
      approvalReason: r.approvalReason,
      decidedBy: r.decidedBy,
      decidedAt: r.decidedAt?.toISOString() ?? null,
      decisionNote: r.decisionNote,
      failedStep: r.failedStep,
      buyerMessage: r.buyerMessage,
      steps,
      createdAt: r.createdAt.toISOString(),
      completedAt: r.completedAt?.toISOString() ?? null,
    };
  }
  type RemedyView = ReturnType<typeof remedyView>;

  async function view(tx: Executor, r: RemedyRow): Promise<RemedyView> {
    return remedyView(r, await stepsOf(tx, r.orgId, r.id), await couponOf(tx, r));
  }

  async function context(actor: Actor, input: { orderId: string; orderLineIds?: string[]; ticketId?: string; returnId?: string; platformReturnId?: string }) {
    const order = await orders().getOrder(actor, input.orderId);
    // A remedy's completion marks its return refunded: a return of another order (or one that
    // exists nowhere, or in another organisation) must never ride along.
    const refs: [string, string | undefined, (a: Actor, id: string) => Promise<{ id: string; orderId: string | null }>][] = [
      ['returnId', input.returnId, ports.returns.getReturn],
      ['platformReturnId', input.platformReturnId, orders().getPlatformReturn],
    ];
    for (const [field, id, get] of refs) {
      if (!id) continue;
      const ref = await get(actor, id);
      if (ref.orderId !== order.id) throw AppError.validation('remedies.reference_order_mismatch', `${field} ${id} belongs to another order than ${order.id}`, [{ field, message: "differs from the remedy's order" }]);
    }
    const lineIds = input.orderLineIds?.length ? input.orderLineIds : order.lines.map((l) => l.id);
    for (const l of lineIds) if (!order.lines.some((x) => x.id === l)) throw AppError.validation('remedies.unknown_line', `Order line ${l} is not part of order ${order.id}`, [{ field: 'orderLineIds', message: `unknown line ${l}` }]);
    let language = order.buyer.language ?? null;
    if (input.ticketId) {
      const t = await ports.tickets.getTicket(actor, input.ticketId);
      language = t.language;
      if (t.orderId && t.orderId !== order.id) throw AppError.validation('remedies.ticket_order_mismatch', `Ticket ${t.id} is about order ${t.orderId}, not ${order.id}`, [{ field: 'orderId', message: 'differs from the ticket\'s order' }]);
    }
    return { order, lineIds, language: language ?? 'en' };
  }

  return {
    suggest(text: string) {
      const s = suggestCategory(text);
      return { ...s, faultOwner: CATEGORY_FAULT[s.category] };
    },

    async getSettings(actor: Actor, shopId: string): Promise<SettingsRow> {
      return db.tenant(actor.orgId, async (tx) => {
        await assertShop(tx, actor.orgId, shopId);
        return loadSettings(tx, actor.orgId, shopId);
      });
    },

    async updateSettings(actor: Actor, shopId: string, patch: Partial<Omit<SettingsRow, 'orgId' | 'id' | 'updatedAt'>>): Promise<SettingsRow> {
      requireRole(actor, ['owner'], 'changing the remedy ladder');
      return db.tenant(actor.orgId, async (tx) => {
        await assertShop(tx, actor.orgId, shopId);
        const prev = await loadSettings(tx, actor.orgId, shopId);
        const next = { ...prev, ...patch, orgId: actor.orgId, id: shopId, updatedAt: clock.now() };
        const [row] = await tx.insert(remedySettings).values(next).onConflictDoUpdate({ target: [remedySettings.orgId, remedySettings.id], set: { ...next } }).returning();
        const { orgId: _o, id: _i, updatedAt: _u, ...before } = prev;
        const { orgId: _o2, id: _i2, updatedAt: _u2, ...after } = row!;
        const diff = changedOnly(before, after);
        if (Object.keys(diff.after).length) await recordAudit(tx, { ids, clock }, { orgId: actor.orgId, actor: auditActorOf(actor), action: 'remedies.settings_changed', subject: { type: 'shop', id: shopId }, ...diff });
        return row!;
      });
    },

    /** Item costs and resale values set for a shop's products and categories. */
    async listProductEconomics(actor: Actor, shopId: string) {
      return db.tenant(actor.orgId, async (tx) => {
        await assertShop(tx, actor.orgId, shopId);
        return tx.select().from(productEconomics).where(and(eq(productEconomics.orgId, actor.orgId), eq(productEconomics.shopId, shopId))).orderBy(asc(productEconomics.key));
      });
    },

    async setProductEconomics(actor: Actor, shopId: string, input: { key: string; itemCost: number; resalePercent: number }) {
      requireRole(actor, ['owner', 'supervisor'], 'setting item costs');
      return db.tenant(actor.orgId, async (tx) => {
        await assertShop(tx, actor.orgId, shopId);
        const now = clock.now();
        const [prev] = await tx
          .select({ itemCost: productEconomics.itemCost, resalePercent: productEconomics.resalePercent })
          .from(productEconomics)
          .where(and(eq(productEconomics.orgId, actor.orgId), eq(productEconomics.shopId, shopId), eq(productEconomics.key, input.key.toLowerCase())));
        await recordAudit(tx, { ids, clock }, {
          orgId: actor.orgId,
          actor: auditActorOf(actor),
          action: 'remedies.item_economics_changed',
          subject: { type: 'shop', id: shopId },
          before: prev ? { key: input.key.toLowerCase(), ...prev } : null,
          after: { key: input.key.toLowerCase(), itemCost: input.itemCost, resalePercent: input.resalePercent },
        });
        const [row] = await tx
          .insert(productEconomics)
          .values({ orgId: actor.orgId, id: ids('pec'), shopId, key: input.key.toLowerCase(), itemCost: input.itemCost, resalePercent: input.resalePercent, updatedAt: now })
          .onConflictDoUpdate({ target: [productEconomics.orgId, productEconomics.shopId, productEconomics.key], set: { itemCost: input.itemCost, resalePercent: input.resalePercent, updatedAt: now } })
          .returning();
        return row!;
      });
    },

    /** Options with economics and, for each, whether this person may give it alone. */
    async quote(actor: Actor, input: { orderId: string; orderLineIds?: string[]; ticketId?: string; category?: ProblemCategory; text?: string }) {
      requireRole(actor, PROPOSER_ROLES, 'quoting remedies');
      const { order, lineIds } = await context(actor, input);
      const suggestion = input.text ? suggestCategory(input.text) : null;
      const category = input.category ?? suggestion?.category ?? 'other';
      return db.tenant(actor.orgId, async (tx) => {
        const settings = await loadSettings(tx, actor.orgId, order.shopId);
        const shop = await assertShop(tx, actor.orgId, order.shopId);
        const fault = CATEGORY_FAULT[category];
        const economics = await economicsFor(tx, actor.orgId, order, lineIds, settings, shop.returnPolicy.returnShippingPaidBy === 'seller' || fault !== 'buyer');
        const rec = recommend(settings.ladder, category, economics);
        const limits = await limitsOf(tx, actor);
        return {
          category,
          suggestion,
          faultOwner: fault,
          economics,
          startTier: rec.startTier,
          recommendedKey: rec.recommended.key,
          why: rec.why,
          options: rec.options.map((o) => ({ ...o, ...authorityFor(limits, o, economics.currency, economics.paid) })),
        };
      });
    },

    async propose(
      actor: Actor,
      input: { orderId: string; orderLineIds?: string[]; ticketId?: string; returnId?: string; platformReturnId?: string; category: ProblemCategory; suggestedCategory?: ProblemCategory; faultOwner?: FaultOwner; optionKey: string; reason?: string; message?: string },
    ): Promise<RemedyView> {
      requireRole(actor, PROPOSER_ROLES, 'offering remedies');
      const { order, lineIds, language } = await context(actor, input);
      return db.tenant(actor.orgId, async (tx) => {
        const settings = await loadSettings(tx, actor.orgId, order.shopId);
        const shop = await assertShop(tx, actor.orgId, order.shopId);
        const fault = input.faultOwner ?? CATEGORY_FAULT[input.category];
        const economics = await economicsFor(tx, actor.orgId, order, lineIds, settings, shop.returnPolicy.returnShippingPaidBy === 'seller' || fault !== 'buyer');
        const rec = recommend(settings.ladder, input.category, economics);
        const opt: RemedyOption | undefined = rec.options.find((o) => o.key === input.optionKey);
        if (!opt) throw AppError.validation('remedies.unknown_option', `Option ${input.optionKey} is not on this shop's ladder`, [{ field: 'optionKey', message: `one of ${rec.options.map((o) => o.key).join(', ')}` }]);
        await assertPayable(tx, actor.orgId, order.id, opt.refundAmount);
        const limits = await limitsOf(tx, actor);
        const auth = authorityFor(limits, opt, economics.currency, economics.paid);
        if (auth.needsApproval && !input.reason?.trim()) {
          throw AppError.validation('remedies.reason_required', `This remedy is above your authority (${auth.check.reason}); give a reason for the supervisor`, [{ field: 'reason', message: 'required above your authority limit' }]);
        }
        const now = clock.now();
        const row: RemedyRow = {
          orgId: actor.orgId,
          id: ids('rem'),
          shopId: order.shopId,
          ticketId: input.ticketId ?? null,
          returnId: input.returnId ?? null,
          orderId: order.id,
          orderLineIds: lineIds,
          platformReturnId: input.platformReturnId ?? null,
          buyerId: order.buyerId,
          language,
          category: input.category,
          suggestedCategory: input.suggestedCategory ?? null,
          faultOwner: fault,
          optionKey: opt.key,
          kind: opt.kind,
          tier: opt.tier,
          currency: economics.currency,
          paidBase: economics.paid,
          refundAmount: opt.refundAmount,
          coupon: opt.coupon,
          reship: opt.reship,
          apologyCard: opt.apologyCard,
          givenValue: opt.givenValue,
          economics,
          status: auth.needsApproval ? 'pending_approval' : 'executing',
          proposedBy: actor.userId,
          limitCheck: auth.check.reason,
          approvalReason: auth.needsApproval ? input.reason!.trim() : null,
          decidedBy: auth.needsApproval ? null : actor.userId,
          decidedAt: auth.needsApproval ? null : now,
          decisionNote: null,
          reconcileRound: 0,
          failedStep: null,
          buyerMessage: input.message?.trim() || null,
          createdAt: now,
          updatedAt: now,
          completedAt: null,
        };
        await tx.insert(remedies).values(row);
        await evidence(tx, caseEvidence(row, 'classification', actor, `Classified as ${input.category}${input.suggestedCategory && input.suggestedCategory !== input.category ? ` (suggested ${input.suggestedCategory})` : ''}`, { category: input.category, suggested: input.suggestedCategory ?? null }));
        await evidence(tx, { ...caseEvidence(row, 'responsibility', actor, `Responsibility: ${fault}`, { faultOwner: fault }), responsibility: fault });
        await evidence(tx, caseEvidence(row, 'remedy_offered', actor, `Offered ${opt.key}: refund ${opt.refundAmount}, coupon ${opt.coupon?.amount ?? 0} ${economics.currency}`, { option: opt, economics, limitCheck: auth.check.reason, reason: row.approvalReason }));
        if (!auth.needsApproval) {
          await evidence(tx, caseEvidence(row, 'remedy_approved', actor, `Within ${actor.role} authority`, { by: actor.userId, limitCheck: auth.check.reason }));
          await startExecution(tx, row, actor);
        } else {
          // Nothing external yet: the supervisors and owners decide first, and hear of it now.
          await ports.notify?.(tx, {
            orgId: actor.orgId,
            to: { role: ['supervisor', 'owner'] },
            kind: 'approval_waiting',
            subject: { type: 'remedy', id: row.id },
            shopId: row.shopId,
            params: { option: row.optionKey, amount: row.refundAmount, currency: row.currency, orderNumber: order.externalId, ticketId: row.ticketId },
            link: `/remedies?remedy=${row.id}`,
            except: actor.userId,
          });
        }
        return view(tx, row);
      });
    },

    async approve(actor: Actor, id: string, input: { note?: string }): Promise<RemedyView> {
      requireRole(actor, APPROVER_ROLES, 'approving remedies');
      return db.tenant(actor.orgId, async (tx) => {
        const r = await loadRemedy(tx, actor.orgId, id, true);
        if (r.status !== 'pending_approval') throw AppError.conflict('remedies.not_pending', `Remedy ${id} is ${r.status}, not waiting for approval`, { status: r.status });
        const limits = await limitsOf(tx, actor);
        const auth = authorityFor(limits, { refundAmount: r.refundAmount, givenValue: r.givenValue }, r.currency, r.paidBase);
        if (auth.needsApproval) throw AppError.forbidden('remedies.approver_over_limit', `This remedy is above your own authority too (${auth.check.reason}); an owner must approve it`, { reason: auth.check.reason });
        const now = clock.now();
        const [row] = await tx.update(remedies).set({ status: 'executing', decidedBy: actor.userId, decidedAt: now, decisionNote: input.note ?? null, updatedAt: now }).where(and(eq(remedies.orgId, actor.orgId), eq(remedies.id, id))).returning();
        await evidence(tx, caseEvidence(row!, 'remedy_approved', actor, `Approved by ${actor.role}${input.note ? `: ${input.note}` : ''}`, { by: actor.userId, note: input.note ?? null, reason: r.approvalReason }));
        await notifyDecided(tx, row!, actor, 'approved');
        await startExecution(tx, row!, actor);
        return view(tx, row!);
      });
    },

    async reject(actor: Actor, id: string, input: { note: string }): Promise<RemedyView> {
      requireRole(actor, APPROVER_ROLES, 'rejecting remedies');
      return db.tenant(actor.orgId, async (tx) => {
        const r = await loadRemedy(tx, actor.orgId, id, true);
        if (r.status !== 'pending_approval') throw AppError.conflict('remedies.not_pending', `Remedy ${id} is ${r.status}, not waiting for approval`, { status: r.status });
        const now = clock.now();
        const [row] = await tx.update(remedies).set({ status: 'rejected', decidedBy: actor.userId, decidedAt: now, decisionNote: input.note, updatedAt: now }).where(and(eq(remedies.orgId, actor.orgId), eq(remedies.id, id))).returning();
        await evidence(tx, caseEvidence(row!, 'status_change', actor, `Remedy rejected: ${input.note}`, { note: input.note }));
        await notifyDecided(tx, row!, actor, 'rejected');
        return view(tx, row!);
      });
    },

    /** A failed step goes back in the queue and the reconcile watch is re-armed. */
    async retryStep(actor: Actor, id: string, step: StepKind): Promise<RemedyView> {
      requireRole(actor, PROPOSER_ROLES, 'retrying remedy steps');
      const r0 = await db.tenant(actor.orgId, (tx) => loadRemedy(tx, actor.orgId, id));
      if (r0.status !== 'attention') throw AppError.conflict('remedies.not_failed', `Remedy ${id} is ${r0.status}; only a remedy with a failed step can be retried`);
      const steps = await db.tenant(actor.orgId, (tx) => stepsOf(tx, actor.orgId, id));
      const s = steps.find((x) => x.step === step);
      if (!s) throw AppError.notFound('remedy step', `${id}:${step}`);
      await deps.dispatcher.retry(actor.orgId, s.outboxId);
      return db.tenant(actor.orgId, async (tx) => {
        const r = await loadRemedy(tx, actor.orgId, id, true);
        const [row] = await tx.update(remedies).set({ status: 'executing', failedStep: null, reconcileRound: r.reconcileRound + 1, updatedAt: clock.now() }).where(and(eq(remedies.orgId, actor.orgId), eq(remedies.id, id))).returning();
        await armReconcile(tx, row!, row!.reconcileRound);
        await evidence(tx, caseEvidence(row!, 'status_change', actor, `Step ${step} retried`, { step }));
        return view(tx, row!);
      });
    },

    /**
     * Give up on a remedy that cannot complete: steps not yet run are cancelled, the coupon is
     * voided, a released reship is called back. Money already refunded cannot be recalled;
     * it stays recorded as given.
     */
    async abandon(actor: Actor, id: string, input: { note: string }): Promise<RemedyView> {
      requireRole(actor, APPROVER_ROLES, 'abandoning remedies');
      return db.tenant(actor.orgId, async (tx) => {
        const r = await loadRemedy(tx, actor.orgId, id, true);
        if (r.status !== 'attention' && r.status !== 'proposed') throw AppError.conflict('remedies.cannot_abandon', `Remedy ${id} is ${r.status}; only a remedy with a failed step can be abandoned`);
        const row = await abandonIn(tx, actor, r, input.note);
        return view(tx, row);
      });
    },

    async get(actor: Actor, id: string): Promise<RemedyView> {
      return db.tenant(actor.orgId, async (tx) => view(tx, await loadRemedy(tx, actor.orgId, id)));
    },

    async list(actor: Actor, filter: RemedyListFilter): Promise<RemedyView[]> {
      return (await this.page(actor, filter)).items;
    },

    /** One page of remedies, newest first; `cursor` is the previous page's `nextCursor`. */
    async page(actor: Actor, filter: RemedyListFilter): Promise<Page<RemedyView>> {
      return db.tenant(actor.orgId, async (tx) => {
        const conds = [eq(remedies.orgId, actor.orgId)];
        if (filter.status) conds.push(eq(remedies.status, filter.status));
        if (filter.ticketId) conds.push(eq(remedies.ticketId, filter.ticketId));
        if (filter.returnId) conds.push(eq(remedies.returnId, filter.returnId));
        const after = afterCursor(remedies.createdAt, remedies.id, filter.cursor);
        if (after) conds.push(after);
        const limit = filter.limit ?? 100;
        const fetched = await tx.select().from(remedies).where(and(...conds)).orderBy(desc(remedies.createdAt), desc(remedies.id)).limit(limit + 1);
        const { items: rows, nextCursor } = cutPage(fetched, limit, (r) => ({ sort: r.createdAt, id: r.id }));
        if (rows.length === 0) return { items: [], nextCursor };
        const ids = rows.map((r) => r.id);
        const steps = await stepsOfMany(tx, actor.orgId, ids);
        const cs = await ports.coupons.remedyCouponIn(tx, actor.orgId, ids);
        return { items: rows.map((r) => remedyView(r, steps.get(r.id) ?? [], cs.get(r.id))), nextCursor };
      });
    },

    /**
     * A refund the return policy owes (no authority check: the policy is the authority).
     * Runs inside the caller's transaction so the return's state change and the refund's
     * outbox row commit together.
     */
    async startPolicyRefund(
      tx: Tx,
      actor: Actor,
      input: { shopId: string; orderId: string; orderLineIds: string[]; returnId: string; ticketId: string | null; platformReturnId: string | null; buyerId: string | null; language: string; amount: number; paidBase: number; currency: string; faultOwner: FaultOwner; parcelReceived: boolean },
    ): Promise<RemedyRow> {
      const now = clock.now();
      const row: RemedyRow = {
        orgId: actor.orgId,
        id: ids('rem'),
        shopId: input.shopId,
        ticketId: input.ticketId,
        returnId: input.returnId,
        orderId: input.orderId,
        orderLineIds: input.orderLineIds,
        platformReturnId: input.platformReturnId,
        buyerId: input.buyerId,
        language: input.language,
        category: 'other',
        suggestedCategory: null,
        faultOwner: input.faultOwner,
        optionKey: 'policy:return_refund',
        kind: 'return_refund',
        tier: 3,
        currency: input.currency,
        paidBase: input.paidBase,
        refundAmount: input.amount,
        coupon: null,
        reship: false,
        apologyCard: false,
        givenValue: input.amount,
        economics: { currency: input.currency, paid: input.paidBase, itemCost: 0, returnShipping: 0, outboundShipping: 0, expectedResale: 0, buyerLifetimeValue: 0, sellerPaysReturn: false },
        ...decidedAndExecuting(now, actor.userId, actor.userId, 'return_policy', 'refund owed by the return policy'),
      };
      await tx.insert(remedies).values(row);
      await startExecution(tx, row, actor, { platformDecision: input.parcelReceived ? 'APPROVE_RECEIVED_PACKAGE' : 'APPROVE_REFUND' });
      return row;
    },

    /**
     * An incident's compensation for one buyer: a partial refund or a reship on their most recent
     * matching order, approved once for the whole outreach (the incident's approver decided, within
     * the same authority limits as remedies). In the caller's transaction; one per incident and order
     * — a second call returns the remedy already made, so a retried outreach never pays twice.
     */
    async startIncidentRemedyIn(
      tx: Tx,
      actor: Actor,
      input: { incidentId: string; shopId: string; orderId: string; orderLineIds: string[]; kind: 'partial_refund' | 'reship'; amount: number; currency: string; approvedBy: string | null; language: string },
    ): Promise<RemedyRow> {
      const optionKey = `${INCIDENT_OPTION}${input.incidentId}`;
      const [existing] = await tx.select().from(remedies).where(and(eq(remedies.orgId, actor.orgId), eq(remedies.orderId, input.orderId), eq(remedies.optionKey, optionKey)));
      if (existing) return existing;
      const order = await orders().getOrder(actor, input.orderId);
      if (order.shopId !== input.shopId) throw AppError.notFound('order', input.orderId);
      if (order.currency !== input.currency) throw AppError.unprocessable('remedies.currency_mismatch', `The incident pays in ${input.currency}, order ${order.externalId} is in ${order.currency}`, { issues: [{ field: 'currency', message: `order is in ${order.currency}` }] });
      const lineIds = input.orderLineIds.filter((l) => order.lines.some((x) => x.id === l));
      const lines = lineIds.length ? lineIds : order.lines.map((l) => l.id);
      const paid = order.lines.filter((l) => lines.includes(l.id)).reduce((n, l) => n + l.paid, 0);
      const refund = input.kind === 'partial_refund' ? input.amount : 0;
      if (input.kind === 'partial_refund' && (refund <= 0 || refund >= paid)) {
        throw AppError.unprocessable('remedies.refund_not_partial', `A partial refund of ${refund} must be above 0 and below the ${paid} paid for the lines`, { issues: [{ field: 'amount', message: `between 1 and ${paid - 1}` }] });
      }
      await assertPayable(tx, actor.orgId, order.id, refund);
      const now = clock.now();
      const row: RemedyRow = {
        orgId: actor.orgId,
        id: ids('rem'),
        shopId: order.shopId,
        ticketId: null,
        returnId: null,
        orderId: order.id,
        orderLineIds: lines,
        platformReturnId: null,
        buyerId: order.buyerId,
        language: input.language,
        category: 'other',
        suggestedCategory: null,
        faultOwner: 'seller',
        optionKey,
        kind: input.kind,
        tier: 2,
        currency: order.currency,
        paidBase: paid,
        refundAmount: refund,
        coupon: null,
        reship: input.kind === 'reship',
        apologyCard: false,
        givenValue: input.kind === 'reship' ? input.amount : refund,
        economics: { currency: order.currency, paid, itemCost: 0, returnShipping: 0, outboundShipping: 0, expectedResale: 0, buyerLifetimeValue: order.buyer.lifetimeValue, sellerPaysReturn: false },
        ...decidedAndExecuting(now, actor.userId, input.approvedBy ?? actor.userId, 'incident_approved', `incident ${input.incidentId}`),
      };
      await tx.insert(remedies).values(row);
      await evidence(tx, caseEvidence(row, 'remedy_approved', actor, `Incident outreach ${input.incidentId}: ${input.kind === 'reship' ? 'reship' : `partial refund ${refund} ${order.currency}`} on order ${order.externalId}`, { incidentId: input.incidentId, kind: input.kind, amount: refund, by: row.decidedBy }));
      await startExecution(tx, row, actor);
      return row;
    },

    /**
     * Stop every payout on an order (a failed inspection). In the caller's transaction: remedies
     * whose money has not moved go `on_hold` with their money steps `held`; a platform call already
     * running or done cannot be stopped and is reported as in flight. New refunds on the order are
     * refused until the hold is released, and the outbox gate stops anything that slips past.
     */
    async holdPayouts(tx: Tx, actor: Actor, input: { orderId: string; returnId: string; reason: string }): Promise<HoldReport> {
      const now = clock.now();
      const [existing] = await tx.select().from(payoutHolds).where(and(eq(payoutHolds.orgId, actor.orgId), eq(payoutHolds.returnId, input.returnId), isNull(payoutHolds.releasedAt)));
      const holdId = existing?.id ?? ids('phd');
      if (!existing) {
        await tx.insert(payoutHolds).values({ orgId: actor.orgId, id: holdId, orderId: input.orderId, returnId: input.returnId, reason: input.reason, placedBy: actor.userId, placedAt: now, releasedAt: null, releasedBy: null, outcome: null });
      }
      const rows = await tx.select().from(remedies).where(and(eq(remedies.orgId, actor.orgId), eq(remedies.orderId, input.orderId))).for('update');
      const steps = await stepsOfMany(tx, actor.orgId, rows.map((r) => r.id));
      const report: HoldReport = { holdId, held: [], inFlight: [] };
      for (const r of rows) {
        const money = (steps.get(r.id) ?? []).filter((x) => isMoneyStep(x.step));
        const effect = holdEffect(r.status, r.refundAmount, money.map((x) => x.status));
        if (effect === 'in_flight') {
          report.inFlight.push(r.id);
          await evidence(tx, caseEvidence(r, 'status_change', actor, `Payout hold: the refund of ${r.refundAmount} ${r.currency} was already with the platform and could not be stopped`, { holdId, reason: input.reason }));
        } else if (effect === 'hold') {
          report.held.push(r.id);
          // Pending money steps wait; a failed one stays failed (retrying it stays a person's choice).
          const pending = money.filter((x) => x.status === 'pending').map((x) => x.outboxId);
          if (pending.length) {
            await tx.update(outbox).set({ status: 'held', lastError: input.reason, lockedUntil: null, updatedAt: now }).where(and(eq(outbox.orgId, actor.orgId), inArray(outbox.id, pending)));
          }
          if (r.status !== 'on_hold') {
            await tx.update(remedies).set({ status: 'on_hold', failedStep: null, updatedAt: now }).where(and(eq(remedies.orgId, actor.orgId), eq(remedies.id, r.id)));
            await evidence(tx, caseEvidence(r, 'status_change', actor, `Remedy on hold: ${input.reason}`, { holdId, reason: input.reason, from: r.status }));
          }
        }
      }
      return report;
    },

    /**
     * The supervisor's or owner's decision ends a hold. `pay`: held remedies resume (their held
     * steps run again under their original idempotency keys, so nothing can be paid twice).
     * `cancel`: the return's own held refund is abandoned; other remedies on the order resume,
     * since someone with authority decided them separately. Either way, only when no other hold
     * remains on the order.
     */
    async releasePayouts(tx: Tx, actor: Actor, input: { returnId: string; outcome: 'pay' | 'cancel'; note: string }): Promise<{ resumed: string[]; abandoned: string[] }> {
      requireRole(actor, APPROVER_ROLES, 'releasing payout holds');
      const now = clock.now();
      const [h] = await tx
        .update(payoutHolds)
        .set({ releasedAt: now, releasedBy: actor.userId, outcome: input.outcome })
        .where(and(eq(payoutHolds.orgId, actor.orgId), eq(payoutHolds.returnId, input.returnId), isNull(payoutHolds.releasedAt)))
        .returning();
      const out = { resumed: [] as string[], abandoned: [] as string[] };
      if (!h) return out;
      const stillHeld = await openHoldOn(tx, actor.orgId, h.orderId);
      const rows = await tx.select().from(remedies).where(and(eq(remedies.orgId, actor.orgId), eq(remedies.orderId, h.orderId), eq(remedies.status, 'on_hold'))).for('update');
      for (const r of rows) {
        if (input.outcome === 'cancel' && r.returnId === input.returnId) {
          await abandonIn(tx, actor, r, `failed inspection decided: ${input.note}`);
          out.abandoned.push(r.id);
          continue;
        }
        if (stillHeld) continue;
        await tx.update(outbox).set({ status: 'pending', nextAttemptAt: now, lastError: null, updatedAt: now }).where(and(eq(outbox.orgId, actor.orgId), eq(outbox.subjectId, r.id), eq(outbox.status, 'held')));
        const [row] = await tx.update(remedies).set({ status: 'executing', reconcileRound: r.reconcileRound + 1, updatedAt: now }).where(and(eq(remedies.orgId, actor.orgId), eq(remedies.id, r.id))).returning();
        await armReconcile(tx, row!, row!.reconcileRound);
        await evidence(tx, caseEvidence(row!, 'status_change', actor, `Payout hold released (${input.outcome}): ${input.note}`, { holdId: h.id, outcome: input.outcome }));
        out.resumed.push(r.id);
      }
      return out;
    },

    /** A shop's remedy settings (defaults until the owner saves some), on the caller's transaction. */
    settingsIn: loadSettings,

    /** Status and failed step of these remedies, by id (for views of what they pay). */
    async statusesIn(tx: Executor, orgId: string, remedyIds: string[]): Promise<Map<string, { status: RemedyRow['status']; failedStep: string | null }>> {
      if (remedyIds.length === 0) return new Map();
      const rows = await tx.select({ id: remedies.id, status: remedies.status, failedStep: remedies.failedStep }).from(remedies).where(and(eq(remedies.orgId, orgId), inArray(remedies.id, remedyIds)));
      return new Map(rows.map((r) => [r.id, { status: r.status, failedStep: r.failedStep }]));
    },

    /** Open holds of these returns, by return id (for the returns' views). */
    async openHoldsOf(tx: Executor, orgId: string, returnIds: string[]): Promise<Map<string, { id: string; reason: string; placedAt: Date }>> {
      if (returnIds.length === 0) return new Map();
      const rows = await tx.select().from(payoutHolds).where(and(eq(payoutHolds.orgId, orgId), inArray(payoutHolds.returnId, returnIds), isNull(payoutHolds.releasedAt)));
      return new Map(rows.map((h) => [h.returnId, { id: h.id, reason: h.reason, placedAt: h.placedAt }]));
    },

    /**
     * The outbox gate for remedy steps: a money step of a remedy on hold, or of any remedy whose
     * order has an open hold (one committed while the step was queued or retrying), is held.
     */
    async payoutGate(row: { orgId: string; id: string; handler: string; subjectId: string | null }): Promise<string | null> {
      if (!row.subjectId) return null;
      return db.tenant(row.orgId, async (tx) => {
        const [step] = await tx.select({ key: outbox.idempotencyKey }).from(outbox).where(and(eq(outbox.orgId, row.orgId), eq(outbox.id, row.id)));
        if (!step || !isMoneyStep(stepOf(step.key))) return null;
        const [r] = await tx.select().from(remedies).where(and(eq(remedies.orgId, row.orgId), eq(remedies.id, row.subjectId!))).for('update');
        if (!r) return null;
        const h = await openHoldOn(tx, row.orgId, r.orderId);
        if (!h && r.status !== 'on_hold') return null;
        const reason = h?.reason ?? 'payout hold';
        if (r.status === 'executing' || r.status === 'attention') {
          await tx.update(remedies).set({ status: 'on_hold', updatedAt: clock.now() }).where(and(eq(remedies.orgId, row.orgId), eq(remedies.id, r.id)));
          await evidence(tx, caseEvidence(r, 'status_change', null, `Remedy on hold: ${reason} (stopped before the platform call)`, { holdId: h?.id ?? null, reason }));
        }
        return reason;
      });
    },

    /** Outbox handlers owned by this module. */
    handlers: {
      [RECONCILE_HANDLER]: async (payload: Record<string, unknown>, ctx: { orgId: string }) =>
        reconcile(ctx.orgId, String(payload.remedyId), { tag: typeof payload.tag === 'string' ? payload.tag : undefined, hop: typeof payload.hop === 'number' ? payload.hop : undefined }),
      [MESSAGE_HANDLER]: async (payload: Record<string, unknown>, ctx: { orgId: string; attempt: number }) => {
        const tickets = ports.tickets;
        const ticketId = String(payload.ticketId);
        const text = String(payload.text);
        const actor = systemActor(ctx.orgId);
        // An earlier try may have posted the reply before dying: do not say it twice.
        if (ctx.attempt > 1 && (await tickets.getTicket(actor, ticketId)).outboundTexts.includes(text)) return { alreadySent: true };
        await tickets.reply(actor, ticketId, text);
        return { sent: true };
      },
      [RESHIP_HANDLER]: async (payload: Record<string, unknown>, ctx: { orgId: string }) => {
        // Releasing the replacement to our own warehouse queue; the warehouse system picks it up.
        const now = clock.now();
        return db.tenant(ctx.orgId, async (tx) => {
          const [r] = await tx.update(reships).set({ status: 'released', updatedAt: now }).where(and(eq(reships.orgId, ctx.orgId), eq(reships.remedyId, String(payload.remedyId)), eq(reships.status, 'requested'))).returning();
          return { released: !!r };
        });
      },
      [RESHIP_CANCEL_HANDLER]: async (payload: Record<string, unknown>, ctx: { orgId: string }) => {
        const now = clock.now();
        return db.tenant(ctx.orgId, async (tx) => {
          const [r] = await tx.update(reships).set({ status: 'cancelled', updatedAt: now }).where(and(eq(reships.orgId, ctx.orgId), eq(reships.remedyId, String(payload.remedyId)))).returning();
          return { cancelled: !!r };
        });
      },
    },

    /** For tests and the CLI: run reconcile directly. */
    reconcile,
  };
}

export type RemediesService = ReturnType<typeof createRemediesService>;
export interface RemedyListFilter {
  status?: RemedyRow['status'];
  ticketId?: string;
  returnId?: string;
  limit?: number;
  cursor?: string;
}
