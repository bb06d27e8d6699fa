/**
 * The one place the UI formats money, dates, numbers and durations for the reader. Everything
 * follows the UI language (i18n) so one page never shows `12/1/2026` and the next `Dec 1, 2026`.
 * Components call `useFormat()`; code outside React uses `formatterFor(locale)`.
 */
import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { formatMoney } from './money';

type Iso = string | number | Date | null | undefined;

const cache = new Map<string, Intl.DateTimeFormat | Intl.NumberFormat>();
function cached<T extends Intl.DateTimeFormat | Intl.NumberFormat>(key: string, make: () => T): T {
  let f = cache.get(key) as T | undefined;
  if (!f) {
    f = make();
    cache.set(key, f);
  }
  return f;
}

const DATE: Intl.DateTimeFormatOptions = { year: 'numeric', month: 'short', day: 'numeric' };
const DATE_TIME: Intl.DateTimeFormatOptions = { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' };
const SHORT_DATE_TIME: Intl.DateTimeFormatOptions = { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' };
const DAY_TIME: Intl.DateTimeFormatOptions = { weekday: 'short', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' };

export interface Formatter {
  locale: string;
  /** Integer minor units + ISO currency → "€1,234.50" in the reader's locale. */
  money(minor: number, currency: string): string;
  /** "Dec 1, 2026" / "2026年12月1日"; '—' for nothing. */
  date(at: Iso, opts?: { timeZone?: string }): string;
  /** "Dec 1, 2026, 14:05"; '—' for nothing. */
  dateTime(at: Iso, opts?: { timeZone?: string }): string;
  /** "Dec 1, 14:05" — for threads and lists within the year. */
  shortDateTime(at: Iso): string;
  /** "Tue, Dec 1, 14:05" — for a moment in the coming days (when an answer is due). */
  dayTime(at: Iso): string;
  number(n: number, digits?: number): string;
  /** Always this many decimals ("200.00"): amounts shown without a currency. */
  fixed(n: number, digits: number): string;
  percent(ratio: number, digits?: number): string;
  /** A span of time as people say it: "3 d 4 h", "2 h 5 min", "45 min", "40 s". */
  duration(ms: number): string;
  /** "in 3 hours" / "2 days ago". */
  relative(at: Iso, now?: number): string;
  bytes(n: number): string;
}

function toDate(at: Iso): Date | null {
  if (at === null || at === undefined || at === '') return null;
  const d = at instanceof Date ? at : new Date(at);
  return Number.isNaN(d.getTime()) ? null : d;
}

const DURATION_UNITS: Record<string, Record<'d' | 'h' | 'min' | 's', string>> = {
  en: { d: 'd', h: 'h', min: 'min', s: 's' },
  'zh-CN': { d: '天', h: '小时', min: '分钟', s: '秒' },
};

export function formatterFor(locale: string): Formatter {
  const dt = (opts: Intl.DateTimeFormatOptions, timeZone?: string) =>
    cached(`dt|${locale}|${JSON.stringify(opts)}|${timeZone ?? ''}`, () => new Intl.DateTimeFormat(locale, { ...opts, timeZone }));
  const num = (digits: number, style?: 'percent') =>
    cached(`n|${locale}|${digits}|${style ?? ''}`, () => new Intl.NumberFormat(locale, { maximumFractionDigits: digits, style }));
  const units = DURATION_UNITS[locale] ?? DURATION_UNITS.en!;
  const zh = locale.startsWith('zh');
  const join = (parts: string[]) => parts.join(zh ? '' : ' ');
  return {
    locale,
    money: (minor, currency) => formatMoney(minor, currency, locale),
    date: (at, o) => {
      const d = toDate(at);
      return d ? dt(DATE, o?.timeZone).format(d) : '—';
    },
    dateTime: (at, o) => {
      const d = toDate(at);
      return d ? dt(DATE_TIME, o?.timeZone).format(d) : '—';
    },
    shortDateTime: (at) => {
      const d = toDate(at);
      return d ? dt(SHORT_DATE_TIME).format(d) : '—';
    },
    dayTime: (at) => {
      const d = toDate(at);
      return d ? dt(DAY_TIME).format(d) : '—';
    },
    number: (n, digits = 0) => num(digits).format(n),
    fixed: (n, digits) => cached(`f|${locale}|${digits}`, () => new Intl.NumberFormat(locale, { minimumFractionDigits: digits, maximumFractionDigits: digits })).format(n),
    percent: (ratio, digits = 1) => num(digits, 'percent').format(ratio),
    duration: (ms) => {
      const sign = ms < 0 ? '−' : '';
      const total = Math.round(Math.abs(ms) / 1000);
      const d = Math.floor(total / 86_400);
      const h = Math.floor((total % 86_400) / 3600);
      const m = Math.floor((total % 3600) / 60);
      const s = total % 60;
      const u = (n: number, unit: keyof typeof units) => `${n}${zh ? '' : ' '}${units[unit]}`;
      if (d > 0) return sign + join([u(d, 'd'), ...(h ? [u(h, 'h')] : [])]);
      if (h > 0) return sign + join([u(h, 'h'), ...(m ? [u(m, 'min')] : [])]);
      if (m > 0) return sign + u(m, 'min');
      return sign + u(s, 's');
    },
    relative: (at, now = Date.now()) => {
      const d = toDate(at);
      if (!d) return '—';
      const rtf = new Intl.RelativeTimeFormat(locale, { numeric: 'auto' });
      const diff = (d.getTime() - now) / 1000;
      const abs = Math.abs(diff);
      if (abs < 60) return rtf.format(Math.round(diff), 'second');
      if (abs < 3600) return rtf.format(Math.round(diff / 60), 'minute');
      if (abs < 86_400) return rtf.format(Math.round(diff / 3600), 'hour');
      return rtf.format(Math.round(diff / 86_400), 'day');
    },
    bytes: (n) => {
      if (n < 1024) return `${n} B`;
      if (n < 1024 * 1024) return `${num(1).format(n / 1024)} KB`;
      return `${num(1).format(n / 1024 / 1024)} MB`;
    },
  };
}

/** The formatter for the reader's current UI language. */
export function useFormat(): Formatter {
  const { i18n } = useTranslation();
  return useMemo(() => formatterFor(i18n.language), [i18n.language]);
}
