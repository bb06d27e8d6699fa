import { describe, expect, it } from 'vitest';
import { exponentialBackoff } from './backoff.js';

describe('exponentialBackoff', () => {
  it('doubles from the base with each attempt and stops at the cap', () => {
    expect([0, 1, 2, 3, 4, 5, 9, 10, 30].map((attempt) => exponentialBackoff({ attempt, baseMs: 1_000, maxMs: 600_000 }))).toEqual([
      1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 512_000, 600_000, 600_000,
    ]);
  });

  it('keeps a negative attempt as a fraction of the base (a caller counting from below zero)', () => {
    expect(exponentialBackoff({ attempt: -1, baseMs: 1_000, maxMs: 60_000 })).toBe(500);
  });

  it('with jitter, lands between half the pause and the whole of it, rounded to a millisecond', () => {
    expect(exponentialBackoff({ attempt: 2, baseMs: 250, maxMs: 8_000, jitter: () => 0 })).toBe(500);
    expect(exponentialBackoff({ attempt: 2, baseMs: 250, maxMs: 8_000, jitter: () => 0.5 })).toBe(750);
    expect(exponentialBackoff({ attempt: 2, baseMs: 250, maxMs: 8_000, jitter: () => 0.999 })).toBe(1_000);
    expect(exponentialBackoff({ attempt: 9, baseMs: 250, maxMs: 8_000, jitter: () => 0.25 })).toBe(5_000);
  });
});
