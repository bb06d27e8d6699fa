import { DateTime, IANAZone } from 'luxon';
import { WEEKDAYS, type BusinessHours, type Weekday } from '../tenancy/index.js';

/**
 * Business-time arithmetic for SLA targets. Pure: no database, no clock.
 *
 * A calendar is compiled once (weekly intervals as minutes of the local day, holidays as a bitmap
 * of local day numbers, the zone's UTC-offset transitions as two typed arrays) so the hot path
 * works on plain numbers and never builds a luxon object per due computation.
 *
 * Business time is measured in real elapsed time: on the day clocks spring forward a 00:00–24:00
 * interval holds 23 hours, on the day they fall back 25. Local interval boundaries that fall into
 * a gap move forward to the first instant after it; boundaries in an overlap take the earlier
 * occurrence.
 */

export type SlaMode = 'business' | 'calendar';

export interface Calendar {
  timeZone: string;
  hours: BusinessHours;
  /** Local dates (YYYY-MM-DD) on which no business time counts. */
  holidays: readonly string[];
  mode: SlaMode;
}

export interface CompiledCalendar {
  readonly timeZone: string;
  readonly mode: SlaMode;
  /** Per weekday (0 = Monday): flat [start, end, start, end, …] in minutes of the local day. */
  readonly week: readonly Int32Array[];
  readonly weekMinutes: number;
  /** Holiday bitmap over local day numbers [holidayBase, holidayBase + length). */
  readonly holidayBase: number;
  readonly holidayBits: Uint8Array;
  readonly zone: ZoneTable;
}

const MINUTE = 60_000;
const DAY = 86_400_000;

// ---------------------------------------------------------------------------------------------
// Time-zone offset tables

/** Offsets of one zone: offset `off[i]` (ms) applies from `at[i]` (UTC ms) until `at[i + 1]`. */
export interface ZoneTable {
  readonly name: string;
  readonly at: Float64Array;
  readonly off: Float64Array;
  /** Range the table was built for; outside it we ask luxon (slow but right). */
  readonly from: number;
  readonly to: number;
  readonly zone: IANAZone;
}

const TABLE_FROM = Date.UTC(1990, 0, 1);
const TABLE_TO = Date.UTC(2080, 0, 1);
const zoneTables = new Map<string, ZoneTable>();

export function isValidTimeZone(tz: string): boolean {
  return IANAZone.isValidZone(tz) && (tz.includes('/') || tz === 'UTC');
}

/** Finds every offset change between 1990 and 2080 by weekly probes refined by bisection. */
export function zoneTable(name: string): ZoneTable {
  let t = zoneTables.get(name);
  if (t) return t;
  if (!IANAZone.isValidZone(name)) throw new RangeError(`unknown time zone ${name}`);
  const zone = IANAZone.create(name);
  const offMs = (ms: number) => zone.offset(ms) * MINUTE;
  const at: number[] = [-Infinity];
  const off: number[] = [offMs(TABLE_FROM)];
  const step = 7 * DAY;
  let prev = TABLE_FROM;
  let prevOff = off[0]!;
  for (let ms = TABLE_FROM + step; ms <= TABLE_TO; ms += step) {
    const o = offMs(ms);
    if (o !== prevOff) {
      // Transitions happen on whole minutes; bisect down to one.
      let lo = prev;
      let hi = ms;
      while (hi - lo > MINUTE) {
        const mid = lo + Math.floor((hi - lo) / 2 / MINUTE) * MINUTE;
        if (offMs(mid) === prevOff) lo = mid;
        else hi = mid;
      }
      at.push(hi);
      off.push(o);
      prevOff = o;
    }
    prev = ms;
  }
  t = { name, at: Float64Array.from(at), off: Float64Array.from(off), from: TABLE_FROM, to: TABLE_TO, zone };
  zoneTables.set(name, t);
  return t;
}

/** Index of the offset segment containing UTC instant `ms`. */
function segmentIndex(z: ZoneTable, ms: number): number {
  const at = z.at;
  let lo = 0;
  let hi = at.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (at[mid]! <= ms) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

export function offsetAt(z: ZoneTable, ms: number): number {
  if (ms < z.from || ms >= z.to) return z.zone.offset(ms) * MINUTE;
  return z.off[segmentIndex(z, ms)]!;
}

/** Local wall-clock ms (as if UTC) → UTC ms; gaps move forward, overlaps take the earlier one. */
export function localToUtc(z: ZoneTable, local: number): number {
  const before = offsetAt(z, local - DAY);
  const after = offsetAt(z, local + DAY);
  if (before === after) {
    const u = local - before;
    if (offsetAt(z, u) === before) return u;
  }
  const uA = local - before;
  const uB = local - after;
  const okA = offsetAt(z, uA) === before;
  const okB = offsetAt(z, uB) === after;
  if (okA && okB) return Math.min(uA, uB);
  if (okA) return uA;
  if (okB) return uB;
  // In a gap neither reading exists; the one on the old offset lands just after the gap.
  return Math.max(uA, uB);
}

// ---------------------------------------------------------------------------------------------
// Compiling a calendar

const compiledCache = new WeakMap<Calendar, CompiledCalendar>();

function toMinutes(hhmm: string): number {
  return Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
}

/** Local day number (days since 1970-01-01 in local wall time) of an ISO date. */
export function dayNumber(isoDate: string): number {
  return Math.floor(Date.UTC(Number(isoDate.slice(0, 4)), Number(isoDate.slice(5, 7)) - 1, Number(isoDate.slice(8, 10))) / DAY);
}

function weekdayOf(day: number): number {
  // 1970-01-01 was a Thursday (index 3 with Monday = 0).
  return (((day + 3) % 7) + 7) % 7;
}

export function compileCalendar(cal: Calendar | CompiledCalendar): CompiledCalendar {
  if ('week' in cal) return cal;
  const hit = compiledCache.get(cal);
  if (hit) return hit;
  const week: Int32Array[] = [];
  let weekMinutes = 0;
  for (const d of WEEKDAYS) {
    const spans = (cal.hours[d] ?? [])
      .map((i) => [toMinutes(i.start), toMinutes(i.end)] as [number, number])
      .filter(([a, b]) => b > a)
      .sort((x, y) => x[0] - y[0]);
    // Overlapping or touching intervals merge so no minute counts twice.
    const merged: [number, number][] = [];
    for (const s of spans) {
      const last = merged[merged.length - 1];
      if (last && s[0] <= last[1]) last[1] = Math.max(last[1], s[1]);
      else merged.push([s[0], s[1]]);
    }
    for (const [a, b] of merged) weekMinutes += b - a;
    week.push(Int32Array.from(merged.flat()));
  }
  const days = cal.holidays.map(dayNumber).filter((n) => Number.isFinite(n));
  const base = days.length ? Math.min(...days) : 0;
  const bits = new Uint8Array(days.length ? Math.max(...days) - base + 1 : 0);
  for (const d of days) bits[d - base] = 1;
  const compiled: CompiledCalendar = {
    timeZone: cal.timeZone,
    mode: cal.mode,
    week,
    weekMinutes,
    holidayBase: base,
    holidayBits: bits,
    zone: zoneTable(cal.timeZone),
  };
  compiledCache.set(cal, compiled);
  return compiled;
}

function isHoliday(c: CompiledCalendar, day: number): boolean {
  const i = day - c.holidayBase;
  return i >= 0 && i < c.holidayBits.length && c.holidayBits[i] === 1;
}

/** Whether a holiday-free business week exists at all (else no target could ever be reached). */
function assertReachable(c: CompiledCalendar): void {
  if (c.weekMinutes <= 0) throw new RangeError('the business hours contain no open time; an SLA target could never be reached');
}

// ---------------------------------------------------------------------------------------------
// Walking business intervals

/**
 * Calls `visit(startUtc, endUtc)` for each business interval (clamped to `fromMs`) in time
 * order, until `visit` returns true. Stops after ten years of closed days as a guard.
 */
function walk(c: CompiledCalendar, fromMs: number, visit: (a: number, b: number) => boolean): void {
  const z = c.zone;
  let seg = segmentIndex(z, fromMs);
  const inTable = fromMs >= z.from && fromMs < z.to;
  let off = inTable ? z.off[seg]! : offsetAt(z, fromMs);
  let day = Math.floor((fromMs + off) / DAY);
  const lastDay = day + 3660;
  for (; day <= lastDay; day++) {
    if (isHoliday(c, day)) continue;
    const spans = c.week[weekdayOf(day)]!;
    if (spans.length === 0) continue;
    const local0 = day * DAY;
    // Fast path: one offset covers this local day with a day's margin on both sides, so every
    // boundary converts by subtraction. Near a transition (or off the table) convert exactly.
    let fast = false;
    if (local0 >= z.from + 2 * DAY && local0 < z.to - 2 * DAY) {
      const at = z.at;
      while (seg + 1 < at.length && at[seg + 1]! <= local0 - 2 * DAY) seg++;
      off = z.off[seg]!;
      fast = at[seg]! <= local0 - 2 * DAY && (seg + 1 >= at.length || at[seg + 1]! > local0 + 3 * DAY);
    }
    for (let k = 0; k < spans.length; k += 2) {
      const aLocal = local0 + spans[k]! * MINUTE;
      const bLocal = local0 + spans[k + 1]! * MINUTE;
      let a = fast ? aLocal - off : localToUtc(z, aLocal);
      const b = fast ? bLocal - off : localToUtc(z, bLocal);
      if (b <= fromMs) continue;
      if (a < fromMs) a = fromMs;
      if (b > a && visit(a, b)) return;
    }
  }
  throw new RangeError('no business time found within ten years; check the business hours and holidays');
}

/**
 * Due instant (UTC ms) after `ms` milliseconds of business time from `startMs`. Zero returns the
 * start unchanged, so `due(due(s, a), b) === due(s, a + b)` holds for every a, b ≥ 0. A due that
 * uses up an interval exactly lands on that interval's end, not on the next opening.
 */
export function addBusinessMs(cal: CompiledCalendar, startMs: number, ms: number): number {
  if (!(ms >= 0)) throw new RangeError('duration must be zero or positive');
  if (ms === 0 || cal.mode === 'calendar') return startMs + ms;
  assertReachable(cal);
  let remaining = ms;
  let due = startMs;
  walk(cal, startMs, (a, b) => {
    const avail = b - a;
    if (remaining <= avail) {
      due = a + remaining;
      return true;
    }
    remaining -= avail;
    return false;
  });
  return due;
}

/** Business milliseconds in [fromMs, toMs); calendar mode is plain subtraction. */
export function businessMsBetween(cal: CompiledCalendar, fromMs: number, toMs: number): number {
  if (toMs <= fromMs) return 0;
  if (cal.mode === 'calendar') return toMs - fromMs;
  if (cal.weekMinutes <= 0) return 0;
  let total = 0;
  // Beyond ten years the walk guard would trip on calendars with long closures; SLA spans are short.
  walk(cal, fromMs, (a, b) => {
    if (a >= toMs) return true;
    total += Math.min(b, toMs) - a;
    return b >= toMs;
  });
  return total;
}

export function addBusinessMinutes(calendar: Calendar | CompiledCalendar, start: Date, minutes: number): Date {
  return new Date(addBusinessMs(compileCalendar(calendar), start.getTime(), Math.round(minutes * MINUTE)));
}

export function businessMinutesBetween(calendar: Calendar | CompiledCalendar, from: Date, to: Date): number {
  return businessMsBetween(compileCalendar(calendar), from.getTime(), to.getTime()) / MINUTE;
}

/** Whether `ms` lies inside an open interval, or exactly on the end of one. */
export function isBusinessInstant(cal: CompiledCalendar, ms: number): boolean {
  if (cal.mode === 'calendar') return true;
  const z = cal.zone;
  const day = Math.floor((ms + offsetAt(z, ms)) / DAY);
  for (const d of [day - 1, day, day + 1]) {
    if (isHoliday(cal, d)) continue;
    const spans = cal.week[weekdayOf(d)]!;
    for (let k = 0; k < spans.length; k += 2) {
      const a = localToUtc(z, d * DAY + spans[k]! * MINUTE);
      const b = localToUtc(z, d * DAY + spans[k + 1]! * MINUTE);
      if (ms >= a && ms <= b) return true;
    }
  }
  return false;
}

/** ISO 8601 with the zone's offset and no milliseconds when they are zero: 2026-03-30T10:00:00+02:00. */
export function formatInZone(at: Date, timeZone: string): string {
  return DateTime.fromJSDate(at, { zone: timeZone }).toISO({ suppressMilliseconds: true })!;
}

// ---------------------------------------------------------------------------------------------
// The hours syntax ops type on the command line: "Mon-Fri 09:00-18:00; Sat 10:00-14:00"

export class HoursSyntaxError extends Error {}

const DAY_NAMES: Record<string, number> = { mon: 0, tue: 1, wed: 2, thu: 3, fri: 4, sat: 5, sun: 6 };

function parseDay(token: string, clause: string): number {
  const k = token.trim().toLowerCase().slice(0, 3);
  const n = DAY_NAMES[k];
  if (n === undefined || !/^[a-z]{3,9}$/i.test(token.trim())) {
    throw new HoursSyntaxError(`unknown day "${token.trim()}" in "${clause}" (use Mon, Tue, Wed, Thu, Fri, Sat, Sun)`);
  }
  return n;
}

function parseTime(token: string, clause: string): string {
  const m = /^(\d{1,2}):(\d{2})$/.exec(token.trim());
  if (!m) throw new HoursSyntaxError(`bad time "${token.trim()}" in "${clause}" (use HH:MM, 24-hour)`);
  const h = Number(m[1]);
  const min = Number(m[2]);
  if (h > 24 || min > 59 || (h === 24 && min !== 0)) throw new HoursSyntaxError(`bad time "${token.trim()}" in "${clause}" (hours 00–24, minutes 00–59)`);
  return `${String(h).padStart(2, '0')}:${m[2]}`;
}

/**
 * Parses "Mon-Fri 09:00-18:00; Sat 10:00-14:00". Clauses are separated by ";" (or new lines),
 * days by "," with ranges "Mon-Fri" (wrapping ranges like "Fri-Mon" work), several intervals by
 * ",". "Sun closed" is allowed for readability; "24/7" means always open. Days not named are closed.
 */
export function parseHours(text: string): BusinessHours {
  const out: BusinessHours = { mon: [], tue: [], wed: [], thu: [], fri: [], sat: [], sun: [] };
  const src = text.trim();
  if (!src) throw new HoursSyntaxError('is empty; write e.g. "Mon-Fri 09:00-18:00"');
  if (src === '24/7') {
    for (const d of WEEKDAYS) out[d].push({ start: '00:00', end: '24:00' });
    return out;
  }
  const seen = new Set<number>();
  for (const raw of src.split(/[;\n]/)) {
    const clause = raw.trim();
    if (!clause) continue;
    const m = /^([A-Za-z,\-\s]+?)\s+(.+)$/.exec(clause);
    if (!m) throw new HoursSyntaxError(`cannot read "${clause}"; write days then times, e.g. "Mon-Fri 09:00-18:00"`);
    const days: number[] = [];
    for (const part of m[1]!.split(',')) {
      const p = part.trim();
      if (!p) throw new HoursSyntaxError(`empty day in "${clause}"`);
      const range = p.split('-');
      if (range.length === 1) days.push(parseDay(range[0]!, clause));
      else if (range.length === 2) {
        const a = parseDay(range[0]!, clause);
        const b = parseDay(range[1]!, clause);
        for (let d = a; ; d = (d + 1) % 7) {
          days.push(d);
          if (d === b) break;
        }
      } else throw new HoursSyntaxError(`bad day range "${p}" in "${clause}"`);
    }
    const times = m[2]!.trim();
    const spans: { start: string; end: string }[] = [];
    if (!/^closed$/i.test(times)) {
      for (const iv of times.split(',')) {
        const parts = iv.trim().split('-');
        if (parts.length !== 2) throw new HoursSyntaxError(`bad interval "${iv.trim()}" in "${clause}" (use HH:MM-HH:MM)`);
        const start = parseTime(parts[0]!, clause);
        const end = parseTime(parts[1]!, clause);
        if (start >= end) throw new HoursSyntaxError(`interval "${iv.trim()}" in "${clause}" must end after it starts (split overnight shifts at 24:00)`);
        spans.push({ start, end });
      }
    }
    for (const d of days) {
      if (seen.has(d)) throw new HoursSyntaxError(`${WEEKDAYS[d]} appears in more than one clause`);
      seen.add(d);
      out[WEEKDAYS[d] as Weekday].push(...spans);
    }
  }
  return out;
}

/** Inverse of parseHours for display: "Mon-Fri 09:00-18:00; Sat 10:00-14:00". */
export function formatHours(h: BusinessHours): string {
  const label = (d: Weekday) => d.charAt(0).toUpperCase() + d.slice(1);
  const key = (d: Weekday) => h[d].map((i) => `${i.start}-${i.end}`).join(',');
  const parts: string[] = [];
  let i = 0;
  while (i < 7) {
    const d = WEEKDAYS[i]!;
    let j = i;
    while (j + 1 < 7 && key(WEEKDAYS[j + 1]!) === key(d)) j++;
    if (key(d)) parts.push(`${i === j ? label(d) : `${label(d)}-${label(WEEKDAYS[j]!)}`} ${key(d)}`);
    i = j + 1;
  }
  return parts.join('; ') || 'closed';
}

// ---------------------------------------------------------------------------------------------
// Policies

export const SLA_METRICS = ['first_reply', 'next_reply', 'resolution'] as const;
export type SlaMetric = (typeof SLA_METRICS)[number];

export interface PolicyLike {
  id: string;
  shopId: string | null;
  channel: string | null;
  priority: string | null;
  minOrderAmount: number | null;
  minOrderCurrency: string | null;
  firstReplyMinutes: number | null;
  nextReplyMinutes: number | null;
  resolutionMinutes: number | null;
  active: boolean;
  createdAt: Date;
}

export interface TicketFacts {
  shopId: string;
  channel: string;
  priority: string;
  orderValue?: { amount: number; currency: string } | null;
}

export function targetOf(p: PolicyLike, metric: SlaMetric): number | null {
  return metric === 'first_reply' ? p.firstReplyMinutes : metric === 'next_reply' ? p.nextReplyMinutes : p.resolutionMinutes;
}

export function policyMatches(p: PolicyLike, t: TicketFacts): boolean {
  if (!p.active) return false;
  if (p.shopId !== null && p.shopId !== t.shopId) return false;
  if (p.channel !== null && p.channel !== t.channel) return false;
  if (p.priority !== null && p.priority !== t.priority) return false;
  if (p.minOrderAmount !== null) {
    const v = t.orderValue;
    if (!v) return false;
    // Without a currency the threshold is read in the order's own (shop) currency.
    if (p.minOrderCurrency !== null && p.minOrderCurrency !== v.currency) return false;
    if (v.amount < p.minOrderAmount) return false;
  }
  return true;
}

/**
 * How specific a policy is; the most specific matching policy with a target for the metric wins.
 * Shop beats channel beats priority beats order value: a shop's own rules are deliberate, and a
 * livestream comment thread keeps its channel pace even when the buyer's order is high-ticket.
 */
export function specificity(p: PolicyLike): number {
  return (p.shopId !== null ? 8 : 0) + (p.channel !== null ? 4 : 0) + (p.priority !== null ? 2 : 0) + (p.minOrderAmount !== null ? 1 : 0);
}

export function choosePolicy<P extends PolicyLike>(policies: readonly P[], t: TicketFacts, metric: SlaMetric): P | null {
  let best: P | null = null;
  for (const p of policies) {
    if (targetOf(p, metric) === null || !policyMatches(p, t)) continue;
    if (!best) {
      best = p;
      continue;
    }
    const d = specificity(p) - specificity(best);
    if (d > 0 || (d === 0 && ((p.minOrderAmount ?? 0) > (best.minOrderAmount ?? 0) || ((p.minOrderAmount ?? 0) === (best.minOrderAmount ?? 0) && p.createdAt < best.createdAt)))) best = p;
  }
  return best;
}

/** Instant at which `percent` of the target has elapsed, pauses included. */
export function thresholdMs(cal: CompiledCalendar, startedMs: number, targetMinutes: number, pausedMs: number, percent: number): number {
  return addBusinessMs(cal, startedMs, Math.round((targetMinutes * MINUTE * percent) / 100) + pausedMs);
}

/** The business intervals a due computation consumes, for explaining a due time to a person. */
export function dueSegments(cal: CompiledCalendar, startMs: number, ms: number): { from: number; to: number }[] {
  if (ms <= 0) return [];
  if (cal.mode === 'calendar') return [{ from: startMs, to: startMs + ms }];
  assertReachable(cal);
  const out: { from: number; to: number }[] = [];
  let remaining = ms;
  walk(cal, startMs, (a, b) => {
    const take = Math.min(remaining, b - a);
    out.push({ from: a, to: a + take });
    remaining -= take;
    return remaining <= 0;
  });
  return out;
}

/** Years whose holidays a computation from `startMs` over `ms` of business time may touch. */
export function yearsSpanned(startMs: number, ms: number, weekMinutes: number): number[] {
  const y0 = new Date(startMs).getUTCFullYear();
  const weeks = weekMinutes > 0 ? ms / (weekMinutes * MINUTE) : 0;
  // Holidays only lengthen the walk; two spare years cover them and a year-end start.
  const y1 = y0 + Math.ceil(weeks / 50) + 1;
  const out: number[] = [];
  for (let y = y0 - 1; y <= Math.min(y1, y0 + 20); y++) out.push(y);
  return out;
}
