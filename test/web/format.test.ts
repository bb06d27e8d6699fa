import { describe, expect, it } from 'vitest';
import { formatterFor } from '../../src/web/src/lib/format.js';

describe('the one formatter of the web app', () => {
  const en = formatterFor('en');
  const zh = formatterFor('zh-CN');
  const at = '2026-12-01T14:05:00Z';

  it('writes dates one way per language (in a fixed zone)', () => {
    expect(en.date(at, { timeZone: 'UTC' })).toBe('Dec 1, 2026');
    expect(zh.date(at, { timeZone: 'UTC' })).toBe('2026年12月1日');
    expect(en.dateTime(at, { timeZone: 'UTC' })).toBe('Dec 1, 2026, 02:05 PM');
    expect(en.date(null)).toBe('—');
    expect(en.date('not a date')).toBe('—');
  });

  it('writes money from minor units with the currency’s own digits', () => {
    expect(en.money(123450, 'EUR')).toBe('€1,234.50');
    expect(en.money(1500, 'JPY')).toBe('¥1,500');
    expect(zh.money(999, 'USD')).toBe('US$9.99');
  });

  it('writes durations as people say them', () => {
    expect(en.duration(3 * 86_400_000 + 4 * 3_600_000 + 59_000)).toBe('3 d 4 h');
    expect(en.duration(2 * 3_600_000 + 5 * 60_000)).toBe('2 h 5 min');
    expect(en.duration(45 * 60_000)).toBe('45 min');
    expect(en.duration(-40_000)).toBe('−40 s');
    expect(zh.duration(2 * 3_600_000 + 5 * 60_000)).toBe('2小时5分钟');
  });

  it('writes percentages, sizes and relative times', () => {
    expect(en.percent(0.1234)).toBe('12.3%');
    expect(en.fixed(200, 2)).toBe('200.00');
    expect(en.number(200, 2)).toBe('200');
    expect(en.bytes(2048)).toBe('2 KB');
    expect(en.relative(Date.UTC(2026, 0, 1, 3), Date.UTC(2026, 0, 1, 0))).toBe('in 3 hours');
    expect(zh.relative(Date.UTC(2026, 0, 1), Date.UTC(2026, 0, 3))).toBe('前天');
  });
});
