import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemo } from '../../src/app/seed.js';
import { startDemoSandbox } from '../../src/integrations/tiktok/demo.js';
import { DEFAULT_SHOPS } from '../../src/integrations/tiktok/sandbox/catalogue.js';
import { SANDBOX_APP_KEY, SANDBOX_APP_SECRET } from '../../src/integrations/tiktok/index.js';
import { systemActor } from '../../src/platform/tenancy.js';
import { createTestContext, type TestContext } from '../helpers/context.js';

// The demo organisation has a shop in each of the sandbox's six markets, so the demo start binds
// all six through the real OAuth code flow (IT and ES used to stay unmatched and their webhooks
// were dropped as bound nowhere).

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(async () => {
  await ctx?.close();
});

describe('demo start', () => {
  it('seeds six demo shops, one per sandbox market, and the OAuth flow binds every sandbox shop to the one of its market', async () => {
    const world = await seedDemo(ctx.platform, ctx.services);
    const shops = await ctx.services.tenancy.listShops(systemActor(world.orgId));
    expect(shops.map((s) => `${s.name} ${s.market}`).sort()).toEqual(['Lumière DE DE', 'Lumière ES ES', 'Lumière FR FR', 'Lumière IT IT', 'Voltix UK GB', 'Voltix US US']);
    // A second seed (a later start) adds nothing.
    await seedDemo(ctx.platform, ctx.services);
    expect(await ctx.services.tenancy.listShops(systemActor(world.orgId))).toHaveLength(6);

    const demo = await startDemoSandbox(ctx.services.tiktok, { seed: 42, port: 0, speed: 0, appPort: 9, appKey: SANDBOX_APP_KEY, appSecret: SANDBOX_APP_SECRET, orgId: world.orgId, log: ctx.platform.log });
    try {
      const connections = await ctx.services.tiktok.connections.list(world.orgId);
      const byShop = new Map(shops.map((s) => [s.id, s.market]));
      const bound = connections.map((c) => ({ tiktok: c.tiktokShopId, market: byShop.get(c.shopId), status: c.status })).sort((a, b) => a.tiktok.localeCompare(b.tiktok));
      expect(bound).toEqual(DEFAULT_SHOPS.map((s) => ({ tiktok: s.id, market: s.region === 'UK' ? 'GB' : s.region, status: 'active' })).sort((a, b) => a.tiktok.localeCompare(b.tiktok)));
    } finally {
      await demo.stop();
    }
  });
});
