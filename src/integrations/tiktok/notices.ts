import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import type { Database } from '../../platform/db.js';
import { outbox } from '../../platform/outbox/outbox.schema.js';
import { PermanentError, type OutboxRegistry } from '../../platform/outbox/outbox.js';
import { describeIssues, zodIssues } from '../../platform/validation.js';
import { buyerPlatformIds } from '../../modules/orders/index.js';
import { SEND_NOTICE_HANDLER, type PlaybooksService } from '../../modules/playbooks/index.js';
import { TikTokApiError, type TikTokClient } from './client.js';
import type { Connections } from './connections.js';
import { createConversation, shopMessageSince } from './coupons.js';

const SendNoticePayload = z.object({ shopId: z.string(), buyerId: z.string(), sendId: z.string(), text: z.string().min(1) });

/**
 * A proactive notice as a TEXT message in the buyer's chat. Like the coupon card, the send has no
 * idempotency key on the platform: a later attempt (or a lost answer) first re-reads the
 * conversation for the same text sent since the step was created, and counts that as the send.
 */
export function registerNoticeHandlers(registry: OutboxRegistry, d: { db: Database; client: TikTokClient; connections: Connections }, notices: PlaybooksService): void {
  registry.register(SEND_NOTICE_HANDLER, async (payload, ctx) => {
    const parsed = SendNoticePayload.safeParse(payload);
    if (!parsed.success) throw new PermanentError(`${SEND_NOTICE_HANDLER} payload invalid: ${describeIssues(zodIssues(parsed.error, { root: 'payload' }))}`, 'tiktok.bad_payload');
    const p = parsed.data;
    if (!(await notices.wantsSend(ctx.orgId, p.sendId))) return { skipped: 'switched_off' };
    const { created, buyer } = await d.db.tenant(ctx.orgId, async (tx) => {
      const [row] = await tx.select({ createdAt: outbox.createdAt }).from(outbox).where(and(eq(outbox.orgId, ctx.orgId), eq(outbox.id, ctx.id)));
      return { created: row?.createdAt ?? new Date(), buyer: (await buyerPlatformIds(tx, ctx.orgId, [p.buyerId])).get(p.buyerId) };
    });
    if (!buyer) throw new PermanentError(`buyer ${p.buyerId} not found`, 'notices.buyer_missing');
    const since = Math.floor(created.getTime() / 1000) - 5;
    const same = (type: string, c: Record<string, unknown>) => type === 'TEXT' && c.content === p.text;
    const result = await d.connections.withShop(ctx.orgId, p.shopId, async (auth) => {
      const { conversation_id: conv } = await createConversation(d.client, auth, buyer.platformBuyerId);
      if (ctx.attempt > 1) {
        const found = await shopMessageSince(d.client, auth, conv, since, same);
        if (found) return { messageId: found, deduplicated: true, conversationId: conv };
      }
      try {
        return { messageId: (await d.client.sendMessage(auth, conv, p.text)).message_id, deduplicated: false, conversationId: conv };
      } catch (e) {
        if (e instanceof TikTokApiError && e.ambiguous) {
          const found = await shopMessageSince(d.client, auth, conv, since, same).catch(() => undefined);
          if (found) return { messageId: found, deduplicated: true, conversationId: conv };
        }
        if (e instanceof TikTokApiError && !e.retryable && !e.deferrable && e.code !== -1) throw new PermanentError(e.message, `tiktok.${e.code}`);
        throw e;
      }
    });
    await notices.markSent(ctx.orgId, p.sendId, result);
    return result;
  });
}
