import crypto from 'node:crypto';
import type { SbBuyer, SbConversation, SbOrder, World } from './world.js';

/*
 * Coupons in the local TikTok Shop: each shop's Seller Center coupons (only the fields the real
 * Get Coupon has), the read-only Promotion endpoints, Create Conversation, the COUPON_CARD
 * conditions, Get Price Detail (the seller voucher on an order), and buyers who later order with a
 * coupon they were sent, at a seeded rate that is higher for buyers the shop treated well.
 */

export interface SbCoupon {
  id: string;
  shopId: string;
  title: string;
  displayType: 'REGULAR' | 'LIVE' | 'CREATOR_EXCLUSIVE' | 'CHAT' | 'PROMO_CODE';
  status: 'NOT_START' | 'ONGOING' | 'EXPIRED' | 'DEACTIVATED';
  creationSource: 'SELLER_CENTER' | 'SELLER_APP' | 'TTS_CRM';
  segment: string;
  discount: { type: 'AMOUNT_OFF'; amount: number } | { type: 'PERCENT_OFF'; percent: number; max: number | null };
  minSpend: number;
  relativeDays: number | null;
  claimStart: number;
  claimEnd: number;
  redemptionEnd: number | null;
  promoCode: string | null;
  totalClaimLimit: number;
  claimed: number;
  redeemed: number;
  createTimeMs: number;
}

/** A card a buyer received, waiting for the buyer's decision (simulated). */
interface Claim {
  couponId: string;
  shopId: string;
  buyer: SbBuyer;
  at: number;
  decided: boolean;
}

const dec = (minor: number) => (minor / 100).toFixed(2);

/** The well-treated buyers redeem more: a refunded return or a compensation coupon in the last 90 days. */
export const REDEMPTION_RATES = { base: 0.3, wellTreated: 0.45 } as const;

export class SandboxCoupons {
  readonly coupons = new Map<string, SbCoupon>();
  /** Seller-voucher deduction per order (what Get Price Detail reports). */
  readonly vouchers = new Map<string, { couponId: string; amount: number }>();
  readonly claims: Claim[] = [];
  /** The demo's accelerated clock: a buyer's 1–6 days to decide pass `speed` times faster. */
  speed = 1;
  private readonly random: () => number;

  constructor(private readonly w: World, private readonly nowSec: () => number) {
    let s = crypto.createHash('sha256').update(`coupons:${w.seed}`).digest().readUInt32BE(0);
    this.random = () => {
      s = (s + 0x6d2b79f5) >>> 0;
      let t = s;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    this.seed();
  }

  private seed(): void {
    const now = this.nowSec();
    for (const shop of this.w.shops) {
      const base = `73${shop.id.slice(-6)}`;
      let n = 0;
      const add = (c: Omit<SbCoupon, 'id' | 'shopId' | 'claimed' | 'redeemed' | 'createTimeMs' | 'claimStart' | 'claimEnd' | 'totalClaimLimit'> & Partial<SbCoupon>) => {
        const id = `${base}${String(++n).padStart(11, '0')}`;
        this.coupons.set(id, { id, shopId: shop.id, claimed: 0, redeemed: 0, createTimeMs: (now - 40 * 86400) * 1000, claimStart: now - 30 * 86400, claimEnd: now + 180 * 86400, totalClaimLimit: 10_000, ...c });
      };
      const amt = (a: number) => ({ type: 'AMOUNT_OFF' as const, amount: a });
      add({ title: 'Return visit: spend 30, save 5', displayType: 'CHAT', status: 'ONGOING', creationSource: 'SELLER_CENTER', segment: 'ALL', discount: amt(500), minSpend: 3000, relativeDays: 14, redemptionEnd: null, promoCode: null });
      add({ title: 'Sorry: 5 off', displayType: 'CHAT', status: 'ONGOING', creationSource: 'SELLER_CENTER', segment: 'ALL', discount: amt(500), minSpend: 0, relativeDays: 60, redemptionEnd: null, promoCode: null });
      add({ title: 'Sorry: 10 off', displayType: 'CHAT', status: 'ONGOING', creationSource: 'SELLER_CENTER', segment: 'ALL', discount: amt(1000), minSpend: 0, relativeDays: 90, redemptionEnd: null, promoCode: null });
      add({ title: 'Sorry: 25 off', displayType: 'CHAT', status: 'ONGOING', creationSource: 'SELLER_CENTER', segment: 'ALL', discount: amt(2500), minSpend: 0, relativeDays: 180, redemptionEnd: null, promoCode: null });
      add({ title: 'We miss you: 15 %', displayType: 'CHAT', status: 'ONGOING', creationSource: 'SELLER_CENTER', segment: 'ALL', discount: { type: 'PERCENT_OFF', percent: 15, max: 1500 }, minSpend: 4000, relativeDays: 21, redemptionEnd: null, promoCode: null });
      add({ title: 'Loyal customers: 10 %', displayType: 'REGULAR', status: 'ONGOING', creationSource: 'SELLER_CENTER', segment: 'REPEAT_CUSTOMERS', discount: { type: 'PERCENT_OFF', percent: 10, max: 2000 }, minSpend: 5000, relativeDays: 30, redemptionEnd: null, promoCode: null });
      add({ title: 'LIVE flash 20 off', displayType: 'LIVE', status: 'ONGOING', creationSource: 'SELLER_CENTER', segment: 'ALL', discount: amt(2000), minSpend: 10000, relativeDays: null, redemptionEnd: now + 2 * 86400, promoCode: null });
      add({ title: 'Spring promo code', displayType: 'PROMO_CODE', status: 'EXPIRED', creationSource: 'SELLER_CENTER', segment: 'ALL', discount: amt(800), minSpend: 4000, relativeDays: null, redemptionEnd: now - 5 * 86400, claimEnd: now - 5 * 86400, promoCode: 'SPRING26' });
    }
  }

  /** Get Coupon's object (Search Coupons returns the same without usage_stats, display_channels and product_ids). */
  json(c: SbCoupon, detail: boolean): Record<string, unknown> {
    const cur = this.w.shop(c.shopId)!.currency;
    const money = (m: number) => ({ amount: dec(m), currency: cur });
    return {
      id: c.id,
      title: c.title,
      display_type: c.displayType,
      status: c.status,
      create_time: c.createTimeMs,
      update_time: c.createTimeMs,
      claim_duration: { start_time: c.claimStart, end_time: c.claimEnd },
      redemption_duration: c.relativeDays ? { type: 'RELATIVE', relative_time: c.relativeDays } : { type: 'ABSOLUTE', start_time: c.claimStart, end_time: c.redemptionEnd ?? c.claimEnd },
      ...(detail ? { display_channels: c.displayType === 'CHAT' ? ['CHAT'] : c.displayType === 'LIVE' ? ['LIVE'] : c.displayType === 'PROMO_CODE' ? ['PRIVATE'] : ['ALL'] } : {}),
      ...(c.promoCode ? { promo_code: c.promoCode } : {}),
      target_buyer_segment: c.segment,
      usage_limits: { single_buyer_claim_limit: 1, total_claim_limit: c.totalClaimLimit },
      ...(detail ? { usage_stats: { claimed_count: c.claimed, redeemed_count: c.redeemed } } : {}),
      discount: c.discount.type === 'AMOUNT_OFF' ? { type: 'AMOUNT_OFF', reduction_amount: money(c.discount.amount) } : { type: 'PERCENT_OFF', percentage: String(c.discount.percent), ...(c.discount.max ? { max_discount: money(c.discount.max) } : {}) },
      threshold: c.minSpend > 0 ? { type: 'MIN_SPEND', min_spend: money(c.minSpend) } : { type: 'NONE' },
      product_scope: 'FULL_SHOP',
      ...(detail ? { product_ids: [] } : {}),
      creation_source: c.creationSource,
    };
  }

  /** The COUPON_CARD conditions of Send Message (45111017 when one fails). */
  cardProblem(conv: SbConversation, couponId: string): { code: number; message: string } | null {
    const c = this.coupons.get(couponId);
    const fail = (why: string) => ({ code: 45111017, message: `coupon ${couponId} does not meet the coupon card conditions: ${why}` });
    if (!c || c.shopId !== conv.shopId) return fail('not a coupon of this shop');
    const now = this.nowSec();
    if (c.status !== 'ONGOING' || c.claimEnd <= now) return fail('not ONGOING');
    if (c.displayType !== 'CHAT' && c.displayType !== 'REGULAR') return fail(`display type ${c.displayType}`);
    if (c.creationSource !== 'SELLER_CENTER') return fail('not created in Seller Center');
    if (c.segment === 'REPEAT_CUSTOMERS') return fail('targets repeat customers');
    if (c.claimed >= c.totalClaimLimit) return fail('no claims left');
    return null;
  }

  /** The card reached the buyer: it counts as claimed, and the buyer will decide later. */
  delivered(conv: SbConversation, couponId: string): void {
    const c = this.coupons.get(couponId)!;
    c.claimed++;
    this.claims.push({ couponId, shopId: conv.shopId, buyer: conv.buyer, at: this.nowSec(), decided: false });
  }

  discountOf(c: SbCoupon, subtotal: number): number {
    if (c.discount.type === 'AMOUNT_OFF') return c.discount.amount;
    const v = Math.round((subtotal * c.discount.percent) / 100);
    return c.discount.max ? Math.min(v, c.discount.max) : v;
  }

  /** The buyer orders with the coupon now: an order big enough for its minimum spend, the voucher on it. */
  redeem(buyer: SbBuyer, couponId: string, at = this.nowSec()): SbOrder {
    const c = this.coupons.get(couponId)!;
    const shop = this.w.shop(c.shopId)!;
    const product = [...shop.products].sort((a, b) => b.price - a.price)[0]!;
    const units = Math.max(1, Math.ceil(Math.max(c.minSpend, 1) / product.price));
    const o = this.w.createOrder(c.shopId, { at, buyer, productKey: product.key, units, silent: true });
    o.platformDiscount = 0;
    const subtotal = o.lines.reduce((a, l) => a + this.w.product(shop, l.productKey).price, 0);
    const voucher = this.discountOf(c, subtotal);
    o.sellerDiscount = voucher;
    this.vouchers.set(o.id, { couponId, amount: voucher });
    c.redeemed++;
    const claim = this.claims.find((x) => x.couponId === couponId && x.buyer.userId === buyer.userId && !x.decided);
    if (claim) claim.decided = true;
    this.w.emit(c.shopId, 1, { order_id: o.id, order_status: o.status, is_on_hold_order: false, update_time: o.updateTime });
    return o;
  }

  /** Buyers who were well treated (a refunded return or a compensation coupon lately) redeem more often. */
  private wellTreated(b: SbBuyer, now: number): boolean {
    const refunded = [...this.w.returns.values()].some((r) => this.w.orders.get(r.orderId)?.buyer.userId === b.userId && /COMPLETE|SUCCESS/.test(r.status) && r.updateTime >= now - 90 * 86400);
    const compensated = this.claims.some((x) => x.buyer.userId === b.userId && this.coupons.get(x.couponId)!.title.startsWith('Sorry'));
    return refunded || compensated;
  }

  /** Decide pending claims 1–6 days after they arrived (the demo simulation calls this as time passes). */
  advance(now = this.nowSec()): SbOrder[] {
    const out: SbOrder[] = [];
    for (const cl of this.claims) {
      if (cl.decided) continue;
      const delay = 86400 * (1 + Math.floor(this.hash(`${cl.couponId}:${cl.buyer.userId}`) * 6));
      if (now < cl.at + delay / Math.max(1, this.speed)) continue;
      cl.decided = true;
      const rate = this.wellTreated(cl.buyer, now) ? REDEMPTION_RATES.wellTreated : REDEMPTION_RATES.base;
      if (this.random() < rate) out.push(this.redeem(cl.buyer, cl.couponId, now));
    }
    return out;
  }

  private hash(s: string): number {
    return crypto.createHash('sha256').update(`${this.w.seed}:${s}`).digest().readUInt32BE(0) / 0x1_0000_0000;
  }

  /** Get Price Detail: the order's money broken down, the seller voucher on its own line. */
  priceDetail(o: SbOrder): Record<string, unknown> {
    const shop = this.w.shop(o.shopId)!;
    const list = o.lines.reduce((a, l) => a + this.w.product(shop, l.productKey).price, 0);
    const voucher = this.vouchers.get(o.id)?.amount ?? 0;
    const productDiscount = o.sellerDiscount - voucher;
    const sale = list - productDiscount - o.platformDiscount;
    const sub = sale - voucher;
    const part = (lineList: number, share: number) => ({
      currency: shop.currency,
      sku_list_price: dec(lineList),
      sku_sale_price: dec(Math.round(sale * share)),
      subtotal: dec(Math.round(sub * share)),
      subtotal_deduction_seller: dec(Math.round(productDiscount * share)),
      subtotal_deduction_platform: dec(Math.round(o.platformDiscount * share)),
      voucher_deduction_seller: dec(Math.round(voucher * share)),
      voucher_deduction_platform: '0.00',
      tax_amount: '0.00',
    });
    return {
      ...part(list, 1),
      total: dec(list + o.shippingFee),
      payment: dec(sub + o.shippingFee),
      shipping_list_price: dec(o.shippingFee),
      shipping_sale_price: dec(o.shippingFee),
      shipping_fee_deduction_seller: '0.00',
      shipping_fee_deduction_platform: '0.00',
      line_items: o.lines.map((l) => ({ id: l.id, ...part(this.w.product(shop, l.productKey).price, this.w.product(shop, l.productKey).price / list) })),
    };
  }
}

type CouponCtx = { params: string[]; query: URLSearchParams; body: Record<string, unknown>; shopId: string };
type RouteFactory<R> = (method: string, path: string, scope: 'shop', handler: (c: CouponCtx) => unknown) => R;
type Fail = (status: number, code: number, message: string) => Error;

/** The coupon endpoints, registered by the sandbox server through its route factory. */
export function couponRoutes<R>(r: RouteFactory<R>, w: World, coupons: SandboxCoupons, fail: Fail, nowSec: () => number): R[] {
  return [
    r('POST', '/promotion/202406/coupons/search', 'shop', (c) => {
      const raw = c.query.get('page_size');
      const size = raw === null ? 50 : Number(raw);
      if (!Number.isInteger(size) || size < 1 || size > 100) throw fail(400, 36009004, 'page_size must be an integer between 1 and 100');
      const status = Array.isArray(c.body.status) ? (c.body.status as string[]) : null;
      const display = Array.isArray(c.body.display_type) ? (c.body.display_type as string[]) : null;
      const kw = typeof c.body.title_keyword === 'string' ? c.body.title_keyword : null;
      const all = [...coupons.coupons.values()].filter((x) => x.shopId === c.shopId && (!status || status.includes(x.status)) && (!display || display.includes(x.displayType)) && (!kw || x.title.includes(kw)));
      const start = c.query.get('page_token') ? Number(c.query.get('page_token')) : 0;
      const page = all.slice(start, start + size);
      return { total_count: all.length, next_page_token: start + size < all.length ? String(start + size) : '', coupons: page.map((x) => coupons.json(x, false)) };
    }),
    r('GET', '/promotion/202406/coupons/{coupon_id}', 'shop', (c) => {
      const x = coupons.coupons.get(c.params[0]!);
      if (!x || x.shopId !== c.shopId) throw fail(404, 36009004, `coupon ${c.params[0]} not found`);
      return { coupon: coupons.json(x, true) };
    }),
    r('POST', '/customer_service/202309/conversations', 'shop', (c) => {
      const id = String(c.body.buyer_user_id ?? '');
      const b = w.buyers.get(id);
      if (!b || b.shopId !== c.shopId) throw fail(400, 45101001, 'param buyer_user_id is invalid');
      return { conversation_id: w.conversationFor(b, nowSec()).id };
    }),
    r('GET', '/order/202407/orders/{order_id}/price_detail', 'shop', (c) => {
      const o = w.orders.get(c.params[0]!);
      if (!o || o.shopId !== c.shopId) throw fail(404, 36009004, `order ${c.params[0]} not found`);
      return coupons.priceDetail(o);
    }),
  ];
}
