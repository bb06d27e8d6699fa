import { describe, expect, it } from 'vitest';
import { affiliateSourceType, benjaminiHochberg, binomialUpperP, cohortProvisional, convertMinor, faultOwnerOf, flagSources, parseCsatReply, sessionAt, winningClaim, type Claim } from './analytics.rules.js';

describe('binomial test', () => {
  it('P(X ≥ k) matches hand-computed tails', () => {
    // n = 3, p = 0.5: P(X ≥ 2) = (3 + 1) / 8 = 0.5; P(X ≥ 3) = 1/8.
    expect(binomialUpperP(2, 3, 0.5)).toBeCloseTo(0.5, 12);
    expect(binomialUpperP(3, 3, 0.5)).toBeCloseTo(0.125, 12);
    // n = 10, p = 0.1, k = 4: 1 - P(X ≤ 3) = 1 - (0.34868 + 0.38742 + 0.19371 + 0.05740) = 0.012795
    expect(binomialUpperP(4, 10, 0.1)).toBeCloseTo(0.0127951, 6);
    expect(binomialUpperP(0, 10, 0.1)).toBe(1);
    expect(binomialUpperP(5, 10, 0)).toBe(0);
  });
});

describe('Benjamini–Hochberg', () => {
  it('adjusts p-values: q_i = min over j ≥ i of p_(j) m / j, in input order', () => {
    // sorted p: 0.01, 0.02, 0.03, 0.5 (m = 4): raw 0.04, 0.04, 0.04, 0.5 → monotone 0.04, 0.04, 0.04, 0.5
    expect(benjaminiHochberg([0.03, 0.5, 0.01, 0.02]).map((q) => Math.round(q * 1e6) / 1e6)).toEqual([0.04, 0.5, 0.04, 0.04]);
    // 0.001, 0.04, 0.045 (m = 3): 0.003, 0.06, 0.045 → 0.003, 0.045, 0.045
    expect(benjaminiHochberg([0.001, 0.04, 0.045]).map((q) => Math.round(q * 1e6) / 1e6)).toEqual([0.003, 0.045, 0.045]);
  });
});

describe('flagging sources against their shop', () => {
  const totals = new Map([['s1', { deliveredLines: 1000, returnedLines: 80 }]]);
  it('flags a source far above the rest of its shop; not one below 30 delivered orders; not one at the baseline', () => {
    const f = flagSources(
      [
        // 40 of 100 returned; the rest of the shop: 40 / 900 = 4.4 %
        { key: 'bad', shopId: 's1', deliveredOrders: 90, deliveredLines: 100, returnedLines: 40, refundAmount: 40_000 },
        // 10 of 20: high, but only 20 delivered orders — not tested
        { key: 'small', shopId: 's1', deliveredOrders: 20, deliveredLines: 20, returnedLines: 10, refundAmount: 5_000 },
        // 5 of 100: the baseline
        { key: 'ok', shopId: 's1', deliveredOrders: 100, deliveredLines: 100, returnedLines: 5, refundAmount: 500 },
      ],
      totals,
    );
    expect(f.get('bad')).toMatchObject({ tested: true, flagged: true, rate: 0.4 });
    expect(f.get('bad')!.baseline).toBeCloseTo(40 / 900, 12);
    // excess = 40 − 100 × 40/900 = 35.56; money lost = 40,000 × 35.56 / 40
    expect(f.get('bad')!.excessReturns).toBeCloseTo(40 - 100 * (40 / 900), 9);
    expect(f.get('bad')!.excessRefund).toBe(Math.round((40_000 * (40 - 100 * (40 / 900))) / 40));
    expect(f.get('small')).toMatchObject({ tested: false, flagged: false, pValue: null });
    expect(f.get('ok')).toMatchObject({ tested: true, flagged: false });
  });
});

describe('attribution precedence', () => {
  const c = (provenance: Claim['provenance'], productId: string, sourceId: string): Claim => ({ provenance, productId, sourceType: provenance === 'ads_report' ? 'ad_campaign' : provenance === 'live_window' ? 'livestream' : 'creator_video', sourceId, sourceName: null });
  it('affiliate record before ads report before LIVE window; a claim for another product does not apply', () => {
    expect(winningClaim([c('live_window', '', 'L'), c('ads_report', '', 'A'), c('affiliate_orders', 'p1', 'V')], 'p1')!.sourceId).toBe('V');
    expect(winningClaim([c('live_window', '', 'L'), c('ads_report', '', 'A'), c('affiliate_orders', 'p1', 'V')], 'p2')!.sourceId).toBe('A');
    expect(winningClaim([c('live_window', '', 'L')], 'p2')!.sourceId).toBe('L');
    expect(winningClaim([c('affiliate_orders', 'p1', 'V')], 'p2')).toBeNull();
  });
  it('affiliate content types', () => {
    expect(affiliateSourceType('LIVE')).toBe('livestream');
    expect(affiliateSourceType('PRE_LIVE')).toBe('livestream');
    expect(affiliateSourceType('VIDEO')).toBe('creator_video');
    expect(affiliateSourceType('SHOP')).toBe('creator_video');
  });
  it('a LIVE session claims orders placed between its start and end, inclusive', () => {
    const s = [{ id: 'a', startedAt: new Date('2026-03-01T18:00:00Z'), endedAt: new Date('2026-03-01T23:00:00Z') }];
    expect(sessionAt(s, new Date('2026-03-01T18:00:00Z'))?.id).toBe('a');
    expect(sessionAt(s, new Date('2026-03-01T23:00:00Z'))?.id).toBe('a');
    expect(sessionAt(s, new Date('2026-03-01T23:00:01Z'))).toBeNull();
  });
});

describe('other rules', () => {
  it('fault owner from the platform reason code', () => {
    expect(faultOwnerOf('ecom_order_delivered_refund_and_return_reason_damaged')).toBe('carrier');
    expect(faultOwnerOf('ecom_order_delivered_refund_and_return_reason_not_as_described')).toBe('seller');
    expect(faultOwnerOf('ecom_order_delivered_refund_and_return_reason_no_longer_needed')).toBe('buyer');
    expect(faultOwnerOf('ecom_order_delivered_refund_and_return_reason_wrong_size')).toBe('buyer');
    expect(faultOwnerOf(null)).toBeNull();
  });
  it('a delivery-week cohort stays provisional until week + return window + 7 days transit', () => {
    const week = new Date('2026-03-02T00:00:00Z');
    // closes 2026-03-02 + 7 + 30 + 7 days = 2026-04-15
    expect(cohortProvisional(week, new Date('2026-04-14T23:59:59Z'), 30)).toBe(true);
    expect(cohortProvisional(week, new Date('2026-04-15T00:00:00Z'), 30)).toBe(false);
  });
  it('converts minor units with exponents', () => {
    expect(convertMinor(10_000, 2, 2, 1.25)).toBe(12_500); // 100.00 GBP at 1.25 → 125.00 USD
    expect(convertMinor(1000, 0, 2, 0.0064)).toBe(640); // 1,000 JPY → 6.40 USD
  });
  it('parses 1–5 survey replies', () => {
    expect(parseCsatReply('5')).toBe(5);
    expect(parseCsatReply(' 4/5 ')).toBe(4);
    expect(parseCsatReply('★★★')).toBe(3);
    expect(parseCsatReply('cinq')).toBe(5);
    expect(parseCsatReply('6')).toBeNull();
    expect(parseCsatReply('thanks, 5 stars for the bag and 1 for shipping')).toBeNull();
  });
});
