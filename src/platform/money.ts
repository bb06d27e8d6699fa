import { AppError } from './errors.js';

/** Money is an integer count of the currency's minor unit (cents, pence) plus an ISO 4217 code. */
export interface Money {
  amount: number;
  currency: string;
}

const exponentCache = new Map<string, number>();

/** Minor-unit exponent from the runtime's ICU data (USD 2, JPY 0, …) rather than a hand-kept table. */
export function currencyExponent(currency: string): number {
  let e = exponentCache.get(currency);
  if (e === undefined) {
    e = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
    exponentCache.set(currency, e);
  }
  return e;
}

export function money(amount: number, currency: string): Money {
  if (!Number.isSafeInteger(amount)) {
    throw AppError.validation('money.not_integer', `Money amounts are integer minor units; got ${amount}`, [{ field: 'amount', message: 'must be an integer number of minor units' }]);
  }
  if (!/^[A-Z]{3}$/.test(currency)) {
    throw AppError.validation('money.bad_currency', `Not an ISO 4217 currency code: ${currency}`, [{ field: 'currency', message: 'must be a three-letter ISO 4217 code' }]);
  }
  return { amount, currency };
}

function same(a: Money, b: Money): void {
  if (a.currency !== b.currency) {
    throw new AppError('validation', 'money.currency_mismatch', `Cannot combine ${a.currency} with ${b.currency}`);
  }
}

export function add(a: Money, b: Money): Money {
  same(a, b);
  return { amount: a.amount + b.amount, currency: a.currency };
}
export function subtract(a: Money, b: Money): Money {
  same(a, b);
  return { amount: a.amount - b.amount, currency: a.currency };
}
export function sum(items: Money[], currency: string): Money {
  return items.reduce((acc, m) => add(acc, m), { amount: 0, currency });
}
export function minMoney(a: Money, b: Money): Money {
  same(a, b);
  return a.amount <= b.amount ? a : b;
}

/** Percentage of an amount, rounded half away from zero to the minor unit. */
export function percentOf(m: Money, percent: number): Money {
  const raw = (m.amount * percent) / 100;
  return { amount: Math.sign(raw) * Math.round(Math.abs(raw)), currency: m.currency };
}

/**
 * Split `total` across `weights` so the parts add up exactly (largest remainder method).
 * Used to allocate order-level discounts to lines, so per-line refunds never drift by a cent.
 */
export function allocate(total: Money, weights: number[]): Money[] {
  if (weights.length === 0) return [];
  const wsum = weights.reduce((a, b) => a + b, 0);
  if (wsum <= 0) {
    const parts = weights.map(() => 0);
    parts[0] = total.amount;
    return parts.map((amount) => ({ amount, currency: total.currency }));
  }
  const sign = Math.sign(total.amount) || 1;
  const abs = Math.abs(total.amount);
  const exact = weights.map((w) => (abs * w) / wsum);
  const floors = exact.map(Math.floor);
  let rest = abs - floors.reduce((a, b) => a + b, 0);
  const order = exact.map((x, i) => ({ i, frac: x - Math.floor(x) })).sort((a, b) => b.frac - a.frac || a.i - b.i);
  for (const { i } of order) {
    if (rest <= 0) break;
    floors[i] += 1;
    rest -= 1;
  }
  return floors.map((amount) => ({ amount: amount * sign, currency: total.currency }));
}

/** Decimal string such as "129.99" (TikTok's format) → Money. Rejects more precision than the currency has. */
export function parseDecimal(value: string, currency: string): Money {
  const exp = currencyExponent(currency);
  const m = /^(-)?(\d+)(?:\.(\d+))?$/.exec(value.trim());
  if (!m) throw AppError.validation('money.bad_decimal', `Not a decimal amount: ${value}`, [{ field: 'amount', message: 'must be a decimal number' }]);
  const frac = (m[3] ?? '').replace(/0+$/, '');
  if (frac.length > exp) throw AppError.validation('money.too_precise', `${value} has more decimals than ${currency} allows`, [{ field: 'amount', message: `at most ${exp} decimals` }]);
  const minor = Number(m[2]) * 10 ** exp + Number((frac || '0').padEnd(exp, '0').slice(0, exp) || 0);
  return money(m[1] ? -minor : minor, currency);
}

export function toDecimal(m: Money): string {
  const exp = currencyExponent(m.currency);
  const neg = m.amount < 0;
  const abs = Math.abs(m.amount);
  if (exp === 0) return `${neg ? '-' : ''}${abs}`;
  const s = String(abs).padStart(exp + 1, '0');
  return `${neg ? '-' : ''}${s.slice(0, -exp)}.${s.slice(-exp)}`;
}

export function formatMoney(m: Money, locale = 'en'): string {
  const exp = currencyExponent(m.currency);
  return new Intl.NumberFormat(locale, { style: 'currency', currency: m.currency }).format(m.amount / 10 ** exp);
}
