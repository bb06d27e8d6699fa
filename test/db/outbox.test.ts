import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { ManualClock } from '../../src/platform/clock.js';
import { enqueue, PermanentError } from '../../src/platform/outbox/outbox.js';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { createTestOrg } from '../helpers/org.js';

let ctx: TestContext;
const clock = new ManualClock('2026-03-02T10:00:00Z');
beforeAll(async () => {
  ctx = await createTestContext({ clock });
});
afterAll(async () => {
  await ctx?.close();
});

describe('transactional outbox', () => {
  it('the same idempotency key never creates a second row', async () => {
    const org = await createTestOrg(ctx);
    const { db, ids } = ctx.platform;
    const input = { orgId: org.orgId, handler: 'test.noop', idempotencyKey: 'refund:rem_1:line_1', payload: { amount: 100 } };
    const a = await db.tenant(org.orgId, (tx) => enqueue(tx, input, { ids, clock }));
    const b = await db.tenant(org.orgId, (tx) => enqueue(tx, { ...input, payload: { amount: 999 } }, { ids, clock }));
    expect(a.created).toBe(true);
    expect(b.created).toBe(false);
    expect(b.row.id).toBe(a.row.id);
    expect(b.row.payload).toEqual({ amount: 100 });
  });

  it('a row written in a transaction that rolls back is never dispatched', async () => {
    const org = await createTestOrg(ctx);
    const { db, ids } = ctx.platform;
    await expect(
      db.tenant(org.orgId, async (tx) => {
        await enqueue(tx, { orgId: org.orgId, handler: 'test.noop', idempotencyKey: 'rolled-back', payload: {} }, { ids, clock });
        throw new Error('decision failed');
      }),
    ).rejects.toThrow('decision failed');
    const rows = await db.tenant(org.orgId, (tx) => tx.execute(`select count(*)::int as n from outbox where idempotency_key = 'rolled-back'` as never));
    expect((rows as unknown as { rows: { n: number }[] }).rows[0]!.n).toBe(0);
  });

  it('retries transient failures with backoff, then runs once; a crash after the remote call is retried with the same key', async () => {
    const org = await createTestOrg(ctx);
    const { db, ids, outbox, dispatcher } = ctx.platform;
    // A fake remote that dedupes on the idempotency key, as the platform does.
    const remote = new Map<string, number>();
    let calls = 0;
    let crashNext = true;
    outbox.register('test.pay', async (payload, c) => {
      calls++;
      if (calls === 1) throw new Error('ECONNRESET');
      // Idempotent on the far side: the same key sets, never adds.
      remote.set(c.idempotencyKey, Number(payload.amount));
      if (crashNext) {
        crashNext = false;
        // Simulate the worker dying after the remote call but before marking the row done.
        throw Object.assign(new Error('worker crashed'), { crash: true });
      }
      return { paid: payload.amount };
    });
    const { row } = await db.tenant(org.orgId, (tx) => enqueue(tx, { orgId: org.orgId, handler: 'test.pay', idempotencyKey: `pay:${org.orgId}`, payload: { amount: 4999 } }, { ids, clock }));

    expect(await dispatcher.runOnce(25, org.orgId)).toMatchObject({ claimed: 1, retried: 1 });
    expect(await dispatcher.runOnce(25, org.orgId)).toMatchObject({ claimed: 0 }); // backoff: not due yet
    clock.advance(1_000);
    expect(await dispatcher.runOnce(25, org.orgId)).toMatchObject({ claimed: 1, retried: 1 });
    clock.advance(2_000);
    expect(await dispatcher.runOnce(25, org.orgId)).toMatchObject({ claimed: 1, done: 1 });
    expect(calls).toBe(3);
    expect([...remote.entries()]).toEqual([[`pay:${org.orgId}`, 4999]]);
    const res = await ctx.app.inject({ method: 'GET', url: `/api/outbox?status=done`, headers: { cookie: await org.cookie('supervisor') } });
    expect(res.json().items.map((i: { id: string; attempts: number }) => [i.id, i.attempts])).toEqual([[row.id, 3]]);
  });

  it('a step whose worker died mid-call is reclaimed after its lease expires', async () => {
    const org = await createTestOrg(ctx);
    const { db, ids, outbox, dispatcher } = ctx.platform;
    let runs = 0;
    outbox.register('test.lease', async () => {
      runs++;
    });
    const { row } = await db.tenant(org.orgId, (tx) => enqueue(tx, { orgId: org.orgId, handler: 'test.lease', idempotencyKey: 'lease', payload: {} }, { ids, clock }));
    // Claim as a worker that then dies: status running with a lease, handler never finishes.
    await db.system((tx) => tx.execute(`update outbox set status = 'running', attempts = 1, locked_until = '${new Date(clock.now().getTime() + 60_000).toISOString()}' where id = '${row.id}'` as never));
    expect((await dispatcher.runOnce(25, org.orgId)).claimed).toBe(0);
    clock.advance(61_000);
    expect(await dispatcher.runOnce(25, org.orgId)).toMatchObject({ claimed: 1, done: 1 });
    expect(runs).toBe(1);
  });

  it('a permanent failure is visible and a supervisor can retry it', async () => {
    const org = await createTestOrg(ctx);
    const { db, ids, outbox, dispatcher } = ctx.platform;
    let fail = true;
    outbox.register('test.reject', async () => {
      if (fail) throw new PermanentError('return already approved', '25020010');
      return { ok: true };
    });
    const { row } = await db.tenant(org.orgId, (tx) => enqueue(tx, { orgId: org.orgId, handler: 'test.reject', idempotencyKey: 'perm', payload: {}, subjectType: 'remedy', subjectId: 'rem_x' }, { ids, clock }));
    expect(await dispatcher.runOnce(25, org.orgId)).toMatchObject({ failed: 1 });
    const agent = await ctx.app.inject({ method: 'POST', url: `/api/outbox/${row.id}/retry`, headers: { cookie: await org.cookie('agent') } });
    expect(agent.statusCode).toBe(403);
    const list = await ctx.app.inject({ method: 'GET', url: `/api/outbox?subjectId=rem_x`, headers: { cookie: await org.cookie('agent') } });
    expect(list.json().items[0]).toMatchObject({ id: row.id, status: 'failed', lastError: 'return already approved' });
    fail = false;
    const retry = await ctx.app.inject({ method: 'POST', url: `/api/outbox/${row.id}/retry`, headers: { cookie: await org.cookie('supervisor') } });
    expect(retry.json()).toEqual({ id: row.id, status: 'pending' });
    expect(await dispatcher.runOnce(25, org.orgId)).toMatchObject({ done: 1 });
    const again = await ctx.app.inject({ method: 'POST', url: `/api/outbox/${row.id}/retry`, headers: { cookie: await org.cookie('supervisor') } });
    expect(again.statusCode).toBe(409);
    const other = await createTestOrg(ctx);
    const cross = await ctx.app.inject({ method: 'POST', url: `/api/outbox/${row.id}/retry`, headers: { cookie: await other.cookie('supervisor') } });
    expect(cross.statusCode).toBe(404);
  });
});

describe('dispatch order', () => {
  it('runs claimed steps in the order they became due', async () => {
    const org = await createTestOrg(ctx);
    const { db, ids, outbox, dispatcher } = ctx.platform;
    const order: string[] = [];
    outbox.register('test.order', async (payload) => {
      order.push(String(payload.step));
    });
    await db.tenant(org.orgId, async (tx) => {
      for (const [step, offset] of [['c', 3], ['a', 1], ['b', 2]] as const) {
        await enqueue(tx, { orgId: org.orgId, handler: 'test.order', idempotencyKey: `order:${step}`, payload: { step }, notBefore: new Date(clock.now().getTime() - 10_000 + offset) }, { ids, clock });
      }
    });
    expect(await dispatcher.runOnce(25, org.orgId)).toMatchObject({ claimed: 3, done: 3 });
    expect(order).toEqual(['a', 'b', 'c']);
  });
});

describe('finish writers', () => {
  it('a writer commits with the step’s outcome; one that fails leaves the outcome written on its own and runs again apart, and nothing is sent twice', async () => {
    const org = await createTestOrg(ctx);
    const { db, ids, outbox, dispatcher } = ctx.platform;
    let sends = 0;
    outbox.register('test.fw', async () => {
      sends++;
      return { sent: true };
    });
    // Where the writer leaves its mark: a step nobody claims (due in a year).
    const marker = await db.tenant(org.orgId, (tx) => enqueue(tx, { orgId: org.orgId, handler: 'test.marker', idempotencyKey: 'fw-marker', payload: {}, notBefore: new Date(clock.now().getTime() + 365 * 86_400_000) }, { ids, clock }));
    let failOnce = new Set<string>();
    const seen: { id: string; statusInside: string }[] = [];
    outbox.onFinishedWrite(async (tx, f) => {
      if (f.handler !== 'test.fw') return;
      // Inside the outcome's transaction the step already reads as finished.
      const r = await tx.execute(sql`select status from outbox where org_id = ${f.orgId} and id = ${f.id}`);
      seen.push({ id: f.id, statusInside: (r.rows[0] as { status: string }).status });
      await tx.execute(sql`update outbox set result = jsonb_build_object('wrote', ${f.id}::text) where org_id = ${f.orgId} and id = ${marker.row.id}`);
      if (failOnce.delete(f.id)) throw new Error('writer broke');
    });
    const xmins = (ids_: string[]) =>
      db.tenant(org.orgId, async (tx) => {
        const r = await tx.execute(sql`select id, xmin::text as x, status, result from outbox where org_id = ${org.orgId} and id = any(${sql.param(ids_)}::text[])`);
        return new Map((r.rows as { id: string; x: string; status: string; result: unknown }[]).map((x) => [x.id, x]));
      });

    const a = await db.tenant(org.orgId, (tx) => enqueue(tx, { orgId: org.orgId, handler: 'test.fw', idempotencyKey: 'fw-a', payload: {} }, { ids, clock }));
    expect(await dispatcher.runOnce(25, org.orgId)).toMatchObject({ claimed: 1, done: 1 });
    let rows = await xmins([a.row.id, marker.row.id]);
    expect(rows.get(a.row.id)).toMatchObject({ status: 'done' });
    expect(rows.get(marker.row.id)).toMatchObject({ result: { wrote: a.row.id } });
    // One transaction wrote both rows.
    expect(rows.get(marker.row.id)!.x).toBe(rows.get(a.row.id)!.x);

    const b = await db.tenant(org.orgId, (tx) => enqueue(tx, { orgId: org.orgId, handler: 'test.fw', idempotencyKey: 'fw-b', payload: {} }, { ids, clock }));
    failOnce = new Set([b.row.id]);
    expect(await dispatcher.runOnce(25, org.orgId)).toMatchObject({ claimed: 1, done: 1, failed: 0 });
    rows = await xmins([b.row.id, marker.row.id]);
    expect(rows.get(b.row.id)).toMatchObject({ status: 'done' });
    expect(rows.get(marker.row.id)).toMatchObject({ result: { wrote: b.row.id } });
    expect(rows.get(marker.row.id)!.x).not.toBe(rows.get(b.row.id)!.x);
    expect(seen).toEqual([
      { id: a.row.id, statusInside: 'done' },
      { id: b.row.id, statusInside: 'done' },
      // Again, in its own transaction, after the outcome committed.
      { id: b.row.id, statusInside: 'done' },
    ]);
    expect(sends).toBe(2);
    expect(await dispatcher.runOnce(25, org.orgId)).toMatchObject({ claimed: 0 });
  });
});
