import crypto from 'node:crypto';
import jstat from 'jstat';

/**
 * Hold-outs, variants and lift, for any outcome (coupon programmes today; incidents and notices
 * later). Pure: assignment is a hash of (experiment, subject), so it is the same on every process
 * and after every restart, with no table to keep; the statistics take counts and sums.
 * Formulas: docs/ARCHITECTURE.md, section "Experiments".
 */

const J = jstat.jStat ?? jstat;

/** A stable number in [0, 1) for (salt, subject). */
export function bucket(salt: string, subjectId: string): number {
  // One-shot digest (same bytes as createHash().update().digest(), without the hash object per call).
  const h = crypto.hash('sha256', `${salt}\u0000${subjectId}`, 'buffer');
  return h.readUInt32BE(0) / 0x1_0000_0000;
}

export type Arm = 'treatment' | 'holdout';

/** Persistent random hold-out: the same buyer is always in the same arm of the same experiment. */
export function assignArm(experimentId: string, subjectId: string, holdoutPercent: number): Arm {
  return bucket(`holdout:${experimentId}`, subjectId) * 100 < holdoutPercent ? 'holdout' : 'treatment';
}

/** A variant by weight, independent of the hold-out draw (another salt). */
export function pickVariant<V extends { key: string; weight: number }>(experimentId: string, subjectId: string, variants: V[]): V {
  if (variants.length === 0) throw new Error('an experiment needs at least one variant');
  const total = variants.reduce((a, v) => a + v.weight, 0);
  let x = bucket(`variant:${experimentId}`, subjectId) * total;
  for (const v of variants) {
    x -= v.weight;
    if (x < 0) return v;
  }
  return variants[variants.length - 1]!;
}

/** What one arm saw: subjects, how many converted, and the outcome value per subject (sum and sum of squares). */
export interface ArmOutcome {
  n: number;
  conversions: number;
  value: number;
  valueSumSq: number;
}

export interface Interval {
  estimate: number;
  low: number;
  high: number;
}

export type Verdict = 'positive' | 'negative' | 'inconclusive';

export interface Lift {
  /** Conversion rate difference (treatment − hold-out), with its 95 % interval. */
  rateDiff: Interval | null;
  /** Incremental conversions in the treatment arm = rate difference × treated subjects. */
  incrementalConversions: Interval | null;
  /** Incremental value (revenue) in the treatment arm = mean difference × treated subjects. */
  incrementalValue: Interval | null;
  verdict: Verdict;
}

export function zFor(confidence = 0.95): number {
  return J.normal.inv(1 - (1 - confidence) / 2, 0, 1);
}

function verdictOf(i: Interval | null): Verdict {
  if (!i || !Number.isFinite(i.low) || !Number.isFinite(i.high)) return 'inconclusive';
  if (i.low > 0) return 'positive';
  if (i.high < 0) return 'negative';
  return 'inconclusive';
}

function sampleVariance(a: ArmOutcome): number {
  if (a.n < 2) return 0;
  const mean = a.value / a.n;
  return Math.max(0, (a.valueSumSq - a.n * mean * mean) / (a.n - 1));
}

/**
 * Lift of treatment over hold-out. Rates: difference of two proportions with the unpooled
 * (Wald) standard error √(p₁(1−p₁)/n₁ + p₀(1−p₀)/n₀). Values: difference of means with Welch's
 * standard error √(s₁²/n₁ + s₀²/n₀). Interval = estimate ± z·SE, z = Φ⁻¹(0.975) ≈ 1.96; both
 * scaled by n₁ for "incremental" counts. The headline verdict follows the conversions interval:
 * inconclusive when it spans zero.
 */
export function lift(treatment: ArmOutcome, holdout: ArmOutcome, confidence = 0.95): Lift {
  if (treatment.n < 1 || holdout.n < 1) return { rateDiff: null, incrementalConversions: null, incrementalValue: null, verdict: 'inconclusive' };
  const z = zFor(confidence);
  const p1 = treatment.conversions / treatment.n;
  const p0 = holdout.conversions / holdout.n;
  const d = p1 - p0;
  const se = Math.sqrt((p1 * (1 - p1)) / treatment.n + (p0 * (1 - p0)) / holdout.n);
  const rateDiff = { estimate: d, low: d - z * se, high: d + z * se };
  const scale = (i: Interval, k: number): Interval => ({ estimate: i.estimate * k, low: i.low * k, high: i.high * k });
  const m1 = treatment.value / treatment.n;
  const m0 = holdout.value / holdout.n;
  const seV = Math.sqrt(sampleVariance(treatment) / treatment.n + sampleVariance(holdout) / holdout.n);
  const meanDiff = { estimate: m1 - m0, low: m1 - m0 - z * seV, high: m1 - m0 + z * seV };
  const enough = treatment.n >= 2 && holdout.n >= 2;
  return {
    rateDiff: enough ? rateDiff : null,
    incrementalConversions: enough ? scale(rateDiff, treatment.n) : null,
    incrementalValue: enough ? scale(meanDiff, treatment.n) : null,
    verdict: enough ? verdictOf(rateDiff) : 'inconclusive',
  };
}

/** Cost per incremental conversion and return on the cost; null when there is no positive increment. */
export function economics(cost: number, incrementalConversions: number | null, incrementalValue: number | null): { costPerIncremental: number | null; roi: number | null } {
  return {
    costPerIncremental: incrementalConversions && incrementalConversions > 0 ? cost / incrementalConversions : null,
    roi: cost > 0 && incrementalValue !== null ? (incrementalValue - cost) / cost : null,
  };
}
