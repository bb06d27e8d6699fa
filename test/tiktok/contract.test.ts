import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CODES, TikTokApiError, TikTokClient, type ShopAuth } from '../../src/integrations/tiktok/client.js';
import { TikTokSandbox } from '../../src/integrations/tiktok/sandbox/server.js';
import { Order } from '../../src/integrations/tiktok/schemas.js';
import { uniqueShops } from './helpers.js';

/**
 * One contract suite, two targets: the local sandbox on every run, and the live TikTok Shop API
 * when real credentials are configured (TIKTOK_LIVE_APP_KEY, TIKTOK_LIVE_APP_SECRET,
 * TIKTOK_LIVE_ACCESS_TOKEN; optional TIKTOK_LIVE_API_BASE). Live runs are read-only.
 */
interface Target {
  name: string;
  client: TikTokClient;
  accessToken: string;
  shop: ShopAuth;
  sandbox?: TikTokSandbox;
  appKey: string;
  appSecret: string;
  apiBase: string;
  close(): Promise<void>;
}

const fastSleep = () => Promise.resolve();

async function sandboxTarget(): Promise<Target> {
  const sandbox = new TikTokSandbox({ seed: 5, ordersPerShop: 25, shops: uniqueShops(), qps: 20 });
  const url = await sandbox.start();
  const client = new TikTokClient({ appKey: sandbox.appKey, appSecret: sandbox.appSecret, apiBase: url, authBase: url, sleep: fastSleep });
  const t = await client.getAccessToken(sandbox.issueAuthCode());
  const shops = await client.getAuthorizedShops(t.access_token);
  return { name: 'sandbox', client, accessToken: t.access_token, shop: { accessToken: t.access_token, cipher: shops.shops[0]!.cipher }, sandbox, appKey: sandbox.appKey, appSecret: sandbox.appSecret, apiBase: url, close: () => sandbox.stop() };
}

async function liveTarget(): Promise<Target> {
  const env = process.env;
  const apiBase = env.TIKTOK_LIVE_API_BASE ?? 'https://open-api.tiktokglobalshop.com';
  const client = new TikTokClient({ appKey: env.TIKTOK_LIVE_APP_KEY!, appSecret: env.TIKTOK_LIVE_APP_SECRET!, apiBase });
  const shops = await client.getAuthorizedShops(env.TIKTOK_LIVE_ACCESS_TOKEN!);
  return { name: 'live', client, accessToken: env.TIKTOK_LIVE_ACCESS_TOKEN!, shop: { accessToken: env.TIKTOK_LIVE_ACCESS_TOKEN!, cipher: shops.shops[0]!.cipher }, appKey: env.TIKTOK_LIVE_APP_KEY!, appSecret: env.TIKTOK_LIVE_APP_SECRET!, apiBase, close: async () => undefined };
}

const live = !!(process.env.TIKTOK_LIVE_APP_KEY && process.env.TIKTOK_LIVE_APP_SECRET && process.env.TIKTOK_LIVE_ACCESS_TOKEN);
const targets: [string, () => Promise<Target>][] = [['sandbox', sandboxTarget], ...(live ? ([['live', liveTarget]] as [string, () => Promise<Target>][]) : [])];

async function codeOf(p: Promise<unknown>): Promise<number> {
  try {
    await p;
  } catch (e) {
    if (e instanceof TikTokApiError) return e.code;
    throw e;
  }
  throw new Error('expected a TikTok error');
}

for (const [name, make] of targets) {
  describe(`TikTok Shop contract (${name})`, () => {
    let t: Target;
    beforeAll(async () => {
      t = await make();
    });
    afterAll(async () => {
      await t?.close();
    });

    it('lists authorised shops with string ids and a cipher', async () => {
      const r = await t.client.getAuthorizedShops(t.accessToken);
      expect(r.shops.length).toBeGreaterThan(0);
      for (const s of r.shops) {
        expect(s.id).toMatch(/^\d+$/);
        expect(s.cipher.length).toBeGreaterThan(0);
        expect(typeof s.region).toBe('string');
      }
    });

    it('pages order search with page_token until next_page_token is empty, without repeats', async () => {
      const seen: string[] = [];
      let token: string | undefined;
      let total: number | undefined;
      for (let i = 0; i < (name === 'live' ? 3 : 100); i++) {
        const r = await t.client.searchOrders(t.shop, {}, { page_size: 7, page_token: token });
        expect(r.orders.length).toBeLessThanOrEqual(7);
        for (const o of r.orders) expect(Order.safeParse(o).success).toBe(true);
        seen.push(...r.orders.map((o) => o.id));
        total ??= r.total_count;
        if (!r.next_page_token) break;
        token = r.next_page_token;
      }
      expect(new Set(seen).size).toBe(seen.length);
      if (name === 'sandbox') expect(seen.length).toBe(total);
    });

    it('returns the same order from detail (ids comma-joined and signed) as from search', async () => {
      const s = await t.client.searchOrders(t.shop, {}, { page_size: 2 });
      if (s.orders.length === 0) return;
      const d = await t.client.getOrders(t.shop, s.orders.map((o) => o.id));
      expect(d.orders.map((o) => [o.id, o.status]).sort()).toEqual(s.orders.map((o) => [o.id, o.status]).sort());
    });

    it('searches returns and cancellations (parsed; returns carry order line item ids)', async () => {
      const r = await t.client.searchReturns(t.shop, {}, { page_size: 20 });
      for (const x of r.return_orders) for (const l of x.return_line_items) expect(l.order_line_item_id).toMatch(/^\d+$/);
      const c = await t.client.searchCancellations(t.shop, {}, { page_size: 20 });
      expect(Array.isArray(c.cancellations)).toBe(true);
    });

    it('rejects a wrong signature with 106001', async () => {
      const bad = new TikTokClient({ appKey: t.appKey, appSecret: `${t.appSecret}x`, apiBase: t.apiBase, sleep: fastSleep });
      expect(await codeOf(bad.searchOrders(t.shop, {}, { page_size: 1 }))).toBe(CODES.badSign);
    });

    it('rejects a timestamp outside [now-5min, now+30s] with 36009004', async () => {
      const stale = new TikTokClient({ appKey: t.appKey, appSecret: t.appSecret, apiBase: t.apiBase, clock: { now: () => new Date(Date.now() - 10 * 60_000) }, sleep: fastSleep });
      expect(await codeOf(stale.searchOrders(t.shop, {}, { page_size: 1 }))).toBe(CODES.invalidParams);
    });

    it('asks for shop_cipher on shop-scoped paths (106013) and refuses it on /authorization (36009004)', async () => {
      expect(await codeOf(t.client.request({ method: 'POST', path: '/order/202309/orders/search', token: t.accessToken, body: {}, query: { page_size: 1 }, schema: Order.partial(), safeToRepeat: true }))).toBe(CODES.cipherMissing);
      expect(await codeOf(t.client.request({ method: 'GET', path: '/authorization/202309/shops', shop: t.shop, schema: Order.partial(), safeToRepeat: true }))).toBe(CODES.invalidParams);
    });

    it('answers an unknown path with 36009009 and a retired version with 36009014', async () => {
      expect(await codeOf(t.client.request({ method: 'GET', path: '/order/202309/nothing_here', shop: t.shop, schema: Order.partial(), safeToRepeat: true }))).toBe(CODES.badPath);
      expect(await codeOf(t.client.request({ method: 'POST', path: '/order/202212/orders/search', shop: t.shop, body: {}, schema: Order.partial(), safeToRepeat: true }))).toBe(CODES.badVersion);
    });

    it('rejects a bad access token', async () => {
      const code = await codeOf(t.client.searchOrders({ accessToken: 'ROW_not-a-token', cipher: t.shop.cipher }, {}, { page_size: 1 }));
      expect([CODES.invalidParams, CODES.badToken]).toContain(code);
    });

    if (name === 'sandbox') {
      it('exchanges a one-time code (authorized_code grant), rotates refresh tokens, and refuses reuse', async () => {
        const sb = t.sandbox!;
        const code = sb.issueAuthCode();
        const tok = await t.client.getAccessToken(code);
        expect(tok.access_token_expire_in).toBeGreaterThan(Math.floor(Date.now() / 1000) + 6 * 86400);
        expect(tok.granted_scopes).toContain('seller.order.info');
        expect(await codeOf(t.client.getAccessToken(code))).toBe(CODES.authNotFound);
        const r1 = await t.client.refreshAccessToken(tok.refresh_token);
        expect(r1.refresh_token).not.toBe(tok.refresh_token);
        expect(await codeOf(t.client.refreshAccessToken(tok.refresh_token))).toBe(CODES.authNotFound);
        sb.expireAccessTokens();
        expect(await codeOf(t.client.searchOrders({ accessToken: r1.access_token, cipher: t.shop.cipher }, {}, { page_size: 1 }))).toBe(CODES.tokenExpired);
        // Fresh grant for the tests that follow.
        const again = await t.client.getAccessToken(sb.issueAuthCode());
        t.accessToken = again.access_token;
        t.shop = { accessToken: again.access_token, cipher: t.shop.cipher };
      });

      it('keeps 64-bit ids exact and backs off on HTTP 429 / 36009002, then succeeds', async () => {
        const r = await t.client.searchOrders(t.shop, {}, { page_size: 1 });
        const id = r.orders[0]!.id;
        expect(BigInt(id)).toBeGreaterThan(BigInt(Number.MAX_SAFE_INTEGER));
        expect(t.sandbox!.world.orders.has(id)).toBe(true);
        let slept = 0;
        const c = new TikTokClient({ appKey: t.appKey, appSecret: t.appSecret, apiBase: t.apiBase, sleep: async (ms) => void (slept += ms) });
        t.sandbox!.inject(/orders\/search$/, { kind: 'error', http: 429, code: 36009002, message: 'too many requests' }, 2);
        const ok = await c.searchOrders(t.shop, {}, { page_size: 1 });
        expect(ok.orders).toHaveLength(1);
        // Retry-After: 1 → one second per retry.
        expect(slept).toBe(2000);
        // A business error is never retried.
        t.sandbox!.inject(/orders\/search$/, { kind: 'error', http: 200, code: 36009004, message: 'param body.x is invalid' }, 1);
        expect(await codeOf(c.searchOrders(t.shop, {}, { page_size: 1 }))).toBe(36009004);
      });

      it('enforces the per-shop QPS limit with 429 and 36009002', async () => {
        const c = new TikTokClient({ appKey: t.appKey, appSecret: t.appSecret, apiBase: t.apiBase, maxRetries: 0 });
        const results = await Promise.allSettled(Array.from({ length: 40 }, () => c.searchOrders(t.shop, {}, { page_size: 1 })));
        const codes = results.map((r) => (r.status === 'rejected' ? (r.reason as TikTokApiError).code : 0));
        expect(codes.filter((x) => x === 36009002).length).toBeGreaterThan(0);
        expect(codes.every((x) => x === 0 || x === 36009002)).toBe(true);
      });
    }
  });
}
