import { and, eq, sql } from 'drizzle-orm';
import type { Clock } from '../../platform/clock.js';
import type { Database } from '../../platform/db.js';
import type { IdGenerator } from '../../platform/ids.js';
import type { Logger } from '../../platform/logger.js';
import type { TikTokClient } from './client.js';
import type { Connections } from './connections.js';
import type { Engine } from './engine.js';
import { mapCancellation, mapOrder } from './mapping.js';
import { tiktokSyncCursors, type SyncKind } from './tiktok.schema.js';

export interface SyncDeps {
  db: Database;
  ids: IdGenerator;
  clock: Clock;
  log: Logger;
  client: TikTokClient;
  connections: Connections;
  engine: Engine;
}

export interface SyncReport {
  orders: number;
  returns: number;
  cancellations: number;
  messages: number;
}

export const SYNC_KINDS: SyncKind[] = ['orders', 'returns', 'cancellations', 'conversations'];

/**
 * Incremental sync by platform update time with a cursor per shop and kind. The cursor is the
 * highest update_time applied; the next run asks for `update_time_ge = cursor` (inclusive, so a
 * second with several changes is never skipped — re-applying is idempotent). The cursor moves
 * after each page is committed, so an interrupted sync resumes where it stopped.
 */
export function createSync(d: SyncDeps) {
  async function cursor(orgId: string, shopId: string, kind: SyncKind): Promise<number> {
    return d.db.tenant(orgId, async (tx) => {
      const [c] = await tx.select().from(tiktokSyncCursors).where(and(eq(tiktokSyncCursors.orgId, orgId), eq(tiktokSyncCursors.shopId, shopId), eq(tiktokSyncCursors.kind, kind)));
      return c?.watermark ?? 0;
    });
  }
  async function advance(orgId: string, shopId: string, kind: SyncKind, watermark: number, count: number): Promise<void> {
    const now = d.clock.now();
    await d.db.tenant(orgId, (tx) =>
      tx
        .insert(tiktokSyncCursors)
        .values({ orgId, id: d.ids('tsc'), shopId, kind, watermark, lastRunAt: now, lastCount: count })
        .onConflictDoUpdate({
          target: [tiktokSyncCursors.orgId, tiktokSyncCursors.shopId, tiktokSyncCursors.kind],
          // Never move backwards (two syncs of one shop may overlap).
          set: { watermark: watermark, lastRunAt: now, lastCount: count },
          setWhere: sql`${tiktokSyncCursors.watermark} <= excluded.watermark`,
        }),
    );
  }

  const api = {
    cursor,
    /** Every sync cursor of an organisation: per shop and kind, when it last ran and what it brought. */
    async cursors(orgId: string): Promise<{ shopId: string; kind: SyncKind; lastRunAt: Date | null; lastCount: number }[]> {
      return d.db.tenant(orgId, (tx) =>
        tx
          .select({ shopId: tiktokSyncCursors.shopId, kind: tiktokSyncCursors.kind, lastRunAt: tiktokSyncCursors.lastRunAt, lastCount: tiktokSyncCursors.lastCount })
          .from(tiktokSyncCursors)
          .where(eq(tiktokSyncCursors.orgId, orgId))
          .orderBy(tiktokSyncCursors.shopId, tiktokSyncCursors.kind),
      );
    },

    async syncShop(orgId: string, shopId: string, kinds: SyncKind[] = SYNC_KINDS, opts: { pageSize?: number } = {}): Promise<SyncReport> {
      const report: SyncReport = { orders: 0, returns: 0, cancellations: 0, messages: 0 };
      for (const kind of kinds) {
        const since = await cursor(orgId, shopId, kind);
        let high = since;
        let token: string | undefined;
        let count = 0;
        if (kind === 'conversations') {
          await d.connections.withShop(orgId, shopId, async (auth) => {
            // Conversations have no update_time filter: walk them newest-first and stop at the cursor.
            for (;;) {
              const page = await d.client.listConversations(auth, { page_size: 20, page_token: token });
              let older = false;
              for (const c of page.conversations) {
                const latest = c.latest_message?.create_time ?? c.create_time;
                if (latest < since) {
                  older = true;
                  continue;
                }
                const conv = await d.engine.fetchConversation(auth, c.id, { sinceSec: since, maxPages: 20 });
                const n = await d.engine.deliverToInbox(orgId, shopId, { orders: [], returns: [], conversations: [conv] });
                report.messages += n;
                count += n;
                for (const m of conv.messages) high = Math.max(high, m.create_time);
              }
              if (older || !page.next_page_token) break;
              token = page.next_page_token;
            }
          });
          await advance(orgId, shopId, kind, high, count);
          continue;
        }
        for (;;) {
          const res = await d.connections.withShop(orgId, shopId, async (auth) => {
            const filter = { update_time_ge: since || undefined };
            const page = { page_size: opts.pageSize ?? 50, page_token: token, sort_field: 'update_time', sort_order: 'ASC' as const };
            if (kind === 'orders') {
              const r = await d.client.searchOrders(auth, filter, page);
              return { next: r.next_page_token, bundle: { orders: r.orders.map((o) => mapOrder(shopId, o)), returns: [], conversations: [] }, times: r.orders.map((o) => o.update_time) };
            }
            if (kind === 'returns') {
              const r = await d.client.searchReturns(auth, filter, page);
              // Re-fetch with records (photos) and the orders they belong to, then apply together.
              const b = await d.engine.fetchByIds(orgId, shopId, { returnIds: r.return_orders.map((x) => x.return_id) });
              return { next: r.next_page_token, bundle: b, times: r.return_orders.map((x) => x.update_time) };
            }
            const r = await d.client.searchCancellations(auth, filter, { page_size: Math.min(opts.pageSize ?? 50, 50), page_token: token });
            const orders = r.cancellations.length ? await d.engine.fetchByIds(orgId, shopId, { orderIds: r.cancellations.map((c) => c.order_id) }) : { orders: [] };
            return { next: r.next_page_token, bundle: { orders: orders.orders, returns: r.cancellations.map((c) => mapCancellation(shopId, c)), conversations: [] }, times: r.cancellations.map((c) => c.update_time) };
          });
          await d.engine.apply(orgId, res.bundle);
          if (kind === 'returns' || kind === 'cancellations') await d.engine.deliverToInbox(orgId, shopId, { ...res.bundle, conversations: [] });
          const n = kind === 'orders' ? res.bundle.orders.length : res.bundle.returns.length;
          count += n;
          report[kind] += n;
          for (const t of res.times) high = Math.max(high, t);
          await advance(orgId, shopId, kind, high, count);
          if (!res.next) break;
          token = res.next;
        }
      }
      return report;
    },

    /** The safety net for missed webhooks: every active shop, every kind, from its cursor. */
    async reconcileAll(): Promise<{ shops: number; report: SyncReport; failed: number }> {
      const total: SyncReport = { orders: 0, returns: 0, cancellations: 0, messages: 0 };
      let failed = 0;
      const shops = await d.connections.allActive();
      for (const s of shops) {
        try {
          const r = await api.syncShop(s.orgId, s.shopId);
          total.orders += r.orders;
          total.returns += r.returns;
          total.cancellations += r.cancellations;
          total.messages += r.messages;
        } catch (e) {
          failed++;
          d.log.warn({ err: e, orgId: s.orgId, shopId: s.shopId }, 'TikTok reconciliation of a shop failed; the next run retries from its cursor');
        }
      }
      return { shops: shops.length, report: total, failed };
    },
  };
  return api;
}

export type Sync = ReturnType<typeof createSync>;
