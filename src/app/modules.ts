import type { Http } from '../platform/http.js';
import type { Platform, Services } from './deps.js';
import { startWebhookThread } from './webhook-thread.js';
import { ordersRoutes } from '../modules/orders/index.js';
import { tiktokCredentials } from '../integrations/tiktok/index.js';
import { startDemoSandbox } from '../integrations/tiktok/demo.js';
import { startDemoChannels } from './demo-channels.js';
import { evidenceRoutes, registerEvidenceJobs, seedEvidenceDemo } from '../modules/evidence/index.js';
import { registerHelpdeskHandlers, seedHelpdeskDemo } from '../modules/helpdesk/index.js';
import { helpdeskRoutes } from '../modules/helpdesk/helpdesk.routes.js';
import { emailRoutes, localEmail, localEmailInbound, registerEmailChannel, sendInvitationMail } from '../integrations/email/index.js';
import { localWhatsApp, localWhatsAppInbound, whatsappRoutes } from '../integrations/whatsapp/index.js';
import { COMMENT_REPLY, videoCommentRoutes } from '../integrations/video-comments/index.js';
import { registerSlaJobs, slaRoutes } from '../modules/sla/index.js';
import { registerRemedyHandlers, remediesRoutes } from '../modules/remedies/index.js';
import { registerReturnsJobs, returnsRoutes, IMPORT_PLATFORM_RETURNS_JOB } from '../modules/returns/index.js';
import { privacyRoutes, registerPrivacyJobs } from '../modules/privacy/index.js';
import { lookupRoutes } from '../modules/lookup/index.js';
import { auditRoutes } from '../modules/audit/index.js';
import { integrationsRoutes, WEBHOOK_DELIVERY_STEP } from '../modules/integrations/index.js';
import { INVITATION_MAIL_STEP, PASSWORD_RESET_MAIL_STEP } from '../modules/auth/index.js';
import { decryptSecret } from '../platform/secrets.js';
import { agencyRoutes } from '../modules/agency/index.js';
import { NOTIFICATION_DIGEST_JOB, NOTIFICATION_DIGEST_STEP, NOTIFICATION_MAIL_STEP, notificationDigestHandler, notificationMailHandler, notificationsRoutes } from '../modules/notifications/index.js';
import { translationRoutes } from '../modules/translation/index.js';
import { startTranslationStandIn } from '../integrations/translation/index.js';
import { helpdeskWorkspaceRoutes } from '../modules/helpdesk/helpdesk.workspace.routes.js';
import { couponsRoutes, registerCouponJobs } from '../modules/coupons/index.js';
import { playbooksRoutes, registerPlaybooksJobs, SEND_NOTICE_HANDLER } from '../modules/playbooks/index.js';
import { registerPromoCodeSends } from './coupon-sends.js';
import { registerCouponHandlers, registerCouponSyncJob, registerNoticeHandlers, syncAllCatalogues } from '../integrations/tiktok/index.js';
import { shopIn } from '../modules/tenancy/index.js';
import { analyticsRoutes, registerAnalyticsJobs } from '../modules/analytics/index.js';
import { tiktokAdsRoutes } from '../integrations/tiktok-ads/index.js';
import { systemActor } from '../platform/tenancy.js';
import { portalPublicRoutes, portalRoutes, registerPortalHandlers } from '../modules/portal/index.js';
import { knowledgeRoutes } from '../modules/knowledge/index.js';
import { incidentsRoutes, registerIncidentJobs, INCIDENT_EMAIL_HANDLER, INCIDENT_TEST_MAIL_HANDLER, INCIDENT_WHATSAPP_HANDLER, INCIDENT_WHATSAPP_TEMPLATE } from '../modules/incidents/index.js';
import { registerIncidentHandlers } from '../integrations/tiktok/index.js';
import { buyerPlatformIds } from '../modules/orders/index.js';
import { PermanentError, type OutboxFinished } from '../platform/outbox/outbox.js';
import type { Executor } from '../platform/db.js';

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
  // issue 13 (workspace-b)
  lookupRoutes(app, s.lookup);
  emailRoutes(app, s.email);
  await whatsappRoutes(app, s.whatsapp);
  videoCommentRoutes(app, s.videoComments);
  auditRoutes(app, s.audit);
  integrationsRoutes(app, s.integrations);
  agencyRoutes(app, s.agency);
  notificationsRoutes(app, s.notifications);
  helpdeskWorkspaceRoutes(app, s.helpdesk);
  translationRoutes(app, s.translation);
  couponsRoutes(app, s.coupons);
  analyticsRoutes(app, s.analytics);
  tiktokAdsRoutes(app, s.tiktokAds);
  portalRoutes(app, s.portal);
  // issue 16 (playbooks)
  playbooksRoutes(app, s.playbooks);
  knowledgeRoutes(app, s.knowledge);
  incidentsRoutes(app, s.incidents);
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
  registerEmailChannel(p.outbox, localEmail, (orgId, shopId, mail) => s.email.send(orgId, shopId, mail));
  // Every shop mailbox is read each minute (one worker per mailbox: an advisory lock).
  if (p.jobs?.isStarted) {
    await p.jobs.define('email.poll', async () => {
      const r = await s.email.syncAll();
      if (r.ingested > 0 || r.failed > 0) p.log.info(r, 'mailboxes synced');
    }, { cron: '* * * * *', retryLimit: 0 });
    // Mailboxes whose server speaks IDLE are also watched: new mail is a ticket within seconds, and
    // the minute poll skips a watched mailbox (the watcher holds its lock) and covers when it drops.
    if (p.config.env !== 'test') {
      const watchers = s.email.watch();
      p.stopping.push(() => watchers.stop());
    }
  }
  s.whatsapp.registerOutboxHandlers(p.outbox, localWhatsApp);
  // TikTok video comments: polled every two minutes (one worker per account), replies and hiding as steps.
  s.videoComments.registerOutboxHandlers(p.outbox);
  if (p.jobs?.isStarted) {
    await p.jobs.define('video_comments.poll', async () => {
      const r = await s.videoComments.pollAll();
      if (r.tickets > 0 || r.failed > 0) p.log.info(r, 'video comments polled');
    }, { cron: '*/2 * * * *', retryLimit: 0 });
  }
  // The TikTok API base (and so the sandbox's photo links on it) passes the outbound rule by its exact
  // host and port: the integration allows it wherever the client is pointed.
  registerHelpdeskHandlers(p.outbox, s.helpdesk, s.evidence, (url, init) => p.outbound.fetch(url, init));
  await registerSlaJobs(p.jobs?.isStarted ? p.jobs : undefined, p.log, s.sla);
  await registerEvidenceJobs(p.jobs, s.evidence, p.log);
  registerRemedyHandlers(p.outbox, s.remedies);
  await registerReturnsJobs(p.jobs, s.returns, p.log);
  await registerPrivacyJobs(p.jobs, s.privacy, p.log);
  p.outbox.register(WEBHOOK_DELIVERY_STEP, (payload, ctx) => s.integrations.deliver(payload, ctx));
  p.outbox.register(INVITATION_MAIL_STEP, async (payload) => {
    const m = payload as { to: string; organisation: string; role: string; locale: string; linkEnc: string; expiresAt: string };
    await sendInvitationMail(s.mail, { to: m.to, organisation: m.organisation, role: m.role, locale: m.locale, link: decryptSecret(p.secretKey, m.linkEnc), expiresAt: new Date(m.expiresAt) });
  });
  p.outbox.register(PASSWORD_RESET_MAIL_STEP, async (payload) => {
    await s.account.sendResetMail(payload);
  });
  // Coupons: the COUPON_CARD send (TikTok), the coupon sync, the programmes and attribution.
  registerCouponHandlers(p.outbox, { db: p.db, log: p.log, client: s.tiktok.client, connections: s.tiktok.connections, shopCurrency: (orgId, shopId) => p.db.tenant(orgId, async (tx) => (await shopIn(tx, orgId, shopId)).currency) }, s.coupons);
  await registerCouponSyncJob(p.jobs?.isStarted ? p.jobs : undefined, s.tiktok.connections, s.couponPlatform, p.log);
  await registerCouponJobs(p.jobs, s.coupons, p.log);
  // Coupons: promo codes by e-mail and WhatsApp (programmes whose channel is not the TikTok chat).
  registerPromoCodeSends(p.outbox, { coupons: s.coupons, mailboxes: s.email, email: localEmail, whatsapp: s.whatsapp, whatsappFallback: localWhatsApp });
  await registerAnalyticsJobs(p.jobs, s.analytics, p.log);
  // The Marketing API's campaign report: the last 7 days of every active advertiser account, hourly.
  if (p.jobs?.isStarted) {
    await p.jobs.define('tiktok_ads.import', async () => {
      const r = await s.tiktokAds.importAll();
      if (r.days > 0 || r.failed > 0) p.log.info(r, 'TikTok campaign reports imported');
    }, { cron: '11 * * * *', retryLimit: 0 });
  }
  registerWorkspaceWorkers(p, s);
  // issue 16 (playbooks): the notice TEXT send (TikTok) and the job that plans due notices.
  registerNoticeHandlers(p.outbox, { db: p.db, client: s.tiktok.client, connections: s.tiktok.connections }, s.playbooks);
  p.outbox.onFinished(async (f) => {
    if (f.handler === SEND_NOTICE_HANDLER && f.status === 'failed' && f.subjectId) await s.playbooks.markFailed(f.orgId, f.subjectId, f.error);
  });
  await registerPlaybooksJobs(p.jobs, s.playbooks, p.log);
  // Incidents: the TikTok text to a buyer, the e-mail through the shop's mailbox, the test mail to staff.
  registerIncidentHandlers(p.outbox, { db: p.db, client: s.tiktok.client, connections: s.tiktok.connections });
  p.outbox.register(INCIDENT_EMAIL_HANDLER, async (payload, ctx) => {
    const m = payload as { shopId: string; buyerId: string; incidentId: string; text: string };
    const to = await p.db.tenant(ctx.orgId, async (tx) => (await buyerPlatformIds(tx, ctx.orgId, [m.buyerId])).get(m.buyerId)?.email ?? null);
    if (!to) throw new PermanentError('the buyer has no e-mail address', 'incidents.no_address');
    const r = await s.email.send(ctx.orgId, m.shopId, { key: ctx.idempotencyKey, attempt: ctx.attempt, to, subject: m.text.split('\n')[0]!.slice(0, 120), text: m.text, attachments: [] });
    if (!r) throw new PermanentError('the shop has no active mailbox', 'incidents.no_mailbox');
    return r;
  });
  // WhatsApp: the shop's number (else the fallback line); outside the 24-hour window the approved
  // template with the agreed text as its last variable. The buyer's number is read at send time.
  p.outbox.register(INCIDENT_WHATSAPP_HANDLER, async (payload, ctx) => {
    const m = payload as { shopId: string; buyerId: string; incidentId: string; language: string; text: string; templateParams: string[] };
    const send = await s.incidents.whatsappSendOf(ctx.orgId, m.incidentId, m.buyerId);
    if (!send) return { skipped: 'not_queued' };
    if (!send.to) throw new PermanentError('the buyer has no WhatsApp number', 'incidents.no_address');
    const r = await s.whatsapp.sendText(ctx.orgId, m.shopId, { from: send.from, to: send.to, text: m.text, key: ctx.idempotencyKey, template: { name: INCIDENT_WHATSAPP_TEMPLATE, language: m.language, params: m.templateParams } }, localWhatsApp);
    return { providerMessageId: r.messageId, provider: r.provider, template: r.template ?? false };
  });
  p.outbox.register(INCIDENT_TEST_MAIL_HANDLER, async (payload) => {
    const m = payload as { to: string; subject: string; text: string };
    return s.mail.send({ to: m.to, subject: m.subject, text: m.text });
  });
  // Live progress of an outreach: its steps (and its coupon cards) finishing reach the browsers.
  p.outbox.onFinished((f) => s.incidents.stepFinished(f.orgId, f));
  await registerIncidentJobs(p.jobs, s.incidents, p.log);
  if (p.jobs?.isStarted) {
    // The whole catalogue nightly; product webhooks refresh single products in between.
    await p.jobs.define(CATALOGUE_SYNC_JOB, async () => {
      const r = await syncAllCatalogues(s.tiktok.connections, s.tiktok.products, p.log);
      p.log.info(r, 'TikTok catalogues synced');
    }, { cron: '17 3 * * *' });
    await p.jobs.define(AUTO_CLOSE_JOB, async () => {
      const n = await s.helpdesk.runAutoClose();
      if (n) p.log.info({ closed: n }, 'tickets closed automatically after waiting on the buyer');
    }, { cron: '23 * * * *' });
    // Automations for tickets left quiet for a rule's hours.
    await p.jobs.define(IDLE_AUTOMATIONS_JOB, async () => {
      const n = await s.helpdesk.runIdleAutomations();
      if (n) p.log.info({ fired: n }, 'idle automations applied');
    }, { cron: '41 * * * *' });
    // Notices people chose to receive as one e-mail a day.
    await p.jobs.define(NOTIFICATION_DIGEST_JOB, async () => {
      const r = await s.notifications.runDigests();
      if (r.people) p.log.info(r, 'daily notification digests queued');
    }, { cron: '7 7 * * *' });
  }
}

export const IDLE_AUTOMATIONS_JOB = 'helpdesk.idle_automations';

export const AUTO_CLOSE_JOB = 'helpdesk.auto_close';
export const CATALOGUE_SYNC_JOB = 'knowledge.catalogue_sync';

/** The outbox steps that carry a reply to the buyer (one per channel, `replyHandlerFor`). */
const REPLY_STEPS = new Set(['tiktok.send_message', 'email.send', 'whatsapp.send', 'portal.deliver', COMMENT_REPLY]);

/**
 * Every outbox step's end: a reply's delivery status follows its step (whichever channel carried it),
 * and a step that failed for good is a notification for the supervisors.
 */
export function registerWorkspaceWorkers(p: Platform, s: Services): void {
  // Only reply steps say whether a message reached the buyer; a media fetch or attachment
  // download on a buyer's message (also about a ticket message) must not mark it "sent".
  const isReply = (f: OutboxFinished) => f.subjectType === 'ticket_message' && !!f.subjectId && REPLY_STEPS.has(f.handler);
  const failedNotice = (tx: Executor, f: OutboxFinished, ticket: { ticketId: string; shopId: string | null } | null) =>
    s.notifications.notify(tx, {
      orgId: f.orgId,
      to: { role: ['supervisor'] },
      kind: 'outbox_failed',
      subject: { type: f.subjectType ?? 'outbox', id: f.subjectId ?? f.id },
      shopId: ticket?.shopId ?? null,
      params: { handler: f.handler, stepId: f.id, ticketId: ticket?.ticketId ?? null },
      link: ticket ? `/inbox/${ticket.ticketId}` : f.subjectType === 'remedy' ? `/remedies?remedy=${f.subjectId}` : null,
    });
  // A reply's delivery status is written in the transaction that records its step's outcome; a
  // failed reply's notice too, under a savepoint, so a notice that cannot be written never costs the
  // status (it is logged).
  p.outbox.onFinishedWrite(async (tx, f) => {
    if (!isReply(f)) return;
    const ticket = await s.helpdesk.markDeliveryIn(tx, f.orgId, f.subjectId!, f.status === 'done' ? 'sent' : 'failed', f.error);
    if (f.status === 'failed') await tx.transaction((sp) => failedNotice(sp, f, ticket)).catch((err: unknown) => p.log.warn({ err, outboxId: f.id }, 'failed-step notice not written'));
  });
  p.outbox.onFinished(async (f) => {
    if (isReply(f)) return;
    // An action asked for from a ticket (refund, decision, coupon, reship): its thread line follows the step.
    if (f.subjectType === 'remedy' || f.subjectType === 'platform_return' || f.subjectType === 'coupon' || f.subjectType === 'return') await s.helpdesk.actionStepFinished(f.orgId, f.id, f.status, f.error);
    if (f.status !== 'failed') return;
    await p.db.tenant(f.orgId, (tx) => failedNotice(tx, f, null));
  });
  registerPortalHandlers(p.outbox, s.portal);
  // Notifications by e-mail, through the installation's SMTP (only enqueued when it is configured).
  p.outbox.register(NOTIFICATION_MAIL_STEP, notificationMailHandler({ db: p.db, publicUrl: p.config.publicUrl, send: (m) => s.mail.send(m) }));
  p.outbox.register(NOTIFICATION_DIGEST_STEP, notificationDigestHandler({ db: p.db, publicUrl: p.config.publicUrl, send: (m) => s.mail.send(m) }));
}


/**
 * Things that run beside the server in `afterdesk start` (the TikTok sandbox and its demo clock).
 * Returns a stopper.
 */
export async function startHooks(p: Platform, s: Services, opts: { demo: boolean; port: number; demoOrgId?: string }): Promise<{ stop(): Promise<void> }> {
  const stoppers: (() => Promise<void>)[] = [];
  stoppers.push(() => s.tiktok.stopProcessing());
  if (p.config.tiktok.mode === 'sandbox' && opts.demo) {
    const demo = await startDemoSandbox(s.tiktok, { ...tiktokCredentials(p.config), seed: p.config.sandbox.seed, port: p.config.sandbox.port, speed: p.config.sandbox.speed, appPort: opts.port, publicUrl: p.config.publicUrlSet ? p.config.publicUrl : `http://localhost:${opts.port}`, orgId: opts.demoOrgId, log: p.log, importAdsReport: opts.demoOrgId ? (shopId, csv) => s.analytics.importAdsReport(systemActor(opts.demoOrgId!), { shopId, csv }) : undefined });
    stoppers.push(() => demo.stop());
  }
  // The demo translates through a local DeepL-protocol stand-in (labelled pseudo-translations), unless
  // the owner has set up a real service.
  if (opts.demo && opts.demoOrgId) {
    const standIn = await startTranslationStandIn({});
    p.outbound.allow(new URL(standIn.url).host);
    stoppers.push(() => standIn.stop());
    const owner = { orgId: opts.demoOrgId, userId: 'system', role: 'owner' as const };
    const cur = await s.translation.settings(owner);
    if (!cur.hasKey || cur.baseUrl?.startsWith('http://127.0.0.1')) await s.translation.setSettings(owner, { baseUrl: standIn.url, apiKey: 'demo-stand-in' });
  }
  // The demo's e-mail, WhatsApp and video-comment tickets arrive through their real paths (stand-ins, SMTP).
  if (opts.demo && opts.demoOrgId) {
    try {
      stoppers.push(await startDemoChannels(p, s, { orgId: opts.demoOrgId, port: opts.port }));
    } catch (e) {
      p.log.warn({ err: e }, 'demo channels did not start');
    }
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
  await s.playbooks.seedDefaultProcedures(orgId);
}
