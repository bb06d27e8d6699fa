import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../../../test/helpers/context.js';
import { createTestOrg } from '../../../test/helpers/org.js';
import { EVIDENCE_CHECKPOINT_JOB, registerEvidenceJobs } from './evidence.jobs.js';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext({ jobs: true });
});
afterAll(async () => {
  await ctx?.close();
});

describe('evidence checkpoint job (pg-boss)', () => {
  it('is scheduled every ten minutes and, when run, signs the head of a chain that grew', async () => {
    await registerEvidenceJobs(ctx.platform.jobs, ctx.services.evidence, ctx.platform.log);
    const schedules = await ctx.platform.jobs!.boss.getSchedules();
    expect(schedules.find((s) => s.name === EVIDENCE_CHECKPOINT_JOB)).toMatchObject({ cron: '*/10 * * * *' });

    const org = await createTestOrg(ctx);
    for (let i = 0; i < 3; i++) {
      await ctx.services.evidence.record({ orgId: org.orgId, caseId: 'tkt_job', caseType: 'ticket', kind: 'note', actor: { type: 'system' }, occurredAt: new Date(), summary: `n${i}`, data: {} });
    }
    await ctx.platform.jobs!.send(EVIDENCE_CHECKPOINT_JOB, {});
    await expect.poll(async () => (await ctx.services.evidence.verify(org.orgId)).checkpoints, { timeout: 20_000, interval: 200 }).toBe(1);
    expect(await ctx.services.evidence.checkpoint(org.orgId)).toEqual({ seq: 3, created: false });
  });
});
