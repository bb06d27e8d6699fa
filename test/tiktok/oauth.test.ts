import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { connectedWorld } from './helpers.js';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(async () => {
  await ctx?.close();
});

describe('connecting a shop through the OAuth code flow over HTTP', () => {
  it('authorise link → sandbox redirect with code and our signed state → callback stores the shop; tokens never leave the server', async () => {
    const w = await connectedWorld(ctx, { connect: false });
    try {
      const owner = await w.org.cookie('owner');
      const link = await ctx.app.inject({ method: 'POST', url: '/api/tiktok/authorize', headers: { cookie: owner }, payload: {} });
      expect(link.statusCode).toBe(200);
      const { url, state } = link.json() as { url: string; state: string };
      expect(url).toBe(`${w.sandbox.url}/oauth/authorize?app_key=${w.sandbox.appKey}&state=${encodeURIComponent(state)}`);
      // The seller clicks "Authorise" (for their DE shop); the platform redirects back to us.
      const res = await fetch(`${url}&shop_ids=${w.tiktokShopId}&redirect_uri=${encodeURIComponent('http://afterdesk.local/api/tiktok/oauth/callback')}`, { redirect: 'manual' });
      expect(res.status).toBe(302);
      const back = new URL(res.headers.get('location')!);
      expect(back.searchParams.get('state')).toBe(state);
      const cb = await ctx.app.inject({ method: 'GET', url: `/api/tiktok/oauth/callback${back.search}` });
      expect(cb.statusCode).toBe(200);
      expect(cb.json()).toEqual({ connected: [{ shopId: w.shopId, tiktokShopId: w.tiktokShopId, name: 'Lumière DE' }], unmatched: [], refused: [] });
      // A used code cannot be replayed; a forged state is refused naming the field.
      const again = await ctx.app.inject({ method: 'GET', url: `/api/tiktok/oauth/callback${back.search}` });
      expect(again.statusCode).toBe(400);
      expect(again.json()).toMatchObject({ code: 'tiktok.code_invalid', details: { issues: [{ field: 'code' }] } });
      const forged = await ctx.app.inject({ method: 'GET', url: `/api/tiktok/oauth/callback?code=x&state=${encodeURIComponent(state.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')))}` });
      expect(forged.statusCode).toBe(400);
      expect(forged.json().details.issues[0].field).toBe('state');
      const denied = await ctx.app.inject({ method: 'GET', url: '/api/tiktok/oauth/callback?code=null&error=auth_denied' });
      expect(denied.json()).toMatchObject({ code: 'tiktok.auth_denied' });

      const list = await ctx.app.inject({ url: '/api/tiktok/connections', headers: { cookie: owner } });
      expect(list.json().items).toEqual([expect.objectContaining({ shopId: w.shopId, tiktokShopId: w.tiktokShopId, status: 'active', region: 'DE' })]);
      expect(list.body).not.toContain('ROW_');
      const agent = await w.org.cookie('agent');
      expect((await ctx.app.inject({ url: '/api/tiktok/connections', headers: { cookie: agent } })).statusCode).toBe(403);
    } finally {
      await w.close();
    }
  });
});
