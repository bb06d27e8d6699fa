import type { PrivacyRegistration } from '../privacy/index.js';

/** Product knowledge holds the seller's texts about products; no buyer's data. */
export const knowledgePrivacy: PrivacyRegistration = {
  module: 'knowledge',
  tables: [],
  exempt: [
    { table: 'catalogue_products', reason: "the seller's listing as the platform publishes it (titles, descriptions)" },
    { table: 'catalogue_skus', reason: "the seller's SKU names and prices" },
    { table: 'knowledge_entries', reason: "the seller's own answers about a product, written by staff" },
    { table: 'knowledge_versions', reason: 'earlier versions of those staff-written answers' },
    { table: 'knowledge_uses', reason: 'which staff answer an agent used on which ticket; no buyer content' },
  ],
  export: async () => ({}),
  erase: async () => ({ counts: {} }),
};
