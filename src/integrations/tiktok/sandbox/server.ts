import crypto from 'node:crypto';
import http from 'node:http';
import zlib from 'node:zlib';
import type { AddressInfo } from 'node:net';
import { parseTikTokJson } from '../json.js';
import { WEBHOOK_TYPES } from '../schemas.js';
import { signRequest, webhookSignature } from '../signing.js';
import type { ShopSpec } from './catalogue.js';
import { cancelReasonProblem, createReasonProblem, rejectReasonProblem, rejectReasons, type RejectStage } from './reasons.js';
import { World, type SbConversation, type SbReturn } from './world.js';
import { couponRoutes, SandboxCoupons } from './coupons.js';
import { adsOrderReportCsv, analyticsRoutes } from './analytics.js';
import { financeRoutes } from './finance.js';

/**
 * A local TikTok Shop: same paths and versions, signature and timestamp checks, token endpoints,
 * `{code, message, request_id, data}` envelopes, cursor pagination, the platform's error codes,
 * and signed webhooks with the platform's retry schedule. Seller write-backs are applied to the
 * world and recorded (with idempotency keys honoured) so tests can count refunds.
 */
export interface SandboxOptions {
  appKey?: string;
  appSecret?: string;
  seed?: number;
  shops?: ShopSpec[];
  /** Orders generated per shop as backdated history. */
  ordersPerShop?: number;
  host?: string;
  port?: number;
  /** Where the authorise page sends the seller back (`?code=…&state=…`). */
  redirectUrl?: string;
  /** Calls per second per (app, shop) before HTTP 429 / 36009002. */
  qps?: number;
  /** The platform retries a failed delivery after 2 min, 30 min, 3 h, 12 h. */
  retryDelaysMs?: number[];
  webhookTimeoutMs?: number;
  accessTokenTtlSec?: number;
  nowMs?: () => number;
  /** Customer-service calls per shop per UTC day before 45101004 (the platform allows 10,000). */
  csDailyQuota?: number;
  /** Refuse http and loopback webhook addresses as the platform does (by default they pass, with a note). */
  strictWebhookAddresses?: boolean;
  /** Log lines (the CLI prints them; tests leave it silent). */
  log?: (line: string) => void;
}

export const SANDBOX_APP_KEY = 'sandbox_app_key';
export const SANDBOX_APP_SECRET = 'sandbox_app_secret_0123456789abcdef';
export const PLATFORM_RETRY_DELAYS_MS = [2 * 60_000, 30 * 60_000, 3 * 3600_000, 12 * 3600_000];

export type Fault =
  | { kind: 'error'; http: number; code: number; message: string }
  | { kind: 'drop_after_commit' }
  | { kind: 'drop_before_commit' };
interface FaultRule {
  method?: string;
  path: RegExp;
  times: number;
  fault: Fault;
}

export interface Writeback {
  kind: 'approve_return' | 'reject_return' | 'create_return' | 'send_message' | 'approve_cancellation' | 'reject_cancellation' | 'cancel_order';
  shopId: string;
  target: string;
  idempotencyKey: string | null;
  body: Record<string, unknown>;
  at: number;
  /** True when the key had been seen: the stored answer was returned and nothing happened again. */
  replay: boolean;
}
export interface RefundIssued {
  shopId: string;
  orderId: string;
  returnId: string;
  amount: number;
  currency: string;
  via: string;
  idempotencyKey: string | null;
}
export interface Delivery {
  notificationId: string;
  shopId: string;
  type: number;
  address: string;
  body: string;
  attempt: number;
  dueAt: number;
  outcomes: (number | string)[];
}

export class ApiError extends Error {
  constructor(readonly http: number, readonly code: number, message: string) {
    super(message);
  }
}

interface Route {
  method: string;
  re: RegExp;
  /** Category + resource without the version, to tell "wrong version" (36009014) from "no such path". */
  shape: string;
  scope: 'shop' | 'token' | 'none';
  handler: (c: Ctx) => unknown;
}
interface Ctx {
  params: string[];
  query: URLSearchParams;
  body: Record<string, unknown>;
  shopIds: string[];
  shopId: string;
  method: string;
  path: string;
}

const dec = (minor: number) => (minor / 100).toFixed(2);
const toMinor = (s: unknown) => Math.round(Number(s) * 100);

export class TikTokSandbox {
  readonly appKey: string;
  readonly appSecret: string;
  readonly world: World;
  /** Seller Center coupons, COUPON_CARD conditions, price detail, and buyers redeeming (sandbox/coupons.ts). */
  readonly coupons: SandboxCoupons;
  private server: http.Server | undefined;
  private readonly now: () => number;
  private authCodes = new Map<string, { shopIds: string[]; expiresAt: number; used: boolean }>();
  private accessTokens = new Map<string, { shopIds: string[]; expiresAt: number }>();
  private refreshTokens = new Map<string, { shopIds: string[]; expiresAt: number; valid: boolean }>();
  private webhooks = new Map<string, Map<string, string>>();
  private idempotency = new Map<string, { status: number; body: string }>();
  private faults: FaultRule[] = [];
  private rate = new Map<string, { second: number; n: number }>();
  private csCalls = new Map<string, { day: number; n: number }>();
  private couponCardAt = new Map<string, number>();
  readonly writebacks: Writeback[] = [];
  readonly refunds: RefundIssued[] = [];
  readonly deliveries: Delivery[] = [];
  private queue: Delivery[] = [];
  private inFlight = 0;
  private pumpTimer: NodeJS.Timeout | undefined;
  private idle: (() => void)[] = [];
  private readonly routes: Route[];
  private notificationSeq = 0;
  /** Webhook deliveries pause while false (tests build a backlog, then release it). */
  deliveriesEnabled = true;
  requestCount = 0;

  constructor(readonly o: SandboxOptions = {}) {
    this.appKey = o.appKey ?? SANDBOX_APP_KEY;
    this.appSecret = o.appSecret ?? SANDBOX_APP_SECRET;
    this.now = o.nowMs ?? Date.now;
    this.world = new World(o.seed ?? 42, () => Math.floor(this.now() / 1000), o.shops);
    this.world.populate(o.ordersPerShop ?? 40);
    // The seeded history is the same for a seed on every run; what happens afterwards gets ids
    // from a time-based sequence, so a restarted demo never reuses an id for a different order.
    this.world.continueIdsFrom(Math.floor(this.now() / 1000) * 1_000_000);
    this.world.emit = (shopId, type, data) => this.emitWebhook(shopId, type, data);
    this.world.onRefund = (r, amount, via) => this.refunds.push({ shopId: r.shopId, orderId: r.orderId, returnId: r.id, amount, currency: this.world.shop(r.shopId)!.currency, via, idempotencyKey: null });
    this.coupons = new SandboxCoupons(this.world, () => Math.floor(this.now() / 1000));
    couponBooks.set(this.world, this.coupons);
    this.routes = this.buildRoutes();
  }

  /** The Ads Manager order report a seller of this shop would export (CSV). */
  adsReport(shopId: string): string {
    return adsOrderReportCsv(this.world, shopId);
  }

  get url(): string {
    const a = this.server?.address() as AddressInfo | undefined;
    if (!a) throw new Error('sandbox is not listening');
    return `http://127.0.0.1:${a.port}`;
  }

  async start(): Promise<string> {
    this.server = http.createServer((req, res) => void this.handle(req, res));
    this.server.keepAliveTimeout = 30_000;
    await new Promise<void>((r) => this.server!.listen(this.o.port ?? 0, this.o.host ?? '127.0.0.1', r));
    this.world.mediaBase = this.url;
    return this.url;
  }

  async stop(): Promise<void> {
    if (this.pumpTimer) clearTimeout(this.pumpTimer);
    this.queue = [];
    const s = this.server;
    this.server = undefined;
    if (s) {
      s.closeAllConnections();
      await new Promise<void>((r) => s.close(() => r()));
    }
  }

  // ---------------- test and demo controls ----------------

  /** What the authorise page would hand back after the seller clicks "Authorise". */
  issueAuthCode(shopIds: string[] = this.world.shops.map((s) => s.id)): string {
    const code = `SBX_${crypto.randomBytes(12).toString('hex')}`;
    this.authCodes.set(code, { shopIds, expiresAt: this.now() + 30 * 60_000, used: false });
    return code;
  }

  expireAccessTokens(): void {
    for (const t of this.accessTokens.values()) t.expiresAt = this.now() - 1000;
  }

  /**
   * The platform stops knowing every access token issued so far (a restarted sandbox, a seller
   * who re-authorised): calls with them answer 36009004 "invalid access token". Refresh tokens
   * keep working, and tokens issued afterwards are valid.
   */
  forgetAccessTokens(): void {
    this.accessTokens.clear();
  }

  /** Make the next `times` matching calls fail the way the platform or the network can. */
  inject(path: RegExp, fault: Fault, times = 1, method?: string): void {
    this.faults.push({ path, fault, times, method });
  }

  /** Register an address for every event type of every shop (what Partner Center's app-level URL does). */
  setWebhookAddressForAll(address: string): void {
    for (const s of this.world.shops) {
      const m = this.webhooks.get(s.id) ?? new Map<string, string>();
      for (const name of Object.values(WEBHOOK_TYPES)) m.set(name, address);
      this.webhooks.set(s.id, m);
    }
  }

  refundsFor(filter: { orderId?: string; returnId?: string } = {}): RefundIssued[] {
    return this.refunds.filter((r) => (!filter.orderId || r.orderId === filter.orderId) && (!filter.returnId || r.returnId === filter.returnId));
  }

  /** Resolves when every due delivery has been attempted (retries scheduled later do not block). */
  async flushWebhooks(): Promise<void> {
    if (this.inFlight === 0 && !this.queue.some((d) => d.dueAt <= this.now())) return;
    await new Promise<void>((r) => {
      this.idle.push(r);
      this.pump();
    });
  }

  /** What the sandbox lets through that the platform would not (printed by the CLI, read by tests). */
  readonly notes: string[] = [];
  /** A note is said once: shops × event types register the same address many times. */
  private note(line: string): void {
    if (this.notes.includes(line)) return;
    this.notes.push(line);
    this.o.log?.(line);
  }

  /** Build a signed webhook body the way the platform does (tests use it to craft their own events). */
  signWebhook(body: string): string {
    return webhookSignature(this.appKey, this.appSecret, body);
  }

  // ---------------- webhooks out ----------------

  private emitWebhook(shopId: string, type: number, data: Record<string, unknown>): void {
    const name = WEBHOOK_TYPES[type];
    const address = name ? this.webhooks.get(shopId)?.get(name) : undefined;
    if (!address) return;
    const notificationId = `${Math.floor(this.now() / 1000)}${String(++this.notificationSeq).padStart(9, '0')}`;
    // Ids as JSON strings, timestamps as numbers: the platform's documented shape.
    const body = JSON.stringify({ type, tts_notification_id: notificationId, shop_id: shopId, timestamp: Math.floor(this.now() / 1000), data });
    const d: Delivery = { notificationId, shopId, type, address, body, attempt: 0, dueAt: this.now(), outcomes: [] };
    this.deliveries.push(d);
    this.queue.push(d);
    this.pump();
  }

  private pump(): void {
    if (this.pumpTimer) {
      clearTimeout(this.pumpTimer);
      this.pumpTimer = undefined;
    }
    if (!this.deliveriesEnabled) return;
    const now = this.now();
    while (this.inFlight < 16) {
      const i = this.queue.findIndex((d) => d.dueAt <= now);
      if (i < 0) break;
      const d = this.queue.splice(i, 1)[0]!;
      this.inFlight++;
      void this.deliver(d).finally(() => {
        this.inFlight--;
        this.pump();
      });
    }
    if (this.inFlight === 0 && !this.queue.some((d) => d.dueAt <= now)) {
      const waiters = this.idle.splice(0);
      for (const w of waiters) w();
    }
    const next = this.queue.reduce((m, d) => Math.min(m, d.dueAt), Infinity);
    if (Number.isFinite(next) && this.server) this.pumpTimer = setTimeout(() => this.pump(), Math.max(5, Math.min(next - now, 60_000)));
  }

  private async deliver(d: Delivery): Promise<void> {
    d.attempt++;
    let ok = false;
    try {
      const res = await fetch(d.address, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: this.signWebhook(d.body) },
        body: d.body,
        signal: AbortSignal.timeout(this.o.webhookTimeoutMs ?? 3_000),
      });
      await res.arrayBuffer();
      d.outcomes.push(res.status);
      ok = res.status === 200;
    } catch (e) {
      d.outcomes.push((e as Error).name === 'TimeoutError' ? 'timeout' : 'network');
    }
    if (ok) return;
    const delays = this.o.retryDelaysMs ?? PLATFORM_RETRY_DELAYS_MS;
    // Four retries after the first try, then the platform gives up: polling must catch the rest.
    if (d.attempt <= delays.length) {
      d.dueAt = this.now() + delays[d.attempt - 1]!;
      this.queue.push(d);
    } else {
      this.o.log?.(`webhook ${d.notificationId} to ${d.address} given up after ${d.attempt} attempts`);
    }
  }

  // ---------------- HTTP in ----------------

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    this.requestCount++;
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://sandbox');
    const requestId = crypto.randomBytes(10).toString('hex').toUpperCase();
    const send = (status: number, code: number, message: string, data: unknown, headers: Record<string, string> = {}) => {
      const body = JSON.stringify({ code, message, request_id: requestId, data: data ?? null });
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(body);
      return body;
    };
    const method = req.method ?? 'GET';
    const w0 = this.world;
    const rule = this.faults.find((f) => f.times > 0 && f.path.test(url.pathname) && (!f.method || f.method === method));
    if (rule) rule.times--;
    try {
      if (rule?.fault.kind === 'error') throw new ApiError(rule.fault.http, rule.fault.code, rule.fault.message);
      if (rule?.fault.kind === 'drop_before_commit') {
        req.socket.destroy();
        return;
      }
      if (url.pathname === '/oauth/authorize') return this.authorizePage(url, res);
      if (method === 'GET' && url.pathname.startsWith('/media/')) return serveMedia(url.pathname, res);
      // Stand-in for the seller's Ads Manager export (not an Open API call): the order report as CSV.
      if (method === 'GET' && url.pathname === '/ads_manager/orders_report.csv') {
        const shop = w0.shop(url.searchParams.get('shop_id') ?? '');
        if (!shop) throw new ApiError(404, 36009009, 'unknown shop_id');
        res.writeHead(200, { 'content-type': 'text/csv; charset=utf-8' });
        res.end(adsOrderReportCsv(w0, shop.id));
        return;
      }
      if (url.pathname === '/api/v2/token/get' || url.pathname === '/api/v2/token/refresh') {
        const data = this.tokenEndpoint(url);
        send(200, 0, 'success', data);
        return;
      }
      const { route, params } = this.match(method, url.pathname);
      const shopIds = this.authenticate(url, raw, req, route);
      const cipher = url.searchParams.get('shop_cipher');
      const shop = cipher ? this.world.shopByCipher(cipher) : undefined;
      if (route.scope === 'shop') {
        if (!cipher) throw new ApiError(400, 106013, 'shop_cipher is missing');
        if (!shop || !shopIds.includes(shop.id)) throw new ApiError(401, 101000, 'access token does not authorise this shop_cipher');
        this.rateLimit(`${this.appKey}|${shop.id}`);
        if (url.pathname.startsWith('/customer_service/')) this.csQuota(shop.id);
      } else if (cipher) {
        throw new ApiError(400, 36009004, 'Unexpected identifier: shop_cipher is not allowed on this endpoint');
      }
      let body: Record<string, unknown> = {};
      if (raw.length) {
        try {
          body = parseTikTokJson(raw) as Record<string, unknown>;
        } catch {
          throw new ApiError(400, 36009004, 'invalid request body: not JSON');
        }
      }
      const key = url.searchParams.get('idempotency_key');
      const idemKey = key ? `${url.pathname}|${key}` : undefined;
      if (key && key.length > 255) throw new ApiError(400, 36009004, 'idempotency_key is longer than 255 characters');
      const replayed = idemKey ? this.idempotency.get(idemKey) : undefined;
      if (replayed) {
        this.recordReplay(route, params, shop?.id ?? '', key!, body);
        res.writeHead(replayed.status, { 'content-type': 'application/json' });
        res.end(replayed.body);
        return;
      }
      const data = route.handler({ params, query: url.searchParams, body, shopIds, shopId: shop?.id ?? '', method, path: url.pathname });
      if (rule?.fault.kind === 'drop_after_commit') {
        // The platform applied the change but the answer never reached the caller.
        if (idemKey) this.idempotency.set(idemKey, { status: 200, body: JSON.stringify({ code: 0, message: 'success', request_id: requestId, data: data ?? {} }) });
        req.socket.destroy();
        return;
      }
      const sent = send(200, 0, 'success', data ?? {});
      if (idemKey) this.idempotency.set(idemKey, { status: 200, body: sent });
    } catch (e) {
      if (e instanceof ApiError) {
        send(e.http, e.code, e.message, null, e.code === 36009002 ? { 'retry-after': '1' } : {});
      } else {
        this.o.log?.(`sandbox internal error: ${(e as Error).stack}`);
        send(500, 36009003, 'internal error', null);
      }
    }
  }

  private match(method: string, path: string): { route: Route; params: string[] } {
    let sameShape: Route | undefined;
    let sameMethodless: Route | undefined;
    const shape = path.replace(/^\/([^/]+)\/\d{6}\//, '/$1/');
    for (const r of this.routes) {
      const m = r.re.exec(path);
      if (m) {
        if (r.method === method) return { route: r, params: m.slice(1) };
        sameMethodless = r;
        continue;
      }
      if (new RegExp(`^${r.shape}$`).test(shape)) sameShape = r;
    }
    if (sameMethodless) throw new ApiError(405, 36009010, `method ${method} not allowed on ${path}`);
    if (sameShape) throw new ApiError(404, 36009014, `invalid API version in ${path}`);
    throw new ApiError(404, 36009009, `invalid path ${path}`);
  }

  private authenticate(url: URL, raw: string, req: http.IncomingMessage, route: Route): string[] {
    const q = url.searchParams;
    const appKey = q.get('app_key');
    if (!appKey || appKey !== this.appKey) throw new ApiError(401, 36009004, 'invalid app_key');
    const sign = q.get('sign');
    if (!sign) throw new ApiError(401, 36009004, 'sign is missing');
    const ts = Number(q.get('timestamp'));
    const nowSec = Math.floor(this.now() / 1000);
    if (!Number.isInteger(ts) || ts < nowSec - 300 || ts > nowSec + 30) throw new ApiError(401, 36009004, `Invalid timestamp: ${q.get('timestamp')} is outside [now-300s, now+30s]`);
    const query: Record<string, string> = {};
    for (const [k, v] of q) query[k] = v;
    const expected = signRequest(this.appSecret, url.pathname, query, raw).sign;
    if (!crypto.timingSafeEqual(Buffer.from(expected), Buffer.from(sign.length === 64 ? sign : '0'.repeat(64)))) throw new ApiError(401, 106001, 'invalid sign');
    if (route.scope === 'none') return [];
    const token = req.headers['x-tts-access-token'];
    if (typeof token !== 'string' || !token) throw new ApiError(401, 36009004, 'x-tts-access-token is missing');
    const t = this.accessTokens.get(token);
    if (!t) throw new ApiError(401, 36009004, 'invalid access token');
    if (t.expiresAt <= this.now()) throw new ApiError(401, 105002, 'access token is expired');
    if (route.scope === 'token') this.rateLimit(`${this.appKey}|${token}`);
    return t.shopIds;
  }

  private rateLimit(key: string): void {
    const qps = this.o.qps ?? 50;
    const sec = Math.floor(this.now() / 1000);
    const r = this.rate.get(key);
    if (!r || r.second !== sec) {
      this.rate.set(key, { second: sec, n: 1 });
      return;
    }
    if (++r.n > qps) throw new ApiError(429, 36009002, 'too many requests');
  }

  private csQuota(shopId: string): void {
    const day = Math.floor(this.now() / 86_400_000);
    const q = this.csCalls.get(shopId);
    if (!q || q.day !== day) {
      this.csCalls.set(shopId, { day, n: 1 });
      return;
    }
    if (++q.n > (this.o.csDailyQuota ?? 10_000)) throw new ApiError(400, 45101004, 'the daily customer service quota of this shop is used up');
  }

  private authorizePage(url: URL, res: http.ServerResponse): void {
    if (url.searchParams.get('app_key') !== this.appKey) {
      res.writeHead(400, { 'content-type': 'text/plain' });
      res.end('unknown app_key');
      return;
    }
    const shopIds = url.searchParams.get('shop_ids')?.split(',').filter(Boolean);
    const code = this.issueAuthCode(shopIds?.length ? shopIds : undefined);
    const state = url.searchParams.get('state') ?? '';
    const redirect = url.searchParams.get('redirect_uri') ?? this.o.redirectUrl;
    if (redirect) {
      const to = new URL(redirect);
      to.searchParams.set('code', code);
      to.searchParams.set('state', state);
      res.writeHead(302, { location: to.toString() });
      res.end();
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
    res.end(`TikTok Shop sandbox: the seller authorised the app.\ncode=${code}\nstate=${state}\n`);
  }

  private tokenEndpoint(url: URL): Record<string, unknown> {
    const q = url.searchParams;
    if (q.get('app_key') !== this.appKey || q.get('app_secret') !== this.appSecret) throw new ApiError(401, 36009004, 'invalid app_key or app_secret');
    let shopIds: string[];
    if (url.pathname.endsWith('/get')) {
      if (q.get('grant_type') !== 'authorized_code') throw new ApiError(400, 36009004, 'grant_type must be authorized_code');
      const c = this.authCodes.get(q.get('auth_code') ?? '');
      if (!c || c.used || c.expiresAt < this.now()) throw new ApiError(400, 36004005, 'auth code is invalid, used or expired');
      c.used = true;
      shopIds = c.shopIds;
    } else {
      if (q.get('grant_type') !== 'refresh_token') throw new ApiError(400, 36009004, 'grant_type must be refresh_token');
      const r = this.refreshTokens.get(q.get('refresh_token') ?? '');
      if (!r || !r.valid) throw new ApiError(400, 36004005, 'refresh token not found');
      if (r.expiresAt < this.now()) throw new ApiError(400, 36004001, 'refresh token expired');
      // Rotate and replace: the old refresh token stops working.
      r.valid = false;
      shopIds = r.shopIds;
    }
    const access = `ROW_${crypto.randomBytes(24).toString('base64url')}`;
    const refresh = `ROW_${crypto.randomBytes(24).toString('base64url')}`;
    const nowSec = Math.floor(this.now() / 1000);
    const accessExp = nowSec + (this.o.accessTokenTtlSec ?? 7 * 86400);
    const refreshExp = nowSec + 365 * 86400;
    this.accessTokens.set(access, { shopIds, expiresAt: accessExp * 1000 });
    this.refreshTokens.set(refresh, { shopIds, expiresAt: refreshExp * 1000, valid: true });
    return {
      access_token: access,
      access_token_expire_in: accessExp,
      refresh_token: refresh,
      refresh_token_expire_in: refreshExp,
      open_id: `sbx-open-${shopIds.join('').slice(-8)}`,
      seller_name: this.world.shop(shopIds[0] ?? '')?.name ?? 'Sandbox seller',
      seller_base_region: this.world.shop(shopIds[0] ?? '')?.region ?? 'US',
      user_type: 0,
      granted_scopes: ['seller.authorization.info', 'seller.order.info', 'seller.return_refund.basic', 'seller.customer_service', 'seller.shop.info'],
    };
  }

  private recordReplay(route: Route, params: string[], shopId: string, key: string, body: Record<string, unknown>): void {
    const cancel = route.shape.includes('cancellations');
    const kind = route.shape.includes('approve') ? (cancel ? 'approve_cancellation' : 'approve_return') : route.shape.includes('reject') ? (cancel ? 'reject_cancellation' : 'reject_return') : cancel ? 'cancel_order' : 'create_return';
    this.writebacks.push({ kind, shopId, target: params[0] ?? String(body.order_id ?? ''), idempotencyKey: key, body, at: this.now(), replay: true });
  }

  // ---------------- endpoints ----------------

  private buildRoutes(): Route[] {
    const r = (method: string, path: string, scope: Route['scope'], handler: Route['handler']): Route => {
      const re = new RegExp(`^${path.replace(/\{[a-z_]+\}/g, '(\\d+)')}$`);
      const shape = path.replace(/^\/([^/]+)\/\d{6}\//, '/$1/').replace(/\{[a-z_]+\}/g, '\\d+');
      return { method, re, shape, scope, handler };
    };
    const w = this.world;
    const pageSize = (q: URLSearchParams, def: number, min: number, max: number) => {
      const raw = q.get('page_size');
      const n = raw === null ? def : Number(raw);
      if (!Number.isInteger(n) || n < min || n > max) throw new ApiError(400, 36009004, `page_size must be an integer between ${min} and ${max}`);
      return n;
    };
    const inShop = <T extends { shopId: string }>(c: Ctx, xs: Iterable<T>) => [...xs].filter((x) => x.shopId === c.shopId);
    const timeFilter = (b: Record<string, unknown>, create: number, update: number) => {
      const n = (k: string) => (b[k] === undefined ? undefined : Number(b[k]));
      const [cge, clt, uge, ult] = [n('create_time_ge'), n('create_time_lt'), n('update_time_ge'), n('update_time_lt')];
      return (cge === undefined || create >= cge) && (clt === undefined || create < clt) && (uge === undefined || update >= uge) && (ult === undefined || update < ult);
    };
    const returnFor = (c: Ctx) => {
      const rt = w.returns.get(c.params[0]!);
      if (!rt || rt.shopId !== c.shopId) throw new ApiError(404, 25020005, `no permission for return ${c.params[0]} or it does not exist`);
      return rt;
    };
    const cancellationFor = (c: Ctx) => {
      const cn = w.cancellations.get(c.params[0]!);
      if (!cn || cn.shopId !== c.shopId) throw new ApiError(404, 25020005, `no permission for cancellation ${c.params[0]} or it does not exist`);
      return cn;
    };
    // Approve/Reject Cancellation error table: 25020009 once the request is closed, 25011012 for any other non-pending state.
    const decidable = (cn: { status: string; id: string }) => {
      if (cn.status === 'CANCELLATION_REQUEST_CANCEL' || cn.status === 'CANCELLATION_REQUEST_CANCELLED') throw new ApiError(400, 25020009, `cancellation ${cn.id} is already closed`);
      if (cn.status !== 'CANCELLATION_REQUEST_PENDING') throw new ApiError(400, 25011012, `cancellation ${cn.id} is ${cn.status} and cannot be decided`);
    };
    const refund = (rt: SbReturn, amount: number, via: string, key: string | null) => {
      const shop = w.shop(rt.shopId)!;
      this.refunds.push({ shopId: rt.shopId, orderId: rt.orderId, returnId: rt.id, amount, currency: shop.currency, via, idempotencyKey: key });
    };

    return [
      ...couponRoutes(r, w, this.coupons, (status, code, message) => new ApiError(status, code, message), () => Math.floor(this.now() / 1000)),
      r('GET', '/authorization/202309/shops', 'token', (c) => ({
        shops: w.shops.filter((s) => c.shopIds.includes(s.id)).map((s) => ({ id: s.id, name: s.name, region: s.region, code: s.code, cipher: s.cipher, seller_type: 'LOCAL' })),
      })),
      r('GET', '/seller/202309/shops', 'token', (c) => ({ shops: w.shops.filter((s) => c.shopIds.includes(s.id)).map((s) => ({ id: s.id, region: s.region })) })),
      r('GET', '/event/202309/webhooks', 'shop', (c) => {
        const webhooks = [...(this.webhooks.get(c.shopId) ?? new Map()).entries()].map(([event_type, address]) => ({ event_type, address }));
        return { webhooks, total_count: webhooks.length };
      }),
      r('PUT', '/event/202309/webhooks', 'shop', (c) => {
        const address = c.body.address;
        const type = c.body.event_type;
        if (typeof address !== 'string') throw new ApiError(400, 36009004, 'param body.address is missing');
        const problem = webhookAddressProblem(address);
        if (problem) {
          // Local development needs http://127.0.0.1:port; the platform itself never accepts it.
          if (!isLoopbackUrl(address) || this.o.strictWebhookAddresses) throw new ApiError(400, 36009004, `param body.address is invalid: ${problem}`);
          this.note(`sandbox: accepting webhook address ${address} for local use; TikTok itself would refuse ${address} (${problem}: it wants https on a domain without a port)`);
        }
        if (typeof type !== 'string' || !Object.values(WEBHOOK_TYPES).includes(type)) throw new ApiError(400, 36009004, 'param body.event_type is invalid');
        const m = this.webhooks.get(c.shopId) ?? new Map<string, string>();
        m.set(type, address);
        this.webhooks.set(c.shopId, m);
        return {};
      }),
      r('DELETE', '/event/202309/webhooks', 'shop', (c) => {
        this.webhooks.get(c.shopId)?.delete(String(c.body.event_type));
        return {};
      }),
      r('POST', '/product/202309/products/search', 'shop', (c) => {
        const size = pageSize(c.query, 10, 1, 100);
        const shop = w.shop(c.shopId)!;
        const status = c.body.status as string | undefined;
        const items = shop.products.filter((p) => (!status || status === 'ALL' || status === 'ACTIVATE') && timeFilter(c.body, w.anchorSec - 86_400 * 60, p.updateTime));
        const page = paginate(items, c.query, size, (p) => p.updateTime, (p) => p.productId, 'DESC');
        return { products: page.items.map((p) => w.productSummaryJson(shop, p)), next_page_token: page.next, total_count: items.length };
      }),
      r('GET', '/product/202309/products/{product_id}', 'shop', (c) => {
        const shop = w.shop(c.shopId)!;
        const p = shop.products.find((x) => x.productId === c.params[0]);
        if (!p) throw new ApiError(400, 36009004, `product ${c.params[0]} does not exist in this shop`);
        return w.productJson(shop, p);
      }),
      r('POST', '/order/202309/orders/search', 'shop', (c) => {
        const size = pageSize(c.query, 20, 1, 100);
        const status = c.body.order_status as string | undefined;
        const items = inShop(c, w.orders.values()).filter((o) => timeFilter(c.body, o.createTime, o.updateTime) && (!status || o.status === status));
        const page = paginate(items, c.query, size, (o) => (c.query.get('sort_field') === 'update_time' ? o.updateTime : o.createTime), (o) => o.id, 'DESC');
        return { orders: page.items.map((o) => w.orderJson(o)), next_page_token: page.next, total_count: items.length };
      }),
      r('GET', '/order/202309/orders', 'shop', (c) => {
        const ids = (c.query.get('ids') ?? '').split(',').filter(Boolean);
        if (ids.length === 0 || ids.length > 50) throw new ApiError(400, 36009004, 'ids must hold 1 to 50 order ids');
        return { orders: ids.map((id) => w.orders.get(id)).filter((o) => o && o.shopId === c.shopId).map((o) => w.orderJson(o!)) };
      }),
      r('POST', '/return_refund/202309/returns/search', 'shop', (c) => {
        const size = pageSize(c.query, 10, 10, 50);
        const ids = c.body.return_ids as string[] | undefined;
        const orderIds = c.body.order_ids as string[] | undefined;
        const items = inShop(c, w.returns.values()).filter((x) => timeFilter(c.body, x.createTime, x.updateTime) && (!ids || ids.includes(x.id)) && (!orderIds || orderIds.includes(x.orderId)));
        const page = paginate(items, c.query, size, (x) => (c.query.get('sort_field') === 'update_time' ? x.updateTime : x.createTime), (x) => x.id, 'ASC');
        return { return_orders: page.items.map((x) => w.returnJson(x)), next_page_token: page.next, total_count: items.length };
      }),
      r('GET', '/return_refund/202309/returns/{return_id}/records', 'shop', (c) => w.recordsJson(returnFor(c))),
      r('GET', '/return_refund/202309/reject_reasons', 'shop', (c) => {
        const id = c.query.get('return_or_cancel_id');
        if (!id) throw new ApiError(400, 36009004, 'param return_or_cancel_id is missing');
        const region = w.shop(c.shopId)!.region;
        const rt = w.returns.get(id);
        if (rt && rt.shopId === c.shopId) return { reasons: rejectReasons(rejectStage(rt), region) };
        const cn = w.cancellations.get(id);
        if (cn && cn.shopId === c.shopId) return { reasons: rejectReasons('cancel', region) };
        throw new ApiError(404, 25020005, `no permission for ${id} or it does not exist`);
      }),
      r('POST', '/return_refund/202309/returns/{return_id}/approve', 'shop', (c) => {
        const rt = returnFor(c);
        const decision = String(c.body.decision ?? '');
        const key = c.query.get('idempotency_key');
        this.writebacks.push({ kind: 'approve_return', shopId: c.shopId, target: rt.id, idempotencyKey: key, body: c.body, at: this.now(), replay: false });
        const pending = rt.status === 'RETURN_OR_REFUND_REQUEST_PENDING';
        // Documented per endpoint: 25020010 ("already approved") is reject's; approve answers a
        // decided request with 25011012 and a receipt it cannot approve with 25011013.
        if (rt.status === 'RETURN_OR_REFUND_REQUEST_CANCEL') throw new ApiError(400, 25020009, 'the request has been cancelled');
        switch (decision) {
          case 'APPROVE_REFUND':
            if (rt.type !== 'REFUND') throw new ApiError(400, 25020004, 'APPROVE_REFUND does not match return_type ' + rt.type);
            if (!pending) throw new ApiError(400, 25011012, `status ${rt.status} cannot be approved`);
            w.setReturnStatus(rt.id, 'RETURN_OR_REFUND_REQUEST_SUCCESS', { role: 'SELLER', note: 'Seller approved the refund' });
            refund(rt, rt.refundTotal, decision, key);
            break;
          case 'APPROVE_RETURN':
            if (rt.type !== 'RETURN_AND_REFUND') throw new ApiError(400, 25020004, 'APPROVE_RETURN does not match return_type ' + rt.type);
            if (!pending) throw new ApiError(400, 25011012, `status ${rt.status} cannot be approved`);
            if (c.body.buyer_keep_item === true) {
              w.setReturnStatus(rt.id, 'RETURN_OR_REFUND_REQUEST_SUCCESS', { role: 'SELLER', note: 'Seller approved a returnless refund' });
              refund(rt, rt.refundTotal, 'APPROVE_RETURN(buyer_keep_item)', key);
            } else {
              w.setReturnStatus(rt.id, 'AWAITING_BUYER_SHIP', { role: 'SELLER', note: 'Seller approved the return' });
            }
            break;
          case 'APPROVE_RECEIVED_PACKAGE':
            if (rt.status !== 'BUYER_SHIPPED_ITEM') throw new ApiError(400, 25011013, `status ${rt.status} has no received package to approve`);
            w.setReturnStatus(rt.id, 'RETURN_OR_REFUND_REQUEST_SUCCESS', { role: 'SELLER', note: 'Seller approved the received package' });
            refund(rt, rt.refundTotal, decision, key);
            break;
          case 'APPROVE_REPLACEMENT':
            if (rt.type !== 'REPLACEMENT') throw new ApiError(400, 25020004, 'APPROVE_REPLACEMENT does not match return_type ' + rt.type);
            if (rt.status !== 'REPLACEMENT_REQUEST_PENDING') throw new ApiError(400, 25011012, `status ${rt.status} cannot be approved`);
            w.setReturnStatus(rt.id, 'AWAITING_BUYER_SHIP', { role: 'SELLER' });
            break;
          case 'OFFER_PARTIAL_REFUND': {
            const pr = c.body.partial_refund as { amount?: string; currency?: string } | undefined;
            if (!pr?.amount || !pr.currency) throw new ApiError(400, 36009004, 'param body.partial_refund is missing');
            const amount = toMinor(pr.amount);
            if (!pending) throw new ApiError(400, 25011012, `status ${rt.status} cannot be approved`);
            if (!(amount > 0) || amount > rt.refundTotal) throw new ApiError(400, 25005005, 'refund total exceeds the refundable amount');
            rt.partialRefund = amount;
            rt.buyerRejectedPartialRefund = false;
            w.setReturnStatus(rt.id, 'AWAITING_BUYER_RESPONSE', { role: 'SELLER', note: `Seller offered a partial refund of ${pr.amount} ${pr.currency}` });
            break;
          }
          default:
            throw new ApiError(400, 36009004, `param body.decision "${decision}" is invalid`);
        }
        return {};
      }),
      r('POST', '/return_refund/202309/returns/{return_id}/reject', 'shop', (c) => {
        const rt = returnFor(c);
        const decision = String(c.body.decision ?? '');
        this.writebacks.push({ kind: 'reject_return', shopId: c.shopId, target: rt.id, idempotencyKey: c.query.get('idempotency_key'), body: c.body, at: this.now(), replay: false });
        if (!c.body.reject_reason) throw new ApiError(400, 36009004, 'param body.reject_reason is missing');
        if (['RETURN_OR_REFUND_REQUEST_SUCCESS', 'AWAITING_BUYER_SHIP', 'RETURN_OR_REFUND_REQUEST_COMPLETE', 'REPLACEMENT_REQUEST_REFUND_SUCCESS', 'REPLACEMENT_REQUEST_COMPLETE'].includes(rt.status) && decision !== 'REJECT_RECEIVED_PACKAGE') {
          throw new ApiError(400, 25020010, 'the request has already been approved and cannot be rejected');
        }
        const checkReason = () => {
          const problem = rejectReasonProblem(String(c.body.reject_reason), rejectStage(rt), w.shop(c.shopId)!.region);
          if (problem) throw new ApiError(400, problem.code, problem.message);
        };
        if (decision === 'REJECT_RECEIVED_PACKAGE') {
          if (rt.status !== 'BUYER_SHIPPED_ITEM') throw new ApiError(400, 25020012, `status ${rt.status} has no received package to reject`);
          checkReason();
          w.setReturnStatus(rt.id, 'REJECT_RECEIVE_PACKAGE', { role: 'SELLER' });
        } else if (decision === 'REJECT_REFUND' || decision === 'REJECT_RETURN' || decision === 'REJECT_REPLACEMENT') {
          if (rt.status !== 'RETURN_OR_REFUND_REQUEST_PENDING' && rt.status !== 'REPLACEMENT_REQUEST_PENDING') throw new ApiError(400, 25001003, `status ${rt.status} cannot be rejected`);
          checkReason();
          w.setReturnStatus(rt.id, decision === 'REJECT_REPLACEMENT' ? 'REPLACEMENT_REQUEST_REJECT' : 'REFUND_OR_RETURN_REQUEST_REJECT', { role: 'SELLER', note: String(c.body.comment ?? '') });
        } else {
          throw new ApiError(400, 36009004, `param body.decision "${decision}" is invalid`);
        }
        return {};
      }),
      r('POST', '/return_refund/202309/returns', 'shop', (c) => {
        const key = c.query.get('idempotency_key');
        this.writebacks.push({ kind: 'create_return', shopId: c.shopId, target: String(c.body.order_id ?? ''), idempotencyKey: key, body: c.body, at: this.now(), replay: false });
        const o = w.orders.get(String(c.body.order_id ?? ''));
        if (!o || o.shopId !== c.shopId) throw new ApiError(400, 25020005, 'no permission for this order');
        if (o.status === 'COMPLETED' || o.status === 'CANCELLED') throw new ApiError(400, 25001051, `order ${o.id} is ${o.status}: no more returns or refunds`);
        if (!['AWAITING_COLLECTION', 'IN_TRANSIT', 'DELIVERED'].includes(o.status)) throw new ApiError(400, 25001003, `order status ${o.status} does not allow a seller-initiated return`);
        const type = String(c.body.return_type ?? '');
        if (type !== 'REFUND' && type !== 'RETURN_AND_REFUND') throw new ApiError(400, 36009004, 'param body.return_type must be REFUND or RETURN_AND_REFUND');
        if (!c.body.return_reason) throw new ApiError(400, 36009004, 'param body.return_reason is missing');
        // A seller-initiated return (the buyer ships back) exists for local US and UK sellers only
        // (docs/tiktok-conformance.md "Returns started on the buyer's page"; the error code is our assumption).
        if (type === 'RETURN_AND_REFUND' && !['US', 'GB'].includes(w.shop(c.shopId)!.region)) throw new ApiError(400, 25020005, `seller-initiated returns are not available in market ${w.shop(c.shopId)!.region}`);
        const reasonProblem = createReasonProblem(String(c.body.return_reason), type, o.status, w.shop(c.shopId)!.region);
        if (reasonProblem) throw new ApiError(400, reasonProblem.code, reasonProblem.message);
        // One after-sales request per order at a time, and none after one has completed.
        const earlier = [...w.returns.values()].filter((x) => x.orderId === o.id);
        if (earlier.some((x) => OPEN_RETURN.has(x.status))) throw new ApiError(400, 25001011, `a return request for order ${o.id} is already in process`);
        if (earlier.some((x) => DONE_RETURN.has(x.status))) throw new ApiError(400, 25001010, `a return request for order ${o.id} has already been completed`);
        const lineIds = (c.body.order_line_item_ids as string[] | undefined) ?? o.lines.map((l) => l.id);
        for (const id of lineIds) if (!o.lines.some((l) => l.id === id)) throw new ApiError(400, 25001001, `order_line_item_id ${id} is not part of order ${o.id}`);
        const refundable = lineIds.reduce((a, id) => a + w.linePaid(o, id), 0);
        const total = c.body.refund_total === undefined ? refundable : toMinor(c.body.refund_total);
        if (!(total > 0) || total > refundable) throw new ApiError(400, 25005005, 'refund total exceeds the refundable amount');
        const rt = w.openReturn(o.id, { reason: 'changed_mind', type, lineIds, silent: true });
        rt.role = 'SELLER';
        rt.refundTotal = total;
        rt.records = [{ role: 'SELLER', description: `Seller initiated ${type}: ${String(c.body.return_reason)}`, images: [], videos: [], createTime: rt.createTime }];
        if (type === 'REFUND') {
          // Seller-initiated refunds need no approval: the money moves now.
          w.setReturnStatus(rt.id, 'RETURN_OR_REFUND_REQUEST_SUCCESS', { role: 'SELLER', note: 'Seller-initiated refund', silent: true });
          refund(rt, total, 'create_return REFUND', key);
        }
        w.emitReturn(rt);
        return { return_id: rt.id, return_status: rt.status };
      }),
      r('POST', '/return_refund/202309/cancellations/search', 'shop', (c) => {
        const size = pageSize(c.query, 10, 1, 50);
        const ids = c.body.cancel_ids as string[] | undefined;
        const items = inShop(c, w.cancellations.values()).filter((x) => timeFilter(c.body, x.createTime, x.updateTime) && (!ids || ids.includes(x.id)));
        const page = paginate(items, c.query, size, (x) => (c.query.get('sort_field') === 'update_time' ? x.updateTime : x.createTime), (x) => x.id, 'ASC');
        return { cancellations: page.items.map((x) => w.cancellationJson(x)), next_page_token: page.next, total_count: items.length };
      }),
      r('POST', '/return_refund/202309/cancellations/{cancel_id}/approve', 'shop', (c) => {
        const cn = cancellationFor(c);
        this.writebacks.push({ kind: 'approve_cancellation', shopId: c.shopId, target: cn.id, idempotencyKey: c.query.get('idempotency_key'), body: c.body, at: this.now(), replay: false });
        decidable(cn);
        w.approveCancellation(cn.id);
        return {};
      }),
      r('POST', '/return_refund/202309/cancellations/{cancel_id}/reject', 'shop', (c) => {
        const cn = cancellationFor(c);
        this.writebacks.push({ kind: 'reject_cancellation', shopId: c.shopId, target: cn.id, idempotencyKey: c.query.get('idempotency_key'), body: c.body, at: this.now(), replay: false });
        if (!c.body.reject_reason) throw new ApiError(400, 36009004, 'param body.reject_reason is missing');
        decidable(cn);
        const problem = rejectReasonProblem(String(c.body.reject_reason), 'cancel', w.shop(c.shopId)!.region);
        if (problem) throw new ApiError(400, problem.code, problem.message);
        w.rejectCancellation(cn.id);
        return {};
      }),
      r('POST', '/return_refund/202309/cancellations', 'shop', (c) => {
        this.writebacks.push({ kind: 'cancel_order', shopId: c.shopId, target: String(c.body.order_id ?? ''), idempotencyKey: c.query.get('idempotency_key'), body: c.body, at: this.now(), replay: false });
        const o = w.orders.get(String(c.body.order_id ?? ''));
        if (!o || o.shopId !== c.shopId) throw new ApiError(400, 25020005, 'no permission for this order');
        if (o.status === 'COMPLETED' || o.status === 'CANCELLED') throw new ApiError(400, 25001051, `order ${o.id} is ${o.status}: it cannot be cancelled`);
        if (['AWAITING_COLLECTION', 'IN_TRANSIT', 'DELIVERED'].includes(o.status)) throw new ApiError(400, 25001045, `order ${o.id} has shipped; the shipment cannot be cancelled with the carrier`);
        if (!c.body.cancel_reason) throw new ApiError(400, 36009004, 'param body.cancel_reason is missing');
        const problem = cancelReasonProblem(String(c.body.cancel_reason), o.status, w.shop(c.shopId)!.region);
        if (problem) throw new ApiError(400, problem.code, problem.message);
        if ([...w.cancellations.values()].some((x) => x.orderId === o.id && x.status === 'CANCELLATION_REQUEST_PENDING')) throw new ApiError(400, 25001011, `a cancellation for order ${o.id} is already in process`);
        const lineIds = c.body.order_line_item_ids as string[] | undefined;
        for (const id of lineIds ?? []) if (!o.lines.some((l) => l.id === id)) throw new ApiError(400, 25001001, `order_line_item_id ${id} is not part of order ${o.id}`);
        const cn = w.sellerCancel(o.id, String(c.body.cancel_reason), { lineIds });
        // The answer reports the state the request was accepted in; completion follows (webhooks say so).
        return { cancel_id: cn.id, cancel_status: 'CANCELLATION_REQUEST_SUCCESS' };
      }),
      r('GET', '/customer_service/202309/conversations', 'shop', (c) => {
        const size = pageSize(c.query, 20, 1, 20);
        const items = inShop(c, w.conversations.values());
        const page = paginate(items, c.query, size, (x) => x.messages[x.messages.length - 1]?.createTime ?? x.createTime, (x) => x.id, 'DESC');
        return { conversations: page.items.map((x) => w.conversationJson(x)), next_page_token: page.next };
      }),
      r('GET', '/customer_service/202601/conversations/{conversation_id}', 'shop', (c) => {
        const conv = w.conversations.get(c.params[0]!);
        if (!conv || conv.shopId !== c.shopId) throw new ApiError(404, 36009004, `conversation ${c.params[0]} not found`);
        return { conversation: w.conversationDetailJson(conv) };
      }),
      r('GET', '/customer_service/202309/conversations/{conversation_id}/messages', 'shop', (c) => {
        const conv = w.conversations.get(c.params[0]!);
        if (!conv || conv.shopId !== c.shopId) throw new ApiError(404, 36009004, `conversation ${c.params[0]} not found`);
        const size = pageSize(c.query, 10, 1, 10);
        const needData = c.query.get('need_data');
        if (needData !== null && needData !== 'true' && needData !== 'false') throw new ApiError(400, 36009004, 'need_data must be true or false');
        const page = paginate(conv.messages, c.query, size, (m) => m.createTime, (m) => m.id, 'DESC');
        return { messages: page.items.map((m) => w.messageJson(m)), next_page_token: page.next, unsupported_msg_tips: '' };
      }),
      r('POST', '/customer_service/202309/conversations/{conversation_id}/messages', 'shop', (c) => {
        const conv = w.conversations.get(c.params[0]!);
        this.writebacks.push({ kind: 'send_message', shopId: c.shopId, target: c.params[0]!, idempotencyKey: null, body: c.body, at: this.now(), replay: false });
        if (!conv) throw new ApiError(404, 45101003, `conversation ${c.params[0]} not found`);
        if (conv.shopId !== c.shopId) throw new ApiError(403, 45102007, `no permission for conversation ${conv.id}`);
        const type = String(c.body.type ?? '');
        let content: Record<string, unknown>;
        try {
          content = JSON.parse(String(c.body.content ?? '')) as Record<string, unknown>;
          if (!content || typeof content !== 'object') throw new Error('not an object');
        } catch {
          throw new ApiError(400, 45101001, 'param body.content must be a JSON object string, e.g. {"content":"…"}');
        }
        if (type === 'COUPON_CARD') {
          // Coupon cards are limited to 0.5 QPS per shop.
          const last = this.couponCardAt.get(c.shopId);
          this.couponCardAt.set(c.shopId, this.now());
          if (last !== undefined && this.now() - last < 2000) throw new ApiError(400, 45111012, 'coupon cards are limited to one every 2 seconds');
        }
        const problem = sendProblem(w, conv, type, content, Math.floor(this.now() / 1000));
        if (problem) throw new ApiError(400, problem.code, problem.message);
        const m = w.addMessage(conv, { type, content: JSON.stringify(content), role: 'SHOP' }, true);
        if (type === 'COUPON_CARD') this.coupons.delivered(conv, String(content.coupon_id));
        return { message_id: m.id };
      }),
      // Attribution feeds (affiliate orders, LIVE sessions, videos): sandbox/analytics.ts.
      ...(analyticsRoutes(w, { r: r as never, pageSize, paginate, fail: (http, code, message) => { throw new ApiError(http, code, message); } }) as Route[]),
      // Finance statements and order statement transactions (refund reconciliation): sandbox/finance.ts.
      ...(financeRoutes(w, { r: r as never, pageSize, paginate, fail: (http, code, message) => { throw new ApiError(http, code, message); } }) as Route[]),
    ];
  }
}

/**
 * Buyer photos and videos for returns: small real files so the helpdesk and the evidence vault can
 * fetch and store them. Photos of the livestream bag are the beige it really is.
 */
function serveMedia(pathname: string, res: http.ServerResponse): void {
  if (pathname.endsWith('.png')) {
    const beige = /aurore|return/.test(pathname);
    res.writeHead(200, { 'content-type': 'image/png', 'cache-control': 'max-age=86400' });
    res.end(solidPng(16, 16, beige ? [216, 195, 165] : [120, 120, 128]));
    return;
  }
  if (pathname.endsWith('.mp4')) {
    // An ISO base media header (ftyp isom): enough for type sniffing; the demo has no real footage.
    const ftyp = Buffer.from('000000186674797069736f6d0000020069736f6d69736f32', 'hex');
    res.writeHead(200, { 'content-type': 'video/mp4' });
    res.end(ftyp);
    return;
  }
  res.writeHead(404, { 'content-type': 'text/plain' });
  res.end('no such media');
}

function solidPng(w: number, h: number, rgb: [number, number, number]): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(zlib.crc32(td) >>> 0);
    return Buffer.concat([len, td, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  const row = Buffer.concat([Buffer.from([0]), Buffer.from(Array.from({ length: w }, () => rgb).flat())]);
  const raw = Buffer.concat(Array.from({ length: h }, () => row));
  return Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), chunk('IHDR', ihdr), chunk('IDAT', zlib.deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

/** Each world's coupons (read by the Send Message rules below). */
const couponBooks = new WeakMap<World, SandboxCoupons>();

const OPEN_RETURN = new Set(['RETURN_OR_REFUND_REQUEST_PENDING', 'AWAITING_BUYER_SHIP', 'BUYER_SHIPPED_ITEM', 'AWAITING_BUYER_RESPONSE', 'REPLACEMENT_REQUEST_PENDING']);
const DONE_RETURN = new Set(['RETURN_OR_REFUND_REQUEST_SUCCESS', 'RETURN_OR_REFUND_REQUEST_COMPLETE', 'REPLACEMENT_REQUEST_REFUND_SUCCESS', 'REPLACEMENT_REQUEST_COMPLETE']);

/** Chat text that points buyers off the platform is refused as sensitive content (a sandbox stand-in for the platform's filter). */
const SENSITIVE = /\b(whatsapp|wechat|telegram|paypal\.me)\b|[\w.+-]+@[\w-]+\.[\w.]+/i;
const SENDABLE = new Set(['TEXT', 'IMAGE', 'VIDEO', 'PRODUCT_CARD', 'ORDER_CARD', 'RETURN_REFUND_CARD', 'COUPON_CARD', 'LOGISTICS_CARD']);

/** Send Message rules per type, answered with the customer-service error codes. */
function sendProblem(w: World, conv: SbConversation, type: string, c: Record<string, unknown>, nowSec: number): { code: number; message: string } | null {
  if (!SENDABLE.has(type)) return { code: 45101001, message: `type ${type} cannot be sent` };
  if (!w.canSendMessage(conv, nowSec)) return { code: 45109001, message: 'the buyer cannot be messaged: no order in 60 days and no chat in 30 days' };
  const str = (k: string) => (typeof c[k] === 'string' && c[k] !== '' ? (c[k] as string) : undefined);
  const order = () => {
    const o = w.orders.get(str('order_id') ?? '');
    return o && o.shopId === conv.shopId && o.buyer.userId === conv.buyer.userId ? o : undefined;
  };
  switch (type) {
    case 'TEXT': {
      const text = str('content');
      if (!text || text.length > 2000) return { code: 45101001, message: 'TEXT content must be 1–2000 characters' };
      if (SENSITIVE.test(text)) return { code: 45101006, message: 'the message contains sensitive content' };
      return null;
    }
    case 'IMAGE':
      return str('url') && Number.isInteger(c.width) && Number.isInteger(c.height) ? null : { code: 45101001, message: 'IMAGE needs url, width and height (from Upload Image)' };
    case 'VIDEO':
      return str('vid') ? null : { code: 45101001, message: 'VIDEO needs vid' };
    case 'PRODUCT_CARD':
      return w.shop(conv.shopId)!.products.some((p) => p.productId === str('product_id')) ? null : { code: 45101003, message: `product ${str('product_id')} not found in this shop` };
    case 'ORDER_CARD':
      return order() ? null : { code: 45101003, message: `order ${str('order_id')} of this buyer not found` };
    case 'LOGISTICS_CARD': {
      const o = order();
      if (!o) return { code: 45101003, message: `order ${str('order_id')} of this buyer not found` };
      return o.trackingNumber ? null : { code: 45101001, message: `order ${o.id} has not shipped` };
    }
    case 'RETURN_REFUND_CARD': {
      const o = order();
      if (!o) return { code: 45101003, message: `order ${str('order_id')} of this buyer not found` };
      // The order must pass after-sale eligibility: shipped or delivered, not completed or cancelled.
      return ['AWAITING_COLLECTION', 'IN_TRANSIT', 'DELIVERED'].includes(o.status) ? null : { code: 45101002, message: `order ${o.id} (${o.status}) is not eligible for a return or refund` };
    }
    case 'COUPON_CARD':
    {
      const book = couponBooks.get(w);
      return book ? book.cardProblem(conv, str('coupon_id') ?? '') : { code: 45111017, message: `coupon ${str('coupon_id')} does not meet the coupon card conditions` };
    }
    default:
      return null;
  }
}

/** Which reject reasons apply: the received parcel's once the buyer shipped it back, else the request's. */
function rejectStage(rt: SbReturn): RejectStage {
  return rt.status === 'BUYER_SHIPPED_ITEM' ? 'parcel' : 'request';
}

/** Keyset pagination: the token names the last (sort value, id) served, so inserts never shift pages. */
function paginate<T>(items: T[], q: URLSearchParams, size: number, sortKey: (t: T) => number, id: (t: T) => string, defDir: 'ASC' | 'DESC'): { items: T[]; next: string } {
  const so = q.get('sort_order');
  const dir = so === 'ASC' || so === 'DESC' ? so : defDir;
  const sign = dir === 'ASC' ? 1 : -1;
  const sorted = [...items].sort((a, b) => sign * (sortKey(a) - sortKey(b) || (id(a) < id(b) ? -1 : id(a) > id(b) ? 1 : 0)));
  let start = 0;
  const token = q.get('page_token');
  if (token) {
    let k: number, i: string;
    try {
      [k, i] = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as [number, string];
    } catch {
      throw new ApiError(400, 36009004, 'page_token is invalid');
    }
    start = sorted.findIndex((t) => sign * (sortKey(t) - k) > 0 || (sortKey(t) === k && sign * (id(t) < i ? -1 : id(t) > i ? 1 : 0) > 0));
    if (start < 0) start = sorted.length;
  }
  const page = sorted.slice(start, start + size);
  const last = page[page.length - 1];
  const next = start + size < sorted.length && last ? Buffer.from(JSON.stringify([sortKey(last), id(last)])).toString('base64url') : '';
  return { items: page, next };
}

/**
 * The platform's rule for a webhook target: https, a domain name (no IP address), no port, at most
 * 255 characters. Null when the address is acceptable.
 */
export function webhookAddressProblem(address: string): string | null {
  if (address.length > 255) return 'longer than 255 characters';
  let u: URL;
  try {
    u = new URL(address);
  } catch {
    return 'not a URL';
  }
  if (u.protocol !== 'https:') return 'not https';
  if (u.port) return 'has a port';
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(u.hostname) || u.hostname.startsWith('[')) return 'an IP address, not a domain';
  return null;
}

function isLoopbackUrl(address: string): boolean {
  try {
    const h = new URL(address).hostname;
    return h === 'localhost' || h === '[::1]' || /^127\./.test(h);
  } catch {
    return false;
  }
}

export { dec as sandboxDecimal };
