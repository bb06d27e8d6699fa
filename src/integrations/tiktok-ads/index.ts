export { createTikTokAds, adsAccountView, spendToMinor, reportRanges, SCHEDULED_DAYS, type TikTokAds } from './ads.js';
export { TikTokAdsClient, CAMPAIGN_METRICS, MAX_REPORT_DAYS, type CampaignDay } from './client.js';
export { startAdsStandIn, type AdsStandIn, type StandInCampaignDay } from './standin.js';
export { tiktokAdsRoutes } from './ads.routes.js';
export { tiktokAdsPrivacy } from './ads.privacy.js';
export { startDemoAds, demoAdvertiser } from './demo.js';
