import jStat from 'jstat';

/** Attribution feeds in order of precedence: the first that claims an order line wins. */
export const PROVENANCE_PRECEDENCE = { affiliate_orders: 1, ads_report: 2, live_window: 3 } as const;
export type Provenance = keyof typeof PROVENANCE_PRECEDENCE | 'none';
export type SourceType = 'ad_campaign' | 'creator_video' | 'livestream' | 'organic';

/** Affiliate `content_type` → our source type. SHOP/PROMOTION_PAGE/LINKSHARE are creator links without content: a creator source all the same. */
export function affiliateSourceType(contentType: string | null | undefined): 'creator_video' | 'livestream' {
  const t = (contentType ?? '').toUpperCase();
  return t === 'LIVE' || t === 'PRE_LIVE' ? 'livestream' : 'creator_video';
}

export interface Claim {
  provenance: keyof typeof PROVENANCE_PRECEDENCE;
  productId: string; // '' = the whole order
  sourceType: Exclude<SourceType, 'organic'>;
  sourceId: string;
  sourceName: string | null;
}

/** The claim that attributes a line of product `productId`: product-specific before whole-order, then by precedence. */
export function winningClaim(claims: Claim[], productId: string): Claim | null {
  const fit = claims.filter((c) => c.productId === '' || c.productId === productId);
  fit.sort((a, b) => PROVENANCE_PRECEDENCE[a.provenance] - PROVENANCE_PRECEDENCE[b.provenance] || (a.productId === '' ? 1 : 0) - (b.productId === '' ? 1 : 0));
  return fit[0] ?? null;
}

/** The LIVE session whose window (start to end, inclusive) holds the order time. */
export function sessionAt<T extends { startedAt: Date; endedAt: Date }>(sessions: T[], at: Date): T | null {
  const t = at.getTime();
  return sessions.find((s) => s.startedAt.getTime() <= t && t <= s.endedAt.getTime()) ?? null;
}

/** The reason-code patterns of each fault owner, checked in this order (also used in SQL by the set-based rebuild). */
export const FAULT_PATTERNS = {
  carrier: 'damag|broken|lost|missing_package|not_received|late|delay|logistic',
  seller: 'not_as_described|wrong_item|defect|quality|counterfeit|missing_part|expired|wrong_product|not_working|description',
  buyer: 'no_longer|changed|mind|wrong_size|size|better_price|ordered_by_mistake|buyer',
  platform: 'platform|system|risk',
} as const;

/** Fault owner of a return when no RMA reason says it: from the platform's reason code. */
export function faultOwnerOf(reasonCode: string | null | undefined): 'seller' | 'carrier' | 'buyer' | 'platform' | null {
  const c = (reasonCode ?? '').toLowerCase();
  if (!c) return null;
  for (const owner of ['carrier', 'seller', 'buyer', 'platform'] as const) if (new RegExp(FAULT_PATTERNS[owner]).test(c)) return owner;
  return null;
}

/** One-sided binomial test: P(X ≥ k) when each of n trials succeeds with probability p. */
export function binomialUpperP(k: number, n: number, p: number): number {
  if (k <= 0) return 1;
  if (p <= 0) return 0;
  if (p >= 1) return 1;
  return Math.min(1, Math.max(0, 1 - jStat.binomial.cdf(k - 1, n, p)));
}

/**
 * Benjamini–Hochberg: the q-values (adjusted p-values) in the input order. A test is a discovery
 * at false-discovery rate q when its q-value ≤ q.
 */
export function benjaminiHochberg(pValues: number[]): number[] {
  const m = pValues.length;
  const order = pValues.map((p, i) => ({ p, i })).sort((a, b) => a.p - b.p);
  const q = new Array<number>(m);
  let min = 1;
  for (let r = m - 1; r >= 0; r--) {
    const { p, i } = order[r]!;
    min = Math.min(min, (p * m) / (r + 1));
    q[i] = min;
  }
  return q;
}

export const MIN_DELIVERED_ORDERS = 30;
export const FDR_Q = 0.05;

export interface SourceCounts {
  key: string;
  shopId: string;
  deliveredOrders: number;
  deliveredLines: number;
  returnedLines: number;
  refundAmount: number;
}
export interface Flagged {
  key: string;
  baseline: number;
  rate: number;
  pValue: number | null;
  qValue: number | null;
  tested: boolean;
  flagged: boolean;
  excessReturns: number;
  excessRefund: number;
}

/**
 * Which sources return significantly more than their shop: each source with at least 30 delivered
 * orders is tested against the rest of its shop (returned lines / delivered lines of the shop
 * without the source), one-sided binomial; Benjamini–Hochberg over all tests at q = 0.05.
 */
export function flagSources(rows: SourceCounts[], shopTotals: Map<string, { deliveredLines: number; returnedLines: number }>, opts: { q?: number; minOrders?: number } = {}): Map<string, Flagged> {
  const q = opts.q ?? FDR_Q;
  const minOrders = opts.minOrders ?? MIN_DELIVERED_ORDERS;
  const out = new Map<string, Flagged>();
  const tested: { key: string; p: number }[] = [];
  for (const r of rows) {
    const shop = shopTotals.get(r.shopId) ?? { deliveredLines: 0, returnedLines: 0 };
    const restN = shop.deliveredLines - r.deliveredLines;
    const restK = shop.returnedLines - r.returnedLines;
    const baseline = restN > 0 ? restK / restN : 0;
    const rate = r.deliveredLines > 0 ? r.returnedLines / r.deliveredLines : 0;
    const excess = r.returnedLines - r.deliveredLines * baseline;
    const canTest = r.deliveredOrders >= minOrders && restN > 0;
    const p = canTest ? binomialUpperP(r.returnedLines, r.deliveredLines, baseline) : null;
    if (p !== null) tested.push({ key: r.key, p });
    out.set(r.key, {
      key: r.key,
      baseline,
      rate,
      pValue: p,
      qValue: null,
      tested: canTest,
      flagged: false,
      excessReturns: excess,
      excessRefund: r.returnedLines > 0 ? Math.round((r.refundAmount * Math.max(0, excess)) / r.returnedLines) : 0,
    });
  }
  const qs = benjaminiHochberg(tested.map((t) => t.p));
  tested.forEach((t, i) => {
    const f = out.get(t.key)!;
    f.qValue = qs[i]!;
    f.flagged = qs[i]! <= q && f.rate > f.baseline;
  });
  return out;
}

/** A delivery-week cohort is provisional until its return window plus transit has passed after the week's end. */
export function cohortProvisional(weekStart: Date, now: Date, returnWindowDays: number, transitDays = 7): boolean {
  const closes = weekStart.getTime() + (7 + returnWindowDays + transitDays) * 86_400_000;
  return now.getTime() < closes;
}

/** Convert minor units between currencies with a rate (1 `from` = rate `to`), respecting exponents. */
export function convertMinor(amount: number, fromExp: number, toExp: number, rate: number): number {
  return Math.round(amount * rate * 10 ** (toExp - fromExp));
}

/** Parse a 1–5 satisfaction reply ("5", "4/5", "★★★", "five" in our languages); null when it is not one. */
export function parseCsatReply(text: string): number | null {
  const t = text.trim().toLowerCase();
  const stars = (t.match(/[★⭐]/g) ?? []).length;
  if (stars >= 1 && stars <= 5 && t.replace(/[★⭐\s]/g, '') === '') return stars;
  const m = t.match(/^([1-5])(\s*(\/|of|von|sur|su|de)\s*5)?[.!]?$/);
  if (m) return Number(m[1]);
  const words: Record<string, number> = { one: 1, two: 2, three: 3, four: 4, five: 5, eins: 1, zwei: 2, drei: 3, vier: 4, fünf: 5, un: 1, deux: 2, trois: 3, quatre: 4, cinq: 5, uno: 1, due: 2, tre: 3, quattro: 4, cinque: 5, dos: 2, tres: 3, cuatro: 4, cinco: 5 };
  return words[t.replace(/[.!]$/, '')] ?? null;
}

/** The written definition of every metric, shown beside the number in the UI and copied into the docs. */
export const METRIC_DEFINITIONS = {
  return_rate: {
    numerator: 'delivered order lines (units) with a TikTok return or return-and-refund request, any outcome',
    denominator: 'delivered order lines (units)',
    window: 'lines grouped by the week their order was delivered (UTC Monday), within the chosen period',
    exclusions: 'cancelled and undelivered lines; cancellation requests; replacement-only requests count as returns',
  },
  refund_rate: {
    numerator: 'delivered order lines with money refunded or approved for refund (refund-only or return-and-refund in an approved/completed state)',
    denominator: 'delivered order lines (units)',
    window: 'delivery week, as for the return rate',
    exclusions: 'cancellations before delivery; partial refund offers the buyer did not accept',
  },
  complaint_rate: {
    numerator: 'delivered order lines whose order has at least one helpdesk ticket (any channel)',
    denominator: 'delivered order lines (units)',
    window: 'delivery week',
    exclusions: 'tickets without a linked order',
  },
  dispute_rate: {
    numerator: 'delivered order lines whose after-sales request went to platform arbitration',
    denominator: 'delivered order lines (units)',
    window: 'delivery week',
    exclusions: 'requests never escalated',
  },
  flag: {
    numerator: 'returned lines of the source',
    denominator: 'delivered lines of the source; baseline = returned / delivered lines of the rest of its shop',
    window: 'the chosen period',
    exclusions: 'sources with fewer than 30 delivered orders are not tested; one-sided binomial test, Benjamini–Hochberg false-discovery rate q = 0.05 across all tested sources',
  },
  provisional: {
    numerator: '—',
    denominator: '—',
    window: 'a delivery-week cohort is provisional until the shop’s return window plus 7 days of transit has passed after the week ends',
    exclusions: '—',
  },
} as const;
export type MetricKey = keyof typeof METRIC_DEFINITIONS;

/** Shop health metrics: direction (higher or lower is better) and the default limit where no public source gives one. */
export const HEALTH_METRICS = {
  chat_response_rate: { better: 'higher', limit: 0.9, windowHours: 24 },
  non_buyer_fault_return_rate: { better: 'lower', limit: 0.05 },
  seller_fault_cancellation_rate: { better: 'lower', limit: 0.025 },
  dispute_escalation_rate: { better: 'lower', limit: 0.2 },
  csat_average: { better: 'higher', limit: 4.0 },
} as const;
export type HealthMetric = keyof typeof HEALTH_METRICS;
export const DEFAULT_THRESHOLD_SOURCE = 'Afterdesk default — no public TikTok Shop source found for this market; set your own';

/** ok, near (within 20 % of the way to the limit) or crossed. */
export function healthState(value: number | null, limit: number, better: 'higher' | 'lower'): 'ok' | 'near' | 'crossed' | 'unknown' {
  if (value === null || Number.isNaN(value)) return 'unknown';
  if (better === 'lower') return value >= limit ? 'crossed' : value >= limit * 0.8 ? 'near' : 'ok';
  const gap = 1 - limit;
  return value <= limit ? 'crossed' : value <= limit + Math.max(gap, limit * 0.05) * 0.2 ? 'near' : 'ok';
}

// ---------------- after-sales outcomes (issue 15, second part) ----------------

/** won ÷ (won + lost); open cases are left out; null when nothing was decided. */
export function winRate(won: number, lost: number): number | null {
  return won + lost > 0 ? won / (won + lost) : null;
}

/** Nearest-rank percentile of already sorted values (the value a person would point at); null when empty. */
export function percentile(sorted: number[], q: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)]!;
}

export const CYCLE_STEPS = ['request_to_approval', 'approval_to_receipt', 'receipt_to_inspection', 'inspection_to_refund', 'request_to_refund'] as const;
export type CycleStep = (typeof CYCLE_STEPS)[number];
export interface ReturnTimes {
  requestedAt: Date;
  approvedAt: Date | null;
  receivedAt: Date | null;
  inspectedAt: Date | null;
  refundedAt: Date | null;
}
export interface StepStat {
  step: CycleStep;
  n: number;
  p50Hours: number | null;
  p90Hours: number | null;
  /** The step's target in hours (owner-set; request → refund: the target in days × 24); null: none set. */
  targetHours: number | null;
  /** Share of the step's returns that took at most its target; null without a target or returns. */
  withinTarget: number | null;
}

/** The steps an owner may give a target in hours (the whole span has its target in days). */
export const TARGETED_STEPS = ['request_to_approval', 'approval_to_receipt', 'receipt_to_inspection', 'inspection_to_refund'] as const;
export type StepTargets = Partial<Record<(typeof TARGETED_STEPS)[number], number>>;

/**
 * Return cycle time by step: each step counted over the returns that have both its ends (a
 * refund-only return has no receipt or inspection, so it counts only in the steps it went
 * through); each step against its own target in hours when the owner set one, the whole
 * request → refund against the target in days.
 */
export function cycleByStep(returns: ReturnTimes[], targetDays: number, stepTargets: StepTargets = {}): StepStat[] {
  const h = (a: Date | null, b: Date | null) => (a && b && b.getTime() >= a.getTime() ? (b.getTime() - a.getTime()) / 3_600_000 : null);
  const spans: Record<CycleStep, number[]> = { request_to_approval: [], approval_to_receipt: [], receipt_to_inspection: [], inspection_to_refund: [], request_to_refund: [] };
  for (const r of returns) {
    const push = (s: CycleStep, v: number | null) => v !== null && spans[s].push(v);
    push('request_to_approval', h(r.requestedAt, r.approvedAt));
    push('approval_to_receipt', h(r.approvedAt, r.receivedAt));
    push('receipt_to_inspection', h(r.receivedAt, r.inspectedAt));
    push('inspection_to_refund', h(r.inspectedAt, r.refundedAt));
    push('request_to_refund', h(r.requestedAt, r.refundedAt));
  }
  const round = (v: number | null) => (v === null ? null : Math.round(v * 10) / 10);
  return CYCLE_STEPS.map((step) => {
    const v = spans[step].sort((a, b) => a - b);
    const targetHours = step === 'request_to_refund' ? targetDays * 24 : (stepTargets[step] ?? null);
    return {
      step,
      n: v.length,
      p50Hours: round(percentile(v, 0.5)),
      p90Hours: round(percentile(v, 0.9)),
      targetHours,
      withinTarget: targetHours !== null && v.length ? v.filter((x) => x <= targetHours).length / v.length : null,
    };
  });
}

export interface CostParts {
  currency: string;
  revenue: number;
  refunds: number;
  reships: number;
  coupons: number;
  returnShipping: number;
}
/** After-sales cost (refunds + reships + coupons + return shipping) as a share of sales, per currency. */
export function costShare(p: CostParts): CostParts & { total: number; share: number | null } {
  const total = p.refunds + p.reships + p.coupons + p.returnShipping;
  return { ...p, total, share: p.revenue > 0 ? total / p.revenue : null };
}

/** Coupon ROI: (revenue of redeeming orders − discount given) ÷ discount given; redemption = redeemed ÷ issued. */
export function couponRoi(c: { issued: number; redeemed: number; cost: number; revenue: number }): { redemptionRate: number | null; roi: number | null } {
  return { redemptionRate: c.issued > 0 ? c.redeemed / c.issued : null, roi: c.cost > 0 ? (c.revenue - c.cost) / c.cost : null };
}

// ---------------- refund reconciliation ----------------

export interface OurRefund {
  externalOrderId: string;
  skuId: string;
  currency: string;
  amount: number;
  refundedAt: Date;
}
export interface StatementRefund {
  externalOrderId: string;
  skuId: string;
  currency: string;
  amount: number;
  statementId: string | null;
}
export type ReconStatus = 'matched' | 'amount_differs' | 'awaiting_statement' | 'missing_on_statement' | 'not_ours';
export interface ReconRow {
  externalOrderId: string;
  skuId: string;
  currency: string;
  ours: number | null;
  statement: number | null;
  difference: number;
  statementIds: string[];
  status: ReconStatus;
}

/** Days after our refund before a statement must show it (statements settle daily, refunds a few days later). */
export const STATEMENT_GRACE_DAYS = 14;

/**
 * Match refunds we paid or approved with the refund lines of the platform's statements, per order
 * and SKU (amounts summed on both sides): equal → matched; different → amount_differs; only ours →
 * awaiting_statement within the grace period, missing_on_statement after it; only the statement's →
 * not_ours (a refund the platform booked that we have no record of).
 */
export function reconcileRefunds(ours: OurRefund[], statement: StatementRefund[], now: Date, graceDays = STATEMENT_GRACE_DAYS): ReconRow[] {
  const key = (o: string, s: string) => `${o}|${s}`;
  const a = new Map<string, { o: string; s: string; cur: string; amount: number; last: number }>();
  for (const r of ours) {
    const k = key(r.externalOrderId, r.skuId);
    const e = a.get(k) ?? { o: r.externalOrderId, s: r.skuId, cur: r.currency, amount: 0, last: 0 };
    e.amount += r.amount;
    e.last = Math.max(e.last, r.refundedAt.getTime());
    a.set(k, e);
  }
  const b = new Map<string, { o: string; s: string; cur: string; amount: number; ids: Set<string> }>();
  for (const r of statement) {
    const k = key(r.externalOrderId, r.skuId);
    const e = b.get(k) ?? { o: r.externalOrderId, s: r.skuId, cur: r.currency, amount: 0, ids: new Set<string>() };
    e.amount += r.amount;
    if (r.statementId) e.ids.add(r.statementId);
    b.set(k, e);
  }
  const out: ReconRow[] = [];
  for (const k of new Set([...a.keys(), ...b.keys()])) {
    const x = a.get(k);
    const y = b.get(k);
    const ids = y ? [...y.ids].sort() : [];
    if (x && y && y.amount !== 0) {
      out.push({ externalOrderId: x.o, skuId: x.s, currency: x.cur, ours: x.amount, statement: y.amount, difference: y.amount - x.amount, statementIds: ids, status: y.amount === x.amount ? 'matched' : 'amount_differs' });
    } else if (x) {
      const late = now.getTime() - x.last > graceDays * 86_400_000;
      out.push({ externalOrderId: x.o, skuId: x.s, currency: x.cur, ours: x.amount, statement: null, difference: -x.amount, statementIds: ids, status: late ? 'missing_on_statement' : 'awaiting_statement' });
    } else if (y && y.amount !== 0) {
      out.push({ externalOrderId: y.o, skuId: y.s, currency: y.cur, ours: null, statement: y.amount, difference: y.amount, statementIds: ids, status: 'not_ours' });
    }
  }
  const rank: Record<ReconStatus, number> = { amount_differs: 0, missing_on_statement: 1, not_ours: 2, awaiting_statement: 3, matched: 4 };
  return out.sort((p, q) => rank[p.status] - rank[q.status] || p.externalOrderId.localeCompare(q.externalOrderId) || p.skuId.localeCompare(q.skuId));
}

/** Platform money strings ("-12.34", "12") → minor units of a currency with `exp` decimals. */
export function decimalToMinor(s: string | null | undefined, exp = 2): number {
  if (s === null || s === undefined || s.trim() === '') return 0;
  const m = s.trim().match(/^(-)?(\d+)(?:\.(\d+))?$/);
  if (!m) return 0;
  const frac = (m[3] ?? '').padEnd(exp, '0').slice(0, exp);
  const v = Number(m[2]) * 10 ** exp + (frac ? Number(frac) : 0);
  return m[1] ? -v : v;
}

/** CSAT question in the buyer's language (buyer-facing: en, de, fr, it, es; others get English). */
export const CSAT_QUESTION: Record<'en' | 'de' | 'fr' | 'it' | 'es', (shop: string) => string> = {
  en: (s) => `How happy are you with how ${s} solved your request? Please reply with a number from 1 (not at all) to 5 (very happy).`,
  de: (s) => `Wie zufrieden sind Sie damit, wie ${s} Ihr Anliegen gelöst hat? Bitte antworten Sie mit einer Zahl von 1 (gar nicht) bis 5 (sehr zufrieden).`,
  fr: (s) => `Êtes-vous satisfait(e) de la façon dont ${s} a traité votre demande ? Répondez par un chiffre de 1 (pas du tout) à 5 (très satisfait(e)).`,
  it: (s) => `Quanto è soddisfatto/a di come ${s} ha risolto la sua richiesta? Risponda con un numero da 1 (per niente) a 5 (molto soddisfatto/a).`,
  es: (s) => `¿Qué tan satisfecho/a está con cómo ${s} resolvió su solicitud? Responda con un número del 1 (nada) al 5 (muy satisfecho/a).`,
};
export function csatQuestion(language: string, shopName: string): { language: keyof typeof CSAT_QUESTION; text: string } {
  const l = (language || 'en').slice(0, 2).toLowerCase();
  const lang = (l in CSAT_QUESTION ? l : 'en') as keyof typeof CSAT_QUESTION;
  return { language: lang, text: CSAT_QUESTION[lang](shopName) };
}

/** Written definitions of the after-sales outcome metrics (UI and docs). */
export const OUTCOME_DEFINITIONS = {
  cycle_time: {
    numerator: 'hours between the two timestamps of each step of an RMA (requested → approved → received → inspected → refunded); p50 and p90 by nearest rank',
    denominator: 'RMAs that have both ends of the step; "within target" of a step = its RMAs whose step took at most the step\'s target (hours, owner-set per step; none by default) ÷ its RMAs; of request → refund: refunded RMAs within the target in days (default 7) ÷ refunded RMAs',
    window: 'RMAs requested in the chosen period',
    exclusions: 'steps an RMA skipped (refund-only requests have no receipt or inspection); RMAs not refunded yet count only in the steps they finished',
  },
  cost_share: {
    numerator: 'refunds on delivered lines + reships (item cost + outbound shipping of completed reship remedies) + coupon discounts actually redeemed + return labels the seller paid (completed remedies)',
    denominator: 'paid amount of delivered order lines (sales)',
    window: 'lines by delivery week in the period; remedies by completion date; coupons by planned send date',
    exclusions: 'per currency, never summed across currencies; platform fees and the goods resold after a return are not netted',
  },
  coupon_roi: {
    numerator: 'order value of orders that redeemed a coupon − the discount they got',
    denominator: 'the discount given (redeemed coupons only)',
    window: 'coupons sent (treatment arm) planned in the period',
    exclusions: 'control-arm buyers; coupons issued but not redeemed cost nothing and count only in the redemption rate (redeemed ÷ issued)',
  },
  dispute_win_rate: {
    numerator: 'dispute cases decided won',
    denominator: 'dispute cases decided won or lost',
    window: 'cases last updated in the period',
    exclusions: 'cases still open or submitted',
  },
  appeal_success: {
    numerator: 'early-refund appeals won (RMA appeal status won)',
    denominator: 'appeals decided won or lost',
    window: 'RMAs requested in the period',
    exclusions: 'appeals still open; RMAs never appealed',
  },
  review_rate: {
    numerator: '—',
    denominator: '—',
    window: '—',
    exclusions: 'not computed: no public reference confirms a TikTok Shop review endpoint or the fields of its answer (a search path is named only by secondary sources that guess its shape; docs/tiktok-conformance.md, "Product reviews"), so reviews are not synced; shown as not available',
  },
  csat: {
    numerator: 'sum of 1–5 answers (average) / answers of 4 or 5 (share satisfied)',
    denominator: 'surveys answered',
    window: 'surveys answered in the period; one survey per solved ticket, asked once',
    exclusions: 'replies that are not a 1–5 answer; tickets where the contact policy refused the question (channel closed, buyer unsubscribed)',
  },
  reconciliation: {
    numerator: 'per order and SKU: our refunds (platform requests approved/completed, line refund amounts) vs refund lines on the shop’s finance statements (refund subtotal after seller discount)',
    denominator: '—',
    window: 'refunds of the chosen period; a refund has 14 days to appear on a statement before it counts as missing',
    exclusions: 'markets without the Finance API (initially US/UK local sellers only)',
  },
} as const;
