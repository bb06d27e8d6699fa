import Holidays from 'date-holidays';
import { DateTime } from 'luxon';
import { AppError } from '../../platform/errors.js';
import { publicHolidays, WEEKDAYS, type BusinessHours } from '../tenancy/index.js';
import type { DueView } from './sla.dto.js';
import { addBusinessMs, compileCalendar, dayNumber, dueSegments, formatHours, formatInZone, HoursSyntaxError, isValidTimeZone, parseHours, yearsSpanned, type CompiledCalendar, type SlaMode } from './sla.rules.js';

const MINUTE = 60_000;

let holidayCountries: Set<string> | undefined;

function assertCountry(country: string, region: string | undefined, fields: { country: string; region: string }): void {
  holidayCountries ??= new Set(Object.keys(new Holidays().getCountries('en')));
  if (!holidayCountries.has(country)) {
    throw AppError.validation('sla.bad_country', `No public-holiday calendar for country ${country}`, [
      { field: fields.country, message: 'must be an ISO 3166-1 alpha-2 country code with a holiday calendar, such as DE, GB or US' },
    ]);
  }
  if (region) {
    const states = new Holidays().getStates(country, 'en') as Record<string, string> | undefined;
    if (!states || !(region.toUpperCase() in states)) {
      throw AppError.validation('sla.bad_region', `Country ${country} has no region ${region}`, [
        { field: fields.region, message: `must be one of ${states ? Object.keys(states).join(', ') : '(none: this country has no regions)'}` },
      ]);
    }
  }
}

/** The due instant plus what went into it: the intervals consumed and the holidays skipped. */
export function explainDue(cal: CompiledCalendar, hours: BusinessHours, holidays: { date: string; name: string }[], start: Date, minutes: number): DueView {
  const ms = minutes * MINUTE;
  const dueMs = addBusinessMs(cal, start.getTime(), ms);
  const tz = cal.timeZone;
  const segs = dueSegments(cal, start.getTime(), ms);
  const d0 = DateTime.fromMillis(start.getTime(), { zone: tz }).toISODate()!;
  const d1 = DateTime.fromMillis(dueMs, { zone: tz }).toISODate()!;
  const opensOn = (date: string) => hours[WEEKDAYS[(((dayNumber(date) + 3) % 7) + 7) % 7]!].length > 0;
  const skipped = cal.mode === 'calendar' ? [] : holidays.filter((h) => h.date >= d0 && h.date <= d1 && opensOn(h.date));
  return {
    due: formatInZone(new Date(dueMs), tz),
    dueUtc: new Date(dueMs).toISOString(),
    start: formatInZone(start, tz),
    minutes,
    mode: cal.mode,
    timeZone: tz,
    hours: formatHours(hours),
    holidaysSkipped: skipped,
    segments: segs.map((s) => ({ from: formatInZone(new Date(s.from), tz), to: formatInZone(new Date(s.to), tz), minutes: (s.to - s.from) / MINUTE })),
  };
}

export interface DueInput {
  timezone: string;
  country: string;
  region?: string | undefined;
  hours: string;
  start: string;
  minutes: number;
  mode?: SlaMode | undefined;
}
export type DueField = 'timezone' | 'country' | 'region' | 'hours' | 'start' | 'minutes';

/**
 * Ops' calculator on free-form inputs; needs no database, so the CLI runs it offline. Every error
 * names the input it is about, under the caller's name for it (`querystring.hours`, `--hours`).
 */
export function computeDue(q: DueInput, fields: Partial<Record<DueField, string>> = {}): DueView {
  const f: Record<DueField, string> = { timezone: 'timezone', country: 'country', region: 'region', hours: 'hours', start: 'start', minutes: 'minutes', ...fields };
  const bad = (code: string, field: DueField, message: string) => AppError.validation(code, `${f[field]}: ${message}`, [{ field: f[field], message }]);
  if (!isValidTimeZone(q.timezone)) throw bad('sla.bad_timezone', 'timezone', `unknown time zone "${q.timezone}"; use an IANA name such as Europe/Berlin`);
  const country = q.country.toUpperCase();
  assertCountry(country, q.region, { country: f.country, region: f.region });
  let hours: BusinessHours;
  try {
    hours = parseHours(q.hours);
  } catch (e) {
    if (e instanceof HoursSyntaxError) throw bad('sla.bad_hours', 'hours', e.message);
    throw e;
  }
  const start = new Date(q.start);
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(q.start) || Number.isNaN(start.getTime())) throw bad('sla.bad_start', 'start', `cannot read "${q.start}"; use ISO 8601 such as 2026-03-27T17:30:00+01:00`);
  if (!Number.isInteger(q.minutes) || q.minutes < 0) throw bad('sla.bad_minutes', 'minutes', 'must be a whole number of minutes, zero or more');
  const mode = q.mode ?? 'business';
  const probe = compileCalendar({ timeZone: q.timezone, hours, holidays: [], mode });
  if (mode === 'business' && probe.weekMinutes === 0) throw bad('sla.no_hours', 'hours', 'contains no open time');
  const region = q.region?.toUpperCase();
  const holidays = yearsSpanned(start.getTime(), q.minutes * MINUTE, probe.weekMinutes).flatMap((y) => publicHolidays(country, region ?? null, y));
  const cal = compileCalendar({ timeZone: q.timezone, hours, holidays: holidays.map((h) => h.date), mode });
  return withinReach(() => explainDue(cal, hours, holidays, start, q.minutes), f.minutes);
}

/** The walk gives up after ten years of calendar days; say so about the minutes, not with a 500. */
export function withinReach<T>(fn: () => T, field = 'minutes'): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof RangeError) throw AppError.validation('sla.too_far', `${field}: the due would lie more than ten years ahead`, [{ field, message: 'is too large for these business hours (due more than ten years ahead)' }]);
    throw e;
  }
}
