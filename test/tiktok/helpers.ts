import crypto from 'node:crypto';
import { DEFAULT_SHOPS, type ShopSpec } from '../../src/integrations/tiktok/sandbox/catalogue.js';
import { TikTokSandbox, type SandboxOptions } from '../../src/integrations/tiktok/sandbox/server.js';
import type { TestContext } from '../helpers/context.js';
import { createTestOrg, type TestOrg } from '../helpers/org.js';

/** Shop ids unique to this test: a TikTok shop belongs to one organisation, and tests share a database. */
export function uniqueShops(): ShopSpec[] {
  const base = `75${crypto.randomInt(10 ** 9, 10 ** 10 - 1)}`;
  return DEFAULT_SHOPS.map((s, i) => ({ ...s, id: `${base}000000${i + 1}` }));
}

export interface TikTokTestWorld {
  sandbox: TikTokSandbox;
  org: TestOrg;
  /** Our shp_ id of the sandbox's DE shop, and its TikTok id. */
  shopId: string;
  tiktokShopId: string;
  close(): Promise<void>;
}

/**
 * A sandbox with a fresh world, an organisation with one DE shop, and the sandbox's DE shop bound
 * to it through the real OAuth code exchange of the client (the only way a shop gets a TikTok
 * shop id). With `connect: false` the shop stays unbound and the test authorises it itself.
 */
export async function connectedWorld(ctx: TestContext, opts: Partial<SandboxOptions> & { connect?: boolean } = {}): Promise<TikTokTestWorld> {
  const shops = opts.shops ?? uniqueShops();
  const sandbox = new TikTokSandbox({ seed: 11, ordersPerShop: 12, ...opts, shops });
  const url = await sandbox.start();
  ctx.services.tiktok.client.retarget({ apiBase: url, authBase: url });
  const de = shops.find((s) => s.region === 'DE')!;
  const org = await createTestOrg(ctx, { market: 'DE' });
  if (opts.connect !== false) {
    const r = await ctx.services.tiktok.connections.completeAuthorisation(org.orgId, sandbox.issueAuthCode([de.id]));
    if (r.connected[0]?.shopId !== org.shopId) throw new Error(`the sandbox DE shop was not bound to the test shop: ${JSON.stringify(r)}`);
  }
  return {
    sandbox,
    org,
    shopId: org.shopId,
    tiktokShopId: de.id,
    close: () => sandbox.stop(),
  };
}

export function webhookBody(shopId: string, type: number, data: Record<string, unknown>, notificationId?: string | null, timestamp = Math.floor(Date.now() / 1000)): string {
  const o: Record<string, unknown> = { type };
  if (notificationId !== null) o.tts_notification_id = notificationId ?? `${Date.now()}${crypto.randomInt(1e9)}`;
  o.shop_id = shopId;
  o.timestamp = timestamp;
  o.data = data;
  return JSON.stringify(o);
}
