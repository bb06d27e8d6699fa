import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { AffiliateOrdersData, CsPerformanceData, ShopLivesData, ShopVideosData } from '../../src/integrations/tiktok/attribution.js';
import { TikTokClient } from '../../src/integrations/tiktok/client.js';
import { TikTokSandbox } from '../../src/integrations/tiktok/sandbox/server.js';
import { uniqueShops } from '../tiktok/helpers.js';

const fixture = (name: string) => JSON.parse(fs.readFileSync(path.join(import.meta.dirname, 'fixtures', `${name}.json`), 'utf8')) as { data: Record<string, unknown> };

/** Every key path of a JSON value (array elements merged), to compare shapes. */
function keys(v: unknown, p = ''): string[] {
  if (Array.isArray(v)) return [...new Set(v.flatMap((x) => keys(x, `${p}[]`)))];
  if (v && typeof v === 'object') return Object.entries(v).flatMap(([k, x]) => [`${p}${p ? '.' : ''}${k}`, ...keys(x, `${p}${p ? '.' : ''}${k}`)]);
  return [];
}

let sandbox: TikTokSandbox;
let client: TikTokClient;
let shop: { accessToken: string; cipher: string };
beforeAll(async () => {
  sandbox = new TikTokSandbox({ seed: 23, ordersPerShop: 40, shops: uniqueShops(), qps: 1000 });
  const url = await sandbox.start();
  client = new TikTokClient({ appKey: sandbox.appKey, appSecret: sandbox.appSecret, apiBase: url, authBase: url, sleep: () => Promise.resolve() });
  const t = await client.getAccessToken(sandbox.issueAuthCode());
  const us = (await client.getAuthorizedShops(t.access_token)).shops.find((s) => s.region === 'US')!;
  shop = { accessToken: t.access_token, cipher: us.cipher };
});
afterAll(async () => {
  await sandbox?.stop();
});

describe('attribution and shop-health feeds: reference shapes', () => {
  const day = (d: number) => new Date(Date.now() + d * 86_400_000).toISOString().slice(0, 10);
  const cases: [string, z.ZodType, () => Promise<unknown>][] = [
    ['affiliate-orders', AffiliateOrdersData, () => client.request({ method: 'POST', path: '/affiliate_seller/202410/orders/search', shop, query: { page_size: 50 }, body: {}, schema: z.unknown(), safeToRepeat: true })],
    ['shop-lives', ShopLivesData, () => client.request({ method: 'GET', path: '/analytics/202509/shop_lives/performance', shop, query: { start_date_ge: day(-60), end_date_lt: day(1), page_size: 1 }, schema: z.unknown(), safeToRepeat: true })],
    ['shop-videos', ShopVideosData, () => client.request({ method: 'GET', path: '/analytics/202509/shop_videos/performance', shop, query: { start_date_ge: day(-60), end_date_lt: day(1), page_size: 1 }, schema: z.unknown(), safeToRepeat: true })],
    ['cs-performance', CsPerformanceData, () => client.request({ method: 'GET', path: '/customer_service/202407/performance', shop, query: { support_date_ge: day(-30), support_date_lt: day(0) }, schema: z.unknown(), safeToRepeat: true })],
  ];
  for (const [name, schema, call] of cases) {
    it(`${name}: our schema reads the reference answer; the sandbox answers with the same keys`, async () => {
      const f = fixture(name);
      expect(schema.safeParse(f.data).success).toBe(true);
      const live = await call();
      expect(schema.safeParse(live).success).toBe(true);
      // Sandbox keys ⊆ reference keys (nothing the real API lacks), and every reference key the
      // sandbox serves is there (the fixture lists only what we rely on).
      expect(keys(live).filter((k) => !keys(f.data).includes(k) && !k.includes('sales_performance.') && !/returned_quantity|refunded_quantity|commission_rate|price/.test(k))).toEqual([]);
      expect(keys(f.data).filter((k) => !keys(live).includes(k))).toEqual([]);
    });
  }
});
