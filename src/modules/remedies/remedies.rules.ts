import { withinRemedyLimits, type LimitCheck, type RemedyLimits } from '../auth/index.js';
import { percentOf } from '../../platform/money.js';

/**
 * Pure remedy decisions: what kind of problem this is, which rung of the shop's ladder fits it,
 * what each option costs the seller, and whether the person offering it may do so alone.
 */

import { PROBLEM_CATEGORIES } from './remedies.dto.js';

export { PROBLEM_CATEGORIES };
export type ProblemCategory = (typeof PROBLEM_CATEGORIES)[number];

export type FaultOwner = 'buyer' | 'seller' | 'carrier' | 'platform';

/** Who is usually responsible for each kind of problem (the agent can override per case). */
export const CATEGORY_FAULT: Record<ProblemCategory, FaultOwner> = {
  logistics_question: 'carrier',
  minor_flaw: 'seller',
  not_as_described: 'seller',
  size_fit: 'buyer',
  colour_difference: 'seller',
  severe_damage: 'carrier',
  wrong_item: 'seller',
  missing_item: 'seller',
  changed_mind: 'buyer',
  other: 'seller',
};

/**
 * Keyword cues in the five buyer languages. Deliberately simple: the suggestion only pre-selects
 * a category, the agent confirms it, and a wrong guess costs one click.
 */
const CUES: Record<Exclude<ProblemCategory, 'other'>, string[]> = {
  severe_damage: ['broken', 'shattered', 'smashed', 'cracked', 'destroyed', 'does not work', "doesn't work", 'dead on arrival', 'kaputt', 'zerbrochen', 'beschädigt', 'funktioniert nicht', 'cassé', 'brisé', 'ne marche pas', 'ne fonctionne pas', 'rotto', 'non funziona', 'danneggiato', 'roto', 'no funciona', 'dañado', 'rota'],
  wrong_item: ['wrong item', 'wrong product', 'wrong model', 'not what i ordered', 'falscher artikel', 'falsches produkt', 'mauvais article', 'mauvais produit', 'articolo sbagliato', 'prodotto sbagliato', 'artículo equivocado', 'producto equivocado', 'producto incorrecto'],
  missing_item: ['missing', 'not in the box', 'incomplete', 'only one', 'fehlt', 'unvollständig', 'manquant', 'manque', 'incomplet', 'mancante', 'manca', 'incompleto', 'falta', 'faltan'],
  colour_difference: ['colour', 'color', 'different shade', 'farbe', 'farbton', 'couleur', 'teinte', 'colore', 'tonalità'],
  size_fit: ['too small', 'too big', 'too large', 'too tight', 'too loose', 'size', 'does not fit', "doesn't fit", 'zu klein', 'zu groß', 'passt nicht', 'größe', 'trop petit', 'trop grand', 'taille', 'troppo piccolo', 'troppo grande', 'taglia', 'demasiado pequeño', 'demasiado grande', 'talla'],
  not_as_described: ['not as described', 'not as pictured', 'looks different', 'fake', 'different material', 'nicht wie beschrieben', 'anders als', 'pas conforme', 'ne correspond pas', 'non conforme', 'diverso dalla descrizione', 'no es como', 'no coincide'],
  minor_flaw: ['scratch', 'scratched', 'stain', 'small mark', 'loose thread', 'smell', 'dent', 'kratzer', 'fleck', 'geruch', 'rayure', 'tache', 'odeur', 'graffio', 'macchia', 'odore', 'arañazo', 'rayón', 'mancha', 'olor'],
  changed_mind: ['changed my mind', "don't want", 'no longer need', 'ordered by mistake', 'found it cheaper', 'nicht mehr', 'anders überlegt', 'brauche es nicht', "j'ai changé d'avis", 'plus besoin', 'ho cambiato idea', 'non mi serve', 'cambié de opinión', 'ya no lo necesito'],
  logistics_question: ['where is my', 'tracking', 'not arrived', 'not received', 'delivery', 'shipped', 'wo ist', 'sendungsverfolgung', 'nicht angekommen', 'lieferung', 'où est', 'suivi', 'pas reçu', 'livraison', 'dove', 'spedizione', 'non ricevuto', 'consegna', 'dónde está', 'seguimiento', 'no he recibido', 'envío', 'entrega'],
};

/** Earlier entries win ties: a broken item that is also late is a damage case, not a tracking question; a colour complaint is the more specific kind of "not as described". */
const CUE_PRIORITY: Exclude<ProblemCategory, 'other'>[] = ['severe_damage', 'wrong_item', 'missing_item', 'colour_difference', 'not_as_described', 'size_fit', 'minor_flaw', 'changed_mind', 'logistics_question'];

export interface CategorySuggestion {
  category: ProblemCategory;
  matched: string[];
  /** Share of all matched cues that point to the suggested category, 0..1. */
  confidence: number;
}

export function suggestCategory(text: string): CategorySuggestion {
  const t = text.toLowerCase();
  let best: { category: ProblemCategory; matched: string[] } = { category: 'other', matched: [] };
  let total = 0;
  for (const category of CUE_PRIORITY) {
    const matched = CUES[category].filter((cue) => t.includes(cue));
    total += matched.length;
    if (matched.length > best.matched.length) best = { category, matched };
  }
  return { ...best, confidence: total === 0 ? 0 : Math.round((best.matched.length / total) * 100) / 100 };
}

// ---------------------------------------------------------------------------------------------
// The ladder

export type RemedyKind = 'information' | 'partial_refund' | 'reship' | 'full_refund' | 'return_refund';
export type Tier = 1 | 2 | 3;

export interface CouponSpec {
  /** Percent of the paid amount, or a fixed amount in the shop currency; the larger wins when both are set. */
  percent: number;
  fixedAmount: number;
  /** Minimum spend on the next order, in the shop currency's minor units. */
  minSpend: number;
  validDays: number;
}

export interface LadderConfig {
  tiers: {
    1: { coupon: CouponSpec };
    2: { partialRefundPercent: number; coupon: CouponSpec; allowReship: boolean };
    3: { coupon: CouponSpec; apologyCard: boolean; allowReship: boolean };
  };
  /** Rung at which each category starts; an agent may go up, never below without a reason. */
  startTier: Record<ProblemCategory, Tier>;
  /** Customers whose lifetime value is at least this (minor units) start one rung higher. */
  vipLifetimeValue: number;
}

export const DEFAULT_LADDER: LadderConfig = {
  tiers: {
    1: { coupon: { percent: 5, fixedAmount: 500, minSpend: 5_000, validDays: 60 } },
    2: { partialRefundPercent: 20, coupon: { percent: 10, fixedAmount: 1_000, minSpend: 5_000, validDays: 90 }, allowReship: true },
    3: { coupon: { percent: 15, fixedAmount: 2_500, minSpend: 0, validDays: 180 }, apologyCard: true, allowReship: true },
  },
  startTier: {
    logistics_question: 1,
    minor_flaw: 1,
    colour_difference: 1,
    size_fit: 2,
    not_as_described: 2,
    changed_mind: 1,
    other: 1,
    severe_damage: 3,
    wrong_item: 3,
    missing_item: 3,
  },
  vipLifetimeValue: 200_000,
};

/** What the seller knows about the money around one problem, all in the shop currency. */
export interface Economics {
  currency: string;
  /** What the buyer paid for the affected lines after their share of order discounts. */
  paid: number;
  /** Landed cost of the goods to the seller. */
  itemCost: number;
  /** Return label cost (paid by the seller only when policy or fault says so). */
  returnShipping: number;
  /** Outbound shipping for a replacement. */
  outboundShipping: number;
  /** What the returned goods are expected to fetch after inspection and regrading. */
  expectedResale: number;
  buyerLifetimeValue: number;
  /** Whether the seller pays the return label (policy or seller/carrier fault). */
  sellerPaysReturn: boolean;
}

export interface CouponOffer {
  amount: number;
  minSpend: number;
  validDays: number;
  vip: boolean;
}

export interface RemedyOption {
  key: string;
  tier: Tier;
  kind: RemedyKind;
  refundAmount: number;
  coupon: CouponOffer | null;
  reship: boolean;
  apologyCard: boolean;
  /** Money that leaves the seller: refund + coupon face value (what authority limits measure). */
  givenValue: number;
  /** Expected net cost to the seller, counting goods, shipping and resale. */
  netCost: number;
  /** The refund + coupon as a share of what was paid, whole percent rounded up. */
  percentOfPaid: number;
}

export function couponAmount(spec: CouponSpec, paid: number, currency: string): number {
  return Math.max(spec.fixedAmount, percentOf({ amount: paid, currency }, spec.percent).amount);
}

function option(tier: Tier, kind: RemedyKind, e: Economics, parts: { refund: number; coupon: CouponOffer | null; reship: boolean; apologyCard: boolean }): RemedyOption {
  const couponValue = parts.coupon?.amount ?? 0;
  let netCost = parts.refund + couponValue;
  if (parts.reship) netCost += e.itemCost + e.outboundShipping;
  // A returned item comes back worth its resale value; the refund already counts the money out.
  if (kind === 'return_refund') netCost = parts.refund + couponValue + (e.sellerPaysReturn ? e.returnShipping : 0) - e.expectedResale;
  const givenValue = parts.refund + couponValue;
  const percentOfPaid = e.paid > 0 ? Math.ceil((givenValue * 100) / e.paid) : givenValue > 0 ? 100 : 0;
  const key = [kind, parts.reship ? 'reship' : null, parts.coupon ? 'coupon' : null, parts.apologyCard ? 'card' : null].filter(Boolean).join('+');
  return { key: `t${tier}:${key}`, tier, kind, refundAmount: parts.refund, coupon: parts.coupon, reship: parts.reship, apologyCard: parts.apologyCard, givenValue, netCost, percentOfPaid };
}

function offer(spec: CouponSpec, e: Economics, vip: boolean): CouponOffer {
  return { amount: couponAmount(spec, e.paid, e.currency), minSpend: spec.minSpend, validDays: spec.validDays, vip };
}

/** Every option the ladder allows for this case, cheapest first within each tier. */
export function ladderOptions(ladder: LadderConfig, e: Economics): RemedyOption[] {
  const t1 = ladder.tiers[1];
  const t2 = ladder.tiers[2];
  const t3 = ladder.tiers[3];
  const out: RemedyOption[] = [];
  out.push(option(1, 'information', e, { refund: 0, coupon: offer(t1.coupon, e, false), reship: false, apologyCard: false }));
  const partial = percentOf({ amount: e.paid, currency: e.currency }, t2.partialRefundPercent).amount;
  out.push(option(2, 'partial_refund', e, { refund: partial, coupon: offer(t2.coupon, e, false), reship: false, apologyCard: false }));
  if (t2.allowReship) out.push(option(2, 'reship', e, { refund: 0, coupon: offer(t2.coupon, e, false), reship: true, apologyCard: false }));
  out.push(option(3, 'full_refund', e, { refund: e.paid, coupon: offer(t3.coupon, e, true), reship: false, apologyCard: t3.apologyCard }));
  if (t3.allowReship) out.push(option(3, 'reship', e, { refund: 0, coupon: offer(t3.coupon, e, true), reship: true, apologyCard: t3.apologyCard }));
  out.push(option(3, 'return_refund', e, { refund: e.paid, coupon: null, reship: false, apologyCard: false }));
  return out.sort((a, b) => a.tier - b.tier || a.netCost - b.netCost || a.key.localeCompare(b.key));
}

export interface Recommendation {
  startTier: Tier;
  recommended: RemedyOption;
  options: RemedyOption[];
  why: string[];
}

/**
 * The cheapest option on the category's starting rung. Valuable buyers start one rung higher,
 * because losing them costs more than the difference between rungs.
 */
export function recommend(ladder: LadderConfig, category: ProblemCategory, e: Economics): Recommendation {
  const why: string[] = [`category ${category} starts at tier ${ladder.startTier[category]}`];
  let start = ladder.startTier[category];
  if (e.buyerLifetimeValue >= ladder.vipLifetimeValue && start < 3) {
    start = (start + 1) as Tier;
    why.push(`buyer lifetime value ${e.buyerLifetimeValue} ≥ ${ladder.vipLifetimeValue}: one tier up`);
  }
  const options = ladderOptions(ladder, e);
  // A return costs less than keeping the goods only when the resale value covers the label.
  const onRung = options.filter((o) => o.tier === start && o.kind !== 'return_refund');
  const recommended = onRung.reduce((best, o) => (o.netCost < best.netCost ? o : best));
  why.push(`cheapest on tier ${start}: ${recommended.key} (net cost ${recommended.netCost})`);
  return { startTier: start, recommended, options, why };
}

// ---------------------------------------------------------------------------------------------
// Authority

export interface AuthorityDecision {
  needsApproval: boolean;
  check: LimitCheck;
}

/**
 * Whether the person may give this remedy alone. The amount cap counts everything that leaves
 * the seller (refund + coupon face value: a €40 coupon is €40 when redeemed); the percentage cap
 * counts the refund against what was paid for the lines, because a coupon is credit on a future
 * order, not money back on this one — otherwise a full refund with any coupon would exceed 100 %.
 */
export function authorityFor(limits: RemedyLimits, o: { refundAmount: number; givenValue: number }, currency: string, paid: number): AuthorityDecision {
  const amount = withinRemedyLimits({ percent: null, amounts: limits.amounts }, o.givenValue, currency, paid);
  if (!amount.allowed) return { needsApproval: true, check: amount };
  const share = withinRemedyLimits({ percent: limits.percent, amounts: null }, o.refundAmount, currency, paid);
  return { needsApproval: !share.allowed, check: share };
}

// ---------------------------------------------------------------------------------------------
// Lifecycle

/** `on_hold`: its money has not moved and a payout hold on the order stops it (failed inspection). */
export type RemedyStatus = 'proposed' | 'pending_approval' | 'rejected' | 'executing' | 'attention' | 'completed' | 'abandoned' | 'on_hold';

const TRANSITIONS: Record<RemedyStatus, RemedyStatus[]> = {
  proposed: ['pending_approval', 'executing', 'abandoned'],
  pending_approval: ['executing', 'rejected'],
  rejected: [],
  executing: ['completed', 'attention', 'on_hold'],
  attention: ['executing', 'abandoned', 'completed', 'on_hold'],
  completed: [],
  abandoned: [],
  on_hold: ['executing', 'abandoned'],
};

export function canTransition(from: RemedyStatus, to: RemedyStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

export type StepKind = 'refund' | 'approve_return' | 'reship' | 'message';

export interface PlannedStep {
  step: StepKind;
  handler: string;
  /** Money and goods move first; the buyer hears about it only once they have. */
  phase: 1 | 2;
  /** How to undo it when the remedy cannot complete; null = cannot be undone (money sent). */
  compensation: string | null;
}

export function planSteps(o: { refundAmount: number; reship: boolean; viaPlatformReturn: boolean; message: boolean }): PlannedStep[] {
  const steps: PlannedStep[] = [];
  if (o.refundAmount > 0) {
    steps.push(o.viaPlatformReturn
      ? { step: 'approve_return', handler: 'tiktok.approve_return', phase: 1, compensation: null }
      : { step: 'refund', handler: 'tiktok.refund', phase: 1, compensation: null });
  }
  if (o.reship) steps.push({ step: 'reship', handler: 'remedies.reship', phase: 1, compensation: 'remedies.reship_cancel' });
  if (o.message) steps.push({ step: 'message', handler: 'message', phase: 2, compensation: null });
  return steps;
}

export function stepKey(remedyId: string, step: StepKind): string {
  return `remedy:${remedyId}:${step}`;
}

export type StepState = 'pending' | 'running' | 'done' | 'failed' | 'cancelled' | 'held';

/** Steps that move money to the buyer: a payout hold stops exactly these. */
export const MONEY_STEPS: readonly StepKind[] = ['refund', 'approve_return'];

export function isMoneyStep(step: StepKind): boolean {
  return MONEY_STEPS.includes(step);
}

/**
 * What a payout hold does to a remedy, decided from its status and its money steps: `hold` stops
 * it (nothing of its money has moved), `in_flight` cannot be stopped any more (the platform call
 * is running or done), `none` has no money to stop.
 */
export function holdEffect(status: RemedyStatus, refundAmount: number, moneySteps: StepState[]): 'hold' | 'in_flight' | 'none' {
  if (refundAmount <= 0 || status === 'completed' || status === 'abandoned' || status === 'rejected') return 'none';
  if (moneySteps.some((s) => s === 'running' || s === 'done')) return 'in_flight';
  if (status === 'executing' || status === 'attention' || status === 'on_hold') return 'hold';
  // proposed / pending_approval: nothing queued yet; approval itself is refused while the hold lasts.
  return 'none';
}

/** What the remedy as a whole is, given its step rows. */
export function remedyProgress(steps: { phase: 1 | 2; state: StepState }[]): 'waiting' | 'phase1_done' | 'done' | 'failed' {
  if (steps.some((s) => s.state === 'failed')) return 'failed';
  if (steps.every((s) => s.state === 'done' || s.state === 'cancelled')) return 'done';
  if (steps.filter((s) => s.phase === 1).every((s) => s.state === 'done')) return 'phase1_done';
  return 'waiting';
}
