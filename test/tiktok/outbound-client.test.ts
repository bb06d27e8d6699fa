/**
 * The TikTok client's connections go through the server's outbound rule: an internal address is
 * refused unless it is the API base the integration was configured with (or retargeted to).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TikTokClient } from '../../src/integrations/tiktok/client.js';
import { TikTokSandbox } from '../../src/integrations/tiktok/sandbox/server.js';
import { createOutboundPolicy } from '../../src/platform/outbound.js';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { uniqueShops } from './helpers.js';

let sandbox: TikTokSandbox;
let url: string;
let ctx: TestContext;
beforeAll(async () => {
  sandbox = new TikTokSandbox({ seed: 5, ordersPerShop: 3, shops: uniqueShops() });
  url = await sandbox.start();
  ctx = await createTestContext();
});
afterAll(async () => {
  await ctx?.close();
  await sandbox?.stop();
});

describe('TikTok calls and the outbound rule', () => {
  it('a client on the policy cannot reach a loopback host nobody allowed', async () => {
    const policy = createOutboundPolicy();
    const client = new TikTokClient({ appKey: sandbox.appKey, appSecret: sandbox.appSecret, apiBase: url, authBase: url, dispatcher: policy.dispatcher, maxRetries: 0 });
    await expect(client.getAccessToken(sandbox.issueAuthCode())).rejects.toThrow(/loopback|not allowed|refused|OUTBOUND_ALLOW/i);
    policy.allow(new URL(url).host);
    expect((await client.getAccessToken(sandbox.issueAuthCode())).access_token).toMatch(/\S/);
  });

  it('the integration allows exactly the base it is pointed at, and follows a retarget', async () => {
    const { tiktok } = ctx.services;
    tiktok.client.retarget({ apiBase: url, authBase: url });
    const u = new URL(url);
    expect(ctx.platform.outbound.isAllowed(u.hostname, Number(u.port))).toBe(true);
    expect(ctx.platform.outbound.isAllowed(u.hostname, Number(u.port) + 1)).toBe(false);
    expect((await tiktok.client.getAccessToken(sandbox.issueAuthCode())).access_token).toMatch(/\S/);
  });
});
