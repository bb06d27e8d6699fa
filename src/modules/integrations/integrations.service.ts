import { and, arrayContains, desc, eq, isNull, sql } from 'drizzle-orm';
import type { Clock } from '../../platform/clock.js';
import { statement, type Database, type Executor } from '../../platform/db.js';
import { cachedSetting } from '../../platform/settings-cache.js';
import { AppError } from '../../platform/errors.js';
import type { IdGenerator } from '../../platform/ids.js';
import type { OutboundFetchInit } from '../../platform/outbound.js';
import { enqueue, PermanentError, type OutboxContext } from '../../platform/outbox/outbox.js';
import { afterCursor, cutPage, type Page } from '../../platform/pagination.js';
import { decryptSecret, encryptSecret } from '../../platform/secrets.js';
import { requireRole, type Actor } from '../../platform/tenancy.js';
import { auditActorOf, recordAudit } from '../audit/index.js';
import type { ApiTokenView, CreateApiToken, CreateWebhook, UpdateWebhook, WebhookDeliveryView, WebhookEndpointView } from './integrations.dto.js';
import {
  AUTO_DISABLE_AFTER_FAILURES,
  eventIdOf,
  hashApiToken,
  newApiToken,
  newWebhookSecret,
  signWebhook,
  SIGNATURE_HEADER,
  TOKEN_ROLE,
  type WebhookEvent,
} from './integrations.rules.js';
import { apiTokens, webhookDeliveries, webhookEndpoints } from './integrations.schema.js';

export const WEBHOOK_DELIVERY_STEP = 'webhooks.deliver';

type TokenRow = typeof apiTokens.$inferSelect;
type EndpointRow = typeof webhookEndpoints.$inferSelect;

export interface IntegrationsDeps {
  db: Database;
  ids: IdGenerator;
  clock: Clock;
  secretKey: Buffer;
  /** Every delivery goes through the outbound rule (internal addresses refused). */
  fetch: (url: string, init?: OutboundFetchInit) => Promise<Response>;
  /** Checked when an endpoint is saved, so an internal address is refused at once, not at the first event. */
  assertUrl: (url: string) => Promise<unknown>;
  autoDisableAfter?: number;
}

export interface WebhookEventInput {
  orgId: string;
  type: Exclude<WebhookEvent, 'webhook.test'>;
  /** The intent this event stands for (`remedy.completed:<id>`): emitting it twice queues it once. */
  key: string;
  data: Record<string, unknown>;
}

function tokenView(t: TokenRow, now: Date): ApiTokenView {
  return {
    id: t.id,
    name: t.name,
    prefix: t.prefix,
    scopes: t.scopes,
    createdBy: t.createdBy,
    createdAt: t.createdAt.toISOString(),
    expiresAt: t.expiresAt?.toISOString() ?? null,
    lastUsedAt: t.lastUsedAt?.toISOString() ?? null,
    revokedAt: t.revokedAt?.toISOString() ?? null,
    status: t.revokedAt ? 'revoked' : t.expiresAt && t.expiresAt <= now ? 'expired' : 'active',
  };
}

function endpointView(e: EndpointRow): WebhookEndpointView {
  return {
    id: e.id,
    url: e.url,
    description: e.description,
    events: e.events,
    active: e.active,
    consecutiveFailures: e.consecutiveFailures,
    disabledAt: e.disabledAt?.toISOString() ?? null,
    disabledReason: e.disabledReason,
    createdAt: e.createdAt.toISOString(),
    updatedAt: e.updatedAt.toISOString(),
  };
}

/** Read on every new ticket and every event: rendered once (`statement()`, platform/db.ts). */
const subscribedEndpoints = statement((db) =>
  db
    .select({ id: webhookEndpoints.id })
    .from(webhookEndpoints)
    .where(and(eq(webhookEndpoints.orgId, sql.placeholder('orgId')), eq(webhookEndpoints.active, true), arrayContains(webhookEndpoints.events, sql`${sql.placeholder('types')}::text[]`))),
);

/**
 * Queue an event for every active endpoint of the organisation that subscribed to it, on the
 * caller's transaction: one outbox step per endpoint, keyed by endpoint and event, so a retried
 * change or a second emission of the same intent delivers once.
 */
export async function emitWebhookEvent(tx: Executor, deps: { ids: IdGenerator; clock: Clock }, e: WebhookEventInput): Promise<number> {
  // From memory in a hot transaction while the organisation's settings (endpoints among them) are unchanged.
  const endpoints = await cachedSetting(tx, e.orgId, `webhooks:${e.type}`, () => subscribedEndpoints(tx, { orgId: e.orgId, types: [e.type] }));
  const eventId = eventIdOf(e.key);
  const createdAt = deps.clock.now().toISOString();
  for (const ep of endpoints) {
    await enqueue(
      tx,
      { orgId: e.orgId, handler: WEBHOOK_DELIVERY_STEP, idempotencyKey: `webhook:${ep.id}:${eventId}`, payload: { endpointId: ep.id, event: { id: eventId, type: e.type, createdAt, data: e.data } }, subjectType: 'webhook_endpoint', subjectId: ep.id, maxAttempts: 8 },
      deps,
    );
  }
  return endpoints.length;
}

export function createIntegrationsService(d: IntegrationsDeps) {
  const { db, ids, clock } = d;
  const autoDisableAfter = d.autoDisableAfter ?? AUTO_DISABLE_AFTER_FAILURES;
  const owner = (actor: Actor, what: string) => requireRole(actor, ['owner'], what);

  async function loadEndpoint(tx: Executor, orgId: string, id: string): Promise<EndpointRow> {
    const [e] = await tx.select().from(webhookEndpoints).where(and(eq(webhookEndpoints.orgId, orgId), eq(webhookEndpoints.id, id)));
    if (!e) throw AppError.notFound('webhook', id);
    return e;
  }

  async function checkUrl(url: string): Promise<void> {
    try {
      await d.assertUrl(url);
    } catch (e) {
      const reason = (e as { reason?: string }).reason ?? (e as Error).message;
      throw AppError.validation('integrations.url_refused', `url: this address cannot receive webhooks (${reason})`, [{ field: 'url', message: `refused: ${reason}` }]);
    }
  }

  return {
    // ── API tokens ────────────────────────────────────────────────────────────────────────────
    async listTokens(actor: Actor): Promise<ApiTokenView[]> {
      owner(actor, 'managing API tokens');
      const now = clock.now();
      return db.tenant(actor.orgId, async (tx) =>
        (await tx.select().from(apiTokens).where(eq(apiTokens.orgId, actor.orgId)).orderBy(desc(apiTokens.createdAt), desc(apiTokens.id))).map((t) => tokenView(t, now)),
      );
    },

    /** The token itself is in this answer only; the table keeps its hash and the prefix. */
    async createToken(actor: Actor, input: CreateApiToken): Promise<{ token: string; item: ApiTokenView }> {
      owner(actor, 'managing API tokens');
      const now = clock.now();
      const expiresAt = input.expiresAt ? new Date(input.expiresAt) : null;
      if (expiresAt && expiresAt <= now) throw AppError.validation('integrations.expiry_past', 'expiresAt: must be in the future', [{ field: 'expiresAt', message: 'must be in the future' }]);
      const { token, prefix } = newApiToken();
      return db.tenant(actor.orgId, async (tx) => {
        const [row] = await tx
          .insert(apiTokens)
          .values({ orgId: actor.orgId, id: ids('tok'), name: input.name, prefix, tokenHash: hashApiToken(token), scopes: [...new Set(input.scopes)].sort(), createdBy: actor.userId, createdAt: now, expiresAt, lastUsedAt: null, revokedAt: null })
          .returning();
        await recordAudit(tx, { ids, clock }, { orgId: actor.orgId, actor: auditActorOf(actor), action: 'integrations.token_created', subject: { type: 'api_token', id: row!.id }, after: { name: row!.name, prefix, scopes: row!.scopes, expiresAt: expiresAt?.toISOString() ?? null } });
        return { token, item: tokenView(row!, now) };
      });
    },

    async revokeToken(actor: Actor, id: string): Promise<ApiTokenView> {
      owner(actor, 'managing API tokens');
      const now = clock.now();
      return db.tenant(actor.orgId, async (tx) => {
        const [cur] = await tx.select().from(apiTokens).where(and(eq(apiTokens.orgId, actor.orgId), eq(apiTokens.id, id)));
        if (!cur) throw AppError.notFound('api_token', id);
        if (cur.revokedAt) return tokenView(cur, now);
        const [row] = await tx.update(apiTokens).set({ revokedAt: now }).where(and(eq(apiTokens.orgId, actor.orgId), eq(apiTokens.id, id))).returning();
        await recordAudit(tx, { ids, clock }, { orgId: actor.orgId, actor: auditActorOf(actor), action: 'integrations.token_revoked', subject: { type: 'api_token', id }, before: { status: 'active' }, after: { status: 'revoked' } });
        return tokenView(row!, now);
      });
    },

    /** A bearer token → the actor it acts as and its scopes; undefined when unknown, revoked or expired. */
    async authenticateToken(token: string): Promise<{ actor: Actor; scopes: string[]; tokenId: string } | undefined> {
      if (!token.startsWith('adk_') || token.length > 200) return undefined;
      const now = clock.now();
      return db.system(async (tx) => {
        const [t] = await tx.select().from(apiTokens).where(eq(apiTokens.tokenHash, hashApiToken(token)));
        if (!t || t.revokedAt || (t.expiresAt && t.expiresAt <= now)) return undefined;
        // Written at most once a minute: a busy script must not turn every read into a write.
        if (!t.lastUsedAt || now.getTime() - t.lastUsedAt.getTime() > 60_000) {
          await tx.update(apiTokens).set({ lastUsedAt: now }).where(and(eq(apiTokens.orgId, t.orgId), eq(apiTokens.id, t.id)));
        }
        return { actor: { orgId: t.orgId, userId: t.id, role: TOKEN_ROLE }, scopes: t.scopes, tokenId: t.id };
      });
    },

    // ── Outgoing webhooks ─────────────────────────────────────────────────────────────────────
    async listWebhooks(actor: Actor): Promise<WebhookEndpointView[]> {
      owner(actor, 'managing webhooks');
      return db.tenant(actor.orgId, async (tx) => (await tx.select().from(webhookEndpoints).where(eq(webhookEndpoints.orgId, actor.orgId)).orderBy(desc(webhookEndpoints.createdAt))).map(endpointView));
    },

    async createWebhook(actor: Actor, input: CreateWebhook): Promise<{ secret: string; item: WebhookEndpointView }> {
      owner(actor, 'managing webhooks');
      await checkUrl(input.url);
      const secret = newWebhookSecret();
      const now = clock.now();
      return db.tenant(actor.orgId, async (tx) => {
        const [row] = await tx
          .insert(webhookEndpoints)
          .values({ orgId: actor.orgId, id: ids('whk'), url: input.url, description: input.description ?? '', events: [...new Set(input.events)].sort(), secretEnc: encryptSecret(d.secretKey, secret), active: true, consecutiveFailures: 0, disabledAt: null, disabledReason: null, createdBy: actor.userId, createdAt: now, updatedAt: now })
          .returning();
        await recordAudit(tx, { ids, clock }, { orgId: actor.orgId, actor: auditActorOf(actor), action: 'integrations.webhook_created', subject: { type: 'webhook', id: row!.id }, after: { url: row!.url, events: row!.events } });
        return { secret, item: endpointView(row!) };
      });
    },

    async updateWebhook(actor: Actor, id: string, input: UpdateWebhook): Promise<WebhookEndpointView> {
      owner(actor, 'managing webhooks');
      if (input.url) await checkUrl(input.url);
      return db.tenant(actor.orgId, async (tx) => {
        const cur = await loadEndpoint(tx, actor.orgId, id);
        const patch: Partial<EndpointRow> = { updatedAt: clock.now() };
        if (input.url !== undefined) patch.url = input.url;
        if (input.description !== undefined) patch.description = input.description;
        if (input.events !== undefined) patch.events = [...new Set(input.events)].sort();
        if (input.active !== undefined) {
          patch.active = input.active;
          if (input.active) Object.assign(patch, { consecutiveFailures: 0, disabledAt: null, disabledReason: null });
        }
        const [row] = await tx.update(webhookEndpoints).set(patch).where(and(eq(webhookEndpoints.orgId, actor.orgId), eq(webhookEndpoints.id, id))).returning();
        await recordAudit(tx, { ids, clock }, {
          orgId: actor.orgId,
          actor: auditActorOf(actor),
          action: 'integrations.webhook_changed',
          subject: { type: 'webhook', id },
          before: { url: cur.url, events: cur.events, active: cur.active },
          after: { url: row!.url, events: row!.events, active: row!.active },
        });
        return endpointView(row!);
      });
    },

    async deleteWebhook(actor: Actor, id: string): Promise<void> {
      owner(actor, 'managing webhooks');
      await db.tenant(actor.orgId, async (tx) => {
        const cur = await loadEndpoint(tx, actor.orgId, id);
        await tx.delete(webhookEndpoints).where(and(eq(webhookEndpoints.orgId, actor.orgId), eq(webhookEndpoints.id, id)));
        await recordAudit(tx, { ids, clock }, { orgId: actor.orgId, actor: auditActorOf(actor), action: 'integrations.webhook_deleted', subject: { type: 'webhook', id }, before: { url: cur.url, events: cur.events } });
      });
    },

    async deliveries(actor: Actor, id: string, q: { limit?: number; cursor?: string }): Promise<Page<WebhookDeliveryView>> {
      owner(actor, 'managing webhooks');
      const limit = q.limit ?? 50;
      return db.tenant(actor.orgId, async (tx) => {
        await loadEndpoint(tx, actor.orgId, id);
        const rows = await tx
          .select()
          .from(webhookDeliveries)
          .where(and(eq(webhookDeliveries.orgId, actor.orgId), eq(webhookDeliveries.endpointId, id), afterCursor(webhookDeliveries.at, webhookDeliveries.id, q.cursor)))
          .orderBy(desc(webhookDeliveries.at), desc(webhookDeliveries.id))
          .limit(limit + 1);
        const page = cutPage(rows, limit, (r) => ({ sort: r.at, id: r.id }));
        return {
          nextCursor: page.nextCursor,
          items: page.items.map((r) => ({ id: r.id, eventId: r.eventId, eventType: r.eventType, attempt: r.attempt, ok: r.ok, httpStatus: r.httpStatus, error: r.error, durationMs: r.durationMs, at: r.at.toISOString() })),
        };
      });
    },

    /** Queue a `webhook.test` event to this endpoint only (also to a disabled one, to check it before turning it on). */
    async testSend(actor: Actor, id: string): Promise<{ eventId: string; outboxId: string }> {
      owner(actor, 'managing webhooks');
      return db.tenant(actor.orgId, async (tx) => {
        await loadEndpoint(tx, actor.orgId, id);
        const eventId = eventIdOf(`webhook.test:${ids('tst')}`);
        const { row } = await enqueue(
          tx,
          { orgId: actor.orgId, handler: WEBHOOK_DELIVERY_STEP, idempotencyKey: `webhook:${id}:${eventId}`, payload: { endpointId: id, test: true, event: { id: eventId, type: 'webhook.test', createdAt: clock.now().toISOString(), data: { message: 'Test event from Afterdesk' } } }, subjectType: 'webhook_endpoint', subjectId: id, maxAttempts: 1 },
          { ids, clock },
        );
        return { eventId, outboxId: row.id };
      });
    },

    emit: (tx: Executor, e: WebhookEventInput) => emitWebhookEvent(tx, { ids, clock }, e),

    /** Emit on a transaction of its own (events whose source has no transaction to share, e.g. an SLA breach after its claim). */
    emitNow: (e: WebhookEventInput) => db.tenant(e.orgId, (tx) => emitWebhookEvent(tx, { ids, clock }, e)),

    /**
     * The outbox step: POST the event, signed, through the outbound rule. Each attempt is logged;
     * a failure is thrown so the outbox retries with backoff, and after `autoDisableAfter` failed
     * attempts in a row the endpoint is turned off with a notice (and an audit event).
     */
    async deliver(payload: Record<string, unknown>, ctx: OutboxContext): Promise<Record<string, unknown>> {
      const p = payload as { endpointId: string; test?: boolean; event: { id: string; type: string; createdAt: string; data: unknown } };
      const ep = await db.tenant(ctx.orgId, async (tx) => {
        const [e] = await tx.select().from(webhookEndpoints).where(and(eq(webhookEndpoints.orgId, ctx.orgId), eq(webhookEndpoints.id, p.endpointId)));
        return e;
      });
      if (!ep) throw new PermanentError('the webhook endpoint was deleted', 'integrations.endpoint_gone');
      if (!ep.active && !p.test) throw new PermanentError('the webhook endpoint is turned off', 'integrations.endpoint_off');
      const body = JSON.stringify(p.event);
      const started = Date.now();
      const ts = Math.floor(clock.now().getTime() / 1000);
      let status: number | null = null;
      let error: string | null = null;
      try {
        const res = await d.fetch(ep.url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'user-agent': 'Afterdesk-Webhooks/1',
            [SIGNATURE_HEADER]: signWebhook(decryptSecret(d.secretKey, ep.secretEnc), ts, body),
            'afterdesk-event': p.event.type,
            'afterdesk-event-id': p.event.id,
            'afterdesk-delivery-attempt': String(ctx.attempt),
          },
          body,
          signal: AbortSignal.timeout(10_000),
          maxRedirects: 0,
        });
        status = res.status;
        await res.body?.cancel().catch(() => undefined);
        if (status < 200 || status >= 300) error = `HTTP ${status}`;
      } catch (e) {
        error = ((e as { reason?: string }).reason ?? (e as Error).message ?? String(e)).slice(0, 300);
      }
      const ok = error === null;
      const durationMs = Date.now() - started;
      const disabled = await db.tenant(ctx.orgId, async (tx) => {
        await tx.insert(webhookDeliveries).values({ orgId: ctx.orgId, id: ids('whd'), endpointId: ep.id, eventId: p.event.id, eventType: p.event.type, attempt: ctx.attempt, ok, httpStatus: status, error, durationMs, at: clock.now() });
        if (p.test) return false;
        if (ok) {
          await tx.update(webhookEndpoints).set({ consecutiveFailures: 0 }).where(and(eq(webhookEndpoints.orgId, ctx.orgId), eq(webhookEndpoints.id, ep.id)));
          return false;
        }
        const [after] = await tx
          .update(webhookEndpoints)
          .set({ consecutiveFailures: sql`${webhookEndpoints.consecutiveFailures} + 1` })
          .where(and(eq(webhookEndpoints.orgId, ctx.orgId), eq(webhookEndpoints.id, ep.id)))
          .returning({ n: webhookEndpoints.consecutiveFailures, active: webhookEndpoints.active });
        if (after && after.active && after.n >= autoDisableAfter) {
          const reason = `turned off after ${after.n} failed deliveries in a row (last: ${error})`;
          await tx
            .update(webhookEndpoints)
            .set({ active: false, disabledAt: clock.now(), disabledReason: reason, updatedAt: clock.now() })
            .where(and(eq(webhookEndpoints.orgId, ctx.orgId), eq(webhookEndpoints.id, ep.id), isNull(webhookEndpoints.disabledAt)));
          await recordAudit(tx, { ids, clock }, { orgId: ctx.orgId, actor: { type: 'system', id: null, label: null }, action: 'integrations.webhook_auto_disabled', subject: { type: 'webhook', id: ep.id }, before: { active: true }, after: { active: false }, context: { reason } });
          return true;
        }
        return false;
      });
      if (!ok) {
        if (disabled) throw new PermanentError(`webhook delivery failed (${error}); the endpoint was turned off`, 'integrations.endpoint_disabled');
        throw new Error(`webhook delivery failed: ${error}`);
      }
      return { httpStatus: status };
    },
  };
}

export type IntegrationsService = ReturnType<typeof createIntegrationsService>;
