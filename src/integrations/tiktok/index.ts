import { z } from 'zod';
import type { Clock } from '../../platform/clock.js';
import type { Database } from '../../platform/db.js';
import { AppError } from '../../platform/errors.js';
import { actorOf, EmptyBody, ErrorBody, errors, IdParams, type Http } from '../../platform/http.js';
import type { IdGenerator } from '../../platform/ids.js';
import type { Jobs } from '../../platform/jobs.js';
import type { Logger } from '../../platform/logger.js';
import type { OutboxRegistry } from '../../platform/outbox/outbox.js';
import type { OutboundPolicy } from '../../platform/outbound.js';
import { requireRole } from '../../platform/tenancy.js';
import type { OrdersService } from '../../modules/orders/index.js';
import { TikTokClient, TIKTOK_API_BASE, TIKTOK_AUTH_BASE } from './client.js';
import { createConnections } from './connections.js';
import { AuthorizeBody, AuthorizeView, CallbackQuery, CallbackView, ConnectionView, SyncReportView } from './tiktok.dto.js';
import { createEngine, type ConversationSink } from './engine.js';
import { SANDBOX_APP_KEY, SANDBOX_APP_SECRET } from './sandbox/server.js';
import { createSync } from './sync.js';
import { createWebhookIngest, listUnboundShops, WebhookProcessor, webhookRoutes } from './webhooks.js';
import { registerWritebackHandlers } from './writeback.js';
import { createAttributionSync, type AttributionSink } from './attribution.js';
import { createFinanceSync, type FinanceSink } from './finance.js';
import { createProductSync, type CatalogueSink } from './products.js';

export { TikTokClient, TikTokApiError, CODES } from './client.js';
export { signRequest, stringToSign, verifyWebhookSignature, webhookSignature } from './signing.js';
export { TikTokSandbox, SANDBOX_APP_KEY, SANDBOX_APP_SECRET } from './sandbox/server.js';
export { SandboxSimulation } from './sandbox/sim.js';
export { TIKTOK_HANDLERS } from './writeback.js';
export type { ConversationSink } from './engine.js';

/** Where a seller's browser lands after authorising on TikTok (the web UI's connections page). */
export const CONNECTIONS_PAGE = '/settings/tiktok';
const SYNC_SHOP_JOB = 'tiktok.sync_shop';

/** The slice of app config this integration reads (kept structural: integrations never import app/). */
export interface TikTokConfig {
  tiktok: { mode: 'sandbox' | 'live'; appKey?: string | undefined; appSecret?: string | undefined; serviceId?: string | undefined; apiBase?: string | undefined; authBase?: string | undefined };
  /** How long a claimed webhook batch stays with its worker (WEBHOOK_LEASE_MS); 30 s when absent. */
  leases?: { webhookMs: number };
  /** Our public address: a shop connected from the UI subscribes its webhooks to `<publicUrl>/webhooks/tiktok`. */
  publicUrl?: string;
}
type Config = TikTokConfig;

export interface TikTokIntegrationDeps {
  config: Config;
  db: Database;
  ids: IdGenerator;
  clock: Clock;
  log: Logger;
  secretKey: Buffer;
  /** Every call to the platform goes through the server's outbound rule. */
  outbound: OutboundPolicy;
  orders: OrdersService;
  /** Where buyer conversations land (the helpdesk's ingestInbound, contract 2). */
  sink: ConversationSink;
  /** Where traffic-source claims go (the analytics module). */
  attribution: AttributionSink;
  /** Where finance statements and refund lines go (the analytics module); optional in isolated tests. */
  finance?: FinanceSink;
  /** Where synced products go (the knowledge module's catalogue). */
  catalogue?: CatalogueSink;
}

function allowApiBases(policy: OutboundPolicy, bases: { apiBase: string; authBase: string }): void {
  for (const b of [bases.apiBase, bases.authBase]) {
    const u = new URL(b);
    const entry = `${u.hostname}:${u.port || (u.protocol === 'https:' ? 443 : 80)}`;
    if (!policy.isAllowed(u.hostname, Number(u.port || (u.protocol === 'https:' ? 443 : 80)))) policy.allow(entry);
  }
}

/** App key/secret: configured ones, or the sandbox's well-known pair in sandbox mode. */
export function tiktokCredentials(config: Config): { appKey: string; appSecret: string } {
  if (config.tiktok.mode === 'live') return { appKey: config.tiktok.appKey!, appSecret: config.tiktok.appSecret! };
  return { appKey: config.tiktok.appKey ?? SANDBOX_APP_KEY, appSecret: config.tiktok.appSecret ?? SANDBOX_APP_SECRET };
}

/**
 * The TikTok Shop integration, built from plain factories: client, connections (OAuth + tokens),
 * the fetch/map/apply engine, incremental sync, webhook ingest + processor, outbox write-backs.
 */
export { productFromTikTok, syncAllCatalogues, type CatalogueSink } from './products.js';

export function createTikTokIntegration(d: TikTokIntegrationDeps) {
  const creds = tiktokCredentials(d.config);
  const client = new TikTokClient({
    ...creds,
    apiBase: d.config.tiktok.apiBase ?? TIKTOK_API_BASE,
    authBase: d.config.tiktok.authBase ?? TIKTOK_AUTH_BASE,
    log: d.log,
    dispatcher: d.outbound.dispatcher,
  });
  // The API base is the operator's configuration (or the local sandbox), so its exact host and port
  // pass the outbound rule wherever the client is pointed; redirects and other hosts are still checked.
  allowApiBases(d.outbound, client.bases);
  client.onRetarget((b) => allowApiBases(d.outbound, b));
  const connections = createConnections({ db: d.db, ids: d.ids, clock: d.clock, log: d.log, secretKey: d.secretKey, client, serviceId: d.config.tiktok.serviceId });
  const engine = createEngine({ db: d.db, log: d.log, client, connections, orders: d.orders, sink: d.sink });
  const sync = createSync({ db: d.db, ids: d.ids, clock: d.clock, log: d.log, client, connections, engine });
  const attribution = createAttributionSync({ client, connections, sink: d.attribution, clock: d.clock, log: d.log });
  const finance = d.finance ? createFinanceSync({ client, connections, sink: d.finance, clock: d.clock, log: d.log }) : undefined;
  const products = createProductSync({ client, connections, catalogue: d.catalogue, log: d.log });
  const processor = new WebhookProcessor({ db: d.db, clock: d.clock, log: d.log, engine, connections, leaseMs: d.config.leases?.webhookMs, refreshProducts: (orgId, shopId, ids) => products.syncShop(orgId, shopId, ids) });
  // Processing may run in another thread (see app/webhook-thread.ts); stored events wake it too.
  let remote: { wake(): void; stop(): Promise<void> } | undefined;
  const ingest = createWebhookIngest({
    db: d.db,
    ids: d.ids,
    clock: d.clock,
    log: d.log,
    ...creds,
    connections,
    onStored: () => {
      processor.wake();
      remote?.wake();
    },
  });

  let jobQueue: Jobs | undefined;
  /** Run one shop's sync in the background: a pg-boss job when this process has a worker, else here. */
  function queueSync(orgId: string, shopId: string): void {
    const run = jobQueue ? jobQueue.send(SYNC_SHOP_JOB, { orgId, shopId }).then(() => undefined) : sync.syncShop(orgId, shopId).then(() => undefined);
    run.catch((e: unknown) => d.log.warn({ err: e, shopId }, 'TikTok sync after authorisation failed; reconciliation will retry'));
  }

  return {
    client,
    connections,
    engine,
    sync,
    queueSync,
    /** The shop's catalogue (products and SKUs) from the Product API. */
    products,
    attribution,
    finance,
    ingest,
    processor,
    /** The reasons TikTok accepts for rejecting one of its after-sales requests right now (Get Reject Reasons). */
    async rejectReasons(orgId: string, platformReturnId: string): Promise<{ name: string; text: string | null }[]> {
      const rt = await d.db.tenant(orgId, (tx) => d.orders.platformReturnRow(tx, orgId, platformReturnId));
      const r = await connections.withShop(orgId, rt.shopId, (auth) => client.getRejectReasons(auth, rt.externalId));
      return r.reasons.map((x) => ({ name: x.name, text: x.text ?? null }));
    },
    /** TikTok shops sending webhooks that no organisation has authorised (installation operator only). */
    unboundShops: () => listUnboundShops(d.db),
    /** Webhook processing runs elsewhere (a thread of this process): wake it on every store. */
    useRemoteProcessor(r: { wake(): void; stop(): Promise<void> }): void {
      remote = r;
    },
    /** Stop webhook processing wherever it runs. */
    async stopProcessing(): Promise<void> {
      await processor.stop();
      const r = remote;
      remote = undefined;
      await r?.stop();
    },
    registerOutboxHandlers(registry: OutboxRegistry): void {
      registerWritebackHandlers(registry, { db: d.db, log: d.log, client, connections, orders: d.orders, engine });
    },
    /** Reconciliation every 5 minutes and a daily purge of old processed webhook events. */
    async registerJobs(jobs: Jobs | undefined): Promise<void> {
      if (!jobs) return;
      jobQueue = jobs;
      await jobs.define(SYNC_SHOP_JOB, async (data: { orgId: string; shopId: string }) => {
        const r = await sync.syncShop(data.orgId, data.shopId);
        d.log.info({ shopId: data.shopId, ...r }, 'TikTok shop synced');
      }, { retryLimit: 0 });
      await jobs.define('tiktok.reconcile', async () => {
        const r = await sync.reconcileAll();
        if (r.report.orders + r.report.returns + r.report.cancellations + r.report.messages > 0) d.log.info(r, 'TikTok reconciliation caught up');
        // Attribution feeds after the orders they claim: the last 30 days (claims are upserts).
        for (const s of await connections.allActive()) {
          try {
            await attribution.syncShop(s.orgId, s.shopId, { days: 30 });
          } catch (e) {
            d.log.warn({ err: e, orgId: s.orgId, shopId: s.shopId }, 'TikTok attribution sync of a shop failed; the next run retries');
          }
        }
      }, { cron: '*/5 * * * *', retryLimit: 0 });
      // Finance statements and the refund lines of orders with refunds, for the reconciliation: hourly.
      if (finance) {
        await jobs.define('tiktok.finance', async () => {
          for (const s of await connections.allActive()) {
            try {
              const r = await finance.syncShop(s.orgId, s.shopId, { days: 60 });
              if (r.statements + r.orders > 0) d.log.info({ shopId: s.shopId, ...r }, 'TikTok finance statements synced');
            } catch (e) {
              d.log.warn({ err: e, orgId: s.orgId, shopId: s.shopId }, 'TikTok finance sync of a shop failed; the next run retries');
            }
          }
        }, { cron: '23 * * * *', retryLimit: 0 });
      }
      await jobs.define('tiktok.purge_webhook_events', async () => {
        await processor.purge();
      }, { cron: '41 3 * * *' });
    },
    async routes(app: Http): Promise<void> {
      await webhookRoutes(app, ingest);
      const tags = ['tiktok'];
      app.get('/api/tiktok/connections', { schema: { tags, operationId: 'tiktok.listConnections', summary: 'Authorised TikTok shops of this organisation (tokens never leave the server)', response: { 200: z.object({ items: z.array(ConnectionView) }), ...errors() } } }, async (req) => {
        const actor = actorOf(req);
        requireRole(actor, ['owner', 'supervisor'], 'viewing TikTok connections');
        const [rows, cursors] = await Promise.all([connections.list(actor.orgId), sync.cursors(actor.orgId)]);
        return {
          items: rows.map((c) => ({
            shopId: c.shopId,
            tiktokShopId: c.tiktokShopId,
            shopName: c.shopName,
            region: c.region,
            status: c.status,
            accessExpiresAt: c.accessExpiresAt.toISOString(),
            refreshExpiresAt: c.refreshExpiresAt.toISOString(),
            grantedScopes: c.grantedScopes,
            authorisedAt: c.updatedAt.toISOString(),
            lastSync: cursors.filter((k) => k.shopId === c.shopId).map((k) => ({ kind: k.kind, lastRunAt: k.lastRunAt?.toISOString() ?? null, lastCount: k.lastCount })),
          })),
        };
      });
      app.post(
        '/api/tiktok/authorize',
        {
          schema: {
            tags,
            operationId: 'tiktok.authorize',
            summary: "The seller's TikTok Shop authorisation link (state is signed for this organisation and, with shopId, for that shop: the authorised TikTok shop in its market is bound to it)",
            body: AuthorizeBody,
            response: { 200: AuthorizeView, ...errors(404) },
          },
        },
        async (req) => {
          const actor = actorOf(req);
          requireRole(actor, ['owner'], 'connecting TikTok shops');
          if (req.body?.shopId) await connections.requireShop(actor.orgId, req.body.shopId);
          return connections.authorizeUrl(actor.orgId, { market: req.body?.market, shopId: req.body?.shopId });
        },
      );
      app.get(
        '/api/tiktok/oauth/callback',
        {
          schema: {
            tags,
            operationId: 'tiktok.oauthCallback',
            summary: 'OAuth redirect target: exchanges the one-time code for tokens and binds the authorised shops (409 tiktok.shop_bound_elsewhere when every one belongs to another organisation)',
            security: [],
            querystring: CallbackQuery,
            response: {
              200: CallbackView,
              400: ErrorBody,
              409: ErrorBody,
              502: ErrorBody,
            },
          },
        },
        async (req, reply) => {
          // The seller's browser arrives here from TikTok: it goes back to the connections page with
          // the outcome (a one-time summary in the query). Other callers get JSON as before.
          const page = (req.headers.accept ?? '').includes('text/html');
          try {
            const q = req.query;
            if (q.error) throw AppError.validation('tiktok.auth_denied', `The seller refused the authorisation (${q.error})`, [{ field: 'error', message: q.error }]);
            if (!q.code || q.code === 'null') throw AppError.validation('tiktok.code_required', 'The redirect has no authorisation code', [{ field: 'code', message: 'required' }]);
            if (!q.state) throw AppError.validation('tiktok.state_required', 'The redirect has no state; start the connection from Afterdesk (App Store installs pass none)', [{ field: 'state', message: 'required' }]);
            const { orgId, shopId } = connections.stateOf(q.state);
            const result = await connections.completeAuthorisation(orgId, q.code, { shopId });
            // A newly connected shop starts with its first sync at once (in the background), and its
            // events are subscribed to our receiver (the 5-minute reconciliation covers a failure).
            for (const c of result.connected) {
              queueSync(orgId, c.shopId);
              if (d.config.publicUrl) {
                const address = `${d.config.publicUrl.replace(/\/$/, '')}/webhooks/tiktok`;
                connections.registerWebhooks(orgId, c.shopId, address).catch((e: unknown) => d.log.warn({ err: e, shopId: c.shopId }, 'TikTok webhook subscription after authorisation failed; reconciliation still syncs the shop'));
              }
            }
            if (page) return reply.redirect(`${CONNECTIONS_PAGE}?oauth=${Buffer.from(JSON.stringify(result)).toString('base64url')}`, 303);
            return result;
          } catch (e) {
            if (page && e instanceof AppError) return reply.redirect(`${CONNECTIONS_PAGE}?oauthError=${encodeURIComponent(e.code)}`, 303);
            throw e;
          }
        },
      );
      app.post(
        '/api/tiktok/shops/:id/sync',
        {
          schema: {
            tags,
            operationId: 'tiktok.syncShop',
            summary: 'Run the incremental sync of one shop now (orders, returns, cancellations, chats)',
            params: IdParams,
            body: EmptyBody,
            response: { 200: SyncReportView, ...errors(404, 409, 502) },
          },
        },
        async (req) => {
        const actor = actorOf(req);
        requireRole(actor, ['owner', 'supervisor'], 'syncing TikTok shops');
        // A shop outside the caller's brands is missing to them (404), like any id they cannot see.
        await connections.requireShop(actor.orgId, req.params.id);
        return sync.syncShop(actor.orgId, req.params.id);
        },
      );
    },
  };
}

export type TikTokIntegration = ReturnType<typeof createTikTokIntegration>;
export { tiktokPrivacy } from './tiktok.privacy.js';
export { couponPlatformPort, registerCouponHandlers, registerCouponSyncJob, mapCoupon } from './coupons.js';
export { registerNoticeHandlers } from './notices.js';
export { registerIncidentHandlers } from './incidents.js';
