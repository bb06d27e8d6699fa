import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorker } from '../../src/app/worker.js';
import { ManualClock } from '../../src/platform/clock.js';
import { enqueue } from '../../src/platform/outbox/outbox.js';
import { sessions } from '../../src/modules/auth/auth.schema.js';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { createTestOrg } from '../helpers/org.js';

let ctx: TestContext;
const clock = new ManualClock(Date.now());
beforeAll(async () => {
  ctx = await createTestContext({ jobs: true, clock });
  await startWorker(ctx.platform, ctx.services);
});
afterAll(async () => {
  await ctx?.close();
});

async function until<T>(fn: () => Promise<T | undefined>, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('worker', () => {
  it('schedules the example pg-boss job, which purges expired sessions when it runs', async () => {
    const schedules = await ctx.platform.jobs!.boss.getSchedules();
    expect(schedules.map((s) => [s.name, s.cron])).toContainEqual(['maintenance.purge_sessions', '17 * * * *']);
    const org = await createTestOrg(ctx);
    await org.cookie('agent');
    const where = and(eq(sessions.orgId, org.orgId), eq(sessions.userId, org.users.agent.id));
    expect(await ctx.platform.db.tenant(org.orgId, (tx) => tx.select().from(sessions).where(where))).toHaveLength(1);
    clock.advance(15 * 24 * 3600 * 1000); // past the 14-day session lifetime
    await ctx.platform.jobs!.send('maintenance.purge_sessions', {});
    await until(async () => ((await ctx.platform.db.tenant(org.orgId, (tx) => tx.select().from(sessions).where(where))).length === 0 ? true : undefined));
  });

  it('the dispatcher is woken by NOTIFY and delivers a new outbox row without being asked', async () => {
    const org = await createTestOrg(ctx);
    const seen: string[] = [];
    ctx.platform.outbox.register('test.notify', async (payload) => {
      seen.push(String(payload.text));
    });
    await ctx.platform.db.tenant(org.orgId, (tx) => enqueue(tx, { orgId: org.orgId, handler: 'test.notify', idempotencyKey: 'n1', payload: { text: 'hello' } }, { ids: ctx.platform.ids, clock }));
    await until(async () => (seen.length ? true : undefined));
    expect(seen).toEqual(['hello']);
  });
});
