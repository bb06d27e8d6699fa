import type { PrivacyRegistration } from '../privacy/index.js';

/** Notifications name subjects by id and carry numbers and codes only (no buyer's words or names). */
export const notificationsPrivacy: PrivacyRegistration = {
  module: 'notifications',
  tables: [],
  exempt: [
    { table: 'notifications', reason: 'staff alerts: a kind, a subject id and numeric/code params; never a buyer name or message text' },
    { table: 'notification_preferences', reason: 'staff settings' },
    { table: 'notification_digest_items', reason: 'staff alerts queued for the daily digest: the same kind and numeric/code params as notifications' },
  ],
  export: async () => ({}),
  erase: async () => ({ counts: {} }),
};
