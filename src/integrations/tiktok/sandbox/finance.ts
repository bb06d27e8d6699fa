import type { SbRouteKit } from './analytics.js';
import type { SbOrder, World } from './world.js';

/*
 * The sandbox's Finance API (shapes: docs/tiktok-conformance.md, "Finance"): Get Statements
 * (v202309) and Get Order Statement Transactions (v202501). Money settles per shop and UTC day:
 * an order's sales on its delivery day, a refund on the day its request succeeded. Amounts are
 * decimal strings, refunds negative, as the platform prints them. Only US and GB shops are served
 * (the API started with US and UK local sellers); other markets get an error.
 */

const dec = (minor: number) => (minor < 0 ? '-' : '') + (Math.abs(minor) / 100).toFixed(2);
const REFUNDED = new Set(['RETURN_OR_REFUND_REQUEST_SUCCESS', 'RETURN_OR_REFUND_REQUEST_COMPLETE']);
const FEE_RATE = 0.06;
const FINANCE_MARKETS = new Set(['US', 'GB']);

interface Settled {
  orderId: string;
  skuId: string;
  productName: string;
  day: number;
  kind: 'sale' | 'refund';
  /** Seller-side amount in minor units: sale subtotal after seller discount, or the refund of it. */
  amount: number;
  subtotal: number;
  sellerDiscount: number;
}

/** Day number (UTC) → a statement id of the shop, numeric like the platform's. */
const statementId = (shopId: string, day: number) => `${shopId.slice(-2)}${String(day).padStart(6, '0')}0042`;

function settled(w: World, shopId: string): Settled[] {
  const shop = w.shop(shopId)!;
  const out: Settled[] = [];
  const lineOf = (o: SbOrder, id: string) => o.lines.find((l) => l.id === id)!;
  for (const o of w.orders.values()) {
    if (o.shopId !== shopId || !o.deliveryTime || o.status === 'CANCELLED') continue;
    const day = Math.floor(o.deliveryTime / 86_400);
    for (const l of o.lines) {
      const p = w.product(shop, l.productKey);
      const paid = w.linePaid(o, l.id);
      out.push({ orderId: o.id, skuId: p.skuId, productName: p.name, day, kind: 'sale', amount: paid, subtotal: p.price, sellerDiscount: p.price - paid });
    }
  }
  for (const rt of w.returns.values()) {
    if (rt.shopId !== shopId || rt.type === 'REPLACEMENT' || !REFUNDED.has(rt.status)) continue;
    const quirk = w.financeQuirks.get(rt.id);
    if (quirk === 'withheld') continue;
    const o = w.orders.get(rt.orderId)!;
    const day = Math.floor(rt.updateTime / 86_400);
    const total = rt.lineIds.reduce((a, id) => a + w.linePaid(o, id), 0);
    rt.lineIds.forEach((id, i) => {
      const p = w.product(shop, lineOf(o, id).productKey);
      const paid = w.linePaid(o, id);
      // A quirk changes the booked amount of the request; its first line carries the difference.
      const booked = typeof quirk === 'number' && i === 0 ? paid + (quirk - total) : paid;
      out.push({ orderId: o.id, skuId: p.skuId, productName: p.name, day, kind: 'refund', amount: -booked, subtotal: -(booked + (p.price - paid)), sellerDiscount: -(p.price - paid) });
    });
  }
  return out;
}

export function financeRoutes(w: World, kit: SbRouteKit): unknown[] {
  const offered = (shopId: string) => {
    const shop = w.shop(shopId)!;
    if (!FINANCE_MARKETS.has(shop.region)) kit.fail(404, 36009404, `Finance API is not available for shops in ${shop.region}`);
    return shop;
  };
  return [
    kit.r('GET', '/finance/202309/statements', 'shop', (c) => {
      const shop = offered(c.shopId);
      if (!c.query.get('sort_field')) kit.fail(400, 36009004, 'param sort_field is required');
      const ge = Number(c.query.get('statement_time_ge') ?? 0);
      const lt = Number(c.query.get('statement_time_lt') ?? Number.MAX_SAFE_INTEGER);
      const size = kit.pageSize(c.query, 20, 1, 100);
      const days = new Map<number, Settled[]>();
      for (const s of settled(w, c.shopId)) days.set(s.day, [...(days.get(s.day) ?? []), s]);
      const today = Math.floor(w.nowSec() / 86_400);
      // A day's statement is issued at the end of the day (statement_time = next midnight UTC).
      const items = [...days.entries()].filter(([d]) => d < today && (d + 1) * 86_400 >= ge && (d + 1) * 86_400 < lt).map(([d, ss]) => {
        const revenue = ss.reduce((a, s) => a + s.amount, 0);
        const fee = -Math.round(ss.filter((s) => s.kind === 'sale').reduce((a, s) => a + s.amount, 0) * FEE_RATE);
        return { day: d, revenue, fee };
      });
      const page = kit.paginate(items, c.query, size, (x) => x.day, (x) => String(x.day), c.query.get('sort_order') === 'DESC' ? 'DESC' : 'ASC');
      return {
        statements: page.items.map((x) => ({
          id: statementId(c.shopId, x.day),
          statement_time: (x.day + 1) * 86_400,
          currency: shop.currency,
          revenue_amount: dec(x.revenue),
          fee_amount: dec(x.fee),
          adjustment_amount: '0.00',
          shipping_cost_amount: '0.00',
          net_sales_amount: dec(x.revenue),
          settlement_amount: dec(x.revenue + x.fee),
          payment_status: x.day < today - 7 ? 'PAID' : 'PROCESSING',
          payment_id: x.day < today - 7 ? `${statementId(c.shopId, x.day)}9` : '',
        })),
        next_page_token: page.next,
      };
    }),
    kit.r('GET', '/finance/202501/orders/{order_id}/statement_transactions', 'shop', (c) => {
      const shop = offered(c.shopId);
      const o = w.orders.get(c.params[0]!);
      if (!o || o.shopId !== c.shopId) kit.fail(404, 36009003, 'order not found');
      const today = Math.floor(w.nowSec() / 86_400);
      const rows = settled(w, c.shopId).filter((s) => s.orderId === o!.id && s.day < today);
      // One transaction per SKU and statement: sales and refunds of a day add up on the same SKU.
      const bySku = new Map<string, Settled[]>();
      for (const s of rows) bySku.set(`${s.skuId}|${s.day}`, [...(bySku.get(`${s.skuId}|${s.day}`) ?? []), s]);
      const sku_transactions = [...bySku.values()].map((ss) => {
        const sale = ss.filter((s) => s.kind === 'sale');
        const refund = ss.filter((s) => s.kind === 'refund');
        const sum = (xs: Settled[], f: (s: Settled) => number) => xs.reduce((a, s) => a + f(s), 0);
        const revenue = sum(ss, (s) => s.amount);
        const fee = -Math.round(sum(sale, (s) => s.amount) * FEE_RATE);
        return {
          statement_id: statementId(c.shopId, ss[0]!.day),
          sku_id: ss[0]!.skuId,
          sku_name: 'Default',
          product_name: ss[0]!.productName,
          quantity: String(sale.length),
          revenue_amount: dec(revenue),
          revenue_breakdown: {
            subtotal_before_discount_amount: dec(sum(sale, (s) => s.subtotal)),
            refund_subtotal_before_discount_amount: dec(sum(refund, (s) => s.subtotal)),
            seller_discount_amount: dec(-sum(sale, (s) => s.sellerDiscount)),
            seller_discount_refund_amount: dec(-sum(refund, (s) => s.sellerDiscount)),
            cod_service_fee_amount: '0.00',
            refund_cod_service_fee_amount: '0.00',
          },
          fee_tax_amount: dec(fee),
          shipping_cost_amount: '0.00',
          settlement_amount: dec(revenue + fee),
        };
      });
      const revenue = sku_transactions.reduce((a, t) => a + Math.round(Number(t.revenue_amount) * 100), 0);
      const fee = sku_transactions.reduce((a, t) => a + Math.round(Number(t.fee_tax_amount) * 100), 0);
      return {
        order_id: o!.id,
        order_create_time: o!.createTime,
        currency: shop.currency,
        revenue_amount: dec(revenue),
        fee_and_tax_amount: dec(fee),
        shipping_cost_amount: '0.00',
        settlement_amount: dec(revenue + fee),
        sku_transactions,
        total_count: sku_transactions.length,
      };
    }),
  ];
}
