import { and, eq, ne } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUYER_TEXTS } from '../../src/integrations/tiktok/sandbox/catalogue.js';
import { SELLER_REPLIES, World, type SbConversation } from '../../src/integrations/tiktok/sandbox/world.js';
import { HISTORY_HORIZON_MS } from '../../src/modules/helpdesk/index.js';
import { tickets as ticketsTable } from '../../src/modules/helpdesk/helpdesk.schema.js';
import { ManualClock } from '../../src/platform/clock.js';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { actorFor } from '../helpers/org.js';
import { connectedWorld } from './helpers.js';

const NOW = Date.parse('2026-03-04T12:00:00Z');
const text = (content: string) => String((JSON.parse(content) as { content: string }).content);
const texts = (c: SbConversation) => c.messages.filter((m) => m.type === 'TEXT');

describe('sandbox world: the seeded chats have a customer-service side', () => {
  const world = new World(42, () => Math.floor(NOW / 1000));
  world.populate();
  const convs = [...world.conversations.values()];

  it('answered most past buyer messages in the buyer\'s language; a few recent ones wait', () => {
    let old = 0;
    let answered = 0;
    for (const c of convs) {
      const ts = texts(c);
      // Kept in time order, so the platform's "latest message" is the real last one.
      expect(c.messages.map((m) => m.createTime)).toEqual([...c.messages.map((m) => m.createTime)].sort((a, b) => a - b));
      ts.forEach((m, i) => {
        if (m.senderRole === 'CUSTOMER_SERVICE') expect(Object.values(SELLER_REPLIES[c.buyer.lang])).toContain(text(m.content));
        if (m.senderRole === 'BUYER') expect(Object.values(BUYER_TEXTS[c.buyer.lang]).flat()).toContain(text(m.content));
        // Questions only: not a follow-up to the seller's answer ("thanks"), not the recent ones.
        if (m.senderRole !== 'BUYER' || ts[i - 1]?.senderRole === 'CUSTOMER_SERVICE' || NOW / 1000 - m.createTime < 6 * 3600 || ts[i + 1]?.senderRole === 'BUYER') return;
        old++;
        if (ts[i + 1]?.senderRole === 'CUSTOMER_SERVICE') answered++;
      });
    }
    expect(old).toBeGreaterThan(30);
    expect(answered / old).toBeGreaterThan(0.85);
    expect(answered).toBeLessThan(old); // and a few were never answered
    for (const shop of world.shops) {
      const waitingMinutes = convs
        .filter((c) => c.shopId === shop.id && texts(c).at(-1)?.senderRole === 'BUYER')
        .map((c) => (NOW / 1000 - texts(c).at(-1)!.createTime) / 60)
        .filter((m) => m <= 90);
      expect(waitingMinutes.length).toBeGreaterThanOrEqual(2);
      expect(Math.min(...waitingMinutes)).toBeLessThanOrEqual(12);
    }
  });

  it('is the same world for the same seed', () => {
    const again = new World(42, () => Math.floor(NOW / 1000));
    again.populate();
    expect([...again.conversations.values()].map((c) => c.messages.map((m) => [m.id, m.senderRole, m.createTime, m.content]))).toEqual(convs.map((c) => c.messages.map((m) => [m.id, m.senderRole, m.createTime, m.content])));
  });
});

// The initial sync of a connected shop: every chat arrives in the state its history implies.
// The sandbox checks request timestamps against the real time, so this part runs at "now".
let ctx: TestContext;
const clock = new ManualClock(Date.now());
beforeAll(async () => {
  ctx = await createTestContext({ clock });
});
afterAll(async () => {
  await ctx?.close();
});

describe('initial sync of a shop with weeks of chats', () => {
  it('settles history, keeps recent unanswered chats as live work, and measures answers at their real time', async () => {
    const w = await connectedWorld(ctx, { ordersPerShop: 40 });
    try {
      await ctx.services.tiktok.sync.syncShop(w.org.orgId, w.shopId, ['orders', 'conversations']);
      const rows = await ctx.platform.db.tenant(w.org.orgId, (tx) =>
        tx.select().from(ticketsTable).where(and(eq(ticketsTable.orgId, w.org.orgId), ne(ticketsTable.channel, 'tiktok_return_request'))),
      );
      const convs = [...w.sandbox.world.conversations.values()].filter((c) => c.shopId === w.tiktokShopId && texts(c).length > 0);
      expect(rows).toHaveLength(convs.length);
      const horizon = (clock.now().getTime() - HISTORY_HORIZON_MS) / 1000;
      const counts: Record<string, number> = {};
      for (const c of convs) {
        const t = rows.find((r) => r.externalThreadId === c.id)!;
        const last = texts(c).at(-1)!;
        const sellerEver = texts(c).some((m) => m.senderRole !== 'BUYER');
        const expected =
          last.createTime < horizon
            ? { status: 'solved', solvedReason: last.senderRole === 'BUYER' ? 'history_unanswered' : 'history_answered', solvedAt: new Date(last.createTime * 1000) }
            : last.senderRole === 'BUYER'
              ? { status: sellerEver ? 'open' : 'new', solvedReason: null, solvedAt: null }
              : { status: 'waiting_on_buyer', solvedReason: null, solvedAt: null };
        expect({ conv: c.id, status: t.status, solvedReason: t.solvedReason, solvedAt: t.solvedAt }).toEqual({ conv: c.id, ...expected });
        counts[t.status] = (counts[t.status] ?? 0) + 1;
        // Nothing due from before the horizon: live work is at most three days overdue.
        if (t.slaDueAt) expect(t.slaDueAt.getTime()).toBeGreaterThan(clock.now().getTime() - HISTORY_HORIZON_MS);
      }
      expect(counts.solved).toBeGreaterThan(convs.length / 2);
      // The seeded world keeps at least one unanswered live chat in this shop (the per-chat check above is exact).
      expect(counts.new).toBeGreaterThanOrEqual(1);

      // An answered chat's first reply stopped at the seller's message on TikTok.
      const answered = convs.find((c) => {
        const ts = texts(c);
        return ts[0]!.senderRole === 'BUYER' && ts[1]?.senderRole === 'CUSTOMER_SERVICE' && ts[1].createTime < horizon;
      })!;
      const t = rows.find((r) => r.externalThreadId === answered.id)!;
      const clocks = await ctx.services.sla.getClocks(actorFor(w.org, 'agent'), t.id);
      const first = clocks.find((c) => c.metric === 'first_reply')!;
      expect({ state: first.state, startedAt: first.startedAt, stoppedAt: first.stoppedAt }).toEqual({
        state: 'stopped',
        startedAt: new Date(texts(answered)[0]!.createTime * 1000).toISOString(),
        stoppedAt: new Date(texts(answered)[1]!.createTime * 1000).toISOString(),
      });
    } finally {
      await w.close();
    }
  });
});
