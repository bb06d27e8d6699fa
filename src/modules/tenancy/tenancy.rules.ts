import Holidays from 'date-holidays';
import { AppError } from '../../platform/errors.js';
import type { BusinessHours, Language, ReturnPolicy } from './tenancy.dto.js';

/** What a new shop in a market starts with; every value can be changed in Settings. */
export interface MarketDefaults {
  currency: string;
  timeZone: string;
  languages: Language[];
  returnPolicy: ReturnPolicy;
}

const weekdays9to18: BusinessHours = {
  mon: [{ start: '09:00', end: '18:00' }],
  tue: [{ start: '09:00', end: '18:00' }],
  wed: [{ start: '09:00', end: '18:00' }],
  thu: [{ start: '09:00', end: '18:00' }],
  fri: [{ start: '09:00', end: '18:00' }],
  sat: [],
  sun: [],
};

const policy = (windowDays: number, paidBy: 'buyer' | 'seller'): ReturnPolicy => ({
  windowDays,
  noReasonReturns: true,
  returnShippingPaidBy: paidBy,
  restockingFeePercent: 0,
  // High-ticket goods: pay once the warehouse has inspected the item.
  refundTrigger: 'on_inspection_pass',
  finalSaleCategories: [],
});

export const MARKET_DEFAULTS: Record<string, MarketDefaults> = {
  US: { currency: 'USD', timeZone: 'America/New_York', languages: ['en', 'es'], returnPolicy: policy(30, 'seller') },
  CA: { currency: 'CAD', timeZone: 'America/Toronto', languages: ['en', 'fr'], returnPolicy: policy(30, 'seller') },
  MX: { currency: 'MXN', timeZone: 'America/Mexico_City', languages: ['es'], returnPolicy: policy(30, 'seller') },
  GB: { currency: 'GBP', timeZone: 'Europe/London', languages: ['en'], returnPolicy: policy(30, 'buyer') },
  IE: { currency: 'EUR', timeZone: 'Europe/Dublin', languages: ['en'], returnPolicy: policy(30, 'buyer') },
  DE: { currency: 'EUR', timeZone: 'Europe/Berlin', languages: ['de', 'en'], returnPolicy: policy(30, 'buyer') },
  FR: { currency: 'EUR', timeZone: 'Europe/Paris', languages: ['fr', 'en'], returnPolicy: policy(30, 'buyer') },
  IT: { currency: 'EUR', timeZone: 'Europe/Rome', languages: ['it', 'en'], returnPolicy: policy(30, 'buyer') },
  ES: { currency: 'EUR', timeZone: 'Europe/Madrid', languages: ['es', 'en'], returnPolicy: policy(30, 'buyer') },
};

export function defaultBusinessHours(): BusinessHours {
  return structuredClone(weekdays9to18);
}

export function marketDefaults(market: string): MarketDefaults {
  const d = MARKET_DEFAULTS[market];
  if (!d) {
    throw AppError.validation('shops.market_unsupported', `Market ${market} is not supported yet`, [
      { field: 'market', message: `must be one of ${Object.keys(MARKET_DEFAULTS).join(', ')}` },
    ]);
  }
  return structuredClone(d);
}

export interface Holiday {
  date: string;
  name: string;
}

const holidayCache = new Map<string, Holiday[]>();

/** Public holidays of a market (and optional region, e.g. DE-BY) for one year, from date-holidays. */
export function publicHolidays(market: string, region: string | null | undefined, year: number): Holiday[] {
  const key = `${market}|${region ?? ''}|${year}`;
  let list = holidayCache.get(key);
  if (!list) {
    const hd = region ? new Holidays(market, region) : new Holidays(market);
    list = hd
      .getHolidays(year)
      .filter((h) => h.type === 'public')
      .map((h) => ({ date: h.date.slice(0, 10), name: h.name }));
    // date-holidays lists substitute days separately; a date appears once for us.
    list = list.filter((h, i, a) => a.findIndex((x) => x.date === h.date) === i);
    holidayCache.set(key, list);
  }
  return list;
}

export function isValidRegion(market: string, region: string): boolean {
  const states = new Holidays().getStates(market) as Record<string, string> | undefined;
  return !!states && region in states;
}
