import type { PrivacyRegistration } from '../privacy/index.js';

/**
 * Integration settings hold no buyer data. Delivered webhook bodies are not stored (only status,
 * timing and the event id); the events themselves carry ids and amounts, never buyer names.
 */
export const integrationsPrivacy: PrivacyRegistration = {
  module: 'integrations',
  tables: [],
  exempt: [
    { table: 'api_tokens', reason: 'organisation API tokens (hashed) and their scopes' },
    { table: 'webhook_endpoints', reason: 'the organisation’s webhook targets; the secret encrypted' },
    { table: 'webhook_deliveries', reason: 'delivery status and timing per event id; no event content' },
  ],
  export: async () => ({}),
  erase: async () => ({ counts: {} }),
};
