import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/platform/clock.js';
import { Jobs } from '../../src/platform/jobs.js';
import { silentLogger } from '../../src/platform/logger.js';
import { newId } from '../../src/platform/ids.js';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { actorFor, createTestOrg, type TestOrg } from '../helpers/org.js';

// pg-boss started but no worker: the timer jobs stay in pgboss.job where the test can count them.
let ctx: TestContext;
let admin: pg.Client;
beforeAll(async () => {
  ctx = await createTestContext({ jobs: true, clock: new ManualClock('2026-01-05T09:00:00Z') });
  admin = new pg.Client({ connectionString: ctx.platform.adminUrl });
  await admin.connect();
});
afterAll(async () => {
  await admin?.end();
  await ctx?.close();
});

async function timerJobs(orgId: string): Promise<{ clockId: string; generation: number }[]> {
  const r = await admin.query(`select data from pgboss.job where name = 'sla.timer' and data->>'orgId' = $1 order by data->>'clockId', (data->>'generation')::int`, [orgId]);
  return r.rows.map((x) => ({ clockId: x.data.clockId, generation: x.data.generation }));
}

function start(org: TestOrg, ticketId: string) {
  return (tx: Parameters<Parameters<TestContext['platform']['db']['tenant']>[1]>[0]) =>
    ctx.services.sla.startClocks(tx, { orgId: org.orgId, shopId: org.shopId, ticketId, channel: 'tiktok_chat', priority: 'normal', at: ctx.clock.now() });
}

describe('SLA timer jobs are queued inside the transaction that made them necessary', () => {
  it('a rolled-back transaction leaves no timer job behind', async () => {
    const org = await createTestOrg(ctx);
    const ticketId = newId('tkt');
    await expect(
      ctx.platform.db.tenant(org.orgId, async (tx) => {
        await start(org, ticketId)(tx);
        throw new Error('the ticket write failed after the clocks started');
      }),
    ).rejects.toThrow('the ticket write failed');
    expect(await timerJobs(org.orgId)).toEqual([]);
  });

  it('a committed transaction leaves exactly one job per running clock, and each later change exactly one more', async () => {
    const org = await createTestOrg(ctx);
    const ticketId = newId('tkt');
    await ctx.platform.db.tenant(org.orgId, start(org, ticketId));
    const clocks = await ctx.services.sla.getClocks(actorFor(org, 'agent'), ticketId);
    expect(clocks.map((c) => [c.metric, c.state, c.generation])).toEqual([
      ['first_reply', 'running', 1],
      ['resolution', 'running', 1],
    ]);
    const byClock = (metric: string) => clocks.find((c) => c.metric === metric)!.id;
    expect(await timerJobs(org.orgId)).toEqual(
      [{ clockId: byClock('first_reply'), generation: 1 }, { clockId: byClock('resolution'), generation: 1 }].sort((a, b) => a.clockId.localeCompare(b.clockId)),
    );

    // A status change moves both clocks (paused → resumed): each resume queues its own timer.
    await ctx.platform.db.tenant(org.orgId, (tx) => ctx.services.sla.recordEvent(tx, { orgId: org.orgId, ticketId, kind: 'status_changed', status: 'waiting_on_buyer', at: ctx.clock.now() }));
    await ctx.platform.db.tenant(org.orgId, (tx) => ctx.services.sla.recordEvent(tx, { orgId: org.orgId, ticketId, kind: 'status_changed', status: 'open', at: ctx.clock.now() }));
    const jobs = await timerJobs(org.orgId);
    // Paused clocks have no timer; resumed ones (generation 3) have exactly one each.
    expect(jobs.filter((j) => j.clockId === byClock('first_reply')).map((j) => j.generation)).toEqual([1, 3]);
    expect(jobs.filter((j) => j.clockId === byClock('resolution')).map((j) => j.generation)).toEqual([1, 3]);
  });

  it('the app role may queue jobs but not read, change or delete them', async () => {
    const app = new pg.Client({ connectionString: (ctx.platform.db.pool as unknown as { options: { connectionString: string } }).options.connectionString });
    await app.connect();
    try {
      const denied = async (q: string) => (await app.query(q).then(() => 'allowed', (e: Error) => e.message)).replace(/ for .*$/, '');
      expect(await denied(`select data from pgboss.job limit 1`)).toBe('permission denied');
      expect(await denied(`update pgboss.job set state = 'cancelled'`)).toBe('permission denied');
      expect(await denied(`delete from pgboss.job`)).toBe('permission denied');
      expect(await denied(`select cron from pgboss.schedule`)).toBe('permission denied');
      expect(await denied(`insert into pgboss.queue (name) values ('x')`)).toBe('permission denied');
    } finally {
      await app.end();
    }
  });

  it('without the rights the change fails with its timer, and the next pg-boss start grants them again', async () => {
    // pg-boss may recreate its tables when it upgrades itself; the grants must follow.
    await admin.query(`revoke all on pgboss.job, pgboss.queue from afterdesk_app; revoke usage on schema pgboss from afterdesk_app`);
    const org = await createTestOrg(ctx);
    const ticketId = newId('tkt');
    await expect(ctx.platform.db.tenant(org.orgId, start(org, ticketId))).rejects.toThrow(/permission denied for schema pgboss/);
    // Nothing of the change committed without its timer.
    await expect(ctx.services.sla.getClocks(actorFor(org, 'agent'), ticketId)).rejects.toMatchObject({ code: 'ticket.not_found' });

    const again = new Jobs(ctx.platform.adminUrl, silentLogger);
    await again.start();
    await again.stop();
    await ctx.platform.db.tenant(org.orgId, start(org, ticketId));
    const clocks = await ctx.services.sla.getClocks(actorFor(org, 'agent'), ticketId);
    expect((await timerJobs(org.orgId)).map((j) => j.clockId).sort()).toEqual(clocks.map((c) => c.id).sort());
  });
});
