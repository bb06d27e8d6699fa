/**
 * Test fixtures for remedies and returns (moved out of src/: shipped code never imports tests): real orders through the orders module, real tickets
 * through the helpdesk, a recording stand-in for TikTok's refund API, and a loop that runs the
 * outbox until nothing is due. Used by tests only.
 */
import crypto from 'node:crypto';
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { TestContext } from './context.js';
import type { TestOrg } from './org.js';
import { ManualClock } from '../../src/platform/clock.js';
import { outbox } from '../../src/platform/outbox/outbox.schema.js';
import type { OutboxContext } from '../../src/platform/outbox/outbox.js';
import { ApproveReturnPayload, RefundPayload } from '../../src/integrations/tiktok/writeback.js';

export interface FixtureLine {
  unitPrice: number;
  paid?: number;
  category?: string | null;
  productId?: string;
  sku?: string;
}

export async function seedOrder(ctx: TestContext, org: TestOrg, opts: { deliveredAt?: Date | null; lines: FixtureLine[]; language?: string; currency?: string }): Promise<{ orderId: string; lineIds: string[]; externalId: string }> {
  const orders = ctx.services.orders;
  const ext = String(Date.now()) + crypto.randomInt(1_000_000);
  const now = ctx.clock.now();
  const deliveredAt = opts.deliveredAt === undefined ? new Date(now.getTime() - 3 * 86_400_000) : opts.deliveredAt;
  const lines = opts.lines.map((l, i) => ({
    externalId: `${ext}-${i + 1}`,
    skuId: l.sku ?? `sku-${i + 1}`,
    sellerSku: l.sku ?? `SKU-${i + 1}`,
    productId: l.productId ?? `prod-${i + 1}`,
    productName: `Product ${i + 1}`,
    category: l.category ?? 'Headphones',
    unitPrice: l.unitPrice,
    paidAmount: l.paid ?? l.unitPrice,
    trafficSource: { type: 'organic' as const, id: null, name: null },
  }));
  const subtotal = lines.reduce((a, l) => a + l.unitPrice, 0);
  const total = lines.reduce((a, l) => a + l.paidAmount, 0);
  const map = await ctx.platform.db.tenant(org.orgId, (tx) =>
    orders.applyOrders(tx, org.orgId, [
      {
        shopId: org.shopId,
        externalId: ext,
        buyer: { platformBuyerId: `buyer-${ext}`, displayName: 'Anna Becker', language: opts.language ?? 'de', country: 'DE' },
        status: deliveredAt ? 'delivered' : 'shipped',
        rawStatus: deliveredAt ? 'DELIVERED' : 'IN_TRANSIT',
        currency: opts.currency ?? 'EUR',
        subtotal,
        shipping: 0,
        sellerDiscount: subtotal - total,
        platformDiscount: 0,
        tax: 0,
        total,
        placedAt: new Date(now.getTime() - 10 * 86_400_000),
        paidAt: new Date(now.getTime() - 10 * 86_400_000),
        deliveredAt,
        trackingNumber: `TRK${ext}`,
        carrier: 'DHL',
        deliveryStatus: deliveredAt ? 'delivered' : 'in_transit',
        externalUpdatedAt: now,
        lines,
      },
    ]),
  );
  const orderId = map.get(ext) ?? [...map.values()][0]!;
  const view = await orders.getOrder({ orgId: org.orgId, userId: org.users.owner.id, role: 'owner' }, orderId);
  return { orderId, lineIds: view.lines.map((l) => l.id), externalId: ext };
}

export async function seedTicket(ctx: TestContext, org: TestOrg, orderId: string, text = 'Das Display ist kaputt angekommen'): Promise<string> {
  const r = await ctx.services.helpdesk.ingestInbound({
    orgId: org.orgId,
    shopId: org.shopId,
    channel: 'email',
    externalThreadId: `thr-${crypto.randomUUID()}`,
    externalMessageId: `msg-${crypto.randomUUID()}`,
    buyer: { email: `anna.${crypto.randomBytes(3).toString('hex')}@example.de`, name: 'Anna Becker', language: 'de' },
    orderId,
    direction: 'inbound',
    text,
    sentAt: ctx.clock.now().toISOString(),
  });
  return r.ticketId;
}

/** TikTok's refund endpoint as a remote system: it remembers refunds by request key, like the real one. */
export class RecordingPlatform {
  refunds: { key: string; payload: Record<string, unknown>; attempt: number }[] = [];
  approvals: { key: string; payload: Record<string, unknown> }[] = [];
  calls = 0;
  /** Fail the next n calls before reaching the remote (network down). */
  failBefore = 0;
  /** Fail the next n calls after the remote accepted (response lost). */
  failAfter = 0;
  /** Reject permanently. */
  reject = false;
  /** Hang forever after the remote accepted (the worker process died). */
  crashAfter = 0;
  private hung: (() => void)[] = [];

  register(ctx: TestContext): void {
    ctx.platform.outbox.register('tiktok.refund', (p, c) => this.refund(p, c));
    ctx.platform.outbox.register('tiktok.approve_return', async (p, c) => {
      // Our payloads must pass the real handler's schema, or production would reject them.
      ApproveReturnPayload.parse(p);
      if (!this.approvals.some((a) => a.key === c.idempotencyKey)) this.approvals.push({ key: c.idempotencyKey, payload: p });
      return { ok: true };
    });
    // Helpdesk replies on e-mail tickets go to the local provider; a no-op keeps tests hermetic.
    if (!ctx.platform.outbox.get('email.send')) ctx.platform.outbox.register('email.send', async () => ({ ok: true }));
  }

  private async refund(payload: Record<string, unknown>, c: OutboxContext): Promise<Record<string, unknown>> {
    RefundPayload.parse(payload);
    this.calls++;
    if (this.reject) {
      const { PermanentError } = await import('../../src/platform/outbox/outbox.js');
      throw new PermanentError('refund rejected by the platform: order already fully refunded');
    }
    if (this.failBefore > 0) {
      this.failBefore--;
      throw Object.assign(new Error('connect ECONNRESET'), {});
    }
    // The remote dedupes on the request key the handler sends (derived from the outbox key).
    const existing = this.refunds.find((r) => r.key === c.idempotencyKey);
    if (!existing) this.refunds.push({ key: c.idempotencyKey, payload, attempt: c.attempt });
    if (this.crashAfter > 0) {
      this.crashAfter--;
      await new Promise<void>((resolve) => this.hung.push(resolve));
    }
    if (this.failAfter > 0) {
      this.failAfter--;
      throw new Error('socket hang up after the request was sent');
    }
    return { refundId: `rf-${c.idempotencyKey}` };
  }

  release(): void {
    for (const h of this.hung) h();
    this.hung = [];
  }
}

/** Run the outbox until nothing is due, moving the manual clock to each next attempt. */
export async function settle(ctx: TestContext, orgId: string, maxRounds = 30): Promise<void> {
  const clock = ctx.clock as ManualClock;
  for (let i = 0; i < maxRounds; i++) {
    await ctx.platform.dispatcher.drain(50, orgId);
    const r = await ctx.platform.db.system((tx) =>
      tx.execute(sql`select min(next_attempt_at) as next from outbox where org_id = ${orgId} and status = 'pending'`),
    );
    const next = (r.rows[0] as { next: Date | string | null }).next;
    if (!next) return;
    const at = new Date(next);
    if (at.getTime() > clock.now().getTime()) clock.set(at);
  }
}

export async function outboxRows(ctx: TestContext, orgId: string, subjectId: string) {
  return ctx.platform.db.system((tx) => tx.select().from(outbox).where(and(eq(outbox.orgId, orgId), eq(outbox.subjectId, subjectId))));
}

export async function outboxByHandler(ctx: TestContext, orgId: string, handlers: string[]) {
  return ctx.platform.db.system((tx) => tx.select().from(outbox).where(and(eq(outbox.orgId, orgId), inArray(outbox.handler, handlers))));
}
