import { z } from 'zod';
import { actorOf, errors, type Http } from '../../platform/http.js';
import { AdsAccountInput, AdsAccountOrNone, AdsAccountView, AdsImportInput, AdsImportView, AdsShopParams } from './ads.dto.js';
import type { TikTokAds } from './ads.js';

/** Settings → a shop's TikTok advertiser account (Marketing API) and the campaign report import. */
export function tiktokAdsRoutes(app: Http, ads: TikTokAds): void {
  const tags = ['analytics'];
  app.get(
    '/api/shops/:shopId/tiktok-ads',
    { schema: { tags, operationId: 'tiktokAds.getAccount', summary: "The shop's TikTok advertiser account for the campaign report (the token never leaves the server) and its import state", params: AdsShopParams, response: { 200: AdsAccountOrNone, ...errors(404) } } },
    async (req) => ({ account: await ads.get(actorOf(req), req.params.shopId) }),
  );
  app.put(
    '/api/shops/:shopId/tiktok-ads',
    { schema: { tags, operationId: 'tiktokAds.saveAccount', summary: "Connect the shop's TikTok advertiser account (Marketing API token sealed at rest; leave it out to keep it)", params: AdsShopParams, body: AdsAccountInput, response: { 200: AdsAccountView, ...errors(404) } } },
    async (req) => ads.save(actorOf(req), req.params.shopId, req.body),
  );
  app.delete(
    '/api/shops/:shopId/tiktok-ads',
    { schema: { tags, operationId: 'tiktokAds.removeAccount', summary: "Disconnect the shop's TikTok advertiser account (imported figures stay)", params: AdsShopParams, response: { 200: z.object({ removed: z.literal(true) }), ...errors(404) } } },
    async (req) => {
      await ads.remove(actorOf(req), req.params.shopId);
      return { removed: true as const };
    },
  );
  app.post(
    '/api/shops/:shopId/tiktok-ads/import',
    { schema: { tags, operationId: 'tiktokAds.import', summary: 'Read the campaign report now (the last 30 days unless told; the job reads the last 7 days every hour)', params: AdsShopParams, body: AdsImportInput, response: { 200: AdsImportView, ...errors(404, 502) } } },
    async (req) => ads.importAsActor(actorOf(req), req.params.shopId, req.body.days),
  );
}
