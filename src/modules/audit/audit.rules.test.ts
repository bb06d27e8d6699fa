import { describe, expect, it } from 'vitest';
import { auditActorOf, changedOnly, coarseIp, diffStates } from './audit.rules.js';

describe('diffStates', () => {
  it.each([
    ['scalars', { a: 1, b: 'x' }, { a: 2, b: 'x' }, [{ path: 'a', before: 1, after: 2 }]],
    ['nested objects by dotted path', { l: { percent: 30, amounts: { EUR: 4500 } } }, { l: { percent: 30, amounts: { EUR: 9000, USD: 1 } } }, [{ path: 'l.amounts.EUR', before: 4500, after: 9000 }, { path: 'l.amounts.USD', before: null, after: 1 }]],
    ['arrays whole', { langs: ['en'] }, { langs: ['en', 'de'] }, [{ path: 'langs', before: ['en'], after: ['en', 'de'] }]],
    ['created from nothing', null, { key: 'k', cost: 3 }, [{ path: 'cost', before: null, after: 3 }, { path: 'key', before: null, after: 'k' }]],
    ['removed to nothing', { key: 'k' }, null, [{ path: 'key', before: 'k', after: null }]],
    ['nothing changed', { a: { b: [1] } }, { a: { b: [1] } }, []],
    ['both empty', null, null, []],
    ['a scalar at the top', false, true, [{ path: '', before: false, after: true }]],
  ])('%s', (_name, before, after, expected) => {
    expect(diffStates(before, after)).toEqual(expected);
  });
});

describe('changedOnly', () => {
  it('keeps the fields that differ, on both sides', () => {
    expect(changedOnly({ a: 1, b: { x: 1 }, c: 'same' }, { a: 1, b: { x: 2 }, c: 'same', d: true })).toEqual({ before: { b: { x: 1 }, d: null }, after: { b: { x: 2 }, d: true } });
  });
});

describe('coarseIp', () => {
  it.each([
    ['203.0.113.77', '203.0.113.0/24'],
    ['::ffff:198.51.100.9', '198.51.100.0/24'],
    ['2001:db8:abcd:12::1', '2001:db8:abcd::/48'],
    ['::1', '0:0:0::/48'],
    ['not an ip', null],
    [undefined, null],
  ])('%s → %s', (ip, expected) => {
    expect(coarseIp(ip)).toBe(expected);
  });
});

describe('auditActorOf', () => {
  it('tells people, API tokens and the system apart', () => {
    expect(auditActorOf({ userId: 'usr_1' }, 'a@b.c')).toEqual({ type: 'user', id: 'usr_1', label: 'a@b.c' });
    expect(auditActorOf({ userId: 'tok_1' })).toEqual({ type: 'token', id: 'tok_1', label: null });
    expect(auditActorOf({ userId: 'system' })).toEqual({ type: 'system', id: null, label: null });
  });
});
