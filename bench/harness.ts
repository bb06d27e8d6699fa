import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { appUrlFrom, migrate } from '../src/app/migrate.js';
import { ensureDatabase, startEmbedded, type EmbeddedHandle } from '../src/app/postgres.js';

export interface Stats {
  n: number;
  p50: number;
  p99: number;
  mean: number;
  /** Operations per second derived from total elapsed time. */
  perSecond: number;
}

export function stats(samplesMs: number[], totalMs?: number): Stats {
  const s = [...samplesMs].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))] ?? 0;
  const total = totalMs ?? s.reduce((a, b) => a + b, 0);
  return { n: s.length, p50: q(0.5), p99: q(0.99), mean: total / Math.max(1, s.length), perSecond: (s.length / total) * 1000 };
}

/** Time `fn` `iterations` times after `warmup` untimed runs; returns per-call latencies in ms. */
export async function sample(fn: () => Promise<unknown> | unknown, iterations: number, warmup = Math.min(100, iterations)): Promise<Stats> {
  for (let i = 0; i < warmup; i++) await fn();
  const out = new Array<number>(iterations);
  const t0 = performance.now();
  for (let i = 0; i < iterations; i++) {
    const a = performance.now();
    await fn();
    out[i] = performance.now() - a;
  }
  return stats(out, performance.now() - t0);
}

const fmt = (n: number, d = 3) => (n >= 100 ? n.toFixed(0) : n.toPrecision(d));

export interface Comparison {
  name: string;
  baseline: { label: string; stats: Stats };
  subject: { label: string; stats: Stats };
  notes?: string[];
}

/** One result block: both sides' p50/p99 and the ratios subject/baseline, measured in this run. */
export function printComparison(c: Comparison): void {
  const { baseline: b, subject: s } = c;
  console.log(`\n## ${c.name}`);
  const row = (label: string, st: Stats) => `  ${label.padEnd(44)} n=${String(st.n).padStart(7)}  p50=${fmt(st.p50).padStart(7)} ms  p99=${fmt(st.p99).padStart(7)} ms  ${fmt(st.perSecond).padStart(9)}/s`;
  console.log(row(`baseline: ${b.label}`, b.stats));
  console.log(row(`subject:  ${s.label}`, s.stats));
  console.log(`  ratio subject/baseline: p50 ×${(s.stats.p50 / b.stats.p50).toFixed(2)}  p99 ×${(s.stats.p99 / b.stats.p99).toFixed(2)}  throughput ×${(s.stats.perSecond / b.stats.perSecond).toFixed(3)}`);
  for (const n of c.notes ?? []) console.log(`  ${n}`);
}

export interface BenchDb {
  adminUrl: string;
  appUrl: string;
}

export interface BenchContext {
  /** A fresh migrated database on the run's embedded Postgres (one per call). */
  database(name: string): Promise<BenchDb>;
  /** Scale factor from BENCH_SCALE (default 1); benchmarks size their data by it. */
  scale: number;
  log(line: string): void;
  /** Run `fn` when the run ends, before the run's Postgres stops (last registered runs first). */
  onClose(fn: () => Promise<void>): void;
}

export type Bench = (ctx: BenchContext) => Promise<void>;

export const APP_PASSWORD = 'bench-app-password';

export async function createBenchContext(): Promise<{ ctx: BenchContext; close(): Promise<void> }> {
  const dir = path.resolve('.tmp', `pg-bench-${process.pid}`);
  fs.rmSync(dir, { recursive: true, force: true });
  let pg: EmbeddedHandle | undefined;
  const closers: Array<() => Promise<void>> = [];
  const ctx: BenchContext = {
    onClose: (fn) => void closers.unshift(fn),
    scale: Number(process.env.BENCH_SCALE ?? 1),
    log: (l) => console.log(l),
    async database(name: string) {
      pg ??= await startEmbedded({ dir, port: 0, password: 'bench', log: { info: () => undefined, warn: () => undefined, debug: () => undefined }, fast: true });
      await ensureDatabase(pg.superuserUrl('postgres'), name);
      const adminUrl = pg.superuserUrl(name);
      await migrate(adminUrl, APP_PASSWORD);
      return { adminUrl, appUrl: appUrlFrom(adminUrl, APP_PASSWORD) };
    },
  };
  return {
    ctx,
    async close() {
      for (const fn of closers) await fn().catch((e: unknown) => console.error(`  cleanup failed: ${String(e)}`));
      await pg?.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
