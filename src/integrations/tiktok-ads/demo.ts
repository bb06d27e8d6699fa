/**
 * The demo's Marketing API: the ads stand-in started with the app, one advertiser per demo shop
 * whose orders the Ads Manager report attributed to campaigns, with a month of daily spend for
 * those campaigns, and the shop's advertiser account saved in Settings → Ads and imported through
 * the real client — so the demo's Analytics → Ad campaigns tab shows spend beside the returns.
 *
 * The campaigns are the ones the demo's ads CSV named (read back from the analytics report), so
 * spend lines up with attributed orders; the Ads Manager report is imported in the background after
 * the first sync, so on a first start this waits for it. The stand-in forgets on restart: every
 * start registers the same advertisers and tokens again (an account the owner pointed elsewhere is
 * left alone) and imports once; the hourly job keeps reading afterwards.
 */
import crypto from 'node:crypto';
import type { Logger } from '../../platform/logger.js';
import type { Actor } from '../../platform/tenancy.js';
import type { AnalyticsService } from '../../modules/analytics/index.js';
import type { TikTokAds } from './ads.js';
import { startAdsStandIn, type AdsStandIn } from './standin.js';

export interface DemoAdsDeps {
  ads: Pick<TikTokAds, 'retarget' | 'get' | 'save' | 'importShop'>;
  analytics: Pick<AnalyticsService, 'report'>;
  /** The organisation's shops (the advertiser of the i-th shop by id is always the same). */
  shopIds(): Promise<string[]>;
  log: Logger;
}

/** Days of spend the stand-in serves (the import reads the last 30). */
const SPEND_DAYS = 35;
const DAY = 86_400_000;

/** A number in [0, 1) from a string, the same on every start. */
const unit = (s: string) => crypto.createHash('sha256').update(s).digest().readUInt32BE(0) / 2 ** 32;

/** Advertiser id and token of the demo shop number `i` (stable across starts: the saved token stays valid). */
export const demoAdvertiser = (i: number) => ({ advertiserId: `71000000000000000${String(i + 1).padStart(2, '0')}`, token: `demo-ads-standin-token-${i + 1}` });

/**
 * Start the stand-in and point the client at it now (before any job runs); `connect` then sets up
 * the advertisers once the demo's campaigns are known. `stop` closes the stand-in.
 */
export async function startDemoAds(d: DemoAdsDeps, o: { orgId: string; now?: () => Date; waitMs?: number; pollMs?: number }): Promise<{ standIn: AdsStandIn; connect(): Promise<number>; stop(): Promise<void> }> {
  const standIn = await startAdsStandIn();
  d.ads.retarget(standIn.base);
  const owner: Actor = { orgId: o.orgId, userId: 'system', role: 'owner' };
  const now = o.now ?? (() => new Date());
  let stopped = false;

  /** The demo's ad campaigns per shop, from the orders the Ads Manager report attributed. */
  async function campaigns(): Promise<Map<string, { id: string; name: string }[]>> {
    const rep = await d.analytics.report(owner, { by: 'source', sourceType: 'ad_campaign' });
    const byShop = new Map<string, { id: string; name: string }[]>();
    for (const r of rep.items) {
      if (!r.shopId || !r.sourceId) continue;
      byShop.set(r.shopId, [...(byShop.get(r.shopId) ?? []), { id: r.sourceId, name: r.name ?? r.sourceId }]);
    }
    return byShop;
  }

  /** Register shop number `i`'s advertiser with a month of spend, save its account (unless the owner chose another) and import. */
  async function connectShop(i: number, shopId: string, list: { id: string; name: string }[]): Promise<boolean> {
    const adv = demoAdvertiser(i);
    const existing = await d.ads.get(owner, shopId);
    if (existing && existing.advertiserId !== adv.advertiserId) return false; // the owner connected another account
    standIn.registerAdvertiser({ advertiserId: adv.advertiserId, token: adv.token });
    const today = Date.UTC(now().getUTCFullYear(), now().getUTCMonth(), now().getUTCDate());
    for (const c of list) {
      // A daily budget between 40 and 160 in the account's currency, spent at 70–100 %.
      const budget = 40 + Math.floor(unit(c.id) * 120);
      for (let k = 0; k < SPEND_DAYS; k++) {
        const day = new Date(today - k * DAY).toISOString().slice(0, 10);
        const spend = budget * (0.7 + 0.3 * unit(`${c.id}:${day}`));
        const impressions = Math.round(spend * (80 + 40 * unit(`${day}:${c.id}`)));
        standIn.addCampaignDay(adv.advertiserId, {
          campaignId: c.id,
          campaignName: c.name,
          day,
          spend: spend.toFixed(2),
          // The platform counts every conversion it credits the ad with (more than the orders the CSV attributed).
          conversions: Math.round((spend / (20 + 40 * unit(`cpa:${c.id}`))) * (0.6 + 0.8 * unit(`conv:${c.id}:${day}`))),
          impressions,
          clicks: Math.round(impressions * 0.018),
        });
      }
    }
    if (!existing) await d.ads.save(owner, shopId, { advertiserId: adv.advertiserId, accessToken: adv.token });
    await d.ads.importShop(o.orgId, shopId, 30);
    return true;
  }

  /**
   * Connect each shop as soon as its campaigns are known: rounds every `pollMs` until every shop of
   * the organisation is done or `waitMs` has passed (the first start imports the shops' ads reports
   * one after another, after their first sync). Resolves with the number of shops imported.
   */
  async function connect(): Promise<number> {
    const shops = (await d.shopIds()).sort();
    const done = new Set<string>();
    let imported = 0;
    const deadline = Date.now() + (o.waitMs ?? 900_000);
    while (!stopped) {
      const byShop = await campaigns();
      for (const [shopId, list] of byShop) {
        if (done.has(shopId) || stopped) continue;
        done.add(shopId);
        try {
          if (await connectShop(Math.max(0, shops.indexOf(shopId)), shopId, list)) imported++;
        } catch (e) {
          // Stopping closes the stand-in under an import in flight: not a failure worth a warning.
          if (!stopped) d.log.warn({ err: e, shopId }, 'demo ad campaign import failed');
        }
      }
      if (done.size >= shops.length || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, o.pollMs ?? 20_000));
    }
    return imported;
  }

  return {
    standIn,
    connect,
    async stop() {
      stopped = true;
      await standIn.close();
    },
  };
}
