import { and, desc, eq, sql } from 'drizzle-orm';
import { exponentialBackoff } from '../../platform/backoff.js';
import type { Clock } from '../../platform/clock.js';
import type { Database, Tx } from '../../platform/db.js';
import { AppError } from '../../platform/errors.js';
import { ErrorBody, type Http } from '../../platform/http.js';
import { z } from 'zod';
import type { IdGenerator } from '../../platform/ids.js';
import type { Logger } from '../../platform/logger.js';
import { TikTokApiError } from './client.js';
import type { Connections } from './connections.js';
import { pool, type Bundle, type Engine } from './engine.js';
import { parseTikTokJson, TikTokSchemaError } from './json.js';
import { WebhookEvent } from './schemas.js';
import { verifyWebhookSignature } from './signing.js';
import { tiktokUnboundShops, tiktokWebhookEvents } from './tiktok.schema.js';
import { decodeWork, encodeWork, workOf, type WebhookWork } from './webhooks.rules.js';
import { describeIssues, zodIssues } from '../../platform/validation.js';

/** The platform retries the same body for ~15 h; we keep processed events far longer than that. */
export const WEBHOOK_RETENTION_MIN_MS = 72 * 3600_000;

export interface WebhookIngestDeps {
  db: Database;
  ids: IdGenerator;
  clock: Clock;
  log: Logger;
  appKey: string;
  appSecret: string;
  connections: Connections;
  /** Called after events were stored (wakes the processor in this process). */
  onStored?: () => void;
}

export type IngestResult =
  | { status: 200; stored: boolean; duplicate?: boolean; note?: string }
  | { status: 401; reason: string; message: string }
  | { status: 400; message: string; field: string };

interface PendingRow {
  row: typeof tiktokWebhookEvents.$inferInsert;
  resolve: () => void;
  reject: (e: unknown) => void;
}

function entityOf(e: WebhookEvent): string {
  const d = e.data;
  for (const k of ['return_id', 'cancel_id', 'message_id', 'order_id', 'conversation_id', 'product_id']) if (d[k] !== undefined) return `${k}=${String(d[k])}`;
  return 'none';
}

/** Older samples omit tts_notification_id: fall back to type + entity + status + update time. */
export function dedupeKeyOf(e: WebhookEvent): string {
  if (e.tts_notification_id) return e.tts_notification_id;
  const d = e.data;
  const status = d.order_status ?? d.return_status ?? d.cancel_status ?? '';
  const t = d.update_time ?? d.create_time ?? e.timestamp ?? '';
  return `fallback:${e.type}:${e.shop_id}:${entityOf(e)}:${String(status)}:${String(t)}`;
}

/** One counter row per TikTok shop bound nowhere; the event itself is not kept (it belongs to no one). */
async function recordUnbound(db: Database, now: Date, e: WebhookEvent): Promise<void> {
  await db.system((tx) =>
    tx
      .insert(tiktokUnboundShops)
      .values({ tiktokShopId: e.shop_id, events: 1, lastType: e.type, lastNotificationId: e.tts_notification_id ?? null, firstSeenAt: now, lastSeenAt: now })
      .onConflictDoUpdate({
        target: tiktokUnboundShops.tiktokShopId,
        set: { events: sql`${tiktokUnboundShops.events} + 1`, lastType: e.type, lastNotificationId: e.tts_notification_id ?? null, lastSeenAt: now },
      }),
  );
}

export interface UnboundShop {
  tiktokShopId: string;
  events: number;
  lastType: number;
  lastNotificationId: string | null;
  firstSeenAt: Date;
  lastSeenAt: Date;
}

/** The installation operator's view (`afterdesk tiktok unbound`): TikTok shops sending us events that no organisation has authorised. */
export async function listUnboundShops(db: Database): Promise<UnboundShop[]> {
  return db.system((tx) => tx.select().from(tiktokUnboundShops).orderBy(desc(tiktokUnboundShops.lastSeenAt), tiktokUnboundShops.tiktokShopId));
}

/**
 * Verify → store → acknowledge. Stores go through a tiny group commit: while one INSERT is in
 * flight the next requests queue up and are written together, so a burst costs one round trip per
 * batch while every request still gets its 200 only after its row is durable.
 */
export function createWebhookIngest(d: WebhookIngestDeps) {
  let queue: PendingRow[] = [];
  let inFlight = 0;
  /** A few stores in flight at once hide one round trip's latency; each still takes everything queued. */
  const MAX_IN_FLIGHT = 4;

  /**
   * One round trip per batch: BEGIN, the system-mode switch (what db.system does), one multi-row
   * INSERT … ON CONFLICT, COMMIT — sent as a single simple-protocol query, values escaped by pg.
   */
  async function insertBatch(rows: (typeof tiktokWebhookEvents.$inferInsert)[]): Promise<void> {
    const client = await d.db.pool.connect();
    try {
      const lit = (v: unknown) => (v === null || v === undefined ? 'null' : typeof v === 'number' ? String(v) : client.escapeLiteral(v instanceof Date ? v.toISOString() : String(v)));
      const values = rows
        .map((r) => `(${[r.orgId, r.id, r.shopId, r.tiktokShopId, r.dedupeKey, r.ttsNotificationId, r.type, r.rawBody, r.workRefs, r.status, r.attempts, r.deliveries, r.timesProcessed, r.nextAttemptAt, r.receivedAt].map(lit).join(',')})`)
        .join(',');
      try {
        await client.query(`begin; select set_config('app.system', 'on', true);
          insert into tiktok_webhook_events (org_id, id, shop_id, tiktok_shop_id, dedupe_key, tts_notification_id, type, raw_body, work_refs, status, attempts, deliveries, times_processed, next_attempt_at, received_at)
          values ${values}
          on conflict (org_id, dedupe_key) do update set deliveries = tiktok_webhook_events.deliveries + excluded.deliveries;
          commit;`);
      } catch (e) {
        await client.query('rollback').catch(() => undefined);
        throw e;
      }
    } finally {
      client.release();
    }
  }

  async function flush(): Promise<void> {
    if (inFlight >= MAX_IN_FLIGHT || queue.length === 0) return;
    inFlight++;
    const batch = queue;
    queue = [];
    try {
      // Duplicates inside one batch would make ON CONFLICT touch a row twice: fold them first.
      const byKey = new Map<string, typeof tiktokWebhookEvents.$inferInsert>();
      for (const p of batch) {
        const k = `${p.row.orgId}|${p.row.dedupeKey}`;
        const cur = byKey.get(k);
        if (cur) cur.deliveries = (cur.deliveries ?? 1) + 1;
        else byKey.set(k, { ...p.row });
      }
      await insertBatch([...byKey.values()]);
      for (const p of batch) p.resolve();
      d.onStored?.();
    } catch (e) {
      for (const p of batch) p.reject(e);
    } finally {
      inFlight--;
      if (queue.length) void flush();
    }
  }

  function store(row: typeof tiktokWebhookEvents.$inferInsert): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      queue.push({ row, resolve, reject });
      void flush();
    });
  }

  return {
    async handle(rawBody: Buffer, signature: string | undefined): Promise<IngestResult> {
      const v = verifyWebhookSignature(d.appKey, d.appSecret, rawBody, signature);
      if (!v.valid) return { status: 401, reason: v.reason, message: v.message };
      let parsed: unknown;
      try {
        parsed = parseTikTokJson(rawBody.toString('utf8'));
      } catch {
        return { status: 400, message: 'Body is not JSON', field: 'body' };
      }
      const r = WebhookEvent.safeParse(parsed);
      if (!r.success) {
        const i = zodIssues(r.error, { root: 'body' })[0]!;
        return { status: 400, message: `Webhook body does not match the TikTok envelope: ${describeIssues([i])}`, field: i.field };
      }
      const e = r.data;
      const shop = await d.connections.resolveTikTokShop(e.shop_id);
      if (!shop) {
        // Bound to no organisation: never routed to anyone (not even a guess), acknowledged because
        // a retry cannot help and the platform would re-send for ~15 h, counted for the operator.
        await recordUnbound(d.db, d.clock.now(), e);
        d.log.warn({ tiktokShopId: e.shop_id, type: e.type }, 'TikTok webhook for a shop bound to no organisation; acknowledged, counted (afterdesk tiktok unbound), not stored');
        return { status: 200, stored: false, note: 'unbound shop' };
      }
      const now = d.clock.now();
      await store({
        orgId: shop.orgId,
        id: d.ids('twe'),
        shopId: shop.shopId,
        tiktokShopId: e.shop_id,
        dedupeKey: dedupeKeyOf(e),
        ttsNotificationId: e.tts_notification_id ?? null,
        type: e.type,
        rawBody: rawBody.toString('utf8'),
        workRefs: encodeWork(workOf(e)),
        status: 'pending',
        attempts: 0,
        deliveries: 1,
        timesProcessed: 0,
        nextAttemptAt: now,
        receivedAt: now,
      });
      return { status: 200, stored: true };
    },
  };
}
export type WebhookIngest = ReturnType<typeof createWebhookIngest>;

/**
 * POST /webhooks/tiktok in its own plugin context: its JSON parser keeps the raw Buffer (the
 * signature covers the exact bytes) without touching the app's global JSON parser.
 */
export async function webhookRoutes(app: Http, ingest: WebhookIngest): Promise<void> {
  await app.register(async (inst) => {
    inst.removeAllContentTypeParsers();
    inst.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: 1024 * 1024 }, (_req, body, done) => done(null, body));
    inst.post(
      '/webhooks/tiktok',
      {
        // The platform can send thousands a minute: log rejections and failures, not every delivery.
        logLevel: 'warn',
        // A server-to-server acknowledgement: browser security headers would only cost time here.
        config: { securityHeaders: false },
        schema: {
          tags: ['tiktok'],
          operationId: 'tiktok.webhook',
          summary: 'TikTok Shop webhook receiver: verifies the signature over the raw body, stores the event, acknowledges with an empty 200',
          security: [],
          response: { 200: z.null().describe('Empty: the event is stored'), 400: ErrorBody, 401: ErrorBody },
        },
      },
      async (req, reply) => {
        const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
        const auth = req.headers.authorization;
        const r = await ingest.handle(raw, typeof auth === 'string' ? auth : undefined);
        if (r.status === 401) {
          req.log.warn({ reason: r.reason }, 'TikTok webhook rejected');
          return reply.code(401).send({ code: `tiktok.webhook_${r.reason}`, message: r.message, requestId: req.id });
        }
        if (r.status === 400) return reply.code(400).send({ code: 'tiktok.webhook_bad_body', message: r.message, details: { issues: [{ field: r.field, message: r.message }] }, requestId: req.id });
        return reply.code(200).send();
      },
    );
  });
}

// ---------------- asynchronous processing ----------------

export interface ProcessorDeps {
  db: Database;
  clock: Clock;
  log: Logger;
  engine: Engine;
  connections: Connections;
  batchSize?: number;
  /** A claimed event whose worker died becomes due again after this long. */
  leaseMs?: number;
  maxAttempts?: number;
  /** Pause after a partial batch so trickling events are claimed together (default 50 ms). */
  gatherMs?: number;
  /** Test hook: called after entities were fetched and before domain rows are written. */
  beforeApply?: () => Promise<void>;
  /** Product webhooks: refresh these products of the shop in the catalogue. */
  refreshProducts?: (orgId: string, shopId: string, productIds: string[]) => Promise<unknown>;
}

export interface ProcessReport {
  claimed: number;
  done: number;
  ignored: number;
  retried: number;
  failed: number;
}

interface ClaimedEvent {
  id: string;
  shopId: string;
  type: number;
  /** What the event asks for, decided at receipt (null for rows stored before that column existed). */
  workRefs: string | null;
  /** Only fetched when workRefs is null. */
  rawBody: string | null;
  attempts: number;
}

interface ShopPlan {
  shopId: string;
  events: ClaimedEvent[];
  refs: { orderIds: Set<string>; returnIds: Set<string>; cancelIds: Set<string>; conversationIds: Set<string> };
  work: string[];
  handled: string[];
  ignored: string[];
  bundle?: Bundle;
  error?: unknown;
}

export class WebhookProcessor {
  private stopped = true;
  private running = 0;
  private wakeFn: (() => void) | undefined;
  private timers = new Set<NodeJS.Timeout>();
  constructor(private readonly d: ProcessorDeps) {}

  private backoffMs(attempt: number): number {
    return exponentialBackoff({ attempt: Math.max(0, attempt - 1), baseMs: 2_000, maxMs: 15 * 60_000 });
  }

  /** Claim due events per organisation (SKIP LOCKED, with a lease), re-fetch their entities, apply, mark done. */
  async runOnce(onlyOrgId?: string): Promise<ProcessReport> {
    const { db, clock } = this.d;
    const now = clock.now();
    const report: ProcessReport = { claimed: 0, done: 0, ignored: 0, retried: 0, failed: 0 };
    const orgs = onlyOrgId
      ? [onlyOrgId]
      : await db.system(async (tx) => {
          const r = await tx.execute(sql`select distinct org_id from tiktok_webhook_events where status = 'pending' and next_attempt_at <= ${now.toISOString()}::timestamptz limit 100`);
          return (r.rows as { org_id: string }[]).map((x) => x.org_id);
        });
    for (const orgId of orgs) {
      const r = await this.processOrg(orgId);
      report.claimed += r.claimed;
      report.done += r.done;
      report.ignored += r.ignored;
      report.retried += r.retried;
      report.failed += r.failed;
    }
    return report;
  }

  private async processOrg(orgId: string): Promise<ProcessReport> {
    const { db, clock } = this.d;
    const now = clock.now();
    const lease = new Date(now.getTime() + (this.d.leaseMs ?? 30_000));
    const claimed = await db.tenant(orgId, async (tx) => {
      const r = await tx.execute(sql`
        update tiktok_webhook_events e set attempts = e.attempts + 1, next_attempt_at = ${lease.toISOString()}::timestamptz
        where (e.org_id, e.id) in (
          select org_id, id from tiktok_webhook_events
          where org_id = ${orgId} and status = 'pending' and next_attempt_at <= ${now.toISOString()}::timestamptz
          order by received_at, id
          limit ${this.d.batchSize ?? 500}
          for update skip locked)
        returning e.id, e.shop_id, e.type, e.work_refs, case when e.work_refs is null then e.raw_body end as raw_body, e.attempts`);
      return (r.rows as { id: string; shop_id: string; type: number; work_refs: string | null; raw_body: string | null; attempts: number }[]).map((x) => ({ id: x.id, shopId: x.shop_id, type: x.type, workRefs: x.work_refs, rawBody: x.raw_body, attempts: x.attempts }));
    });
    const report: ProcessReport = { claimed: claimed.length, done: 0, ignored: 0, retried: 0, failed: 0 };
    if (claimed.length === 0) return report;

    // 1. What each event asks for, grouped by shop (the platform is asked per shop).
    const plans = new Map<string, ShopPlan>();
    for (const ev of claimed) {
      let plan = plans.get(ev.shopId);
      if (!plan) plans.set(ev.shopId, (plan = { shopId: ev.shopId, events: [], refs: { orderIds: new Set(), returnIds: new Set(), cancelIds: new Set(), conversationIds: new Set() }, work: [], handled: [], ignored: [] }));
      plan.events.push(ev);
      const w = this.workOf(ev);
      if (w.kind === 'fetch') {
        for (const k of ['orderIds', 'returnIds', 'cancelIds', 'conversationIds'] as const) for (const v of w[k]) plan.refs[k].add(v);
        plan.work.push(ev.id);
      } else if (w.kind === 'products') {
        // A failed refresh leaves the event claimed: its lease runs out and it is tried again.
        try {
          await this.d.refreshProducts?.(orgId, ev.shopId, w.productIds);
          plan.handled.push(ev.id);
        } catch (e) {
          this.d.log.warn({ err: e, shopId: ev.shopId }, 'TikTok product refresh failed; will retry');
        }
      } else if (w.kind === 'deauth') {
        await this.d.connections.markRevoked(orgId, ev.shopId);
        this.d.log.warn({ orgId, shopId: ev.shopId }, 'TikTok seller de-authorised the app for this shop');
        plan.handled.push(ev.id);
      } else {
        if (w.kind === 'expiring') this.d.log.warn({ orgId, shopId: ev.shopId }, 'TikTok authorisation expires soon: ask the seller to authorise again');
        plan.ignored.push(ev.id);
      }
    }

    // 2. Re-fetch: webhooks may arrive late, twice or out of order; the platform's current state wins.
    await pool([...plans.values()], 4, async (plan) => {
      if (plan.work.length === 0) return;
      try {
        plan.bundle = await this.d.engine.fetchByIds(orgId, plan.shopId, plan.refs);
      } catch (e) {
        plan.error = e;
      }
    });
    await this.d.beforeApply?.();

    // 3a. Shops whose bundle goes on to the helpdesk (chats, new return requests): domain rows
    // first, then the inbox, then "done" — a crash in between re-delivers, idempotently.
    const together: ShopPlan[] = [];
    for (const plan of plans.values()) {
      if (plan.error) continue;
      if (!plan.bundle || !this.d.engine.hasInboxWork(plan.bundle)) {
        together.push(plan);
        continue;
      }
      try {
        await this.d.engine.apply(orgId, plan.bundle);
        await this.d.engine.deliverToInbox(orgId, plan.shopId, plan.bundle);
        await this.d.db.tenant(orgId, (tx) => this.finishIn(tx, orgId, [...plan.work, ...plan.handled], plan.ignored));
        report.done += plan.work.length + plan.handled.length;
        report.ignored += plan.ignored.length;
      } catch (e) {
        plan.error = e;
      }
    }
    // 3b. Everything else: all shops' domain rows and "done" marks commit in one transaction. If
    // that fails, each shop is tried on its own, so one shop's bad data fails only its own events.
    const commit = async (group: ShopPlan[]) => {
      await this.d.db.tenant(orgId, async (tx) => {
        const bundles = group.flatMap((p) => (p.bundle ? [p.bundle] : []));
        if (bundles.length) await this.d.engine.applyIn(tx, orgId, { orders: bundles.flatMap((b) => b.orders), returns: bundles.flatMap((b) => b.returns), conversations: [] });
        await this.finishIn(tx, orgId, group.flatMap((p) => [...p.work, ...p.handled]), group.flatMap((p) => p.ignored));
      });
      for (const p of group) {
        report.done += p.work.length + p.handled.length;
        report.ignored += p.ignored.length;
      }
    };
    if (together.length) {
      try {
        await commit(together);
      } catch (e) {
        if (together.length === 1) together[0]!.error = e;
        else {
          for (const p of together) {
            try {
              await commit([p]);
            } catch (err) {
              p.error = err;
            }
          }
        }
      }
    }

    // 4. Failures: retry what may succeed later (with backoff), fail the rest; actions and ignores still finish.
    for (const plan of plans.values()) {
      if (plan.error === undefined) continue;
      const e = plan.error;
      const retryable = (e instanceof TikTokApiError && (e.retryable || e.code === -1)) || !(e instanceof TikTokApiError || e instanceof TikTokSchemaError || e instanceof AppError);
      const msg = e instanceof Error ? e.message : String(e);
      const maxAttempts = this.d.maxAttempts ?? 10;
      const work = new Set(plan.work);
      const retry = plan.events.filter((ev) => work.has(ev.id) && retryable && ev.attempts < maxAttempts);
      const fail = plan.events.filter((ev) => work.has(ev.id) && !retry.includes(ev));
      for (const ev of retry) await this.reschedule(orgId, ev, msg);
      await this.finish(orgId, fail.map((x) => x.id), 'failed', msg);
      await this.finish(orgId, plan.handled, 'done');
      await this.finish(orgId, plan.ignored, 'ignored');
      report.done += plan.handled.length;
      report.retried += retry.length;
      report.failed += fail.length;
      report.ignored += plan.ignored.length;
      this.d.log.warn({ orgId, shopId: plan.shopId, err: msg, retried: retry.length, failed: fail.length }, 'TikTok webhook processing failed for a shop batch');
    }
    return report;
  }

  /** The stored decision when there is one (events received by this version), else the raw body's. */
  private workOf(ev: ClaimedEvent): WebhookWork {
    const stored = decodeWork(ev.workRefs);
    if (stored) return stored;
    try {
      return workOf(WebhookEvent.parse(parseTikTokJson(ev.rawBody ?? '')));
    } catch {
      return { kind: 'ignore' };
    }
  }

  private async finish(orgId: string, ids: string[], status: 'done' | 'ignored' | 'failed', error?: string): Promise<void> {
    if (ids.length === 0) return;
    await this.d.db.tenant(orgId, (tx) => this.mark(tx, orgId, ids, status, error));
  }

  private async finishIn(tx: Tx, orgId: string, done: string[], ignored: string[]): Promise<void> {
    await this.mark(tx, orgId, done, 'done');
    await this.mark(tx, orgId, ignored, 'ignored');
  }

  /** Only still-pending rows move: an event another worker already finished is left as it is. */
  private async mark(tx: Tx, orgId: string, ids: string[], status: 'done' | 'ignored' | 'failed', error?: string): Promise<void> {
    if (ids.length === 0) return;
    await tx.execute(sql`
      update tiktok_webhook_events set status = ${status}, times_processed = times_processed + 1, processed_at = ${this.d.clock.now().toISOString()}::timestamptz, last_error = ${error ?? null}
      where org_id = ${orgId} and id = any(${sql.param(ids)}::text[]) and status = 'pending'`);
  }

  private async reschedule(orgId: string, ev: ClaimedEvent, error: string): Promise<void> {
    const next = new Date(this.d.clock.now().getTime() + this.backoffMs(ev.attempts));
    await this.d.db.tenant(orgId, (tx) =>
      tx.update(tiktokWebhookEvents).set({ nextAttemptAt: next, lastError: error }).where(and(eq(tiktokWebhookEvents.orgId, orgId), eq(tiktokWebhookEvents.id, ev.id))),
    );
  }

  /** Process until nothing is due (tests, CLI, bench). */
  async drain(onlyOrgId?: string, maxRounds = 1000): Promise<ProcessReport> {
    const total: ProcessReport = { claimed: 0, done: 0, ignored: 0, retried: 0, failed: 0 };
    for (let i = 0; i < maxRounds; i++) {
      const r = await this.runOnce(onlyOrgId);
      total.claimed += r.claimed;
      total.done += r.done;
      total.ignored += r.ignored;
      total.retried += r.retried;
      total.failed += r.failed;
      if (r.claimed === 0) break;
    }
    return total;
  }

  wake(): void {
    this.wakeFn?.();
  }

  /**
   * Poll (and wake on local stores). `loops` claimers run side by side so one batch's platform
   * round trips overlap the next batch's database work; SKIP LOCKED keeps them apart.
   */
  start(pollMs = 500, loops = 2): void {
    if (!this.stopped) return;
    this.stopped = false;
    const wakers = new Set<() => void>();
    this.wakeFn = () => {
      for (const w of [...wakers]) w();
    };
    const loop = async () => {
      while (!this.stopped) {
        this.running++;
        let claimed = 0;
        try {
          claimed = (await this.runOnce()).claimed;
        } catch (e) {
          this.d.log.error({ err: e }, 'TikTok webhook processor round failed');
        }
        this.running--;
        if (this.stopped) continue;
        // A full batch means a backlog: go again at once. A partial one means events are trickling
        // in: wait a moment so the next claim takes many at a time instead of one per wake-up.
        if (claimed >= (this.d.batchSize ?? 500)) continue;
        if (claimed > 0) {
          await new Promise((r) => setTimeout(r, this.d.gatherMs ?? 50));
          continue;
        }
        await new Promise<void>((resolve) => {
          const done = () => {
            clearTimeout(t);
            this.timers.delete(t);
            wakers.delete(done);
            resolve();
          };
          const t = setTimeout(done, pollMs);
          wakers.add(done);
          this.timers.add(t);
        });
      }
    };
    for (let i = 0; i < loops; i++) void loop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.wakeFn?.();
    while (this.running > 0) await new Promise((r) => setTimeout(r, 10));
  }

  /** Delete processed events past retention (never below 72 h: the platform retries for ~15 h). */
  async purge(olderThanMs = 7 * 24 * 3600_000): Promise<number> {
    const cutoff = new Date(this.d.clock.now().getTime() - Math.max(olderThanMs, WEBHOOK_RETENTION_MIN_MS));
    return this.d.db.system(async (tx) => {
      const r = await tx.execute(sql`delete from tiktok_webhook_events where status in ('done', 'ignored') and received_at < ${cutoff.toISOString()}::timestamptz`);
      return r.rowCount ?? 0;
    });
  }
}
