import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TikTokSandbox } from '../../src/integrations/tiktok/sandbox/server.js';
import { ManualClock } from '../../src/platform/clock.js';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { actorFor, createTestOrg } from '../helpers/org.js';
import { uniqueShops } from '../tiktok/helpers.js';

/**
 * Refund reconciliation against the sandbox's Finance API, the real way: orders and refunds synced
 * from the platform, statements and order statement transactions read by the TikTok client, and
 * our refunds matched with the statements' refund lines. The platform booked one refund 2.50 short
 * and never put another on a statement; a third was refunded today (no statement yet). The DE shop
 * has no Finance API and is listed as without statements.
 */
let ctx: TestContext;
let sandbox: TikTokSandbox;
const clock = new ManualClock('2026-03-30T10:00:00Z');
const DAY = 86_400;

beforeAll(async () => {
  ctx = await createTestContext({ clock });
  ctx.services.tiktok.client.setClock(clock);
  sandbox = new TikTokSandbox({ seed: 23, ordersPerShop: 0, shops: uniqueShops(), nowMs: () => clock.now().getTime() });
  const url = await sandbox.start();
  ctx.services.tiktok.client.retarget({ apiBase: url, authBase: url });
});
afterAll(async () => {
  await sandbox?.stop();
  await ctx?.close();
});

describe('refund reconciliation against the finance statements (sandbox)', () => {
  it('matches refunds with statement lines and lists the mismatches', async () => {
    const w = sandbox.world;
    const gb = w.shops.find((s) => s.region === 'GB')!;
    const de = w.shops.find((s) => s.region === 'DE')!;
    const org = await createTestOrg(ctx, { market: 'GB' });
    const r = await ctx.services.tiktok.connections.completeAuthorisation(org.orgId, sandbox.issueAuthCode([gb.id]));
    expect(r.connected[0]?.shopId).toBe(org.shopId);

    const now = w.nowSec();
    // Four delivered orders; three refunded 20 days ago, one today.
    const orders = [0, 1, 2, 3].map(() => w.createOrder(gb.id, { at: now - 30 * DAY, silent: true, units: 1 }));
    for (const o of orders) {
      w.ship(o.id, { at: now - 28 * DAY, silent: true });
      w.setOrderStatus(o.id, 'DELIVERED', { at: now - 26 * DAY, silent: true });
    }
    const refund = (i: number, at: number) => {
      const rt = w.openReturn(orders[i]!.id, { reason: 'battery', type: 'REFUND', at: at - 3600, silent: true, lineIds: [orders[i]!.lines[0]!.id] });
      w.setReturnStatus(rt.id, 'RETURN_OR_REFUND_REQUEST_SUCCESS', { at, silent: true });
      return rt;
    };
    refund(0, now - 20 * DAY);
    const short = refund(1, now - 20 * DAY);
    const withheld = refund(2, now - 20 * DAY);
    refund(3, now - 3600);
    w.financeQuirks.set(short.id, short.refundTotal - 250);
    w.financeQuirks.set(withheld.id, 'withheld');

    await ctx.services.tiktok.sync.syncShop(org.orgId, org.shopId);
    const fin = ctx.services.tiktok.finance!;
    const s = await fin.syncShop(org.orgId, org.shopId, { days: 60 });
    // Statements: the delivery day and the refund day (today's is not issued yet).
    expect(s).toEqual({ statements: 2, orders: 4, skipped: null });
    // A second run the same day reads no order again.
    expect((await fin.syncShop(org.orgId, org.shopId, { days: 60 })).orders).toBe(0);

    const owner = actorFor(org, 'owner');
    const rec = await ctx.services.analytics.reconciliation(owner, {});
    expect(rec.summary).toEqual({ matched: 1, amount_differs: 1, awaiting_statement: 1, missing_on_statement: 1, not_ours: 0 });
    const by = new Map(rec.items.map((x) => [x.externalOrderId, x]));
    const ok = by.get(orders[0]!.id)!;
    expect(ok).toMatchObject({ status: 'matched', difference: 0, currency: 'GBP' });
    expect(ok.ours).toBeGreaterThan(0);
    expect(ok.statement).toBe(ok.ours);
    expect(by.get(orders[0]!.id)!.statementIds).toHaveLength(1);
    expect(by.get(orders[1]!.id)).toMatchObject({ status: 'amount_differs', ours: short.refundTotal, statement: short.refundTotal - 250, difference: -250 });
    expect(by.get(orders[2]!.id)).toMatchObject({ status: 'missing_on_statement', statement: null });
    expect(by.get(orders[3]!.id)).toMatchObject({ status: 'awaiting_statement' });
    // Mismatches first.
    expect(rec.items[0]!.status).toBe('amount_differs');
    expect(rec.statements.map((x) => x.currency)).toEqual(['GBP', 'GBP']);
    expect(rec.shopsWithoutStatements).toEqual([]);
    const onlyDiffs = await ctx.services.analytics.reconciliation(owner, { status: 'amount_differs' });
    expect(onlyDiffs.items.map((x) => x.externalOrderId)).toEqual([orders[1]!.id]);

    // A DE shop: the Finance API is not offered there; the sync says so and the shop is listed.
    const orgDe = await createTestOrg(ctx, { market: 'DE' });
    await ctx.services.tiktok.connections.completeAuthorisation(orgDe.orgId, sandbox.issueAuthCode([de.id]));
    expect(await fin.syncShop(orgDe.orgId, orgDe.shopId)).toEqual({ statements: 0, orders: 0, skipped: 'finance: 36009404' });
    const recDe = await ctx.services.analytics.reconciliation(actorFor(orgDe, 'owner'), {});
    expect(recDe.shopsWithoutStatements).toEqual([orgDe.shopId]);
    expect(recDe.items).toEqual([]);
    expect(Object.values(recDe.summary).every((n) => n === 0)).toBe(true);
  });
});
