import type { Platform } from './deps.js';
import { createAuthService } from '../modules/auth/index.js';
import { createTenancyService } from '../modules/tenancy/index.js';
import { createOrdersService, ordersPrivacy } from '../modules/orders/index.js';
import { createEvidenceService, recordEvidence, type RecordEvidence } from '../modules/evidence/index.js';
import { createSlaService, slaPrivacy, type SlaEscalation } from '../modules/sla/index.js';
import { createHelpdeskService, helpdeskOrdersPort, helpdeskPrivacy, trackingUrl } from '../modules/helpdesk/index.js';
import { createRemediesService, remediesOrdersPort, remediesPrivacy, ticketsPortFrom, type OrdersPort as RemediesOrdersPort } from '../modules/remedies/index.js';
import { createReturnsService, returnsPrivacy } from '../modules/returns/index.js';
import { createPrivacyService, evidencePrivacy, foundationPrivacy, type PrivacyRegistration } from '../modules/privacy/index.js';
import { createTikTokIntegration, tiktokPrivacy } from '../integrations/tiktok/index.js';
import { createCheckpointCopies, createFileStore } from '../integrations/storage/index.js';
import { createPortalService, portalPrivacy } from '../modules/portal/index.js';

export interface ComposeOptions {
  /** Test seams: stand-ins for a port, everything else real. Production passes none. */
  overrides?: {
    /** The orders port remedies and returns read through (e.g. an order that carries coupon terms). */
    remediesOrders?: RemediesOrdersPort;
    /**
     * False leaves SLA breaches with the helpdesk untouched and unclaimed unless a test observes
     * them (`events.slaEscalation.observe`): for tests that watch the SLA engine on its own.
     */
    escalateToHelpdesk?: boolean;
  };
}

/**
 * An event with its subscriber fixed when it is declared, plus observers a test may add to watch
 * it. Publishing awaits each in order; a throw stops the rest and reaches the publisher.
 */
export function createTopic<T>(subscriber: ((e: T) => Promise<unknown>) | undefined) {
  const observers: ((e: T) => Promise<unknown>)[] = [];
  return {
    listening: (): boolean => !!subscriber || observers.length > 0,
    async publish(e: T): Promise<void> {
      await subscriber?.(e);
      for (const o of [...observers]) await o(e);
    },
    /** Watch the event (tests); returns the unsubscribe. */
    observe(o: (e: T) => Promise<unknown>): () => void {
      observers.push(o);
      return () => {
        const i = observers.indexOf(o);
        if (i >= 0) observers.splice(i, 1);
      };
    },
  };
}

/**
 * The composition root: every service of the app, each built exactly once, in dependency order.
 * Server, worker, webhook thread, CLI, tests and bench all take their services from here.
 *
 * A new module plugs in with one `const` below its dependencies, and adds itself to the returned
 * object (and, where it has them, to routes/workers in modules.ts). Where two services need each
 * other, the later one is reached through a narrow callback declared here; the callback only runs
 * once everything is built (after `compose` returns), never during construction.
 */
export function compose(p: Platform, opts: ComposeOptions = {}) {
  const base = { db: p.db, ids: p.ids, clock: p.clock, log: p.log };

  const tenancy = createTenancyService(p);
  const auth = createAuthService(p);
  const orders = createOrdersService(p);

  // One evidence writer for every module, in the caller's transaction.
  const writeEvidence: RecordEvidence = (tx, input) => recordEvidence(tx, { ids: p.ids, clock: p.clock }, input);
  const evidence = createEvidenceService({ ...base, secretKey: p.secretKey, files: createFileStore(p.config), checkpointCopies: createCheckpointCopies(p.config) });

  // SLA escalation → helpdesk: a breached clock makes the ticket urgent and hands it to a supervisor.
  const slaEscalation = createTopic<SlaEscalation>(opts.overrides?.escalateToHelpdesk === false ? undefined : (e) => helpdesk.escalate(e));
  const sla = createSlaService({ ...base, jobs: p.jobs, escalations: slaEscalation });

  const helpdesk = createHelpdeskService(p, { sla, recordEvidence: writeEvidence, orders: helpdeskOrdersPort(orders, trackingUrl) });

  // Conversation sink → helpdesk: buyer chats and return requests become tickets.
  const tiktok = createTikTokIntegration({ ...p, orders, sink: helpdesk });

  const remediesOrders = opts.overrides?.remediesOrders ?? remediesOrdersPort(orders);
  const tickets = ticketsPortFrom(helpdesk);
  const remedies = createRemediesService(p, {
    orders: remediesOrders,
    tickets,
    recordEvidence: writeEvidence,
    // Built on remedies, returns are reached back through these two callbacks.
    returns: { getReturn: (actor, id) => returns.get(actor, id) },
    // Remedy completed → returns: the return learns its refund went out, in the same transaction.
    onCompleted: (tx, remedy) => returns.remedyCompleted(tx, remedy),
  });
  const returns = createReturnsService(
    { db: p.db, ids: p.ids, clock: p.clock, remedies },
    { orders: remediesOrders, tickets, recordEvidence: writeEvidence, platformRejectReasons: (actor, platformReturnId) => tiktok.rejectReasons(actor.orgId, platformReturnId) },
  );

  // Buyer side (issue 17): cards, QR tokens and the self-service page, on the services above.
  const portal = createPortalService(
    { db: p.db, ids: p.ids, clock: p.clock, publicUrl: p.config.publicUrl },
    { orders, returns, helpdesk, files: evidence, recordEvidence: writeEvidence },
  );

  // Order matters: each scope may follow links found by the ones before it (orders → tickets → returns).
  const registrations: PrivacyRegistration[] = [ordersPrivacy, helpdeskPrivacy, returnsPrivacy, remediesPrivacy, slaPrivacy, tiktokPrivacy, foundationPrivacy, evidencePrivacy(evidence), portalPrivacy];
  const privacy = createPrivacyService({ ...base, secretKey: p.secretKey, registrations, purgeFiles: (orgId, shas) => evidence.purgeFiles(orgId, shas) });

  return {
    tenancy,
    auth,
    orders,
    tiktok,
    helpdesk,
    sla,
    evidence,
    remedies,
    returns,
    privacy,
    portal,
    /** Events declared above, for observers (tests). */
    events: { slaEscalation },
  };
}

export type Services = ReturnType<typeof compose>;
