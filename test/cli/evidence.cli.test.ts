import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedEvidenceDemo, type PackManifest } from '../../src/modules/evidence/index.js';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { testDatabase } from '../helpers/db.js';
import { createTestOrg, type TestOrg } from '../helpers/org.js';
import { unzip } from '../helpers/unzip.js';

const run = promisify(execFile);

let ctx: TestContext;
let org: TestOrg;
let env: NodeJS.ProcessEnv;
beforeAll(async () => {
  ctx = await createTestContext();
  org = await createTestOrg(ctx);
  await seedEvidenceDemo(ctx.services.evidence, org.orgId);
  const tdb = await testDatabase();
  // The CLI must use the same secret key as the services that signed the checkpoints.
  env = { ...process.env, DATABASE_URL: tdb.adminUrl, APP_DATABASE_URL: tdb.appUrl, DATA_DIR: ctx.platform.config.dataDir, SECRET_KEY: ctx.platform.secretKey.toString('hex'), LOG_LEVEL: 'silent' };
});
afterAll(async () => {
  await ctx?.close();
});

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(process.execPath, ['bin/afterdesk.js', ...args], { env, timeout: 60_000 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

describe('afterdesk evidence (CLI)', () => {
  it('pack writes the ZIP and lists missing evidence; verify passes, then names the record edited in SQL and exits 1', async () => {
    const out = path.resolve('.tmp', `cli-pack-${org.orgId}.zip`);
    const pack = await cli('evidence', 'pack', 'tkt_demo_evidence_inr', '--out', out, '--reason', 'item_not_received', '--language', 'fr');
    expect(pack.code).toBe(0);
    expect(pack.stdout).toContain('summary.pdf, 0 files, manifest.json; chain head #21');
    expect(pack.stdout).toContain('⚠ Aucun élément « suivi du colis » au dossier ; il est généralement exigé pour « Article non reçu ».');
    const manifest = JSON.parse((await unzip(fs.readFileSync(out))).get('manifest.json')!.toString()) as PackManifest;
    expect(manifest).toMatchObject({ orgId: org.orgId, caseId: 'tkt_demo_evidence_inr', language: 'fr' });

    const ok = await cli('evidence', 'verify', '--org', org.orgId);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain(`✔ ${org.orgId}: 21 records, 4 files, 1 signed checkpoints, 1 outside copies — chain intact`);

    const c = new pg.Client({ connectionString: ctx.platform.adminUrl });
    await c.connect();
    const { rows } = await c.query<{ id: string }>(`update evidence_records set summary = 'Refunded €6.49' where org_id = $1 and seq = 11 returning id`, [org.orgId]);
    await c.end();
    const bad = await cli('evidence', 'verify', '--org', org.orgId);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain(`✘ ${org.orgId}: BROKEN after 10 good records`);
    expect(bad.stdout).toContain('problem: record_hash');
    expect(bad.stdout).toContain(`record:  ${rows[0]!.id} (seq 11)`);
  }, 120_000);

  it('verify names records deleted from the end after the last checkpoint, and a forged checkpoint copy in DATA_DIR', async () => {
    const o = await createTestOrg(ctx);
    const add = (n: number) =>
      ctx.services.evidence.record({ orgId: o.orgId, caseId: 'tkt_cli_tail', caseType: 'ticket', kind: 'message', actor: { type: 'buyer', name: 'Ida' }, occurredAt: new Date(Date.UTC(2026, 2, 1, 9, n)), summary: `message ${n}`, data: { text: `hi ${n}` } });
    for (let n = 1; n <= 3; n++) await add(n);
    const cp = await cli('evidence', 'checkpoint', '--org', o.orgId);
    expect(cp.stdout).toContain(`${o.orgId}: checkpoint at #3`);
    const copy = path.join(ctx.platform.config.dataDir, 'evidence-checkpoints', `${o.orgId}.json`);
    expect(JSON.parse(fs.readFileSync(copy, 'utf8'))).toMatchObject({ orgId: o.orgId, seq: 3 });
    await add(4);
    await add(5);

    const c = new pg.Client({ connectionString: ctx.platform.adminUrl });
    await c.connect();
    await c.query(`delete from evidence_records where org_id = $1 and seq > 3`, [o.orgId]);
    await c.end();
    const bad = await cli('evidence', 'verify', '--org', o.orgId);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain('problem: tail_missing');
    expect(bad.stdout).toContain('record(s) 4…5 were removed from the end');

    const doc = JSON.parse(fs.readFileSync(copy, 'utf8')) as Record<string, unknown>;
    fs.writeFileSync(copy, JSON.stringify({ ...doc, hash: 'f'.repeat(64) }));
    const forged = await cli('evidence', 'verify', '--org', o.orgId);
    expect(forged.code).toBe(1);
    expect(forged.stdout).toContain('problem: external_checkpoint_signature');
  }, 120_000);
});
