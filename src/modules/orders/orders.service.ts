import { and, asc, desc, eq, inArray, ne, or, sql } from 'drizzle-orm';
import type { Clock } from '../../platform/clock.js';
import type { Database, Executor } from '../../platform/db.js';
import { AppError } from '../../platform/errors.js';
import type { IdGenerator } from '../../platform/ids.js';
import type { Actor } from '../../platform/tenancy.js';
import type { BuyerListQuery, BuyerSummaryView, OrderListQuery, OrderSummaryView } from './orders.dto.js';
import { BuyerListQuery as BuyerListSchema, OrderListQuery as OrderListSchema } from './orders.dto.js';
import type { BuyerView, OrderInput, OrderSidebarView, OrderView, PlatformReturnFilter, PlatformReturnInput, PlatformReturnView } from './orders.dto.js';
import { PlatformReturnFilter as FilterSchema } from './orders.dto.js';
import { latestBy } from './orders.rules.js';
import { afterCursor, cutPage, type Page } from '../../platform/pagination.js';
import { buyers, orderLines, orders, platformReturns, type PlatformReturnLine } from './orders.schema.js';

export type OrderRow = typeof orders.$inferSelect;
export type OrderLineRow = typeof orderLines.$inferSelect;
export type BuyerRow = typeof buyers.$inferSelect;
export type PlatformReturnRow = typeof platformReturns.$inferSelect;

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);

/** An ILIKE pattern matching `q` anywhere, with its wildcards taken literally. */
export function likePattern(q: string): string {
  return `%${q.replace(/[\\%_]/g, (c) => '\\' + c)}%`;
}

export function orderView(o: OrderRow, lines: OrderLineRow[]): OrderView {
  return {
    id: o.id,
    shopId: o.shopId,
    buyerId: o.buyerId,
    externalId: o.externalId,
    status: o.status,
    rawStatus: o.rawStatus,
    currency: o.currency,
    subtotal: o.subtotalAmount,
    shipping: o.shippingAmount,
    sellerDiscount: o.sellerDiscountAmount,
    platformDiscount: o.platformDiscountAmount,
    tax: o.taxAmount,
    total: o.totalAmount,
    placedAt: o.placedAt.toISOString(),
    paidAt: iso(o.paidAt),
    deliveredAt: iso(o.deliveredAt),
    trackingNumber: o.trackingNumber,
    carrier: o.carrier,
    deliveryStatus: o.deliveryStatus,
    buyerMessage: o.buyerMessage,
    lines: lines.map((l) => ({
      id: l.id,
      externalId: l.externalId,
      skuId: l.skuId,
      sellerSku: l.sellerSku,
      productId: l.productId,
      productName: l.productName,
      skuName: l.skuName,
      category: l.category,
      imageUrl: l.imageUrl,
      currency: l.currency,
      unitPrice: l.unitPriceAmount,
      paidAmount: l.paidAmount,
      rawStatus: l.rawStatus,
      trafficSource: { type: l.trafficSourceType, id: l.trafficSourceId, name: l.trafficSourceName },
    })),
  };
}

export function platformReturnView(r: PlatformReturnRow): PlatformReturnView {
  return {
    id: r.id,
    shopId: r.shopId,
    orderId: r.orderId,
    buyerId: r.buyerId,
    kind: r.kind,
    externalId: r.externalId,
    externalOrderId: r.externalOrderId,
    type: r.type,
    rawType: r.rawType,
    status: r.status,
    rawStatus: r.rawStatus,
    reasonCode: r.reasonCode,
    reasonText: r.reasonText,
    lines: r.lines,
    currency: r.currency,
    refundAmount: r.refundAmount,
    photos: r.photos,
    videos: r.videos,
    sellerNextAction: r.sellerNextAction,
    sellerDeadline: iso(r.sellerDeadline),
    arbitrationStatus: r.arbitrationStatus,
    offer: r.offer ?? null,
    requestedAt: r.requestedAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
  };
}

export interface OrdersDeps {
  db: Database;
  ids: IdGenerator;
  clock: Clock;
}

/** Keep the newest version of each key: a batch may hold the same entity twice (duplicates, re-fetches). */
export function createOrdersService({ db, ids, clock }: OrdersDeps) {
  async function loadOrder(tx: Executor, orgId: string, id: string): Promise<OrderRow> {
    const [o] = await tx.select().from(orders).where(and(eq(orders.orgId, orgId), eq(orders.id, id)));
    if (!o) throw AppError.notFound('order', id);
    return o;
  }
  async function linesOf(tx: Executor, orgId: string, orderId: string): Promise<OrderLineRow[]> {
    return tx.select().from(orderLines).where(and(eq(orderLines.orgId, orgId), eq(orderLines.orderId, orderId))).orderBy(asc(orderLines.externalId));
  }
  async function buyerView(tx: Executor, orgId: string, id: string): Promise<BuyerView> {
    const [b] = await tx.select().from(buyers).where(and(eq(buyers.orgId, orgId), eq(buyers.id, id)));
    if (!b) throw AppError.notFound('buyer', id);
    // Lifetime value counts what the buyer actually kept paying for: cancelled orders are excluded.
    const [ltv] = await tx
      .select({ amount: sql<number>`coalesce(sum(${orders.totalAmount}), 0)::int8`, n: sql<number>`count(*)::int8`, currency: sql<string | null>`min(${orders.currency})` })
      .from(orders)
      .where(and(eq(orders.orgId, orgId), eq(orders.buyerId, id), ne(orders.status, 'cancelled')));
    return {
      id: b.id,
      platform: b.platform,
      platformBuyerId: b.platformBuyerId,
      displayName: b.displayName,
      email: b.email,
      language: b.language,
      country: b.country,
      lifetimeValue: { amount: Number(ltv?.amount ?? 0), currency: ltv?.currency ?? null, orderCount: Number(ltv?.n ?? 0) },
    };
  }

  return {
    // ---------------- commands (called by integrations inside their tenant transaction) ----------------

    /**
     * Upsert orders with their buyers and lines in three set-based statements. An order whose
     * stored platform update time is newer than the input is left alone (out-of-order re-fetches).
     * Returns our order ids by external id for every order that is now current.
     */
    async applyOrders(tx: Executor, orgId: string, input: OrderInput[]): Promise<Map<string, string>> {
      const out = new Map<string, string>();
      if (input.length === 0) return out;
      const now = clock.now();
      const list = latestBy(input, (o) => `${o.shopId}|${o.externalId}`, (o) => o.externalUpdatedAt.getTime());
      const buyerInputs = latestBy(list.map((o) => o.buyer), (b) => b.platformBuyerId, () => 0);
      // Column arrays (unnest), like orders and lines below: one small statement per batch.
      const bc = <T>(f: (b: OrderInput['buyer']) => T) => buyerInputs.map(f);
      const buyerRows = (
        await tx.execute(sql`
        insert into buyers (org_id, id, platform, platform_buyer_id, display_name, email, language, country, created_at, updated_at)
        select ${orgId}, u.id, 'tiktok', u.pid, u.name, u.email, u.lang, u.country, ${now.toISOString()}::timestamptz, ${now.toISOString()}::timestamptz
        from unnest(${sql.param(bc(() => ids('byr')))}::text[], ${sql.param(bc((b) => b.platformBuyerId))}::text[], ${sql.param(bc((b) => b.displayName ?? null))}::text[],
          ${sql.param(bc((b) => b.email ?? null))}::text[], ${sql.param(bc((b) => b.language ?? null))}::text[], ${sql.param(bc((b) => b.country ?? null))}::text[]) as u(id, pid, name, email, lang, country)
        on conflict (org_id, platform, platform_buyer_id) do update set
          display_name = coalesce(excluded.display_name, buyers.display_name), email = coalesce(excluded.email, buyers.email),
          language = coalesce(buyers.language, excluded.language), country = coalesce(excluded.country, buyers.country), updated_at = excluded.updated_at
        returning id, platform_buyer_id`)
      ).rows.map((r) => ({ id: String(r.id), platformBuyerId: String(r.platform_buyer_id) }));
      const buyerId = new Map(buyerRows.map((b) => [b.platformBuyerId, b.id]));
      // One array parameter per column (unnest) instead of one parameter per value: a 500-order
      // batch is a small statement to parse and plan, several times faster than a VALUES list.
      const col = <T>(f: (o: OrderInput) => T) => list.map(f);
      const orderRows = (
        await tx.execute(sql`
        insert into orders (org_id, id, shop_id, buyer_id, external_id, status, raw_status, currency, subtotal_amount, shipping_amount,
          seller_discount_amount, platform_discount_amount, tax_amount, total_amount, placed_at, paid_at, delivered_at, tracking_number,
          carrier, delivery_status, buyer_message, external_updated_at, created_at, updated_at)
        select ${orgId}, * , ${now.toISOString()}::timestamptz, ${now.toISOString()}::timestamptz from unnest(
          ${sql.param(col(() => ids('ord')))}::text[], ${sql.param(col((o) => o.shopId))}::text[], ${sql.param(col((o) => buyerId.get(o.buyer.platformBuyerId)!))}::text[], ${sql.param(col((o) => o.externalId))}::text[],
          ${sql.param(col((o) => o.status))}::text[], ${sql.param(col((o) => o.rawStatus))}::text[], ${sql.param(col((o) => o.currency))}::text[], ${sql.param(col((o) => o.subtotal))}::int8[], ${sql.param(col((o) => o.shipping))}::int8[],
          ${sql.param(col((o) => o.sellerDiscount))}::int8[], ${sql.param(col((o) => o.platformDiscount))}::int8[], ${sql.param(col((o) => o.tax))}::int8[], ${sql.param(col((o) => o.total))}::int8[],
          ${sql.param(col((o) => o.placedAt.toISOString()))}::timestamptz[], ${sql.param(col((o) => o.paidAt?.toISOString() ?? null))}::timestamptz[], ${sql.param(col((o) => o.deliveredAt?.toISOString() ?? null))}::timestamptz[],
          ${sql.param(col((o) => o.trackingNumber ?? null))}::text[], ${sql.param(col((o) => o.carrier ?? null))}::text[], ${sql.param(col((o) => o.deliveryStatus))}::text[], ${sql.param(col((o) => o.buyerMessage ?? null))}::text[],
          ${sql.param(col((o) => o.externalUpdatedAt.toISOString()))}::timestamptz[])
        on conflict (org_id, shop_id, external_id) do update set
          status = excluded.status, raw_status = excluded.raw_status, subtotal_amount = excluded.subtotal_amount, shipping_amount = excluded.shipping_amount,
          seller_discount_amount = excluded.seller_discount_amount, platform_discount_amount = excluded.platform_discount_amount, tax_amount = excluded.tax_amount,
          total_amount = excluded.total_amount, paid_at = excluded.paid_at, delivered_at = excluded.delivered_at, tracking_number = excluded.tracking_number,
          carrier = excluded.carrier, delivery_status = excluded.delivery_status, buyer_message = excluded.buyer_message,
          external_updated_at = excluded.external_updated_at, updated_at = excluded.updated_at
        where orders.external_updated_at <= excluded.external_updated_at
        returning id, external_id, shop_id`)
      ).rows.map((r) => ({ id: String(r.id), externalId: String(r.external_id), shopId: String(r.shop_id) }));
      const applied = new Map(orderRows.map((r) => [`${r.shopId}|${r.externalId}`, r.id]));
      const lineValues = list.flatMap((o) => {
        const orderId = applied.get(`${o.shopId}|${o.externalId}`);
        if (!orderId) return [];
        return o.lines.map((l) => ({
          orgId,
          id: ids('oln'),
          orderId,
          externalId: l.externalId,
          skuId: l.skuId,
          sellerSku: l.sellerSku ?? null,
          productId: l.productId,
          productName: l.productName,
          skuName: l.skuName ?? null,
          category: l.category ?? null,
          imageUrl: l.imageUrl ?? null,
          currency: o.currency,
          unitPriceAmount: l.unitPrice,
          paidAmount: l.paidAmount,
          rawStatus: l.rawStatus ?? null,
          trafficSourceType: l.trafficSource.type,
          trafficSourceId: l.trafficSource.id,
          trafficSourceName: l.trafficSource.name,
          createdAt: now,
          updatedAt: now,
        }));
      });
      if (lineValues.length) {
        const lc = <T>(f: (l: (typeof lineValues)[number]) => T) => lineValues.map(f);
        await tx.execute(sql`
          insert into order_lines (org_id, id, order_id, external_id, sku_id, seller_sku, product_id, product_name, sku_name, category, image_url,
            currency, unit_price_amount, paid_amount, raw_status, traffic_source_type, traffic_source_id, traffic_source_name, created_at, updated_at)
          select ${orgId}, *, ${now.toISOString()}::timestamptz, ${now.toISOString()}::timestamptz from unnest(
            ${sql.param(lc((l) => l.id))}::text[], ${sql.param(lc((l) => l.orderId))}::text[], ${sql.param(lc((l) => l.externalId))}::text[], ${sql.param(lc((l) => l.skuId))}::text[], ${sql.param(lc((l) => l.sellerSku))}::text[],
            ${sql.param(lc((l) => l.productId))}::text[], ${sql.param(lc((l) => l.productName))}::text[], ${sql.param(lc((l) => l.skuName))}::text[], ${sql.param(lc((l) => l.category))}::text[], ${sql.param(lc((l) => l.imageUrl))}::text[],
            ${sql.param(lc((l) => l.currency))}::text[], ${sql.param(lc((l) => l.unitPriceAmount))}::int8[], ${sql.param(lc((l) => l.paidAmount))}::int8[], ${sql.param(lc((l) => l.rawStatus))}::text[],
            ${sql.param(lc((l) => l.trafficSourceType))}::text[], ${sql.param(lc((l) => l.trafficSourceId))}::text[], ${sql.param(lc((l) => l.trafficSourceName))}::text[])
          on conflict (org_id, order_id, external_id) do update set
            raw_status = excluded.raw_status, paid_amount = excluded.paid_amount, unit_price_amount = excluded.unit_price_amount, updated_at = excluded.updated_at`);
      }
      for (const [k, v] of applied) out.set(k.split('|')[1]!, v);
      return out;
    },

    /** Upsert platform after-sales requests; links them to our orders and lines when we have them. */
    async applyPlatformReturns(tx: Executor, orgId: string, input: PlatformReturnInput[]): Promise<number> {
      return (await this.applyPlatformReturnsReporting(tx, orgId, input)).length;
    },

    /** The same upsert, answering which of our requests it wrote and their status now (the sync tells the helpdesk). */
    async applyPlatformReturnsReporting(tx: Executor, orgId: string, input: PlatformReturnInput[]): Promise<{ id: string; status: string }[]> {
      if (input.length === 0) return [];
      const now = clock.now();
      const list = latestBy(input, (r) => `${r.shopId}|${r.kind}|${r.externalId}`, (r) => r.externalUpdatedAt.getTime());
      const extOrderIds = [...new Set(list.map((r) => r.externalOrderId))];
      const found = await tx
        .select({ id: orders.id, externalId: orders.externalId, shopId: orders.shopId, buyerId: orders.buyerId })
        .from(orders)
        .where(and(eq(orders.orgId, orgId), inArray(orders.externalId, extOrderIds)));
      const byExt = new Map(found.map((o) => [`${o.shopId}|${o.externalId}`, o]));
      const lineRows = found.length
        ? await tx
            .select({ id: orderLines.id, orderId: orderLines.orderId, externalId: orderLines.externalId })
            .from(orderLines)
            .where(and(eq(orderLines.orgId, orgId), inArray(orderLines.orderId, found.map((o) => o.id))))
        : [];
      const lineByExt = new Map(lineRows.map((l) => [`${l.orderId}|${l.externalId}`, l.id]));
      const rows = await tx
        .insert(platformReturns)
        .values(
          list.map((r) => {
            const o = byExt.get(`${r.shopId}|${r.externalOrderId}`);
            const lines: PlatformReturnLine[] = r.lines.map((l) => ({
              orderLineId: o ? (lineByExt.get(`${o.id}|${l.externalOrderLineId}`) ?? null) : null,
              externalOrderLineId: l.externalOrderLineId,
              skuId: l.skuId ?? null,
              productName: l.productName ?? null,
              refundAmount: l.refundAmount ?? null,
            }));
            return {
              orgId,
              id: ids('prt'),
              shopId: r.shopId,
              orderId: o?.id ?? null,
              buyerId: o?.buyerId ?? null,
              kind: r.kind,
              externalId: r.externalId,
              externalOrderId: r.externalOrderId,
              type: r.type,
              rawType: r.rawType,
              status: r.status,
              rawStatus: r.rawStatus,
              reasonCode: r.reasonCode ?? null,
              reasonText: r.reasonText ?? null,
              lines,
              currency: r.currency ?? null,
              refundAmount: r.refundAmount ?? null,
              photos: r.photos,
              videos: r.videos,
              sellerNextAction: r.sellerNextAction ?? null,
              sellerDeadline: r.sellerDeadline ?? null,
              arbitrationStatus: r.arbitrationStatus ?? null,
              offer: r.offer ?? null,
              requestedAt: r.requestedAt,
              externalUpdatedAt: r.externalUpdatedAt,
              createdAt: now,
              updatedAt: now,
            };
          }),
        )
        .onConflictDoUpdate({
          target: [platformReturns.orgId, platformReturns.shopId, platformReturns.kind, platformReturns.externalId],
          set: {
            orderId: sql`coalesce(excluded.order_id, ${platformReturns.orderId})`,
            buyerId: sql`coalesce(excluded.buyer_id, ${platformReturns.buyerId})`,
            type: sql`excluded.type`,
            rawType: sql`excluded.raw_type`,
            status: sql`excluded.status`,
            rawStatus: sql`excluded.raw_status`,
            reasonCode: sql`excluded.reason_code`,
            reasonText: sql`excluded.reason_text`,
            lines: sql`excluded.lines`,
            currency: sql`excluded.currency`,
            refundAmount: sql`excluded.refund_amount`,
            // Evidence only grows: a later re-fetch without records must not erase photos we saw.
            photos: sql`case when jsonb_array_length(excluded.photos) > 0 then excluded.photos else ${platformReturns.photos} end`,
            videos: sql`case when jsonb_array_length(excluded.videos) > 0 then excluded.videos else ${platformReturns.videos} end`,
            sellerNextAction: sql`excluded.seller_next_action`,
            sellerDeadline: sql`excluded.seller_deadline`,
            arbitrationStatus: sql`excluded.arbitration_status`,
            offer: sql`excluded.offer`,
            externalUpdatedAt: sql`excluded.external_updated_at`,
            updatedAt: now,
          },
          setWhere: sql`${platformReturns.externalUpdatedAt} <= excluded.external_updated_at`,
        })
        .returning({ id: platformReturns.id, status: platformReturns.status });
      return rows;
    },

    /** For integrations: the external ids behind our order (and lines), in the caller's transaction. */
    async externalRefs(tx: Executor, orgId: string, orderId: string): Promise<{ order: OrderRow; lines: OrderLineRow[] }> {
      const order = await loadOrder(tx, orgId, orderId);
      return { order, lines: await linesOf(tx, orgId, orderId) };
    },

    async platformReturnRow(tx: Executor, orgId: string, id: string): Promise<PlatformReturnRow> {
      const [r] = await tx.select().from(platformReturns).where(and(eq(platformReturns.orgId, orgId), eq(platformReturns.id, id)));
      if (!r) throw AppError.notFound('platform_return', id);
      return r;
    },

    async buyerOfOrderExternal(tx: Executor, orgId: string, shopId: string, platformBuyerId: string): Promise<OrderRow[]> {
      return tx
        .select({ o: orders })
        .from(orders)
        .innerJoin(buyers, and(eq(buyers.orgId, orders.orgId), eq(buyers.id, orders.buyerId)))
        .where(and(eq(orders.orgId, orgId), eq(orders.shopId, shopId), eq(buyers.platformBuyerId, platformBuyerId)))
        .orderBy(desc(orders.placedAt))
        .then((rows) => rows.map((r) => r.o));
    },

    async orderLinesOf(tx: Executor, orgId: string, orderId: string): Promise<OrderLineRow[]> {
      return linesOf(tx, orgId, orderId);
    },

    // ---------------- reads (other modules and HTTP) ----------------

    async getOrder(actor: Actor, orderId: string): Promise<OrderView> {
      return db.tenant(actor.orgId, async (tx) => orderView(await loadOrder(tx, actor.orgId, orderId), await linesOf(tx, actor.orgId, orderId)));
    },

    async findOrderByExternalId(actor: Actor, shopId: string, externalId: string): Promise<OrderView | null> {
      return db.tenant(actor.orgId, async (tx) => {
        const [o] = await tx.select().from(orders).where(and(eq(orders.orgId, actor.orgId), eq(orders.shopId, shopId), eq(orders.externalId, externalId)));
        return o ? orderView(o, await linesOf(tx, actor.orgId, o.id)) : null;
      });
    },

    async getBuyer(actor: Actor, buyerId: string): Promise<BuyerView> {
      return db.tenant(actor.orgId, (tx) => buyerView(tx, actor.orgId, buyerId));
    },

    /** Everything an agent needs beside a conversation: lines with traffic source, delivery, buyer history and value. */
    async getOrderSidebar(actor: Actor, orderId: string): Promise<OrderSidebarView> {
      return db.tenant(actor.orgId, async (tx) => {
        const o = await loadOrder(tx, actor.orgId, orderId);
        const lines = await linesOf(tx, actor.orgId, orderId);
        const buyer = await buyerView(tx, actor.orgId, o.buyerId);
        const history = await tx
          .select()
          .from(platformReturns)
          .where(and(eq(platformReturns.orgId, actor.orgId), eq(platformReturns.buyerId, o.buyerId)))
          .orderBy(desc(platformReturns.requestedAt))
          .limit(50);
        return {
          order: orderView(o, lines),
          delivery: { status: o.deliveryStatus, trackingNumber: o.trackingNumber, carrier: o.carrier, deliveredAt: iso(o.deliveredAt) },
          buyer,
          returnHistory: history.map(platformReturnView),
        };
      });
    },

    async listPlatformReturns(actor: Actor, filter: PlatformReturnFilter = {}): Promise<PlatformReturnView[]> {
      return (await this.pagePlatformReturns(actor, filter)).items;
    },

    /** One page of after-sales requests, newest first; `cursor` is the previous page's `nextCursor`. */
    async pagePlatformReturns(actor: Actor, filter: PlatformReturnFilter = {}): Promise<Page<PlatformReturnView>> {
      const f = FilterSchema.parse(filter);
      return db.tenant(actor.orgId, async (tx) => {
        const rows = await tx
          .select()
          .from(platformReturns)
          .where(
            and(
              eq(platformReturns.orgId, actor.orgId),
              f.shopId ? eq(platformReturns.shopId, f.shopId) : undefined,
              f.orderId ? eq(platformReturns.orderId, f.orderId) : undefined,
              f.buyerId ? eq(platformReturns.buyerId, f.buyerId) : undefined,
              f.status ? eq(platformReturns.status, f.status) : undefined,
              f.kind ? eq(platformReturns.kind, f.kind) : undefined,
              afterCursor(platformReturns.requestedAt, platformReturns.id, f.cursor, 'desc', 'asc'),
            ),
          )
          .orderBy(desc(platformReturns.requestedAt), asc(platformReturns.id))
          .limit(f.limit + 1);
        const page = cutPage(rows, f.limit, (r) => ({ sort: r.requestedAt, id: r.id }));
        return { items: page.items.map(platformReturnView), nextCursor: page.nextCursor };
      });
    },

    /**
     * The Orders page: newest first, a page at a time. `q` matches the platform order number or a
     * tracking number exactly, or the buyer's name or e-mail in part.
     */
    async pageOrders(actor: Actor, query: OrderListQuery = {}): Promise<Page<OrderSummaryView>> {
      const f = OrderListSchema.parse(query);
      const limit = f.limit ?? 50;
      const like = f.q ? likePattern(f.q) : null;
      return db.tenant(actor.orgId, async (tx) => {
        const rows = await tx
          .select({ o: orders, buyerName: buyers.displayName, lineCount: sql<number>`(select count(*)::int from order_lines l where l.org_id = "orders"."org_id" and l.order_id = "orders"."id")` })
          .from(orders)
          .innerJoin(buyers, and(eq(buyers.orgId, orders.orgId), eq(buyers.id, orders.buyerId)))
          .where(
            and(
              eq(orders.orgId, actor.orgId),
              f.buyerId ? eq(orders.buyerId, f.buyerId) : undefined,
              f.shopId ? eq(orders.shopId, f.shopId) : undefined,
              f.q ? or(eq(orders.externalId, f.q), eq(orders.trackingNumber, f.q), sql`${buyers.displayName} ilike ${like}`, sql`${buyers.email} ilike ${like}`) : undefined,
              afterCursor(orders.placedAt, orders.id, f.cursor, 'desc', 'asc'),
            ),
          )
          .orderBy(desc(orders.placedAt), asc(orders.id))
          .limit(limit + 1);
        const page = cutPage(rows, limit, (r) => ({ sort: r.o.placedAt, id: r.o.id }));
        return {
          items: page.items.map((r) => ({
            id: r.o.id,
            shopId: r.o.shopId,
            externalId: r.o.externalId,
            buyerId: r.o.buyerId,
            buyerName: r.buyerName,
            status: r.o.status,
            deliveryStatus: r.o.deliveryStatus,
            currency: r.o.currency,
            total: r.o.totalAmount,
            lineCount: Number(r.lineCount),
            trackingNumber: r.o.trackingNumber,
            placedAt: r.o.placedAt.toISOString(),
          })),
          nextCursor: page.nextCursor,
        };
      });
    },

    /** The Customers page: newest buyers first, with their order count and lifetime value (cancelled orders excluded). */
    async pageBuyers(actor: Actor, query: BuyerListQuery = {}): Promise<Page<BuyerSummaryView>> {
      const f = BuyerListSchema.parse(query);
      const limit = f.limit ?? 50;
      const like = f.q ? likePattern(f.q) : null;
      return db.tenant(actor.orgId, async (tx) => {
        const rows = await tx
          .select({
            b: buyers,
            orderCount: sql<number>`(select count(*)::int from orders o where o.org_id = "buyers"."org_id" and o.buyer_id = "buyers"."id")`,
            ltv: sql<number>`(select coalesce(sum(o.total_amount), 0)::int8 from orders o where o.org_id = "buyers"."org_id" and o.buyer_id = "buyers"."id" and o.status <> 'cancelled')`,
            currency: sql<string | null>`(select min(o.currency) from orders o where o.org_id = "buyers"."org_id" and o.buyer_id = "buyers"."id")`,
            lastOrderAt: sql<string | null>`(select max(o.placed_at) from orders o where o.org_id = "buyers"."org_id" and o.buyer_id = "buyers"."id")`,
          })
          .from(buyers)
          .where(
            and(
              eq(buyers.orgId, actor.orgId),
              f.q
                ? or(
                    sql`${buyers.displayName} ilike ${like}`,
                    sql`${buyers.email} ilike ${like}`,
                    eq(buyers.platformBuyerId, f.q),
                    sql`exists (select 1 from orders o where o.org_id = "buyers"."org_id" and o.buyer_id = "buyers"."id" and o.external_id = ${f.q})`,
                  )
                : undefined,
              afterCursor(buyers.createdAt, buyers.id, f.cursor, 'desc', 'asc'),
            ),
          )
          .orderBy(desc(buyers.createdAt), asc(buyers.id))
          .limit(limit + 1);
        const page = cutPage(rows, limit, (r) => ({ sort: r.b.createdAt, id: r.b.id }));
        return {
          items: page.items.map((r) => ({
            id: r.b.id,
            platform: r.b.platform,
            displayName: r.b.displayName,
            email: r.b.email,
            country: r.b.country,
            orderCount: Number(r.orderCount),
            lifetimeValue: { amount: Number(r.ltv), currency: r.currency ?? null },
            lastOrderAt: r.lastOrderAt ? new Date(r.lastOrderAt).toISOString() : null,
            createdAt: r.b.createdAt.toISOString(),
          })),
          nextCursor: page.nextCursor,
        };
      });
    },

    async getPlatformReturn(actor: Actor, id: string): Promise<PlatformReturnView> {
      return db.tenant(actor.orgId, async (tx) => {
        const [r] = await tx.select().from(platformReturns).where(and(eq(platformReturns.orgId, actor.orgId), eq(platformReturns.id, id)));
        if (!r) throw AppError.notFound('platform_return', id);
        return platformReturnView(r);
      });
    },
  };
}

export type OrdersService = ReturnType<typeof createOrdersService>;
