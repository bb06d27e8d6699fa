import type { Clock } from '../../platform/clock.js';
import type { Database } from '../../platform/db.js';
import type { IdGenerator } from '../../platform/ids.js';
import type { Logger } from '../../platform/logger.js';
import type { OutboxDispatcher, OutboxRegistry } from '../../platform/outbox/outbox.js';
import { recordEvidence } from '../evidence/index.js';
import { createOrdersService } from '../orders/index.js';
import { createRemediesService, ordersPortFrom, type RemediesPorts } from '../remedies/index.js';
import { createReturnsService } from './returns.service.js';

export interface RemediesPlatform {
  db: Database;
  ids: IdGenerator;
  clock: Clock;
  log: Logger;
  outbox: OutboxRegistry;
  dispatcher: OutboxDispatcher;
}

/**
 * Both services plus the port holder. Orders and evidence are plain factories/functions and are
 * bound here; the helpdesk instance is bound by app/modules.ts once all services exist
 * (`remediesPorts.tickets = ticketsPortFrom(s.helpdesk)`).
 */
export function buildRemediesAndReturns(p: RemediesPlatform, overrides: RemediesPorts = {}) {
  const ports: RemediesPorts = {
    orders: ordersPortFrom(createOrdersService(p)),
    recordEvidence: (tx, input) => recordEvidence(tx, { ids: p.ids, clock: p.clock }, input),
    ...overrides,
  };
  const remedies = createRemediesService(p, () => ports);
  const returns = createReturnsService({ db: p.db, ids: p.ids, clock: p.clock, remedies }, () => ports);
  ports.returns ??= { getReturn: async (actor, id) => returns.get(actor, id) };
  return { remedies, returns, remediesPorts: ports };
}

