import { DateTime } from 'luxon';
import type { BusinessHours } from '../tenancy/index.js';
import { BUYER_LANGUAGES, type BuyerLanguage, type Channel, type Priority, type TicketStatus } from './helpdesk.dto.js';
import { languageModel } from './helpdesk.language.js';

// ---------- language ----------

export function isBuyerLanguage(x: unknown): x is BuyerLanguage {
  return typeof x === 'string' && (BUYER_LANGUAGES as readonly string[]).includes(x);
}

/** Normalise `de-AT`, `DE`, `de_DE` to `de`; anything outside our five languages to undefined. */
export function normaliseLanguage(tag: string | undefined | null): BuyerLanguage | undefined {
  if (!tag) return undefined;
  const base = tag.toLowerCase().split(/[-_]/)[0];
  return isBuyerLanguage(base) ? base : undefined;
}

export interface LanguageGuess {
  language: BuyerLanguage;
  source: 'detected' | 'hint' | 'shop' | 'default';
}

/**
 * The buyer's language from what they wrote (ELD restricted to our five languages; the model must
 * be loaded: `languageModelReady()`). Links, addresses, tags and numbers are left out of the
 * judgement. A short text the model is unsure of ("Hola, mi" scores Italian and Spanish within a
 * few hundredths) defers to the channel's hint, then to the shop's language; with neither, the
 * model's best guess still beats a default. Nothing to judge (emoji, numbers) is the hint, the
 * shop's language or English.
 */
export function detectLanguage(text: string, opts: { hint?: string | null; shopLanguages?: readonly string[] } = {}): LanguageGuess {
  const cleaned = text.replace(/https?:\/\/\S+|\S+@\S+|[#@]\S+|\d+/g, ' ').replace(/\s+/g, ' ').trim();
  const letters = cleaned.replace(/[^\p{L}]/gu, '').length;
  let unsure: BuyerLanguage | undefined;
  if (letters >= 3) {
    const r = languageModel().detect(cleaned);
    if (isBuyerLanguage(r.language)) {
      if (letters >= 20 || r.isReliable()) return { language: r.language, source: 'detected' };
      unsure = r.language;
    }
  }
  const hint = normaliseLanguage(opts.hint);
  if (hint) return { language: hint, source: 'hint' };
  const shop = opts.shopLanguages?.map(normaliseLanguage).find((l) => l !== undefined);
  if (shop) return { language: shop, source: 'shop' };
  if (unsure) return { language: unsure, source: 'detected' };
  return { language: 'en', source: 'default' };
}

// ---------- tickets ----------

export const OPEN_STATUSES: readonly TicketStatus[] = ['new', 'open', 'waiting_on_buyer', 'waiting_on_warehouse', 'waiting_on_platform'];
export const isLive = (s: TicketStatus) => OPEN_STATUSES.includes(s);

/** Which queue a new ticket lands in. Livestream orders keep their own queue (24-hour promise). */
export function queueFor(input: { channel: Channel; livestreamSessionId?: string | null; orderTrafficSource?: string | null }): string {
  if (input.channel === 'livestream' || input.livestreamSessionId || input.orderTrafficSource === 'livestream') return 'livestream';
  if (input.channel === 'tiktok_return_request') return 'returns';
  return 'general';
}

export function initialPriority(channel: Channel): Priority {
  // A platform return request runs against a seller deadline on TikTok's side.
  return channel === 'tiktok_return_request' ? 'high' : 'normal';
}

export function subjectFrom(text: string, given?: string): string {
  const s = (given ?? '').trim();
  if (s) return s.slice(0, 200);
  const first = text.replace(/\s+/g, ' ').trim();
  if (!first) return '(no text)';
  return first.length <= 80 ? first : `${first.slice(0, 77).replace(/\s+\S*$/, '')}…`;
}

export function preview(text: string): string {
  const t = text.replace(/\s+/g, ' ').trim();
  return t.length <= 140 ? t : `${t.slice(0, 139)}…`;
}

export type InboundOutcome = { action: 'append'; newStatus: TicketStatus } | { action: 'new_ticket' };

/**
 * What a buyer message does to the ticket its conversation feeds. A closed ticket is final (its
 * evidence is frozen), so the conversation starts a fresh ticket; anything else comes back to
 * the agent as open, except a ticket nobody has touched yet, which stays new.
 */
export function onBuyerMessage(status: TicketStatus): InboundOutcome {
  if (status === 'closed') return { action: 'new_ticket' };
  if (status === 'new') return { action: 'append', newStatus: 'new' };
  return { action: 'append', newStatus: 'open' };
}

/** Status after an agent's public reply when the agent did not pick one. */
export function statusAfterReply(current: TicketStatus, chosen?: TicketStatus): TicketStatus {
  if (chosen) return chosen;
  if (current === 'new' || current === 'open') return 'waiting_on_buyer';
  return current;
}

// ---------- history (messages written long before they reached us) ----------

/**
 * A channel message that reaches Afterdesk more than this after it was written is history: the
 * backlog imported when a shop connects (or a delivery that was days late), not live work.
 */
export const HISTORY_HORIZON_MS = 72 * 3600_000;

/** `solved_reason` of tickets whose state comes from imported history (also marks them as such). */
export const HISTORY_ANSWERED = 'history_answered';
export const HISTORY_UNANSWERED = 'history_unanswered';
/** Solved reason of a conversation a machine opened (auto-reply, bounce, list mail). */
export const AUTOMATED = 'automated';

export const isHistory = (sentAt: Date, now: Date, horizonMs: number = HISTORY_HORIZON_MS): boolean => now.getTime() - sentAt.getTime() > horizonMs;

/** A ticket whose current state was decided by imported history (solved by the rules below). */
export const isImported = (t: { status: TicketStatus; solvedReason: string | null }): boolean =>
  t.status === 'solved' && (t.solvedReason === HISTORY_ANSWERED || t.solvedReason === HISTORY_UNANSWERED);

export interface ChannelStatus {
  status: TicketStatus;
  /** Set when the rule solved the ticket; null clears a previous reason. */
  solvedReason: string | null;
}

/**
 * Status after a message that came in through the channel: a buyer message, or a seller message
 * written outside Afterdesk (e.g. in TikTok Seller Center, or before the shop was connected).
 * `current` is null when the message opens the ticket. History only decides for new or imported
 * tickets: once a ticket holds live work, a late old message is treated like a live one.
 *
 * - Buyer, live: new ticket → new; otherwise `onBuyerMessage` (an imported ticket reopens).
 * - Buyer, history: solved as `history_unanswered` (nobody owes a weeks-old chat a first reply;
 *   a later seller answer or live buyer message brings it back).
 * - Seller: like an agent's reply (`statusAfterReply`); a history answer that leaves the ticket
 *   waiting on the buyer ends the conversation: solved as `history_answered`.
 */
export function statusAfterChannelMessage(current: { status: TicketStatus; solvedReason: string | null } | null, direction: 'inbound' | 'outbound', history: boolean): ChannelStatus {
  const fresh = current === null || isImported(current);
  if (direction === 'inbound') {
    if (history && fresh) return { status: 'solved', solvedReason: HISTORY_UNANSWERED };
    if (current === null) return { status: 'new', solvedReason: null };
    const o = onBuyerMessage(current.status);
    const status = o.action === 'append' ? o.newStatus : 'new';
    return { status, solvedReason: status === 'solved' ? current.solvedReason : null };
  }
  const before: TicketStatus = current === null || current.solvedReason === HISTORY_UNANSWERED ? 'open' : current.status;
  const next = statusAfterReply(before);
  if (history && fresh && next === 'waiting_on_buyer') return { status: 'solved', solvedReason: HISTORY_ANSWERED };
  if (next === 'solved' && current) return { status: next, solvedReason: current.solvedReason };
  return { status: next, solvedReason: null };
}

export type InboundSlaStep =
  /** Start the ticket's clocks as of `at` (its first live buyer message). */
  | { kind: 'start_clocks'; at: Date }
  | { kind: 'buyer_message' | 'agent_public_reply' | 'status_changed'; status: TicketStatus; at: Date };

/**
 * Which SLA events a channel message emits, in the order things happened on the channel (all at
 * the messages' own times, never at import time).
 *
 * - A ticket the message opens starts its clocks only when the message is live buyer work (new);
 *   settled history and seller-opened threads have no clocks yet.
 * - A buyer message on an existing ticket records `buyer_message`, first starting the clocks if
 *   the ticket has none (seller-opened, or imported); an old message that leaves imported history
 *   unanswered emits nothing (a later seller answer measures it, below).
 * - A seller message (written outside Afterdesk) is an agent reply. When it answers an imported
 *   unanswered stretch (`replayFrom`, that stretch's first buyer message, not after this one), the
 *   stretch is measured from its first buyer message: clocks start and a `buyer_message` lands
 *   there, as if the ticket had been open since. A status the reply leaves other than the one it
 *   was written against is a `status_changed`.
 */
export function slaEventsForInbound(input: {
  /** The message opened this ticket. */
  created: boolean;
  direction: 'inbound' | 'outbound';
  /** The ticket before the message; null when the message opened it. */
  before: { status: TicketStatus; solvedReason: string | null; lastInboundAt: Date | null } | null;
  /** The status the message leaves (`statusAfterChannelMessage`). */
  after: ChannelStatus;
  sentAt: Date;
  replayFrom?: Date | null;
}): InboundSlaStep[] {
  const { before, after, sentAt } = input;
  if (input.created || !before) return after.status === 'new' ? [{ kind: 'start_clocks', at: sentAt }] : [];
  const steps: InboundSlaStep[] = [];
  if (input.direction === 'inbound') {
    if (after.status === 'solved' && after.solvedReason === HISTORY_UNANSWERED) return [];
    if (before.lastInboundAt === null || isImported(before)) steps.push({ kind: 'start_clocks', at: sentAt });
    steps.push({ kind: 'buyer_message', status: after.status, at: sentAt });
    return steps;
  }
  let replyStatus: TicketStatus = before.status;
  if (input.replayFrom && input.replayFrom <= sentAt) {
    steps.push({ kind: 'start_clocks', at: input.replayFrom }, { kind: 'buyer_message', status: 'open', at: input.replayFrom });
    replyStatus = 'open';
  }
  steps.push({ kind: 'agent_public_reply', status: replyStatus, at: sentAt });
  if (after.status !== replyStatus) steps.push({ kind: 'status_changed', status: after.status, at: sentAt });
  return steps;
}

export function canChangeStatus(from: TicketStatus, to: TicketStatus): { ok: true } | { ok: false; reason: string } {
  if (from === to) return { ok: true };
  if (from === 'closed') return { ok: false, reason: 'A closed ticket is final; a new buyer message opens a new ticket' };
  if (to === 'new') return { ok: false, reason: 'A ticket cannot go back to new' };
  return { ok: true };
}

export function applyTags(current: readonly string[], change: { add?: string[]; remove?: string[]; set?: string[] }): string[] {
  const norm = (t: string) => t.trim().toLowerCase().replace(/\s+/g, '-');
  let out = change.set ? change.set.map(norm) : current.map(norm);
  if (change.add) out = [...out, ...change.add.map(norm)];
  if (change.remove) {
    const rm = new Set(change.remove.map(norm));
    out = out.filter((t) => !rm.has(t));
  }
  return [...new Set(out)].sort();
}

// ---------- routing ----------

export interface AgentCandidate {
  id: string;
  role: string;
  active: boolean;
  languages: readonly string[];
  skills: readonly string[];
  /** Live tickets currently assigned. */
  load: number;
  schedule?: { timeZone: string; hours: BusinessHours } | null;
}

export interface RoutingInput {
  language: string;
  queue: string;
  /** Product category of the order line, when known. */
  category?: string | null;
  agents: readonly AgentCandidate[];
  /** Who got the previous ticket of this queue (round-robin cursor). */
  lastAssignedId?: string | null;
  now: Date;
  maxLoad?: number;
}

export interface RoutingDecision {
  assigneeId: string | null;
  reason: string;
  /** Skills the ticket asked for, for display. */
  wanted: string[];
}

const WEEKDAY_KEYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

/** Whether `now` falls inside the agent's shift in their own zone. No schedule means always on. */
export function isOnShift(schedule: AgentCandidate['schedule'], now: Date): boolean {
  if (!schedule) return true;
  const local = DateTime.fromJSDate(now, { zone: schedule.timeZone });
  if (!local.isValid) return true;
  const key = WEEKDAY_KEYS[local.weekday - 1]!;
  const hm = local.toFormat('HH:mm');
  return (schedule.hours[key] ?? []).some((i) => i.start <= hm && hm < i.end);
}

export function skillsWanted(queue: string, category?: string | null): string[] {
  const out: string[] = [];
  if (queue === 'livestream') out.push('livestream');
  if (queue === 'returns') out.push('returns');
  if (category) out.push(category.toLowerCase());
  return out;
}

/**
 * Pick an agent: active agents or supervisors on shift, under capacity, who speak the buyer's
 * language; prefer those with a wanted skill; then the least loaded; ties rotate after whoever
 * got this queue's previous ticket. No one who speaks the language → stay unassigned in the
 * queue (a supervisor re-routes) rather than answer a buyer in a language the agent lacks.
 */
export function routeTicket(input: RoutingInput): RoutingDecision {
  const maxLoad = input.maxLoad ?? 40;
  const wanted = skillsWanted(input.queue, input.category);
  const pool = input.agents.filter((a) => a.active && (a.role === 'agent' || a.role === 'supervisor'));
  const onShift = pool.filter((a) => isOnShift(a.schedule, input.now));
  if (!onShift.length) return { assigneeId: null, reason: 'no agent on shift', wanted };
  const speakers = onShift.filter((a) => a.languages.includes(input.language));
  if (!speakers.length) return { assigneeId: null, reason: `no agent on shift speaks ${input.language}`, wanted };
  const withCapacity = speakers.filter((a) => a.load < maxLoad);
  if (!withCapacity.length) return { assigneeId: null, reason: 'every matching agent is at capacity', wanted };
  // Agents (not supervisors) take tickets first; supervisors only when no agent fits.
  const agentsFirst = withCapacity.some((a) => a.role === 'agent') ? withCapacity.filter((a) => a.role === 'agent') : withCapacity;
  const skilled = wanted.length ? agentsFirst.filter((a) => wanted.some((w) => a.skills.map((s) => s.toLowerCase()).includes(w))) : [];
  const tier = skilled.length ? skilled : agentsFirst;
  const minLoad = Math.min(...tier.map((a) => a.load));
  const least = tier.filter((a) => a.load === minLoad).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const after = input.lastAssignedId ? least.find((a) => a.id > input.lastAssignedId!) : undefined;
  const pick = after ?? least[0]!;
  const why = [`speaks ${input.language}`, skilled.length ? `skill ${wanted.filter((w) => pick.skills.map((s) => s.toLowerCase()).includes(w)).join('+')}` : null, `load ${pick.load}`, least.length > 1 ? 'round-robin' : null]
    .filter(Boolean)
    .join(', ');
  return { assigneeId: pick.id, reason: why, wanted };
}

// ---------- macros ----------

export const MACRO_VARIABLES = ['order_number', 'product', 'tracking_link', 'buyer_name', 'shop_name'] as const;

export interface RenderedMacro {
  language: BuyerLanguage;
  text: string;
  /** Placeholders with no value; they stay visible in the text so the agent fills them in. */
  missing: string[];
  fellBack: boolean;
}

export function renderMacro(bodies: Record<string, string>, language: string, vars: Record<string, string | null | undefined>): RenderedMacro {
  const lang = normaliseLanguage(language) ?? 'en';
  const chosen = bodies[lang] !== undefined ? lang : 'en';
  const body = bodies[chosen] ?? Object.values(bodies)[0] ?? '';
  const missing = new Set<string>();
  const text = body.replace(/\{\{\s*([a-z_]+)\s*\}\}/g, (whole, name: string) => {
    const v = vars[name];
    if (v === undefined || v === null || v === '') {
      missing.add(name);
      return whole;
    }
    return v;
  });
  return { language: chosen as BuyerLanguage, text, missing: [...missing], fellBack: chosen !== lang };
}

// ---------- pagination ----------

export interface Cursor {
  slaSort: string; // ISO or 'infinity'
  id: string;
}
export function encodeCursor(c: Cursor): string {
  return Buffer.from(`${c.slaSort}|${c.id}`, 'utf8').toString('base64url');
}
export function decodeCursor(s: string): Cursor | undefined {
  const raw = Buffer.from(s, 'base64url').toString('utf8');
  const i = raw.lastIndexOf('|');
  if (i <= 0) return undefined;
  const slaSort = raw.slice(0, i);
  const id = raw.slice(i + 1);
  if (slaSort !== 'infinity' && Number.isNaN(Date.parse(slaSort))) return undefined;
  if (!/^[a-z]+_[0-9a-z]+$/.test(id)) return undefined;
  return { slaSort, id };
}

// ---------- tracking links ----------

const TRACKING_URLS: [RegExp, (n: string) => string][] = [
  [/^dhl/i, (n) => `https://www.dhl.com/global-en/home/tracking/tracking-parcel.html?tracking-id=${n}`],
  [/^ups/i, (n) => `https://www.ups.com/track?tracknum=${n}`],
  [/^usps/i, (n) => `https://tools.usps.com/go/TrackConfirmAction?tLabels=${n}`],
  [/^fedex/i, (n) => `https://www.fedex.com/fedextrack/?trknbr=${n}`],
  [/^royal\s*mail/i, (n) => `https://www.royalmail.com/track-your-item#/tracking-results/${n}`],
  [/^(la\s*poste|colissimo)/i, (n) => `https://www.laposte.fr/outils/suivre-vos-envois?code=${n}`],
  [/^dpd/i, (n) => `https://tracking.dpd.de/status/en_US/parcel/${n}`],
  [/^(hermes|evri)/i, (n) => `https://www.evri.com/track/parcel/${n}`],
  [/^gls/i, (n) => `https://gls-group.com/track/${n}`],
  [/^(poste\s*italiane|sda)/i, (n) => `https://www.poste.it/cerca/index.html#/risultati-spedizioni/${n}`],
  [/^correos/i, (n) => `https://www.correos.es/es/es/herramientas/localizador/envios/detalle?tracking-number=${n}`],
  [/^canada\s*post/i, (n) => `https://www.canadapost-postescanada.ca/track-reperage/en#/search?searchFor=${n}`],
];

/** A buyer-clickable tracking page for well-known carriers; otherwise null (the number is shown). */
export function trackingUrl(carrier: string | null | undefined, trackingNumber: string): string | null {
  const n = encodeURIComponent(trackingNumber.trim());
  const hit = carrier ? TRACKING_URLS.find(([re]) => re.test(carrier.trim())) : undefined;
  return hit ? hit[1](n) : null;
}

/** WhatsApp's customer-service window: free-form replies only within 24 h of the buyer's last message. */
export const WHATSAPP_WINDOW_MS = 24 * 3_600_000;

/** Why a free-form reply cannot go out on this ticket's channel now, or null. */
export function replyWindowClosed(t: { channel: string; lastInboundAt: Date | null }, now: Date): { lastInboundAt: string | null } | null {
  if (t.channel !== 'whatsapp') return null;
  if (t.lastInboundAt && now.getTime() - t.lastInboundAt.getTime() <= WHATSAPP_WINDOW_MS) return null;
  return { lastInboundAt: t.lastInboundAt?.toISOString() ?? null };
}

// ---------- mentions ----------

/**
 * The people an internal note mentions: `@` followed by a person's full name (or their first
 * name when no one else shares it), case-insensitive, not inside a word. Longest names first, so
 * "@Ana Lima" is Ana Lima and not an "Ana" beside her. Each person once, in the people's order.
 */
export function mentionedIn(text: string, people: readonly { id: string; name: string }[]): string[] {
  const lower = text.toLowerCase();
  const firstCounts = new Map<string, number>();
  for (const p of people) {
    const f = p.name.trim().split(/\s+/)[0]!.toLowerCase();
    firstCounts.set(f, (firstCounts.get(f) ?? 0) + 1);
  }
  const hit = (needle: string) => {
    let i = lower.indexOf(needle);
    while (i >= 0) {
      const before = i === 0 ? ' ' : lower[i - 1]!;
      const after = lower[i + needle.length] ?? ' ';
      if (!/[\p{L}\p{N}]/u.test(before) && !/[\p{L}\p{N}]/u.test(after)) return true;
      i = lower.indexOf(needle, i + 1);
    }
    return false;
  };
  const out: string[] = [];
  for (const p of people) {
    const full = p.name.trim().toLowerCase();
    const first = full.split(/\s+/)[0]!;
    if (hit(`@${full}`) || (firstCounts.get(first) === 1 && hit(`@${first}`))) out.push(p.id);
  }
  return out;
}
