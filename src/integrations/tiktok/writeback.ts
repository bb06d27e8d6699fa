import crypto from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import type { Database } from '../../platform/db.js';
import type { Logger } from '../../platform/logger.js';
import { toDecimal } from '../../platform/money.js';
import { outbox } from '../../platform/outbox/outbox.schema.js';
import { PermanentError, type OutboxContext, type OutboxHandler, type OutboxRegistry } from '../../platform/outbox/outbox.js';
import type { OrdersService } from '../../modules/orders/index.js';
import { TikTokApiError, type ShopAuth, type TikTokClient } from './client.js';
import type { Connections } from './connections.js';
import type { Engine } from './engine.js';
import { messageContent } from './mapping.js';
import { marketOf, sellerRefundReason } from './reasons.js';
import { tiktokConnections } from './tiktok.schema.js';
import { describeIssues, zodIssues } from '../../platform/validation.js';

/** Handler names (the outbox knows handlers only by name; payloads use our ids). */
export const TIKTOK_HANDLERS = {
  sendMessage: 'tiktok.send_message',
  approveReturn: 'tiktok.approve_return',
  rejectReturn: 'tiktok.reject_return',
  refund: 'tiktok.refund',
  approveCancellation: 'tiktok.approve_cancellation',
  rejectCancellation: 'tiktok.reject_cancellation',
  createReturn: 'tiktok.create_return',
} as const;

export const SendMessagePayload = z.strictObject({
  shopId: z.string().min(1),
  conversationId: z.string().regex(/^\d+$/, 'must be the TikTok conversation id (externalThreadId)'),
  text: z.string().min(1).max(2000),
  messageKey: z.string().min(1).max(255),
});
export const ApproveReturnPayload = z.strictObject({
  shopId: z.string().min(1),
  platformReturnId: z.string().startsWith('prt_', 'must be our prt_ id'),
  decision: z.enum(['APPROVE_RETURN', 'APPROVE_REFUND', 'APPROVE_RECEIVED_PACKAGE', 'APPROVE_REPLACEMENT', 'OFFER_PARTIAL_REFUND']),
  partialRefund: z.strictObject({ amount: z.number().int().positive(), currency: z.string().regex(/^[A-Z]{3}$/) }).optional(),
  buyerKeepItem: z.boolean().optional(),
});
export const RejectReturnPayload = z.strictObject({
  shopId: z.string().min(1),
  platformReturnId: z.string().startsWith('prt_', 'must be our prt_ id'),
  decision: z.enum(['REJECT_REFUND', 'REJECT_RETURN', 'REJECT_RECEIVED_PACKAGE', 'REJECT_REPLACEMENT']),
  rejectReason: z.string().min(1),
  comment: z.string().max(1000).optional(),
});
export const DecideCancellationPayload = z.strictObject({
  shopId: z.string().min(1),
  platformReturnId: z.string().startsWith('prt_', 'must be our prt_ id of the cancellation'),
  /** Only for a reject: a name from Get Reject Reasons for this cancellation. */
  rejectReason: z.string().min(1).optional(),
  comment: z.string().max(1000).optional(),
});
export const RefundPayload = z.strictObject({
  shopId: z.string().min(1),
  orderId: z.string().startsWith('ord_', 'must be our ord_ id'),
  orderLineIds: z.array(z.string().startsWith('oln_')).min(1).optional(),
  amount: z.number().int().positive(),
  currency: z.string().regex(/^[A-Z]{3}$/),
  reason: z.string().min(1).max(200),
});

/** A buyer's return started on our page, created on TikTok for them (US/UK: seller Create Return). */
export const CreateReturnPayload = z.strictObject({
  shopId: z.string().min(1),
  orderId: z.string().startsWith('ord_', 'must be our ord_ id'),
  returnId: z.string().min(1),
  orderLineIds: z.array(z.string().startsWith('oln_')).min(1),
  returnReason: z.string().min(1).max(200),
});

function parse<S extends z.ZodType>(schema: S, payload: unknown, handler: string): z.output<S> {
  const r = schema.safeParse(payload);
  if (!r.success) throw new PermanentError(`${handler} payload invalid: ${describeIssues(zodIssues(r.error, { root: 'payload' }))}`, 'tiktok.bad_payload');
  return r.data;
}

/** The platform caps idempotency keys at 255 characters; longer outbox keys are hashed (still one key per row). */
export function platformKey(ctx: OutboxContext): string {
  return ctx.idempotencyKey.length <= 255 ? ctx.idempotencyKey : crypto.createHash('sha256').update(ctx.idempotencyKey).digest('hex');
}

/**
 * Business refusals are final; throttling, internal errors, lost answers and "not now" refusals
 * (the daily customer-service quota, the coupon-card rate) are retried later by the outbox.
 */
function classify(e: unknown): never {
  if (e instanceof TikTokApiError && !e.retryable && !e.deferrable && e.code !== -1) throw new PermanentError(e.message, `tiktok.${e.code}`);
  throw e;
}

export interface WritebackDeps {
  db: Database;
  log: Logger;
  client: TikTokClient;
  connections: Connections;
  orders: OrdersService;
  engine: Engine;
}

export function writebackHandlers(d: WritebackDeps): Record<string, OutboxHandler> {
  const sys = (orgId: string) => ({ orgId, userId: 'system', role: 'owner' as const });

  async function findSent(auth: ShopAuth, conversationId: string, text: string, sinceSec: number): Promise<string | undefined> {
    let token: string | undefined;
    for (let page = 0; page < 5; page++) {
      const r = await d.client.listMessages(auth, conversationId, { page_size: 10, page_token: token });
      for (const m of r.messages) {
        const role = m.sender.role.toUpperCase();
        if ((role === 'SHOP' || role === 'CUSTOMER_SERVICE') && m.type.toUpperCase() === 'TEXT' && m.create_time >= sinceSec && messageContent(m)?.text === text) return m.id;
      }
      const oldest = r.messages[r.messages.length - 1];
      if (!r.next_page_token || !oldest || oldest.create_time < sinceSec) return undefined;
      token = r.next_page_token;
    }
    return undefined;
  }

  type Plan = { via: 'APPROVE_REFUND' | 'create_return'; returnId?: string };
  async function loadOrSavePlan(ctx: OutboxContext, fresh: Plan): Promise<Plan> {
    return d.db.tenant(ctx.orgId, async (tx) => {
      const [r] = await tx.select({ result: outbox.result }).from(outbox).where(and(eq(outbox.orgId, ctx.orgId), eq(outbox.id, ctx.id))).for('update');
      const saved = (r?.result as { plan?: Plan } | null)?.plan;
      if (saved) return saved;
      await tx.update(outbox).set({ result: { plan: fresh } }).where(and(eq(outbox.orgId, ctx.orgId), eq(outbox.id, ctx.id)));
      return fresh;
    });
  }

  async function refreshCancellation(orgId: string, shopId: string, externalId: string): Promise<void> {
    try {
      const b = await d.engine.fetchByIds(orgId, shopId, { cancelIds: [externalId] });
      await d.engine.apply(orgId, b);
    } catch (e) {
      d.log.warn({ err: e, orgId, externalId }, 'could not refresh the cancellation after a write-back; the webhook or reconciliation will');
    }
  }

  async function cancellationRow(orgId: string, id: string) {
    const c = await d.db.tenant(orgId, (tx) => d.orders.platformReturnRow(tx, orgId, id));
    if (c.kind !== 'cancellation') throw new PermanentError(`${id} is a return, not a cancellation`, 'tiktok.bad_payload');
    return c;
  }

  async function refreshReturn(orgId: string, shopId: string, externalId: string): Promise<void> {
    // Bring our copy up to date now rather than waiting for the webhook.
    try {
      const b = await d.engine.fetchByIds(orgId, shopId, { returnIds: [externalId] });
      await d.engine.apply(orgId, b);
    } catch (e) {
      d.log.warn({ err: e, orgId, externalId }, 'could not refresh the return after a write-back; the webhook or reconciliation will');
    }
  }

  return {
    /**
     * No idempotency key on the platform's send-message endpoint. So: never auto-repeat the POST;
     * on any later attempt (or a lost answer) re-read the conversation first and treat a shop
     * message with the same text sent since the outbox row was created as "already sent".
     */
    [TIKTOK_HANDLERS.sendMessage]: async (payload, ctx) => {
      const p = parse(SendMessagePayload, payload, TIKTOK_HANDLERS.sendMessage);
      const created = await d.db.tenant(ctx.orgId, async (tx) => {
        const [row] = await tx.select({ createdAt: outbox.createdAt }).from(outbox).where(and(eq(outbox.orgId, ctx.orgId), eq(outbox.id, ctx.id)));
        return row?.createdAt ?? new Date();
      });
      const since = Math.floor(created.getTime() / 1000) - 5;
      return d.connections.withShop(ctx.orgId, p.shopId, async (auth) => {
        if (ctx.attempt > 1) {
          const existing = await findSent(auth, p.conversationId, p.text, since);
          if (existing) return { messageId: existing, deduplicated: true };
        }
        try {
          const r = await d.client.sendMessage(auth, p.conversationId, p.text);
          return { messageId: r.message_id, deduplicated: false };
        } catch (e) {
          if (e instanceof TikTokApiError && e.ambiguous) {
            const existing = await findSent(auth, p.conversationId, p.text, since).catch(() => undefined);
            if (existing) return { messageId: existing, deduplicated: true };
          }
          return classify(e);
        }
      });
    },

    [TIKTOK_HANDLERS.approveReturn]: async (payload, ctx) => {
      const p = parse(ApproveReturnPayload, payload, TIKTOK_HANDLERS.approveReturn);
      if (p.decision === 'OFFER_PARTIAL_REFUND' && !p.partialRefund) throw new PermanentError('partialRefund is required with OFFER_PARTIAL_REFUND', 'tiktok.bad_payload');
      const rt = await d.db.tenant(ctx.orgId, (tx) => d.orders.platformReturnRow(tx, ctx.orgId, p.platformReturnId));
      if (rt.kind !== 'return') throw new PermanentError(`${p.platformReturnId} is a cancellation, not a return`, 'tiktok.bad_payload');
      await d.connections
        .withShop(ctx.orgId, p.shopId, (auth) =>
          d.client.approveReturn(
            auth,
            rt.externalId,
            {
              decision: p.decision,
              ...(p.buyerKeepItem !== undefined ? { buyer_keep_item: p.buyerKeepItem } : {}),
              ...(p.partialRefund ? { partial_refund: { amount: toDecimal(p.partialRefund), currency: p.partialRefund.currency } } : {}),
            },
            platformKey(ctx),
          ),
        )
        .catch(classify);
      await refreshReturn(ctx.orgId, p.shopId, rt.externalId);
      return { returnId: rt.externalId, decision: p.decision };
    },

    [TIKTOK_HANDLERS.rejectReturn]: async (payload, ctx) => {
      const p = parse(RejectReturnPayload, payload, TIKTOK_HANDLERS.rejectReturn);
      const rt = await d.db.tenant(ctx.orgId, (tx) => d.orders.platformReturnRow(tx, ctx.orgId, p.platformReturnId));
      await d.connections
        .withShop(ctx.orgId, p.shopId, (auth) => d.client.rejectReturn(auth, rt.externalId, { decision: p.decision, reject_reason: p.rejectReason, ...(p.comment ? { comment: p.comment } : {}) }, platformKey(ctx)))
        .catch(classify);
      await refreshReturn(ctx.orgId, p.shopId, rt.externalId);
      return { returnId: rt.externalId, decision: p.decision };
    },

    /** Approve a buyer's cancellation request: the platform cancels the order and refunds it. */
    [TIKTOK_HANDLERS.approveCancellation]: async (payload, ctx) => {
      const p = parse(DecideCancellationPayload, payload, TIKTOK_HANDLERS.approveCancellation);
      const c = await cancellationRow(ctx.orgId, p.platformReturnId);
      await d.connections.withShop(ctx.orgId, p.shopId, (auth) => d.client.approveCancellation(auth, c.externalId, platformKey(ctx))).catch(classify);
      await refreshCancellation(ctx.orgId, p.shopId, c.externalId);
      return { cancelId: c.externalId, decision: 'approve' };
    },

    [TIKTOK_HANDLERS.rejectCancellation]: async (payload, ctx) => {
      const p = parse(DecideCancellationPayload, payload, TIKTOK_HANDLERS.rejectCancellation);
      if (!p.rejectReason) throw new PermanentError('rejectReason is required to reject a cancellation', 'tiktok.bad_payload');
      const c = await cancellationRow(ctx.orgId, p.platformReturnId);
      await d.connections
        .withShop(ctx.orgId, p.shopId, (auth) => d.client.rejectCancellation(auth, c.externalId, { reject_reason: p.rejectReason!, ...(p.comment ? { comment: p.comment } : {}) }, platformKey(ctx)))
        .catch(classify);
      await refreshCancellation(ctx.orgId, p.shopId, c.externalId);
      return { cancelId: c.externalId, decision: 'reject' };
    },

    /**
     * Seller refund: approve the buyer's pending refund request when there is one (APPROVE_REFUND),
     * otherwise create a seller-initiated REFUND. Either call carries this row's idempotency key,
     * so a retry after a crash or a lost answer returns the first result instead of paying twice.
     */
    [TIKTOK_HANDLERS.refund]: async (payload, ctx) => {
      const p = parse(RefundPayload, payload, TIKTOK_HANDLERS.refund);
      const { order, lines, pending, region } = await d.db.tenant(ctx.orgId, async (tx) => {
        const refs = await d.orders.externalRefs(tx, ctx.orgId, p.orderId);
        const returns = await d.orders.listPlatformReturns(sys(ctx.orgId), { orderId: p.orderId, kind: 'return', status: 'requested' });
        const [conn] = await tx.select({ region: tiktokConnections.region }).from(tiktokConnections).where(and(eq(tiktokConnections.orgId, ctx.orgId), eq(tiktokConnections.shopId, refs.order.shopId)));
        return { ...refs, pending: returns.find((r) => r.rawType === 'REFUND' && r.sellerNextAction === 'SELLER_RESPOND_REFUND'), region: conn?.region ?? null };
      });
      if (order.shopId !== p.shopId) throw new PermanentError(`order ${p.orderId} belongs to shop ${order.shopId}, not ${p.shopId}`, 'tiktok.bad_payload');
      if (order.currency !== p.currency) throw new PermanentError(`refund currency ${p.currency} differs from the order's ${order.currency}`, 'tiktok.bad_payload');
      const chosen = p.orderLineIds ? lines.filter((l) => p.orderLineIds!.includes(l.id)) : lines;
      if (p.orderLineIds && chosen.length !== p.orderLineIds.length) {
        throw new PermanentError(`orderLineIds not on order ${p.orderId}: ${p.orderLineIds.filter((id) => !lines.some((l) => l.id === id)).join(', ')}`, 'tiktok.bad_payload');
      }
      const key = platformKey(ctx);
      // Which platform call we make must not change between attempts: after an approval lands,
      // the buyer's request is no longer pending, and a re-run choosing "create return" instead
      // would be a different endpoint where our key means nothing — a second refund. So the plan
      // is saved on the outbox row before the first call and followed by every retry.
      const plan = await loadOrSavePlan(ctx, pending && (pending.refundAmount ?? 0) === p.amount ? { via: 'APPROVE_REFUND', returnId: pending.externalId } : { via: 'create_return' });
      if (plan.via === 'APPROVE_REFUND') {
        await d.connections.withShop(ctx.orgId, p.shopId, (auth) => d.client.approveReturn(auth, plan.returnId!, { decision: 'APPROVE_REFUND' }, key)).catch(classify);
        await refreshReturn(ctx.orgId, p.shopId, plan.returnId!);
        return { via: 'APPROVE_REFUND', returnId: plan.returnId! };
      }
      // The platform takes a reason code from its table for the order's status, never free text.
      const returnReason = sellerRefundReason(marketOf(region), order.rawStatus, p.reason) ?? p.reason;
      const r = await d.connections
        .withShop(ctx.orgId, p.shopId, (auth) =>
          d.client.createReturn(
            auth,
            { order_id: order.externalId, order_line_item_ids: chosen.map((l) => l.externalId), return_reason: returnReason, return_type: 'REFUND', refund_total: toDecimal({ amount: p.amount, currency: p.currency }), currency: p.currency },
            key,
          ),
        )
        .catch(classify);
      await refreshReturn(ctx.orgId, p.shopId, r.return_id);
      return { via: 'create_return', returnId: r.return_id, returnStatus: r.return_status ?? null };
    },

    /**
     * The buyer's return from our page, opened on TikTok as RETURN_AND_REFUND (the buyer sends the
     * parcel back; the refund follows the platform's flow). The outbox key is the idempotency key,
     * so a retry never opens a second request; the platform request then arrives like any other
     * and is linked to our RMA by the returns import.
     */
    [TIKTOK_HANDLERS.createReturn]: async (payload, ctx) => {
      const p = parse(CreateReturnPayload, payload, TIKTOK_HANDLERS.createReturn);
      const { order, lines } = await d.db.tenant(ctx.orgId, (tx) => d.orders.externalRefs(tx, ctx.orgId, p.orderId));
      if (order.shopId !== p.shopId) throw new PermanentError(`order ${p.orderId} belongs to shop ${order.shopId}, not ${p.shopId}`, 'tiktok.bad_payload');
      const chosen = lines.filter((l) => p.orderLineIds.includes(l.id));
      if (chosen.length !== p.orderLineIds.length) throw new PermanentError(`orderLineIds not on order ${p.orderId}`, 'tiktok.bad_payload');
      const r = await d.connections
        .withShop(ctx.orgId, p.shopId, (auth) =>
          d.client.createReturn(auth, { order_id: order.externalId, order_line_item_ids: chosen.map((l) => l.externalId), return_reason: p.returnReason, return_type: 'RETURN_AND_REFUND' }, platformKey(ctx)),
        )
        .catch(classify);
      await refreshReturn(ctx.orgId, p.shopId, r.return_id);
      return { via: 'create_return', returnId: r.return_id, returnStatus: r.return_status ?? null, ourReturnId: p.returnId };
    },
  };
}

export function registerWritebackHandlers(registry: OutboxRegistry, d: WritebackDeps): void {
  for (const [name, h] of Object.entries(writebackHandlers(d))) registry.register(name, h);
}
