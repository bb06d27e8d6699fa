import type { Platform } from './deps.js';
import { accountPrivacy, createAccountService, createAuthService, userEmailIn, type MailSender } from '../modules/auth/index.js';
import { auditPrivacy, createAuditService } from '../modules/audit/index.js';
import { createIntegrationsService, integrationsPrivacy } from '../modules/integrations/index.js';
import { createTenancyService } from '../modules/tenancy/index.js';
import { createAgencyService } from '../modules/agency/index.js';
import { createOrdersService, ordersPrivacy } from '../modules/orders/index.js';
import { createLookupService } from '../modules/lookup/index.js';
import { createEvidenceService, recordEvidence, recordEvidenceMany, type RecordEvidence } from '../modules/evidence/index.js';
import { createSlaService, slaPrivacy, type SlaEscalation } from '../modules/sla/index.js';
import { createHelpdeskService, helpdeskOrdersPort, helpdeskPrivacy, trackingUrl } from '../modules/helpdesk/index.js';
import { createRemediesService, remediesOrdersPort, remediesPrivacy, ticketsPortFrom, type OrdersPort as RemediesOrdersPort } from '../modules/remedies/index.js';
import { createReturnsService, returnsPrivacy } from '../modules/returns/index.js';
import { createPrivacyService, evidencePrivacy, foundationPrivacy, type PrivacyRegistration } from '../modules/privacy/index.js';
import { couponPlatformPort, createTikTokIntegration, tiktokPrivacy } from '../integrations/tiktok/index.js';
import { createNotificationsService, notificationsPrivacy } from '../modules/notifications/index.js';
import { createTranslationService, translationPrivacy } from '../modules/translation/index.js';
import { createOutreachService, outreachPrivacy } from '../modules/outreach/index.js';
import { createCouponsService, couponsPrivacy, redeemedLedgerIds, type CouponPlatformPort } from '../modules/coupons/index.js';
import { createPlaybooksService, playbooksPrivacy } from '../modules/playbooks/index.js';
import { shopIn } from '../modules/tenancy/index.js';
import { systemActor } from '../platform/tenancy.js';
import { createCheckpointCopies, createFileStore } from '../integrations/storage/index.js';
import { channelsPrivacy, createInstallationMail, createMailboxes, passwordResetSender } from '../integrations/email/index.js';
import { createWhatsAppNumbers } from '../integrations/whatsapp/index.js';
import { BUSINESS_OAUTH_CALLBACK, createVideoComments, videoCommentsPrivacy } from '../integrations/video-comments/index.js';
import { createTikTokAds, tiktokAdsPrivacy } from '../integrations/tiktok-ads/index.js';
import { analyticsPrivacy, createAnalyticsService, parseCsatReply, type CsatPorts, type OwnerNotice } from '../modules/analytics/index.js';
import { createIncidentsService, incidentsPrivacy } from '../modules/incidents/index.js';
import { createPortalService, portalPrivacy } from '../modules/portal/index.js';
import { createKnowledgeService, knowledgePrivacy } from '../modules/knowledge/index.js';

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
    /** Where password-reset mail goes (tests pass a fake; unset until the installation has SMTP). */
    mail?: MailSender;
    /** Failed webhook attempts in a row before an endpoint is turned off (tests lower it). */
    webhookAutoDisableAfter?: number;
    /** The platform side of coupons (chat reach, price detail, coupon sync). */
    couponPlatform?: CouponPlatformPort;
    /** Where shop-health warnings to owners go (tests watch them). */
    notifyOwners?: (orgId: string, notice: OwnerNotice) => Promise<void>;
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
  const audit = createAuditService(p);
  // The installation's own mail to staff (invitations, password resets, notifications).
  const mail = createInstallationMail(p.config.mail);
  const account = createAccountService({ ...base, secretKey: p.secretKey, publicUrl: p.config.publicUrl, mail: opts.overrides?.mail ?? passwordResetSender(mail) });
  // Outgoing webhooks: every delivery through the outbound rule (internal addresses refused unless OUTBOUND_ALLOW names them).
  const integrations = createIntegrationsService({
    ...base,
    secretKey: p.secretKey,
    fetch: (url, init) => p.outbound.fetch(url, init),
    assertUrl: (url) => p.outbound.assertUrl(url),
    autoDisableAfter: opts.overrides?.webhookAutoDisableAfter,
  });
  const orders = createOrdersService(p);

  // One evidence writer for every module, in the caller's transaction.
  const writeEvidence: RecordEvidence = (tx, input) => recordEvidence(tx, { ids: p.ids, clock: p.clock }, input);
  const evidence = createEvidenceService({ ...base, secretKey: p.secretKey, files: createFileStore(p.config), checkpointCopies: createCheckpointCopies(p.config) });

  // SLA escalation → helpdesk: a breached clock makes the ticket urgent and hands it to a supervisor.
  // …and, after the helpdesk took it, to the organisation's webhooks (`sla.breached`).
  const slaEscalation = createTopic<SlaEscalation>(
    opts.overrides?.escalateToHelpdesk === false
      ? undefined
      : async (e) => {
          await helpdesk.escalate(e);
          await integrations.emitNow({ orgId: e.orgId, type: 'sla.breached', key: `sla.breached:${e.clockId}`, data: { ticketId: e.ticketId, shopId: e.shopId, metric: e.metric, policyId: e.policyId, targetMinutes: e.targetMinutes, dueAt: e.dueAt.toISOString(), breachedAt: e.breachedAt.toISOString() } });
        },
  );
  // The notification centre: every module writes its notices in its own transaction through `notify`.
  const notifications = createNotificationsService(p, { emailAvailable: mail.configured });
  const notify = notifications.notify;

  // SLA warning → helpdesk: the assignee and the supervisors are told, in the timer's transaction.
  const sla = createSlaService({ ...base, jobs: p.jobs, escalations: slaEscalation, onWarning: (tx, w) => helpdesk.slaWarned(tx, w) });

  const helpdesk = createHelpdeskService(p, {
    sla,
    recordEvidence: writeEvidence,
    // A reply's or a new ticket's records go in as one batch at the end of its transaction.
    recordEvidenceMany: (tx, inputs) => recordEvidenceMany(tx, { ids: p.ids, clock: p.clock }, inputs),
    orders: helpdeskOrdersPort(orders, trackingUrl),
    notify,
    // Product knowledge → macro variables, reached back through a callback (knowledge is built below).
    knowledgeVariables: (tx, orgId, t) => knowledge.variablesIn(tx, orgId, t),
    // A buyer's 1–5 answer to the CSAT question is stored when it arrives, on every channel (issue 15).
    // Only a message that reads as a rating costs a query.
    afterBuyerMessage: async (m) => void (parseCsatReply(m.text) !== null && (await analytics.csatOnMessage(m.orgId, m.ticketId, m.messageId))),
  });

  // Conversation sink → helpdesk: buyer chats and return requests become tickets.
  // Shop-health warnings go to the owners through the workspace notification centre; until that
  // module is on main the port writes a warning to the log (the only sink there is).
  // Shop-health warnings reach the owners through the notification centre.
  const notifyOwners =
    opts.overrides?.notifyOwners ??
    ((orgId: string, n: OwnerNotice) =>
      p.db.tenant(orgId, (tx) =>
        notify(tx, { orgId, to: { role: ['owner'] }, kind: 'shop_health', subject: { type: 'shop', id: n.shopId }, shopId: n.shopId, params: { metric: n.metric, severity: n.severity, value: n.value, limit: n.limit }, link: '/analytics' }),
      ).then(() => undefined));
  // CSAT on resolution: asked through the contact policy, sent by the helpdesk on the ticket's channel.
  const outreach = createOutreachService(base);
  const csat: CsatPorts = {
    decide: (tx, r) => outreach.decideIn(tx, { ...r, purpose: 'service' }),
    record: (tx, r) => outreach.recordIn(tx, { ...r, purpose: 'service', source: 'csat' }),
    send: (tx, orgId, ticketId, text, key) => helpdesk.sendAutomatedIn(tx, orgId, ticketId, text, key),
    solveAgain: async (orgId, ticketId) => void (await helpdesk.markSolved(systemActor(orgId), ticketId, 'CSAT answer received')),
  };
  // Comment complaints count against their video's source (issue 19); videoComments is built below, called later.
  const analytics = createAnalyticsService({ db: p.db, ids: p.ids, clock: p.clock, notifyOwners, csat, commentComplaints: (orgId, from, to) => videoComments.commentComplaintsByVideo(orgId, from, to) });

  // Catalogue and product knowledge (issue 16): suggestions fill through the helpdesk's one resolver,
  // listing gaps become analytics feedback tasks, "sync now" reaches the TikTok integration below.
  const knowledge = createKnowledgeService(base, {
    syncCatalogue: (orgId, shopId) => tiktok.products.syncShop(orgId, shopId),
    fillForTicket: (actor, ticketId, text) => helpdesk.resolveText(actor, ticketId, text),
    createTaskIn: (tx, actor, input) => analytics.createTaskIn(tx, actor, input),
  });

  const tiktok = createTikTokIntegration({ ...p, orders, sink: helpdesk, attribution: analytics, finance: analytics, catalogue: knowledge });

  // Coupons: the contact policy every message we start passes, and platform coupons read through the
  // TikTok integration (a narrow port; the integration's handlers call back into coupons).
  const couponPlatform = opts.overrides?.couponPlatform ?? couponPlatformPort(
    { db: p.db, log: p.log, client: tiktok.client, connections: tiktok.connections, shopCurrency: (orgId, shopId) => p.db.tenant(orgId, async (tx) => (await shopIn(tx, orgId, shopId)).currency) },
    () => coupons,
  );
  const coupons = createCouponsService(base, { recordEvidence: writeEvidence, recordEvidenceMany: (tx, inputs) => recordEvidenceMany(tx, { ids: p.ids, clock: p.clock }, inputs), outreach, platform: couponPlatform, actionLines: helpdesk.actionLines });
  // issue 16 (playbooks): procedures per problem category, and proactive notices through the same
  // contact policy and chat reach as coupons.
  const playbooks = createPlaybooksService(base, { outreach, recordEvidence: writeEvidence, reach: (orgId, shopId) => couponPlatform.reach(orgId, shopId) });

  const remediesOrders = opts.overrides?.remediesOrders ?? remediesOrdersPort(orders);
  const tickets = ticketsPortFrom(helpdesk);
  const remedies = createRemediesService(p, {
    orders: remediesOrders,
    coupons,
    tickets,
    recordEvidence: writeEvidence,
    notify,
    actionLines: helpdesk.actionLines,
    // Built on remedies, returns are reached back through these two callbacks.
    returns: { getReturn: (actor, id) => returns.get(actor, id) },
    // Remedy completed → returns: the return learns its refund went out, in the same transaction.
    // …and to the organisation's webhooks (`remedy.completed`), queued in that transaction too.
    onCompleted: async (tx, remedy) => {
      await returns.remedyCompleted(tx, remedy);
      await integrations.emit(tx, {
        orgId: remedy.orgId,
        type: 'remedy.completed',
        key: `remedy.completed:${remedy.id}`,
        data: { remedyId: remedy.id, shopId: remedy.shopId, orderId: remedy.orderId, ticketId: remedy.ticketId, returnId: remedy.returnId, kind: remedy.kind, optionKey: remedy.optionKey, currency: remedy.currency, refundAmount: remedy.refundAmount, givenValue: remedy.givenValue },
      });
    },
  });
  const returns = createReturnsService(
    { db: p.db, ids: p.ids, clock: p.clock, remedies },
    { orders: remediesOrders, tickets, recordEvidence: writeEvidence, platformRejectReasons: (actor, platformReturnId) => tiktok.rejectReasons(actor.orgId, platformReturnId), actionLines: helpdesk.actionLines },
  );

  // Buyer side (issue 17): cards, QR tokens and the self-service page, on the services above.
  const portal = createPortalService(
    { db: p.db, ids: p.ids, clock: p.clock, publicUrl: p.config.publicUrl },
    { orders, returns, helpdesk, files: evidence, recordEvidence: writeEvidence, outreach, csat: { asked: (orgId, t) => analytics.csatAsked(orgId, t), reply: (orgId, ticketId, text) => analytics.csatReply(orgId, ticketId, text) } },
  );

  // Translation for the reader, through the outbound rule (the seller's key, their chosen base URL).
  const translation = createTranslationService({ db: p.db, clock: p.clock, secretKey: p.secretKey, fetch: (url, init) => p.outbound.fetch(url, init) });

  // Shops' own mailboxes: mail in through IMAP becomes tickets, replies go out through SMTP.
  const email = createMailboxes({
    ...base,
    secretKey: p.secretKey,
    outbound: p.outbound,
    helpdesk,
    files: evidence,
    // A mailbox that stops working is a channel failure the owners and supervisors hear of (issue 13).
    onFailing: (orgId, shopId, step) =>
      p.db.tenant(orgId, (tx) => notify(tx, { orgId, to: { role: ['owner', 'supervisor'] }, kind: 'channel_failure', subject: { type: 'shop', id: shopId }, shopId, params: { channel: 'email', step }, link: '/settings/channels' })).then(() => undefined),
  });
  // WhatsApp numbers and TikTok business accounts that stop working are channel failures too (issue 19).
  const channelFailing = (channel: string) => (orgId: string, shopId: string, step: string) =>
    p.db.tenant(orgId, (tx) => notify(tx, { orgId, to: { role: ['owner', 'supervisor'] }, kind: 'channel_failure', subject: { type: 'shop', id: shopId }, shopId, params: { channel, step }, link: '/settings/channels' })).then(() => undefined);
  // Shops' WhatsApp Business numbers on the Cloud API (webhooks in, replies and media out); refused credentials are a channel failure.
  const whatsapp = createWhatsAppNumbers({ ...base, secretKey: p.secretKey, outbound: p.outbound, helpdesk, files: evidence, graph: { base: p.config.whatsapp.graphBase, version: p.config.whatsapp.apiVersion }, publicUrl: p.config.publicUrl, onFailing: channelFailing('whatsapp') });
  // Shops' TikTok business accounts: comments under their videos polled into tickets, replies out (issue 19).
  const tb = p.config.tiktokBusiness;
  const videoComments = createVideoComments({
    ...base,
    secretKey: p.secretKey,
    outbound: p.outbound,
    helpdesk,
    apiBase: tb.apiBase,
    oauth: tb.appId && tb.appSecret ? { appId: tb.appId, appSecret: tb.appSecret, authUrl: tb.authUrl, redirectUri: `${p.config.publicUrl.replace(/\/$/, '')}${BUSINESS_OAUTH_CALLBACK}` } : undefined,
    onFailing: channelFailing('tiktok_comments'),
  });
  // Shops' TikTok advertiser accounts: the Marketing API's campaign report into analytics (issue 15).
  const tiktokAds = createTikTokAds({ ...base, secretKey: p.secretKey, outbound: p.outbound, analytics, apiBase: tb.apiBase });

  // Order matters: each scope may follow links found by the ones before it (orders → tickets → returns).
  const registrations: PrivacyRegistration[] = [ordersPrivacy, helpdeskPrivacy, returnsPrivacy, remediesPrivacy, slaPrivacy, tiktokPrivacy, channelsPrivacy, foundationPrivacy, evidencePrivacy(evidence), auditPrivacy, accountPrivacy, integrationsPrivacy, notificationsPrivacy, translationPrivacy, couponsPrivacy, outreachPrivacy, analyticsPrivacy, portalPrivacy, videoCommentsPrivacy, tiktokAdsPrivacy, playbooksPrivacy, knowledgePrivacy, incidentsPrivacy];
  const privacy = createPrivacyService({ ...base, secretKey: p.secretKey, registrations, purgeFiles: (orgId, shas) => evidence.purgeFiles(orgId, shas) });

  // Incidents (issue 18): one outreach to every affected buyer, through the contact policy, the
  // coupons module's one issue path, the notification centre, analytics annotations and tasks.
  const incidents = createIncidentsService(base, {
    recordEvidence: writeEvidence,
    recordEvidenceMany: (tx, inputs) => recordEvidenceMany(tx, { ids: p.ids, clock: p.clock }, inputs),
    notify,
    outreach,
    coupons: {
      issueIn: (tx, actor, input) => coupons.issueIn(tx, actor, input),
      listPlatformCoupons: (actor, shopId) => coupons.listPlatformCoupons(actor, shopId),
      issue: (actor, input) => coupons.issue(actor, input),
      redeemedOf: redeemedLedgerIds,
    },
    analytics: { annotateIn: (tx, actor, a) => analytics.annotateIn(tx, actor, a), createTaskIn: (tx, actor, t) => analytics.createTaskIn(tx, actor, t), excludeIn: (tx, actor, b) => analytics.excludeIn(tx, actor, b) },
    remedies: { startIncidentRemedyIn: (tx, actor, input) => remedies.startIncidentRemedyIn(tx, actor, input) },
    reply: (actor, ticketId, input) => helpdesk.reply(actor, ticketId, input),
    chatReach: (orgId, shopId) => couponPlatform.reach(orgId, shopId),
    emailOf: async (tx, orgId, userId) => (await userEmailIn(tx, orgId, userId)) ?? null,
  });

  // Agency overview: counts per organisation of a login, each in its own tenant transaction.
  const agency = createAgencyService({ db: p.db, auth });

  return {
    tenancy,
    auth,
    agency,
    orders,
    tiktok,
    helpdesk,
    sla,
    evidence,
    remedies,
    returns,
    privacy,
    // issue 13 (workspace-b): the one lookup across orders, tickets, buyers and returns
    lookup: createLookupService({ db: p.db, evidence }),
    email,
    whatsapp,
    videoComments,
    tiktokAds,
    mail,
    audit,
    account,
    integrations,
    notifications,
    translation,
    outreach,
    coupons,
    couponPlatform,
    analytics,
    portal,
    playbooks,
    knowledge,
    incidents,
    /** Events declared above, for observers (tests). */
    events: { slaEscalation },
  };
}

export type Services = ReturnType<typeof compose>;
