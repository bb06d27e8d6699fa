import type { Executor } from '../../platform/db.js';
import { AppError } from '../../platform/errors.js';
import { publicHolidays, shopIn, type BusinessHours } from '../tenancy/index.js';
import { explainDue, withinReach } from './sla.calculator.js';
import type { DueView } from './sla.dto.js';
import { addBusinessMs, compileCalendar, thresholdMs, yearsSpanned, type CompiledCalendar, type SlaMode } from './sla.rules.js';
import type { ClockRow } from './sla.schema.js';

export const MINUTE = 60_000;

/** What SLA needs of a shop: where it is, when it is open, and when that last changed. */
export type ShopCal = { id: string; timeZone: string; businessHours: BusinessHours; market: string; region: string | null; updatedAt: Date };

/**
 * Compiled calendars, one cache per process whichever service instance asks: a calendar is a pure
 * function of the shop's settings (keyed by its `updated_at`), the mode and the year, so sharing it
 * cannot leak anything between organisations or callers, and a second cache would only compile
 * the same weeks twice.
 */
const compiled = new Map<string, CompiledCalendar>();

function holidaysFor(market: string, region: string | null | undefined, years: number[]): string[] {
  return years.flatMap((y) => publicHolidays(market, region ?? null, y).map((h) => h.date));
}

export function shopCalendar(shop: ShopCal, mode: SlaMode, aroundMs: number): CompiledCalendar {
  const y = new Date(aroundMs).getUTCFullYear();
  const key = `${shop.id}|${shop.updatedAt.getTime()}|${mode}|${y}`;
  let c = compiled.get(key);
  if (!c) {
    c = compileCalendar({ timeZone: shop.timeZone, hours: shop.businessHours, holidays: holidaysFor(shop.market, shop.region, [y - 1, y, y + 1, y + 2]), mode });
    // A shop with no opening hours at all would never reach a business-time target (and would
    // fail every ticket it receives); its clocks count calendar time instead.
    if (c.mode === 'business' && c.weekMinutes === 0) c = { ...c, mode: 'calendar' };
    if (compiled.size > 5_000) compiled.clear();
    compiled.set(key, c);
  }
  return c;
}

/** The shop's calendar settings, read through tenancy on the caller's transaction. */
export async function loadShop(tx: Executor, orgId: string, shopId: string): Promise<ShopCal> {
  const s = await shopIn(tx, orgId, shopId);
  return { id: s.id, timeZone: s.timeZone, businessHours: s.businessHours, market: s.market, region: s.region, updatedAt: s.updatedAt };
}

export function clockCalendar(shop: ShopCal, c: Pick<ClockRow, 'mode' | 'startedAt'>): CompiledCalendar {
  return shopCalendar(shop, c.mode, c.startedAt.getTime());
}

export function dueOf(cal: CompiledCalendar, c: Pick<ClockRow, 'startedAt' | 'targetMinutes' | 'pausedBusinessMs'>): Date {
  return new Date(addBusinessMs(cal, c.startedAt.getTime(), c.targetMinutes * MINUTE + c.pausedBusinessMs));
}

/** Next warning or breach instant still to announce for a running clock. */
export function nextTimerOf(cal: CompiledCalendar, c: Pick<ClockRow, 'state' | 'startedAt' | 'targetMinutes' | 'pausedBusinessMs' | 'warningPercents' | 'warningsFired' | 'dueAt'>): Date | null {
  if (c.state !== 'running') return null;
  let next = c.dueAt.getTime();
  for (const p of c.warningPercents) {
    if (c.warningsFired.includes(p)) continue;
    next = Math.min(next, thresholdMs(cal, c.startedAt.getTime(), c.targetMinutes, c.pausedBusinessMs, p));
  }
  return new Date(next);
}

/** The due calculator on a shop's own calendar (zone, hours, market holidays), explained. */
export function explainDueForShop(shop: ShopCal, q: { start: string; minutes: number; mode?: SlaMode }): DueView {
  const start = new Date(q.start);
  const mode = q.mode ?? 'business';
  const probe = compileCalendar({ timeZone: shop.timeZone, hours: shop.businessHours, holidays: [], mode });
  if (mode === 'business' && probe.weekMinutes === 0) throw AppError.unprocessable('sla.no_hours', `Shop ${shop.id} has no business hours`);
  const holidays = yearsSpanned(start.getTime(), q.minutes * MINUTE, probe.weekMinutes).flatMap((y) => publicHolidays(shop.market, shop.region, y));
  const cal = compileCalendar({ timeZone: shop.timeZone, hours: shop.businessHours, holidays: holidays.map((h) => h.date), mode });
  return withinReach(() => explainDue(cal, shop.businessHours, holidays, start, q.minutes), 'minutes');
}
