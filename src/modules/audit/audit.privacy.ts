import type { PrivacyRegistration } from '../privacy/index.js';

/**
 * The audit log is about staff and settings, not buyers: actors are staff users or tokens, the
 * address is cut to its network (`coarseIp`), and before/after hold configuration. It is kept for
 * accountability and is append-only; buyers' erasure has nothing here to blank.
 */
export const auditPrivacy: PrivacyRegistration = {
  module: 'audit',
  tables: [],
  exempt: [{ table: 'audit_events', reason: 'staff actions on settings, people and security (accountability); actor is a staff member or API token, addresses coarse; no buyer data' }],
  export: async () => ({}),
  erase: async () => ({ counts: {} }),
};
