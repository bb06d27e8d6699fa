import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tiktokWebhookEvents } from '../../src/integrations/tiktok/tiktok.schema.js';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { createTestOrg } from '../helpers/org.js';
import { connectedWorld, uniqueShops, webhookBody } from './helpers.js';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(async () => {
  await ctx?.close();
});

async function events(orgId: string) {
  return ctx.platform.db.tenant(orgId, (tx) => tx.select().from(tiktokWebhookEvents).where(eq(tiktokWebhookEvents.orgId, orgId)));
}

async function post(body: string, signature: string) {
  return ctx.app.inject({ method: 'POST', url: '/webhooks/tiktok', headers: { 'content-type': 'application/json', authorization: signature }, payload: body });
}

describe('a TikTok shop belongs to one organisation, bound only by its OAuth authorisation', () => {
  it('another (older) organisation cannot claim the TikTok shop id through shop create/update; the signed webhook reaches only the organisation that authorised the shop', async () => {
    const shops = uniqueShops();
    const de = shops.find((s) => s.region === 'DE')!;
    // Org B exists first and names org A's TikTok shop on its own shops.
    const b = await createTestOrg(ctx, { market: 'DE' });
    const bOwner = await b.cookie('owner');
    const create = await ctx.app.inject({ method: 'POST', url: '/api/shops', headers: { cookie: bOwner }, payload: { brandId: b.brandId, name: 'Claimed DE', market: 'DE', tiktokShopId: de.id } });
    const patch = await ctx.app.inject({ method: 'PATCH', url: `/api/shops/${b.shopId}`, headers: { cookie: bOwner }, payload: { tiktokShopId: de.id } });

    // Org A's seller authorises the shop through the OAuth code flow.
    const w = await connectedWorld(ctx, { shops });
    try {
      const order = [...w.sandbox.world.orders.values()].find((o) => o.shopId === de.id)!;
      const body = webhookBody(de.id, 1, { order_id: order.id, order_status: order.status, update_time: order.updateTime });
      expect((await post(body, w.sandbox.signWebhook(body))).statusCode).toBe(200);
      expect((await events(b.orgId)).length).toBe(0);
      expect((await events(w.org.orgId)).map((e) => [e.shopId, e.tiktokShopId])).toEqual([[w.shopId, de.id]]);

      expect(create.statusCode).toBe(400);
      expect(create.json()).toMatchObject({ code: 'request.invalid', details: { issues: [{ field: 'tiktokShopId' }] } });
      expect(patch.statusCode).toBe(400);
      expect(patch.json()).toMatchObject({ code: 'request.invalid', details: { issues: [{ field: 'tiktokShopId' }] } });
      const bShops = await ctx.app.inject({ url: '/api/shops', headers: { cookie: bOwner } });
      expect(bShops.json().items.map((s: { tiktokShopId: string | null }) => s.tiktokShopId)).toEqual([null]);
    } finally {
      await w.close();
    }
  });
});
