import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../../../test/helpers/context.js';
import { createTestOrg, type TestOrg } from '../../../test/helpers/org.js';
import { unzip } from '../../../test/helpers/unzip.js';
import { ManualClock } from '../../platform/clock.js';
import { seedEvidenceDemo, type PackManifest } from './index.js';

let ctx: TestContext;
const clock = new ManualClock('2026-02-10T08:00:00Z');
beforeAll(async () => {
  ctx = await createTestContext({ clock });
});
afterAll(async () => {
  await ctx?.close();
});

function multipart(field: string, fileName: string, contentType: string, bytes: Buffer): { payload: Buffer; headers: Record<string, string> } {
  const boundary = `----afterdesk${crypto.randomBytes(8).toString('hex')}`;
  const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${field}"; filename="${fileName}"\r\nContent-Type: ${contentType}\r\n\r\n`);
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  return { payload: Buffer.concat([head, bytes, tail]), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

/** The PDF's text as poppler's pdftotext reads it (line breaks flattened). */
function pdfText(pdf: Buffer): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pack-'));
  try {
    fs.writeFileSync(path.join(dir, 'p.pdf'), pdf);
    return execFileSync('pdftotext', [path.join(dir, 'p.pdf'), '-'], { encoding: 'utf8' }).replace(/\s+/g, ' ');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const sha = (b: Buffer) => crypto.createHash('sha256').update(b).digest('hex');

describe('evidence HTTP API', () => {
  let org: TestOrg;
  let caseIds: string[];
  beforeAll(async () => {
    org = await createTestOrg(ctx);
    caseIds = (await seedEvidenceDemo(ctx.services.evidence, org.orgId, clock.now())).caseIds;
  });

  it('uploads a file as multipart: type from the bytes, 201 with sha256 and thumbnail; a mismatch is a 400 naming "file"', async () => {
    const cookie = await org.cookie('agent');
    const jpeg = await sharp({ create: { width: 800, height: 600, channels: 3, background: '#336699' } }).jpeg().toBuffer();
    const up = await ctx.app.inject({ method: 'POST', url: '/api/evidence/files', ...merge(multipart('file', 'scratch.jpg', 'image/jpeg', jpeg), cookie) });
    expect(up.statusCode).toBe(201);
    expect(up.json()).toMatchObject({ sha256: sha(jpeg), contentType: 'image/jpeg', size: jpeg.length, thumbnailSha256: expect.stringMatching(/^[0-9a-f]{64}$/) });

    const bad = await ctx.app.inject({ method: 'POST', url: '/api/evidence/files', ...merge(multipart('file', 'scratch.pdf', 'application/pdf', jpeg), cookie) });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ code: 'evidence.file_type_mismatch', details: { issues: [{ field: 'file', message: 'The file says it is application/pdf but its content is image/jpeg' }] } });

    const dl = await ctx.app.inject({ method: 'GET', url: `/api/evidence/files/${sha(jpeg)}`, headers: { cookie } });
    expect(dl.statusCode).toBe(200);
    expect(dl.headers['content-type']).toBe('image/jpeg');
    expect(sha(dl.rawPayload)).toBe(sha(jpeg));

    const other = await createTestOrg(ctx);
    const nope = await ctx.app.inject({ method: 'GET', url: `/api/evidence/files/${sha(jpeg)}`, headers: { cookie: await other.cookie('owner') } });
    expect(nope.statusCode).toBe(404);
  });

  it('accepts a 60 MB video upload (per-kind limit, above the server-wide multipart default)', async () => {
    const cookie = await org.cookie('agent');
    const ftyp = Buffer.from('0000001c667479706973736f6d0000020069736f6d69736f326d703431', 'hex');
    const mdatHead = Buffer.alloc(8);
    const body = crypto.randomBytes(60 * 1024 * 1024);
    mdatHead.writeUInt32BE(8 + body.length, 0);
    mdatHead.write('mdat', 4, 'latin1');
    const mp4 = Buffer.concat([ftyp, mdatHead, body]);
    const up = await ctx.app.inject({ method: 'POST', url: '/api/evidence/files', ...merge(multipart('file', 'unboxing.mp4', 'video/mp4', mp4), cookie) });
    expect(up.statusCode).toBe(201);
    expect(up.json()).toEqual({ sha256: sha(mp4), contentType: 'video/mp4', size: mp4.length });
  });

  it('lists cases and a case timeline; other organisations get 404', async () => {
    const cookie = await org.cookie('agent');
    const list = await ctx.app.inject({ method: 'GET', url: '/api/evidence/cases', headers: { cookie } });
    expect(list.json().items.map((c: { caseId: string }) => c.caseId).sort()).toEqual([...caseIds].sort());
    expect(list.json().nextCursor).toBe(null);
    // One case a page: the cursors walk every case once, most recent activity first.
    const walked: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { statusCode: number; json: () => any } = await ctx.app.inject({ method: 'GET', url: `/api/evidence/cases?limit=1${cursor ? `&cursor=${cursor}` : ''}`, headers: { cookie } });
      expect(page.statusCode).toBe(200);
      walked.push(...page.json().items.map((c: { caseId: string }) => c.caseId));
      cursor = (page.json() as { nextCursor: string | null }).nextCursor;
    } while (cursor);
    expect(walked).toEqual(list.json().items.map((c: { caseId: string }) => c.caseId));
    const tl = await ctx.app.inject({ method: 'GET', url: `/api/evidence/cases/${caseIds[0]}`, headers: { cookie } });
    expect(tl.statusCode).toBe(200);
    const body = tl.json();
    expect(body.records).toHaveLength(12);
    expect(body.records[0]).toMatchObject({ kind: 'order_snapshot', section: 'product_description' });
    expect(body.files).toHaveLength(4);
    const other = await createTestOrg(ctx);
    expect((await ctx.app.inject({ method: 'GET', url: `/api/evidence/cases/${caseIds[0]}`, headers: { cookie: await other.cookie('owner') } })).statusCode).toBe(404);
  });

  it('pack check names the missing evidence for the reason', async () => {
    const cookie = await org.cookie('agent');
    const ok = await ctx.app.inject({ method: 'GET', url: `/api/evidence/cases/${caseIds[0]}/pack/check?reason=damaged`, headers: { cookie } });
    expect(ok.json()).toMatchObject({ ready: true, warnings: [] });
    const inr = await ctx.app.inject({ method: 'GET', url: `/api/evidence/cases/${caseIds[1]}/pack/check?reason=item_not_received`, headers: { cookie } });
    expect(inr.json()).toMatchObject({
      ready: false,
      warnings: [{ code: 'evidence.missing.tracking', kind: 'tracking', section: 'shipping_documentation', message: 'No tracking record on record, which is usually required for "Item not received".' }],
    });
    const de = await ctx.app.inject({ method: 'GET', url: `/api/evidence/cases/${caseIds[1]}/pack/check?reason=item_not_received&language=de`, headers: { cookie } });
    expect(de.json().warnings[0].message).toBe('Kein Nachweis „Sendungsverfolgung“ vorhanden; für „Artikel nicht erhalten“ wird er meist verlangt.');
    const bad = await ctx.app.inject({ method: 'GET', url: `/api/evidence/cases/${caseIds[1]}/pack/check?reason=bored`, headers: { cookie } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().details.issues[0].field).toBe('querystring.reason');
  });

  it('builds a pack: a real ZIP with the PDF summary, every original file and a manifest whose hashes match', async () => {
    const cookie = await org.cookie('agent');
    const res = await ctx.app.inject({ method: 'POST', url: `/api/evidence/cases/${caseIds[0]}/packs`, headers: { cookie }, payload: { reason: 'damaged', language: 'de' } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/zip');
    expect(res.headers['content-disposition']).toContain(`evidence-${caseIds[0]}-damaged.zip`);
    expect(res.headers['x-evidence-warnings']).toBe('none');
    const entries = await unzip(res.rawPayload);
    const manifest = JSON.parse(entries.get('manifest.json')!.toString('utf8')) as PackManifest;
    expect(manifest).toMatchObject({ format: 'afterdesk.evidence-pack/1', caseId: caseIds[0], reason: 'damaged', language: 'de', warnings: [] });
    const pdf = entries.get('summary.pdf')!;
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    expect(sha(pdf)).toBe(manifest.summary.sha256);
    expect(manifest.files).toHaveLength(4);
    expect(manifest.files.map((f) => f.section).sort()).toEqual(['customer_communication', 'customer_communication', 'shipping_documentation', 'shipping_documentation']);
    for (const f of manifest.files) {
      const b = entries.get(f.path)!;
      expect(b.length).toBe(f.size);
      expect(sha(b)).toBe(f.sha256);
    }
    expect([...entries.keys()].sort()).toEqual(['manifest.json', 'summary.pdf', ...manifest.files.map((f) => f.path)].sort());
    const timeline = (await ctx.app.inject({ method: 'GET', url: `/api/evidence/cases/${caseIds[0]}`, headers: { cookie } })).json();
    expect(manifest.records.map((r) => r.hash)).toEqual(timeline.records.map((r: { hash: string }) => r.hash));
    expect(manifest.chain.lastCheckpoint).toMatchObject({ seq: 21 });
    expect(manifest.chain.headSeq).toBe(21);
    if (process.env.EVIDENCE_PACK_OUT) fs.writeFileSync(process.env.EVIDENCE_PACK_OUT, res.rawPayload);

    // The summaries are worded in the pack's language: German here, French in a second pack.
    const text = pdfText(pdf);
    expect(text).toContain('Nachricht des Käufers');
    expect(text).toContain('Antwort an den Käufer');
    expect(text).toMatch(/Erstattung über 649,00\s€ veranlasst/);
    expect(text).not.toContain('Refunded €649.00');
    const fr = await ctx.app.inject({ method: 'POST', url: `/api/evidence/cases/${caseIds[0]}/packs`, headers: { cookie }, payload: { reason: 'damaged', language: 'fr' } });
    const frText = pdfText((await unzip(fr.rawPayload)).get('summary.pdf')!);
    expect(frText).toContain("Message de l'acheteur");
    expect(frText).toMatch(/Remboursement de 649,00\s€ effectué/);
  });

  it('a pack for a case with gaps lists the warnings in the header and the manifest (GET link form)', async () => {
    const cookie = await org.cookie('agent');
    const res = await ctx.app.inject({ method: 'GET', url: `/api/evidence/cases/${caseIds[1]}/pack?reason=item_not_received&language=fr`, headers: { cookie } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['x-evidence-warnings']).toBe('evidence.missing.tracking');
    const manifest = JSON.parse((await unzip(res.rawPayload)).get('manifest.json')!.toString()) as PackManifest;
    expect(manifest.warnings.map((w) => w.code)).toEqual(['evidence.missing.tracking']);
    expect(manifest.files).toEqual([]);
  });

  it('a pack whose file vanished from the store is refused up front (503 naming the file), not truncated', async () => {
    const o = await createTestOrg(ctx);
    const png = await sharp({ create: { width: 40, height: 30, channels: 3, background: `#${crypto.randomBytes(3).toString('hex')}` } })
      .png({ compressionLevel: 1 })
      .composite([{ input: crypto.randomBytes(40 * 30 * 3), raw: { width: 40, height: 30, channels: 3 } }])
      .toBuffer();
    const f = await ctx.services.evidence.storeFile(o.orgId, { bytes: png, fileName: 'gone.png' });
    await ctx.services.evidence.record({ orgId: o.orgId, caseId: 'tkt_gone', caseType: 'ticket', kind: 'attachment', actor: { type: 'buyer' }, occurredAt: clock.now(), summary: 'photo', data: {}, fileSha256s: [f.sha256] });
    fs.rmSync(`${ctx.platform.config.dataDir}/files/${f.sha256.slice(0, 2)}/${f.sha256.slice(2, 4)}/${f.sha256}`);
    const res = await ctx.app.inject({ method: 'POST', url: '/api/evidence/cases/tkt_gone/packs', headers: { cookie: await o.cookie('agent') }, payload: { reason: 'damaged' } });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({ code: 'evidence.file_missing', details: { sha256: f.sha256 } });
  });

  it('verify: owner and supervisor only', async () => {
    const ok = await ctx.app.inject({ method: 'GET', url: '/api/evidence/verify', headers: { cookie: await org.cookie('supervisor') } });
    expect(ok.statusCode).toBe(200);
    // The answer is the caller's own organisation's: it names no organisation id (the HTTP contract).
    expect(ok.json()).toMatchObject({ ok: true, records: 21, checkpoints: 1, broken: null });
    expect(ok.json()).not.toHaveProperty('orgId');
    const no = await ctx.app.inject({ method: 'GET', url: '/api/evidence/verify', headers: { cookie: await org.cookie('agent') } });
    expect(no.statusCode).toBe(403);
  });
});

function merge(m: { payload: Buffer; headers: Record<string, string> }, cookie: string) {
  return { payload: m.payload, headers: { ...m.headers, cookie } };
}
