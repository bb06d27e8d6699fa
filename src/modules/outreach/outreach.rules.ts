import { DateTime } from 'luxon';

/**
 * The contact policy: may we start a conversation with this buyer now? Pure; the service gathers
 * the facts (reachability, consent, contact history, the buyer's market zone) and records the
 * contact when the caller goes ahead.
 */

export type Purpose = 'service' | 'marketing';
export type Channel = 'tiktok_chat' | 'email' | 'whatsapp';

export interface ContactPolicy {
  /** Local hours (0–23) in the buyer's market zone when nothing we start is sent: [start, end), wrapping midnight. */
  quietHours: { start: number; end: number };
  /** At most this many contacts (any purpose) per rolling 30 days before a marketing message is refused. */
  maxPer30Days: number;
}

export const DEFAULT_POLICY: ContactPolicy = { quietHours: { start: 21, end: 9 }, maxPer30Days: 4 };

/** TikTok's rule for who a shop may message (customer-service overview): chat in 30 days, order in 60, or after-sales history. */
export const CHAT_WINDOW_DAYS = 30;
export const ORDER_WINDOW_DAYS = 60;

export interface Reach {
  /** The platform's own answer (`can_send_message` on the conversation) when we have one. */
  canSendMessage?: boolean | null;
  lastChatAt?: Date | null;
  lastOrderAt?: Date | null;
  hasReturnHistory?: boolean;
  /** E-mail address / WhatsApp number on file for the buyer. */
  hasAddress?: boolean;
  /** The shop's connection lacks the customer-service scope: TikTok reach is zero. */
  noChatScope?: boolean;
}

export interface Consent {
  marketingConsent: boolean;
  unsubscribedAt: Date | null;
}

export interface ContactFacts {
  purpose: Purpose;
  channel: Channel;
  reach: Reach;
  consent: Consent;
  zone: string;
  now: Date;
  /** Times of earlier contacts with this buyer, all purposes and channels. */
  history: Date[];
  policy?: ContactPolicy;
  /** The quiet hours' answer for (now, zone) when the caller already worked it out (a batch); undefined = work it out. */
  quietUntil?: Date | null;
}

export type ContactReason = 'no_chat_scope' | 'unreachable' | 'no_address' | 'no_consent' | 'unsubscribed' | 'same_day' | 'frequency_cap' | 'quiet_hours';

export interface ContactDecision {
  allowed: boolean;
  reasons: ContactReason[];
  /** When the only obstacle is the quiet hours: the first moment the message may go. */
  notBefore: Date | null;
}

const DAY = 86_400_000;

/** TikTok chat reachability: the platform's flag wins; without it, its documented windows. */
export function chatReachable(r: Reach, now: Date): boolean {
  if (r.noChatScope) return false;
  if (r.canSendMessage === true || r.canSendMessage === false) return r.canSendMessage;
  const within = (d: Date | null | undefined, days: number) => !!d && now.getTime() - d.getTime() <= days * DAY && d.getTime() <= now.getTime() + 60_000;
  return within(r.lastChatAt, CHAT_WINDOW_DAYS) || within(r.lastOrderAt, ORDER_WINDOW_DAYS) || !!r.hasReturnHistory;
}

/** Is `now` inside the quiet hours in `zone`? When it is, the end of them (a real instant, DST-correct). */
export function quietUntil(now: Date, zone: string, q: ContactPolicy['quietHours']): Date | null {
  const local = DateTime.fromJSDate(now, { zone });
  const h = local.hour;
  const inside = q.start === q.end ? false : q.start < q.end ? h >= q.start && h < q.end : h >= q.start || h < q.end;
  if (!inside) return null;
  // The end hour today, or tomorrow when we are in the evening part of a window wrapping midnight.
  let end = local.set({ hour: q.end, minute: 0, second: 0, millisecond: 0 });
  if (end <= local) end = end.plus({ days: 1 }).set({ hour: q.end, minute: 0, second: 0, millisecond: 0 });
  return end.toJSDate();
}

function sameLocalDay(a: Date, b: Date, zone: string): boolean {
  return DateTime.fromJSDate(a, { zone }).toISODate() === DateTime.fromJSDate(b, { zone }).toISODate();
}

/**
 * Service messages (a remedy's coupon, a delivery notice) need reachability and respect the quiet
 * hours; marketing also needs consent (chat: not unsubscribed; e-mail and WhatsApp: an explicit
 * opt-in) and passes the one frequency cap, which counts contacts of every purpose: never a
 * second contact on the same local day, at most `maxPer30Days` in 30 days.
 */
export function decideContact(f: ContactFacts): ContactDecision {
  const policy = f.policy ?? DEFAULT_POLICY;
  const reasons: ContactReason[] = [];
  if (f.channel === 'tiktok_chat') {
    if (f.reach.noChatScope) reasons.push('no_chat_scope');
    else if (!chatReachable(f.reach, f.now)) reasons.push('unreachable');
  } else if (!f.reach.hasAddress) {
    reasons.push('no_address');
  }
  if (f.purpose === 'marketing') {
    if (f.consent.unsubscribedAt && f.consent.unsubscribedAt.getTime() <= f.now.getTime()) reasons.push('unsubscribed');
    else if (f.channel !== 'tiktok_chat' && !f.consent.marketingConsent) reasons.push('no_consent');
    const past = f.history.filter((t) => t.getTime() <= f.now.getTime());
    if (past.some((t) => sameLocalDay(t, f.now, f.zone))) reasons.push('same_day');
    else if (past.filter((t) => f.now.getTime() - t.getTime() < 30 * DAY).length >= policy.maxPer30Days) reasons.push('frequency_cap');
  }
  const quiet = f.quietUntil !== undefined ? f.quietUntil : quietUntil(f.now, f.zone, policy.quietHours);
  if (quiet) reasons.push('quiet_hours');
  const onlyQuiet = reasons.length === 1 && reasons[0] === 'quiet_hours';
  return { allowed: reasons.length === 0, reasons, notBefore: onlyQuiet ? quiet : null };
}
