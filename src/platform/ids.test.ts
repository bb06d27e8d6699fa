import { describe, expect, it } from 'vitest';
import { newId, randomUnit } from './ids.js';

const CROCKFORD = '0123456789abcdefghjkmnpqrstvwxyz';

describe('ids', () => {
  it('are prefixed ULIDs, strictly increasing even within one millisecond, and never repeat', () => {
    const ids = Array.from({ length: 20_000 }, () => newId('msg'));
    for (const id of ids) expect(id).toMatch(/^msg_[0-9a-hjkmnp-tv-z]{26}$/);
    for (let i = 1; i < ids.length; i++) expect(ids[i]! > ids[i - 1]!).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('their random part uses every character evenly (the batched random source is uniform)', () => {
    // ulid turns each draw into one character (floor(draw × 32)): 32,000 draws, 1,000 expected per
    // character, across several refills of the 4 KiB pool.
    const counts = new Map<string, number>();
    for (let i = 0; i < 32_000; i++) {
      const c = CROCKFORD[Math.floor(randomUnit() * 32)]!;
      counts.set(c, (counts.get(c) ?? 0) + 1);
    }
    expect([...counts.keys()].sort().join('')).toBe(CROCKFORD);
    // Seven standard deviations (≈ 31 each) either side: a fair source fails this about never.
    for (const n of counts.values()) {
      expect(n).toBeGreaterThan(780);
      expect(n).toBeLessThan(1220);
    }
    const values = Array.from({ length: 10_000 }, randomUnit);
    expect(Math.min(...values)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...values)).toBeLessThan(1);
  });
});
