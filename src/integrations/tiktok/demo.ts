import type { Logger } from '../../platform/logger.js';
import type { TikTokIntegration } from './index.js';
import { TikTokSandbox } from './sandbox/server.js';
import { SandboxSimulation } from './sandbox/sim.js';

export interface DemoOptions {
  seed: number;
  port: number;
  speed: number;
  /** Afterdesk's own HTTP port (webhook target and OAuth redirect). */
  appPort: number;
  /** Where people's browsers reach Afterdesk: an authorisation started from the connections page returns there. */
  publicUrl?: string;
  appKey: string;
  appSecret: string;
  /** The demo organisation, whose shops the sandbox's shops are bound to by the OAuth flow. */
  orgId?: string;
  /** Imports a shop's Ads Manager order report (the analytics module), as the seller would. */
  importAdsReport?: (shopId: string, csv: string) => Promise<unknown>;
  log: Logger;
}

/** Enough history that the planted bad sources pass the 30-delivered-orders bar of the anomaly test. */
export const DEMO_ORDERS_PER_SHOP = 250;

/**
 * `afterdesk start --demo`: a local TikTok Shop with the seeded world, authorised through the
 * client's real OAuth code flow (authorise link → redirect with code → token exchange → shops),
 * webhooks pointed at our endpoint, an initial sync, and the accelerated clock.
 */
export async function startDemoSandbox(t: TikTokIntegration, o: DemoOptions): Promise<{ sandbox: TikTokSandbox; stop(): Promise<void> }> {
  const sandbox = new TikTokSandbox({ seed: o.seed, port: o.port, ordersPerShop: DEMO_ORDERS_PER_SHOP, appKey: o.appKey, appSecret: o.appSecret, redirectUrl: `${o.publicUrl ?? `http://localhost:${o.appPort}`}/api/tiktok/oauth/callback`, log: (l) => o.log.info(l), retryDelaysMs: [2, 30, 180, 720].map((m) => (m * 60_000) / Math.max(1, o.speed)) });
  const url = await sandbox.start();
  t.client.retarget({ apiBase: url, authBase: url });
  o.log.info(`TikTok Shop sandbox (seed ${o.seed}) listening on ${url}`);
  const sim = new SandboxSimulation(sandbox.world, { speed: o.speed, afterAdvance: () => sandbox.coupons.advance() });
  sandbox.coupons.speed = Math.max(1, o.speed);
  let reconcile: NodeJS.Timeout | undefined;
  // The shops are bound only here, through the seller's authorisation (never a field of the
  // shop): the first start binds each sandbox shop to the demo shop of its market, later starts
  // re-authorise the same bindings.
  const org = o.orgId ? { orgId: o.orgId } : undefined;
  if (org) {
    const { url: authUrl, state } = t.connections.authorizeUrl(org.orgId);
    const redirect = `http://127.0.0.1:${o.appPort}/api/tiktok/oauth/callback`;
    const res = await fetch(`${authUrl}&redirect_uri=${encodeURIComponent(redirect)}`, { redirect: 'manual' });
    const location = new URL(res.headers.get('location') ?? '', redirect);
    const code = location.searchParams.get('code');
    if (!code || location.searchParams.get('state') !== state) throw new Error('sandbox authorisation did not redirect with a code and our state');
    const done = await t.connections.completeAuthorisation(t.connections.stateOf(state).orgId, code);
    o.log.info({ shops: done.connected.map((c) => c.name), notInDemoOrg: done.unmatched.map((u) => u.name), boundElsewhere: done.refused.map((u) => u.name) }, 'Demo shops authorised against the sandbox');
    for (const c of done.connected) await t.connections.registerWebhooks(org.orgId, c.shopId, `http://127.0.0.1:${o.appPort}/webhooks/tiktok`);
    void (async () => {
      for (const c of done.connected) {
        try {
          const r = await t.sync.syncShop(org.orgId, c.shopId);
          o.log.info({ shop: c.name, ...r }, 'Initial TikTok sync done');
          // The catalogue, so product knowledge and listing gaps have products to work on.
          await t.products.syncShop(org.orgId, c.shopId);
          // Attribution the real way: the Ads Manager report the seller exports, then the platform's feeds.
          const tiktokShopId = (await t.connections.list(org.orgId)).find((x) => x.shopId === c.shopId)?.tiktokShopId;
          if (o.importAdsReport && tiktokShopId) await o.importAdsReport(c.shopId, await (await fetch(`${url}/ads_manager/orders_report.csv?shop_id=${tiktokShopId}`)).text());
          const a = await t.attribution.syncShop(org.orgId, c.shopId, { days: 90 });
          o.log.info({ shop: c.name, ...a }, 'TikTok attribution synced');
        } catch (e) {
          o.log.warn({ err: e, shop: c.name }, 'Initial TikTok sync failed; reconciliation will retry');
        }
      }
      sim.start();
    })();
    reconcile = setInterval(() => void t.sync.reconcileAll().catch((e) => o.log.warn({ err: e }, 'reconciliation failed')), 60_000);
    reconcile.unref();
  } else {
    sim.start();
  }
  return {
    sandbox,
    async stop() {
      sim.stop();
      if (reconcile) clearInterval(reconcile);
      await sandbox.stop();
    },
  };
}
