import { describe, expect, it } from 'vitest';
import { affiliateSourceType, benjaminiHochberg, binomialUpperP, cohortProvisional, convertMinor, faultOwnerOf, flagSources, parseCsatReply, sessionAt, winningClaim, type Claim } from './analytics.rules.js';
import * as rules from './analytics.rules.js';

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

describe('after-sales outcomes', () => {
  const { costShare, couponRoi, csatQuestion, cycleByStep, decimalToMinor, reconcileRefunds, winRate } = rules;
  it('cycle time by step: each step over the returns that went through it; request → refund against the target', () => {
    const t = (d: number, h = 0) => new Date(Date.UTC(2026, 2, d, h));
    const stats = cycleByStep(
      [
        // return and refund: 12 h to approve, 3 days in the post, 6 h to inspect, 2 h to refund → 3 d 20 h = 92 h in all
        { requestedAt: t(1), approvedAt: t(1, 12), receivedAt: t(4, 12), inspectedAt: t(4, 18), refundedAt: t(4, 20) },
        // refund only: approved after 2 h, refunded 10 days after the request (over a 7-day target)
        { requestedAt: t(1), approvedAt: t(1, 2), receivedAt: null, inspectedAt: null, refundedAt: t(11) },
        // still in the post: counts only in the first step
        { requestedAt: t(2), approvedAt: t(2, 4), receivedAt: null, inspectedAt: null, refundedAt: null },
      ],
      7,
      { request_to_approval: 4, receipt_to_inspection: 24 },
    );
    const by = Object.fromEntries(stats.map((s) => [s.step, s]));
    // Approval within 4 h: 2 h and 4 h are, 12 h is not.
    expect(by.request_to_approval).toEqual({ step: 'request_to_approval', n: 3, p50Hours: 4, p90Hours: 12, targetHours: 4, withinTarget: 2 / 3 });
    // No target for the post: no share.
    expect(by.approval_to_receipt).toMatchObject({ targetHours: null, withinTarget: null });
    expect(by.approval_to_receipt).toMatchObject({ n: 1, p50Hours: 72 });
    expect(by.receipt_to_inspection).toMatchObject({ n: 1, p50Hours: 6, targetHours: 24, withinTarget: 1 });
    // Refund-only has no inspection: 1 return in the step, 2 h.
    expect(by.inspection_to_refund).toMatchObject({ n: 1, p50Hours: 2 });
    // 92 h and 240 h: nearest-rank p50 = 92; one of two within 7 days (168 h).
    expect(by.request_to_refund).toEqual({ step: 'request_to_refund', n: 2, p50Hours: 92, p90Hours: 240, targetHours: 168, withinTarget: 0.5 });
  });

  it('cost share, coupon ROI and win rates', () => {
    expect(costShare({ currency: 'EUR', revenue: 100_000, refunds: 6_000, reships: 2_500, coupons: 1_000, returnShipping: 500 })).toMatchObject({ total: 10_000, share: 0.1 });
    expect(costShare({ currency: 'EUR', revenue: 0, refunds: 10, reships: 0, coupons: 0, returnShipping: 0 }).share).toBeNull();
    // 10 issued, 4 redeemed; 2 000 discount bought 14 000 of orders → ROI (14 000 − 2 000) / 2 000 = 6.
    expect(couponRoi({ issued: 10, redeemed: 4, cost: 2_000, revenue: 14_000 })).toEqual({ redemptionRate: 0.4, roi: 6 });
    expect(couponRoi({ issued: 0, redeemed: 0, cost: 0, revenue: 0 })).toEqual({ redemptionRate: null, roi: null });
    expect(winRate(3, 1)).toBe(0.75);
    expect(winRate(0, 0)).toBeNull();
  });

  it('reconciles our refunds with statement refund lines per order and SKU', () => {
    const now = new Date('2026-03-30T00:00:00Z');
    const rows = reconcileRefunds(
      [
        { externalOrderId: '5001', skuId: 'A', currency: 'GBP', amount: 1_999, refundedAt: new Date('2026-03-01') },
        { externalOrderId: '5002', skuId: 'A', currency: 'GBP', amount: 2_500, refundedAt: new Date('2026-03-02') },
        { externalOrderId: '5003', skuId: 'B', currency: 'GBP', amount: 1_000, refundedAt: new Date('2026-03-03') }, // 27 days: missing
        { externalOrderId: '5004', skuId: 'B', currency: 'GBP', amount: 1_000, refundedAt: new Date('2026-03-25') }, // 5 days: awaiting
      ],
      [
        { externalOrderId: '5001', skuId: 'A', currency: 'GBP', amount: 999, statementId: 'S1' },
        { externalOrderId: '5001', skuId: 'A', currency: 'GBP', amount: 1_000, statementId: 'S2' },
        { externalOrderId: '5002', skuId: 'A', currency: 'GBP', amount: 2_000, statementId: 'S2' },
        { externalOrderId: '5009', skuId: 'C', currency: 'GBP', amount: 700, statementId: 'S3' },
      ],
      now,
    );
    expect(rows.map((r) => [r.externalOrderId, r.status, r.difference, r.statementIds.join(',')])).toEqual([
      ['5002', 'amount_differs', -500, 'S2'],
      ['5003', 'missing_on_statement', -1_000, ''],
      ['5009', 'not_ours', 700, 'S3'],
      ['5004', 'awaiting_statement', -1_000, ''],
      ['5001', 'matched', 0, 'S1,S2'],
    ]);
  });

  it('platform money strings and the CSAT question in the buyer language', () => {
    expect(decimalToMinor('-12.34')).toBe(-1234);
    expect(decimalToMinor('7.5')).toBe(750);
    expect(decimalToMinor('3')).toBe(300);
    expect(decimalToMinor('')).toBe(0);
    expect(csatQuestion('de', 'Shop').text).toMatch(/^Wie zufrieden/);
    expect(csatQuestion('pt-BR', 'Shop')).toMatchObject({ language: 'en' });
  });
});
