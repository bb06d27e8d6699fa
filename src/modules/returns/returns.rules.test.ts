import { describe, expect, it } from 'vitest';
import type { ReturnPolicy } from '../tenancy/index.js';
import {
  importCheckDue,
  nextImportCheck,
  allocateOrderDiscount,
  appealDeadline,
  checkEligibility,
  computeRefund,
  cycleTime,
  DEFAULT_REASON_TREE,
  effectiveTrigger,
  inspectionPasses,
  refundDueOn,
  reasonFromPlatform,
  snapshotReason,
  summariseCycles,
  validateReasonTree,
  type Grade,
} from './returns.rules.js';

const policy: ReturnPolicy = {
  windowDays: 30,
  noReasonReturns: true,
  returnShippingPaidBy: 'buyer',
  restockingFeePercent: 10,
  refundTrigger: 'on_receipt',
  finalSaleCategories: ['Underwear', 'Custom jewellery'],
};
const tree = { id: 'rtr_1', version: 3, nodes: DEFAULT_REASON_TREE };
const reason = (code: string) => snapshotReason(tree, code)!;
const delivered = new Date('2026-03-01T12:00:00Z');
const at = (iso: string) => new Date(iso);

describe('reason tree', () => {
  it('the default tree is valid', () => {
    expect(validateReasonTree(DEFAULT_REASON_TREE)).toEqual([]);
  });
  it('finds duplicates, missing parents and cycles', () => {
    const n = DEFAULT_REASON_TREE[0]!;
    expect(
      validateReasonTree([
        { ...n, code: 'a', parent: 'b' },
        { ...n, code: 'b', parent: 'a' },
        { ...n, code: 'c', parent: 'zzz' },
        { ...n, code: 'c', parent: null },
      ]),
    ).toEqual(['duplicate code c', 'a: cycle through a', 'b: cycle through b', 'c: parent zzz does not exist']);
  });
  it('snapshots path, label in the language, fault owner and version', () => {
    expect(snapshotReason(tree, 'colour_difference', 'de')).toEqual({
      treeId: 'rtr_1',
      version: 3,
      code: 'colour_difference',
      path: ['product_issue', 'not_as_described', 'colour_difference'],
      label: 'Farbe weicht von den Fotos ab',
      faultOwner: 'seller',
    });
    expect(snapshotReason(tree, 'nope')).toBeUndefined();
  });
});

describe('eligibility', () => {
  const base = { policy, deliveredAt: delivered, lines: [{ id: 'l1', category: 'Headphones', alreadyReturned: false }], photoCount: 0, photosRequired: false };

  it('inside the window with a buyer reason: eligible', () => {
    const e = checkEligibility({ ...base, now: at('2026-03-31T12:00:00Z'), reason: reason('changed_mind') });
    expect(e).toEqual({ eligible: true, reasons: [], windowEndsAt: '2026-03-31T12:00:00.000Z' });
  });

  it('one millisecond after the window: closed, with the date', () => {
    const e = checkEligibility({ ...base, now: at('2026-03-31T12:00:00.001Z'), reason: reason('changed_mind') });
    expect(e.eligible).toBe(false);
    expect(e.reasons).toEqual([{ code: 'window_closed', message: 'The 30-day return window ended on 2026-03-31' }]);
  });

  it('the window counts from delivery, not purchase; undelivered orders are not returnable', () => {
    const e = checkEligibility({ ...base, deliveredAt: null, now: at('2026-03-02T00:00:00Z'), reason: reason('changed_mind') });
    expect(e.reasons.map((r) => r.code)).toEqual(['not_delivered']);
    expect(e.windowEndsAt).toBeNull();
  });

  it('final-sale blocks buyer remorse but not a seller fault', () => {
    const lines = [{ id: 'l1', category: 'underwear', alreadyReturned: false }];
    const remorse = checkEligibility({ ...base, lines, now: at('2026-03-05T00:00:00Z'), reason: reason('size_fit') });
    expect(remorse.reasons).toEqual([{ code: 'final_sale', message: 'Items in "underwear" are final sale', lineId: 'l1' }]);
    const fault = checkEligibility({ ...base, lines, now: at('2026-03-05T00:00:00Z'), reason: reason('wrong_item'), photoCount: 1 });
    expect(fault.eligible).toBe(true);
  });

  it('without no-reason returns, only faults are accepted and a reason is required', () => {
    const strict = { ...policy, noReasonReturns: false };
    const now = at('2026-03-05T00:00:00Z');
    expect(checkEligibility({ ...base, policy: strict, now, reason: reason('changed_mind') }).reasons.map((r) => r.code)).toEqual(['reason_required']);
    expect(checkEligibility({ ...base, policy: strict, now, reason: null }).reasons.map((r) => r.code)).toEqual(['reason_required']);
    expect(checkEligibility({ ...base, policy: strict, now, reason: reason('defective') }).eligible).toBe(true);
    expect(checkEligibility({ ...base, now, reason: null }).eligible).toBe(true);
  });

  it('collects every reason at once: already returned, no photos', () => {
    const e = checkEligibility({ ...base, lines: [{ id: 'l1', category: null, alreadyReturned: true }], now: at('2026-05-01T00:00:00Z'), reason: reason('damaged'), photosRequired: true });
    expect(e.reasons.map((r) => r.code)).toEqual(['window_closed', 'already_returned', 'photos_required']);
  });
});

describe('per-line refunds', () => {
  // Order: three lines at list 100.00, 60.00, 40.00 with a 20.00 coupon (min spend 150.00)
  // allocated at purchase by list price: 10.00, 6.00, 4.00.
  const shares = allocateOrderDiscount([10_000, 6_000, 4_000], 2_000, 'EUR');
  const lines = [
    { id: 'a', unitPrice: 10_000, paid: 10_000 - shares[0]! },
    { id: 'b', unitPrice: 6_000, paid: 6_000 - shares[1]! },
    { id: 'c', unitPrice: 4_000, paid: 4_000 - shares[2]! },
  ];
  const coupon = { code: 'SPRING20', minSpend: 15_000, amount: 2_000 };

  it('allocation adds up to the cent', () => {
    expect(shares).toEqual([1_000, 600, 400]);
    expect(allocateOrderDiscount([3_333, 3_333, 3_334], 1_000, 'EUR')).toEqual([333, 333, 334]);
  });

  it('refunds what each returned line actually paid; no fee for a seller fault', () => {
    const r = computeRefund({ currency: 'EUR', allLines: lines, returnedLineIds: ['c'], restockingFeePercent: 10, faultOwner: 'seller', coupon, couponRule: 'claw_back' });
    expect(r.lines).toEqual([{ lineId: 'c', paid: 3_600, restockingFee: 0, couponClawback: 0, refund: 3_600 }]);
    expect(r.total).toBe(3_600);
    expect(r.couponRule).toMatchObject({ applied: false, keptListPrice: 16_000 });
  });

  it('restocking fee applies to buyer remorse only', () => {
    const r = computeRefund({ currency: 'EUR', allLines: lines, returnedLineIds: ['c'], restockingFeePercent: 10, faultOwner: 'buyer', coupon: null, couponRule: 'claw_back' });
    expect(r.lines[0]).toEqual({ lineId: 'c', paid: 3_600, restockingFee: 360, couponClawback: 0, refund: 3_240 });
  });

  it('claw_back: dropping below the coupon minimum deducts the discount on kept items', () => {
    // Return a (100.00); kept b + c list 100.00 < 150.00 → kept share 6.00 + 4.00 = 10.00 deducted.
    const r = computeRefund({ currency: 'EUR', allLines: lines, returnedLineIds: ['a'], restockingFeePercent: 0, faultOwner: 'buyer', coupon, couponRule: 'claw_back' });
    expect(r.lines).toEqual([{ lineId: 'a', paid: 9_000, restockingFee: 0, couponClawback: 1_000, refund: 8_000 }]);
    expect(r.couponRule).toMatchObject({ applied: true, clawback: 1_000, keptListPrice: 10_000, minSpend: 15_000 });
  });

  it('claw_back is spread over several returned lines to the cent', () => {
    const r = computeRefund({ currency: 'EUR', allLines: lines, returnedLineIds: ['a', 'b'], restockingFeePercent: 0, faultOwner: 'buyer', coupon, couponRule: 'claw_back' });
    // kept c (40.00) < 150.00; its share 4.00 is taken from a (90.00) and b (54.00) by weight
    expect(r.lines.map((l) => l.couponClawback)).toEqual([250, 150]);
    expect(r.total).toBe(9_000 + 5_400 - 400);
  });

  it('over several returns the deductions add up to the share on what is still kept; returning all refunds all', () => {
    const base = { currency: 'EUR', allLines: lines, restockingFeePercent: 0, faultOwner: 'buyer' as const, coupon, couponRule: 'claw_back' as const };
    const r1 = computeRefund({ ...base, returnedLineIds: ['a'] });
    expect(r1.lines[0]).toMatchObject({ couponClawback: 1_000, refund: 8_000 });
    // b comes back too: only c (share 4.00) is kept, so 6.00 of the 10.00 taken is given back.
    const r2 = computeRefund({ ...base, returnedLineIds: ['b'], previouslyReturnedLineIds: ['a'], previousClawback: 1_000 });
    expect(r2.lines[0]).toMatchObject({ paid: 5_400, couponClawback: -600, refund: 6_000 });
    const r3 = computeRefund({ ...base, returnedLineIds: ['c'], previouslyReturnedLineIds: ['a', 'b'], previousClawback: 1_000 - 600 });
    expect(r3.lines[0]).toMatchObject({ paid: 3_600, couponClawback: -400, refund: 4_000 });
    expect(r1.total + r2.total + r3.total).toBe(18_000);
  });

  it('keep_discount lets the buyer keep it', () => {
    const r = computeRefund({ currency: 'EUR', allLines: lines, returnedLineIds: ['a'], restockingFeePercent: 0, faultOwner: 'buyer', coupon, couponRule: 'keep_discount' });
    expect(r.total).toBe(9_000);
    expect(r.couponRule).toMatchObject({ applied: false, rule: 'keep_discount' });
  });

  it('returning everything refunds everything paid; the coupon rule does not apply', () => {
    const r = computeRefund({ currency: 'EUR', allLines: lines, returnedLineIds: ['a', 'b', 'c'], restockingFeePercent: 0, faultOwner: 'seller', coupon, couponRule: 'claw_back' });
    expect(r.total).toBe(18_000);
    expect(r.couponRule).toBeNull();
  });
});

describe('which step pays', () => {
  const refund = { resolution: 'refund' as const, alreadyRefunded: false };
  it.each([
    ['on_request', 'request_approved', true],
    ['on_request', 'received', false],
    ['on_receipt', 'received', true],
    ['on_receipt', 'inspection_passed', false],
    ['on_inspection_pass', 'received', false],
    ['on_inspection_pass', 'inspection_passed', true],
  ] as const)('%s pays on %s: %s', (trigger, event, due) => {
    expect(refundDueOn(trigger, event, refund)).toBe(due);
  });
  it('receive-and-close, exchanges and early platform refunds never pay', () => {
    expect(refundDueOn('on_receipt', 'received', { resolution: 'no_refund', alreadyRefunded: false })).toBe(false);
    expect(refundDueOn('on_receipt', 'received', { resolution: 'exchange', alreadyRefunded: false })).toBe(false);
    expect(refundDueOn('on_receipt', 'received', { resolution: 'refund', alreadyRefunded: true })).toBe(false);
  });
  it('high-ticket returns wait for inspection', () => {
    expect(effectiveTrigger({ ...policy, refundTrigger: 'on_request' }, 50_000, 30_000)).toBe('on_inspection_pass');
    expect(effectiveTrigger({ ...policy, refundTrigger: 'on_request' }, 29_999, 30_000)).toBe('on_request');
    expect(effectiveTrigger({ ...policy, refundTrigger: 'on_receipt' }, 1_000_000, null)).toBe('on_receipt');
  });
});

describe('inspection', () => {
  it.each<[Grade, 'buyer' | 'seller' | 'carrier', boolean]>([
    ['as_new', 'buyer', true],
    ['opened', 'buyer', true],
    ['damaged', 'buyer', false],
    ['damaged', 'carrier', true],
    ['damaged', 'seller', true],
    ['not_ours', 'seller', false],
    ['empty_box', 'carrier', false],
  ])('%s with %s fault passes: %s', (grade, fault, pass) => {
    expect(inspectionPasses(grade, fault)).toBe(pass);
  });
  it('appeal deadline is seven days after inspection', () => {
    expect(appealDeadline(at('2026-03-10T08:00:00Z')).toISOString()).toBe('2026-03-17T08:00:00.000Z');
  });
});

describe('cycle time', () => {
  it('names the slowest step', () => {
    const c = cycleTime({
      requestedAt: at('2026-03-01T00:00:00Z'),
      approvedAt: at('2026-03-01T02:00:00Z'),
      receivedAt: at('2026-03-05T00:00:00Z'),
      inspectedAt: at('2026-03-05T03:00:00Z'),
      refundedAt: at('2026-03-05T03:01:00Z'),
    });
    expect(c.totalMs).toBe(4 * 86_400_000 + 3 * 3_600_000 + 60_000);
    expect(c.slowest).toEqual({ step: 'approved→received', ms: 3 * 86_400_000 + 22 * 3_600_000 });
    expect(c.steps.map((s) => s.step)).toEqual(['requested→approved', 'approved→received', 'received→inspected', 'inspected→refunded']);
  });
  it('an open return has no total yet but still names the slowest step so far', () => {
    const c = cycleTime({ requestedAt: at('2026-03-01T00:00:00Z'), receivedAt: at('2026-03-03T00:00:00Z') });
    expect(c).toEqual({ totalMs: null, steps: [{ step: 'requested→received', from: 'requested', to: 'received', ms: 2 * 86_400_000 }], slowest: { step: 'requested→received', ms: 2 * 86_400_000 } });
  });
});

describe('cycle-time summary', () => {
  const H = 3_600_000;
  const c = (h: number[]) => {
    const t0 = Date.parse('2026-03-01T00:00:00Z');
    const [a, r, i, f] = h.map((x, k) => new Date(t0 + h.slice(0, k + 1).reduce((s, y) => s + y, 0) * H));
    return cycleTime({ requestedAt: new Date(t0), approvedAt: a, receivedAt: r, inspectedAt: i, refundedAt: f });
  };
  it('median, p90 and the step that is slowest most often; open returns do not count', () => {
    const s = summariseCycles([c([1, 96, 2, 0]), c([1, 48, 30, 1]), c([2, 120, 1, 1]), cycleTime({ requestedAt: new Date('2026-03-01T00:00:00Z') })]);
    expect(s.count).toBe(3);
    expect(s.medianMs).toBe(99 * H);
    expect(s.p90Ms).toBe(124 * H);
    expect(s.slowestSteps).toEqual([{ step: 'approved→received', count: 3 }]);
    expect(s.meanByStep.map((x) => [x.step, x.ms / H])).toEqual([
      ['approved→received', 88],
      ['received→inspected', 11],
      ['requested→approved', 4 / 3],
      ['inspected→refunded', 2 / 3],
    ]);
    expect(summariseCycles([])).toEqual({ count: 0, medianMs: null, p90Ms: null, slowestSteps: [], meanByStep: [] });
  });
});

describe('platform reasons', () => {
  it.each([
    ['wrong_item_sent', null, 'wrong_item'],
    ['damaged', 'Package arrived broken', 'damaged'],
    [null, 'Size too small', 'size_fit'],
    ['ecom_order_delivered_reason_no_longer_needed', "I don't want it anymore", 'changed_mind'],
    ['opaque_code_123', null, null],
    [null, null, null],
  ])('%s / %s → %s', (code, text, out) => {
    expect(reasonFromPlatform(code, text)).toBe(out);
  });
});

describe('when the TikTok import looks at a refused request again', () => {
  const at = new Date('2026-05-01T10:00:00Z');
  const now = { seen: '2026-04-30T08:00:00.000Z', basis: '7|2', at };
  it('never judged, or changed since, or judged under other settings: due at once', () => {
    const check = nextImportCheck(undefined, now);
    expect(importCheckDue(undefined, now)).toBe(true);
    expect(importCheckDue(check, now)).toBe(false);
    expect(importCheckDue(check, { ...now, seen: '2026-05-01T09:59:00.000Z' })).toBe(true);
    expect(importCheckDue(check, { ...now, basis: '8|2' })).toBe(true);
    expect(importCheckDue(check, { ...now, basis: '7|3' })).toBe(true);
  });
  it('unchanged, it waits 30 minutes, then 2 hours, then 6 hours each time; a change starts over', () => {
    const waits: number[] = [];
    let check = nextImportCheck(undefined, now);
    for (let i = 0; i < 5; i++) {
      waits.push((check.recheckAt.getTime() - check.checkedAt.getTime()) / 60_000);
      expect(importCheckDue(check, { ...now, at: new Date(check.recheckAt.getTime() - 1) })).toBe(false);
      expect(importCheckDue(check, { ...now, at: check.recheckAt })).toBe(true);
      check = nextImportCheck(check, { ...now, at: check.recheckAt });
    }
    expect(waits).toEqual([30, 120, 360, 360, 360]);
    expect(check.attempts).toBe(6);
    const changed = nextImportCheck(check, { ...now, seen: '2026-05-02T00:00:00.000Z', at: check.recheckAt });
    expect([changed.attempts, (changed.recheckAt.getTime() - changed.checkedAt.getTime()) / 60_000]).toEqual([1, 30]);
  });
});
