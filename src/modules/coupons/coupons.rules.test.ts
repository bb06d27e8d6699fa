import { describe, expect, it } from 'vitest';
import {
  canMove,
  whatsappTemplateOf,
  compensationCoupon,
  dueOccasion,
  eligibility,
  expiryOf,
  faceValue,
  isSerialReturner,
  matchRedemption,
  promoSubject,
  renderMessage,
  suggestProducts,
  withCode,
  segmentOf,
  sendProblems,
  settle,
  variantCouponProblems,
  type BuyerFacts,
  type PlatformCouponTerms,
} from './coupons.rules.js';

const now = new Date('2026-03-10T10:00:00Z');
const coupon = (over: Partial<PlatformCouponTerms> = {}): PlatformCouponTerms => ({
  externalId: '7342461823095965461',
  title: 'Spend 30 save 5',
  status: 'ONGOING',
  displayType: 'CHAT',
  creationSource: 'SELLER_CENTER',
  targetBuyerSegment: 'ALL',
  promoCode: null,
  discountType: 'AMOUNT_OFF',
  currency: 'EUR',
  reductionAmount: 500,
  percentageBp: null,
  maxDiscount: null,
  minSpend: 3000,
  claimEndAt: new Date('2026-12-31T00:00:00Z'),
  redemptionType: 'RELATIVE',
  redemptionEndAt: null,
  redemptionDays: 14,
  totalClaimLimit: 1000,
  claimedCount: 10,
  ...over,
});

describe('what can be sent where (COUPON_CARD conditions)', () => {
  it.each([
    ['a CHAT coupon', {}, 'tiktok_chat', []],
    ['REGULAR is fine', { displayType: 'REGULAR' }, 'tiktok_chat', []],
    ['LIVE is not', { displayType: 'LIVE' }, 'tiktok_chat', ['display_type']],
    ['repeat customers segment', { targetBuyerSegment: 'REPEAT_CUSTOMERS' }, 'tiktok_chat', ['segment_repeat_customers']],
    ['made in the seller app', { creationSource: 'SELLER_APP' }, 'tiktok_chat', ['creation_source']],
    ['expired', { status: 'EXPIRED' }, 'tiktok_chat', ['expired']],
    ['not started', { status: 'NOT_START' }, 'tiktok_chat', ['not_started']],
    ['claim window over', { claimEndAt: new Date('2026-03-01T00:00:00Z') }, 'tiktok_chat', ['expired']],
    ['all claimed', { claimedCount: 1000 }, 'tiktok_chat', ['claims_exhausted']],
    ['e-mail needs a promo code', {}, 'email', ['no_promo_code']],
    ['e-mail with a code', { promoCode: 'SAVE5NOW' }, 'email', []],
  ] as const)('%s', (_n, over, channel, problems) => {
    expect(sendProblems(coupon(over), channel, now)).toEqual(problems);
  });

  it('variant validation names the field and the cause', () => {
    const rule = { currency: 'EUR', channel: 'tiktok_chat' as const, maxMinSpend: 2000, maxFaceValue: null };
    const p = variantCouponProblems(coupon({ currency: 'GBP' }), rule, now, 'variants.0.platformCouponId');
    expect(p.map((x) => [x.field, x.code])).toEqual([
      ['variants.0.platformCouponId', 'coupons.coupon_currency'],
      ['variants.0.platformCouponId', 'coupons.coupon_threshold'],
    ]);
    expect(variantCouponProblems(coupon({ status: 'EXPIRED' }), { ...rule, maxMinSpend: null }, now, 'f')[0]!.code).toBe('coupons.coupon_expired');
  });
});

describe('values and expiry', () => {
  it('amount off and percent off with a cap', () => {
    expect(faceValue(coupon())).toBe(500);
    expect(faceValue(coupon({ discountType: 'PERCENT_OFF', percentageBp: 1500, reductionAmount: null, minSpend: 4000, maxDiscount: 500 }))).toBe(500);
    expect(faceValue(coupon({ discountType: 'PERCENT_OFF', percentageBp: 1000, reductionAmount: null, minSpend: 0, maxDiscount: null }), 2599)).toBe(260);
  });
  it('relative redemption counts from the send; absolute uses its end', () => {
    expect(expiryOf(coupon(), now)).toEqual(new Date('2026-03-24T10:00:00Z'));
    expect(expiryOf(coupon({ redemptionType: 'ABSOLUTE', redemptionEndAt: new Date('2026-04-01T00:00:00Z') }), now)).toEqual(new Date('2026-04-01T00:00:00Z'));
  });
  it('compensation maps to the largest coupon not above the offer', () => {
    const cs = [coupon({ externalId: 'a', reductionAmount: 500 }), coupon({ externalId: 'b', reductionAmount: 1000 }), coupon({ externalId: 'c', reductionAmount: 2500 }), coupon({ externalId: 'x', reductionAmount: 5000, displayType: 'LIVE' })];
    expect(compensationCoupon(cs, 1200, 'EUR', now)!.externalId).toBe('b');
    expect(compensationCoupon(cs, 9999, 'EUR', now)!.externalId).toBe('c');
    expect(compensationCoupon(cs, 100, 'EUR', now)!.externalId).toBe('a');
    expect(compensationCoupon(cs, 1000, 'USD', now)).toBeNull();
  });
});

describe('ledger moves', () => {
  it.each([
    ['planned', 'sent', true],
    ['sent', 'redeemed', true],
    ['redeemed', 'clawed_back', true],
    ['redeemed', 'sent', true],
    ['voided', 'sent', false],
    ['held_out', 'sent', false],
    ['expired', 'redeemed', false],
  ] as const)('%s → %s', (a, b, ok) => expect(canMove(a, b)).toBe(ok));
});

const facts = (over: Partial<BuyerFacts> = {}): BuyerFacts & { lastDeliveredOrderId: string; lastOrderId: string } => ({
  buyerId: 'byr_1',
  lastOrderAt: new Date('2026-03-01T12:00:00Z'),
  lastDeliveredAt: new Date('2026-03-07T15:00:00Z'),
  orders365: 2,
  spend365: 9000,
  returns180: 0,
  returnedValue180: 0,
  spend180: 9000,
  openCase: false,
  birthday: null,
  lastDeliveredOrderId: 'ord_9',
  lastOrderId: 'ord_9',
  ...over,
});

describe('segments, serial returners, eligibility', () => {
  it('segments by recency, frequency and spend', () => {
    expect(segmentOf(facts({ lastOrderAt: null }), now)).toBe('new');
    expect(segmentOf(facts({ orders365: 6, spend365: 60_000 }), now)).toBe('champion');
    expect(segmentOf(facts({ orders365: 3 }), now)).toBe('loyal');
    expect(segmentOf(facts(), now)).toBe('promising');
    expect(segmentOf(facts({ lastOrderAt: new Date('2025-12-20T00:00:00Z') }), now)).toBe('at_risk');
    expect(segmentOf(facts({ lastOrderAt: new Date('2025-10-01T00:00:00Z') }), now)).toBe('lapsed');
  });
  it('serial returners: count and value share', () => {
    expect(isSerialReturner({ returns180: 3, returnedValue180: 4000, spend180: 10_000 })).toBe(true);
    expect(isSerialReturner({ returns180: 3, returnedValue180: 3999, spend180: 10_000 })).toBe(false);
    expect(isSerialReturner({ returns180: 2, returnedValue180: 9000, spend180: 10_000 })).toBe(false);
  });
  it('open cases and the budget cap', () => {
    expect(eligibility(facts({ openCase: true }), { budgetLeft: 1000, faceValue: 500 })).toEqual(['open_case']);
    expect(eligibility(facts(), { budgetLeft: 499, faceValue: 500 })).toEqual(['budget']);
    expect(eligibility(facts(), { budgetLeft: 500, faceValue: 500 })).toEqual([]);
  });
});

describe('schedules in the shop zone', () => {
  it('return visit exactly N local days after delivery', () => {
    // Delivered 7 March 16:00 Berlin; due on 10 March (any hour of that local day).
    expect(dueOccasion('return_visit', { afterDeliveryDays: 3 }, {}, facts(), 'Europe/Berlin', now)).toBe('delivery:ord_9');
    expect(dueOccasion('return_visit', { afterDeliveryDays: 2 }, {}, facts(), 'Europe/Berlin', now)).toBeNull();
    // 23:30Z on 7 March is already 8 March in Berlin: due on the 11th.
    expect(dueOccasion('return_visit', { afterDeliveryDays: 3 }, {}, facts({ lastDeliveredAt: new Date('2026-03-07T23:30:00Z') }), 'Europe/Berlin', now)).toBeNull();
  });
  it('member days and birthdays (only when given)', () => {
    expect(dueOccasion('loyalty', { memberDays: [10] }, {}, facts(), 'Europe/Berlin', now)).toBe('member:2026-03-10');
    expect(dueOccasion('loyalty', { memberDays: [1], birthday: true }, {}, facts({ birthday: '03-10' }), 'Europe/Berlin', now)).toBe('birthday:2026');
    expect(dueOccasion('loyalty', { memberDays: [1], birthday: true }, {}, facts(), 'Europe/Berlin', now)).toBeNull();
    expect(dueOccasion('loyalty', { memberDays: [10] }, { segments: ['champion'] }, facts(), 'Europe/Berlin', now)).toBeNull();
  });
  it('win-back after 60 days without a purchase', () => {
    expect(dueOccasion('winback', {}, {}, facts({ lastOrderAt: new Date('2026-01-09T12:00:00Z') }), 'Europe/Berlin', now)).toBe('winback:ord_9');
    expect(dueOccasion('winback', {}, {}, facts({ lastOrderAt: new Date('2026-01-10T12:00:00Z') }), 'Europe/Berlin', now)).toBeNull();
  });
});

describe('redemption attribution and settlement', () => {
  const issue = { sentAt: now, expiresAt: new Date('2026-03-24T10:00:00Z'), terms: coupon() };
  const o = (id: string, at: string, subtotal: number, voucher: number) => ({ orderId: id, placedAt: new Date(at), subtotal, sellerVoucher: voucher, status: 'AWAITING_SHIPMENT' });
  it('the earliest order after the send, inside the validity, with the voucher of these terms', () => {
    const orders = [o('before', '2026-03-09T00:00:00Z', 4000, 500), o('other-voucher', '2026-03-11T00:00:00Z', 4000, 300), o('small', '2026-03-12T00:00:00Z', 2000, 500), o('yes', '2026-03-13T00:00:00Z', 4000, 500), o('late', '2026-03-25T00:00:00Z', 4000, 500)];
    expect(matchRedemption(issue, orders, new Set())!.orderId).toBe('yes');
    expect(matchRedemption(issue, orders, new Set(['yes']))).toBeNull();
  });
  it('cancellation restores a valid coupon; a full return claws it back', () => {
    expect(settle('order_cancelled', new Date('2026-04-01T00:00:00Z'), now)).toBe('restore');
    expect(settle('order_cancelled', new Date('2026-03-01T00:00:00Z'), now)).toBe('claw_back');
    expect(settle('order_returned_full', null, now)).toBe('claw_back');
    expect(settle('order_returned_partial', null, now)).toBe('leave');
  });
  it('renders the message in the buyer language with English as fallback', () => {
    expect(renderMessage({ en: 'Save {value}', de: 'Spare {value}' }, 'de', { value: '5 €' })).toBe('Spare 5 €');
    expect(renderMessage({ en: 'Save {value}' }, 'ja', { value: '$5' })).toBe('Save $5');
  });
});

describe('win-back product suggestions', () => {
  const top = new Map([
    ['Earrings', [{ productId: 'e1', title: 'Pearl studs', buyers: 90 }, { productId: 'e2', title: 'Gold hoops', buyers: 60 }, { productId: 'e3', title: 'Silver drops', buyers: 30 }]],
    ['Rings', [{ productId: 'r1', title: 'Signet ring', buyers: 80 }, { productId: 'r2', title: 'Stacking ring', buyers: 20 }]],
  ]);
  const bought = [
    { productId: 'e1', title: 'Pearl studs', category: 'Earrings', times: 2 },
    { productId: 'r1', title: 'Signet ring', category: 'Rings', times: 1 },
    { productId: 'e9', title: 'Ear cuff', category: 'Earrings', times: 3 },
  ];
  it("what similar buyers bought most in the buyer's main category first, then the buyer's own repeat buys", () => {
    // Earrings weigh 5 (2 + 3), rings 1: hoops and drops (not yet bought), then the stacking ring.
    expect(suggestProducts(bought, new Set(), top).map((p) => p.productId)).toEqual(['e2', 'e3', 'r2']);
    expect(suggestProducts(bought, new Set(), top, 5).map((p) => p.productId)).toEqual(['e2', 'e3', 'r2', 'e9', 'e1']);
  });
  it('never a product the buyer returned; a returned purchase does not steer the categories', () => {
    expect(suggestProducts(bought, new Set(['e2', 'e9']), top, 5).map((p) => p.productId)).toEqual(['e3', 'r2', 'e1']);
    expect(suggestProducts([{ productId: 'r1', title: 'Signet ring', category: 'Rings', times: 1 }], new Set(['r1']), top)).toEqual([]);
  });
  it('nothing to suggest without history', () => {
    expect(suggestProducts([], new Set(), top)).toEqual([]);
  });
});

describe('promo-code messages', () => {
  it('e-mail and WhatsApp carry the code in the buyer language; a chat card does not need it', () => {
    expect(withCode('Danke!', 'email', 'WELCOME10', 'de')).toBe('Danke!\n\nIhr Code: WELCOME10 (beim Bezahlen in unserem TikTok Shop eingeben).');
    expect(withCode('Grazie!', 'whatsapp', 'WELCOME10', 'it')).toBe('Grazie!\n\nIl tuo codice: WELCOME10 (inseriscilo al pagamento nel nostro TikTok Shop).');
    expect(withCode('Use WELCOME10 today', 'email', 'WELCOME10', 'en')).toBe('Use WELCOME10 today');
    expect(withCode('Thanks!', 'tiktok_chat', null, 'en')).toBe('Thanks!');
    expect(withCode('Gracias', 'email', 'X1', 'ja')).toBe('Gracias\n\nYour code: X1 (enter it at checkout in our TikTok Shop).');
  });
  it('win-back suggestions are appended unless the text places {products} itself', () => {
    const products = [{ productId: 'e2', title: 'Gold hoops' }, { productId: 'e3', title: 'Silver drops' }];
    expect(withCode('Tu nous manques', 'tiktok_chat', null, 'fr', products)).toBe('Tu nous manques\n\nVous aimerez peut-être : Gold hoops, Silver drops.');
    expect(withCode('Try Gold hoops, Silver drops', 'tiktok_chat', null, 'en', products, true)).toBe('Try Gold hoops, Silver drops');
  });
  it('the e-mail subject names the coupon in the buyer language', () => {
    expect(promoSubject('es', 'Welcome back: 10 off')).toBe('Un cupón para ti: Welcome back: 10 off');
    expect(promoSubject(null, 'X')).toBe('A coupon for you: X');
  });
});

describe('promo-code sends: the WhatsApp template and the skipped end', () => {
  it("takes the programme's template name and the language code for the buyer language, else the defaults", () => {
    expect(whatsappTemplateOf({ name: 'voltix_coupon_v2', languages: { it: 'it_IT', en: 'en_US' } }, 'it')).toEqual({ name: 'voltix_coupon_v2', language: 'it_IT' });
    expect(whatsappTemplateOf({ name: 'voltix_coupon_v2', languages: { it: 'it_IT' } }, 'de')).toEqual({ name: 'voltix_coupon_v2', language: 'de' });
    expect(whatsappTemplateOf(null, 'fr')).toEqual({ name: 'afterdesk_coupon_code', language: 'fr' });
  });
  it('a planned send may end as skipped, and skipped is terminal', () => {
    expect(canMove('planned', 'skipped')).toBe(true);
    expect(canMove('sent', 'skipped')).toBe(false);
    for (const to of ['planned', 'sent', 'redeemed', 'voided'] as const) expect(canMove('skipped', to)).toBe(false);
  });
});
