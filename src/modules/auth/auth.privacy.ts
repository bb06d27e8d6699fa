import type { PrivacyRegistration } from '../privacy/index.js';

/** The account-security tables hold staff sign-in material only; no buyer appears in them. */
export const accountPrivacy: PrivacyRegistration = {
  module: 'account',
  tables: [],
  exempt: [
    { table: 'user_security', reason: 'staff two-factor secrets (encrypted) and hashed recovery codes' },
    { table: 'password_resets', reason: 'hashed single-use reset tokens of staff accounts' },
    { table: 'org_security', reason: 'the organisation’s sign-in rules' },
  ],
  export: async () => ({}),
  erase: async () => ({ counts: {} }),
};
