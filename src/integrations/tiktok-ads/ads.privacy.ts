import type { PrivacyRegistration } from '../../modules/privacy/index.js';

/** The advertiser account is the shop's own; no buyer data passes through the campaign report. */
export const tiktokAdsPrivacy: PrivacyRegistration = {
  module: 'tiktok-ads',
  tables: [],
  exempt: [{ table: 'tiktok_ads_accounts', reason: 'the shop’s own TikTok advertiser account and sealed token, not a buyer' }],
  async export() {
    return {};
  },
  async erase() {
    return { counts: {} };
  },
};
