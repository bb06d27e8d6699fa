import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import type { Database } from '../../platform/db.js';
import type { Jobs } from '../../platform/jobs.js';
import type { Logger } from '../../platform/logger.js';
import { parseDecimal } from '../../platform/money.js';
import { outbox } from '../../platform/outbox/outbox.schema.js';
import { PermanentError, type OutboxRegistry } from '../../platform/outbox/outbox.js';
import { describeIssues, zodIssues } from '../../platform/validation.js';
import { SEND_COUPON_HANDLER, type CouponPlatformPort, type CouponsService, type PlatformCouponTerms } from '../../modules/coupons/index.js';
import { buyerPlatformIds } from '../../modules/orders/index.js';
import { TikTokApiError, type ShopAuth, type TikTokClient } from './client.js';
import type { Connections } from './connections.js';
import { tiktokConnections } from './tiktok.schema.js';

/*
 * Coupons on TikTok Shop (Promotion API 202406, read-only: coupons are made in Seller Center), the
 * COUPON_CARD chat send, and the price detail that tells what a seller voucher took off an order.
 * Facts and sources: docs/tiktok-conformance.md, section "Coupons".
 */

const Amount = z.looseObject({ amount: z.string(), currency: z.string() });
const Duration = z.looseObject({ start_time: z.number().optional(), end_time: z.number().optional() });
export const Coupon = z.looseObject({
  id: z.string(),
  title: z.string().default(''),
  display_type: z.string(),
  status: z.string(),
  create_time: z.number().optional(),
  update_time: z.number().optional(),
  claim_duration: Duration.optional(),
  redemption_duration: z.looseObject({ type: z.string().optional(), start_time: z.number().optional(), end_time: z.number().optional(), relative_time: z.number().optional() }).optional(),
  display_channels: z.array(z.string()).optional(),
  promo_code: z.string().optional().nullable(),
  target_buyer_segment: z.string().optional().nullable(),
  usage_limits: z.looseObject({ single_buyer_claim_limit: z.number().optional(), total_claim_limit: z.number().optional(), redemption_limit: z.number().optional() }).optional(),
  usage_stats: z.looseObject({ claimed_count: z.number().optional(), redeemed_count: z.number().optional() }).optional(),
  discount: z.looseObject({ type: z.string(), reduction_amount: Amount.optional(), percentage: z.string().optional(), max_discount: Amount.optional() }),
  threshold: z.looseObject({ type: z.string(), min_spend: Amount.optional() }).optional(),
  product_scope: z.string().optional(),
  product_ids: z.array(z.string()).optional(),
  creation_source: z.string().optional().nullable(),
});
export type Coupon = z.infer<typeof Coupon>;
export const CouponSearchData = z.looseObject({ coupons: z.array(Coupon).default([]), next_page_token: z.string().default(''), total_count: z.number().optional() });
export const CouponDetailData = z.looseObject({ coupon: Coupon });
export const CreateConversationData = z.looseObject({ conversation_id: z.string() });
/** Price detail (202407): amounts are decimal strings; the seller voucher is `voucher_deduction_seller`. */
export const PriceDetailData = z.looseObject({ currency: z.string(), subtotal: z.string().optional(), sku_list_price: z.string().optional(), voucher_deduction_seller: z.string().default('0'), voucher_deduction_platform: z.string().optional() });

export function searchCoupons(client: TikTokClient, shop: ShopAuth, body: { status?: string[]; display_type?: string[]; title_keyword?: string }, page: { page_size?: number; page_token?: string } = {}) {
  return client.request({ method: 'POST', path: '/promotion/202406/coupons/search', shop, query: { page_size: page.page_size ?? 50, page_token: page.page_token }, body, schema: CouponSearchData, safeToRepeat: true });
}
export async function getCoupon(client: TikTokClient, shop: ShopAuth, couponId: string) {
  return (await client.request({ method: 'GET', path: `/promotion/202406/coupons/${couponId}`, shop, schema: CouponDetailData, safeToRepeat: true })).coupon;
}
/** Start (or find) the conversation with a buyer; the platform answers with its id. */
export function createConversation(client: TikTokClient, shop: ShopAuth, buyerUserId: string) {
  return client.request({ method: 'POST', path: '/customer_service/202309/conversations', shop, body: { buyer_user_id: buyerUserId }, schema: CreateConversationData, safeToRepeat: true });
}
export function getPriceDetail(client: TikTokClient, shop: ShopAuth, orderId: string) {
  return client.request({ method: 'GET', path: `/order/202407/orders/${orderId}/price_detail`, shop, schema: PriceDetailData, safeToRepeat: true });
}

const seconds = (s: number | undefined) => (s ? new Date(s * 1000) : null);
/** Coupon create/update times are milliseconds in the reference; claim and redemption times seconds. */
const millis = (s: number | undefined) => (s ? new Date(s > 1e12 ? s : s * 1000) : null);

/** TikTok's coupon in our vocabulary (minor units, dates). */
export function mapCoupon(c: Coupon, shopCurrency: string) {
  const cur = c.discount.reduction_amount?.currency ?? c.discount.max_discount?.currency ?? c.threshold?.min_spend?.currency ?? shopCurrency;
  const minor = (a: { amount: string; currency: string } | undefined) => (a ? parseDecimal(a.amount, a.currency).amount : null);
  const terms: PlatformCouponTerms & { displayChannels: string[]; productScope: string | null; productIds: string[]; claimStartAt: Date | null; redemptionStartAt: Date | null; singleBuyerClaimLimit: number | null; redemptionLimit: number | null; redeemedCount: number; externalUpdatedAt: Date | null } = {
    externalId: c.id,
    title: c.title,
    status: c.status.trim(),
    displayType: c.display_type.trim(),
    creationSource: c.creation_source ?? null,
    targetBuyerSegment: c.target_buyer_segment?.trim() ?? null,
    promoCode: c.promo_code || null,
    discountType: c.discount.type,
    currency: cur,
    reductionAmount: c.discount.type === 'AMOUNT_OFF' ? minor(c.discount.reduction_amount) : null,
    percentageBp: c.discount.type === 'PERCENT_OFF' && c.discount.percentage ? Math.round(Number(c.discount.percentage) * 100) : null,
    maxDiscount: c.discount.type === 'PERCENT_OFF' ? minor(c.discount.max_discount) : null,
    minSpend: c.threshold?.type === 'MIN_SPEND' ? (minor(c.threshold.min_spend) ?? 0) : 0,
    claimStartAt: seconds(c.claim_duration?.start_time),
    claimEndAt: seconds(c.claim_duration?.end_time),
    redemptionType: c.redemption_duration?.type ?? null,
    redemptionStartAt: c.redemption_duration?.type === 'ABSOLUTE' ? seconds(c.redemption_duration.start_time) : null,
    redemptionEndAt: c.redemption_duration?.type === 'ABSOLUTE' ? seconds(c.redemption_duration.end_time) : null,
    redemptionDays: c.redemption_duration?.type === 'RELATIVE' ? (c.redemption_duration.relative_time ?? null) : null,
    singleBuyerClaimLimit: c.usage_limits?.single_buyer_claim_limit ?? null,
    totalClaimLimit: c.usage_limits?.total_claim_limit ?? null,
    redemptionLimit: c.usage_limits?.redemption_limit ?? null,
    claimedCount: c.usage_stats?.claimed_count ?? 0,
    redeemedCount: c.usage_stats?.redeemed_count ?? 0,
    displayChannels: c.display_channels ?? [],
    productScope: c.product_scope ?? null,
    productIds: c.product_ids ?? [],
    externalUpdatedAt: millis(c.update_time),
  };
  return terms;
}

export const SendCouponPayload = z.strictObject({
  shopId: z.string().min(1),
  buyerId: z.string().startsWith('byr_'),
  ledgerId: z.string().min(1),
  couponExternalId: z.string().regex(/^\d+$/),
  text: z.string().max(2000).nullable().optional(),
});

export interface CouponIntegrationDeps {
  db: Database;
  log: Logger;
  client: TikTokClient;
  connections: Connections;
  shopCurrency(orgId: string, shopId: string): Promise<string>;
}

/** The narrow port the coupons module reads the platform through (wired in compose.ts). */
export function couponPlatformPort(d: CouponIntegrationDeps, coupons: () => CouponsService): CouponPlatformPort {
  return {
    async reach(orgId, shopId) {
      const [c] = await d.db.tenant(orgId, (tx) => tx.select({ status: tiktokConnections.status, scopes: tiktokConnections.grantedScopes }).from(tiktokConnections).where(and(eq(tiktokConnections.orgId, orgId), eq(tiktokConnections.shopId, shopId))));
      // The customer-service API is approval-gated and inactive by default: without its scope the chat reach is zero.
      return { connected: c?.status === 'active', chatScope: !!c && (c.scopes ?? []).some((s) => s.startsWith('seller.customer_service')) };
    },
    async sellerVouchers(orgId, shopId, orders) {
      const out = new Map<string, number>();
      await d.connections.withShop(orgId, shopId, async (auth) => {
        for (const o of orders) {
          const p = await getPriceDetail(d.client, auth, o.externalId);
          out.set(o.id, parseDecimal(p.voucher_deduction_seller || '0', p.currency).amount);
        }
      });
      return out;
    },
    async syncCoupons(orgId, shopId) {
      const currency = await d.shopCurrency(orgId, shopId);
      const found: Coupon[] = [];
      await d.connections.withShop(orgId, shopId, async (auth) => {
        let token: string | undefined;
        for (let page = 0; page < 50; page++) {
          const r = await searchCoupons(d.client, auth, {}, { page_size: 50, page_token: token });
          found.push(...r.coupons);
          if (!r.next_page_token) break;
          token = r.next_page_token;
        }
        // Search has no usage stats, display channels or product ids: Get Coupon has them.
        for (let i = 0; i < found.length; i++) {
          if (found[i]!.status.trim() === 'EXPIRED' || found[i]!.status.trim() === 'DEACTIVATED') continue;
          found[i] = await getCoupon(d.client, auth, found[i]!.id);
        }
      });
      const n = await coupons().upsertPlatformCoupons(orgId, shopId, found.map((c) => mapCoupon(c, currency)));
      return { coupons: n };
    },
  };
}

/** A message the shop sent in this conversation since `sinceSec` that `match` accepts (how a send without an idempotency key is deduplicated). */
export async function shopMessageSince(client: TikTokClient, auth: ShopAuth, conversationId: string, sinceSec: number, match: (type: string, content: Record<string, unknown>) => boolean): Promise<string | undefined> {
  let token: string | undefined;
  for (let page = 0; page < 5; page++) {
    const r = await client.listMessages(auth, conversationId, { page_size: 10, page_token: token });
    for (const m of r.messages) {
      const role = m.sender.role.toUpperCase();
      if (role !== 'SHOP' && role !== 'CUSTOMER_SERVICE') continue;
      if (m.create_time < sinceSec) continue;
      let content: Record<string, unknown> = {};
      try {
        content = JSON.parse(m.content) as Record<string, unknown>;
      } catch {
        content = {};
      }
      if (match(m.type.toUpperCase(), content)) return m.id;
    }
    const oldest = r.messages[r.messages.length - 1];
    if (!r.next_page_token || !oldest || oldest.create_time < sinceSec) return undefined;
    token = r.next_page_token;
  }
  return undefined;
}

/**
 * The COUPON_CARD send. The platform's send has no idempotency key, so: never auto-repeat the POST;
 * on a later attempt (or after a lost answer) re-read the conversation and count a shop COUPON_CARD
 * with the same coupon_id since the step was created as sent. The text (if any) goes first, deduplicated the same way.
 * Quota (45101004) and coupon-card rate (45111012) answers are "not now": the outbox retries later.
 */
export function registerCouponHandlers(registry: OutboxRegistry, d: CouponIntegrationDeps, coupons: CouponsService): void {
  const sentSince = (auth: ShopAuth, conversationId: string, sinceSec: number, match: (type: string, content: Record<string, unknown>) => boolean) => shopMessageSince(d.client, auth, conversationId, sinceSec, match);

  registry.register(SEND_COUPON_HANDLER, async (payload, ctx) => {
    const parsed = SendCouponPayload.safeParse(payload);
    if (!parsed.success) throw new PermanentError(`${SEND_COUPON_HANDLER} payload invalid: ${describeIssues(zodIssues(parsed.error, { root: 'payload' }))}`, 'tiktok.bad_payload');
    const p = parsed.data;
    if (!(await coupons.wantsSend(ctx.orgId, p.ledgerId))) return { skipped: 'voided' };
    const { created, buyer } = await d.db.tenant(ctx.orgId, async (tx) => {
      const [row] = await tx.select({ createdAt: outbox.createdAt }).from(outbox).where(and(eq(outbox.orgId, ctx.orgId), eq(outbox.id, ctx.id)));
      return { created: row?.createdAt ?? new Date(), buyer: (await buyerPlatformIds(tx, ctx.orgId, [p.buyerId])).get(p.buyerId) };
    });
    if (!buyer) throw new PermanentError(`buyer ${p.buyerId} not found`, 'coupons.buyer_missing');
    const since = Math.floor(created.getTime() / 1000) - 5;
    const result = await d.connections.withShop(ctx.orgId, p.shopId, async (auth) => {
      const { conversation_id: conv } = await createConversation(d.client, auth, buyer.platformBuyerId);
      const isCard = (type: string, c: Record<string, unknown>) => type === 'COUPON_CARD' && String(c.coupon_id ?? '') === p.couponExternalId;
      const already = ctx.attempt > 1 ? await sentSince(auth, conv, since, isCard) : undefined;
      if (already) return { messageId: already, deduplicated: true, conversationId: conv };
      const send = async (type: 'TEXT' | 'COUPON_CARD', content: Record<string, unknown>, same: (t: string, c: Record<string, unknown>) => boolean) => {
        if (ctx.attempt > 1) {
          const found = await sentSince(auth, conv, since, same);
          if (found) return { id: found, dedup: true };
        }
        try {
          return { id: (await d.client.sendCard(auth, conv, { type, content })).message_id, dedup: false };
        } catch (e) {
          if (e instanceof TikTokApiError && e.ambiguous) {
            const found = await sentSince(auth, conv, since, same).catch(() => undefined);
            if (found) return { id: found, dedup: true };
          }
          if (e instanceof TikTokApiError && !e.retryable && !e.deferrable && e.code !== -1) throw new PermanentError(e.message, `tiktok.${e.code}`);
          throw e;
        }
      };
      if (p.text) await send('TEXT', { content: p.text }, (t, c) => t === 'TEXT' && c.content === p.text);
      const card = await send('COUPON_CARD', { coupon_id: p.couponExternalId }, isCard);
      return { messageId: card.id, deduplicated: card.dedup, conversationId: conv };
    });
    await coupons.markSent(ctx.orgId, p.ledgerId, result);
    return result;
  });
}

/** Coupons are re-read every six hours (and on demand from the Coupons page and the CLI). */
export async function registerCouponSyncJob(jobs: Jobs | undefined, connections: Connections, port: CouponPlatformPort, log: Logger): Promise<void> {
  if (!jobs) return;
  await jobs.define(
    'tiktok.sync_coupons',
    async () => {
      for (const { orgId, shopId } of await connections.allActive()) {
        try {
          await port.syncCoupons(orgId, shopId);
        } catch (e) {
          log.warn({ err: e, orgId, shopId }, 'coupon sync failed for a shop; the next run retries');
        }
      }
    },
    { cron: '23 */6 * * *', retryLimit: 0 },
  );
}

