import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Jobs } from '../../src/platform/jobs.js';
import { silentLogger } from '../../src/platform/logger.js';
import { testDatabase } from '../helpers/db.js';

// Two worker processes booting together (the scale-out shape after a deploy) create the same
// pg-boss queues at the same moment. pg-boss makes each queue's partition without a lock of its
// own, so Postgres used to end one of them with "deadlock detected" and that worker exited.
let a: Jobs;
let b: Jobs;
beforeAll(async () => {
  const tdb = await testDatabase();
  a = new Jobs(tdb.adminUrl, silentLogger);
  b = new Jobs(tdb.adminUrl, silentLogger);
  await a.start();
  await b.start();
});
afterAll(async () => {
  await a?.stop();
  await b?.stop();
});

describe('two job-queue clients defining the same new queues at once', () => {
  it('both succeed and each queue exists once', async () => {
    const tag = crypto.randomBytes(3).toString('hex');
    const names = Array.from({ length: 8 }, (_, i) => `ops.race_${tag}_${i}`);
    for (const name of names) {
      const handler = async () => undefined;
      await Promise.all([a.define(name, handler), b.define(name, handler), a.boss.createQueue(name), b.boss.createQueue(name)]);
    }
    const queues = (await a.boss.getQueues()).filter((q) => q.name.startsWith(`ops.race_${tag}_`));
    expect(queues.map((q) => q.name).sort()).toEqual([...names].sort());
  });
});
