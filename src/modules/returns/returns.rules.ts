import type { ReturnPolicy } from '../tenancy/index.js';
import { allocate, percentOf } from '../../platform/money.js';
import { suggestCategory, type ProblemCategory } from '../remedies/index.js';

/** Pure return decisions: eligibility, refund amounts, which step pays, inspection, cycle time. */

export type FaultOwner = 'buyer' | 'seller' | 'carrier' | 'platform';
const DAY = 86_400_000;

// ---------------------------------------------------------------------------------------------
// Reason tree

export interface ReasonNode {
  code: string;
  parent: string | null;
  faultOwner: FaultOwner;
  labels: Record<'en' | 'de' | 'fr' | 'it' | 'es' | 'zh-CN', string>;
  /** Buyer photos are required for this reason (damage, wrong item). */
  photosRequired: boolean;
}

export interface ReasonSnapshot {
  treeId: string;
  version: number;
  code: string;
  path: string[];
  label: string;
  faultOwner: FaultOwner;
}

export const DEFAULT_REASON_TREE: ReasonNode[] = [
  { code: 'product_issue', parent: null, faultOwner: 'seller', photosRequired: false, labels: { en: 'Problem with the product', de: 'Problem mit dem Artikel', fr: 'Problème avec le produit', it: 'Problema con il prodotto', es: 'Problema con el producto', 'zh-CN': '商品问题' } },
  { code: 'damaged', parent: 'product_issue', faultOwner: 'carrier', photosRequired: true, labels: { en: 'Arrived damaged', de: 'Beschädigt angekommen', fr: 'Arrivé endommagé', it: 'Arrivato danneggiato', es: 'Llegó dañado', 'zh-CN': '到货破损' } },
  { code: 'defective', parent: 'product_issue', faultOwner: 'seller', photosRequired: true, labels: { en: 'Does not work', de: 'Funktioniert nicht', fr: 'Ne fonctionne pas', it: 'Non funziona', es: 'No funciona', 'zh-CN': '无法使用' } },
  { code: 'not_as_described', parent: 'product_issue', faultOwner: 'seller', photosRequired: true, labels: { en: 'Not as described', de: 'Nicht wie beschrieben', fr: 'Non conforme à la description', it: 'Non conforme alla descrizione', es: 'No es como se describe', 'zh-CN': '与描述不符' } },
  { code: 'colour_difference', parent: 'not_as_described', faultOwner: 'seller', photosRequired: true, labels: { en: 'Colour differs from the photos', de: 'Farbe weicht von den Fotos ab', fr: 'La couleur diffère des photos', it: 'Il colore è diverso dalle foto', es: 'El color no coincide con las fotos', 'zh-CN': '颜色与图片不符' } },
  { code: 'order_issue', parent: null, faultOwner: 'seller', photosRequired: false, labels: { en: 'Problem with the order', de: 'Problem mit der Bestellung', fr: 'Problème avec la commande', it: "Problema con l'ordine", es: 'Problema con el pedido', 'zh-CN': '订单问题' } },
  { code: 'wrong_item', parent: 'order_issue', faultOwner: 'seller', photosRequired: true, labels: { en: 'Wrong item sent', de: 'Falscher Artikel geliefert', fr: 'Mauvais article envoyé', it: 'Articolo sbagliato', es: 'Artículo equivocado', 'zh-CN': '发错货' } },
  { code: 'missing_parts', parent: 'order_issue', faultOwner: 'seller', photosRequired: true, labels: { en: 'Parts missing', de: 'Teile fehlen', fr: 'Pièces manquantes', it: 'Parti mancanti', es: 'Faltan piezas', 'zh-CN': '缺少配件' } },
  { code: 'buyer_choice', parent: null, faultOwner: 'buyer', photosRequired: false, labels: { en: 'My own choice', de: 'Eigene Entscheidung', fr: 'Mon propre choix', it: 'Una mia scelta', es: 'Decisión propia', 'zh-CN': '买家个人原因' } },
  { code: 'size_fit', parent: 'buyer_choice', faultOwner: 'buyer', photosRequired: false, labels: { en: 'Size or fit', de: 'Größe oder Passform', fr: 'Taille ou coupe', it: 'Taglia o vestibilità', es: 'Talla o ajuste', 'zh-CN': '尺码不合适' } },
  { code: 'changed_mind', parent: 'buyer_choice', faultOwner: 'buyer', photosRequired: false, labels: { en: 'Changed my mind', de: 'Nicht mehr gewünscht', fr: "J'ai changé d'avis", it: 'Ho cambiato idea', es: 'He cambiado de opinión', 'zh-CN': '不想要了' } },
];

export type ReasonLanguage = keyof ReasonNode['labels'];

/** Validate a tree: unique codes, parents exist, no cycles. Returns problems rather than throwing. */
export function validateReasonTree(nodes: ReasonNode[]): string[] {
  const problems: string[] = [];
  const byCode = new Map<string, ReasonNode>();
  for (const n of nodes) {
    if (byCode.has(n.code)) problems.push(`duplicate code ${n.code}`);
    byCode.set(n.code, n);
  }
  for (const n of nodes) {
    if (n.parent !== null && !byCode.has(n.parent)) problems.push(`${n.code}: parent ${n.parent} does not exist`);
    const seen = new Set<string>();
    let cur: ReasonNode | undefined = n;
    while (cur && cur.parent !== null) {
      if (seen.has(cur.code)) {
        problems.push(`${n.code}: cycle through ${cur.code}`);
        break;
      }
      seen.add(cur.code);
      cur = byCode.get(cur.parent);
    }
  }
  return problems;
}

export function snapshotReason(tree: { id: string; version: number; nodes: ReasonNode[] }, code: string, language: ReasonLanguage = 'en'): ReasonSnapshot | undefined {
  const byCode = new Map(tree.nodes.map((n) => [n.code, n]));
  const node = byCode.get(code);
  if (!node) return undefined;
  const path: string[] = [];
  let cur: ReasonNode | undefined = node;
  while (cur) {
    path.unshift(cur.code);
    cur = cur.parent === null ? undefined : byCode.get(cur.parent);
  }
  return { treeId: tree.id, version: tree.version, code, path, label: node.labels[language] ?? node.labels.en, faultOwner: node.faultOwner };
}

// ---------------------------------------------------------------------------------------------
// Eligibility

export interface EligibilityReason {
  code: 'not_delivered' | 'window_closed' | 'final_sale' | 'reason_required' | 'already_returned' | 'no_lines' | 'photos_required';
  message: string;
  lineId?: string;
}

export interface EligibilityInput {
  policy: ReturnPolicy;
  deliveredAt: Date | null;
  now: Date;
  lines: { id: string; category: string | null; alreadyReturned: boolean }[];
  reason: ReasonSnapshot | null;
  photoCount: number;
  photosRequired: boolean;
}

export interface Eligibility {
  eligible: boolean;
  reasons: EligibilityReason[];
  windowEndsAt: string | null;
}

/**
 * Whether a return may be opened. Seller, carrier and platform faults are never blocked by
 * final-sale categories or the no-reason rule: those protect the seller from buyer's remorse,
 * not from the seller's own mistakes. The window applies to everyone.
 */
export function checkEligibility(i: EligibilityInput): Eligibility {
  const reasons: EligibilityReason[] = [];
  let windowEndsAt: Date | null = null;
  const buyerFault = !i.reason || i.reason.faultOwner === 'buyer';
  if (i.lines.length === 0) reasons.push({ code: 'no_lines', message: 'Choose at least one item to return' });
  if (!i.deliveredAt) {
    reasons.push({ code: 'not_delivered', message: 'The order has not been delivered yet; cancel or ask about the delivery instead' });
  } else {
    windowEndsAt = new Date(i.deliveredAt.getTime() + i.policy.windowDays * DAY);
    if (i.now.getTime() > windowEndsAt.getTime()) {
      reasons.push({ code: 'window_closed', message: `The ${i.policy.windowDays}-day return window ended on ${windowEndsAt.toISOString().slice(0, 10)}` });
    }
  }
  if (!i.reason && !i.policy.noReasonReturns) reasons.push({ code: 'reason_required', message: 'This shop accepts returns only with a reason' });
  if (i.reason && i.reason.faultOwner === 'buyer' && !i.policy.noReasonReturns) {
    reasons.push({ code: 'reason_required', message: `This shop does not accept returns for "${i.reason.label}"; only faults of the item or the delivery` });
  }
  const finalSale = new Set(i.policy.finalSaleCategories.map((c) => c.toLowerCase()));
  for (const l of i.lines) {
    if (l.alreadyReturned) reasons.push({ code: 'already_returned', message: 'This item is already part of another return', lineId: l.id });
    if (buyerFault && l.category && finalSale.has(l.category.toLowerCase())) {
      reasons.push({ code: 'final_sale', message: `Items in "${l.category}" are final sale`, lineId: l.id });
    }
  }
  if (i.photosRequired && i.photoCount === 0) reasons.push({ code: 'photos_required', message: 'Please add at least one photo of the problem' });
  return { eligible: reasons.length === 0, reasons, windowEndsAt: windowEndsAt?.toISOString() ?? null };
}

// ---------------------------------------------------------------------------------------------
// Refund amounts

/** Spread an order-level discount over lines by list price so the parts add up to the cent. */
export function allocateOrderDiscount(unitPrices: number[], discount: number, currency: string): number[] {
  return allocate({ amount: discount, currency }, unitPrices).map((m) => m.amount);
}

export type CouponMinimumRule = 'keep_discount' | 'claw_back';

export interface OrderCoupon {
  code: string;
  /** Minimum list-price spend the coupon required. */
  minSpend: number;
  /** Discount the coupon gave, already allocated into the lines' paid amounts. */
  amount: number;
}

export interface RefundLineInput {
  id: string;
  unitPrice: number;
  paid: number;
}

export interface LineRefund {
  lineId: string;
  paid: number;
  restockingFee: number;
  couponClawback: number;
  refund: number;
}

export interface RefundComputation {
  lines: LineRefund[];
  total: number;
  couponRule: { applied: boolean; rule: CouponMinimumRule; keptListPrice: number; minSpend: number; clawback: number; note: string } | null;
}

/**
 * Per-line refunds from what was actually paid (each line's paid amount already carries its share
 * of order discounts from purchase).
 *
 * Coupon minimum (our written rule): when the items the buyer keeps fall below the coupon's
 * minimum spend, `claw_back` deducts the discount share that sat on the kept items, because
 * the buyer would not have qualified for it on those items alone; `keep_discount` lets the
 * buyer keep it (goodwill). Over several returns of one order the deductions always add up to the
 * share on the items still kept: a later return gives back what an earlier one took for items
 * that are now coming back too, so returning everything refunds everything paid. A deduction
 * never takes a refund below zero and is spread over the returned lines in proportion to their
 * refunds, to the cent.
 */
export function computeRefund(i: {
  currency: string;
  allLines: RefundLineInput[];
  returnedLineIds: string[];
  restockingFeePercent: number;
  faultOwner: FaultOwner;
  coupon: OrderCoupon | null;
  couponRule: CouponMinimumRule;
  /** Lines already in other live returns of this order, and what those returns deducted. */
  previouslyReturnedLineIds?: string[];
  previousClawback?: number;
}): RefundComputation {
  const returned = new Set(i.returnedLineIds);
  const gone = new Set([...i.returnedLineIds, ...(i.previouslyReturnedLineIds ?? [])]);
  const previous = i.previousClawback ?? 0;
  const back = i.allLines.filter((l) => returned.has(l.id));
  const kept = i.allLines.filter((l) => !gone.has(l.id));
  // A restocking fee is for buyer's remorse only; our own or the carrier's faults are free.
  const feePercent = i.faultOwner === 'buyer' ? i.restockingFeePercent : 0;
  const lines: LineRefund[] = back.map((l) => {
    const restockingFee = percentOf({ amount: l.paid, currency: i.currency }, feePercent).amount;
    return { lineId: l.id, paid: l.paid, restockingFee, couponClawback: 0, refund: l.paid - restockingFee };
  });
  let couponRule: RefundComputation['couponRule'] = null;
  if (i.coupon && (kept.length > 0 || previous !== 0)) {
    const keptListPrice = kept.reduce((a, l) => a + l.unitPrice, 0);
    const below = kept.length > 0 && keptListPrice < i.coupon.minSpend;
    let target = 0;
    if (below && i.couponRule === 'claw_back') {
      const shares = allocateOrderDiscount(i.allLines.map((l) => l.unitPrice), i.coupon.amount, i.currency);
      target = i.allLines.reduce((a, l, idx) => (gone.has(l.id) ? a : a + shares[idx]!), 0);
    }
    // Positive: take more now; negative: give back what an earlier return took.
    const clawback = Math.min(target - previous, lines.reduce((a, l) => a + l.refund, 0));
    if (clawback !== 0 && lines.length) {
      const parts = allocateOrderDiscount(lines.map((l) => Math.max(l.refund, 1)), clawback, i.currency);
      lines.forEach((l, idx) => {
        l.couponClawback = parts[idx]!;
        l.refund -= parts[idx]!;
      });
    }
    couponRule = {
      applied: clawback !== 0,
      rule: i.couponRule,
      keptListPrice,
      minSpend: i.coupon.minSpend,
      clawback,
      note: clawback < 0
        ? `items coming back now carry ${-clawback} of discount deducted by an earlier return; it is given back`
        : !below
          ? `kept items (${keptListPrice}) still meet the coupon minimum (${i.coupon.minSpend})`
          : i.couponRule === 'claw_back'
            ? `kept items (${keptListPrice}) fall below the coupon minimum (${i.coupon.minSpend}); the discount on kept items (${clawback}) is deducted`
            : `kept items fall below the coupon minimum; the shop lets the buyer keep the discount`,
    };
  }
  return { lines, total: lines.reduce((a, l) => a + l.refund, 0), couponRule };
}

// ---------------------------------------------------------------------------------------------
// Which step pays

export type RefundTrigger = ReturnPolicy['refundTrigger'];
export type ReturnEvent = 'request_approved' | 'received' | 'inspection_passed';

/** High-ticket returns wait for inspection whatever the base policy says. */
export function effectiveTrigger(policy: ReturnPolicy, returnValue: number, highTicketThreshold: number | null): RefundTrigger {
  if (highTicketThreshold !== null && returnValue >= highTicketThreshold) return 'on_inspection_pass';
  return policy.refundTrigger;
}

const PAYS_ON: Record<RefundTrigger, ReturnEvent> = {
  on_request: 'request_approved',
  on_receipt: 'received',
  on_inspection_pass: 'inspection_passed',
};

/**
 * Whether this event releases the refund. `no_refund` returns (already solved by a reship) and
 * returns the platform already refunded never pay again.
 */
export function refundDueOn(trigger: RefundTrigger, event: ReturnEvent, r: { resolution: 'refund' | 'exchange' | 'no_refund'; alreadyRefunded: boolean }): boolean {
  if (r.resolution !== 'refund' || r.alreadyRefunded) return false;
  return PAYS_ON[trigger] === event;
}

// ---------------------------------------------------------------------------------------------
// Inspection

export { GRADES } from './returns.dto.js';
import { GRADES } from './returns.dto.js';
export type Grade = (typeof GRADES)[number];

/**
 * A damaged parcel passes when the buyer told us it arrived damaged (that is the claim being
 * confirmed); it fails when the buyer's own choice came back damaged. Someone else's goods or an
 * empty box always fail.
 */
export function inspectionPasses(grade: Grade, faultOwner: FaultOwner): boolean {
  if (grade === 'as_new' || grade === 'opened') return true;
  if (grade === 'damaged') return faultOwner !== 'buyer';
  return false;
}

/** TikTok gives the seller a fixed time to appeal an early refund once the parcel is back. */
export const APPEAL_WINDOW_DAYS = 7;

export function appealDeadline(inspectedAt: Date, days = APPEAL_WINDOW_DAYS): Date {
  return new Date(inspectedAt.getTime() + days * DAY);
}

// ---------------------------------------------------------------------------------------------
// Cycle time

export interface CycleTime {
  totalMs: number | null;
  steps: { step: string; from: string; to: string; ms: number }[];
  slowest: { step: string; ms: number } | null;
}

/** Request → refund, split into the steps that happened, with the slowest named. */
export function cycleTime(t: { requestedAt: Date; approvedAt?: Date | null; receivedAt?: Date | null; inspectedAt?: Date | null; refundedAt?: Date | null }): CycleTime {
  const marks: [string, Date | null | undefined][] = [
    ['requested', t.requestedAt],
    ['approved', t.approvedAt],
    ['received', t.receivedAt],
    ['inspected', t.inspectedAt],
    ['refunded', t.refundedAt],
  ];
  const present = marks.filter((m): m is [string, Date] => !!m[1]);
  const steps: CycleTime['steps'] = [];
  for (let k = 1; k < present.length; k++) {
    const [fromName, from] = present[k - 1]!;
    const [toName, to] = present[k]!;
    steps.push({ step: `${fromName}→${toName}`, from: fromName, to: toName, ms: to.getTime() - from.getTime() });
  }
  const slowest = steps.reduce<CycleTime['slowest']>((s, x) => (!s || x.ms > s.ms ? { step: x.step, ms: x.ms } : s), null);
  return { totalMs: t.refundedAt ? t.refundedAt.getTime() - t.requestedAt.getTime() : null, steps, slowest };
}

// ---------------------------------------------------------------------------------------------
// Return status

export type ReturnStatus = 'requested' | 'awaiting_parcel' | 'received' | 'inspected' | 'refund_pending' | 'refunded' | 'closed' | 'inspection_failed' | 'appeal_open' | 'rejected';

// ---------------------------------------------------------------------------------------------
// Cycle-time summary

export interface CycleSummary {
  count: number;
  medianMs: number | null;
  p90Ms: number | null;
  /** How often each step was the slowest one, most frequent first. */
  slowestSteps: { step: string; count: number }[];
  /** Mean duration of each step over the returns that had it. */
  meanByStep: { step: string; ms: number }[];
}

function quantile(sorted: number[], q: number): number | null {
  if (sorted.length === 0) return null;
  // Nearest-rank: the value a person would point at in a sorted list.
  const idx = Math.max(0, Math.ceil(q * sorted.length) - 1);
  return sorted[idx]!;
}

/** What the team is measured on: request → refund, and which step keeps them waiting. */
export function summariseCycles(cycles: CycleTime[]): CycleSummary {
  const done = cycles.filter((c) => c.totalMs !== null);
  const totals = done.map((c) => c.totalMs!).sort((a, b) => a - b);
  const slow = new Map<string, number>();
  const sums = new Map<string, { total: number; n: number }>();
  for (const c of done) {
    if (c.slowest) slow.set(c.slowest.step, (slow.get(c.slowest.step) ?? 0) + 1);
    for (const s of c.steps) {
      const cur = sums.get(s.step) ?? { total: 0, n: 0 };
      sums.set(s.step, { total: cur.total + s.ms, n: cur.n + 1 });
    }
  }
  return {
    count: done.length,
    medianMs: quantile(totals, 0.5),
    p90Ms: quantile(totals, 0.9),
    slowestSteps: [...slow.entries()].map(([step, count]) => ({ step, count })).sort((a, b) => b.count - a.count || a.step.localeCompare(b.step)),
    meanByStep: [...sums.entries()].map(([step, v]) => ({ step, ms: Math.round(v.total / v.n) })).sort((a, b) => b.ms - a.ms),
  };
}

// ---------------------------------------------------------------------------------------------
// Platform reasons

const CATEGORY_REASON: Partial<Record<ProblemCategory, string>> = {
  severe_damage: 'damaged',
  wrong_item: 'wrong_item',
  missing_item: 'missing_parts',
  colour_difference: 'colour_difference',
  not_as_described: 'not_as_described',
  size_fit: 'size_fit',
  minor_flaw: 'defective',
  changed_mind: 'changed_mind',
};

/**
 * A node of the default tree for a TikTok request's reason. TikTok's codes are opaque and change,
 * so the reason's words (code and text) are read like a buyer's message; no match → no reason,
 * which the policy then judges like a no-reason return.
 */
export function reasonFromPlatform(code: string | null, text: string | null): string | null {
  const words = `${(code ?? '').replace(/[_-]+/g, ' ')} ${text ?? ''}`.trim();
  if (!words) return null;
  return CATEGORY_REASON[suggestCategory(words).category] ?? null;
}

// ---------------------------------------------------------------------------------------------
// Importing TikTok requests: when a request the policy turned away is looked at again

/**
 * How long a TikTok request the policy turned away waits before the import looks at it again
 * unchanged: half an hour, then two hours, then six hours at a time. Anything that decides the
 * answer and that we can see changing — TikTok's copy of the request, the shop settings, the
 * reason tree — makes it due at once (`importCheckDue`); the wait covers what we cannot see
 * change (an order delivered meanwhile, another return of the same item closed).
 */
export const IMPORT_RECHECK_MINUTES = [30, 120, 360] as const;

export interface ImportCheck {
  /** The request as it was checked (TikTok's update time of it). */
  seen: string;
  /** The settings and reason tree it was checked under. */
  basis: string;
  attempts: number;
  checkedAt: Date;
  recheckAt: Date;
}

/** Whether the import should look at a request now (never checked, changed since, or its wait is over). */
export function importCheckDue(check: ImportCheck | undefined, now: { seen: string; basis: string; at: Date }): boolean {
  if (!check) return true;
  if (check.seen !== now.seen || check.basis !== now.basis) return true;
  return check.recheckAt.getTime() <= now.at.getTime();
}

/** The check to keep after the policy turned a request away (once more, when `before` exists). */
export function nextImportCheck(before: Pick<ImportCheck, 'attempts' | 'seen' | 'basis'> | undefined, now: { seen: string; basis: string; at: Date }): ImportCheck {
  // A request that changed (or a new basis) starts its waits again from the shortest.
  const attempts = before && before.seen === now.seen && before.basis === now.basis ? before.attempts + 1 : 1;
  const minutes = IMPORT_RECHECK_MINUTES[Math.min(attempts, IMPORT_RECHECK_MINUTES.length) - 1]!;
  return { seen: now.seen, basis: now.basis, attempts, checkedAt: now.at, recheckAt: new Date(now.at.getTime() + minutes * 60_000) };
}
