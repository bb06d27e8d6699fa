import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../../../test/helpers/context.js';
import { createTestOrg } from '../../../test/helpers/org.js';
import { ManualClock } from '../../platform/clock.js';
import { newId } from '../../platform/ids.js';
import { recordEvidence, type EvidenceInput, type EvidenceRecordView } from './index.js';

const copyPath = (orgId: string) => path.join(ctx.platform.config.dataDir, 'evidence-checkpoints', `${orgId}.json`);

let ctx: TestContext;
const clock = new ManualClock('2026-03-02T10:00:00Z');
beforeAll(async () => {
  ctx = await createTestContext({ clock });
});
afterAll(async () => {
  await ctx?.close();
});

function input(orgId: string, n: number, extra: Partial<EvidenceInput> = {}): EvidenceInput {
  return {
    orgId,
    caseId: 'tkt_case1',
    caseType: 'ticket',
    kind: 'message',
    actor: { type: 'buyer', name: 'Anna' },
    occurredAt: new Date(Date.UTC(2026, 2, 1, 9, n)),
    summary: `message ${n}`,
    data: { text: `hello ${n}`, nested: { b: 2, a: [1, { z: true, y: null }] } },
    ...extra,
  };
}

async function superuser<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: ctx.platform.adminUrl });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

describe('evidence hash chain', () => {
  it('appends records with consecutive seq, each linked to the previous hash, and verify passes', async () => {
    const org = await createTestOrg(ctx);
    const rows: EvidenceRecordView[] = [];
    for (let i = 1; i <= 5; i++) rows.push(await ctx.services.evidence.record(input(org.orgId, i)));
    expect(rows.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5]);
    const res = await ctx.services.evidence.verify(org.orgId);
    expect(res).toMatchObject({ ok: true, records: 5, headSeq: 5, headHash: rows[4]!.hash, broken: null });
  });

  it('the record is part of the caller transaction: a rollback leaves no evidence and no gap', async () => {
    const org = await createTestOrg(ctx);
    await ctx.services.evidence.record(input(org.orgId, 1));
    await expect(
      ctx.platform.db.tenant(org.orgId, async (tx) => {
        await recordEvidence(tx, { ids: newId, clock }, input(org.orgId, 2));
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    const third = await ctx.services.evidence.record(input(org.orgId, 3));
    expect(third.seq).toBe(2);
    expect((await ctx.services.evidence.verify(org.orgId)).ok).toBe(true);
  });

  it('two transactions appending at once produce one unbroken chain', async () => {
    const org = await createTestOrg(ctx);
    await ctx.services.evidence.record(input(org.orgId, 0));
    let releaseA!: () => void;
    const aHolds = new Promise<void>((r) => (releaseA = r));
    let aAppended!: () => void;
    const aDidAppend = new Promise<void>((r) => (aAppended = r));
    const a = ctx.platform.db.tenant(org.orgId, async (tx) => {
      const row = await recordEvidence(tx, { ids: newId, clock }, input(org.orgId, 1, { summary: 'from A' }));
      aAppended();
      await aHolds;
      return row;
    });
    await aDidAppend;
    // B starts while A holds an uncommitted record; B must wait and then link to A's record.
    let bDone = false;
    const b = ctx.platform.db
      .tenant(org.orgId, (tx) => recordEvidence(tx, { ids: newId, clock }, input(org.orgId, 2, { summary: 'from B' })))
      .then((r) => {
        bDone = true;
        return r;
      });
    await new Promise((r) => setTimeout(r, 150));
    expect(bDone).toBe(false);
    releaseA();
    const [ra, rb] = await Promise.all([a, b]);
    expect(ra.seq).toBe(2);
    expect(rb.seq).toBe(3);
    expect(rb.prevHash).toBe(ra.hash);
    // And a burst of 16 concurrent writers.
    const burst = await Promise.all(Array.from({ length: 16 }, (_, i) => ctx.services.evidence.record(input(org.orgId, 10 + i))));
    expect(burst.map((r) => r.seq).sort((x, y) => x - y)).toEqual(Array.from({ length: 16 }, (_, i) => 4 + i));
    expect(await ctx.services.evidence.verify(org.orgId)).toMatchObject({ ok: true, records: 19, broken: null });
  });

  it('the app role can neither update nor delete evidence', async () => {
    const org = await createTestOrg(ctx);
    const r = await ctx.services.evidence.record(input(org.orgId, 1));
    const tryAs = (q: string) =>
      ctx.platform.db.tenant(org.orgId, (tx) => tx.execute(q as never)).then(
        () => 'allowed',
        (e: { cause?: { code?: string }; code?: string }) => e.cause?.code ?? e.code,
      );
    expect(await tryAs(`update evidence_records set summary = 'x' where id = '${r.id}'`)).toBe('42501');
    expect(await tryAs(`delete from evidence_records where id = '${r.id}'`)).toBe('42501');
    expect(await tryAs(`delete from evidence_checkpoints`)).toBe('42501');
    expect(await tryAs(`update evidence_files set size = 1`)).toBe('42501');
  });

  it('a row edited directly in SQL is named by verify', async () => {
    const org = await createTestOrg(ctx);
    const rows: EvidenceRecordView[] = [];
    for (let i = 1; i <= 6; i++) rows.push(await ctx.services.evidence.record(input(org.orgId, i)));
    const victim = rows[3]!;
    await superuser((c) => c.query(`update evidence_records set data = jsonb_set(data, '{text}', '"I never got a reply"') where org_id = $1 and id = $2`, [org.orgId, victim.id]));
    const res = await ctx.services.evidence.verify(org.orgId);
    expect(res.ok).toBe(false);
    expect(res.broken).toMatchObject({ recordId: victim.id, seq: 4, problem: 'record_hash' });
    expect(res.records).toBe(3);
  });

  it('an edit that also recomputes the hash breaks the next link; a deleted row leaves a gap', async () => {
    const org = await createTestOrg(ctx);
    const rows: EvidenceRecordView[] = [];
    for (let i = 1; i <= 4; i++) rows.push(await ctx.services.evidence.record(input(org.orgId, i)));
    const { recordHash } = await import('./evidence.rules.js');
    const forged = { ...(await ctx.services.evidence.timeline({ orgId: org.orgId, userId: 'x', role: 'owner' }, 'tkt_case1')).records[1]! };
    const fake = recordHash({
      orgId: org.orgId,
      id: forged.id,
      seq: forged.seq,
      prevHash: rows[0]!.hash,
      caseId: forged.caseId,
      caseType: forged.caseType,
      kind: forged.kind,
      actor: forged.actor,
      occurredAt: new Date(forged.occurredAt),
      recordedAt: new Date(forged.recordedAt),
      summary: 'rewritten',
      data: forged.data,
      fileSha256s: forged.fileSha256s,
      responsibility: forged.responsibility,
    });
    await superuser((c) => c.query(`update evidence_records set summary = 'rewritten', hash = $3 where org_id = $1 and id = $2`, [org.orgId, forged.id, fake]));
    expect((await ctx.services.evidence.verify(org.orgId)).broken).toMatchObject({ recordId: rows[2]!.id, seq: 3, problem: 'link' });

    const org2 = await createTestOrg(ctx);
    const r2: EvidenceRecordView[] = [];
    for (let i = 1; i <= 4; i++) r2.push(await ctx.services.evidence.record(input(org2.orgId, i)));
    await superuser((c) => c.query(`delete from evidence_records where org_id = $1 and id = $2`, [org2.orgId, r2[1]!.id]));
    expect((await ctx.services.evidence.verify(org2.orgId)).broken).toMatchObject({ recordId: r2[2]!.id, seq: 3, problem: 'sequence_gap' });
  });

  it('signed checkpoints: verify checks the signature and catches a truncated tail', async () => {
    const org = await createTestOrg(ctx);
    for (let i = 1; i <= 3; i++) await ctx.services.evidence.record(input(org.orgId, i));
    expect(await ctx.services.evidence.checkpoint(org.orgId)).toEqual({ seq: 3, created: true });
    expect(await ctx.services.evidence.checkpoint(org.orgId)).toEqual({ seq: 3, created: false });
    expect(await ctx.services.evidence.verify(org.orgId)).toMatchObject({ ok: true, checkpoints: 1 });

    await superuser((c) => c.query(`delete from evidence_records where org_id = $1 and seq = 3`, [org.orgId]));
    expect((await ctx.services.evidence.verify(org.orgId)).broken).toMatchObject({ seq: 3, problem: 'tail_missing' });
    // With the head row moved back as well, the checkpoint in the database still names the loss.
    await superuser((c) => c.query(`delete from evidence_heads where org_id = $1`, [org.orgId]));
    expect((await ctx.services.evidence.verify(org.orgId)).broken).toMatchObject({ seq: 2, problem: 'head_missing' });

    const org2 = await createTestOrg(ctx);
    for (let i = 1; i <= 2; i++) await ctx.services.evidence.record(input(org2.orgId, i));
    await ctx.services.evidence.checkpoint(org2.orgId);
    await superuser((c) => c.query(`update evidence_checkpoints set signed_at = signed_at + interval '1 day' where org_id = $1`, [org2.orgId]));
    expect((await ctx.services.evidence.verify(org2.orgId)).broken).toMatchObject({ seq: 2, problem: 'checkpoint_signature' });
  });

  it('the scheduled checkpoint job signs only organisations whose chain grew', async () => {
    const org = await createTestOrg(ctx);
    await ctx.services.evidence.record(input(org.orgId, 1));
    await ctx.services.evidence.checkpointAll();
    expect(await ctx.services.evidence.checkpoint(org.orgId)).toEqual({ seq: 1, created: false });
    await ctx.services.evidence.record(input(org.orgId, 2));
    await ctx.services.evidence.checkpointAll();
    expect(await ctx.services.evidence.checkpoint(org.orgId)).toEqual({ seq: 2, created: false });
  });

  it('a deleted or altered file on disk is named by verify', async () => {
    const org = await createTestOrg(ctx);
    const unique = crypto.randomBytes(8).toString('hex');
    const jpeg = await sharp({ create: { width: 64, height: 48, background: `#${unique.slice(0, 6)}`, channels: 3 } })
      .composite([{ input: Buffer.from(`<svg width="64" height="48"><text x="2" y="20" font-size="9">${unique}</text></svg>`), top: 0, left: 0 }])
      .jpeg()
      .toBuffer();
    const f = await ctx.services.evidence.storeFile(org.orgId, { bytes: jpeg, fileName: 'damage.jpg', declaredContentType: 'image/jpeg' });
    await ctx.services.evidence.record(input(org.orgId, 1));
    const cited = await ctx.services.evidence.record(input(org.orgId, 2, { kind: 'attachment', fileSha256s: [f.sha256] }));
    expect((await ctx.services.evidence.verify(org.orgId)).ok).toBe(true);
    const file = path.join(ctx.platform.config.dataDir, 'files', f.sha256.slice(0, 2), f.sha256.slice(2, 4), f.sha256);
    fs.writeFileSync(file, Buffer.concat([jpeg, Buffer.from('x')]));
    expect((await ctx.services.evidence.verify(org.orgId)).broken).toMatchObject({ recordId: cited.id, seq: 2, sha256: f.sha256, problem: 'file_hash' });
    fs.rmSync(file);
    const res = await ctx.services.evidence.verify(org.orgId);
    expect(res.broken).toMatchObject({ recordId: cited.id, seq: 2, sha256: f.sha256, problem: 'file_missing' });
    expect(res.broken?.message).toContain(f.sha256);
    // Uploading the same bytes again heals the store.
    await ctx.services.evidence.storeFile(org.orgId, { bytes: jpeg, fileName: 'damage.jpg' });
    expect((await ctx.services.evidence.verify(org.orgId)).ok).toBe(true);
  });

  it('rejects invalid input, unknown files and writes for another organisation', async () => {
    const org = await createTestOrg(ctx);
    const other = await createTestOrg(ctx);
    await expect(ctx.services.evidence.record(input(org.orgId, 1, { kind: 'gossip' as never }))).rejects.toMatchObject({ code: 'evidence.invalid', details: { issues: [{ field: 'kind' }] } });
    await expect(ctx.services.evidence.record(input(org.orgId, 1, { fileSha256s: ['a'.repeat(64)] }))).rejects.toMatchObject({ code: 'evidence.unknown_file', details: { issues: [{ field: 'fileSha256s' }] } });
    await expect(ctx.platform.db.tenant(org.orgId, (tx) => recordEvidence(tx, { ids: newId, clock }, input(other.orgId, 1)))).rejects.toThrow();
    expect((await ctx.services.evidence.verify(other.orgId)).records).toBe(0);
  });
});

// Finding 6 of issue 10: deleting the newest records after the last checkpoint verified as
// intact, and the next append took the deleted numbers again.
describe('evidence chain head', () => {
  async function chain(orgId: string, n: number): Promise<EvidenceRecordView[]> {
    const rows: EvidenceRecordView[] = [];
    for (let i = 1; i <= n; i++) rows.push(await ctx.services.evidence.record(input(orgId, i)));
    return rows;
  }

  it('a tail deleted by the superuser after the last checkpoint is named by verify, and its numbers are never handed out again', async () => {
    const org = await createTestOrg(ctx);
    await chain(org.orgId, 3);
    expect(await ctx.services.evidence.checkpoint(org.orgId)).toEqual({ seq: 3, created: true });
    await ctx.services.evidence.record(input(org.orgId, 4));
    await ctx.services.evidence.record(input(org.orgId, 5));
    expect(await ctx.services.evidence.verify(org.orgId)).toMatchObject({ ok: true, records: 5, headSeq: 5 });

    await superuser((c) => c.query(`delete from evidence_records where org_id = $1 and seq > 3`, [org.orgId]));
    const res = await ctx.services.evidence.verify(org.orgId);
    expect(res).toMatchObject({ ok: false, records: 3, broken: { seq: 4, problem: 'tail_missing' } });
    expect(res.broken?.message).toContain('4…5');

    const next = await ctx.services.evidence.record(input(org.orgId, 6));
    expect(next.seq).toBe(6);
    expect((await ctx.services.evidence.verify(org.orgId)).broken).toMatchObject({ recordId: next.id, seq: 6, problem: 'sequence_gap' });
  });

  it('a head moved back with the tail is caught by the signed checkpoint copy in DATA_DIR', async () => {
    const org = await createTestOrg(ctx);
    const rows = await chain(org.orgId, 5);
    await ctx.services.evidence.checkpoint(org.orgId);
    expect(JSON.parse(fs.readFileSync(copyPath(org.orgId), 'utf8'))).toMatchObject({ orgId: org.orgId, seq: 5, hash: rows[4]!.hash });
    expect(await ctx.services.evidence.verify(org.orgId)).toMatchObject({ ok: true, externalCheckpoints: 1 });

    // Everything the database holds is rewritten to look like a chain that ended at 3.
    await superuser(async (c) => {
      await c.query(`delete from evidence_records where org_id = $1 and seq > 3`, [org.orgId]);
      await c.query(`delete from evidence_checkpoints where org_id = $1`, [org.orgId]);
      await c.query(`alter table evidence_heads disable trigger evidence_heads_forward`);
      try {
        await c.query(`update evidence_heads set seq = 3, hash = $2, exported_seq = 0 where org_id = $1`, [org.orgId, rows[2]!.hash]);
      } finally {
        await c.query(`alter table evidence_heads enable trigger evidence_heads_forward`);
      }
    });
    expect((await ctx.services.evidence.verify(org.orgId)).broken).toMatchObject({ seq: 5, problem: 'external_checkpoint_beyond_head' });
    // A later checkpoint never moves the outside copy back over the loss.
    expect(await ctx.services.evidence.checkpoint(org.orgId)).toEqual({ seq: 3, created: true });
    expect(JSON.parse(fs.readFileSync(copyPath(org.orgId), 'utf8'))).toMatchObject({ seq: 5 });
    expect((await ctx.services.evidence.verify(org.orgId)).broken).toMatchObject({ seq: 5, problem: 'external_checkpoint_beyond_head' });
  });

  it('a tampered, removed or older checkpoint copy outside the database is detected', async () => {
    const org = await createTestOrg(ctx);
    await chain(org.orgId, 2);
    await ctx.services.evidence.checkpoint(org.orgId);
    const older = fs.readFileSync(copyPath(org.orgId));
    await ctx.services.evidence.record(input(org.orgId, 3));
    await ctx.services.evidence.checkpoint(org.orgId);
    const good = fs.readFileSync(copyPath(org.orgId));
    expect(await ctx.services.evidence.verify(org.orgId)).toMatchObject({ ok: true, checkpoints: 2, externalCheckpoints: 1 });

    const doc = JSON.parse(good.toString('utf8')) as { seq: number; signedAt: string };
    fs.writeFileSync(copyPath(org.orgId), JSON.stringify({ ...doc, seq: 9 }));
    expect((await ctx.services.evidence.verify(org.orgId)).broken).toMatchObject({ seq: 9, problem: 'external_checkpoint_signature' });
    fs.writeFileSync(copyPath(org.orgId), JSON.stringify({ ...doc, signedAt: new Date(Date.parse(doc.signedAt) + 1000).toISOString() }));
    expect((await ctx.services.evidence.verify(org.orgId)).broken).toMatchObject({ seq: 3, problem: 'external_checkpoint_signature' });
    fs.writeFileSync(copyPath(org.orgId), 'not json');
    expect((await ctx.services.evidence.verify(org.orgId)).broken).toMatchObject({ problem: 'external_checkpoint_signature' });

    fs.writeFileSync(copyPath(org.orgId), older);
    expect((await ctx.services.evidence.verify(org.orgId)).broken).toMatchObject({ seq: 3, problem: 'external_checkpoint_missing' });
    fs.rmSync(copyPath(org.orgId));
    expect((await ctx.services.evidence.verify(org.orgId)).broken).toMatchObject({ seq: 3, problem: 'external_checkpoint_missing' });

    fs.writeFileSync(copyPath(org.orgId), good);
    expect(await ctx.services.evidence.verify(org.orgId)).toMatchObject({ ok: true, headSeq: 3, externalCheckpoints: 1 });
  });

  it('the scheduled job copies checkpoints signed inside an append outside the database', async () => {
    const org = await createTestOrg(ctx);
    await chain(org.orgId, 2);
    expect(fs.existsSync(copyPath(org.orgId))).toBe(false);
    expect(await ctx.services.evidence.checkpointAll()).toBeGreaterThanOrEqual(1);
    expect(JSON.parse(fs.readFileSync(copyPath(org.orgId), 'utf8'))).toMatchObject({ seq: 2 });
  });

  it('the app role can move the head forward only, and cannot delete it', async () => {
    const org = await createTestOrg(ctx);
    await chain(org.orgId, 2);
    const tryAs = (q: string) =>
      ctx.platform.db.tenant(org.orgId, (tx) => tx.execute(q as never)).then(
        () => 'allowed',
        (e: { cause?: { code?: string }; code?: string }) => e.cause?.code ?? e.code,
      );
    expect(await tryAs(`update evidence_heads set seq = 1 where org_id = '${org.orgId}'`)).toBe('23514');
    expect(await tryAs(`update evidence_heads set hash = 'x' where org_id = '${org.orgId}'`)).toBe('23514');
    expect(await tryAs(`delete from evidence_heads where org_id = '${org.orgId}'`)).toBe('42501');
    expect(await ctx.services.evidence.verify(org.orgId)).toMatchObject({ ok: true, headSeq: 2 });
  });
});
