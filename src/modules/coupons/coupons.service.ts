import type { ActionLines } from '../helpdesk/index.js';
import { and, asc, desc, eq, inArray, isNotNull, sql } from 'drizzle-orm';
import { DateTime } from 'luxon';
import type { Clock } from '../../platform/clock.js';
import type { Database, Executor, Tx } from '../../platform/db.js';
import { AppError } from '../../platform/errors.js';
import type { IdGenerator } from '../../platform/ids.js';
import type { Logger } from '../../platform/logger.js';
import { formatMoney } from '../../platform/money.js';
import { enqueueMany, type EnqueueInput } from '../../platform/outbox/outbox.js';
import { outbox } from '../../platform/outbox/outbox.schema.js';
import { requireRole, systemActor, type Actor } from '../../platform/tenancy.js';
import type { RecordEvidence, RecordEvidenceMany, EvidenceInput } from '../evidence/index.js';
import { auditActorOf, recordCouponBudgetChange } from '../audit/index.js';
import { assignArm, economics, lift, pickVariant, type ArmOutcome } from '../experiments/index.js';
import { averageOrderValueBefore, buyerOrdersBetween, buyerPlatformIds, buyerShopFacts, orderOutcomes, productHistory, type BuyerShopFacts } from '../orders/index.js';
import { CANDIDATE_PAGE_MIN, candidatesIn, countCandidatesIn, refreshBuyerFacts, rebuildBuyerFacts, type CandidateCursor, type CandidateRange } from './coupons.facts.js';
import { buyerChatFacts, ticketExists } from '../helpdesk/index.js';
import type { OutreachService, ContactDecision } from '../outreach/index.js';
import { MARKET_DEFAULTS, shopIn } from '../tenancy/index.js';
import {
  canMove,
  compensationCoupon,
  BUYER_LANGUAGES,
  DEFAULT_MESSAGES,
  dueOccasion,
  eligibility,
  expiryOf,
  faceValue,
  matchRedemption,
  promoSubject,
  renderMessage,
  suggestProducts,
  withCode,
  type ProductSuggestion,
  sendProblems,
  settle,
  variantCouponProblems,
  type BuyerLanguage,
  type SkipReason,
  type WhatsAppTemplate,
  DEFAULT_WHATSAPP_TEMPLATE,
  whatsappTemplateOf,
  type CouponChannel,
  type LedgerStatus,
  type PlatformCouponTerms,
  type ProgrammeKind,
  type Schedule,
  type SegmentFilter,
} from './coupons.rules.js';
import { couponLedger, couponProgrammes, couponVariants, platformCoupons } from './coupons.schema.js';

export type PlatformCouponRow = typeof platformCoupons.$inferSelect;
export type ProgrammeRow = typeof couponProgrammes.$inferSelect;
export type VariantRow = typeof couponVariants.$inferSelect;
export type LedgerRow = typeof couponLedger.$inferSelect;

/** The outbox handler (registered by the TikTok integration) that sends a coupon card in chat. */
export const SEND_COUPON_HANDLER = 'tiktok.send_coupon_card';
/** The outbox handler that sends a promo code by e-mail or WhatsApp (registered by the channel integrations' wiring in modules.ts). */
export const SEND_PROMO_HANDLER = 'coupons.send_promo_code';
/** Issues written per set-based batch (ledger, outbox, contacts, evidence: one statement each). */
export const ISSUE_BATCH = 5_000;
/**
 * The WhatsApp message template a promo code goes out with when the buyer has not written in the
 * last 24 hours (free text is refused then, 131047). The seller creates it in WhatsApp Manager
 * (category MARKETING, one translation per buyer language) with four body variables: shop, value,
 * code, valid until.
 */
export const PROMO_WHATSAPP_TEMPLATE = DEFAULT_WHATSAPP_TEMPLATE;
/** Coupon cards are limited to 0.5 QPS per shop (45111012): sends of one run are spaced by this. */
export const CARD_SPACING_MS = 2_100;
/** Of the 10,000 customer-service requests a shop has per day (45101004), coupon sends use at most this many (3 calls each). */
export const DAILY_SEND_CAP = 2_000;
/** How long after the offer an order counts toward a programme's outcome (both arms). */
export const OUTCOME_WINDOW_DAYS = 14;

export interface CouponsDeps {
  db: Database;
  ids: IdGenerator;
  clock: Clock;
  log: Logger;
  /** Sends planned per shop and day (default DAILY_SEND_CAP; the bench lifts it). */
  dailySendCap?: number;
}

/** What this module needs from the platform integration (narrow callbacks wired in compose.ts). */
export interface CouponPlatformPort {
  /** Is the shop connected, and may the app use the customer-service API (chat) for it? */
  reach(orgId: string, shopId: string): Promise<{ connected: boolean; chatScope: boolean }>;
  /** Seller-voucher deduction per order (price detail), by our order id. */
  sellerVouchers(orgId: string, shopId: string, orders: { id: string; externalId: string }[]): Promise<Map<string, number>>;
  /** Re-read the shop's coupons from the platform into this module (`upsertPlatformCoupons`). */
  syncCoupons(orgId: string, shopId: string): Promise<{ coupons: number }>;
}

export interface CouponsPorts {
  recordEvidence: RecordEvidence;
  /** A batch of evidence chained in one statement (programme runs); without it records go one by one. */
  recordEvidenceMany?: RecordEvidenceMany;
  outreach: OutreachService;
  platform: CouponPlatformPort;
  /** Lines in the ticket's thread following a coupon sent from it (requested → sent / failed). */
  actionLines?: ActionLines;
}

export interface IssueInput {
  shopId: string;
  buyerId: string;
  platformCouponId: string;
  /** What the issue is for; with the programme or remedy it makes the idempotency key. */
  occasion: string;
  programmeId?: string | null;
  variantId?: string | null;
  remedyId?: string | null;
  purpose: 'service' | 'marketing';
  /** How the coupon goes out (default the TikTok chat card; e-mail and WhatsApp carry the promo code). */
  channel?: CouponChannel;
  /** E-mail subject (e-mail only). */
  subject?: string | null;
  text?: string | null;
  /** Evidence case: the ticket or return a remedy belongs to, else the buyer. */
  evidenceCase?: { caseId: string; caseType: 'ticket' | 'return' };
  notBefore?: Date;
  /** A batch caller (the programme run) that already asked the contact policy passes its answer and the coupon row. */
  decided?: { decision: ContactDecision; coupon: PlatformCouponRow };
}

const SENT_LIKE: LedgerStatus[] = ['sent', 'redeemed', 'expired', 'clawed_back'];

/** Terms per coupon row, made once per row object (a programme run asks for them several times per send). */
const TERMS = new WeakMap<PlatformCouponRow, PlatformCouponTerms>();
function termsOf(c: PlatformCouponRow): PlatformCouponTerms {
  let t = TERMS.get(c);
  if (!t) TERMS.set(c, (t = termsFrom(c)));
  return t;
}

function termsFrom(c: PlatformCouponRow): PlatformCouponTerms {
  return {
    externalId: c.externalId,
    title: c.title,
    status: c.status,
    displayType: c.displayType,
    creationSource: c.creationSource,
    targetBuyerSegment: c.targetBuyerSegment,
    promoCode: c.promoCode,
    discountType: c.discountType,
    currency: c.currency,
    reductionAmount: c.reductionAmount,
    percentageBp: c.percentageBp,
    maxDiscount: c.maxDiscount,
    minSpend: c.minSpend,
    claimEndAt: c.claimEndAt,
    redemptionType: c.redemptionType,
    redemptionEndAt: c.redemptionEndAt,
    redemptionDays: c.redemptionDays,
    totalClaimLimit: c.totalClaimLimit,
    claimedCount: c.claimedCount,
  };
}

export function platformCouponView(c: PlatformCouponRow, now: Date) {
  return {
    id: c.id,
    shopId: c.shopId,
    externalId: c.externalId,
    title: c.title,
    status: c.status,
    displayType: c.displayType,
    targetBuyerSegment: c.targetBuyerSegment,
    creationSource: c.creationSource,
    promoCode: c.promoCode,
    discountType: c.discountType,
    currency: c.currency,
    reductionAmount: c.reductionAmount,
    percentage: c.percentageBp === null ? null : c.percentageBp / 100,
    maxDiscount: c.maxDiscount,
    minSpend: c.minSpend,
    faceValue: faceValue(termsOf(c)),
    claimEndAt: c.claimEndAt?.toISOString() ?? null,
    redemptionEndAt: c.redemptionEndAt?.toISOString() ?? null,
    redemptionDays: c.redemptionDays,
    claimedCount: c.claimedCount,
    redeemedCount: c.redeemedCount,
    totalClaimLimit: c.totalClaimLimit,
    chatProblems: sendProblems(termsOf(c), 'tiktok_chat', now),
    syncedAt: c.syncedAt.toISOString(),
  };
}

export function ledgerView(r: LedgerRow, coupon?: PlatformCouponRow) {
  return {
    id: r.id,
    shopId: r.shopId,
    programmeId: r.programmeId,
    variantId: r.variantId,
    remedyId: r.remedyId,
    buyerId: r.buyerId,
    occasion: r.occasion,
    arm: r.arm,
    status: r.status,
    channel: r.channel,
    currency: r.currency,
    faceValue: r.faceValue,
    minSpend: r.minSpend,
    promoCode: r.promoCode,
    couponTitle: coupon?.title ?? null,
    couponExternalId: coupon?.externalId ?? null,
    expiresAt: r.expiresAt?.toISOString() ?? null,
    plannedAt: r.plannedAt.toISOString(),
    sentAt: r.sentAt?.toISOString() ?? null,
    redeemedAt: r.redeemedAt?.toISOString() ?? null,
    redeemedOrderId: r.redeemedOrderId,
    orderValue: r.orderValue,
    settled: r.settled,
    skipReason: r.skipReason ?? null,
  };
}

export function createCouponsService(deps: CouponsDeps, ports: CouponsPorts) {
  const { db, ids, clock, log } = deps;

  function evidenceFor(r: Pick<LedgerRow, 'orgId' | 'id' | 'buyerId' | 'remedyId' | 'programmeId'>, actor: Actor | null, summary: string, data: Record<string, unknown>, kase?: IssueInput['evidenceCase']): EvidenceInput {
    return {
      orgId: r.orgId,
      caseId: kase?.caseId ?? r.buyerId ?? r.id,
      caseType: kase?.caseType ?? 'buyer',
      kind: 'coupon',
      actor: !actor || actor.userId === 'system' ? { type: 'system' } : { type: 'user', id: actor.userId },
      occurredAt: clock.now(),
      summary,
      data: { ledgerId: r.id, programmeId: r.programmeId, remedyId: r.remedyId, ...data },
    };
  }

  async function couponById(tx: Executor, orgId: string, id: string): Promise<PlatformCouponRow> {
    const [c] = await tx.select().from(platformCoupons).where(and(eq(platformCoupons.orgId, orgId), eq(platformCoupons.id, id)));
    if (!c) throw AppError.notFound('platform_coupon', id);
    return c;
  }

  async function couponsOf(tx: Executor, orgId: string, shopId: string): Promise<PlatformCouponRow[]> {
    return tx.select().from(platformCoupons).where(and(eq(platformCoupons.orgId, orgId), eq(platformCoupons.shopId, shopId))).orderBy(asc(platformCoupons.title), asc(platformCoupons.id));
  }

  function zoneOf(shop: { timeZone: string }, country: string | null): string {
    return (country && MARKET_DEFAULTS[country === 'UK' ? 'GB' : country]?.timeZone) || shop.timeZone;
  }

  async function moveIn(tx: Executor, r: LedgerRow, to: LedgerStatus, set: Partial<LedgerRow>, actor: Actor | null, summary: string): Promise<LedgerRow | null> {
    if (!canMove(r.status, to)) return null;
    const [row] = await tx
      .update(couponLedger)
      .set({ ...set, status: to, updatedAt: clock.now() })
      .where(and(eq(couponLedger.orgId, r.orgId), eq(couponLedger.id, r.id), eq(couponLedger.status, r.status)))
      .returning();
    if (row) await ports.recordEvidence(tx, evidenceFor(row, actor, summary, { from: r.status, to }));
    return row ?? null;
  }

  /** An issue decided but not yet written: its ledger row, its send step, the contact and the evidence. */
  interface PlannedIssue {
    row: LedgerRow;
    step: EnqueueInput & { id: string };
    contact: { orgId: string; shopId: string; buyerId: string; purpose: 'service' | 'marketing'; channel: CouponChannel; source: string; at: Date; ref: string };
    evidence: EvidenceInput;
  }

  /** The rows of one issue (pure: no statement runs). */
  function planIssue(actor: Actor, input: IssueInput, coupon: PlatformCouponRow, decision: ContactDecision, intentKey: string, owner: string, now: Date): PlannedIssue {
    const orgId = actor.orgId;
    const sendAt = new Date(Math.max(now.getTime(), input.notBefore?.getTime() ?? 0, decision.notBefore?.getTime() ?? 0));
    const value = faceValue(termsOf(coupon));
    const channel: CouponChannel = input.channel ?? 'tiktok_chat';
    const row: LedgerRow = {
      orgId,
      id: ids('cpn'),
      shopId: input.shopId,
      intentKey,
      programmeId: input.programmeId ?? null,
      variantId: input.variantId ?? null,
      remedyId: input.remedyId ?? null,
      buyerId: input.buyerId,
      platformCouponId: coupon.id,
      occasion: input.occasion,
      arm: 'treatment',
      status: 'planned',
      channel,
      currency: coupon.currency,
      faceValue: value,
      minSpend: coupon.minSpend,
      promoCode: coupon.promoCode,
      expiresAt: expiryOf(termsOf(coupon), sendAt),
      plannedAt: now,
      sentAt: null,
      redeemedAt: null,
      redeemedOrderId: null,
      orderValue: null,
      discountAmount: null,
      settled: null,
      voidedAt: null,
      outboxId: ids('obx'),
      updatedAt: now,
      skipReason: null,
    };
    const text = input.text ?? null;
    const payload: Record<string, unknown> =
      channel === 'tiktok_chat'
        ? { shopId: input.shopId, buyerId: input.buyerId, ledgerId: row.id, couponExternalId: coupon.externalId, text }
        : { shopId: input.shopId, buyerId: input.buyerId, ledgerId: row.id, channel, subject: input.subject ?? null, text: text ?? '' };
    const step = { id: row.outboxId!, orgId, handler: channel === 'tiktok_chat' ? SEND_COUPON_HANDLER : SEND_PROMO_HANDLER, idempotencyKey: `coupon:${intentKey}`, payload, subjectType: 'coupon', subjectId: row.id, maxAttempts: channel === 'tiktok_chat' ? 300 : 12, notBefore: sendAt };
    return {
      row,
      step,
      contact: { orgId, shopId: input.shopId, buyerId: input.buyerId, purpose: input.purpose, channel, source: `coupons:${owner}`, at: sendAt, ref: row.id },
      evidence: evidenceFor(row, actor, `Coupon "${coupon.title}" (${value} ${coupon.currency}) planned for the buyer${channel === 'tiktok_chat' ? '' : ` by ${channel}`}`, { couponId: coupon.externalId, faceValue: value, minSpend: coupon.minSpend, expiresAt: row.expiresAt?.toISOString() ?? null, sendAt: sendAt.toISOString(), channel, text }, input.evidenceCase),
    };
  }

  /**
   * Write planned issues set-based: per batch one INSERT … SELECT from unnest for the ledger rows
   * (a key already there keeps its row), one for the send steps of the rows this call created, one
   * for the contacts, one chained evidence append. Returns the rows created.
   */
  async function writeIssues(tx: Tx, items: PlannedIssue[]): Promise<LedgerRow[]> {
    const created: LedgerRow[] = [];
    for (let i = 0; i < items.length; i += ISSUE_BATCH) {
      const batch = items.slice(i, i + ISSUE_BATCH);
      const fresh = await insertLedgerRows(tx, batch.map((b) => b.row));
      if (fresh.size === 0) continue;
      const mine = batch.filter((b) => fresh.has(b.row.id));
      const steps = await enqueueMany(tx, mine.map((b) => b.step), { clock });
      const orphan = mine.filter((b) => !steps.has(b.step.idempotencyKey));
      // A step under the same key from an earlier attempt whose ledger row is gone: point the row at it.
      for (const b of orphan) {
        const [st] = await tx.select({ id: outbox.id }).from(outbox).where(and(eq(outbox.orgId, b.row.orgId), eq(outbox.idempotencyKey, b.step.idempotencyKey)));
        b.row.outboxId = st?.id ?? null;
        await tx.update(couponLedger).set({ outboxId: b.row.outboxId }).where(and(eq(couponLedger.orgId, b.row.orgId), eq(couponLedger.id, b.row.id)));
      }
      await ports.outreach.recordManyIn(tx, mine.map((b) => b.contact));
      if (ports.recordEvidenceMany) await ports.recordEvidenceMany(tx, mine.map((b) => b.evidence));
      else for (const b of mine) await ports.recordEvidence(tx, b.evidence);
      created.push(...mine.map((b) => b.row));
    }
    return created;
  }

  /** Ledger rows from unnest; returns the ids inserted (conflicting intent keys are left alone). */
  async function insertLedgerRows(tx: Executor, rows: LedgerRow[]): Promise<Set<string>> {
    if (rows.length === 0) return new Set();
    const col = <T>(f: (r: LedgerRow) => T) => sql.param(rows.map(f));
    const iso = (d: Date | null) => d?.toISOString() ?? null;
    const r = await tx.execute(sql`insert into coupon_ledger (org_id, id, shop_id, intent_key, programme_id, variant_id, remedy_id, buyer_id, platform_coupon_id, occasion, arm, status, channel, currency, face_value, min_spend, promo_code, expires_at, planned_at, outbox_id, updated_at)
      select * from unnest(${col((x) => x.orgId)}::text[], ${col((x) => x.id)}::text[], ${col((x) => x.shopId)}::text[], ${col((x) => x.intentKey)}::text[], ${col((x) => x.programmeId)}::text[], ${col((x) => x.variantId)}::text[], ${col((x) => x.remedyId)}::text[],
        ${col((x) => x.buyerId)}::text[], ${col((x) => x.platformCouponId)}::text[], ${col((x) => x.occasion)}::text[], ${col((x) => x.arm)}::text[], ${col((x) => x.status)}::text[], ${col((x) => x.channel)}::text[], ${col((x) => x.currency)}::text[],
        ${col((x) => x.faceValue)}::int[], ${col((x) => x.minSpend)}::int[], ${col((x) => x.promoCode)}::text[], ${col((x) => iso(x.expiresAt))}::timestamptz[], ${col((x) => x.plannedAt.toISOString())}::timestamptz[], ${col((x) => x.outboxId)}::text[], ${col((x) => x.updatedAt.toISOString())}::timestamptz[])
      on conflict (org_id, intent_key) do nothing
      returning id`);
    return new Set((r.rows as { id: string }[]).map((x) => x.id));
  }

  /** The shop's compensation programme (one per shop; created on first use with no hold-out). */
  async function compensationProgrammeIn(tx: Tx, orgId: string, shopId: string, currency: string): Promise<ProgrammeRow> {
    const [found] = await tx.select().from(couponProgrammes).where(and(eq(couponProgrammes.orgId, orgId), eq(couponProgrammes.shopId, shopId), eq(couponProgrammes.kind, 'compensation'))).orderBy(asc(couponProgrammes.createdAt)).limit(1);
    if (found) return found;
    const now = clock.now();
    const p: ProgrammeRow = { orgId, id: ids('cpg'), shopId, name: 'Compensation coupons', kind: 'compensation', status: 'active', schedule: {}, segment: {}, holdoutPercent: 0, budget: 0, currency, channel: 'tiktok_chat', messages: {}, whatsappTemplate: null, createdBy: 'system', createdAt: now, updatedAt: now };
    await tx.insert(couponProgrammes).values(p);
    return p;
  }

  /** The comparison row of a hold-out buyer: no send, kept so the report can compare outcomes. */
  function holdoutRow(x: { orgId: string; shopId: string; intentKey: string; programmeId: string | null; variantId: string | null; remedyId?: string | null; buyerId: string; coupon: PlatformCouponRow; occasion: string; channel: string; now: Date }): LedgerRow {
    return { orgId: x.orgId, id: ids('cpn'), shopId: x.shopId, intentKey: x.intentKey, programmeId: x.programmeId, variantId: x.variantId, remedyId: x.remedyId ?? null, buyerId: x.buyerId, platformCouponId: x.coupon.id, occasion: x.occasion, arm: 'holdout', status: 'held_out', channel: x.channel, currency: x.coupon.currency, faceValue: faceValue(termsOf(x.coupon)), minSpend: x.coupon.minSpend, promoCode: null, expiresAt: null, plannedAt: x.now, sentAt: null, redeemedAt: null, redeemedOrderId: null, orderValue: null, discountAmount: null, settled: null, voidedAt: null, outboxId: null, updatedAt: x.now, skipReason: null };
  }

  function intentOf(input: Pick<IssueInput, 'programmeId' | 'remedyId' | 'buyerId' | 'occasion'>): { owner: string; intentKey: string } {
    const owner = input.remedyId ? `remedy:${input.remedyId}` : input.programmeId ? `programme:${input.programmeId}` : 'manual';
    return { owner, intentKey: `${owner}:${input.buyerId}:${input.occasion}` };
  }

  /**
   * One issue to one buyer: a ledger row and its send (outbox step, key = the intent) in the
   * caller's transaction, after the contact policy. The same intent twice is the same row.
   */
  async function issueIn(tx: Tx, actor: Actor, input: IssueInput): Promise<{ row: LedgerRow; created: boolean; decision: ContactDecision | null }> {
    const orgId = actor.orgId;
    const { owner, intentKey } = intentOf(input);
    const [existing] = await tx.select().from(couponLedger).where(and(eq(couponLedger.orgId, orgId), eq(couponLedger.intentKey, intentKey)));
    if (existing) return { row: existing, created: false, decision: null };
    const coupon = input.decided?.coupon ?? (await couponById(tx, orgId, input.platformCouponId));
    if (coupon.shopId !== input.shopId) throw AppError.validation('coupons.coupon_shop', 'The coupon belongs to another shop', [{ field: 'platformCouponId', message: 'belongs to another shop' }]);
    const now = clock.now();
    const channel = input.channel ?? 'tiktok_chat';
    const problems = sendProblems(termsOf(coupon), channel, now);
    if (problems.length) throw AppError.unprocessable('coupons.coupon_not_sendable', `Coupon ${coupon.title} cannot be sent by ${channel}: ${problems.join(', ')}`, { issues: [{ field: 'platformCouponId', message: problems.join(', ') }] });
    let decision: ContactDecision;
    if (input.decided) decision = input.decided.decision;
    else {
      const shop = await shopIn(tx, orgId, input.shopId);
      const reach = await ports.platform.reach(orgId, input.shopId);
      const [buyer] = [...(await buyerPlatformIds(tx, orgId, [input.buyerId])).values()];
      if (!buyer) throw AppError.notFound('buyer', input.buyerId);
      const facts = (await buyerShopFacts(tx, orgId, input.shopId, [input.buyerId], now)).get(input.buyerId);
      decision = await ports.outreach.decideIn(tx, {
        orgId,
        shopId: input.shopId,
        buyerId: input.buyerId,
        purpose: input.purpose,
        channel,
        zone: zoneOf(shop, facts?.country ?? null),
        reach: { noChatScope: !reach.connected || !reach.chatScope },
        at: input.notBefore && input.notBefore > now ? input.notBefore : now,
      });
    }
    const deferrable = !decision.allowed && decision.notBefore !== null;
    if (!decision.allowed && !deferrable) {
      throw AppError.unprocessable('coupons.contact_refused', `The contact policy refuses this message: ${decision.reasons.join(', ')}`, { issues: [{ field: 'buyerId', message: decision.reasons.join(', ') }], reasons: decision.reasons });
    }
    const planned = planIssue(actor, input, coupon, decision, intentKey, owner, now);
    const [row] = await writeIssues(tx, [planned]);
    if (!row) {
      const [again] = await tx.select().from(couponLedger).where(and(eq(couponLedger.orgId, orgId), eq(couponLedger.intentKey, intentKey)));
      return { row: again!, created: false, decision };
    }
    // Ticket actions show their progress as lines in the ticket's thread (issue 13).
    if (input.evidenceCase?.caseType === 'ticket' && ports.actionLines && row.outboxId) {
      await ports.actionLines.requested(tx, { orgId, ticketId: input.evidenceCase.caseId, outboxId: row.outboxId, group: `coupon:${row.id}`, action: 'coupon', amount: row.faceValue, currency: coupon.currency, ref: coupon.title });
    }
    return { row, created: true, decision };
  }

  async function loadProgramme(tx: Executor, orgId: string, id: string): Promise<ProgrammeRow> {
    const [p] = await tx.select().from(couponProgrammes).where(and(eq(couponProgrammes.orgId, orgId), eq(couponProgrammes.id, id)));
    if (!p) throw AppError.notFound('coupon_programme', id);
    return p;
  }

  async function variantsOf(tx: Executor, orgId: string, programmeIds: string[]): Promise<VariantRow[]> {
    if (programmeIds.length === 0) return [];
    return tx.select().from(couponVariants).where(and(eq(couponVariants.orgId, orgId), inArray(couponVariants.programmeId, programmeIds))).orderBy(asc(couponVariants.key));
  }

  interface ProgrammeInput {
    shopId: string;
    name: string;
    kind: ProgrammeKind;
    schedule: Schedule;
    segment: SegmentFilter;
    holdoutPercent: number;
    budget: number;
    channel: CouponChannel;
    maxMinSpend: number | null;
    maxFaceValue: number | null;
    messages: Partial<Record<BuyerLanguage, string>>;
    /** WhatsApp only: the approved template's name and language codes (null = the default name). */
    whatsappTemplate?: WhatsAppTemplate | null;
    variants: { key: string; platformCouponId: string; weight: number; messages?: Partial<Record<BuyerLanguage, string>> | null }[];
  }

  async function validateVariants(tx: Executor, orgId: string, shop: { id: string; currency: string }, input: Pick<ProgrammeInput, 'channel' | 'maxMinSpend' | 'maxFaceValue' | 'variants'>): Promise<void> {
    const now = clock.now();
    const issues: { field: string; message: string; code: string }[] = [];
    for (const [i, v] of input.variants.entries()) {
      const field = `variants.${i}.platformCouponId`;
      const [c] = await tx.select().from(platformCoupons).where(and(eq(platformCoupons.orgId, orgId), eq(platformCoupons.id, v.platformCouponId)));
      if (!c || c.shopId !== shop.id) throw AppError.notFound('platform_coupon', v.platformCouponId);
      issues.push(...variantCouponProblems(termsOf(c), { currency: shop.currency, channel: input.channel, maxMinSpend: input.maxMinSpend, maxFaceValue: input.maxFaceValue }, now, field));
    }
    if (issues.length) throw AppError.unprocessable(issues[0]!.code, `${issues[0]!.field}: ${issues[0]!.message}`, { issues: issues.map(({ field, message }) => ({ field, message })) });
  }

  function programmeView(p: ProgrammeRow, variants: VariantRow[], figures?: ProgrammeFigures) {
    return {
      id: p.id,
      shopId: p.shopId,
      name: p.name,
      kind: p.kind,
      status: p.status,
      schedule: { afterDeliveryDays: p.schedule.afterDeliveryDays ?? null, memberDays: p.schedule.memberDays ?? [], birthday: p.schedule.birthday ?? false, inactiveDays: p.schedule.inactiveDays ?? null },
      segments: p.segment.segments ?? [],
      holdoutPercent: p.holdoutPercent,
      budget: p.budget,
      currency: p.currency,
      channel: p.channel,
      maxMinSpend: p.schedule.maxMinSpend ?? null,
      maxFaceValue: p.schedule.maxFaceValue ?? null,
      messages: p.messages,
      whatsappTemplate: p.whatsappTemplate ? { name: p.whatsappTemplate.name, languages: p.whatsappTemplate.languages ?? {} } : null,
      variants: variants.map((v) => ({ id: v.id, key: v.key, platformCouponId: v.platformCouponId, weight: v.weight, messages: v.messages ?? null })),
      figures: figures ?? emptyFigures(),
      createdAt: p.createdAt.toISOString(),
      updatedAt: p.updatedAt.toISOString(),
    };
  }

  /** Figures per programme for lists (and the analytics reader): counts and money straight from the ledger. */
  async function figuresIn(tx: Executor, orgId: string, programmeIds: string[]): Promise<Map<string, ProgrammeFigures>> {
    const out = new Map<string, ProgrammeFigures>();
    if (programmeIds.length === 0) return out;
    const r = await tx.execute(sql`select programme_id,
        count(*) filter (where arm = 'treatment' and sent_at is not null)::int as sent,
        count(*) filter (where status = 'redeemed')::int as redeemed,
        count(*) filter (where arm = 'holdout')::int as held_out,
        count(*) filter (where status = 'planned')::int as planned,
        coalesce(sum(discount_amount) filter (where status = 'redeemed'), 0)::bigint as cost,
        coalesce(sum(order_value) filter (where status = 'redeemed'), 0)::bigint as revenue,
        coalesce(sum(face_value) filter (where arm = 'treatment' and status not in ('voided', 'skipped') and planned_at >= date_trunc('month', ${clock.now().toISOString()}::timestamptz)), 0)::bigint as committed_month
      from coupon_ledger where org_id = ${orgId} and programme_id = any(${sql.param(programmeIds)}::text[]) group by programme_id`);
    for (const x of r.rows as Record<string, string | number>[]) {
      const sent = Number(x.sent);
      const redeemed = Number(x.redeemed);
      out.set(String(x.programme_id), { sent, redeemed, heldOut: Number(x.held_out), planned: Number(x.planned), redemptionRate: sent ? redeemed / sent : null, cost: Number(x.cost), revenue: Number(x.revenue), committedThisMonth: Number(x.committed_month) });
    }
    return out;
  }

  async function budgetLeftIn(tx: Executor, p: ProgrammeRow): Promise<number> {
    const f = (await figuresIn(tx, p.orgId, [p.id])).get(p.id);
    return p.budget - (f?.committedThisMonth ?? 0);
  }

  /**
   * A shop's due buyers for every active programme today (shop zone), decided and planned in one
   * transaction: hold-out rows for the hold-out arm, issues (ledger + paced outbox steps) for the rest.
   */
  async function runDueIn(tx: Tx, orgId: string, shopId: string, now: Date, opts: { dryRun?: boolean } = {}): Promise<RunReport> {
    const report: RunReport = { planned: 0, heldOut: 0, skipped: {} };
    // Formatting money and dates per buyer is the loop's main cost: the same few strings, made once.
    const memoed = new Map<string, string>();
    const memo = (k: string, f: () => string) => memoed.get(k) ?? memoed.set(k, f()).get(k)!;
    const skip = (k: string) => (report.skipped[k] = (report.skipped[k] ?? 0) + 1);
    // Oldest programme first, always: with the day's send cap shared, the order decides who gets the sends, so it must not depend on the rows' physical order.
    const programmes = await tx.select().from(couponProgrammes).where(and(eq(couponProgrammes.orgId, orgId), eq(couponProgrammes.shopId, shopId), eq(couponProgrammes.status, 'active'))).orderBy(asc(couponProgrammes.createdAt), asc(couponProgrammes.id));
    if (programmes.length === 0) return report;
    const shop = await shopIn(tx, orgId, shopId);
    const zone = shop.timeZone;
    const today = DateTime.fromJSDate(now, { zone }).startOf('day');
    // The local date of an instant, for the memo key of a formatted expiry: the sends of a run are paced a
    // few seconds apart, so consecutive ones share a day and luxon runs once per day, not once per send.
    let dayCache: { from: number; to: number; iso: string } | null = null;
    const localDay = (d: Date): string => {
      const t = d.getTime();
      if (!dayCache || t < dayCache.from || t >= dayCache.to) {
        const start = DateTime.fromJSDate(d, { zone }).startOf('day');
        dayCache = { from: start.toMillis(), to: start.plus({ days: 1 }).toMillis(), iso: start.toISODate()! };
      }
      return dayCache.iso;
    };
    const allVariants = await variantsOf(tx, orgId, programmes.map((p) => p.id));
    const coupons = new Map((await couponsOf(tx, orgId, shopId)).map((c) => [c.id, c]));
    const reach = await ports.platform.reach(orgId, shopId);
    const [sentToday] = (await tx.execute(sql`select count(*)::int as n from coupon_ledger where org_id = ${orgId} and shop_id = ${shopId} and arm = 'treatment' and planned_at >= ${today.toJSDate().toISOString()}::timestamptz`)).rows as { n: number }[];
    let slot = sentToday?.n ?? 0;
    await refreshBuyerFacts(tx, orgId, shopId, now, clock.now());
    for (const p of programmes) {
      if (p.kind === 'compensation') continue;
      const variants = allVariants.filter((v) => v.programmeId === p.id);
      if (variants.length === 0) continue;
      const s = p.schedule;
      const window = (daysBack: number): [Date, Date] => [today.minus({ days: daysBack }).toJSDate(), today.minus({ days: daysBack - 1 }).toJSDate()];
      // One index range over the module's per-buyer summary (refreshed above) gives the candidates with their facts.
      const range: CandidateRange | null =
        p.kind === 'return_visit'
          ? { deliveredIn: window(s.afterDeliveryDays ?? 3) }
          : p.kind === 'winback'
            ? { lastOrderIn: window(s.inactiveDays ?? 60) }
            : s.memberDays?.includes(today.day) || s.birthday
              ? { minOrders365: 3 }
              : null;
      if (!range) continue;
      // Candidates in pages, in a random order stable across runs (the buyers' stored draw from the programme's
      // start point of the day, coupons.facts.ts `candidatesIn`): once the
      // day's sends are used up the rest would only be skipped for the quota, so they are counted, not
      // evaluated — a member day's 100 k loyal buyers cost what the 2,000 sends need.
      const cap = deps.dailySendCap ?? DAILY_SEND_CAP;
      let budgetLeft = await budgetLeftIn(tx, p);
      let after: CandidateCursor | undefined;
      // The programme's start point on the buyers' draw ring moves every day: not the same buyers first on every member day.
      const salt = `${p.id}:${today.toISODate()}`;
      let evaluated = 0;
      // The day's sends are already used up (earlier programmes or runs): nobody of this programme is evaluated, all are counted.
      if (slot >= cap) {
        const rest = await countCandidatesIn(tx, orgId, shopId, range);
        if (rest > 0) report.skipped.daily_quota = (report.skipped.daily_quota ?? 0) + rest;
        continue;
      }
      for (;;) {
        const pageLimit = Math.max(CANDIDATE_PAGE_MIN, (cap - slot) * 4);
        const page = await candidatesIn(tx, orgId, shopId, range, { salt, limit: pageLimit, after });
        const facts = page.facts;
        const candidates = [...facts.keys()];
        if (candidates.length === 0) break;
        evaluated += candidates.length;
        after = page.last ?? undefined;
        // The contact policy's facts for the whole candidate array: one statement for consent, birthday and
        // contact history, one for the chat side (last chat, open ticket, addresses).
        // One after the other on the transaction's one connection.
        const chats = await buyerChatFacts(tx, orgId, candidates);
        const contacts = await ports.outreach.contactFactsIn(tx, orgId, candidates, new Date(now.getTime() - 31 * 86_400_000));
        const addresses = p.channel === 'email' ? await buyerPlatformIds(tx, orgId, candidates) : new Map<string, { email: string | null }>();
        const known = new Map(candidates.map((id) => [id, { lastOrderAt: facts.get(id)?.lastOrderAt ?? null, lastChatAt: chats.get(id)?.lastChatAt ?? null, hasReturnHistory: facts.get(id)?.hasReturnHistory ?? false, email: addresses.get(id)?.email ?? chats.get(id)?.email ?? null, phone: chats.get(id)?.phone ?? null }]));
        const decisions = await ports.outreach.decideManyIn(tx, { orgId, shopId, purpose: 'marketing', channel: p.channel, zone, reach: { noChatScope: !reach.connected || !reach.chatScope }, at: now }, candidates, known, contacts);
        // What each candidate is due for; keys already in the ledger (an earlier run today) are left out in one read.
        const due = new Map<string, string>();
        for (const buyerId of candidates) {
          const f = facts.get(buyerId);
          if (!f) continue;
          const birthday = contacts.get(buyerId)?.birthday?.slice(5, 10) ?? null;
          const occasion = dueOccasion(p.kind, s, p.segment, { ...f, openCase: false, birthday }, zone, now, today);
          if (occasion) due.set(buyerId, occasion);
        }
        const keyOf = (buyerId: string) => `programme:${p.id}:${buyerId}:${due.get(buyerId)}`;
        const taken = new Set(
          due.size
            ? ((await tx.execute(sql`select intent_key from coupon_ledger where org_id = ${orgId} and intent_key = any(${sql.param([...due.keys()].map(keyOf))}::text[])`)).rows as { intent_key: string }[]).map((x) => x.intent_key)
            : [],
        );
        // Win-back offers suggest products (the buyer's and similar buyers' history, never one they returned).
        const suggestions = new Map<string, ProductSuggestion[]>();
        if (p.kind === 'winback' && !opts.dryRun && due.size) {
          const h = await productHistory(tx, orgId, shopId, [...due.keys()].filter((b) => !taken.has(keyOf(b))), now);
          for (const b of due.keys()) {
            const list = suggestProducts(h.bought.get(b) ?? [], h.returned.get(b) ?? new Set(), h.topByCategory);
            if (list.length) suggestions.set(b, list);
          }
        }
        const holds: LedgerRow[] = [];
        const issues: PlannedIssue[] = [];
        const actor = systemActor(orgId);
        for (const [buyerId, occasion] of due) {
          const intentKey = keyOf(buyerId);
          if (taken.has(intentKey)) continue;
          // Past the day's sends the rest of the page is counted, not evaluated (nor held out: the hold-out is drawn
          // from the buyers the run reaches, so it stays its share of them).
          if (slot >= cap) {
            skip('daily_quota');
            continue;
          }
          const f = facts.get(buyerId)!;
          const variant = pickVariant(p.id, buyerId, variants);
          const coupon = coupons.get(variant.platformCouponId);
          if (!coupon) {
            skip('coupon_missing');
            continue;
          }
          const value = faceValue(termsOf(coupon));
          const why = eligibility({ ...f, openCase: f.openReturn || !!chats.get(buyerId)?.openTicket }, { budgetLeft, faceValue: value });
          if (why.length) {
            skip(why[0]!);
            continue;
          }
          if (assignArm(p.id, buyerId, p.holdoutPercent) === 'holdout') {
            report.heldOut++;
            holds.push(holdoutRow({ orgId, shopId, intentKey, programmeId: p.id, variantId: variant.id, buyerId, coupon, occasion, channel: p.channel, now }));
            continue;
          }
          const d = decisions.get(buyerId)!;
          if (!d.allowed && !d.notBefore) {
            skip(d.reasons[0]!);
            continue;
          }
          report.planned++;
          budgetLeft -= value;
          const base = d.notBefore && d.notBefore > now ? d.notBefore : now;
          // Chat cards are paced to the platform's 0.5 QPS; e-mail and WhatsApp go as soon as allowed.
          const notBefore = p.channel === 'tiktok_chat' ? new Date(base.getTime() + slot * CARD_SPACING_MS) : base;
          slot++;
          if (opts.dryRun) continue;
          const until = expiryOf(termsOf(coupon), notBefore);
          const lang = f.language ?? 'en';
          const messages = { ...DEFAULT_MESSAGES[p.kind], ...p.messages, ...(variant.messages ?? {}) };
          const tpl = messages[lang as BuyerLanguage] || messages.en || '';
          const text = renderMessage(messages, lang, {
            value: memo(`m:${lang}:${value}:${coupon.currency}`, () => formatMoney({ amount: value, currency: coupon.currency }, lang)),
            minSpend: memo(`m:${lang}:${coupon.minSpend}:${coupon.currency}`, () => formatMoney({ amount: coupon.minSpend, currency: coupon.currency }, lang)),
            code: coupon.promoCode ?? '',
            coupon: coupon.title,
            until: until ? memo(`d:${lang}:${localDay(until)}`, () => DateTime.fromJSDate(until, { zone }).setLocale(lang).toLocaleString(DateTime.DATE_MED)) : '',
            products: suggestions.get(buyerId)?.map((x) => x.title).join(', ') ?? '',
          });
          const input: IssueInput = { shopId, buyerId, platformCouponId: coupon.id, occasion, programmeId: p.id, variantId: variant.id, purpose: 'marketing', channel: p.channel, subject: p.channel === 'email' ? promoSubject(lang, coupon.title) : null, text: withCode(text, p.channel, coupon.promoCode, lang, suggestions.get(buyerId) ?? [], /\{products\}/.test(tpl)), notBefore };
          issues.push(planIssue(actor, input, coupon, d, intentKey, `programme:${p.id}`, now));
        }
        if (!opts.dryRun) {
          await insertLedgerRows(tx, holds);
          await writeIssues(tx, issues);
        }
        if (candidates.length < pageLimit) break;
        if (slot >= cap) {
          const rest = (await countCandidatesIn(tx, orgId, shopId, range)) - evaluated;
          if (rest > 0) report.skipped.daily_quota = (report.skipped.daily_quota ?? 0) + rest;
          break;
        }
      }
    }
    return report;
  }

  /**
   * Redemptions: the platform names no coupon on an order, so sent issues are matched to later
   * orders of the same buyer by the seller-voucher deduction the price detail reports (rule in
   * coupons.rules.ts `matchRedemption`). Expired issues are closed.
   */
  async function attribute(orgId: string, shopId: string): Promise<{ redeemed: number; expired: number }> {
    const now = clock.now();
    const open = await db.tenant(orgId, (tx) => tx.select().from(couponLedger).where(and(eq(couponLedger.orgId, orgId), eq(couponLedger.shopId, shopId), eq(couponLedger.status, 'sent'), isNotNull(couponLedger.buyerId))));
    if (open.length === 0) return { redeemed: 0, expired: 0 };
    const from = new Date(Math.min(...open.map((r) => r.sentAt!.getTime())));
    const orders = await db.tenant(orgId, (tx) => buyerOrdersBetween(tx, orgId, shopId, [...new Set(open.map((r) => r.buyerId!))], from, new Date(now.getTime() + 60_000)));
    const withVoucher = orders.filter((o) => o.status !== 'cancelled');
    const vouchers = withVoucher.length ? await ports.platform.sellerVouchers(orgId, shopId, withVoucher.map((o) => ({ id: o.id, externalId: o.externalId }))) : new Map<string, number>();
    let redeemed = 0;
    let expired = 0;
    await db.tenant(orgId, async (tx) => {
      const taken = new Set((await tx.select({ o: couponLedger.redeemedOrderId }).from(couponLedger).where(and(eq(couponLedger.orgId, orgId), eq(couponLedger.shopId, shopId), isNotNull(couponLedger.redeemedOrderId)))).map((x) => x.o!));
      const coupons = new Map((await couponsOf(tx, orgId, shopId)).map((c) => [c.id, c]));
      for (const r of open.sort((a, b) => a.sentAt!.getTime() - b.sentAt!.getTime())) {
        const c = r.platformCouponId ? coupons.get(r.platformCouponId) : undefined;
        if (!c) continue;
        const mine = withVoucher.filter((o) => o.buyerId === r.buyerId).map((o) => ({ orderId: o.id, placedAt: o.placedAt, subtotal: o.subtotal + (vouchers.get(o.id) ?? 0), sellerVoucher: vouchers.get(o.id) ?? 0, status: o.status, total: o.totalAmount }));
        const m = matchRedemption({ sentAt: r.sentAt!, expiresAt: r.expiresAt, terms: termsOf(c) }, mine, taken);
        if (m) {
          taken.add(m.orderId);
          const total = mine.find((x) => x.orderId === m.orderId)!.total;
          if (await moveIn(tx, r, 'redeemed', { redeemedAt: m.placedAt, redeemedOrderId: m.orderId, orderValue: total, discountAmount: m.sellerVoucher }, null, `Coupon redeemed on order ${m.orderId} (voucher ${m.sellerVoucher} ${r.currency})`)) redeemed++;
        } else if (r.expiresAt && r.expiresAt <= now) {
          if (await moveIn(tx, r, 'expired', {}, null, 'Coupon expired unused')) expired++;
        }
      }
    });
    return { redeemed, expired };
  }

  /** Cancellations and returns of redeeming orders, by the rule table (restore, claw back, leave). */
  async function settleRedemptions(orgId: string): Promise<{ restored: number; clawedBack: number; left: number }> {
    const out = { restored: 0, clawedBack: 0, left: 0 };
    const now = clock.now();
    await db.tenant(orgId, async (tx) => {
      const rows = await tx.select().from(couponLedger).where(and(eq(couponLedger.orgId, orgId), eq(couponLedger.status, 'redeemed'), isNotNull(couponLedger.redeemedOrderId), sql`${couponLedger.settled} is null`));
      const outcomes = await orderOutcomes(tx, orgId, rows.map((r) => r.redeemedOrderId!));
      for (const r of rows) {
        const o = outcomes.get(r.redeemedOrderId!);
        if (!o) continue;
        const event = o.status === 'cancelled' ? 'order_cancelled' : o.returned === 'full' ? 'order_returned_full' : o.returned === 'partial' ? 'order_returned_partial' : null;
        if (!event) continue;
        const action = settle(event, r.expiresAt, now);
        if (action === 'restore') {
          if (await moveIn(tx, r, 'sent', { redeemedAt: null, redeemedOrderId: null, orderValue: null, discountAmount: null, settled: null }, null, `Order ${r.redeemedOrderId} cancelled: coupon restored`)) out.restored++;
        } else if (action === 'claw_back') {
          if (await moveIn(tx, r, 'clawed_back', { settled: `claw_back:${event}` }, null, `Order ${r.redeemedOrderId} ${event === 'order_cancelled' ? 'cancelled after expiry' : 'returned'}: coupon clawed back`)) out.clawedBack++;
        } else {
          await tx.update(couponLedger).set({ settled: `leave:${event}`, updatedAt: now }).where(and(eq(couponLedger.orgId, orgId), eq(couponLedger.id, r.id)));
          await ports.recordEvidence(tx, evidenceFor(r, null, `Order ${r.redeemedOrderId} partly returned: coupon left as redeemed`, { event }));
          out.left++;
        }
      }
    });
    return out;
  }

  async function reportIn(tx: Executor, p: ProgrammeRow): Promise<ProgrammeReport> {
    const own = await variantsOf(tx, p.orgId, [p.id]);
    // A compensation programme has no variants (the remedy picks the coupon by value): one row for all.
    const variants = own.length ? own : [{ id: '*', key: p.kind, platformCouponId: '' }];
    const rows = await tx.select().from(couponLedger).where(and(eq(couponLedger.orgId, p.orgId), eq(couponLedger.programmeId, p.id)));
    const buyers = [...new Set(rows.map((r) => r.buyerId).filter((x): x is string => !!x))];
    const from = rows.length ? new Date(Math.min(...rows.map((r) => r.plannedAt.getTime()))) : clock.now();
    const orders = await buyerOrdersBetween(tx, p.orgId, p.shopId, buyers, from, new Date(clock.now().getTime() + 60_000));
    const redeemedRows = rows.filter((r) => r.status === 'redeemed');
    const baselines = await averageOrderValueBefore(tx, p.orgId, p.shopId, redeemedRows.map((r) => ({ buyerId: r.buyerId!, before: r.plannedAt })));
    const outcomes = await orderOutcomes(tx, p.orgId, redeemedRows.map((r) => r.redeemedOrderId!));
    const outcomeOf = (r: LedgerRow) => {
      const end = r.plannedAt.getTime() + OUTCOME_WINDOW_DAYS * 86_400_000;
      const mine = orders.filter((o) => o.buyerId === r.buyerId && o.status !== 'cancelled' && o.placedAt >= r.plannedAt && o.placedAt.getTime() < end);
      return { converted: mine.length > 0 ? 1 : 0, value: mine.reduce((a, o) => a + o.totalAmount, 0) };
    };
    const arm = (xs: LedgerRow[]): ArmOutcome => {
      const o = xs.map(outcomeOf);
      return { n: xs.length, conversions: o.reduce((a, x) => a + x.converted, 0), value: o.reduce((a, x) => a + x.value, 0), valueSumSq: o.reduce((a, x) => a + x.value * x.value, 0) };
    };
    // The comparison group: the programme's hold-out (a variant's hold-out buyers are those the variant would have gone to).
    const holdoutAll = rows.filter((r) => r.arm === 'holdout');
    const perVariant = variants.map((v) => {
      const inVariant = (r: LedgerRow) => v.id === '*' || r.variantId === v.id;
      const treat = rows.filter((r) => inVariant(r) && r.arm === 'treatment' && r.status !== 'voided' && r.status !== 'planned' && r.status !== 'skipped');
      const hold = holdoutAll.filter(inVariant);
      const red = treat.filter((r) => r.status === 'redeemed');
      const l = lift(arm(treat), arm(hold.length ? hold : holdoutAll));
      const cost = red.reduce((a, r) => a + (r.discountAmount ?? 0), 0);
      const eco = economics(cost, l.incrementalConversions?.estimate ?? null, l.incrementalValue?.estimate ?? null);
      const ratios = red.map((r) => ({ v: r.orderValue ?? 0, b: baselines.get(r.buyerId!) ?? null })).filter((x) => x.b !== null && x.b > 0);
      const uplift = ratios.length ? ratios.reduce((a, x) => a + x.v, 0) / ratios.reduce((a, x) => a + (x.b as number), 0) - 1 : null;
      const laterReturns = red.filter((r) => (outcomes.get(r.redeemedOrderId!)?.returned ?? 'none') !== 'none').length;
      return {
        variantId: v.id,
        key: v.key,
        platformCouponId: v.platformCouponId,
        sent: treat.length,
        heldOut: hold.length,
        redeemed: red.length,
        redemptionRate: treat.length ? red.length / treat.length : null,
        orderValueUplift: uplift,
        incrementalOrders: l.incrementalConversions,
        incrementalRevenue: l.incrementalValue,
        verdict: l.verdict,
        cost,
        costPerIncrementalOrder: eco.costPerIncremental,
        roi: eco.roi,
        laterReturnRate: red.length ? laterReturns / red.length : null,
      };
    });
    const byDay = new Map<string, { sent: number; redeemed: number }>();
    const day = (d: Date) => DateTime.fromJSDate(d, { zone: 'UTC' }).toISODate()!;
    for (const r of rows) {
      if (r.sentAt) byDay.set(day(r.sentAt), { sent: (byDay.get(day(r.sentAt))?.sent ?? 0) + 1, redeemed: byDay.get(day(r.sentAt))?.redeemed ?? 0 });
      if (r.status === 'redeemed' && r.redeemedAt) byDay.set(day(r.redeemedAt), { sent: byDay.get(day(r.redeemedAt))?.sent ?? 0, redeemed: (byDay.get(day(r.redeemedAt))?.redeemed ?? 0) + 1 });
    }
    const timeline = [...byDay.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([date, v]) => ({ date, ...v }));
    return { programmeId: p.id, currency: p.currency, outcomeWindowDays: OUTCOME_WINDOW_DAYS, variants: perVariant, timeline };
  }

  async function assertShopIn(tx: Executor, orgId: string, shopId: string) {
    return shopIn(tx, orgId, shopId);
  }

  return {
    /** The integration's sync writes the shop's coupons here (our vocabulary, never a TikTok payload). */
    async upsertPlatformCoupons(orgId: string, shopId: string, list: (PlatformCouponTerms & { displayChannels: string[]; productScope: string | null; productIds: string[]; claimStartAt: Date | null; redemptionStartAt: Date | null; singleBuyerClaimLimit: number | null; redemptionLimit: number | null; redeemedCount: number; externalUpdatedAt: Date | null })[]): Promise<number> {
      if (list.length === 0) return 0;
      const now = clock.now();
      return db.tenant(orgId, async (tx) => {
        for (const c of list) {
          const values = {
            title: c.title,
            status: c.status,
            displayType: c.displayType,
            displayChannels: c.displayChannels,
            creationSource: c.creationSource,
            targetBuyerSegment: c.targetBuyerSegment,
            productScope: c.productScope,
            productIds: c.productIds,
            promoCode: c.promoCode,
            discountType: c.discountType,
            currency: c.currency,
            reductionAmount: c.reductionAmount,
            percentageBp: c.percentageBp,
            maxDiscount: c.maxDiscount,
            minSpend: c.minSpend,
            claimStartAt: c.claimStartAt,
            claimEndAt: c.claimEndAt,
            redemptionType: c.redemptionType,
            redemptionStartAt: c.redemptionStartAt,
            redemptionEndAt: c.redemptionEndAt,
            redemptionDays: c.redemptionDays,
            singleBuyerClaimLimit: c.singleBuyerClaimLimit,
            totalClaimLimit: c.totalClaimLimit,
            redemptionLimit: c.redemptionLimit,
            claimedCount: c.claimedCount,
            redeemedCount: c.redeemedCount,
            externalUpdatedAt: c.externalUpdatedAt,
            syncedAt: now,
          };
          await tx
            .insert(platformCoupons)
            .values({ orgId, id: ids('pcp'), shopId, externalId: c.externalId, ...values })
            .onConflictDoUpdate({ target: [platformCoupons.orgId, platformCoupons.shopId, platformCoupons.externalId], set: values });
        }
        return list.length;
      });
    },

    async syncShop(actor: Actor, shopId: string) {
      requireRole(actor, ['owner', 'supervisor'], 'syncing coupons');
      await db.tenant(actor.orgId, (tx) => assertShopIn(tx, actor.orgId, shopId));
      return ports.platform.syncCoupons(actor.orgId, shopId);
    },

    async listPlatformCoupons(actor: Actor, shopId: string) {
      return db.tenant(actor.orgId, async (tx) => {
        await assertShopIn(tx, actor.orgId, shopId);
        const now = clock.now();
        const reach = await ports.platform.reach(actor.orgId, shopId);
        return { items: (await couponsOf(tx, actor.orgId, shopId)).map((c) => platformCouponView(c, now)), chatReach: (!reach.connected ? 'not_connected' : !reach.chatScope ? 'no_customer_service_scope' : 'ok') as 'ok' | 'not_connected' | 'no_customer_service_scope' };
      });
    },

    /**
     * Coupons an agent (or the act-from-ticket panel) may send this buyer now, with the contact
     * policy's answer. Public for other modules: `sendableFor(actor, {shopId, buyerId})`.
     */
    async sendableFor(actor: Actor, q: { shopId: string; buyerId: string }) {
      return db.tenant(actor.orgId, async (tx) => {
        const shop = await assertShopIn(tx, actor.orgId, q.shopId);
        const now = clock.now();
        const reach = await ports.platform.reach(actor.orgId, q.shopId);
        const f = (await buyerShopFacts(tx, actor.orgId, q.shopId, [q.buyerId], now)).get(q.buyerId);
        if (!(await buyerPlatformIds(tx, actor.orgId, [q.buyerId])).has(q.buyerId)) throw AppError.notFound('buyer', q.buyerId);
        const decision = await ports.outreach.decideIn(tx, { orgId: actor.orgId, shopId: q.shopId, buyerId: q.buyerId, purpose: 'service', channel: 'tiktok_chat', zone: zoneOf(shop, f?.country ?? null), reach: { noChatScope: !reach.connected || !reach.chatScope } });
        const items = (await couponsOf(tx, actor.orgId, q.shopId)).filter((c) => sendProblems(termsOf(c), 'tiktok_chat', now).length === 0).map((c) => platformCouponView(c, now));
        return { items, contact: { allowed: decision.allowed, reasons: decision.reasons, notBefore: decision.notBefore?.toISOString() ?? null } };
      });
    },

    /** Issue one platform coupon to one buyer (agent action; service purpose). */
    async issue(actor: Actor, input: { shopId: string; buyerId: string; platformCouponId: string; ticketId?: string | null; text?: string | null }) {
      requireRole(actor, ['owner', 'supervisor', 'agent'], 'sending coupons');
      return db.tenant(actor.orgId, async (tx) => {
        await assertShopIn(tx, actor.orgId, input.shopId);
        if (input.ticketId && !(await ticketExists(tx, actor.orgId, input.ticketId))) throw AppError.notFound('ticket', input.ticketId);
        const day = DateTime.fromJSDate(clock.now(), { zone: 'UTC' }).toISODate();
        const r = await issueIn(tx, actor, { shopId: input.shopId, buyerId: input.buyerId, platformCouponId: input.platformCouponId, occasion: `agent:${input.platformCouponId}:${day}`, purpose: 'service', text: input.text ?? null, evidenceCase: input.ticketId ? { caseId: input.ticketId, caseType: 'ticket' } : undefined });
        const c = await couponById(tx, actor.orgId, input.platformCouponId);
        return ledgerView(r.row, c);
      });
    },

    issueIn,

    /**
     * Remedies: the compensation coupon for an offer of `amount` is the shop's platform coupon
     * closest in value (not above it); issued with the remedy as the intent. Null when the shop has
     * no sendable compensation coupon in that currency (the remedy then goes without one).
     */
    async issueCompensationIn(tx: Tx, actor: Actor, input: { remedyId: string; shopId: string; buyerId: string | null; currency: string; amount: number; language: string; evidenceCase: { caseId: string; caseType: 'ticket' | 'return' } }): Promise<LedgerRow | null> {
      if (!input.buyerId) return null;
      const now = clock.now();
      const all = await couponsOf(tx, actor.orgId, input.shopId);
      const chosen = compensationCoupon(all.map((c) => ({ ...termsOf(c), row: c })), input.amount, input.currency, now);
      if (!chosen) {
        log.info({ remedyId: input.remedyId, shopId: input.shopId }, 'no sendable compensation coupon for this shop and currency');
        return null;
      }
      // Compensation coupons have a hold-out too: the shop's compensation programme (made on first
      // use, hold-out 0 % until the seller sets one) decides the arm, persistently per buyer.
      const prog = await compensationProgrammeIn(tx, actor.orgId, input.shopId, input.currency);
      const { intentKey } = intentOf({ remedyId: input.remedyId, buyerId: input.buyerId, occasion: 'compensation' });
      if (assignArm(prog.id, input.buyerId, prog.holdoutPercent) === 'holdout') {
        const row = holdoutRow({ orgId: actor.orgId, shopId: input.shopId, intentKey, programmeId: prog.id, variantId: null, remedyId: input.remedyId, buyerId: input.buyerId, coupon: chosen.row, occasion: 'compensation', channel: 'tiktok_chat', now });
        if ((await insertLedgerRows(tx, [row])).size) await ports.recordEvidence(tx, evidenceFor(row, actor, `Compensation coupon held out (hold-out ${prog.holdoutPercent} % of programme ${prog.name}): the buyer is in the comparison group`, { arm: 'holdout' }, input.evidenceCase));
        return null;
      }
      try {
        const r = await issueIn(tx, actor, { shopId: input.shopId, buyerId: input.buyerId, platformCouponId: chosen.row.id, occasion: 'compensation', remedyId: input.remedyId, programmeId: prog.id, purpose: 'service', evidenceCase: input.evidenceCase });
        return r.row;
      } catch (e) {
        if (e instanceof AppError && e.kind === 'unprocessable') {
          log.info({ remedyId: input.remedyId, code: e.code }, 'compensation coupon not sent');
          return null;
        }
        throw e;
      }
    },

    /** The remedy's coupon (for its view and its buyer message). */
    async remedyCouponIn(tx: Executor, orgId: string, remedyIds: string[]): Promise<Map<string, ReturnType<typeof ledgerView>>> {
      if (remedyIds.length === 0) return new Map();
      const rows = await tx.select().from(couponLedger).where(and(eq(couponLedger.orgId, orgId), inArray(couponLedger.remedyId, remedyIds)));
      const cs = rows.length ? await tx.select().from(platformCoupons).where(and(eq(platformCoupons.orgId, orgId), inArray(platformCoupons.id, rows.map((r) => r.platformCouponId).filter((x): x is string => !!x)))) : [];
      return new Map(rows.map((r) => [r.remedyId!, ledgerView(r, cs.find((c) => c.id === r.platformCouponId))]));
    },

    /** Abandoning a remedy voids its coupon: a send not yet made is cancelled; one already sent is voided in the ledger. */
    async voidRemedyIn(tx: Tx, actor: Actor, remedyId: string): Promise<string | null> {
      const [r] = await tx.select().from(couponLedger).where(and(eq(couponLedger.orgId, actor.orgId), eq(couponLedger.remedyId, remedyId))).for('update');
      if (!r || (r.status !== 'planned' && r.status !== 'sent')) return null;
      const cancelled = r.outboxId ? await tx.update(outbox).set({ status: 'cancelled', updatedAt: clock.now() }).where(and(eq(outbox.orgId, actor.orgId), eq(outbox.id, r.outboxId), inArray(outbox.status, ['pending', 'failed', 'held']))).returning({ id: outbox.id }) : [];
      const moved = await moveIn(tx, r, 'voided', { voidedAt: clock.now() }, actor, `Coupon voided: remedy ${remedyId} abandoned`);
      // A card that was still waiting to go (its step cancelled here) never reached the buyer: its contact is taken back.
      if (moved && r.status === 'planned' && r.buyerId && (cancelled.length > 0 || !r.outboxId)) await ports.outreach.withdrawIn(tx, { orgId: actor.orgId, buyerId: r.buyerId, ref: r.id });
      return moved ? `coupon ${r.promoCode ?? r.id} voided` : null;
    },

    /** Called by the send handler once the platform has the card (also after a re-read found it). */
    async markSent(orgId: string, ledgerId: string, info: { messageId: string; deduplicated: boolean }): Promise<{ status: LedgerStatus }> {
      return db.tenant(orgId, async (tx) => {
        const [r] = await tx.select().from(couponLedger).where(and(eq(couponLedger.orgId, orgId), eq(couponLedger.id, ledgerId))).for('update');
        if (!r) return { status: 'voided' as LedgerStatus };
        if (r.status !== 'planned') return { status: r.status };
        const now = clock.now();
        const c = r.platformCouponId ? await couponById(tx, orgId, r.platformCouponId) : null;
        const how = r.channel === 'email' ? `Promo code sent by e-mail (message ${info.messageId}${info.deduplicated ? ', found in Sent' : ''})` : r.channel === 'whatsapp' ? `Promo code sent by WhatsApp (message ${info.messageId})` : `Coupon card sent in chat (message ${info.messageId}${info.deduplicated ? ', found on re-read' : ''})`;
        const moved = await moveIn(tx, r, 'sent', { sentAt: now, expiresAt: c ? expiryOf(termsOf(c), now) : r.expiresAt }, null, how);
        return { status: moved?.status ?? r.status };
      });
    },

    /**
     * What a promo-code send needs at send time: the buyer's address on the channel (read now, not
     * kept in the outbox payload) and the shop's sender; null when the row no longer wants a send.
     */
    async promoSendOf(orgId: string, ledgerId: string): Promise<{ shopId: string; channel: CouponChannel; to: string | null; fromEmail: string | null; fromWhatsApp: string | null; shopName: string; language: BuyerLanguage; templateParams: string[]; template: { name: string; language: string }; skip: SkipReason | null } | null> {
      return db.tenant(orgId, async (tx) => {
        const [r] = await tx.select().from(couponLedger).where(and(eq(couponLedger.orgId, orgId), eq(couponLedger.id, ledgerId)));
        if (!r || r.status !== 'planned' || !r.buyerId) return null;
        const shop = await shopIn(tx, orgId, r.shopId);
        const ids = await buyerPlatformIds(tx, orgId, [r.buyerId]);
        const chats = await buyerChatFacts(tx, orgId, [r.buyerId]);
        const to = r.channel === 'email' ? (ids.get(r.buyerId)?.email ?? chats.get(r.buyerId)?.email ?? null) : (chats.get(r.buyerId)?.phone ?? null);
        const lang = (BUYER_LANGUAGES as readonly string[]).includes(ids.get(r.buyerId)?.language ?? '') ? (ids.get(r.buyerId)!.language as BuyerLanguage) : 'en';
        const until = r.expiresAt ? DateTime.fromJSDate(r.expiresAt, { zone: shop.timeZone }).setLocale(lang).toLocaleString(DateTime.DATE_MED) : '';
        // The WhatsApp template's body variables, in order: shop, value, code, valid until.
        const templateParams = [shop.name, formatMoney({ amount: r.faceValue, currency: r.currency }, lang), r.promoCode ?? '', until];
        // Consent is asked again at send time: a buyer who unsubscribed or withdrew it since the plan gets nothing.
        const pref = (await ports.outreach.preferencesIn(tx, orgId, [r.buyerId])).get(r.buyerId);
        const skip: SkipReason | null = !to ? 'no_address' : pref?.unsubscribedAt && pref.unsubscribedAt <= clock.now() ? 'unsubscribed' : !pref?.marketingConsent ? 'consent_withdrawn' : null;
        const prog = r.programmeId ? await loadProgramme(tx, orgId, r.programmeId).catch(() => null) : null;
        const template = whatsappTemplateOf(prog?.whatsappTemplate, lang);
        return { shopId: r.shopId, channel: r.channel as CouponChannel, to, fromEmail: shop.supportContacts.email ?? null, fromWhatsApp: shop.supportContacts.whatsapp ?? null, shopName: shop.name, language: lang, templateParams, template, skip };
      });
    },

    /** A planned promo-code send that can no longer go out ends here, with the reason (terminal; evidence recorded). */
    async markSkipped(orgId: string, ledgerId: string, reason: SkipReason): Promise<{ status: LedgerStatus }> {
      return db.tenant(orgId, async (tx) => {
        const [r] = await tx.select().from(couponLedger).where(and(eq(couponLedger.orgId, orgId), eq(couponLedger.id, ledgerId))).for('update');
        if (!r) return { status: 'voided' as LedgerStatus };
        const why = reason === 'no_address' ? `the buyer has no ${r.channel === 'email' ? 'e-mail address' : 'WhatsApp number'} any more` : reason === 'unsubscribed' ? 'the buyer unsubscribed before the send' : 'the buyer withdrew marketing consent before the send';
        const moved = await moveIn(tx, r, 'skipped', { skipReason: reason }, null, `Promo code not sent: ${why}`);
        // Nothing went out: the contact planned with it no longer counts toward the frequency cap (the budget already leaves skipped rows out).
        if (moved && r.buyerId) await ports.outreach.withdrawIn(tx, { orgId, buyerId: r.buyerId, ref: r.id });
        return { status: moved?.status ?? r.status };
      });
    },

    /** Whether a ledger row still wants its send (a voided one must not go out). */
    async wantsSend(orgId: string, ledgerId: string): Promise<boolean> {
      return db.tenant(orgId, async (tx) => {
        const [r] = await tx.select({ status: couponLedger.status }).from(couponLedger).where(and(eq(couponLedger.orgId, orgId), eq(couponLedger.id, ledgerId)));
        return r?.status === 'planned' || r?.status === 'sent';
      });
    },

    async createProgramme(actor: Actor, input: ProgrammeInput) {
      requireRole(actor, ['owner', 'supervisor'], 'creating coupon programmes');
      return db.tenant(actor.orgId, async (tx) => {
        const shop = await assertShopIn(tx, actor.orgId, input.shopId);
        await validateVariants(tx, actor.orgId, shop, input);
        const now = clock.now();
        const p: ProgrammeRow = {
          orgId: actor.orgId,
          id: ids('cpg'),
          shopId: input.shopId,
          name: input.name,
          kind: input.kind,
          status: 'active',
          schedule: { ...input.schedule, maxMinSpend: input.maxMinSpend, maxFaceValue: input.maxFaceValue },
          segment: input.segment,
          holdoutPercent: input.holdoutPercent,
          budget: input.budget,
          currency: shop.currency,
          channel: input.channel,
          messages: input.messages,
          whatsappTemplate: input.whatsappTemplate ?? null,
          createdBy: actor.userId,
          createdAt: now,
          updatedAt: now,
        };
        await tx.insert(couponProgrammes).values(p);
        await recordCouponBudgetChange(tx, { ids, clock }, { orgId: actor.orgId, actor: auditActorOf(actor), subject: { type: 'coupon_programme', id: p.id }, before: null, after: { budget: p.budget, currency: p.currency, programme: p.name } });
        const vs = input.variants.map((v) => ({ orgId: actor.orgId, id: ids('cpv'), shopId: input.shopId, programmeId: p.id, key: v.key, platformCouponId: v.platformCouponId, weight: v.weight, messages: v.messages ?? null, createdAt: now }));
        await tx.insert(couponVariants).values(vs);
        return programmeView(p, vs);
      });
    },

    async updateProgramme(actor: Actor, id: string, patch: Partial<Pick<ProgrammeInput, 'name' | 'schedule' | 'segment' | 'holdoutPercent' | 'budget' | 'messages' | 'maxMinSpend' | 'maxFaceValue' | 'whatsappTemplate'>> & { status?: 'active' | 'paused' }) {
      requireRole(actor, ['owner', 'supervisor'], 'changing coupon programmes');
      return db.tenant(actor.orgId, async (tx) => {
        const p = await loadProgramme(tx, actor.orgId, id);
        const shop = await assertShopIn(tx, actor.orgId, p.shopId);
        const variants = await variantsOf(tx, actor.orgId, [p.id]);
        const maxMinSpend = patch.maxMinSpend !== undefined ? patch.maxMinSpend : (p.schedule.maxMinSpend ?? null);
        const maxFaceValue = patch.maxFaceValue !== undefined ? patch.maxFaceValue : (p.schedule.maxFaceValue ?? null);
        if (patch.maxMinSpend !== undefined || patch.maxFaceValue !== undefined) await validateVariants(tx, actor.orgId, shop, { channel: p.channel, maxMinSpend, maxFaceValue, variants: variants.map((v) => ({ key: v.key, platformCouponId: v.platformCouponId, weight: v.weight })) });
        const [row] = await tx
          .update(couponProgrammes)
          .set({
            name: patch.name ?? p.name,
            status: patch.status ?? p.status,
            schedule: { ...p.schedule, ...(patch.schedule ?? {}), maxMinSpend, maxFaceValue },
            segment: patch.segment ?? p.segment,
            holdoutPercent: patch.holdoutPercent ?? p.holdoutPercent,
            budget: patch.budget ?? p.budget,
            messages: patch.messages ?? p.messages,
            whatsappTemplate: patch.whatsappTemplate !== undefined ? patch.whatsappTemplate : (p.whatsappTemplate ?? null),
            updatedAt: clock.now(),
          })
          .where(and(eq(couponProgrammes.orgId, actor.orgId), eq(couponProgrammes.id, id)))
          .returning();
        // A budget moves money: on the owners' audit log, in this transaction.
        if (patch.budget !== undefined && patch.budget !== p.budget) {
          await recordCouponBudgetChange(tx, { ids, clock }, { orgId: actor.orgId, actor: auditActorOf(actor), subject: { type: 'coupon_programme', id }, before: { budget: p.budget, currency: p.currency }, after: { budget: patch.budget, currency: p.currency } });
        }
        return programmeView(row!, variants, (await figuresIn(tx, actor.orgId, [id])).get(id));
      });
    },

    async listProgrammes(actor: Actor, q: { shopId?: string } = {}) {
      return db.tenant(actor.orgId, async (tx) => {
        const conds = [eq(couponProgrammes.orgId, actor.orgId)];
        if (q.shopId) conds.push(eq(couponProgrammes.shopId, q.shopId));
        const ps = await tx.select().from(couponProgrammes).where(and(...conds)).orderBy(desc(couponProgrammes.createdAt), desc(couponProgrammes.id));
        const vs = await variantsOf(tx, actor.orgId, ps.map((p) => p.id));
        const figs = await figuresIn(tx, actor.orgId, ps.map((p) => p.id));
        return { items: ps.map((p) => programmeView(p, vs.filter((v) => v.programmeId === p.id), figs.get(p.id))) };
      });
    },

    async getProgramme(actor: Actor, id: string) {
      return db.tenant(actor.orgId, async (tx) => {
        const p = await loadProgramme(tx, actor.orgId, id);
        const vs = await variantsOf(tx, actor.orgId, [id]);
        return { programme: programmeView(p, vs, (await figuresIn(tx, actor.orgId, [id])).get(id)), report: await reportIn(tx, p) };
      });
    },

    async report(actor: Actor, id: string): Promise<ProgrammeReport> {
      return db.tenant(actor.orgId, async (tx) => reportIn(tx, await loadProgramme(tx, actor.orgId, id)));
    },

    /** The buyer's ledger (inbox sidebar). */
    async ledgerOfBuyer(actor: Actor, buyerId: string) {
      return db.tenant(actor.orgId, async (tx) => {
        if (!(await buyerPlatformIds(tx, actor.orgId, [buyerId])).has(buyerId)) throw AppError.notFound('buyer', buyerId);
        const rows = await tx.select().from(couponLedger).where(and(eq(couponLedger.orgId, actor.orgId), eq(couponLedger.buyerId, buyerId), sql`${couponLedger.arm} = 'treatment'`)).orderBy(desc(couponLedger.plannedAt), desc(couponLedger.id)).limit(50);
        const cs = rows.length ? await tx.select().from(platformCoupons).where(and(eq(platformCoupons.orgId, actor.orgId), inArray(platformCoupons.id, rows.map((r) => r.platformCouponId).filter((x): x is string => !!x)))) : [];
        return { items: rows.map((r) => ledgerView(r, cs.find((c) => c.id === r.platformCouponId))) };
      });
    },

    /** Plan today's issues for every active programme of a shop (the daily job, the CLI, tests). */
    async runDue(orgId: string, shopId: string, at?: Date): Promise<RunReport> {
      const now = at ?? clock.now();
      return db.tenant(orgId, (tx) => runDueIn(tx, orgId, shopId, now));
    },

    /** The same selection as `runDue` (candidates, facts, eligibility, hold-out, contact policy) without writing: what would be planned. */
    async selectDue(orgId: string, shopId: string, at?: Date): Promise<RunReport> {
      return db.tenant(orgId, (tx) => runDueIn(tx, orgId, shopId, at ?? clock.now(), { dryRun: true }));
    },

    attribute,
    settleRedemptions,

    /** Bring the shop's per-buyer summary up to date (changed and stale buyers; the first time a rebuild). */
    async refreshFacts(orgId: string, shopId: string, at?: Date) {
      return db.tenant(orgId, (tx) => refreshBuyerFacts(tx, orgId, shopId, at ?? clock.now(), clock.now()));
    },

    /** Rebuild the shop's per-buyer summary from all its orders (set-based). */
    async rebuildFacts(orgId: string, shopId: string, at?: Date): Promise<number> {
      return db.tenant(orgId, (tx) => rebuildBuyerFacts(tx, orgId, shopId, at ?? clock.now(), clock.now()));
    },

    /** Shops with active programmes or open issues (what the jobs sweep). */
    async activeShops(): Promise<{ orgId: string; shopId: string }[]> {
      return db.system(async (tx) => {
        const r = await tx.execute(sql`select org_id, shop_id from coupon_programmes where status = 'active' union select org_id, shop_id from coupon_ledger where status in ('planned', 'sent', 'redeemed')`);
        return (r.rows as { org_id: string; shop_id: string }[]).map((x) => ({ orgId: x.org_id, shopId: x.shop_id }));
      });
    },

    figuresIn,
  };
}

export interface ProgrammeFigures {
  sent: number;
  redeemed: number;
  heldOut: number;
  planned: number;
  redemptionRate: number | null;
  cost: number;
  revenue: number;
  committedThisMonth: number;
}
function emptyFigures(): ProgrammeFigures {
  return { sent: 0, redeemed: 0, heldOut: 0, planned: 0, redemptionRate: null, cost: 0, revenue: 0, committedThisMonth: 0 };
}

export interface RunReport {
  planned: number;
  heldOut: number;
  skipped: Record<string, number>;
}

export interface ProgrammeReport {
  programmeId: string;
  currency: string;
  outcomeWindowDays: number;
  variants: {
    variantId: string;
    key: string;
    platformCouponId: string;
    sent: number;
    heldOut: number;
    redeemed: number;
    redemptionRate: number | null;
    orderValueUplift: number | null;
    incrementalOrders: { estimate: number; low: number; high: number } | null;
    incrementalRevenue: { estimate: number; low: number; high: number } | null;
    verdict: 'positive' | 'negative' | 'inconclusive';
    cost: number;
    costPerIncrementalOrder: number | null;
    roi: number | null;
    laterReturnRate: number | null;
  }[];
  timeline: { date: string; sent: number; redeemed: number }[];
}

export type CouponsService = ReturnType<typeof createCouponsService>;
export { SENT_LIKE };
