import type { PrivacyRegistration } from '../privacy/index.js';

/** SLA timing holds no buyer's data: clocks and their events refer to tickets by id only. */
export const slaPrivacy: PrivacyRegistration = {
  module: 'sla',
  tables: [],
  exempt: [
    { table: 'sla_policies', reason: 'policy names and targets (configuration)' },
    { table: 'sla_clock_events', reason: 'timer events of a ticket (times, generations); data holds no message text' },
  ],
  export: async () => ({}),
  erase: async () => ({ counts: {} }),
};
