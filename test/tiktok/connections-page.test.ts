import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { connectedWorld, type TikTokTestWorld } from './helpers.js';

// What the connections page reads and where the seller's browser lands after TikTok's consent page.

let ctx: TestContext;
let w: TikTokTestWorld;
beforeAll(async () => {
  ctx = await createTestContext();
  w = await connectedWorld(ctx, { connect: false });
});
afterAll(async () => {
  await w?.close();
  await ctx?.close();
});

async function consent(shopIds: string[]): Promise<string> {
  const link = await ctx.app.inject({ method: 'POST', url: '/api/tiktok/authorize', headers: { cookie: await w.org.cookie('owner') }, payload: { shopId: w.shopId } });
  expect(link.statusCode).toBe(200);
  const res = await fetch(`${link.json().url}&shop_ids=${shopIds.join(',')}&redirect_uri=${encodeURIComponent('http://afterdesk.local/api/tiktok/oauth/callback')}`, { redirect: 'manual' });
  return new URL(res.headers.get('location')!).search;
}

describe('TikTok connections page support', () => {
  it('a browser returning from TikTok is sent back to the connections page with the outcome; a bad state lands there with its error code', async () => {
    const search = await consent([w.tiktokShopId]);
    const res = await ctx.app.inject({ method: 'GET', url: `/api/tiktok/oauth/callback${search}`, headers: { accept: 'text/html,application/xhtml+xml' } });
    expect(res.statusCode).toBe(303);
    const to = new URL(res.headers.location as string, 'http://afterdesk.local');
    expect(to.pathname).toBe('/settings/tiktok');
    const outcome = JSON.parse(Buffer.from(to.searchParams.get('oauth')!, 'base64url').toString('utf8'));
    expect(outcome).toEqual({ connected: [{ shopId: w.shopId, tiktokShopId: w.tiktokShopId, name: 'Lumière DE' }], unmatched: [], refused: [] });
    // The shop's events are subscribed to our receiver (in the background, right after the consent).
    const subscribed = () => (w.sandbox as unknown as { webhooks: Map<string, Map<string, string>> }).webhooks.get(w.tiktokShopId);
    for (let i = 0; i < 100 && !subscribed()?.size; i++) await new Promise((r) => setTimeout(r, 50));
    expect([...new Set(subscribed()!.values())]).toEqual([`${ctx.platform.config.publicUrl.replace(/\/$/, '')}/webhooks/tiktok`]);

    const forged = await ctx.app.inject({ method: 'GET', url: '/api/tiktok/oauth/callback?code=abc&state=org_x..n.forged', headers: { accept: 'text/html' } });
    expect(forged.statusCode).toBe(303);
    expect(forged.headers.location).toBe('/settings/tiktok?oauthError=tiktok.bad_state');
    // A caller that does not ask for a page still gets the JSON error.
    const api = await ctx.app.inject({ method: 'GET', url: '/api/tiktok/oauth/callback?code=abc&state=org_x..n.forged' });
    expect([api.statusCode, api.json().code]).toEqual([400, 'tiktok.bad_state']);
  });

  it('lists the connection with status, token expiries and the last sync of each kind', async () => {
    const cookie = await w.org.cookie('owner');
    const report = await ctx.app.inject({ method: 'POST', url: `/api/tiktok/shops/${w.shopId}/sync`, headers: { cookie, 'x-requested-with': 'afterdesk' }, payload: {} });
    expect(report.statusCode).toBe(200);
    const list = await ctx.app.inject({ method: 'GET', url: '/api/tiktok/connections', headers: { cookie } });
    expect(list.statusCode).toBe(200);
    const [c] = list.json().items;
    expect(c).toMatchObject({ shopId: w.shopId, tiktokShopId: w.tiktokShopId, status: 'active' });
    expect(Date.parse(c.accessExpiresAt)).toBeGreaterThan(Date.now());
    expect(Date.parse(c.refreshExpiresAt)).toBeGreaterThan(Date.parse(c.accessExpiresAt));
    expect(c.lastSync.map((k: { kind: string }) => k.kind).sort()).toEqual(['cancellations', 'conversations', 'orders', 'returns']);
    for (const k of c.lastSync) expect(k.lastRunAt).not.toBeNull();
    // The agent may not see connections at all.
    const agent = await ctx.app.inject({ method: 'GET', url: '/api/tiktok/connections', headers: { cookie: await w.org.cookie('agent') } });
    expect(agent.statusCode).toBe(403);
  });
});
