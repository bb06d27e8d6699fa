import type { PrivacyRegistration } from '../../modules/privacy/index.js';

/**
 * The TikTok business account is the shop's own; `video_comments` holds only ids and the triage
 * decision. The buyers' words and names arrive as ticket messages and are erased by the helpdesk.
 */
export const videoCommentsPrivacy: PrivacyRegistration = {
  module: 'video-comments',
  tables: [],
  exempt: [
    { table: 'tiktok_business_accounts', reason: 'the shop’s own TikTok business account and sealed token, not a buyer' },
    { table: 'tiktok_business_oauth_states', reason: 'a hashed one-time OAuth state with the staff user who started it; no buyer data; old ones are deleted when the next connection starts' },
    { table: 'video_comments', reason: 'comment and video ids with the triage decision; the words and the author live on the ticket' },
  ],
  async export() {
    return {};
  },
  async erase() {
    return { counts: {} };
  },
};
