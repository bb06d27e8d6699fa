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

/** Fault owner of a return when no RMA reason says it: from the platform's reason code. */
export function faultOwnerOf(reasonCode: string | null | undefined): 'seller' | 'carrier' | 'buyer' | 'platform' | null {
  const c = (reasonCode ?? '').toLowerCase();
  if (!c) return null;
  if (/damag|broken|lost|missing_package|not_received|late|delay|logistic/.test(c)) return 'carrier';
  if (/not_as_described|wrong_item|defect|quality|counterfeit|missing_part|expired|wrong_product|not_working|description/.test(c)) return 'seller';
  if (/no_longer|changed|mind|wrong_size|size|better_price|ordered_by_mistake|buyer/.test(c)) return 'buyer';
  if (/platform|system|risk/.test(c)) return 'platform';
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
