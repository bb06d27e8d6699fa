import type { Http } from '../platform/http.js';
import type { Platform, Services } from './deps.js';
import { startWebhookThread } from './webhook-thread.js';
import { ordersRoutes } from '../modules/orders/index.js';
import { tiktokCredentials } from '../integrations/tiktok/index.js';
import { startDemoSandbox } from '../integrations/tiktok/demo.js';
import { evidenceRoutes, registerEvidenceJobs, seedEvidenceDemo } from '../modules/evidence/index.js';
import { registerHelpdeskHandlers, seedHelpdeskDemo } from '../modules/helpdesk/index.js';
import { helpdeskRoutes } from '../modules/helpdesk/helpdesk.routes.js';
import { localEmail, localEmailInbound, registerEmailChannel } from '../integrations/email/index.js';
import { localWhatsApp, localWhatsAppInbound, registerWhatsAppChannel } from '../integrations/whatsapp/index.js';
import { registerSlaJobs, slaRoutes } from '../modules/sla/index.js';
import { registerRemedyHandlers, remediesRoutes } from '../modules/remedies/index.js';
import { registerReturnsJobs, returnsRoutes, IMPORT_PLATFORM_RETURNS_JOB } from '../modules/returns/index.js';
import { privacyRoutes, registerPrivacyJobs } from '../modules/privacy/index.js';
import { portalPublicRoutes, portalRoutes, registerPortalHandlers } from '../modules/portal/index.js';

/*
 * What each module adds around its services (which compose.ts builds): HTTP routes, jobs and
 * outbox handlers, start hooks and demo content. These only read the services; none changes one.
 */

export async function registerModuleRoutes(app: Http, p: Platform, s: Services): Promise<void> {
  ordersRoutes(app, s.orders);
  await s.tiktok.routes(app);
  helpdeskRoutes(app, s.helpdesk, { files: s.evidence, inbound: { email: localEmailInbound(s.helpdesk, localEmail, p.clock), whatsapp: localWhatsAppInbound(s.helpdesk, localWhatsApp, p.clock) } });
  slaRoutes(app, s.sla);
  evidenceRoutes(app, s.evidence);
  remediesRoutes(app, s.remedies);
  returnsRoutes(app, s.returns);
  privacyRoutes(app, s.privacy);
  portalRoutes(app, s.portal);
  portalPublicRoutes(app, s.portal, {
    cookieSecure: (req) => p.config.cookieSecure || (p.config.cookieSecureExplicit !== false && req.protocol === 'https'),
    publicOrigin: p.config.publicUrlSet ? new URL(p.config.publicUrl).origin : undefined,
    now: () => p.clock.now().getTime(),
  });
}

/** Jobs (pg-boss) and outbox handlers. Called by the worker and by tests that drive handlers. */
export async function registerModuleWorkers(p: Platform, s: Services): Promise<void> {
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
  registerEmailChannel(p.outbox, localEmail, s.helpdesk);
  registerWhatsAppChannel(p.outbox, localWhatsApp, s.helpdesk);
  // The TikTok API base (and so the sandbox's photo links on it) passes the outbound rule by its exact
  // host and port: the integration allows it wherever the client is pointed.
  registerHelpdeskHandlers(p.outbox, s.helpdesk, s.evidence, (url, init) => p.outbound.fetch(url, init));
  await registerSlaJobs(p.jobs?.isStarted ? p.jobs : undefined, p.log, s.sla);
  await registerEvidenceJobs(p.jobs, s.evidence, p.log);
  registerRemedyHandlers(p.outbox, s.remedies);
  await registerReturnsJobs(p.jobs, s.returns, p.log);
  await registerPrivacyJobs(p.jobs, s.privacy, p.log);
  registerPortalHandlers(p.outbox, s.helpdesk);
}


/**
 * Things that run beside the server in `afterdesk start` (the TikTok sandbox and its demo clock).
 * Returns a stopper.
 */
export async function startHooks(p: Platform, s: Services, opts: { demo: boolean; port: number; demoOrgId?: string }): Promise<{ stop(): Promise<void> }> {
  const stoppers: (() => Promise<void>)[] = [];
  stoppers.push(() => s.tiktok.stopProcessing());
  if (p.config.tiktok.mode === 'sandbox' && opts.demo) {
    const demo = await startDemoSandbox(s.tiktok, { ...tiktokCredentials(p.config), seed: p.config.sandbox.seed, port: p.config.sandbox.port, speed: p.config.sandbox.speed, appPort: opts.port, orgId: opts.demoOrgId, log: p.log });
    stoppers.push(() => demo.stop());
  }
  // The demo's first TikTok return requests become RMAs shortly after the initial sync, not at the next 5-minute tick.
  if (opts.demo && p.jobs?.isStarted) await p.jobs.send(IMPORT_PLATFORM_RETURNS_JOB, {}, { startAfter: 20 });
  return {
    stop: async () => {
      for (const st of stoppers.reverse()) await st();
    },
  };
}

/**
 * Demo content per module, run once when the demo organisation is first created (`src/app/seed.ts`).
 * Every seed must be idempotent.
 */
export async function seedModuleDemo(p: Platform, s: Services, orgId: string): Promise<void> {
  await seedHelpdeskDemo({ helpdesk: s.helpdesk, tenancy: s.tenancy, auth: s.auth, clock: p.clock }, orgId);
  await seedEvidenceDemo(s.evidence, orgId, p.clock.now());
}
