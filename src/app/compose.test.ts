import { describe, expect, it } from 'vitest';
import type { Platform } from './deps.js';
import type { Services } from './compose.js';
import { createHelpdeskService } from '../modules/helpdesk/index.js';
import { createRemediesService, remediesOrdersPort, ticketsPortFrom } from '../modules/remedies/index.js';
import { createReturnsService } from '../modules/returns/index.js';
import { createSlaService } from '../modules/sla/index.js';
import { createTikTokIntegration } from '../integrations/tiktok/index.js';

/*
 * The ports a module cannot work without are required in its factory's type, so leaving one out
 * is a type error (`npx tsc --noEmit` fails on an unused @ts-expect-error as much as on a missing
 * port). Never called: the check is the compiler's.
 */
function missingPortsDoNotCompile(p: Platform, s: Services): void {
  // @ts-expect-error the evidence writer is required
  createHelpdeskService(p, { sla: s.sla });
  // @ts-expect-error the SLA engine is required
  createHelpdeskService(p, { recordEvidence: async () => undefined });
  const orders = remediesOrdersPort(s.orders);
  const tickets = ticketsPortFrom(s.helpdesk);
  // @ts-expect-error the evidence writer is required
  createRemediesService(p, { orders, tickets, returns: { getReturn: (a, id) => s.returns.get(a, id) }, onCompleted: async () => undefined });
  // @ts-expect-error the completion subscriber is required
  createRemediesService(p, { orders, tickets, returns: { getReturn: (a, id) => s.returns.get(a, id) }, recordEvidence: async () => undefined });
  // @ts-expect-error the tickets port is required
  createReturnsService({ db: p.db, ids: p.ids, clock: p.clock, remedies: s.remedies }, { orders, recordEvidence: async () => undefined });
  // @ts-expect-error where breaches go is required
  createSlaService({ db: p.db, ids: p.ids, clock: p.clock, log: p.log, jobs: p.jobs });
  // @ts-expect-error the conversation sink is required
  createTikTokIntegration({ ...p, orders: s.orders });
}

describe('compose', () => {
  it('has its required ports checked by the compiler', () => {
    expect(typeof missingPortsDoNotCompile).toBe('function');
  });
});
