import type { Http } from '../platform/http.js';
import type { CoreServices, Platform, Services } from './deps.js';
// [orders + tiktok]
import { startWebhookThread } from './webhook-thread.js';
import { createOrdersService, ordersRoutes } from '../modules/orders/index.js';
import { createTikTokIntegration, tiktokCredentials } from '../integrations/tiktok/index.js';
import { startDemoSandbox } from '../integrations/tiktok/demo.js';
// [/orders + tiktok]
// [evidence]
import { createEvidenceService, evidenceRoutes, registerEvidenceJobs, seedEvidenceDemo } from '../modules/evidence/index.js';
import { createCheckpointCopies, createFileStore } from '../integrations/storage/index.js';
// [/evidence]
// [helpdesk]
import { createHelpdeskService, ordersPortFrom, registerHelpdeskHandlers, seedHelpdeskDemo, trackingUrl } from '../modules/helpdesk/index.js';
import { createOrdersService as createHelpdeskOrders } from '../modules/orders/index.js';
import { recordEvidence } from '../modules/evidence/index.js';
import { helpdeskRoutes } from '../modules/helpdesk/helpdesk.routes.js';
import { localEmail, localEmailInbound, registerEmailChannel } from '../integrations/email/index.js';
import { localWhatsApp, localWhatsAppInbound, registerWhatsAppChannel } from '../integrations/whatsapp/index.js';
import { createSlaService as createHelpdeskSla } from '../modules/sla/index.js';
import type { OutboundPolicy } from '../platform/outbound.js';
// [/helpdesk]
// [sla]
import { createSlaService, registerSlaJobs, slaRoutes } from '../modules/sla/index.js';
import { wireSlaEscalation } from './sla.wiring.js';
// [/sla]
// [remedies + returns]
import { registerRemedyHandlers, remediesRoutes, ticketsPortFrom } from '../modules/remedies/index.js';
import { buildRemediesAndReturns, registerReturnsJobs, returnsRoutes, IMPORT_PLATFORM_RETURNS_JOB } from '../modules/returns/index.js';
// [/remedies + returns]
// [privacy]
import { createPrivacyService, evidencePrivacy, foundationPrivacy, privacyRoutes, registerPrivacyJobs, type PrivacyRegistration } from '../modules/privacy/index.js';
import { ordersPrivacy } from '../modules/orders/index.js';
import { helpdeskPrivacy } from '../modules/helpdesk/index.js';
import { returnsPrivacy } from '../modules/returns/index.js';
import { remediesPrivacy } from '../modules/remedies/index.js';
import { slaPrivacy } from '../modules/sla/index.js';
import { tiktokPrivacy } from '../integrations/tiktok/index.js';
// [/privacy]

/**
 * The one place where domain modules and integrations are wired in. Each module adds its lines
 * inside its own marked block below (services, routes, workers, start hooks). Keep edits inside
 * your block so parallel work never collides.
 */
export function buildModuleServices(p: Platform, core: CoreServices) {
  void p;
  void core;
  return {
    // [orders + tiktok]
    ...(() => {
      const orders = createOrdersService(p);
      return { orders, tiktok: createTikTokIntegration({ ...p, orders }) };
    })(),
    // [/orders + tiktok]
    // [helpdesk]
    // Its own SLA and orders instances (both stateless over the database): a service cannot see
    // its siblings while this object is built. Timers and escalations still run on `sla` below.
    helpdesk: ((sla, orders) =>
      createHelpdeskService(p, () => ({
        sla,
        orders,
        recordEvidence: (tx, input) => recordEvidence(tx, { ids: p.ids, clock: p.clock }, input),
      })))(createHelpdeskSla({ db: p.db, clock: p.clock, ids: p.ids, log: p.log, jobs: p.jobs }), ordersPortFrom(createHelpdeskOrders(p), trackingUrl)),
    // [/helpdesk]
    // [sla]
    sla: createSlaService({ db: p.db, clock: p.clock, ids: p.ids, log: p.log, jobs: p.jobs }),
    // [/sla]
    // [evidence]
    evidence: createEvidenceService({ db: p.db, ids: p.ids, clock: p.clock, log: p.log, secretKey: p.secretKey, files: createFileStore(p.config), checkpointCopies: createCheckpointCopies(p.config) }),
    // [/evidence]
    // [remedies + returns]
    ...buildRemediesAndReturns(p),
    // [/remedies + returns]
    // [privacy]
    privacy: ((evidence) => {
      // Order matters: each scope may follow links found by the ones before it (orders → tickets → returns).
      const registrations: PrivacyRegistration[] = [ordersPrivacy, helpdeskPrivacy, returnsPrivacy, remediesPrivacy, slaPrivacy, tiktokPrivacy, foundationPrivacy, evidencePrivacy(evidence)];
      return createPrivacyService({ db: p.db, ids: p.ids, clock: p.clock, log: p.log, secretKey: p.secretKey, registrations, purgeFiles: (orgId, shas) => evidence.purgeFiles(orgId, shas) });
    })(createEvidenceService({ db: p.db, ids: p.ids, clock: p.clock, log: p.log, secretKey: p.secretKey, files: createFileStore(p.config), checkpointCopies: createCheckpointCopies(p.config) })),
    // [/privacy]
  };
}

export async function registerModuleRoutes(app: Http, p: Platform, s: Services): Promise<void> {
  void app;
  void p;
  void s;
  // [orders + tiktok]
  ordersRoutes(app, s.orders);
  await s.tiktok.routes(app);
  s.tiktok.attachSink(s.helpdesk);
  // [/orders + tiktok]
  // [helpdesk]
  helpdeskRoutes(app, s.helpdesk, { files: s.evidence, inbound: { email: localEmailInbound(s.helpdesk, localEmail, p.clock), whatsapp: localWhatsAppInbound(s.helpdesk, localWhatsApp, p.clock) } });
  // [/helpdesk]
  // [sla]
  slaRoutes(app, s.sla);
  // [/sla]
  // [evidence]
  evidenceRoutes(app, s.evidence);
  // [/evidence]
  // [remedies + returns]
  s.remediesPorts.tickets ??= ticketsPortFrom(s.helpdesk);
  remediesRoutes(app, s.remedies);
  returnsRoutes(app, s.returns);
  // [/remedies + returns]
  // [privacy]
  privacyRoutes(app, s.privacy);
  // [/privacy]
}

/** Jobs (pg-boss) and outbox handlers. Called by the worker and by tests that drive handlers. */
export async function registerModuleWorkers(p: Platform, s: Services): Promise<void> {
  void p;
  void s;
  // [orders + tiktok]
  s.tiktok.attachSink(s.helpdesk);
  s.tiktok.registerOutboxHandlers(p.outbox);
  await s.tiktok.registerJobs(p.jobs?.isStarted ? p.jobs : undefined);
  // Tests drive the processor themselves (drain); a running worker processes webhooks continuously,
  // by default in a thread of its own so acknowledgements never wait behind a batch.
  if (p.config.env !== 'test') {
    if (p.config.tiktok.webhookProcessor === 'thread') {
      const appUrl = p.db.url;
      if (!appUrl) throw new Error('webhook thread: the database pool has no connection string');
      const thread = await startWebhookThread({ config: p.config, adminUrl: p.adminUrl, appUrl, secretKey: p.secretKey, log: p.log, bases: s.tiktok.client.bases, jobs: !!p.jobs?.isStarted });
      s.tiktok.client.onRetarget((b) => thread.retarget(b));
      s.tiktok.useRemoteProcessor(thread);
    } else {
      s.tiktok.processor.start();
    }
  }
  // [/orders + tiktok]
  // [helpdesk]
  registerEmailChannel(p.outbox, localEmail, s.helpdesk);
  registerWhatsAppChannel(p.outbox, localWhatsApp, s.helpdesk);
  // The TikTok sandbox is a local stand-in: the links it hands out (return photos) pass the
  // outbound rule by its exact host and port, wherever it is started or moved to.
  if (p.config.tiktok.mode === 'sandbox') {
    allowSandbox(p.outbound, s.tiktok.client.bases);
    s.tiktok.client.onRetarget((b) => allowSandbox(p.outbound, b));
  }
  registerHelpdeskHandlers(p.outbox, s.helpdesk, s.evidence, (url, init) => p.outbound.fetch(url, init));
  // [/helpdesk]
  // [sla]
  wireSlaEscalation(s);
  await registerSlaJobs(p.jobs?.isStarted ? p.jobs : undefined, p.log, s.sla);
  // [/sla]
  // [evidence]
  await registerEvidenceJobs(p.jobs, s.evidence, p.log);
  // [/evidence]
  // [remedies + returns]
  s.remediesPorts.tickets ??= ticketsPortFrom(s.helpdesk);
  registerRemedyHandlers(p.outbox, s.remedies);
  await registerReturnsJobs(p.jobs, s.returns, p.log);
  // [/remedies + returns]
  // [privacy]
  await registerPrivacyJobs(p.jobs, s.privacy, p.log);
  // [/privacy]
}

// [helpdesk]
function allowSandbox(policy: OutboundPolicy, bases: { apiBase: string; authBase: string }): void {
  for (const b of [bases.apiBase, bases.authBase]) {
    const u = new URL(b);
    policy.allow(`${u.hostname}:${u.port || (u.protocol === 'https:' ? 443 : 80)}`);
  }
}
// [/helpdesk]

/**
 * Things that run beside the server in `afterdesk start` (the TikTok sandbox and its demo clock).
 * Returns a stopper.
 */
export async function startHooks(p: Platform, s: Services, opts: { demo: boolean; port: number; demoOrgId?: string }): Promise<{ stop(): Promise<void> }> {
  void p;
  void s;
  void opts;
  const stoppers: (() => Promise<void>)[] = [];
  // [orders + tiktok]
  stoppers.push(() => s.tiktok.stopProcessing());
  if (p.config.tiktok.mode === 'sandbox' && opts.demo) {
    const demo = await startDemoSandbox(s.tiktok, { ...tiktokCredentials(p.config), seed: p.config.sandbox.seed, port: p.config.sandbox.port, speed: p.config.sandbox.speed, appPort: opts.port, orgId: opts.demoOrgId, log: p.log });
    stoppers.push(() => demo.stop());
  }
  // [/orders + tiktok]
  // [remedies + returns]
  // The demo's first TikTok return requests become RMAs shortly after the initial sync, not at the next 5-minute tick.
  if (opts.demo && p.jobs?.isStarted) await p.jobs.send(IMPORT_PLATFORM_RETURNS_JOB, {}, { startAfter: 20 });
  // [/remedies + returns]
  return {
    stop: async () => {
      for (const st of stoppers.reverse()) await st();
    },
  };
}

/**
 * Demo content per module, run once when the demo organisation is first created (`src/app/seed.ts`).
 * Each module adds its own seeding inside its block; every seed must be idempotent.
 */
export async function seedModuleDemo(p: Platform, s: Services, orgId: string): Promise<void> {
  void p;
  // [orders + tiktok]
  // [/orders + tiktok]
  // [helpdesk]
  await seedHelpdeskDemo({ helpdesk: s.helpdesk, tenancy: s.tenancy, auth: s.auth, clock: p.clock }, orgId);
  // [/helpdesk]
  // [evidence]
  await seedEvidenceDemo(s.evidence, orgId, p.clock.now());
  // [/evidence]
  // [remedies + returns]
  // [/remedies + returns]
}
