import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../src/platform/ids.js';
import { silentLogger } from '../../src/platform/logger.js';
import { registerSlaJobs, type SlaEscalation } from '../../src/modules/sla/index.js';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { actorFor, createTestOrg } from '../helpers/org.js';

// Real pg-boss on this worker's database, real time: the jobs fire on their own.
let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext({ jobs: true, clock: { now: () => new Date() } });
  await registerSlaJobs(ctx.platform.jobs, silentLogger, ctx.services.sla, { catchUp: false });
});
afterAll(async () => {
  await ctx?.close();
});

async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('exact timers through pg-boss', () => {
  it('schedules a job at the exact next instant and, when the jobs fire, warns, breaches and escalates once', async () => {
    const org = await createTestOrg(ctx);
    const sla = ctx.services.sla;
    const seen: SlaEscalation[] = [];
    const off = ctx.services.events.slaEscalation.observe(async (e) => {
      if (e.orgId === org.orgId) seen.push(e);
    });
    try {
      // Calendar time keeps this independent of the day the suite runs on.
      await sla.createPolicy(actorFor(org, 'owner'), { name: 'E-mail, calendar time', channel: 'email', firstReplyMinutes: 1, mode: 'calendar', warningPercents: [75, 85] });
      const ticketId = newId('tkt');
      // The buyer wrote 40 s ago (the message took a while to arrive): warnings in 5 s and 11 s, breach in 20 s.
      const at = new Date(Date.now() - 40_000);
      await ctx.platform.db.tenant(org.orgId, (tx) => sla.startClocks(tx, { orgId: org.orgId, shopId: org.shopId, ticketId, channel: 'email', priority: 'normal', at }));
      const first = (await sla.getClocks(actorFor(org, 'agent'), ticketId)).find((c) => c.metric === 'first_reply')!;

      const admin = new pg.Client({ connectionString: ctx.platform.adminUrl });
      await admin.connect();
      try {
        const jobs = await admin.query(`select data, start_after from pgboss.job where name = 'sla.timer' and data->>'clockId' = $1 order by created_on`, [first.id]);
        expect(jobs.rows[0].data).toEqual({ orgId: org.orgId, clockId: first.id, generation: 1, at: at.getTime() + 45_000 });
        expect((jobs.rows[0].start_after as Date).getTime()).toBe(at.getTime() + 45_000);

        const done = await waitFor('breach and escalation', async () => {
          const c = (await sla.getClocks(actorFor(org, 'agent'), ticketId)).find((x) => x.metric === 'first_reply')!;
          return c.escalatedAt ? c : undefined;
        });
        expect(done.events.map((e) => e.kind)).toEqual(['started', 'warning_75', 'warning_85', 'breached', 'escalated']);
        expect(done.events.slice(1, 4).map((e) => Date.parse(e.at) - at.getTime())).toEqual([45_000, 51_000, 60_000]);
        expect(done.breachedAt).toBe(new Date(at.getTime() + 60_000).toISOString());
        expect(seen.map((e) => [e.clockId, e.metric, e.escalateTo])).toEqual([[first.id, 'first_reply', 'supervisor']]);

        // Each later instant got its own job, told to start exactly then.
        const all = await admin.query(`select start_after from pgboss.job where name = 'sla.timer' and data->>'clockId' = $1`, [first.id]);
        const starts = all.rows.map((r) => (r.start_after as Date).getTime() - at.getTime());
        expect(starts).toEqual(expect.arrayContaining([45_000, 51_000, 60_000]));
      } finally {
        await admin.end();
      }
    } finally {
      off();
    }
  });
});
