import { DateTime } from 'luxon';

/**
 * Pure decisions of the coupons module: which platform coupon may be bound to a programme and sent
 * on a channel, the ledger's states, who is due when, who is eligible, how a redemption is
 * recognised, and what a cancellation or return does to a redeemed coupon. Definitions of the
 * figures: docs/ARCHITECTURE.md, section "Coupons".
 */

export type CouponChannel = 'tiktok_chat' | 'email' | 'whatsapp';
export type ProgrammeKind = 'return_visit' | 'loyalty' | 'winback' | 'compensation';

/** A platform coupon in our vocabulary (the integration maps TikTok's Get Coupon to this). */
export interface PlatformCouponTerms {
  externalId: string;
  title: string;
  status: 'NOT_START' | 'ONGOING' | 'EXPIRED' | 'DEACTIVATED' | string;
  displayType: string;
  creationSource: string | null;
  targetBuyerSegment: string | null;
  promoCode: string | null;
  discountType: 'AMOUNT_OFF' | 'PERCENT_OFF' | string;
  currency: string;
  reductionAmount: number | null;
  percentageBp: number | null;
  maxDiscount: number | null;
  minSpend: number;
  claimEndAt: Date | null;
  redemptionType: 'ABSOLUTE' | 'RELATIVE' | string | null;
  redemptionEndAt: Date | null;
  redemptionDays: number | null;
  totalClaimLimit: number | null;
  claimedCount: number;
}

export interface Problem {
  field: string;
  code: string;
  message: string;
}

/**
 * COUPON_CARD conditions from the Send Message reference: display type CHAT or REGULAR, status
 * ONGOING, created in Seller Center, target segment not REPEAT_CUSTOMERS. E-mail and WhatsApp carry
 * the promo code, so they need one.
 */
export function sendProblems(c: PlatformCouponTerms, channel: CouponChannel, now: Date): string[] {
  const out: string[] = [];
  if (c.status !== 'ONGOING') out.push(c.status === 'EXPIRED' || c.status === 'DEACTIVATED' ? 'expired' : 'not_started');
  else if ((c.claimEndAt && c.claimEndAt <= now) || (c.redemptionType === 'ABSOLUTE' && c.redemptionEndAt && c.redemptionEndAt <= now)) out.push('expired');
  if (c.totalClaimLimit !== null && c.claimedCount >= c.totalClaimLimit) out.push('claims_exhausted');
  if (channel === 'tiktok_chat') {
    if (c.displayType !== 'CHAT' && c.displayType !== 'REGULAR') out.push('display_type');
    if (c.creationSource !== null && c.creationSource !== 'SELLER_CENTER') out.push('creation_source');
    if (c.targetBuyerSegment === 'REPEAT_CUSTOMERS') out.push('segment_repeat_customers');
  } else if (!c.promoCode) {
    out.push('no_promo_code');
  }
  return out;
}

/** The money a coupon is worth at a reference order value (its minimum spend, else `reference`). */
export function faceValue(c: Pick<PlatformCouponTerms, 'discountType' | 'reductionAmount' | 'percentageBp' | 'maxDiscount' | 'minSpend'>, reference = 0): number {
  if (c.discountType === 'AMOUNT_OFF') return c.reductionAmount ?? 0;
  const base = Math.max(c.minSpend, reference);
  const v = Math.round((base * (c.percentageBp ?? 0)) / 10_000);
  return c.maxDiscount !== null && c.maxDiscount > 0 ? Math.min(v, c.maxDiscount) : v;
}

/** When a coupon sent now stops being redeemable. */
export function expiryOf(c: Pick<PlatformCouponTerms, 'redemptionType' | 'redemptionEndAt' | 'redemptionDays'>, sentAt: Date): Date | null {
  if (c.redemptionType === 'RELATIVE' && c.redemptionDays) return new Date(sentAt.getTime() + c.redemptionDays * 86_400_000);
  return c.redemptionEndAt;
}

export interface ProgrammeRule {
  currency: string;
  channel: CouponChannel;
  /** The programme's offer rule: the coupon's minimum spend may not exceed this (null: no limit). */
  maxMinSpend: number | null;
  /** Nor its value exceed this (null: no limit). */
  maxFaceValue: number | null;
}

/** Why a platform coupon cannot back a variant of this programme (422 naming the field). */
export function variantCouponProblems(c: PlatformCouponTerms, rule: ProgrammeRule, now: Date, field: string): Problem[] {
  const out: Problem[] = [];
  for (const p of sendProblems(c, rule.channel, now)) {
    const message = p === 'expired' ? 'the coupon has expired' : p === 'not_started' ? 'the coupon has not started' : `the coupon cannot be sent by ${rule.channel}: ${p.replace(/_/g, ' ')}`;
    out.push({ field, code: p === 'expired' ? 'coupons.coupon_expired' : 'coupons.coupon_not_sendable', message });
  }
  if (c.currency !== rule.currency) out.push({ field, code: 'coupons.coupon_currency', message: `the coupon is in ${c.currency}, the programme in ${rule.currency}` });
  if (rule.maxMinSpend !== null && c.minSpend > rule.maxMinSpend) out.push({ field, code: 'coupons.coupon_threshold', message: `minimum spend ${c.minSpend} is above the programme's ${rule.maxMinSpend}` });
  if (rule.maxFaceValue !== null && faceValue(c) > rule.maxFaceValue) out.push({ field, code: 'coupons.coupon_threshold', message: `value ${faceValue(c)} is above the programme's ${rule.maxFaceValue}` });
  return out;
}

/** Among a shop's sendable amount-off coupons, the one for a compensation of `amount`: the largest not above it, else the smallest. */
export function compensationCoupon<C extends PlatformCouponTerms>(coupons: C[], amount: number, currency: string, now: Date): C | null {
  const ok = coupons.filter((c) => c.currency === currency && c.discountType === 'AMOUNT_OFF' && (c.reductionAmount ?? 0) > 0 && sendProblems(c, 'tiktok_chat', now).length === 0);
  if (ok.length === 0) return null;
  ok.sort((a, b) => (a.reductionAmount ?? 0) - (b.reductionAmount ?? 0) || a.minSpend - b.minSpend);
  const below = ok.filter((c) => (c.reductionAmount ?? 0) <= amount);
  return below.length ? below[below.length - 1]! : ok[0]!;
}

// ---------------- the ledger ----------------

export type LedgerStatus = 'planned' | 'sent' | 'redeemed' | 'expired' | 'voided' | 'clawed_back' | 'held_out' | 'skipped';

/**
 * The WhatsApp template a programme's promo code goes out with outside the 24-hour window (free text
 * is refused then, 131047). The seller creates it in WhatsApp Manager (category MARKETING, body
 * variables: shop, value, code, valid until) and Meta approves it; `languages` maps each buyer
 * language to the template's language code there (e.g. en → en_US).
 */
export interface WhatsAppTemplate {
  name: string;
  languages: Partial<Record<BuyerLanguage, string>>;
}
export const DEFAULT_WHATSAPP_TEMPLATE = 'afterdesk_coupon_code';

/** Name and language code to send: the programme's, else the default name in the buyer's language. */
export function whatsappTemplateOf(t: WhatsAppTemplate | null | undefined, lang: BuyerLanguage): { name: string; language: string } {
  return { name: t?.name || DEFAULT_WHATSAPP_TEMPLATE, language: t?.languages?.[lang] || lang };
}

/** Why a planned promo-code send ended without going out (read at send time). */
export const SKIP_REASONS = ['no_address', 'consent_withdrawn', 'unsubscribed'] as const;
export type SkipReason = (typeof SKIP_REASONS)[number];

const MOVES: Record<LedgerStatus, LedgerStatus[]> = {
  planned: ['sent', 'voided', 'skipped'],
  sent: ['redeemed', 'expired', 'voided'],
  // A cancelled order restores the coupon (back to sent); a returned one may claw it back.
  redeemed: ['clawed_back', 'sent'],
  expired: [],
  voided: [],
  clawed_back: [],
  held_out: [],
  skipped: [],
};

export function canMove(from: LedgerStatus, to: LedgerStatus): boolean {
  return MOVES[from].includes(to);
}

// ---------------- segments, serial returners, eligibility ----------------

export interface BuyerFacts {
  buyerId: string;
  lastOrderAt: Date | null;
  lastDeliveredAt: Date | null;
  /** Orders and spend (minor units) in the last 365 days. */
  orders365: number;
  spend365: number;
  /** Returns (count and value) in the last 180 days. */
  returns180: number;
  returnedValue180: number;
  spend180: number;
  openCase: boolean;
  birthday: string | null; // MM-DD, only with consent
}

export type Segment = 'champion' | 'loyal' | 'promising' | 'at_risk' | 'lapsed' | 'new';

/** Recency, frequency and spend, in the shop's currency. Thresholds are the defaults a seller starts from. */
export const SEGMENT_RULES = {
  championOrders: 5,
  championSpend: 50_000,
  loyalOrders: 3,
  atRiskDays: 60,
  lapsedDays: 120,
  promisingDays: 30,
} as const;

export function segmentOf(b: Pick<BuyerFacts, 'lastOrderAt' | 'orders365' | 'spend365'>, now: Date): Segment {
  if (!b.lastOrderAt) return 'new';
  const days = (now.getTime() - b.lastOrderAt.getTime()) / 86_400_000;
  if (days > SEGMENT_RULES.lapsedDays) return 'lapsed';
  if (days > SEGMENT_RULES.atRiskDays) return 'at_risk';
  if (b.orders365 >= SEGMENT_RULES.championOrders && b.spend365 >= SEGMENT_RULES.championSpend) return 'champion';
  if (b.orders365 >= SEGMENT_RULES.loyalOrders) return 'loyal';
  if (days <= SEGMENT_RULES.promisingDays) return 'promising';
  return 'at_risk';
}

/** A serial returner: at least 3 returns in 180 days that took back at least 40 % of what they spent. */
export const SERIAL_RETURNER = { windowDays: 180, minReturns: 3, minValueShare: 0.4 } as const;

export function isSerialReturner(b: Pick<BuyerFacts, 'returns180' | 'returnedValue180' | 'spend180'>): boolean {
  return b.returns180 >= SERIAL_RETURNER.minReturns && b.spend180 > 0 && b.returnedValue180 / b.spend180 >= SERIAL_RETURNER.minValueShare;
}

export type IneligibleReason = 'open_case' | 'serial_returner' | 'budget' | 'segment' | 'already_issued';

export function eligibility(b: Pick<BuyerFacts, 'openCase' | 'returns180' | 'returnedValue180' | 'spend180'>, opts: { budgetLeft: number; faceValue: number }): IneligibleReason[] {
  const out: IneligibleReason[] = [];
  if (b.openCase) out.push('open_case');
  if (isSerialReturner(b)) out.push('serial_returner');
  if (opts.faceValue > opts.budgetLeft) out.push('budget');
  return out;
}

// ---------------- schedules ----------------

export interface Schedule {
  /** return_visit: days after delivery (default 3). */
  afterDeliveryDays?: number;
  /** loyalty: days of the month that are the shop's member days. */
  memberDays?: number[];
  /** loyalty: also on the buyer's birthday (only where given with consent). */
  birthday?: boolean;
  /** winback: days without a purchase (default 60). */
  inactiveDays?: number;
}

export interface SegmentFilter {
  segments?: Segment[];
}

const BOUNDS = new WeakMap<DateTime, Map<number, [number, number]>>();
/** The instants the local day `n` days before `today` starts and ends (memoised per `today`: a batch asks thousands of times). */
function dayBounds(today: DateTime, n: number): [number, number] {
  let m = BOUNDS.get(today);
  if (!m) BOUNDS.set(today, (m = new Map()));
  let b = m.get(n);
  if (!b) m.set(n, (b = [today.minus({ days: n }).toMillis(), today.minus({ days: n - 1 }).toMillis()]));
  return b;
}

/** The occasion a buyer is due for today (in the shop's zone), or null. The occasion is part of the idempotency key. */
export function dueOccasion(kind: ProgrammeKind, s: Schedule, filter: SegmentFilter, b: BuyerFacts & { lastDeliveredOrderId?: string | null; lastOrderId?: string | null }, zone: string, now: Date, todayStart?: DateTime): string | null {
  // A batch passes the start of today (in the zone) once: time-zone maths is the loop's main cost.
  const today = todayStart ?? DateTime.fromJSDate(now, { zone }).startOf('day');
  // "n local days after d" as a range check on instants: d lies in the local day that began n days before today.
  const daysAgo = (d: Date, n: number) => {
    const [from, to] = dayBounds(today, n);
    return d.getTime() >= from && d.getTime() < to;
  };
  if (filter.segments?.length && !filter.segments.includes(segmentOf(b, now))) return null;
  switch (kind) {
    case 'return_visit': {
      if (!b.lastDeliveredAt || !b.lastDeliveredOrderId) return null;
      const n = s.afterDeliveryDays ?? 3;
      return daysAgo(b.lastDeliveredAt, n) ? `delivery:${b.lastDeliveredOrderId}` : null;
    }
    case 'loyalty': {
      if (s.birthday && b.birthday && today.toFormat('MM-dd') === b.birthday) return `birthday:${today.year}`;
      if (s.memberDays?.includes(today.day)) return `member:${today.toISODate()}`;
      return null;
    }
    case 'winback': {
      if (!b.lastOrderAt || !b.lastOrderId) return null;
      const n = s.inactiveDays ?? 60;
      return daysAgo(b.lastOrderAt, n) ? `winback:${b.lastOrderId}` : null;
    }
    default:
      return null;
  }
}

// ---------------- redemption attribution ----------------

export interface CandidateOrder {
  orderId: string;
  placedAt: Date;
  /** Goods value before the voucher, minor units. */
  subtotal: number;
  /** What the seller's vouchers took off (price detail `voucher_deduction_seller`), minor units. */
  sellerVoucher: number;
  status: string;
}

/**
 * The platform names no coupon on an order, so a redemption is attributed when the same buyer, in
 * the same shop, places an order after the send and before the coupon's expiry whose seller-voucher
 * deduction equals what this coupon takes off that order (±1 minor unit for percent rounding) and
 * whose goods meet its minimum spend. The earliest such order counts; one order redeems one issue.
 */
export function matchRedemption(issue: { sentAt: Date; expiresAt: Date | null; terms: Pick<PlatformCouponTerms, 'discountType' | 'reductionAmount' | 'percentageBp' | 'maxDiscount' | 'minSpend'> }, orders: CandidateOrder[], taken: Set<string>): CandidateOrder | null {
  const sorted = [...orders].sort((a, b) => a.placedAt.getTime() - b.placedAt.getTime());
  for (const o of sorted) {
    if (taken.has(o.orderId) || o.placedAt < issue.sentAt) continue;
    if (issue.expiresAt && o.placedAt > issue.expiresAt) continue;
    if (o.subtotal < issue.terms.minSpend || o.sellerVoucher <= 0) continue;
    const expected = issue.terms.discountType === 'AMOUNT_OFF' ? (issue.terms.reductionAmount ?? 0) : faceValue({ ...issue.terms, minSpend: 0 }, o.subtotal);
    if (Math.abs(o.sellerVoucher - expected) <= 1) return o;
  }
  return null;
}

// ---------------- cancellation and return ----------------

export type SettleEvent = 'order_cancelled' | 'order_returned_full' | 'order_returned_partial';
export type SettleAction = 'restore' | 'claw_back' | 'leave';

/**
 * What happens to a redeemed coupon when its order is cancelled or returned. Restoring only makes
 * sense while the coupon is still valid; a coupon that bought a fully returned order is clawed back
 * (counted as not redeemed, and the returns module's coupon-minimum rule applies to the refund).
 */
export const SETTLE_RULES: Record<SettleEvent, { valid: SettleAction; expired: SettleAction }> = {
  order_cancelled: { valid: 'restore', expired: 'claw_back' },
  order_returned_full: { valid: 'claw_back', expired: 'claw_back' },
  order_returned_partial: { valid: 'leave', expired: 'leave' },
};

export function settle(event: SettleEvent, expiresAt: Date | null, now: Date): SettleAction {
  const valid = !expiresAt || expiresAt > now;
  return SETTLE_RULES[event][valid ? 'valid' : 'expired'];
}

// ---------------- messages ----------------

export const BUYER_LANGUAGES = ['en', 'de', 'fr', 'it', 'es'] as const;
export type BuyerLanguage = (typeof BUYER_LANGUAGES)[number];

/** The programme's text in the buyer's language (English when missing), with {coupon}, {value}, {minSpend}, {code}, {until} filled. */
export function renderMessage(messages: Partial<Record<BuyerLanguage, string>>, language: string | null, vars: Record<string, string>): string {
  const lang = (BUYER_LANGUAGES as readonly string[]).includes(language ?? '') ? (language as BuyerLanguage) : 'en';
  const tpl = messages[lang] || messages.en || '';
  return tpl.replace(/\{(\w+)\}/g, (m, k: string) => vars[k] ?? m).trim();
}

export const DEFAULT_MESSAGES: Record<ProgrammeKind, Record<BuyerLanguage, string>> = {
  return_visit: {
    en: 'Thank you for your order! Here is {value} off your next one (from {minSpend}), valid until {until}.',
    de: 'Danke für Ihre Bestellung! Hier sind {value} Rabatt auf die nächste (ab {minSpend}), gültig bis {until}.',
    fr: 'Merci pour votre commande ! Voici {value} de réduction sur la prochaine (dès {minSpend}), valable jusqu’au {until}.',
    it: 'Grazie per il tuo ordine! Ecco {value} di sconto sul prossimo (da {minSpend}), valido fino al {until}.',
    es: '¡Gracias por tu pedido! Aquí tienes {value} de descuento en el próximo (desde {minSpend}), válido hasta el {until}.',
  },
  loyalty: {
    en: 'A thank-you for being one of our best customers: {value} off, valid until {until}.',
    de: 'Ein Dankeschön an einen unserer besten Kunden: {value} Rabatt, gültig bis {until}.',
    fr: 'Un merci à l’un de nos meilleurs clients : {value} de réduction, valable jusqu’au {until}.',
    it: 'Un grazie a uno dei nostri migliori clienti: {value} di sconto, valido fino al {until}.',
    es: 'Un agradecimiento a uno de nuestros mejores clientes: {value} de descuento, válido hasta el {until}.',
  },
  winback: {
    en: 'We miss you! Here is {value} off your next order, valid until {until}.',
    de: 'Wir vermissen Sie! Hier sind {value} Rabatt auf Ihre nächste Bestellung, gültig bis {until}.',
    fr: 'Vous nous manquez ! Voici {value} de réduction sur votre prochaine commande, valable jusqu’au {until}.',
    it: 'Ci manchi! Ecco {value} di sconto sul tuo prossimo ordine, valido fino al {until}.',
    es: '¡Te echamos de menos! Aquí tienes {value} de descuento en tu próximo pedido, válido hasta el {until}.',
  },
  compensation: {
    en: 'We are sorry for the trouble. We have sent you a coupon worth {value} in this chat.',
    de: 'Es tut uns leid. Wir haben Ihnen in diesem Chat einen Gutschein über {value} geschickt.',
    fr: 'Nous sommes désolés. Nous vous avons envoyé un bon de {value} dans cette conversation.',
    it: 'Ci dispiace per il disagio. Ti abbiamo inviato un buono da {value} in questa chat.',
    es: 'Sentimos las molestias. Te hemos enviado un cupón de {value} en este chat.',
  },
};

// ---------------- win-back product suggestions ----------------

export interface ProductSuggestion {
  productId: string;
  title: string;
}

/**
 * Up to `limit` products to suggest in a win-back offer. First what buyers with the same interests
 * bought most (the shop's top products of the buyer's categories, most-bought category first) that
 * this buyer has not bought; then the buyer's own repeat purchases (bought more than once). Never a
 * product the buyer returned.
 */
export function suggestProducts(
  bought: { productId: string; title: string; category: string | null; times: number }[],
  returned: Set<string>,
  topByCategory: Map<string, { productId: string; title: string; buyers: number }[]>,
  limit = 3,
): ProductSuggestion[] {
  const out: ProductSuggestion[] = [];
  const seen = new Set<string>();
  const mine = new Set(bought.map((b) => b.productId));
  const add = (p: ProductSuggestion) => {
    if (out.length >= limit || seen.has(p.productId) || returned.has(p.productId)) return;
    seen.add(p.productId);
    out.push({ productId: p.productId, title: p.title });
  };
  const weight = new Map<string, number>();
  for (const b of bought) if (b.category && !returned.has(b.productId)) weight.set(b.category, (weight.get(b.category) ?? 0) + b.times);
  const cats = [...weight.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([c]) => c);
  for (const c of cats) for (const p of topByCategory.get(c) ?? []) if (!mine.has(p.productId)) add(p);
  for (const b of [...bought].sort((a, b) => b.times - a.times || a.productId.localeCompare(b.productId))) if (b.times > 1) add(b);
  return out;
}

// ---------------- promo codes by e-mail and WhatsApp ----------------

const PROMO_TEXTS: Record<BuyerLanguage, { subject: string; code: string; products: string }> = {
  en: { subject: 'A coupon for you: {coupon}', code: 'Your code: {code} (enter it at checkout in our TikTok Shop).', products: 'You might like: {products}.' },
  de: { subject: 'Ein Gutschein für Sie: {coupon}', code: 'Ihr Code: {code} (beim Bezahlen in unserem TikTok Shop eingeben).', products: 'Das könnte Ihnen gefallen: {products}.' },
  fr: { subject: 'Un bon de réduction pour vous : {coupon}', code: 'Votre code : {code} (à saisir au paiement dans notre boutique TikTok Shop).', products: 'Vous aimerez peut-être : {products}.' },
  it: { subject: 'Un coupon per te: {coupon}', code: 'Il tuo codice: {code} (inseriscilo al pagamento nel nostro TikTok Shop).', products: 'Potrebbe piacerti: {products}.' },
  es: { subject: 'Un cupón para ti: {coupon}', code: 'Tu código: {code} (introdúcelo al pagar en nuestra TikTok Shop).', products: 'Quizá te guste: {products}.' },
};

function langOf(language: string | null): BuyerLanguage {
  return (BUYER_LANGUAGES as readonly string[]).includes(language ?? '') ? (language as BuyerLanguage) : 'en';
}

/** The e-mail subject of a promo-code send, in the buyer's language. */
export function promoSubject(language: string | null, couponTitle: string): string {
  return PROMO_TEXTS[langOf(language)].subject.replace('{coupon}', couponTitle);
}

/**
 * The message as sent on a channel: e-mail and WhatsApp carry the promo code (a chat card carries
 * the coupon itself), appended in the buyer's language unless the text already shows it; win-back
 * suggestions are appended the same way when the text has no {products} of its own.
 */
export function withCode(text: string, channel: CouponChannel, code: string | null, language: string | null, products: ProductSuggestion[] = [], textHasProducts = false): string {
  const t = PROMO_TEXTS[langOf(language)];
  const parts = [text];
  if (products.length && !textHasProducts) parts.push(t.products.replace('{products}', products.map((p) => p.title).join(', ')));
  if (channel !== 'tiktok_chat' && code && !text.includes(code)) parts.push(t.code.replace('{code}', code));
  return parts.filter(Boolean).join('\n\n');
}
