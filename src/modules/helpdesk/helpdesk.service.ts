import { getTableName } from 'drizzle-orm';
import { outbox } from '../../platform/outbox/outbox.schema.js';
import { createActions } from './helpdesk.actions.js';
import { createAgents } from './helpdesk.agents.js';
import { createCommands } from './helpdesk.commands.js';
import { createHelpdeskCore, type HelpdeskDeps } from './helpdesk.core.js';
import { createIngest } from './helpdesk.ingest.js';
import { createMacros } from './helpdesk.macros.service.js';
import type { HelpdeskPorts } from './helpdesk.ports.js';
import { createQueries } from './helpdesk.queries.js';
import { ticketMessages, tickets } from './helpdesk.schema.js';
import { createWorkspace } from './helpdesk.workspace.js';

export { macroView, messageView, replyHandlerFor, ticketView, type HelpdeskDeps, type MacroRow, type MessageRow, type TicketRow } from './helpdesk.core.js';

/**
 * The helpdesk service, assembled from its parts: ingest (channel messages → tickets), ticket
 * commands, queries and search, macros, and agents and routing. The parts share one core (the
 * dependencies and the steps several use cases take) and never call each other's methods.
 */
export function createHelpdeskService(deps: HelpdeskDeps, ports: HelpdeskPorts) {
  const core = createHelpdeskCore(deps, ports);
  // A new message and a reply run on cached plans once these tables have grown (platform/db.ts);
  // a reply also looks up and writes its outbox step, and the step's delivery updates it.
  deps.db.cachedPlans.watch([getTableName(tickets), getTableName(ticketMessages), getTableName(outbox)]);
  return {
    ...createIngest(core),
    ...createCommands(core),
    ...createQueries(core),
    ...createMacros(core),
    ...createAgents(core),
    ...createWorkspace(core),
    ...createActions(core),
  };
}

export type HelpdeskService = ReturnType<typeof createHelpdeskService>;
