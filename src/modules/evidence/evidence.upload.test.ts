import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../../../test/helpers/context.js';
import { createTestOrg, type TestOrg } from '../../../test/helpers/org.js';

/**
 * Uploads are refused by their declared length before the body is read, and accepted ones go to
 * disk while they are hashed: memory does not grow with the file.
 */
let ctx: TestContext;
let org: TestOrg;
let base: URL;
beforeAll(async () => {
  ctx = await createTestContext();
  org = await createTestOrg(ctx);
  await ctx.app.listen({ port: 0, host: '127.0.0.1' });
  base = new URL(`http://127.0.0.1:${(ctx.app.server.address() as AddressInfo).port}`);
});
afterAll(() => ctx.close());

const BOUNDARY = '----afterdesk-upload-test';
const head = (fileName: string, type: string) => Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="${fileName}"\r\nContent-Type: ${type}\r\n\r\n`);
const tail = Buffer.from(`\r\n--${BOUNDARY}--\r\n`);

/** Sends headers and only `sendFirst` bytes of a body that claims `declared` bytes; resolves on the answer. */
function declareHuge(pathname: string, cookie: string, declared: number, sendFirst: number): Promise<{ status: number; body: any; sent: number }> {
  return new Promise((resolve, reject) => {
    const req = http.request(new URL(pathname, base), {
      method: 'POST',
      headers: { cookie, 'x-requested-with': 'XMLHttpRequest', 'content-type': `multipart/form-data; boundary=${BOUNDARY}`, 'content-length': String(declared) },
    });
    let sent = 0;
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        req.destroy();
        resolve({ status: res.statusCode!, body: JSON.parse(Buffer.concat(chunks).toString() || '{}'), sent });
      });
    });
    req.on('error', (e) => (sent > 0 ? undefined : reject(e)));
    const first = Buffer.concat([head('huge.mp4', 'video/mp4'), Buffer.alloc(sendFirst)]);
    req.write(first, () => {
      sent += first.length;
    });
    // The rest of the body is never sent: an answer can only come from the declared length.
  });
}

/** An MP4-looking stream of `size` bytes made on the fly (ftyp box, then random bytes); returns its sha256. */
function streamMp4(pathname: string, cookie: string, size: number): Promise<{ status: number; body: any; sha256: string }> {
  return new Promise((resolve, reject) => {
    const ftyp = Buffer.from('0000001c667479706973736f6d0000020069736f6d69736f326d703431', 'hex');
    const pre = head('big.mp4', 'video/mp4');
    const req = http.request(new URL(pathname, base), {
      method: 'POST',
      headers: { cookie, 'x-requested-with': 'XMLHttpRequest', 'content-type': `multipart/form-data; boundary=${BOUNDARY}`, 'content-length': String(pre.length + size + tail.length) },
    });
    const hash = crypto.createHash('sha256');
    let left = size;
    const next = () => {
      while (left > 0) {
        const n = Math.min(left, 64 * 1024);
        // Random first bytes make each run's file new; the rest only has to be bytes.
        const chunk = left === size ? Buffer.concat([ftyp, crypto.randomBytes(n - ftyp.length)]) : Buffer.alloc(n, left & 0xff);
        hash.update(chunk);
        left -= n;
        if (!req.write(chunk)) return void req.once('drain', next);
      }
      req.end(tail);
    };
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(Buffer.concat(chunks).toString()), sha256: hash.digest('hex') }));
    });
    req.on('error', reject);
    req.write(pre);
    next();
  });
}

describe('uploads', () => {
  it.each([
    ['evidence', '/api/evidence/files'],
    ['ticket attachment', 'TICKET'],
  ])('%s: a declared length over the limit gets 413 upload.too_large before the body is read', async (_name, route) => {
    let pathname = route;
    if (route === 'TICKET') {
      const r = await ctx.services.helpdesk.ingestInbound({ orgId: org.orgId, shopId: org.shopId, channel: 'whatsapp', externalThreadId: '+15550004444', externalMessageId: 'up1', buyer: { phone: '+15550004444' }, direction: 'inbound', text: 'Photo follows', sentAt: ctx.clock.now().toISOString() });
      pathname = `/api/tickets/${r.ticketId}/attachments`;
    }
    const res = await declareHuge(pathname, await org.cookie('agent'), 250 * 1024 * 1024, 64 * 1024);
    expect(res.status).toBe(413);
    expect(res.body).toMatchObject({ code: 'upload.too_large', details: { issues: [{ field: 'file' }] } });
    // The answer came while the client had sent only its first 64 KB of 250 MB.
    expect(res.sent).toBeLessThan(100 * 1024);
  });

  it('a 128 MB upload streams to the store with the right hash while memory stays far below its size', async () => {
    // A first, small upload warms what any request allocates once (pools, parsers, the heap's first growth).
    const warm = await streamMp4('/api/evidence/files', await org.cookie('agent'), 4 * 1024 * 1024);
    expect(warm.status).toBe(201);
    fs.rmSync(path.join(path.resolve('.tmp/test-data/files'), warm.sha256.slice(0, 2), warm.sha256.slice(2, 4), warm.sha256));
    const size = 128 * 1024 * 1024;
    const before = process.memoryUsage().rss;
    let peak = before;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 5);
    const res = await streamMp4('/api/evidence/files', await org.cookie('agent'), size);
    clearInterval(sampler);
    peak = Math.max(peak, process.memoryUsage().rss);
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ sha256: res.sha256, contentType: 'video/mp4', size });
    const stored = path.join(path.resolve('.tmp/test-data/files'), res.sha256.slice(0, 2), res.sha256.slice(2, 4), res.sha256);
    expect(fs.statSync(stored).size).toBe(size);
    const onDisk = crypto.createHash('sha256');
    for await (const c of fs.createReadStream(stored)) onDisk.update(c as Buffer);
    expect(onDisk.digest('hex')).toBe(res.sha256);
    // Generous: buffering the file (what the route did before) alone adds its whole size. Measured
    // here: about 25 MB whatever the size (the heap's working set), against +99 MB for 48 MB before.
    expect(peak - before).toBeLessThan(size / 2);
    fs.rmSync(stored);
    // Nothing is left in the staging area.
    const staging = path.resolve('.tmp/test-data/files/.staging');
    expect(fs.existsSync(staging) ? fs.readdirSync(staging) : []).toEqual([]);
  });

  it('a streamed upload that turns out larger than its type allows is refused and leaves nothing behind', async () => {
    // 3 MB of text: under the route's cut-off, over the 2 MB text limit.
    const text = Buffer.alloc(3 * 1024 * 1024, 'a');
    const body = Buffer.concat([head('notes.txt', 'text/plain'), text, tail]);
    const res = await ctx.app.inject({ method: 'POST', url: '/api/evidence/files', headers: { cookie: await org.cookie('agent'), 'content-type': `multipart/form-data; boundary=${BOUNDARY}` }, payload: body });
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('evidence.file_too_large');
    const staging = path.resolve('.tmp/test-data/files/.staging');
    expect(fs.existsSync(staging) ? fs.readdirSync(staging) : []).toEqual([]);
  });
});
