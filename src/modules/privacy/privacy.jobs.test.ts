import crypto from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../../../test/helpers/context.js';
import { actorFor, createTestOrg } from '../../../test/helpers/org.js';
import { ManualClock } from '../../platform/clock.js';
import { PRIVACY_RETENTION_JOB, registerPrivacyJobs } from './privacy.jobs.js';

let ctx: TestContext;
const clock = new ManualClock('2026-05-01T08:00:00Z');
beforeAll(async () => {
  ctx = await createTestContext({ jobs: true, clock });
});
afterAll(async () => {
  await ctx?.close();
});

describe('retention job (pg-boss)', () => {
  it('is scheduled daily and, when run, blanks the webhook bodies past the period of each organisation with settings', async () => {
    await registerPrivacyJobs(ctx.platform.jobs, ctx.services.privacy, ctx.platform.log);
    const schedules = await ctx.platform.jobs!.boss.getSchedules();
    expect(schedules.find((s) => s.name === PRIVACY_RETENTION_JOB)).toMatchObject({ cron: '17 3 * * *' });

    const org = await createTestOrg(ctx);
    const keep = await createTestOrg(ctx); // no settings: nothing of it is touched
    const body = (n: string) => JSON.stringify({ type: 14, data: { conversation_id: n, content: 'Hi, I am Mira Jovanović, +381 64 1234567' } });
    for (const o of [org, keep]) {
      for (const [age, status] of [[40, 'done'], [40, 'pending'], [5, 'done']] as const) {
        await ctx.platform.db.tenant(o.orgId, (tx) =>
          tx.execute(sql`insert into tiktok_webhook_events (org_id, id, shop_id, tiktok_shop_id, dedupe_key, type, raw_body, status, attempts, deliveries, times_processed, next_attempt_at, received_at)
                         values (${o.orgId}, ${'twe_' + crypto.randomUUID()}, ${o.shopId}, ${'tts-' + o.orgId}, ${crypto.randomUUID()}, 14, ${body(`c-${age}-${status}`)}, ${status}, 0, 1, 0, ${clock.now()}, ${new Date(clock.now().getTime() - age * 86_400_000)})`),
        );
      }
    }
    await ctx.services.privacy.updateSettings(actorFor(org, 'owner'), { closedTicketContentDays: null, webhookBodyDays: 30, orderPersonalDays: null });

    await ctx.platform.jobs!.send(PRIVACY_RETENTION_JOB, {});
    const bodies = async (orgId: string) =>
      ctx.platform.db.tenant(orgId, async (tx) => ((await tx.execute(sql`select status, raw_body from tiktok_webhook_events where org_id = ${orgId} order by received_at, status`)).rows as { status: string; raw_body: string }[]).map((r) => `${r.status}:${r.raw_body === '{}' ? 'blank' : 'kept'}`));
    // Pending events are still to be processed: never blanked.
    await expect.poll(() => bodies(org.orgId), { timeout: 20_000, interval: 200 }).toEqual(['done:blank', 'pending:kept', 'done:kept']);
    expect(await bodies(keep.orgId)).toEqual(['done:kept', 'pending:kept', 'done:kept']);
  });
});
