import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { allocate, formatMoney, money, parseDecimal, percentOf, toDecimal } from './money.js';

describe('money', () => {
  it('parses decimal strings into minor units per currency exponent', () => {
    expect(parseDecimal('129.99', 'USD')).toEqual({ amount: 12999, currency: 'USD' });
    expect(parseDecimal('5', 'EUR')).toEqual({ amount: 500, currency: 'EUR' });
    expect(parseDecimal('1500', 'JPY')).toEqual({ amount: 1500, currency: 'JPY' });
    expect(() => parseDecimal('1.234', 'USD')).toThrow(/more decimals/);
    expect(() => parseDecimal('abc', 'USD')).toThrow(/Not a decimal/);
  });

  it('prints decimals back exactly', () => {
    expect(toDecimal({ amount: 12999, currency: 'USD' })).toBe('129.99');
    expect(toDecimal({ amount: -5, currency: 'EUR' })).toBe('-0.05');
    expect(toDecimal({ amount: 1500, currency: 'JPY' })).toBe('1500');
    expect(formatMoney({ amount: 12999, currency: 'EUR' }, 'de')).toBe('129,99\u00a0€');
  });

  it('rejects non-integer amounts and bad currency codes', () => {
    expect(() => money(1.5, 'USD')).toThrow(/integer minor units/);
    expect(() => money(1, 'usd')).toThrow(/ISO 4217/);
  });

  it('allocates a discount across lines by weight, largest remainder first', () => {
    expect(allocate({ amount: 1000, currency: 'USD' }, [1, 1, 1]).map((m) => m.amount)).toEqual([334, 333, 333]);
    expect(allocate({ amount: 500, currency: 'USD' }, [30000, 10000]).map((m) => m.amount)).toEqual([375, 125]);
  });

  it('allocation always adds up to the total (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: -1_000_000, max: 1_000_000 }), fc.array(fc.integer({ min: 0, max: 100_000 }), { minLength: 1, maxLength: 20 }), (total, weights) => {
        const parts = allocate({ amount: total, currency: 'EUR' }, weights);
        expect(parts.reduce((a, p) => a + p.amount, 0)).toBe(total);
      }),
    );
  });

  it('takes percentages rounded to the minor unit', () => {
    expect(percentOf({ amount: 12999, currency: 'USD' }, 15).amount).toBe(1950);
    expect(percentOf({ amount: 1001, currency: 'USD' }, 50).amount).toBe(501);
  });
});
