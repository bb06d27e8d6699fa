import { describe, expect, it } from 'vitest';
import { latestBy } from './orders.rules.js';

describe('latestBy', () => {
  it('keeps the latest item per key (the later one on a tie) and returns them sorted by key', () => {
    const items = [
      { k: 'shop2|o9', t: 5, v: 'a' },
      { k: 'shop1|o3', t: 1, v: 'b' },
      { k: 'shop2|o9', t: 7, v: 'c' },
      { k: 'shop1|o10', t: 2, v: 'd' },
      { k: 'shop1|o3', t: 1, v: 'e' },
      { k: 'shop2|o9', t: 6, v: 'f' },
    ];
    expect(latestBy(items, (x) => x.k, (x) => x.t).map((x) => x.v)).toEqual(['d', 'e', 'c']);
  });

  it('gives two batches that share keys the same order, whatever order they arrived in', () => {
    const a = latestBy(['b7', 'a1', 'c3'], (x) => x, () => 0);
    const b = latestBy(['c3', 'b7', 'a1'], (x) => x, () => 0);
    expect(a).toEqual(['a1', 'b7', 'c3']);
    expect(b).toEqual(a);
  });
});
