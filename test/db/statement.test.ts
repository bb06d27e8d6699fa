import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool, Database, placeholders, statement } from '../../src/platform/db.js';
import { outbox } from '../../src/platform/outbox/outbox.schema.js';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { testDatabase } from '../helpers/db.js';
import { createTestOrg, type TestOrg } from '../helpers/org.js';

// `statement()` (issue 20): Drizzle renders a hot statement once per process; every run fills in
// its values and goes out on the caller's transaction.
let ctx: TestContext;
let a: TestOrg;
let b: TestOrg;
const extra: Database[] = [];
beforeAll(async () => {
  ctx = await createTestContext();
  a = await createTestOrg(ctx);
  b = await createTestOrg(ctx);
});
afterAll(async () => {
  for (const d of extra) await d.close();
  await ctx?.close();
});

let builds = 0;
const insertStep = statement((db) => {
  builds += 1;
  return db
    .insert(outbox)
    .values(placeholders('orgId', 'id', 'handler', 'idempotencyKey', 'payload', 'status', 'attempts', 'maxAttempts', 'nextAttemptAt', 'lockedUntil', 'result', 'subjectType', 'subjectId', 'createdAt', 'updatedAt'))
    .returning();
});
const stepByKey = statement((db) =>
  db
    .select({ id: outbox.id, payload: outbox.payload, nextAttemptAt: outbox.nextAttemptAt, subjectType: outbox.subjectType })
    .from(outbox)
    .where(and(eq(outbox.orgId, sql.placeholder('orgId')), eq(outbox.idempotencyKey, sql.placeholder('key')))),
);

const at = new Date('2026-03-04T05:06:07.089Z');
function step(orgId: string, key: string) {
  return { orgId, id: `obx_stmt_${key}`, handler: 'test.noop', idempotencyKey: key, payload: { text: 'Hallo', n: 2 }, status: 'done', attempts: 1, maxAttempts: 8, nextAttemptAt: at, lockedUntil: null, result: null, subjectType: null, subjectId: null, createdAt: at, updatedAt: at };
}

describe('statement()', () => {
  it('is rendered once; each run goes out on the caller’s transaction, under its organisation', async () => {
    const [ra] = await ctx.platform.db.tenant(a.orgId, (tx) => insertStep(tx, step(a.orgId, 'stmt-a')));
    const [rb] = await ctx.platform.db.tenant(b.orgId, (tx) => insertStep(tx, step(b.orgId, 'stmt-b')));
    expect(builds).toBe(1);
    // The row mapping and the column encoders are Drizzle's: JSON back as an object, dates as Dates.
    expect(ra).toMatchObject({ orgId: a.orgId, id: 'obx_stmt_stmt-a', payload: { text: 'Hallo', n: 2 }, nextAttemptAt: at, lockedUntil: null, result: null, subjectType: null });
    expect(rb).toMatchObject({ orgId: b.orgId, id: 'obx_stmt_stmt-b' });
    expect(await ctx.platform.db.tenant(a.orgId, (tx) => stepByKey(tx, { orgId: a.orgId, key: 'stmt-a' }))).toEqual([{ id: 'obx_stmt_stmt-a', payload: { text: 'Hallo', n: 2 }, nextAttemptAt: at, subjectType: null }]);
    // Row-level security holds: organisation A's transaction does not see B's step, even by its key.
    expect(await ctx.platform.db.tenant(a.orgId, (tx) => stepByKey(tx, { orgId: b.orgId, key: 'stmt-b' }))).toEqual([]);
    // And a transaction that rolls back takes the statement's write with it.
    await expect(
      ctx.platform.db.tenant(a.orgId, async (tx) => {
        await insertStep(tx, step(a.orgId, 'stmt-rolled-back'));
        throw new Error('stop');
      }),
    ).rejects.toThrow('stop');
    expect(await ctx.platform.db.tenant(a.orgId, (tx) => stepByKey(tx, { orgId: a.orgId, key: 'stmt-rolled-back' }))).toEqual([]);
  });

  it('null is SQL NULL (not the JSON text null); a value left out is an error naming it, and nothing is written', async () => {
    await ctx.platform.db.tenant(a.orgId, (tx) => insertStep(tx, step(a.orgId, 'stmt-nulls')));
    const r = await ctx.platform.db.tenant(a.orgId, (tx) => tx.execute(sql`select result is null as result_null, locked_until is null as locked_null, jsonb_typeof(payload) as payload_type from outbox where org_id = ${a.orgId} and idempotency_key = 'stmt-nulls'`));
    expect(r.rows).toEqual([{ result_null: true, locked_null: true, payload_type: 'object' }]);
    const { handler: _left, ...partial } = step(a.orgId, 'stmt-partial');
    await expect(ctx.platform.db.tenant(a.orgId, (tx) => insertStep(tx, partial))).rejects.toThrow('statement(): no value for "handler"');
    expect(await ctx.platform.db.tenant(a.orgId, (tx) => stepByKey(tx, { orgId: a.orgId, key: 'stmt-partial' }))).toEqual([]);
  });

  it('a run that got a name (cached plans) leaves the shared rendering unnamed for the runs after it', async () => {
    const db = new Database(createPool((await testDatabase()).appUrl, 1), { cachedPlans: 'on' });
    extra.push(db);
    const run = (cachedPlans: boolean) => db.tenant(a.orgId, (tx) => stepByKey(tx, { orgId: a.orgId, key: 'stmt-a' }), { cachedPlans });
    // Named from its fourth run in transactions that ask: runs four and five use the name.
    for (let i = 0; i < 5; i++) expect(await run(true)).toHaveLength(1);
    // Three runs in ordinary transactions on the same connection: unnamed, so the named
    // statement's count stays at two.
    for (let i = 0; i < 3; i++) expect(await run(false)).toHaveLength(1);
    const c = await db.pool.connect();
    try {
      const p = await c.query<{ runs: number }>(`select (generic_plans + custom_plans)::int as runs from pg_prepared_statements where statement like '%"outbox"."idempotency_key"%'`);
      expect(p.rows).toEqual([{ runs: 2 }]);
    } finally {
      c.release();
    }
  });
});
