import type { Database, Tx } from '../../platform/db.js';
import type { Logger } from '../../platform/logger.js';
import type { InboundMessage } from '../../modules/helpdesk/index.js';
import { liveSessionAt } from '../../modules/analytics/index.js';
import { ordersByExternalIds, trafficSourcesOf, type OrderInput, type OrdersService, type PlatformReturnInput } from '../../modules/orders/index.js';
import type { ShopAuth, TikTokClient } from './client.js';
import type { Connections } from './connections.js';
import { languageForRegion, mapCancellation, mapMessage, mapOrder, mapReturn, messageContent } from './mapping.js';
import type { ConversationDetail, Message, ReturnOrder } from './schemas.js';

/** Contract 2: where chat messages go (the helpdesk's ingestInbound). Idempotent on org + channel + external message id. */
export interface ConversationSink {
  ingestInbound(input: InboundMessage): Promise<{ ticketId: string; messageId: string; created: boolean }>;
  /** The platform's requests as just synced (our ids, their status), in the sync's transaction: actions about them follow. */
  platformOutcomes?(tx: Tx, orgId: string, rows: { id: string; status: string }[]): Promise<number>;
}

export interface Bundle {
  orders: OrderInput[];
  returns: PlatformReturnInput[];
  conversations: { conv: ConversationDetail; messages: Message[] }[];
}

export interface EntityRefs {
  orderIds?: Iterable<string>;
  returnIds?: Iterable<string>;
  cancelIds?: Iterable<string>;
  conversationIds?: Iterable<string>;
}

export interface EngineDeps {
  db: Database;
  log: Logger;
  client: TikTokClient;
  connections: Connections;
  orders: OrdersService;
  sink: ConversationSink | undefined;
}

const chunks = <T>(xs: T[], n: number): T[][] => Array.from({ length: Math.ceil(xs.length / n) }, (_, i) => xs.slice(i * n, i * n + n));

/** Run `fn` over items with at most `limit` in flight (the platform counts QPS per shop). */
export async function pool<T, R>(items: T[], limit: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let i = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (i < items.length) {
        const k = i++;
        out[k] = await fn(items[k]!);
      }
    }),
  );
  return out;
}

/**
 * The shared core of webhooks, incremental sync and reconciliation: re-fetch entities from the
 * platform (never trust a webhook payload's state), map them, and apply them to the domain.
 */
export function createEngine(d: EngineDeps) {
  async function fetchReturnsWithRecords(auth: ShopAuth, shopId: string, rets: ReturnOrder[]): Promise<PlatformReturnInput[]> {
    return pool(rets, 4, async (r) => {
      // Photos and videos live only in the records timeline; the search result has none.
      const rec = await d.client.getReturnRecords(auth, r.return_id);
      return mapReturn(shopId, r, rec.records);
    });
  }

  const engine = {
    async fetchByIds(orgId: string, shopId: string, refs: EntityRefs): Promise<Bundle> {
      return d.connections.withShop(orgId, shopId, async (auth) => {
        const orderIds = new Set(refs.orderIds ?? []);
        const returns: PlatformReturnInput[] = [];
        const returnIds = [...new Set(refs.returnIds ?? [])];
        for (const ids of chunks(returnIds, 50)) {
          const res = await d.client.searchReturns(auth, { return_ids: ids }, { page_size: 50 });
          for (const r of res.return_orders) orderIds.add(r.order_id);
          returns.push(...(await fetchReturnsWithRecords(auth, shopId, res.return_orders)));
        }
        const cancelIds = [...new Set(refs.cancelIds ?? [])];
        for (const ids of chunks(cancelIds, 50)) {
          const res = await d.client.searchCancellations(auth, { cancel_ids: ids }, { page_size: 50 });
          for (const c of res.cancellations) {
            orderIds.add(c.order_id);
            returns.push(mapCancellation(shopId, c));
          }
        }
        const orderResults = await pool(chunks([...orderIds], 50), 4, (ids) => d.client.getOrders(auth, ids));
        const orders = orderResults.flatMap((r) => r.orders.map((o) => mapOrder(shopId, o)));
        const conversations: Bundle['conversations'] = [];
        for (const id of new Set(refs.conversationIds ?? [])) conversations.push(await engine.fetchConversation(auth, id));
        return { orders, returns, conversations };
      });
    },

    /** One conversation (202601 get-one) and its latest page of messages. */
    async fetchConversation(auth: ShopAuth, conversationId: string, opts: { sinceSec?: number; maxPages?: number } = {}): Promise<{ conv: ConversationDetail; messages: Message[] }> {
      const conv = await d.client.getConversation(auth, conversationId);
      const messages: Message[] = [];
      let token: string | undefined;
      for (let page = 0; page < (opts.maxPages ?? 1); page++) {
        const res = await d.client.listMessages(auth, conversationId, { page_size: 10, page_token: token });
        messages.push(...res.messages);
        const oldest = res.messages[res.messages.length - 1];
        if (!res.next_page_token || (opts.sinceSec !== undefined && oldest && oldest.create_time < opts.sinceSec)) break;
        token = res.next_page_token;
      }
      return { conv, messages: opts.sinceSec === undefined ? messages : messages.filter((m) => m.create_time >= opts.sinceSec!) };
    },

    /** Domain writes for one organisation, in its tenant transaction. */
    async apply(orgId: string, b: Bundle): Promise<void> {
      if (b.orders.length === 0 && b.returns.length === 0) return;
      await d.db.tenant(orgId, (tx) => engine.applyIn(tx, orgId, b));
    },

    /** The same writes inside a transaction the caller holds (so it can commit more with them). */
    async applyIn(tx: Tx, orgId: string, b: Bundle): Promise<void> {
      await d.orders.applyOrders(tx, orgId, b.orders);
      const applied = await d.orders.applyPlatformReturnsReporting(tx, orgId, b.returns);
      if (d.sink?.platformOutcomes && applied.length) await d.sink.platformOutcomes(tx, orgId, applied);
    },

    /** Whether deliverToInbox has anything to hand to the helpdesk for this bundle. */
    hasInboxWork(b: Bundle): boolean {
      return !!d.sink && (b.conversations.length > 0 || b.returns.some((r) => r.status === 'requested'));
    },

    /**
     * Chats → helpdesk. Each conversation is linked to our order (from an order card in the chat,
     * else the buyer's latest order in that shop); an order bought from a livestream makes the
     * conversation a 'livestream' channel ticket. New return requests also land in the inbox.
     */
    async deliverToInbox(orgId: string, shopId: string, b: Bundle): Promise<number> {
      if (!d.sink) return 0;
      let n = 0;
      for (const { conv, messages } of b.conversations) {
        // The most recent order card wins: a returning buyer's chat is about their latest order.
        const cardOrderIds = [...messages]
          .sort((a, c) => c.create_time - a.create_time)
          .map((m) => messageContent(m)?.orderId)
          .filter((x): x is string => !!x);
        const buyerUserId = conv.participants.find((p) => p.role.toUpperCase() === 'BUYER')?.user_id;
        const link = await d.db.tenant(orgId, async (tx) => {
          const found = await ordersByExternalIds(tx, orgId, shopId, cardOrderIds);
          let o: { id: string; country: string | null; placedAt: Date } | undefined = cardOrderIds.map((x) => found.find((f) => f.externalId === x)).find((f) => !!f);
          if (!o && buyerUserId) {
            const rows = await d.orders.buyerOfOrderExternal(tx, orgId, shopId, buyerUserId);
            if (rows[0]) o = { id: rows[0].id, country: null, placedAt: rows[0].placedAt };
          }
          if (!o) return undefined;
          // Attributed to a LIVE already, or placed while one of the shop's synced sessions was on air.
          const live = (await trafficSourcesOf(tx, orgId, o.id)).find((l) => l.type === 'livestream')?.id ?? (await liveSessionAt(tx, orgId, shopId, o.placedAt))?.id;
          return { orderId: o.id, country: o.country, livestreamSessionId: live ?? undefined };
        });
        // Oldest first, so the helpdesk sees the thread in the order it was written.
        for (const m of [...messages].sort((a, c) => a.create_time - c.create_time || (a.id < c.id ? -1 : 1))) {
          const input = mapMessage(conv, m, { orgId, shopId, orderId: link?.orderId, livestreamSessionId: link?.livestreamSessionId ?? undefined, language: languageForRegion(link?.country ?? undefined) });
          if (!input) continue;
          await d.sink.ingestInbound(input);
          n++;
        }
      }
      // New after-sales requests (returns and buyers' cancellation requests) wait for a decision in the inbox.
      for (const r of b.returns) {
        if (r.status !== 'requested') continue;
        const tag = r.kind === 'cancellation' ? 'cancel' : 'return';
        const order = b.orders.find((o) => o.externalId === r.externalOrderId);
        const ours = await d.orders.findOrderByExternalId({ orgId, userId: 'system', role: 'owner' }, shopId, r.externalOrderId);
        if (!ours) continue;
        const line = ours.lines.find((l) => l.trafficSource.type === 'livestream');
        await d.sink.ingestInbound({
          orgId,
          shopId,
          channel: 'tiktok_return_request',
          externalThreadId: `${tag}:${r.externalId}`,
          externalMessageId: `${tag}:${r.externalId}:requested`,
          buyer: { externalId: order?.buyer.platformBuyerId, name: order?.buyer.displayName ?? undefined, language: order?.buyer.language ?? undefined },
          orderId: ours.id,
          direction: 'inbound',
          text: [r.reasonText ?? r.reasonCode ?? (r.kind === 'cancellation' ? 'Cancellation requested' : 'Return requested'), r.photos.length ? `(${r.photos.length} photo${r.photos.length > 1 ? 's' : ''})` : ''].filter(Boolean).join(' '),
          attachments: [...r.photos.map((url) => ({ url })), ...r.videos.map((url) => ({ url }))],
          sentAt: r.requestedAt.toISOString(),
          ...(line?.trafficSource.id ? { livestreamSessionId: line.trafficSource.id } : {}),
        });
        n++;
      }
      return n;
    },
  };
  return engine;
}

export type Engine = ReturnType<typeof createEngine>;
