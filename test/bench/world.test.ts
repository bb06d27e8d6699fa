import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BenchContext } from '../../bench/harness.js';
import { benchWorld } from '../../bench/world/world.js';

const TABLES = ['organisations', 'brands', 'shops', 'users', 'buyers', 'orders', 'order_lines', 'platform_returns', 'return_reason_trees', 'returns', 'return_lines', 'return_counters', 'tickets', 'ticket_threads', 'ticket_messages', 'ticket_counters'];

/** One digest per table over every column in key order (argon2 hashes are salted, so those are left out). */
async function digests(url: string): Promise<Record<string, string>> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const out: Record<string, string> = {};
    for (const t of TABLES) {
      const order = t === 'organisations' ? 'org_id' : 'org_id, id';
      const r = await c.query(`select count(*)::text || ':' || coalesce(md5(string_agg((to_jsonb(x) - 'password_hash')::text, '|' order by ${order.split(', ').map((k) => `x.${k}`).join(', ')})), '') as d from ${t} x`);
      out[t] = String(r.rows[0].d);
    }
    return out;
  } finally {
    await c.end();
  }
}

describe('bench world generator', () => {
  // Under the checkout like the bench's own cluster: Postgres runs as its own OS user when we are root.
  const dir = path.resolve('.tmp', `bench-world-test-${process.pid}`);
  const closers: Array<() => Promise<void>> = [];
  const ctx: BenchContext = {
    scale: 1,
    log: () => undefined,
    onClose: (fn) => void closers.unshift(fn),
    database: () => Promise.reject(new Error('not used')),
  };
  beforeAll(() => {
    process.env.BENCH_WORLD_DIR = dir;
  });
  afterAll(async () => {
    for (const fn of closers) await fn();
    delete process.env.BENCH_WORLD_DIR;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('builds the same rows from the same seed and size, other rows from another seed, and clones the cached template', async () => {
    const first = await benchWorld(ctx, { size: 300, seed: 7 });
    expect(first.built).toBe(true);
    const a = await digests(first.adminUrl);
    expect(first.manifest.counts.buyers).toBe(300);
    expect(first.manifest.counts.orders).toBe(1_200);
    expect(first.manifest.counts.order_lines).toBeGreaterThan(2_400);
    expect(first.manifest.counts.platform_returns).toBeGreaterThan(0);
    expect(first.manifest.counts.returns).toBeGreaterThan(0);
    expect(first.manifest.counts.tickets).toBeGreaterThan(0);
    expect(first.manifest.samples.orders[0]).toMatch(/^ord_[0-9a-z]{26}$/);
    expect(first.manifest.samples.orderLines[0]).toMatch(/^oln_[0-9a-z]{26}$/);

    const cached = await benchWorld(ctx, { size: 300, seed: 7 });
    expect(cached.built).toBe(false);
    expect(await digests(cached.adminUrl)).toEqual(a);

    const rebuilt = await benchWorld(ctx, { size: 300, seed: 7, rebuild: true });
    expect(rebuilt.built).toBe(true);
    expect(await digests(rebuilt.adminUrl)).toEqual(a);

    const other = await benchWorld(ctx, { size: 300, seed: 8 });
    const b = await digests(other.adminUrl);
    expect(b.orders).not.toEqual(a.orders);
    expect(b.order_lines).not.toEqual(a.order_lines);
  }, 300_000);
});
