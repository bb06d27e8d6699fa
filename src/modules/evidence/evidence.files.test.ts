import PDFDocument from 'pdfkit';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../../../test/helpers/context.js';
import { createTestOrg } from '../../../test/helpers/org.js';
import { decideFile } from './evidence.rules.js';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(async () => {
  await ctx?.close();
});

function isoBox(type: string, body: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(8 + body.length, 0);
  head.write(type, 4, 'latin1');
  return Buffer.concat([head, body]);
}
/** An ISO base-media file (ftyp + free + mdat): what phones put around their video streams. */
function isoMedia(brand: 'isom' | 'qt  '): Buffer {
  const ftyp = isoBox('ftyp', Buffer.concat([Buffer.from(brand, 'latin1'), Buffer.from([0, 0, 2, 0]), Buffer.from(brand === 'isom' ? 'isomiso2mp41' : 'qt  ', 'latin1')]));
  return Buffer.concat([ftyp, isoBox('free', Buffer.alloc(8)), isoBox('mdat', Buffer.alloc(512, 7))]);
}
async function pdfBytes(): Promise<Buffer> {
  const doc = new PDFDocument();
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((r) => doc.on('end', () => r(Buffer.concat(chunks))));
  doc.text('DHL proof of delivery');
  doc.end();
  return done;
}
const photo = (w: number, h: number, format: 'jpeg' | 'png' | 'webp' | 'gif', color = '#aa3311') =>
  sharp({ create: { width: w, height: h, channels: 3, background: color } })
    [format]()
    .toBuffer();

describe('storeFile: real content types, limits, thumbnails', () => {
  it('accepts jpeg, png, webp, gif, mp4, mov, pdf and text by their bytes; images get a JPEG thumbnail', async () => {
    const org = await createTestOrg(ctx);
    const ev = ctx.services.evidence;
    const jpeg = await photo(1600, 1200, 'jpeg');
    const j = await ev.storeFile(org.orgId, { bytes: jpeg, fileName: 'damage.jpg', declaredContentType: 'image/jpeg' });
    expect(j).toMatchObject({ contentType: 'image/jpeg', size: jpeg.length });
    expect(j.thumbnailSha256).toMatch(/^[0-9a-f]{64}$/);
    const thumb = await ev.readFile(org.orgId, j.thumbnailSha256!);
    expect(thumb.contentType).toBe('image/jpeg');
    const meta = await sharp(thumb.bytes).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', 320, 240]);

    expect((await ev.storeFile(org.orgId, { bytes: await photo(50, 40, 'png'), fileName: 'a.png', declaredContentType: 'image/png' })).contentType).toBe('image/png');
    expect((await ev.storeFile(org.orgId, { bytes: await photo(50, 40, 'webp'), fileName: 'a.webp' })).contentType).toBe('image/webp');
    expect((await ev.storeFile(org.orgId, { bytes: await photo(50, 40, 'gif'), fileName: 'a.gif', declaredContentType: 'application/octet-stream' })).contentType).toBe('image/gif');
    const mp4 = await ev.storeFile(org.orgId, { bytes: isoMedia('isom'), fileName: 'unboxing.mp4', declaredContentType: 'video/mp4' });
    expect(mp4).toMatchObject({ contentType: 'video/mp4' });
    expect(mp4.thumbnailSha256).toBeUndefined();
    expect((await ev.storeFile(org.orgId, { bytes: isoMedia('qt  '), fileName: 'clip.MOV', declaredContentType: 'video/quicktime' })).contentType).toBe('video/quicktime');
    expect((await ev.storeFile(org.orgId, { bytes: await pdfBytes(), fileName: 'pod.pdf', declaredContentType: 'application/pdf' })).contentType).toBe('application/pdf');
    expect((await ev.storeFile(org.orgId, { bytes: Buffer.from('Zustellung: 03.01., 14:12 Uhr – Haustür'), fileName: 'note.txt', declaredContentType: 'text/plain; charset=utf-8' })).contentType).toBe('text/plain');
  });

  it('the same bytes stored twice are one file with one sha256', async () => {
    const org = await createTestOrg(ctx);
    const b = await photo(30, 30, 'png', '#123456');
    const a = await ctx.services.evidence.storeFile(org.orgId, { bytes: b, fileName: 'x.png' });
    const again = await ctx.services.evidence.storeFile(org.orgId, { bytes: b, fileName: 'y.png' });
    expect(again).toEqual(a);
    expect((await ctx.services.evidence.readFile(org.orgId, a.sha256)).bytes.equals(b)).toBe(true);
  });

  it('refuses a declared type that disagrees with the content, unknown types and oversize files, naming the field', async () => {
    const org = await createTestOrg(ctx);
    const ev = ctx.services.evidence;
    const jpeg = await photo(20, 20, 'jpeg');
    await expect(ev.storeFile(org.orgId, { bytes: jpeg, fileName: 'x.png', declaredContentType: 'image/png' })).rejects.toMatchObject({
      code: 'evidence.file_type_mismatch',
      message: 'The file says it is image/png but its content is image/jpeg',
      details: { issues: [{ field: 'file' }] },
    });
    const zipMagic = Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.alloc(100)]);
    await expect(ev.storeFile(org.orgId, { bytes: zipMagic, fileName: 'invoice.pdf', declaredContentType: 'application/pdf' })).rejects.toMatchObject({ code: 'evidence.file_type_not_allowed' });
    const exe = Buffer.concat([Buffer.from('MZ'), Buffer.alloc(200, 0)]);
    await expect(ev.storeFile(org.orgId, { bytes: exe, fileName: 'photo.jpg' })).rejects.toMatchObject({ code: 'evidence.file_type_not_allowed' });
    const big = Buffer.concat([jpeg, Buffer.alloc(15 * 1024 * 1024)]);
    await expect(ev.storeFile(org.orgId, { bytes: big, fileName: 'huge.jpg', declaredContentType: 'image/jpeg' })).rejects.toMatchObject({ code: 'evidence.file_too_large' });
    await expect(ev.storeFile(org.orgId, { bytes: Buffer.alloc(0), fileName: 'empty.txt' })).rejects.toMatchObject({ code: 'evidence.file_empty' });
  });

  it('decideFile: size limits per kind', () => {
    expect(decideFile({ sniffed: 'video/mp4', declared: 'video/mp4', size: 150 * 1024 * 1024, isText: false })).toEqual({ ok: true, contentType: 'video/mp4', kind: 'video' });
    expect(decideFile({ sniffed: 'video/mp4', declared: undefined, size: 201 * 1024 * 1024, isText: false })).toMatchObject({ ok: false, code: 'evidence.file_too_large' });
    expect(decideFile({ sniffed: 'application/pdf', declared: 'application/x-pdf', size: 21 * 1024 * 1024, isText: false })).toMatchObject({ ok: false, code: 'evidence.file_too_large', message: 'pdf files may be at most 20 MB; this one is 21.0 MB' });
    expect(decideFile({ sniffed: undefined, declared: 'image/jpg', size: 10, isText: true })).toMatchObject({ ok: false, code: 'evidence.file_type_mismatch' });
    expect(decideFile({ sniffed: 'image/jpeg', declared: 'image/jpg', size: 10, isText: false })).toMatchObject({ ok: true, contentType: 'image/jpeg' });
  });

  it('an organisation cannot read a file only another organisation stored', async () => {
    const a = await createTestOrg(ctx);
    const b = await createTestOrg(ctx);
    const f = await ctx.services.evidence.storeFile(a.orgId, { bytes: await photo(25, 25, 'png', '#654321'), fileName: 'p.png' });
    await expect(ctx.services.evidence.readFile(b.orgId, f.sha256)).rejects.toMatchObject({ code: 'evidence_file.not_found' });
  });
});
