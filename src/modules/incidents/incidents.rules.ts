import { binomialUpperP } from '../analytics/index.js';

/*
 * Incidents: one product, batch, livestream or carrier went wrong and every buyer it touched is
 * reached once, with one agreed text and one compensation. Pure decisions live here: the pattern,
 * the audience counts, the send schedule per channel (pacing, daily quota, deadline), the cost and
 * whether an outreach needs approval, the message variables, and the spike test that proposes
 * incidents by itself.
 */

export const INCIDENT_LANGUAGES = ['en', 'de', 'fr', 'it', 'es'] as const;
export type IncidentLanguage = (typeof INCIDENT_LANGUAGES)[number];
export const INCIDENT_CHANNELS = ['tiktok_chat', 'email', 'whatsapp'] as const;
export type IncidentChannel = (typeof INCIDENT_CHANNELS)[number];
export const INCIDENT_STATUSES = ['proposed', 'draft', 'pending_approval', 'approved', 'sending', 'paused', 'cancelled', 'sent', 'closed'] as const;
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number];
export const ROOT_CAUSES = ['product_defect', 'listing_description', 'content_or_ad_claim', 'carrier', 'warehouse', 'other'] as const;
export type RootCause = (typeof ROOT_CAUSES)[number];
export const COMPENSATION_KINDS = ['none', 'coupon', 'partial_refund', 'reship'] as const;
export type CompensationKind = (typeof COMPENSATION_KINDS)[number];

/** What an incident is about; every given part must match (they combine with AND). */
export interface IncidentPattern {
  productIds?: string[];
  skuIds?: string[];
  livestreamIds?: string[];
  videoIds?: string[];
  adCampaignIds?: string[];
  carriers?: string[];
  /** Orders placed in [placedFrom, placedTo). */
  placedFrom?: string;
  placedTo?: string;
  /** The batch as a delivery (shipment arrival) window, when no lot numbers are known. */
  deliveredFrom?: string;
  deliveredTo?: string;
  /** Lots imported per order line from a CSV (`incident_lots`): lines of any of these lots. */
  lots?: string[];
  /** Orders already cancelled or fully refunded are left out unless chosen. */
  includeCancelled?: boolean;
  includeRefunded?: boolean;
}

export function patternIsEmpty(p: IncidentPattern): boolean {
  return !(p.productIds?.length || p.skuIds?.length || p.livestreamIds?.length || p.videoIds?.length || p.adCampaignIds?.length || p.carriers?.length || p.placedFrom || p.placedTo || p.deliveredFrom || p.deliveredTo || p.lots?.length);
}

export type Compensation =
  | { kind: 'none' }
  | { kind: 'coupon'; platformCouponId: string; faceValue: number; currency: string }
  | { kind: 'partial_refund'; amount: number; currency: string }
  | { kind: 'reship'; unitCost: number; currency: string };

/** The cost of one compensation per buyer, in the shop currency's minor units. */
export function costPerBuyer(c: Compensation): number {
  switch (c.kind) {
    case 'none':
      return 0;
    case 'coupon':
      return c.faceValue;
    case 'partial_refund':
      return c.amount;
    case 'reship':
      return c.unitCost;
  }
}

/** Total money that leaves the seller if every reachable buyer takes the compensation. */
export function totalCost(c: Compensation, buyers: number): number {
  return costPerBuyer(c) * buyers;
}

// ---------------------------------------------------------------------------------------------
// Audience

export interface AudienceMember {
  buyerId: string;
  country: string | null;
  language: string | null;
  complained: boolean;
  /** Per channel: may we reach this buyer there at all (reachability, address, consent)? */
  reach: Record<IncidentChannel, boolean>;
  excluded: boolean;
}

export interface AudienceCounts {
  total: number;
  excluded: number;
  complained: number;
  withoutComplaint: number;
  byMarket: Record<string, number>;
  byLanguage: Record<string, number>;
  reachable: Record<IncidentChannel, number>;
  /** Reachable on no channel at all. */
  unreachable: number;
}

/** The buyer's message language: one of the five we write in, English otherwise. */
export function messageLanguage(lang: string | null | undefined): IncidentLanguage {
  const l = (lang ?? '').toLowerCase().slice(0, 2);
  return (INCIDENT_LANGUAGES as readonly string[]).includes(l) ? (l as IncidentLanguage) : 'en';
}

export function countAudience(members: AudienceMember[]): AudienceCounts {
  const out: AudienceCounts = { total: 0, excluded: 0, complained: 0, withoutComplaint: 0, byMarket: {}, byLanguage: {}, reachable: { tiktok_chat: 0, email: 0, whatsapp: 0 }, unreachable: 0 };
  for (const m of members) {
    if (m.excluded) {
      out.excluded++;
      continue;
    }
    out.total++;
    if (m.complained) out.complained++;
    else out.withoutComplaint++;
    const market = m.country ?? 'unknown';
    out.byMarket[market] = (out.byMarket[market] ?? 0) + 1;
    const lang = messageLanguage(m.language);
    out.byLanguage[lang] = (out.byLanguage[lang] ?? 0) + 1;
    let any = false;
    for (const ch of INCIDENT_CHANNELS) {
      if (m.reach[ch]) {
        out.reachable[ch]++;
        any = true;
      }
    }
    if (!any) out.unreachable++;
  }
  return out;
}

/**
 * The channel a buyer is sent on: the first chosen channel (in the supervisor's order) that
 * reaches them; null when none does.
 */
export function channelFor(reach: Record<IncidentChannel, boolean>, chosen: IncidentChannel[]): IncidentChannel | null {
  return chosen.find((c) => reach[c]) ?? null;
}

/** Buyers matching after the freeze: shown as a delta, never added silently. */
export function audienceDelta(frozen: Set<string>, now: string[]): { added: string[]; gone: string[] } {
  const cur = new Set(now);
  return { added: now.filter((b) => !frozen.has(b)), gone: [...frozen].filter((b) => !cur.has(b)) };
}

// ---------------------------------------------------------------------------------------------
// Pacing

export interface ChannelPace {
  /** Minimum time between two sends of one shop on this channel. */
  spacingMs: number;
  /** Sends per shop and UTC day the incident may use. */
  dailyCap: number;
}

/**
 * TikTok chat: a text is two customer-service calls (start conversation, send), a coupon card one
 * more, out of the shop's 10,000 a day (45101004), shared with the desk — an outreach takes at most
 * 6,000 calls a day. Coupon cards are 0.5 QPS (45111012), spaced 2.1 s; texts are spaced 0.5 s so
 * the desk's own replies keep room. E-mail and WhatsApp figures are our own conservative settings.
 */
export const INCIDENT_CALLS_PER_DAY = 6_000;
export function paceFor(channel: IncidentChannel, withCouponCard: boolean): ChannelPace {
  if (channel === 'tiktok_chat') return withCouponCard ? { spacingMs: 2_100, dailyCap: Math.floor(INCIDENT_CALLS_PER_DAY / 3) } : { spacingMs: 500, dailyCap: Math.floor(INCIDENT_CALLS_PER_DAY / 2) };
  if (channel === 'email') return { spacingMs: 200, dailyCap: 10_000 };
  return { spacingMs: 1_000, dailyCap: 1_000 };
}

const DAY = 86_400_000;

/**
 * When the i-th send (0-based) of a channel may go, starting at `start`: spaced by the channel's
 * spacing, and once the day's cap is used, from the start of the next UTC day.
 */
export function slotAt(i: number, start: Date, pace: ChannelPace): Date {
  const dayIdx = Math.floor(i / pace.dailyCap);
  const within = i % pace.dailyCap;
  if (dayIdx === 0) return new Date(start.getTime() + within * pace.spacingMs);
  const dayStart = Math.floor(start.getTime() / DAY) * DAY + dayIdx * DAY;
  return new Date(dayStart + within * pace.spacingMs);
}

export interface ChannelEstimate {
  channel: IncidentChannel;
  buyers: number;
  finishAt: string | null;
  afterDeadline: number;
}

/**
 * Before approval: per channel, when the last send would go and how many buyers would be reached
 * after the promised deadline, so the supervisor can add a channel or narrow the audience.
 */
export function estimate(perChannel: Partial<Record<IncidentChannel, number>>, start: Date, deadlineHours: number, withCouponCard: boolean, pace: (c: IncidentChannel, coupon: boolean) => ChannelPace = paceFor): ChannelEstimate[] {
  const deadline = start.getTime() + deadlineHours * 3_600_000;
  const out: ChannelEstimate[] = [];
  for (const channel of INCIDENT_CHANNELS) {
    const n = perChannel[channel] ?? 0;
    if (n === 0) continue;
    const p = pace(channel, withCouponCard && channel === 'tiktok_chat');
    const last = slotAt(n - 1, start, p);
    // The slots are increasing: find the first one past the deadline by binary search.
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (slotAt(mid, start, p).getTime() > deadline) hi = mid;
      else lo = mid + 1;
    }
    out.push({ channel, buyers: n, finishAt: last.toISOString(), afterDeadline: n - lo });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Approval

/** Outreach needs a second person when its total cost is above the declarer's remedy authority. */
export function needsApproval(limits: { amounts: Record<string, number> | null } | null, total: number, currency: string): { needed: boolean; reason: string } {
  if (total <= 0) return { needed: false, reason: 'no_cost' };
  if (!limits) return { needed: true, reason: 'no_limits' };
  if (limits.amounts === null) return { needed: false, reason: 'unlimited' };
  const cap = limits.amounts[currency];
  if (cap === undefined) return { needed: true, reason: 'no_limit_for_currency' };
  return total > cap ? { needed: true, reason: 'over_amount' } : { needed: false, reason: 'within_limits' };
}

// ---------------------------------------------------------------------------------------------
// Lifecycle

const MOVES: Record<IncidentStatus, IncidentStatus[]> = {
  proposed: ['draft', 'cancelled'],
  draft: ['pending_approval', 'approved', 'cancelled', 'closed'],
  pending_approval: ['approved', 'draft', 'cancelled'],
  approved: ['sending', 'cancelled', 'draft'],
  sending: ['paused', 'cancelled', 'sent'],
  paused: ['sending', 'cancelled'],
  sent: ['closed', 'sending'],
  cancelled: ['closed'],
  closed: [],
};
export function canMove(from: IncidentStatus, to: IncidentStatus): boolean {
  return MOVES[from].includes(to);
}
/** Message, compensation, channels and audience may change only before the outreach is approved. */
export function editable(s: IncidentStatus): boolean {
  return s === 'proposed' || s === 'draft' || s === 'pending_approval';
}

// ---------------------------------------------------------------------------------------------
// Messages

export const MESSAGE_VARIABLES = ['buyer_name', 'product', 'order_number', 'tracking_link'] as const;
export type MessageVariable = (typeof MESSAGE_VARIABLES)[number];

/** Fill `{buyer_name}`, `{product}`, `{order_number}`, `{tracking_link}`; unknown names stay as written. */
export function renderMessage(template: string, vars: Partial<Record<MessageVariable, string | null>>): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => {
    if (!(MESSAGE_VARIABLES as readonly string[]).includes(name)) return whole;
    const v = vars[name as MessageVariable];
    return v === null || v === undefined || v === '' ? '' : v;
  }).replace(/[ \t]{2,}/g, ' ').trim();
}

/** Names in a template that we cannot fill (a typo the preview must show). */
export function unknownVariables(template: string): string[] {
  return [...new Set([...template.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!).filter((n) => !(MESSAGE_VARIABLES as readonly string[]).includes(n)))];
}

/** The text of the buyer's language, else English, else the first written. */
export function messageFor(messages: Partial<Record<IncidentLanguage, string>>, lang: string | null): string | null {
  const l = messageLanguage(lang);
  return messages[l] ?? messages.en ?? Object.values(messages).find((m) => !!m) ?? null;
}

// ---------------------------------------------------------------------------------------------
// Proposals: the spike test

export interface ComplaintSeries {
  key: string;
  /** Complaints in the last 24 h, and in the 28 days before them. */
  recent: number;
  baseline: number;
  /** Orders (exposure) in the same two windows; null when unknown (then complaints are compared alone). */
  recentOrders?: number | null;
  baselineOrders?: number | null;
}

export interface SpikeResult {
  key: string;
  expected: number;
  pValue: number;
  spike: boolean;
}

export const SPIKE_MIN_COMPLAINTS = 5;
export const SPIKE_P = 0.001;

/**
 * A spike: the last 24 h hold far more complaints than the previous 28 days predict. Under "no
 * change" each complaint of the 29 days falls into the last day with probability 1/29 (or, with
 * exposure known, that day's share of orders); a one-sided binomial test of the recent count (the
 * analytics module's), at least 5 complaints and p < 0.001 (many keys are tested every hour, so the
 * bar is high), and at least three times the expected count.
 */
export function spikeTest(s: ComplaintSeries, opts: { minComplaints?: number; p?: number } = {}): SpikeResult {
  const n = s.recent + s.baseline;
  const share = s.recentOrders != null && s.baselineOrders != null && s.recentOrders + s.baselineOrders > 0 ? s.recentOrders / (s.recentOrders + s.baselineOrders) : 1 / 29;
  const expected = n * share;
  const p = n === 0 ? 1 : binomialUpperP(s.recent, n, share);
  const spike = s.recent >= (opts.minComplaints ?? SPIKE_MIN_COMPLAINTS) && p < (opts.p ?? SPIKE_P) && s.recent >= 3 * Math.max(expected, 1);
  return { key: s.key, expected, pValue: p, spike };
}

/** A WhatsApp template variable: no line breaks or tabs, no runs of more than four spaces, at most 1,024 characters. */
export function whatsappParam(text: string): string {
  return text.replace(/[\r\n\t]+/g, ' ').replace(/ {5,}/g, '    ').trim().slice(0, 1024);
}
