import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pickShopFor, planBinding } from '../../src/integrations/tiktok/connections.js';
import { tiktokConnections, tiktokWebhookEvents } from '../../src/integrations/tiktok/tiktok.schema.js';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { testDatabase } from '../helpers/db.js';
import { actorFor, createTestOrg, type TestOrg } from '../helpers/org.js';
import { connectedWorld, uniqueShops, webhookBody, type TikTokTestWorld } from './helpers.js';

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

async function connectionsOf(orgId: string) {
  return ctx.platform.db.tenant(orgId, (tx) => tx.select().from(tiktokConnections).where(eq(tiktokConnections.orgId, orgId)));
}

async function shopsOf(org: TestOrg) {
  return (await ctx.services.tenancy.listShops(actorFor(org, 'owner'))).map((s) => ({ id: s.id, tiktokShopId: s.tiktokShopId }));
}

/** The whole OAuth round trip over HTTP as the organisation's owner: authorise link → sandbox → callback. */
async function authoriseOverHttp(w: TikTokTestWorld, org: TestOrg, tiktokShopIds: string[], body: Record<string, unknown> = {}) {
  const link = await ctx.app.inject({ method: 'POST', url: '/api/tiktok/authorize', headers: { cookie: await org.cookie('owner') }, payload: body });
  expect(link.statusCode).toBe(200);
  const res = await fetch(`${link.json().url}&shop_ids=${tiktokShopIds.join(',')}&redirect_uri=${encodeURIComponent('http://afterdesk.local/api/tiktok/oauth/callback')}`, { redirect: 'manual' });
  return ctx.app.inject({ method: 'GET', url: `/api/tiktok/oauth/callback${new URL(res.headers.get('location')!).search}` });
}

function orderWebhook(w: TikTokTestWorld, tiktokShopId: string) {
  const order = w.sandbox.world.createOrder(tiktokShopId, { silent: true });
  return webhookBody(tiktokShopId, 1, { order_id: order.id, order_status: order.status, update_time: order.updateTime });
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

  it('binding a TikTok shop bound to another organisation is refused: the second organisation gets 409 tiktok.shop_bound_elsewhere and nothing changes', async () => {
    const w = await connectedWorld(ctx);
    try {
      const b = await createTestOrg(ctx, { market: 'DE' });
      const cb = await authoriseOverHttp(w, b, [w.tiktokShopId]);
      expect(cb.statusCode).toBe(409);
      expect(cb.json()).toEqual({
        code: 'tiktok.shop_bound_elsewhere',
        message: `TikTok shop Lumière DE (${w.tiktokShopId}) is connected to another organisation on this installation. A TikTok shop belongs to one organisation: the seller must remove the app there (de-authorise) before connecting it here.`,
        details: { tiktokShopIds: [w.tiktokShopId] },
        requestId: expect.any(String),
      });
      expect(await shopsOf(b)).toEqual([{ id: b.shopId, tiktokShopId: null }]);
      expect(await connectionsOf(b.orgId)).toEqual([]);
      expect((await connectionsOf(w.org.orgId)).map((c) => [c.shopId, c.tiktokShopId, c.status])).toEqual([[w.shopId, w.tiktokShopId, 'active']]);
      // The database refuses it too, whatever the code path: one TikTok shop, one shop in the installation.
      const direct = ctx.platform.db.tenant(b.orgId, (tx) => tx.execute(`update shops set tiktok_shop_id = '${w.tiktokShopId}' where org_id = '${b.orgId}'`));
      await expect(direct).rejects.toMatchObject({ cause: expect.objectContaining({ constraint: 'shops_tiktok_shop_unique' }) });

      // A token covering that shop and one of its own: its own is bound, the other is reported refused.
      const fr = w.sandbox.world.shops.find((s) => s.region === 'FR')!;
      const frShop = await ctx.services.tenancy.createShop(actorFor(b, 'owner'), { brandId: b.brandId, name: 'B FR', market: 'FR' });
      const mixed = await authoriseOverHttp(w, b, [w.tiktokShopId, fr.id]);
      expect(mixed.statusCode).toBe(200);
      expect(mixed.json()).toEqual({
        connected: [{ shopId: frShop.id, tiktokShopId: fr.id, name: 'Lumière FR' }],
        unmatched: [],
        refused: [{ tiktokShopId: w.tiktokShopId, name: 'Lumière DE', region: 'DE' }],
      });
      const body = orderWebhook(w, w.tiktokShopId);
      expect((await post(body, w.sandbox.signWebhook(body))).statusCode).toBe(200);
      expect((await events(b.orgId)).length).toBe(0);
      expect((await events(w.org.orgId)).length).toBe(1);
    } finally {
      await w.close();
    }
  });

  it('the same organisation authorising again is idempotent: same shop, one connection, fresh tokens', async () => {
    const w = await connectedWorld(ctx);
    try {
      const before = await connectionsOf(w.org.orgId);
      const again = await authoriseOverHttp(w, w.org, [w.tiktokShopId]);
      expect(again.statusCode).toBe(200);
      expect(again.json()).toEqual({ connected: [{ shopId: w.shopId, tiktokShopId: w.tiktokShopId, name: 'Lumière DE' }], unmatched: [], refused: [] });
      const after = await connectionsOf(w.org.orgId);
      expect(after.map((c) => [c.id, c.shopId, c.tiktokShopId, c.status])).toEqual([[before[0]!.id, w.shopId, w.tiktokShopId, 'active']]);
      expect(after[0]!.accessTokenEnc).not.toBe(before[0]!.accessTokenEnc);
      expect(await shopsOf(w.org)).toEqual([{ id: w.shopId, tiktokShopId: w.tiktokShopId }]);
    } finally {
      await w.close();
    }
  });

  it('a shop the seller de-authorised (revoked) may be authorised by another organisation: the binding and the events move; the old one is then refused', async () => {
    const w = await connectedWorld(ctx);
    try {
      const deauth = webhookBody(w.tiktokShopId, 6, { adv_id: '1', shop_id: w.tiktokShopId });
      expect((await post(deauth, w.sandbox.signWebhook(deauth))).statusCode).toBe(200);
      await ctx.services.tiktok.processor.drain(w.org.orgId);
      expect((await connectionsOf(w.org.orgId)).map((c) => c.status)).toEqual(['revoked']);
      // Revoked is not unbound: events still belong to the organisation that had the shop.
      const late = orderWebhook(w, w.tiktokShopId);
      expect((await post(late, w.sandbox.signWebhook(late))).statusCode).toBe(200);
      expect((await events(w.org.orgId)).length).toBe(2);

      // An authorisation that has no shop to put it in takes nothing away from the old organisation.
      const c = await createTestOrg(ctx, { market: 'FR' });
      expect((await authoriseOverHttp(w, c, [w.tiktokShopId])).json()).toEqual({ connected: [], unmatched: [{ tiktokShopId: w.tiktokShopId, name: 'Lumière DE', region: 'DE', reason: 'no_shop_in_market' }], refused: [] });
      expect(await shopsOf(w.org)).toEqual([{ id: w.shopId, tiktokShopId: w.tiktokShopId }]);

      const b = await createTestOrg(ctx, { market: 'DE' });
      const cb = await authoriseOverHttp(w, b, [w.tiktokShopId]);
      expect(cb.statusCode).toBe(200);
      expect(cb.json().connected).toEqual([{ shopId: b.shopId, tiktokShopId: w.tiktokShopId, name: 'Lumière DE' }]);
      expect(await shopsOf(b)).toEqual([{ id: b.shopId, tiktokShopId: w.tiktokShopId }]);
      expect(await shopsOf(w.org)).toEqual([{ id: w.shopId, tiktokShopId: null }]);
      expect(await connectionsOf(w.org.orgId)).toEqual([]);
      const next = orderWebhook(w, w.tiktokShopId);
      expect((await post(next, w.sandbox.signWebhook(next))).statusCode).toBe(200);
      expect((await events(b.orgId)).map((e) => e.shopId)).toEqual([b.shopId]);
      expect((await events(w.org.orgId)).length).toBe(2);

      const back = await authoriseOverHttp(w, w.org, [w.tiktokShopId]);
      expect(back.statusCode).toBe(409);
      expect(back.json().code).toBe('tiktok.shop_bound_elsewhere');
    } finally {
      await w.close();
    }
  });

  it('several shops in one market: the unscoped authorisation binds none; authorising from a shop binds that one', async () => {
    const w = await connectedWorld(ctx, { connect: false });
    try {
      const second = await ctx.services.tenancy.createShop(actorFor(w.org, 'owner'), { brandId: w.org.brandId, name: 'Second DE', market: 'DE' });
      const plain = await authoriseOverHttp(w, w.org, [w.tiktokShopId]);
      expect(plain.json()).toEqual({ connected: [], unmatched: [{ tiktokShopId: w.tiktokShopId, name: 'Lumière DE', region: 'DE', reason: 'several_shops_in_market' }], refused: [] });
      const scoped = await authoriseOverHttp(w, w.org, [w.tiktokShopId], { shopId: second.id });
      expect(scoped.json()).toEqual({ connected: [{ shopId: second.id, tiktokShopId: w.tiktokShopId, name: 'Lumière DE' }], unmatched: [], refused: [] });
      expect((await shopsOf(w.org)).sort((a, b) => a.id.localeCompare(b.id))).toEqual([{ id: w.shopId, tiktokShopId: null }, { id: second.id, tiktokShopId: w.tiktokShopId }].sort((a, b) => a.id.localeCompare(b.id)));
      // Another organisation's shop cannot be named as the target.
      const b = await createTestOrg(ctx, { market: 'DE' });
      const foreign = await ctx.app.inject({ method: 'POST', url: '/api/tiktok/authorize', headers: { cookie: await b.cookie('owner') }, payload: { shopId: w.shopId } });
      expect(foreign.statusCode).toBe(404);
    } finally {
      await w.close();
    }
  });

  it('events for a TikTok shop bound nowhere are acknowledged, stored for no organisation, counted for the operator (afterdesk tiktok unbound) and leave the list once the shop is bound', async () => {
    const w = await connectedWorld(ctx, { connect: false });
    try {
      const fr = w.sandbox.world.shops.find((s) => s.region === 'FR')!;
      const first = orderWebhook(w, fr.id);
      const second = webhookBody(fr.id, 12, { return_id: '1', order_id: '2', return_status: 'RETURN_OR_REFUND_REQUEST_PENDING' }, '7300000000000000042');
      const r1 = await post(first, w.sandbox.signWebhook(first));
      expect([r1.statusCode, r1.body]).toEqual([200, '']);
      expect((await post(second, w.sandbox.signWebhook(second))).statusCode).toBe(200);
      const stored = await ctx.platform.db.system((tx) => tx.select().from(tiktokWebhookEvents).where(eq(tiktokWebhookEvents.tiktokShopId, fr.id)));
      expect(stored).toEqual([]);
      const mine = (await ctx.services.tiktok.unboundShops()).find((u) => u.tiktokShopId === fr.id);
      expect(mine).toEqual({ tiktokShopId: fr.id, events: 2, lastType: 12, lastNotificationId: '7300000000000000042', firstSeenAt: expect.any(Date), lastSeenAt: expect.any(Date) });
      expect(mine!.lastSeenAt.getTime()).toBeGreaterThanOrEqual(mine!.firstSeenAt.getTime());

      const tdb = await testDatabase();
      const cli = await promisify(execFile)(process.execPath, ['bin/afterdesk.js', 'tiktok', 'unbound', '--json'], {
        env: { ...process.env, DATABASE_URL: tdb.adminUrl, APP_DATABASE_URL: tdb.appUrl, DATA_DIR: ctx.platform.config.dataDir, SECRET_KEY: ctx.platform.secretKey.toString('hex'), LOG_LEVEL: 'silent' },
        timeout: 60_000,
      });
      const listed = (JSON.parse(cli.stdout) as { tiktokShopId: string }[]).find((u) => u.tiktokShopId === fr.id);
      expect(listed).toEqual({ tiktokShopId: fr.id, events: 2, lastType: 12, lastNotificationId: '7300000000000000042', firstSeenAt: mine!.firstSeenAt.toISOString(), lastSeenAt: mine!.lastSeenAt.toISOString() });

      const frOrg = await createTestOrg(ctx, { market: 'FR' });
      expect((await authoriseOverHttp(w, frOrg, [fr.id])).json().connected).toEqual([{ shopId: frOrg.shopId, tiktokShopId: fr.id, name: 'Lumière FR' }]);
      expect((await ctx.services.tiktok.unboundShops()).find((u) => u.tiktokShopId === fr.id)).toBeUndefined();
      const third = orderWebhook(w, fr.id);
      expect((await post(third, w.sandbox.signWebhook(third))).statusCode).toBe(200);
      expect((await events(frOrg.orgId)).map((e) => e.shopId)).toEqual([frOrg.shopId]);
    } finally {
      await w.close();
    }
  });
});

describe('pickShopFor (which of our shops an authorised TikTok shop bound nowhere goes to)', () => {
  const free = (id: string, market: string) => ({ id, market, tiktokShopId: null });
  it.each([
    ['the one free shop of the market', { region: 'DE' }, [free('a', 'DE'), free('b', 'FR')], undefined, { shop: free('a', 'DE') }],
    ['UK is our GB', { region: 'UK' }, [free('a', 'GB')], undefined, { shop: free('a', 'GB') }],
    ['no free shop in the market', { region: 'IT' }, [free('a', 'DE'), { id: 'b', market: 'IT', tiktokShopId: '9' }], undefined, { reason: 'no_shop_in_market' }],
    ['several free shops in the market', { region: 'DE' }, [free('a', 'DE'), free('b', 'DE')], undefined, { reason: 'several_shops_in_market' }],
    ['the target, when in the market', { region: 'DE' }, [free('a', 'DE'), free('b', 'DE')], 'b', { shop: free('b', 'DE') }],
    ['a target in another market', { region: 'FR' }, [free('a', 'DE')], 'a', { reason: 'target_shop_other_market' }],
    ['a target bound to another TikTok shop', { region: 'DE' }, [{ id: 'a', market: 'DE', tiktokShopId: '9' }], 'a', { reason: 'target_shop_bound' }],
  ] as const)('%s', (_name, s, ours, target, expected) => {
    expect(pickShopFor(s, [...ours], target)).toEqual(expected);
  });
});

describe('planBinding (what one authorisation does with each shop it covers)', () => {
  const tt = (id: string, region = 'DE') => ({ id, name: `TT ${id}`, region, cipher: `c${id}` });
  const ours = [{ id: 'shp_de', market: 'DE', tiktokShopId: null }, { id: 'shp_fr', market: 'FR', tiktokShopId: '2' }];
  it('renews its own, refuses another organisation\'s, takes a revoked one, binds a free one, reports the rest', () => {
    const holders = new Map([
      ['2', { orgId: 'org_me', shopId: 'shp_fr', status: 'needs_reauthorisation' }],
      ['3', { orgId: 'org_other', shopId: 'shp_x', status: 'active' }],
      ['4', { orgId: 'org_other', shopId: 'shp_y', status: 'revoked' }],
    ]);
    expect(planBinding('org_me', [tt('2', 'FR'), tt('3'), tt('4'), tt('5')], holders, ours).map((p) => ({ ...p, shop: p.shop.id }))).toEqual([
      { kind: 'renew', shop: '2', shopId: 'shp_fr' },
      { kind: 'refused', shop: '3' },
      { kind: 'bind', shop: '4', shopId: 'shp_de', takeOverFrom: { orgId: 'org_other', shopId: 'shp_y', status: 'revoked' } },
      { kind: 'unmatched', shop: '5', reason: 'no_shop_in_market' },
    ]);
    expect(ours[0]!.tiktokShopId).toBeNull();
  });
});
