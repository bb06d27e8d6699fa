import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import type { Database } from '../../platform/db.js';
import { outbox } from '../../platform/outbox/outbox.schema.js';
import { PermanentError, type OutboxRegistry } from '../../platform/outbox/outbox.js';
import { describeIssues, zodIssues } from '../../platform/validation.js';
import { INCIDENT_CHAT_HANDLER } from '../../modules/incidents/index.js';
import { buyerPlatformIds } from '../../modules/orders/index.js';
import { TikTokApiError, type ShopAuth, type TikTokClient } from './client.js';
import type { Connections } from './connections.js';
import { createConversation } from './coupons.js';

export const SendBuyerTextPayload = z.strictObject({
  shopId: z.string().min(1),
  buyerId: z.string().startsWith('byr_'),
  incidentId: z.string().min(1),
  text: z.string().min(1).max(2000),
});

/**
 * An incident's text to a buyer who may never have written to us: start (or find) the
 * conversation with the buyer's TikTok user id, then send the text. Like the coupon card, Send
 * Message has no idempotency key: a later attempt (or an ambiguous answer) first re-reads the chat
 * for our text since the step was created, so a crash between the send and the commit never
 * sends it twice. The daily quota (45101004) is "not now": the outbox retries later.
 */
export function registerIncidentHandlers(registry: OutboxRegistry, d: { db: Database; client: TikTokClient; connections: Connections }): void {
  async function sentSince(auth: ShopAuth, conv: string, sinceSec: number, text: string): Promise<string | undefined> {
    let token: string | undefined;
    for (let page = 0; page < 5; page++) {
      const r = await d.client.listMessages(auth, conv, { page_size: 10, page_token: token });
      for (const m of r.messages) {
        const role = m.sender.role.toUpperCase();
        if ((role !== 'SHOP' && role !== 'CUSTOMER_SERVICE') || m.create_time < sinceSec || m.type.toUpperCase() !== 'TEXT') continue;
        try {
          if ((JSON.parse(m.content) as { content?: string }).content === text) return m.id;
        } catch {
          /* not ours */
        }
      }
      const oldest = r.messages[r.messages.length - 1];
      if (!r.next_page_token || !oldest || oldest.create_time < sinceSec) return undefined;
      token = r.next_page_token;
    }
    return undefined;
  }

  registry.register(INCIDENT_CHAT_HANDLER, async (payload, ctx) => {
    const parsed = SendBuyerTextPayload.safeParse(payload);
    if (!parsed.success) throw new PermanentError(`${INCIDENT_CHAT_HANDLER} payload invalid: ${describeIssues(zodIssues(parsed.error, { root: 'payload' }))}`, 'tiktok.bad_payload');
    const p = parsed.data;
    const { created, buyer } = await d.db.tenant(ctx.orgId, async (tx) => {
      const [row] = await tx.select({ createdAt: outbox.createdAt }).from(outbox).where(and(eq(outbox.orgId, ctx.orgId), eq(outbox.id, ctx.id)));
      return { created: row?.createdAt ?? new Date(), buyer: (await buyerPlatformIds(tx, ctx.orgId, [p.buyerId])).get(p.buyerId) };
    });
    if (!buyer) throw new PermanentError(`buyer ${p.buyerId} not found`, 'incidents.buyer_missing');
    const since = Math.floor(created.getTime() / 1000) - 5;
    return d.connections.withShop(ctx.orgId, p.shopId, async (auth) => {
      const { conversation_id: conv } = await createConversation(d.client, auth, buyer.platformBuyerId);
      if (ctx.attempt > 1) {
        const found = await sentSince(auth, conv, since, p.text);
        if (found) return { messageId: found, deduplicated: true, conversationId: conv };
      }
      try {
        const r = await d.client.sendCard(auth, conv, { type: 'TEXT', content: { content: p.text } });
        return { messageId: r.message_id, deduplicated: false, conversationId: conv };
      } catch (e) {
        if (e instanceof TikTokApiError && e.ambiguous) {
          const found = await sentSince(auth, conv, since, p.text).catch(() => undefined);
          if (found) return { messageId: found, deduplicated: true, conversationId: conv };
        }
        if (e instanceof TikTokApiError && !e.retryable && !e.deferrable && e.code !== -1) throw new PermanentError(e.message, `tiktok.${e.code}`);
        throw e;
      }
    });
  });
}
