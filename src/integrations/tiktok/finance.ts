import { z } from 'zod';
import type { Clock } from '../../platform/clock.js';
import type { Logger } from '../../platform/logger.js';
import { decimalToMinor, type FinanceRefundInput, type FinanceStatementInput } from '../../modules/analytics/index.js';
import { TikTokApiError, type ShopAuth, type TikTokClient } from './client.js';
import type { Connections } from './connections.js';
import { Id, UnixSeconds } from './json.js';

/*
 * Finance API for refund reconciliation (facts and sources: docs/tiktok-conformance.md, "Finance").
 *  - Get Statements `GET /finance/202309/statements` (statement_time_ge/lt, sort_field statement_time,
 *    page_size ≤ 100, page_token): one statement per settlement day with its amounts as decimal strings.
 *  - Get Order Statement Transactions `GET /finance/202501/orders/{order_id}/statement_transactions`
 *    (v202309 of it was retired on 2025-07-01): per SKU, its statement id and revenue breakdown, whose
 *    refund fields are what the platform booked as refunded for the SKU.
 * The API is offered to some markets only (initially US and UK local sellers): a shop without it
 * answers with an error we record as "skipped", and the reconciliation lists that shop as without statements.
 */

const Amount = z.union([z.string(), z.number()]).transform((v) => String(v)).optional().nullable();

export const StatementsData = z.looseObject({
  statements: z
    .array(
      z.looseObject({
        id: Id,
        statement_time: UnixSeconds,
        currency: z.string(),
        settlement_amount: Amount,
        revenue_amount: Amount,
        fee_amount: Amount,
        adjustment_amount: Amount,
        payment_status: z.string().optional().nullable(),
        payment_id: z.union([z.string(), z.number()]).transform((v) => String(v)).optional().nullable(),
      }),
    )
    .default([]),
  next_page_token: z.string().optional().nullable(),
});

export const OrderTransactionsData = z.looseObject({
  order_id: Id.optional(),
  currency: z.string().optional().nullable(),
  sku_transactions: z
    .array(
      z.looseObject({
        sku_id: Id.optional(),
        statement_id: z.union([z.string(), z.number()]).transform((v) => String(v)).optional().nullable(),
        revenue_breakdown: z
          .looseObject({
            subtotal_before_discount_amount: Amount,
            refund_subtotal_before_discount_amount: Amount,
            seller_discount_amount: Amount,
            seller_discount_refund_amount: Amount,
          })
          .optional()
          .nullable(),
      }),
    )
    .default([]),
});

export function getStatements(client: TikTokClient, shop: ShopAuth, q: { statement_time_ge: number; statement_time_lt: number; page_token?: string }) {
  return client.request({ method: 'GET', path: '/finance/202309/statements', shop, query: { ...q, sort_field: 'statement_time', sort_order: 'ASC', page_size: 100 }, schema: StatementsData, safeToRepeat: true });
}

export function getOrderStatementTransactions(client: TikTokClient, shop: ShopAuth, orderId: string) {
  return client.request({ method: 'GET', path: `/finance/202501/orders/${encodeURIComponent(orderId)}/statement_transactions`, shop, schema: OrderTransactionsData, safeToRepeat: true });
}

/** The refund the statement booked for one SKU line, positive, in minor units: refund subtotal minus the seller discount given back. */
export function skuRefundMinor(t: z.output<typeof OrderTransactionsData>['sku_transactions'][number], exp = 2): number {
  const b = t.revenue_breakdown;
  if (!b) return 0;
  return Math.abs(decimalToMinor(b.refund_subtotal_before_discount_amount, exp)) - Math.abs(decimalToMinor(b.seller_discount_refund_amount, exp));
}

export interface FinanceSink {
  storeStatements(orgId: string, shopId: string, rows: FinanceStatementInput[]): Promise<void>;
  storeOrderRefunds(orgId: string, shopId: string, externalOrderId: string, lines: FinanceRefundInput[]): Promise<void>;
  ordersToCheck(orgId: string, shopId: string, days?: number, limit?: number): Promise<string[]>;
}

/** Scope missing, market without the Finance API: the shop is skipped, named in the report. */
const SKIP_CODES = new Set([105005, 105001, 105006]);

export function createFinanceSync(d: { client: TikTokClient; connections: Connections; sink: FinanceSink; clock: Clock; log: Logger }) {
  return {
    /** One shop: statements of the last `days` days, then the statement transactions of orders with refunds to check. */
    async syncShop(orgId: string, shopId: string, opts: { days?: number } = {}): Promise<{ statements: number; orders: number; skipped: string | null }> {
      const now = Math.floor(d.clock.now().getTime() / 1000);
      const days = opts.days ?? 60;
      const out = { statements: 0, orders: 0, skipped: null as string | null };
      try {
        await d.connections.withShop(orgId, shopId, async (auth) => {
          const rows: FinanceStatementInput[] = [];
          let token: string | undefined;
          for (;;) {
            const p = await getStatements(d.client, auth, { statement_time_ge: now - days * 86_400, statement_time_lt: now + 1, page_token: token });
            for (const s of p.statements) {
              rows.push({ id: s.id, statementTime: new Date(s.statement_time * 1000), currency: s.currency, settlementAmount: decimalToMinor(s.settlement_amount), revenueAmount: decimalToMinor(s.revenue_amount), feeAmount: decimalToMinor(s.fee_amount), adjustmentAmount: decimalToMinor(s.adjustment_amount), paymentStatus: s.payment_status ?? null, paymentId: s.payment_id ?? null });
            }
            if (!p.next_page_token) break;
            token = p.next_page_token;
          }
          await d.sink.storeStatements(orgId, shopId, rows);
          out.statements = rows.length;
          for (const orderId of await d.sink.ordersToCheck(orgId, shopId, days)) {
            const t = await getOrderStatementTransactions(d.client, auth, orderId);
            const currency = t.currency ?? rows[0]?.currency ?? '';
            const lines = t.sku_transactions.flatMap((s) => (s.sku_id && s.statement_id ? [{ skuId: s.sku_id, statementId: s.statement_id, currency, refundAmount: skuRefundMinor(s) }] : []));
            await d.sink.storeOrderRefunds(orgId, shopId, orderId, lines);
            out.orders++;
          }
        });
      } catch (e) {
        if (e instanceof TikTokApiError && (SKIP_CODES.has(e.code) || e.httpStatus === 404)) {
          out.skipped = `finance: ${e.code}`;
          d.log.info({ orgId, shopId, code: e.code }, 'TikTok finance: not available for this shop; reconciliation skipped');
          return out;
        }
        throw e;
      }
      return out;
    },
  };
}
export type FinanceSync = ReturnType<typeof createFinanceSync>;
