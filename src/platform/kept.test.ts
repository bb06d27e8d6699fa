import { describe, expect, it } from 'vitest';
import { KeptByKey } from './kept.js';

describe('KeptByKey', () => {
  it('finds a kept item by its key and keeps the latest ones, oldest dropped first', () => {
    const k = new KeptByKey<{ n: number }>(10);
    for (let n = 1; n <= 10; n++) k.add(`k${n}`, { n });
    expect(k.get('k1')).toEqual({ n: 1 });
    expect(k.items.map((x) => x.n)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    // Trimmed a tenth past the window: the eleventh item alone does not trim…
    k.add('k11', { n: 11 });
    expect(k.items).toHaveLength(11);
    // …the twelfth does, back to the latest ten.
    k.add('k12', { n: 12 });
    expect(k.items.map((x) => x.n)).toEqual([3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(k.get('k1')).toBeUndefined();
    expect(k.get('k2')).toBeUndefined();
    expect(k.get('k3')).toEqual({ n: 3 });
  });

  it('a key kept again keeps pointing at its newer item when the older one is dropped', () => {
    const k = new KeptByKey<{ n: number }>(2);
    k.add('a', { n: 1 });
    k.add('b', { n: 2 });
    k.add('a', { n: 3 });
    expect(k.items.map((x) => x.n)).toEqual([2, 3]);
    expect(k.get('a')).toEqual({ n: 3 });
    expect(k.get('b')).toEqual({ n: 2 });
  });

  it('refuses a window that is not a positive integer', () => {
    expect(() => new KeptByKey(0)).toThrow(/keep must be a positive integer, got 0/);
    expect(() => new KeptByKey(1.5)).toThrow(/got 1.5/);
  });
});
