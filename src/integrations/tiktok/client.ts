import { request, type Dispatcher } from 'undici';
import { exponentialBackoff } from '../../platform/backoff.js';
import type { z } from 'zod';
import { systemClock, type Clock } from '../../platform/clock.js';
import type { Logger } from '../../platform/logger.js';
import { parseResponse, parseTikTokJson } from './json.js';
import {
  AuthorizedShopsData,
  CancelOrderData,
  CancellationSearchData,
  ConversationDetailData,
  ConversationListData,
  CreateReturnData,
  EmptyData,
  Envelope,
  MessageListData,
  OrderDetailData,
  OrderSearchData,
  ProductDetailData,
  ProductSearchData,
  RejectReasonsData,
  ReturnRecordsData,
  ReturnSearchData,
  SendMessageData,
  TokenData,
  WebhookListData,
} from './schemas.js';
import { normaliseQuery, signRequest, type Query } from './signing.js';

export const TIKTOK_API_BASE = 'https://open-api.tiktokglobalshop.com';
export const TIKTOK_AUTH_BASE = 'https://auth.tiktok-shops.com';

/** Error codes we act on (doc §4.4). Anything else is a business error: never retried. */
export const CODES = {
  ok: 0,
  tokenExpired: 105002,
  noScope: 105005,
  badToken: 101000,
  badSign: 106001,
  cipherMissing: 106013,
  rateLimited: 36009002,
  internal: 36009003,
  invalidParams: 36009004,
  timeout: 36009007,
  badPath: 36009009,
  badMethod: 36009010,
  badVersion: 36009014,
  refreshExpired: 36004001,
  authNotFound: 36004005,
  // Customer service (Send Message and the conversation endpoints).
  csInvalidParam: 45101001,
  csReturnCardConditions: 45101002,
  csNotFound: 45101003,
  csDailyQuota: 45101004,
  csSensitiveContent: 45101006,
  csNoPermission: 45102007,
  csConversationRules: 45109001,
  csCouponCardQps: 45111012,
  csCouponCardConditions: 45111017,
} as const;

/**
 * Refusals that say "not now" rather than "never": the shop's daily customer-service quota and the
 * coupon-card rate. Not retried inside one call (a daily quota does not free up in seconds); the
 * outbox tries again later, re-reading the chat first.
 */
export const DEFERRABLE_CODES = new Set<number>([CODES.csDailyQuota, CODES.csCouponCardQps]);

const RETRYABLE_CODES = new Set<number>([CODES.rateLimited, CODES.internal, CODES.timeout]);
const REAUTH_CODES = new Set<number>([CODES.refreshExpired, CODES.authNotFound]);

export class TikTokApiError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly httpStatus: number,
    readonly requestId: string,
    readonly path: string,
    /** True when nothing reached the platform or it explicitly asked us to come back later. */
    readonly retryable: boolean,
    /** True when the request may have been applied although we saw no answer (network drop). */
    readonly ambiguous = false,
  ) {
    super(`TikTok ${path} failed: ${code} ${message}${requestId ? ` (request_id ${requestId})` : ''}`);
    this.name = 'TikTokApiError';
  }
  get needsRefresh(): boolean {
    return this.code === CODES.tokenExpired;
  }
  get needsReauthorisation(): boolean {
    return REAUTH_CODES.has(this.code);
  }
  /**
   * The token we sent may be one the platform no longer knows (the seller re-authorised, another
   * process refreshed). 36009004 is generic — bad params answer with it too — so only the caller
   * who holds the stored token can tell: it re-reads it and retries when it changed.
   */
  get mayBeStaleToken(): boolean {
    return this.code === CODES.badToken || this.code === CODES.invalidParams;
  }
  /** The answer names the token itself, so a refresh is worth one grant rotation. */
  get saysTokenInvalid(): boolean {
    return this.code === CODES.badToken || (this.code === CODES.invalidParams && /access[ _-]?token|credential/i.test(this.message));
  }
  get deferrable(): boolean {
    return DEFERRABLE_CODES.has(this.code);
  }
}

export type SendableType = 'TEXT' | 'IMAGE' | 'VIDEO' | 'PRODUCT_CARD' | 'ORDER_CARD' | 'RETURN_REFUND_CARD' | 'COUPON_CARD' | 'LOGISTICS_CARD';

export interface ShopAuth {
  accessToken: string;
  cipher: string;
}

export interface TikTokClientOptions {
  appKey: string;
  appSecret: string;
  apiBase?: string;
  authBase?: string;
  clock?: Clock;
  log?: Logger;
  /** Retries for retryable failures (rate limit, internal error, 5xx, network on safe calls). */
  maxRetries?: number;
  /** Requests per second per shop (the platform counts per app × shop). */
  qpsPerShop?: number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  requestTimeoutMs?: number;
  /** The connection rule every call goes through (the server's outbound policy); undici's default when absent. */
  dispatcher?: Dispatcher;
}

interface RequestSpec<S extends z.ZodType> {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  query?: Query;
  body?: unknown;
  shop?: ShopAuth;
  /** For /authorization/* and /seller/*: token but no shop_cipher (sending it there is an error). */
  token?: string;
  schema: S;
  /** Reads and writes carrying an idempotency key may be repeated after a network failure. */
  safeToRepeat: boolean;
}

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Small per-shop pacing so one shop's backfill cannot trip the platform's per-shop limit. */
class Pacer {
  private next = new Map<string, number>();
  constructor(private readonly intervalMs: number) {}
  async wait(key: string, sleep: (ms: number) => Promise<void>): Promise<void> {
    if (this.intervalMs <= 0) return;
    const now = Date.now();
    const at = Math.max(now, this.next.get(key) ?? 0);
    this.next.set(key, at + this.intervalMs);
    if (at > now) await sleep(at - now);
  }
}

export class TikTokClient {
  apiBase: string;
  authBase: string;
  private clock: Clock;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;
  private readonly pacer: Pacer;
  readonly maxRetries: number;

  constructor(private readonly o: TikTokClientOptions) {
    this.apiBase = (o.apiBase ?? TIKTOK_API_BASE).replace(/\/$/, '');
    this.authBase = (o.authBase ?? TIKTOK_AUTH_BASE).replace(/\/$/, '');
    this.clock = o.clock ?? systemClock;
    this.sleep = o.sleep ?? defaultSleep;
    this.random = o.random ?? Math.random;
    this.maxRetries = o.maxRetries ?? 4;
    // (setClock below: tests that move a sandbox's time sign with the same clock.)
    this.pacer = new Pacer(o.qpsPerShop ? 1000 / o.qpsPerShop : 0);
  }

  /** Point the client at another host pair (the demo starts the sandbox after services are built). */
  retarget(bases: { apiBase: string; authBase?: string }): void {
    this.apiBase = bases.apiBase.replace(/\/$/, '');
    this.authBase = (bases.authBase ?? bases.apiBase).replace(/\/$/, '');
    for (const l of this.retargetListeners) l(this.bases);
  }

  private readonly retargetListeners = new Set<(b: { apiBase: string; authBase: string }) => void>();

  /** Hosts in use now (a processing thread starts with these and follows later retargets). */
  get bases(): { apiBase: string; authBase: string } {
    return { apiBase: this.apiBase, authBase: this.authBase };
  }

  onRetarget(listener: (b: { apiBase: string; authBase: string }) => void): () => void {
    this.retargetListeners.add(listener);
    return () => this.retargetListeners.delete(listener);
  }

  get appKey(): string {
    return this.o.appKey;
  }

  backoffMs(attempt: number, retryAfterSec?: number): number {
    if (retryAfterSec !== undefined && Number.isFinite(retryAfterSec) && retryAfterSec >= 0) return Math.min(retryAfterSec * 1000, 60_000);
    return exponentialBackoff({ attempt, baseMs: 250, maxMs: 8_000, jitter: this.random });
  }

  // ---------- auth host (not signed; app_secret travels in the query, as the platform requires) ----------

  /** The seller's authorisation link. Partner Center gives a market-specific service link when a service id is configured. */
  authorizeUrl(state: string, opts: { serviceId?: string; market?: string } = {}): string {
    if (opts.serviceId) {
      const host = opts.market === 'US' ? 'https://services.tiktokshops.us' : 'https://services.tiktokshop.com';
      return `${host}/open/authorize?service_id=${encodeURIComponent(opts.serviceId)}&state=${encodeURIComponent(state)}`;
    }
    return `${this.authBase}/oauth/authorize?app_key=${encodeURIComponent(this.o.appKey)}&state=${encodeURIComponent(state)}`;
  }

  /** Sign with this clock from now on (a local sandbox whose time a test moves; production never calls it). */
  setClock(clock: Clock): void {
    this.clock = clock;
  }

  async getAccessToken(authCode: string): Promise<TokenData> {
    return this.authCall('/api/v2/token/get', { app_key: this.o.appKey, app_secret: this.o.appSecret, auth_code: authCode, grant_type: 'authorized_code' });
  }

  async refreshAccessToken(refreshToken: string): Promise<TokenData> {
    return this.authCall('/api/v2/token/refresh', { app_key: this.o.appKey, app_secret: this.o.appSecret, refresh_token: refreshToken, grant_type: 'refresh_token' });
  }

  private async authCall(path: string, query: Record<string, string>): Promise<TokenData> {
    const url = `${this.authBase}${path}?${new URLSearchParams(query).toString()}`;
    return this.send({ url, path, method: 'GET', headers: {}, body: undefined, schema: TokenData, safeToRepeat: false, shopKey: 'auth' });
  }

  // ---------- signed API host ----------

  async request<S extends z.ZodType>(spec: RequestSpec<S>): Promise<z.output<S>> {
    const bodyText = spec.body === undefined ? '' : JSON.stringify(spec.body);
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    const token = spec.shop?.accessToken ?? spec.token;
    if (token) headers['x-tts-access-token'] = token;
    const shopKey = spec.shop?.cipher ?? token ?? 'app';
    // The timestamp is generated per attempt: a retry after backoff must not carry a stale one.
    const build = () => {
      const q = normaliseQuery({ ...spec.query, app_key: this.o.appKey, timestamp: Math.floor(this.clock.now().getTime() / 1000), shop_cipher: spec.shop?.cipher });
      const { sign } = signRequest(this.o.appSecret, spec.path, q, bodyText);
      return `${this.apiBase}${spec.path}?${new URLSearchParams({ ...q, sign }).toString()}`;
    };
    return this.send({ url: build, path: spec.path, method: spec.method, headers, body: bodyText || undefined, schema: spec.schema, safeToRepeat: spec.safeToRepeat, shopKey });
  }

  private async send<S extends z.ZodType>(r: {
    url: string | (() => string);
    path: string;
    method: string;
    headers: Record<string, string>;
    body: string | undefined;
    schema: S;
    safeToRepeat: boolean;
    shopKey: string;
  }): Promise<z.output<S>> {
    for (let attempt = 0; ; attempt++) {
      await this.pacer.wait(r.shopKey, this.sleep);
      let res: { status: number; ok: boolean; retryAfter: number };
      let text: string;
      try {
        // undici's request API: the same HTTP client as fetch without the WHATWG stream layers,
        // a fraction of the CPU per call (webhook processing re-fetches constantly).
        const out = await request(typeof r.url === 'string' ? r.url : r.url(), {
          method: r.method as Dispatcher.HttpMethod,
          headers: r.headers,
          body: r.body,
          signal: AbortSignal.timeout(this.o.requestTimeoutMs ?? 15_000),
          ...(this.o.dispatcher ? { dispatcher: this.o.dispatcher } : {}),
        });
        text = await out.body.text();
        const ra = out.headers['retry-after'];
        res = { status: out.statusCode, ok: out.statusCode >= 200 && out.statusCode < 300, retryAfter: Number(Array.isArray(ra) ? ra[0] : (ra ?? NaN)) };
      } catch (e) {
        // No answer: the platform may or may not have applied a write. Only repeat what is safe.
        const err = new TikTokApiError(-1, `network error: ${(e as Error).message}`, 0, '', r.path, r.safeToRepeat, r.method !== 'GET');
        if (r.safeToRepeat && attempt < this.maxRetries) {
          await this.sleep(this.backoffMs(attempt));
          continue;
        }
        throw err;
      }
      let env: Envelope;
      try {
        env = Envelope.parse(parseTikTokJson(text));
      } catch {
        const retryable = res.status >= 500 || res.status === 429;
        if (retryable && attempt < this.maxRetries && (r.safeToRepeat || res.status === 429 || res.status === 503)) {
          await this.sleep(this.backoffMs(attempt, res.retryAfter));
          continue;
        }
        throw new TikTokApiError(-1, `HTTP ${res.status} with a body that is not a TikTok envelope: ${text.slice(0, 200)}`, res.status, '', r.path, retryable, r.method !== 'GET' && res.status >= 500);
      }
      if (env.code === 0 && res.ok) {
        return parseResponse(r.schema, env.data ?? {}, `${r.method} ${r.path.replace(/\/\d{8,}(?=\/|$)/g, '/{id}')}`, this.o.log);
      }
      // 429/503 and the rate-limit/internal/timeout codes mean "not applied, come back later".
      const retryable = RETRYABLE_CODES.has(env.code) || res.status === 429 || res.status === 503;
      if (retryable && attempt < this.maxRetries) {
        this.o.log?.debug({ path: r.path, code: env.code, attempt }, 'TikTok asked us to retry');
        await this.sleep(this.backoffMs(attempt, res.retryAfter));
        continue;
      }
      throw new TikTokApiError(env.code === 0 ? -1 : env.code, env.message || `HTTP ${res.status}`, res.status, env.request_id ?? '', r.path, retryable);
    }
  }

  // ---------- endpoints ----------

  getAuthorizedShops(accessToken: string) {
    return this.request({ method: 'GET', path: '/authorization/202309/shops', token: accessToken, schema: AuthorizedShopsData, safeToRepeat: true });
  }

  setWebhook(shop: ShopAuth, eventType: string, address: string) {
    return this.request({ method: 'PUT', path: '/event/202309/webhooks', shop, body: { address, event_type: eventType }, schema: WebhookListData.partial(), safeToRepeat: true });
  }

  listWebhooks(shop: ShopAuth) {
    return this.request({ method: 'GET', path: '/event/202309/webhooks', shop, schema: WebhookListData, safeToRepeat: true });
  }

  searchOrders(shop: ShopAuth, filter: { update_time_ge?: number; update_time_lt?: number; create_time_ge?: number; order_status?: string }, page: { page_size?: number; page_token?: string; sort_field?: string; sort_order?: 'ASC' | 'DESC' } = {}) {
    return this.request({ method: 'POST', path: '/order/202309/orders/search', shop, query: { page_size: page.page_size ?? 50, page_token: page.page_token, sort_field: page.sort_field, sort_order: page.sort_order }, body: filter, schema: OrderSearchData, safeToRepeat: true });
  }

  getOrders(shop: ShopAuth, ids: string[]) {
    if (ids.length === 0 || ids.length > 50) throw new RangeError(`getOrders takes 1–50 ids; got ${ids.length}`);
    return this.request({ method: 'GET', path: '/order/202309/orders', shop, query: { ids }, schema: OrderDetailData, safeToRepeat: true });
  }

  searchReturns(shop: ShopAuth, filter: { return_ids?: string[]; order_ids?: string[]; update_time_ge?: number; update_time_lt?: number; locale?: string }, page: { page_size?: number; page_token?: string; sort_field?: string; sort_order?: 'ASC' | 'DESC' } = {}) {
    // The platform takes 10–50 here (not 1–50 like the other searches).
    const size = Math.min(50, Math.max(10, page.page_size ?? 50));
    return this.request({ method: 'POST', path: '/return_refund/202309/returns/search', shop, query: { page_size: size, page_token: page.page_token, sort_field: page.sort_field, sort_order: page.sort_order }, body: filter, schema: ReturnSearchData, safeToRepeat: true });
  }

  getReturnRecords(shop: ShopAuth, returnId: string, locale?: string) {
    return this.request({ method: 'GET', path: `/return_refund/202309/returns/${returnId}/records`, shop, query: { locale }, schema: ReturnRecordsData, safeToRepeat: true });
  }

  searchCancellations(shop: ShopAuth, filter: { cancel_ids?: string[]; order_ids?: string[]; update_time_ge?: number; update_time_lt?: number }, page: { page_size?: number; page_token?: string } = {}) {
    return this.request({ method: 'POST', path: '/return_refund/202309/cancellations/search', shop, query: { page_size: page.page_size ?? 50, page_token: page.page_token }, body: filter, schema: CancellationSearchData, safeToRepeat: true });
  }

  approveReturn(shop: ShopAuth, returnId: string, body: { decision: string; buyer_keep_item?: boolean; partial_refund?: { amount: string; currency: string } }, idempotencyKey: string) {
    return this.request({ method: 'POST', path: `/return_refund/202309/returns/${returnId}/approve`, shop, query: { idempotency_key: idempotencyKey }, body, schema: EmptyData, safeToRepeat: true });
  }

  /** The reasons a reject of this return or cancellation may use (`reject_reason` must be one of their names). */
  getRejectReasons(shop: ShopAuth, returnOrCancelId: string, locale?: string) {
    return this.request({ method: 'GET', path: '/return_refund/202309/reject_reasons', shop, query: { return_or_cancel_id: returnOrCancelId, locale }, schema: RejectReasonsData, safeToRepeat: true });
  }

  rejectReturn(shop: ShopAuth, returnId: string, body: { decision: string; reject_reason: string; comment?: string }, idempotencyKey: string) {
    return this.request({ method: 'POST', path: `/return_refund/202309/returns/${returnId}/reject`, shop, query: { idempotency_key: idempotencyKey }, body, schema: EmptyData, safeToRepeat: true });
  }

  createReturn(
    shop: ShopAuth,
    body: { order_id: string; order_line_item_ids?: string[]; return_reason: string; return_type: 'REFUND' | 'RETURN_AND_REFUND'; refund_total?: string; currency?: string },
    idempotencyKey: string,
  ) {
    return this.request({ method: 'POST', path: '/return_refund/202309/returns', shop, query: { idempotency_key: idempotencyKey }, body, schema: CreateReturnData, safeToRepeat: true });
  }

  /** Approve a buyer's cancellation request (the order is cancelled and refunded). */
  approveCancellation(shop: ShopAuth, cancelId: string, idempotencyKey: string) {
    return this.request({ method: 'POST', path: `/return_refund/202309/cancellations/${cancelId}/approve`, shop, query: { idempotency_key: idempotencyKey }, body: {}, schema: EmptyData, safeToRepeat: true });
  }

  /** Reject a buyer's cancellation request; `reject_reason` comes from Get Reject Reasons for that cancellation. */
  rejectCancellation(shop: ShopAuth, cancelId: string, body: { reject_reason: string; comment?: string }, idempotencyKey: string) {
    return this.request({ method: 'POST', path: `/return_refund/202309/cancellations/${cancelId}/reject`, shop, query: { idempotency_key: idempotencyKey }, body, schema: EmptyData, safeToRepeat: true });
  }

  /** The seller cancels an order that has not shipped (no approval step). */
  cancelOrder(shop: ShopAuth, body: { order_id: string; order_line_item_ids?: string[]; cancel_reason: string }, idempotencyKey: string) {
    return this.request({ method: 'POST', path: '/return_refund/202309/cancellations', shop, query: { idempotency_key: idempotencyKey }, body, schema: CancelOrderData, safeToRepeat: true });
  }

  /** Search Products (202309): page_size 1–100 in the query, filters (`status`, `update_time_ge`…) in the body. */
  searchProducts(shop: ShopAuth, filter: { status?: string; update_time_ge?: number; update_time_le?: number } = {}, page: { page_size?: number; page_token?: string } = {}) {
    return this.request({ method: 'POST', path: '/product/202309/products/search', shop, query: { page_size: page.page_size ?? 50, page_token: page.page_token }, body: filter, schema: ProductSearchData, safeToRepeat: true });
  }

  /** Get Product (202309): one product with attributes, size chart, images and SKUs. */
  getProduct(shop: ShopAuth, productId: string) {
    return this.request({ method: 'GET', path: `/product/202309/products/${productId}`, shop, schema: ProductDetailData, safeToRepeat: true });
  }

  listConversations(shop: ShopAuth, page: { page_size?: number; page_token?: string; locale?: string } = {}) {
    return this.request({ method: 'GET', path: '/customer_service/202309/conversations', shop, query: { page_size: page.page_size ?? 20, page_token: page.page_token, locale: page.locale }, schema: ConversationListData, safeToRepeat: true });
  }

  /** Get Conversation (202601): the platform wraps the object in `data.conversation`. */
  async getConversation(shop: ShopAuth, conversationId: string) {
    const data = await this.request({ method: 'GET', path: `/customer_service/202601/conversations/${conversationId}`, shop, schema: ConversationDetailData, safeToRepeat: true });
    return data.conversation;
  }

  /** `need_data` asks for each message's `data` field (logistics details, times in milliseconds). */
  listMessages(shop: ShopAuth, conversationId: string, page: { page_size?: number; page_token?: string; sort_order?: 'ASC' | 'DESC'; need_data?: boolean } = {}) {
    return this.request({
      method: 'GET',
      path: `/customer_service/202309/conversations/${conversationId}/messages`,
      shop,
      query: { page_size: page.page_size ?? 10, page_token: page.page_token, sort_order: page.sort_order ?? 'DESC', sort_field: 'create_time', need_data: page.need_data === undefined ? undefined : String(page.need_data) },
      schema: MessageListData,
      safeToRepeat: true,
    });
  }

  /** Not idempotent on the platform: never repeated automatically (the outbox handler re-reads first). */
  sendMessage(shop: ShopAuth, conversationId: string, text: string) {
    return this.sendCard(shop, conversationId, { type: 'TEXT', content: { content: text } });
  }

  /**
   * One message of any sendable type; `content` is serialised to the JSON string the platform wants.
   * IMAGE `{url,width,height}` (from Upload Image), VIDEO `{vid}`, PRODUCT_CARD `{product_id}`,
   * ORDER_CARD / LOGISTICS_CARD `{order_id}`, RETURN_REFUND_CARD `{order_id, sku_id}` (the order must
   * pass after-sale eligibility), COUPON_CARD `{coupon_id}` (0.5 QPS; coupon conditions apply).
   */
  sendCard(shop: ShopAuth, conversationId: string, m: { type: SendableType; content: Record<string, unknown> }) {
    return this.request({ method: 'POST', path: `/customer_service/202309/conversations/${conversationId}/messages`, shop, body: { type: m.type, content: JSON.stringify(m.content) }, schema: SendMessageData, safeToRepeat: false });
  }
}
