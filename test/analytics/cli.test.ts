import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OrderInput, PlatformReturnInput } from '../../src/modules/orders/index.js';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { testDatabase } from '../helpers/db.js';
import { createTestOrg, type TestOrg } from '../helpers/org.js';

const run = promisify(execFile);
let ctx: TestContext;
let org: TestOrg;
let env: NodeJS.ProcessEnv;

const line = (ext: string) => ({ externalId: `${ext}-1`, skuId: 'sku-1', productId: 'p1', productName: 'Sac Aurore', unitPrice: 1000, paidAmount: 1000, trafficSource: { type: 'organic' as const, id: null, name: null } });
const order = (shopId: string, ext: string): OrderInput =>
  ({ shopId, externalId: ext, buyer: { platformBuyerId: `b-${ext}`, displayName: null, email: null }, status: 'delivered', rawStatus: 'DELIVERED', currency: 'EUR', subtotal: 1000, shipping: 0, sellerDiscount: 0, platformDiscount: 0, tax: 0, total: 1000, placedAt: new Date(Date.now() - 20 * 86_400_000), paidAt: null, deliveredAt: new Date(Date.now() - 15 * 86_400_000), trackingNumber: null, carrier: null, deliveryStatus: 'delivered', externalUpdatedAt: new Date(), lines: [line(ext)] }) as unknown as OrderInput;
const ret = (shopId: string, ext: string): PlatformReturnInput => ({ shopId, kind: 'return', externalId: `R-${ext}`, externalOrderId: ext, type: 'return_and_refund', rawType: 'RETURN_AND_REFUND', status: 'requested', rawStatus: 'RETURN_OR_REFUND_REQUEST_PENDING', reasonCode: 'not_as_described', reasonText: 'Colour differs', lines: [{ externalOrderLineId: `${ext}-1`, refundAmount: 1000 }], currency: 'EUR', refundAmount: 1000, photos: [], videos: [], requestedAt: new Date(Date.now() - 14 * 86_400_000), externalUpdatedAt: new Date() });

beforeAll(async () => {
  ctx = await createTestContext();
  org = await createTestOrg(ctx);
  const tdb = await testDatabase();
  env = { ...process.env, DATABASE_URL: tdb.adminUrl, APP_DATABASE_URL: tdb.appUrl, DATA_DIR: ctx.platform.config.dataDir, SECRET_KEY: ctx.platform.secretKey.toString('hex'), LOG_LEVEL: 'silent' };
  const orders = [...Array.from({ length: 40 }, (_, i) => order(org.shopId, `L${i}`)), ...Array.from({ length: 200 }, (_, i) => order(org.shopId, `O${i}`))];
  const returns = [...Array.from({ length: 12 }, (_, i) => ret(org.shopId, `L${i}`)), ...Array.from({ length: 8 }, (_, i) => ret(org.shopId, `O${i}`))];
  await ctx.platform.db.tenant(org.orgId, async (tx) => {
    await ctx.services.orders.applyOrders(tx, org.orgId, orders);
    await ctx.services.orders.applyPlatformReturns(tx, org.orgId, returns);
  });
  await ctx.services.analytics.ingestClaims(org.orgId, org.shopId, Array.from({ length: 40 }, (_, i) => ({ externalOrderId: `L${i}`, provenance: 'live_window' as const, sourceType: 'livestream' as const, sourceId: 'live-9', sourceName: 'Rose launch' })));
});
afterAll(async () => {
  await ctx?.close();
});

async function cli(...args: string[]) {
  const r = await run(process.execPath, ['bin/afterdesk.js', ...args], { env, timeout: 90_000 });
  return r.stdout;
}

describe('afterdesk report', () => {
  it('return-rates --by source as JSON and CSV, exclusions as CSV, shop-health as JSON', async () => {
    const json = JSON.parse(await cli('report', 'return-rates', '--by', 'source', '--shop', org.shopId, '--format', 'json')) as { rows: Record<string, unknown>[] };
    expect(json.rows.map((r) => [r.type, r.id, r.name, r.orders, r.returns, r.rate, r.flagged])).toEqual([
      ['livestream', 'live-9', 'Rose launch', 40, 12, 0.3, true],
      ['organic', '', null, 200, 8, 0.04, false],
    ]);
    const csv = (await cli('report', 'return-rates', '--by', 'source', '--shop', org.shopId, '--format', 'csv')).trim().split('\n');
    expect(csv[0]!.startsWith('type,id,name,shop,orders,deliveredLines,returns,rate,')).toBe(true);
    expect(csv).toHaveLength(3);
    const excl = (await cli('report', 'exclusions', '--shop', org.shopId)).trim().split('\n');
    expect(excl).toHaveLength(2);
    expect(excl[1]).toContain(`${org.shopId},livestream,,,,live-9,Rose launch,40,12,0.3000,`);
    const health = JSON.parse(await cli('report', 'shop-health', '--shop', org.shopId, '--format', 'json')) as { shopId: string; metrics: { metric: string; value: number | null }[] }[];
    expect(health[0]!.shopId).toBe(org.shopId);
    expect(health[0]!.metrics.find((m) => m.metric === 'non_buyer_fault_return_rate')!.value).toBeCloseTo(20 / 240, 9);
  }, 240_000);
});
