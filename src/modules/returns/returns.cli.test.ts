import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerModuleWorkers } from '../../app/modules.js';
import { createTestContext, type TestContext } from '../../../test/helpers/context.js';
import { testDatabase } from '../../../test/helpers/db.js';
import { actorFor, createTestOrg } from '../../../test/helpers/org.js';
import { ManualClock } from '../../platform/clock.js';
import { RecordingPlatform, seedOrder, settle } from '../../../test/helpers/returns.js';

const run = promisify(execFile);
const BIN = path.resolve('bin/afterdesk.js');
const clock = new ManualClock(Date.now());
let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext({ clock });
  await registerModuleWorkers(ctx.platform, ctx.services);
});
afterAll(async () => {
  await ctx?.close();
});

async function cli(args: string[]) {
  const db = await testDatabase();
  try {
    const r = await run(process.execPath, [BIN, ...args], { env: { ...process.env, DATABASE_URL: db.adminUrl, APP_DATABASE_URL: db.appUrl, DATA_DIR: '.tmp/cli-data', LOG_LEVEL: 'silent' } });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, stdout: x.stdout, stderr: x.stderr };
  }
}

describe('afterdesk returns / remedies CLI', () => {
  it('prints cycle times with the slowest step, and what waits for a supervisor', async () => {
    const org = await createTestOrg(ctx, { market: 'DE' });
    new RecordingPlatform().register(ctx);
    const agent = actorFor(org, 'agent');
    const wh = actorFor(org, 'warehouse');
    for (const transitDays of [2, 5]) {
      const order = await seedOrder(ctx, org, { lines: [{ unitPrice: 40_000 }] });
      const r = await ctx.services.returns.create(agent, { orderId: order.orderId, orderLineIds: order.lineIds, reasonCode: 'size_fit', channel: 'agent' });
      clock.advance(transitDays * 86_400_000);
      await ctx.services.returns.receive(wh, r.id, {});
      clock.advance(3_600_000);
      await ctx.services.returns.inspect(wh, r.id, { grade: 'as_new' });
      await settle(ctx, org.orgId);
    }
    const stats = await cli(['returns', 'cycle-times', '--org', org.orgId]);
    expect(stats.stderr).toBe('');
    const lines = stats.stdout.trim().split('\n');
    expect(lines[0]).toBe('2 returns refunded in the last 30 days');
    expect(lines[1]).toMatch(/^median request → refund: 2\.0 d {3}p90: 5\.0 d$/);
    expect(lines[2]).toBe('  approved→received        mean 3.5 d');
    expect(lines.at(-1)).toBe('slowest step most often: approved→received (2 of 2)');

    const order = await seedOrder(ctx, org, { lines: [{ unitPrice: 20_000 }] });
    const rem = await ctx.services.remedies.propose(agent, { orderId: order.orderId, category: 'size_fit', optionKey: 't2:partial_refund+coupon', reason: 'keeps the item' });
    const att = await cli(['remedies', 'attention', '--org', org.orgId]);
    expect(att.stdout).toBe(`${rem.id}  t2:partial_refund+coupon         4000 EUR  waits for approval (over_amount): keeps the item\n`);
    const bad = await cli(['returns', 'cycle-times', '--org', org.orgId, '--days', '0']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('--days');
  });
});
