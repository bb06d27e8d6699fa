import { describe, expect, it } from 'vitest';
import { defaultRemedyLimits } from '../auth/index.js';
import {
  authorityFor,
  canTransition,
  DEFAULT_LADDER,
  ladderOptions,
  planSteps,
  recommend,
  remedyProgress,
  suggestCategory,
  type Economics,
  type ProblemCategory,
} from './remedies.rules.js';

const econ = (over: Partial<Economics> = {}): Economics => ({
  currency: 'EUR',
  paid: 20_000,
  itemCost: 8_000,
  returnShipping: 1_200,
  outboundShipping: 900,
  expectedResale: 12_000,
  buyerLifetimeValue: 20_000,
  sellerPaysReturn: true,
  ...over,
});

describe('suggestCategory', () => {
  it.each<[string, ProblemCategory]>([
    ['The screen arrived cracked and it does not work', 'severe_damage'],
    ['Das Display ist kaputt', 'severe_damage'],
    ['You sent me the wrong item, I ordered the black one', 'wrong_item'],
    ['Il manque le câble dans la boîte', 'missing_item'],
    ['Los zapatos son demasiado pequeño para mí', 'size_fit'],
    ['Il colore è diverso dalle foto', 'colour_difference'],
    ['There is a small scratch on the side', 'minor_flaw'],
    ['Where is my parcel? Tracking has not moved', 'logistics_question'],
    ['I changed my mind, sorry', 'changed_mind'],
    ['Hello, quick question about warranty', 'other'],
  ])('%s → %s', (text, category) => {
    expect(suggestCategory(text).category).toBe(category);
  });

  it('reports the cues it matched and a confidence', () => {
    const s = suggestCategory('Broken and shattered, also where is my refund');
    expect(s).toEqual({ category: 'severe_damage', matched: ['broken', 'shattered'], confidence: 0.67 });
    expect(suggestCategory('nothing here').confidence).toBe(0);
  });
});

describe('ladder options and economics', () => {
  it('prices every option in minor units', () => {
    const opts = ladderOptions(DEFAULT_LADDER, econ());
    const byKey = Object.fromEntries(opts.map((o) => [o.key, o]));
    // tier 1: coupon max(5% of 200.00 = 10.00, 5.00) = 10.00
    expect(byKey['t1:information+coupon']).toMatchObject({ refundAmount: 0, givenValue: 1_000, netCost: 1_000, percentOfPaid: 5 });
    // tier 2 partial: 20% = 40.00 + coupon max(10% = 20.00, 10.00) = 20.00
    expect(byKey['t2:partial_refund+coupon']).toMatchObject({ refundAmount: 4_000, givenValue: 6_000, netCost: 6_000, percentOfPaid: 30 });
    // tier 2 reship: goods 80.00 + shipping 9.00 + coupon 20.00
    expect(byKey['t2:reship+reship+coupon']).toMatchObject({ refundAmount: 0, givenValue: 2_000, netCost: 10_900 });
    // tier 3 full refund: 200.00 + VIP coupon max(15% = 30.00, 25.00)
    expect(byKey['t3:full_refund+coupon+card']).toMatchObject({ refundAmount: 20_000, givenValue: 23_000, netCost: 23_000, apologyCard: true, coupon: { amount: 3_000, vip: true } });
    // return + refund: 200.00 + label 12.00 − resale 120.00
    expect(byKey['t3:return_refund']).toMatchObject({ refundAmount: 20_000, netCost: 9_200 });
  });

  it('return shipping counts only when the seller pays the label', () => {
    const o = ladderOptions(DEFAULT_LADDER, econ({ sellerPaysReturn: false })).find((x) => x.kind === 'return_refund')!;
    expect(o.netCost).toBe(8_000);
  });

  it('options are sorted by tier, then net cost', () => {
    const tiers = ladderOptions(DEFAULT_LADDER, econ()).map((o) => `${o.tier}:${o.netCost}`);
    expect(tiers).toEqual(['1:1000', '2:6000', '2:10900', '3:9200', '3:11900', '3:23000']);
  });
});

describe('recommend', () => {
  it.each<[ProblemCategory, number, string]>([
    ['minor_flaw', 1, 't1:information+coupon'],
    ['logistics_question', 1, 't1:information+coupon'],
    ['size_fit', 2, 't2:partial_refund+coupon'],
    ['not_as_described', 2, 't2:partial_refund+coupon'],
    ['severe_damage', 3, 't3:reship+reship+coupon+card'],
    ['wrong_item', 3, 't3:reship+reship+coupon+card'],
  ])('%s starts at tier %i and picks %s', (category, tier, key) => {
    const r = recommend(DEFAULT_LADDER, category, econ());
    expect(r.startTier).toBe(tier);
    expect(r.recommended.key).toBe(key);
  });

  it('reships while goods cost less than the money, refunds once they cost more', () => {
    // reship: 80.00 + 9.00 + VIP coupon 30.00 = 119.00 < full refund 200.00 + 30.00
    expect(recommend(DEFAULT_LADDER, 'severe_damage', econ()).recommended).toMatchObject({ key: 't3:reship+reship+coupon+card', netCost: 11_900, apologyCard: true });
    // goods at 200.00: reship 239.00 > refund 230.00
    expect(recommend(DEFAULT_LADDER, 'severe_damage', econ({ itemCost: 20_000 })).recommended).toMatchObject({ key: 't3:full_refund+coupon+card', netCost: 23_000, refundAmount: 20_000 });
  });

  it('a valuable buyer starts one tier higher, never above 3', () => {
    expect(recommend(DEFAULT_LADDER, 'minor_flaw', econ({ buyerLifetimeValue: 250_000 })).startTier).toBe(2);
    expect(recommend(DEFAULT_LADDER, 'wrong_item', econ({ buyerLifetimeValue: 250_000 })).startTier).toBe(3);
    expect(recommend(DEFAULT_LADDER, 'minor_flaw', econ({ buyerLifetimeValue: 199_999 })).startTier).toBe(1);
  });

  it('a shop-specific ladder changes the numbers', () => {
    const ladder = structuredClone(DEFAULT_LADDER);
    ladder.tiers[2].partialRefundPercent = 35;
    ladder.tiers[2].allowReship = false;
    const r = recommend(ladder, 'size_fit', econ());
    expect(r.recommended).toMatchObject({ key: 't2:partial_refund+coupon', refundAmount: 7_000 });
    expect(r.options.some((o) => o.key === 't2:reship+reship+coupon')).toBe(false);
  });
});

describe('authority limits', () => {
  const agent = defaultRemedyLimits('agent'); // 30 %, EUR 45.00
  const supervisor = defaultRemedyLimits('supervisor');
  const owner = defaultRemedyLimits('owner');
  const warehouse = defaultRemedyLimits('warehouse');
  it.each([
    ['agent within both', agent, 3_000, 4_500, 'EUR', 20_000, false, 'within_limits'],
    ['agent one cent over the amount (coupon counts)', agent, 3_000, 4_501, 'EUR', 20_000, true, 'over_amount'],
    ['agent refund over 30 % on a cheap item', agent, 1_000, 1_000, 'EUR', 3_000, true, 'over_percent'],
    ['agent refund exactly 30 %', agent, 900, 1_400, 'EUR', 3_000, false, 'within_limits'],
    ['agent in a currency with no cap', agent, 0, 100, 'JPY', 10_000, true, 'no_limit_for_currency'],
    ['supervisor full refund plus coupon', supervisor, 60_000, 69_000, 'EUR', 60_000, false, 'within_limits'],
    ['supervisor above amount', supervisor, 90_001, 90_001, 'EUR', 200_000, true, 'over_amount'],
    ['owner has no cap', owner, 10_000_000, 10_000_000, 'USD', 1, false, 'within_limits'],
    ['warehouse may give nothing', warehouse, 0, 1, 'EUR', 20_000, true, 'over_amount'],
    ['warehouse may give zero', warehouse, 0, 0, 'EUR', 20_000, false, 'within_limits'],
  ] as const)('%s', (_n, limits, refundAmount, givenValue, currency, paid, needs, reason) => {
    const d = authorityFor(limits, { refundAmount, givenValue }, currency, paid);
    expect(d.needsApproval).toBe(needs);
    expect(d.check.reason).toBe(reason);
  });
});

describe('lifecycle and steps', () => {
  it('allows only forward transitions', () => {
    expect(canTransition('proposed', 'pending_approval')).toBe(true);
    expect(canTransition('pending_approval', 'executing')).toBe(true);
    expect(canTransition('completed', 'executing')).toBe(false);
    expect(canTransition('rejected', 'executing')).toBe(false);
    expect(canTransition('attention', 'abandoned')).toBe(true);
    expect(canTransition('executing', 'abandoned')).toBe(false);
  });

  it('plans money and goods first, the message last', () => {
    expect(planSteps({ refundAmount: 100, reship: true, viaPlatformReturn: false, message: true }).map((s) => `${s.phase}:${s.handler}`)).toEqual([
      '1:tiktok.refund',
      '1:remedies.reship',
      '2:message',
    ]);
    expect(planSteps({ refundAmount: 100, reship: false, viaPlatformReturn: true, message: false }).map((s) => s.handler)).toEqual(['tiktok.approve_return']);
    expect(planSteps({ refundAmount: 0, reship: false, viaPlatformReturn: false, message: true }).map((s) => s.step)).toEqual(['message']);
  });

  it('progress follows the step rows', () => {
    expect(remedyProgress([{ phase: 1, state: 'pending' }, { phase: 2, state: 'pending' }])).toBe('waiting');
    expect(remedyProgress([{ phase: 1, state: 'done' }, { phase: 2, state: 'pending' }])).toBe('phase1_done');
    expect(remedyProgress([{ phase: 1, state: 'done' }, { phase: 2, state: 'done' }])).toBe('done');
    expect(remedyProgress([{ phase: 1, state: 'failed' }, { phase: 1, state: 'done' }])).toBe('failed');
  });
});
