import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import sharp from 'sharp';
import yazl from 'yazl';
import { sql } from 'drizzle-orm';
import { loadConfig } from '../src/app/config.js';
import { compose } from '../src/app/compose.js';
import { createPlatform } from '../src/app/deps.js';
import { LocalFileStore } from '../src/integrations/storage/index.js';
import { recordEvidence, type EvidenceInput } from '../src/modules/evidence/index.js';
import { systemClock } from '../src/platform/clock.js';
import { createPool, Database } from '../src/platform/db.js';
import { newId } from '../src/platform/ids.js';
import { silentLogger } from '../src/platform/logger.js';
import { systemActor } from '../src/platform/tenancy.js';
import { printComparison, sample, stats, type BenchContext } from './harness.js';

/** Counts bytes and throws them away, so both sides pay the same (zero) output cost. */
function sink(): Writable & { bytes: number } {
  const w = new Writable({
    write(chunk: Buffer, _enc, cb) {
      (w as unknown as { bytes: number }).bytes += chunk.length;
      cb();
    },
  }) as Writable & { bytes: number };
  w.bytes = 0;
  return w;
}

/** Peak RSS above the starting RSS while `fn` runs, sampled every 2 ms. */
async function peakRss<T>(fn: () => Promise<T>): Promise<{ result: T; ms: number; peakDeltaMb: number }> {
  global.gc?.();
  const start = process.memoryUsage().rss;
  let peak = start;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 2);
  const t0 = performance.now();
  const result = await fn();
  const ms = performance.now() - t0;
  clearInterval(timer);
  peak = Math.max(peak, process.memoryUsage().rss);
  return { result, ms, peakDeltaMb: (peak - start) / 1024 / 1024 };
}

export default async function evidenceBench(ctx: BenchContext): Promise<void> {
  const messages = Math.round(200 * ctx.scale);
  const photos = Math.round(50 * ctx.scale);
  const dbs = await ctx.database('bench_evidence');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'afterdesk-evidence-bench-'));
  const config = loadConfig({ NODE_ENV: 'production', DATABASE_URL: dbs.adminUrl, APP_DATABASE_URL: dbs.appUrl, LOG_LEVEL: 'silent', DATA_DIR: dir });
  const db = new Database(createPool(dbs.appUrl, 12));
  const platform = createPlatform({ config, db, adminUrl: dbs.adminUrl, clock: systemClock, ids: newId, log: silentLogger, jobs: undefined, secretKey: Buffer.alloc(32, 3) });
  const s = compose(platform);
  // Files and checkpoint copies under DATA_DIR (local storage), as composed for any installation;
  // `store` only names the files' paths for the size and zip measurements.
  const evidence = s.evidence;
  const store = new LocalFileStore(path.join(dir, 'files'));
  try {
    const org = await s.tenancy.createOrganisation({ name: 'Bench evidence' });
    const orgId = org.orgId;
    const caseId = 'tkt_bench_case';

    // 50 real phone-sized JPEGs (1600×1200 with noise, ~0.5 MB each).
    const shas: string[] = [];
    for (let i = 0; i < photos; i++) {
      const jpeg = await sharp({ create: { width: 1600, height: 1200, channels: 3, background: { r: (i * 37) % 255, g: 120, b: 200 }, noise: { type: 'gaussian', mean: 128, sigma: 18 } } })
        .jpeg({ quality: 80 })
        .toBuffer();
      shas.push((await evidence.storeFile(orgId, { bytes: jpeg, fileName: `photo-${i + 1}.jpg`, declaredContentType: 'image/jpeg' })).sha256);
    }
    const base = Date.UTC(2026, 0, 5, 9);
    const rec = (n: number, extra: Partial<EvidenceInput>): EvidenceInput => ({
      orgId,
      caseId,
      caseType: 'ticket',
      kind: 'message',
      actor: n % 2 ? { type: 'buyer', name: 'Anna Schmidt' } : { type: 'user', name: 'Luca Rossi' },
      occurredAt: new Date(base + n * 60_000),
      summary: `Message ${n}`,
      data: { channel: 'tiktok_chat', direction: n % 2 ? 'inbound' : 'outbound', text: `Message ${n}: the water tank arrived cracked and the box was crushed; please advise what happens next with my order and refund. `.repeat(2) },
      ...extra,
    });
    await evidence.record(rec(0, { kind: 'order_snapshot', summary: 'Order', data: { orderId: 'ord_1', total: { amount: 64900, currency: 'EUR' } } }));
    for (let i = 1; i <= messages; i++) await evidence.record(rec(i, {}));
    for (let i = 0; i < photos; i++) await evidence.record(rec(messages + i + 1, { kind: 'attachment', summary: `Photo ${i + 1}`, fileSha256s: [shas[i]!], data: { channel: 'tiktok_chat' } }));
    const totalBytes = shas.reduce((a, sha) => a + fs.statSync(store.pathFor(sha)).size, 0);
    ctx.log(`\nEvidence case: ${messages} messages + ${photos} photos (${(totalBytes / 1024 / 1024).toFixed(1)} MB of JPEG)`);

    const buildPack = async () => {
      const pack = await evidence.buildPack(systemActor(orgId), caseId, { reason: 'damaged', language: 'en' });
      const out = sink();
      await pipeline(pack.stream, out);
      return out.bytes;
    };
    const plainZip = async () => {
      const zip = new yazl.ZipFile();
      for (const sha of shas) zip.addReadStreamLazy(`files/${sha}.jpg`, { compress: false }, (cb) => cb(null, fs.createReadStream(store.pathFor(sha))));
      zip.end();
      const out = sink();
      await pipeline(zip.outputStream, out);
      return out.bytes;
    };
    await buildPack();
    await plainZip();
    const runs = Math.max(3, Math.round(5 * ctx.scale));
    const baseT: number[] = [];
    const subjT: number[] = [];
    let baseMem = 0;
    let subjMem = 0;
    let packBytes = 0;
    let zipBytes = 0;
    for (let i = 0; i < runs; i++) {
      const b = await peakRss(plainZip);
      baseT.push(b.ms);
      baseMem = Math.max(baseMem, b.peakDeltaMb);
      zipBytes = b.result;
      const p = await peakRss(buildPack);
      subjT.push(p.ms);
      subjMem = Math.max(subjMem, p.peakDeltaMb);
      packBytes = p.result;
    }
    printComparison({
      name: `Evidence pack: ${messages} messages + ${photos} photos → ZIP (PDF summary with thumbnails, originals, manifest)`,
      baseline: { label: `plain ZIP of the same ${photos} JPEGs`, stats: stats(baseT) },
      subject: { label: 'evidence pack (DB load + PDF + ZIP)', stats: stats(subjT) },
      notes: [
        `output: pack ${(packBytes / 1024 / 1024).toFixed(2)} MB vs plain zip ${(zipBytes / 1024 / 1024).toFixed(2)} MB`,
        `peak RSS growth while running: pack +${subjMem.toFixed(1)} MB, plain zip +${baseMem.toFixed(1)} MB (ratio ×${(subjMem / Math.max(baseMem, 0.1)).toFixed(1)}); process maxRSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`,
      ],
    });

    // The price of the chain: append under the per-org advisory lock (head read + sha256 + insert)
    // vs inserting the same row into an unlocked, unchained copy of the table. The bench database
    // runs without fsync, so commit cost (which dominates on real disks) is left out of both sides.
    const admin = new pg.Client({ connectionString: dbs.adminUrl });
    await admin.connect();
    // Same columns, indexes, foreign key and row-level security as the real table: only the chain differs.
    await admin.query(`create table if not exists bench_plain_evidence (like evidence_records including defaults including indexes);
      alter table bench_plain_evidence add foreign key (org_id) references organisations(org_id);
      select afterdesk_tenant_table('bench_plain_evidence');`);
    await admin.end();
    const appendN = Math.round(500 * ctx.scale);
    const bench2 = await s.tenancy.createOrganisation({ name: 'Bench append' });
    let k = 0;
    const plain = await sample(
      () =>
        db.tenant(bench2.orgId, (tx) =>
          tx.execute(sql`insert into bench_plain_evidence (org_id, id, seq, prev_hash, hash, case_id, case_type, kind, actor, occurred_at, recorded_at, summary, data, file_sha256s)
            values (${bench2.orgId}, ${newId('evd')}, ${++k}, '', '', 'tkt_x', 'ticket', 'message', '{"type":"buyer"}', now(), now(), 'm', ${JSON.stringify({ text: 'hello there' })}::jsonb, '{}')`),
        ),
      appendN,
      50,
    );
    const chained = await sample(
      () => db.tenant(bench2.orgId, (tx) => recordEvidence(tx, { ids: newId, clock: systemClock }, { orgId: bench2.orgId, caseId: 'tkt_x', caseType: 'ticket', kind: 'message', actor: { type: 'buyer' }, occurredAt: new Date(), summary: 'm', data: { text: 'hello there' } })),
      appendN,
      50,
    );
    printComparison({
      name: 'Evidence append, one writer: chained record (advisory lock + head read + sha256) vs plain insert',
      baseline: { label: 'plain insert, same table shape + RLS + FK', stats: plain },
      subject: { label: 'recordEvidence in its own transaction', stats: chained },
    });

    // Contention: 8 concurrent writers into ONE organisation (they queue on its lock) vs 8 writers
    // spread over 8 organisations (no shared lock).
    const orgs = await Promise.all(Array.from({ length: 8 }, (_, i) => s.tenancy.createOrganisation({ name: `Bench conc ${i}` })));
    const concurrent = async (targets: string[], per: number) => {
      const lat: number[] = [];
      const t0 = performance.now();
      await Promise.all(
        targets.map(async (o) => {
          for (let i = 0; i < per; i++) {
            const a = performance.now();
            await db.tenant(o, (tx) => recordEvidence(tx, { ids: newId, clock: systemClock }, { orgId: o, caseId: 'tkt_c', caseType: 'ticket', kind: 'note', actor: { type: 'system' }, occurredAt: new Date(), summary: 'n', data: {} }));
            lat.push(performance.now() - a);
          }
        }),
      );
      return stats(lat, performance.now() - t0);
    };
    const per = Math.round(60 * ctx.scale);
    const spread = await concurrent(orgs.map((o) => o.orgId), per);
    const same = await concurrent(Array.from({ length: 8 }, () => orgs[0]!.orgId), per);
    printComparison({
      name: '8 concurrent evidence writers: same organisation (serialised by its lock) vs 8 organisations',
      baseline: { label: '8 writers, 8 organisations', stats: spread },
      subject: { label: '8 writers, 1 organisation', stats: same },
      notes: [`chain after the burst verifies: ${(await evidence.verify(orgs[0]!.orgId, { checkFiles: false })).ok}`],
    });
  } finally {
    await db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
