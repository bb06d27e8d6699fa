import type { PrivacyRegistration } from '../../modules/privacy/index.js';

/**
 * The channel settings hold the shop's own addresses and credentials, not a buyer's: the buyers'
 * messages that arrive through them are the helpdesk's (tickets, messages) and erased there.
 */
export const channelsPrivacy: PrivacyRegistration = {
  module: 'channels',
  tables: [],
  exempt: [
    { table: 'mailboxes', reason: 'the shop’s own mailbox (address, server, sealed password), not a buyer' },
    { table: 'whatsapp_numbers', reason: 'the shop’s own WhatsApp Business number and sealed credentials, not a buyer' },
  ],
  async export() {
    return {};
  },
  async erase() {
    return { counts: {} };
  },
};
