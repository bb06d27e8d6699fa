import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { FileTooLarge } from '../../platform/uploads.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCheckpointCopies, createFileStore, LocalCheckpointCopies, S3CheckpointCopies, LocalFileStore, S3FileStore, type FileStore } from './index.js';

/**
 * A minimal S3-compatible endpoint (path-style PUT/GET/HEAD) so the real AWS SDK client, its
 * request signing and its error mapping run end to end without a cloud account.
 */
function fakeS3() {
  const objects = new Map<string, { body: Buffer; type: string }>();
  const seen: { method: string; url: string; auth: boolean; checksum?: string }[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const key = decodeURIComponent(req.url!.split('?')[0]!);
      seen.push({ method: req.method!, url: key, auth: String(req.headers.authorization ?? '').startsWith('AWS4-HMAC-SHA256'), checksum: req.headers['x-amz-checksum-sha256'] as string | undefined });
      if (req.method === 'PUT') {
        objects.set(key, { body: Buffer.concat(chunks), type: String(req.headers['content-type'] ?? '') });
        res.writeHead(200, { etag: '"x"' }).end();
        return;
      }
      if (req.method === 'DELETE') {
        objects.delete(key);
        res.writeHead(204).end();
        return;
      }
      const o = objects.get(key);
      if (!o) {
        res.writeHead(404, { 'content-type': 'application/xml' }).end(req.method === 'HEAD' ? undefined : '<?xml version="1.0"?><Error><Code>NoSuchKey</Code><Message>missing</Message></Error>');
        return;
      }
      res.writeHead(200, { 'content-type': o.type, 'content-length': String(o.body.length) });
      res.end(req.method === 'HEAD' ? undefined : o.body);
    });
  });
  return { server, objects, seen };
}

const sha = (b: Buffer) => crypto.createHash('sha256').update(b).digest('hex');

async function roundTrip(store: FileStore) {
  const bytes = crypto.randomBytes(3000);
  const h = sha(bytes);
  expect(await store.exists(h)).toBe(false);
  expect(await store.get(h)).toBeNull();
  expect(await store.stream(h)).toBeNull();
  await store.put(h, bytes, 'application/pdf');
  await store.put(h, bytes, 'application/pdf');
  expect(await store.exists(h)).toBe(true);
  expect((await store.get(h))!.equals(bytes)).toBe(true);
  const chunks: Buffer[] = [];
  for await (const c of (await store.stream(h))!) chunks.push(Buffer.from(c as Uint8Array));
  expect(sha(Buffer.concat(chunks))).toBe(h);
  // A buyer's erasure removes bytes; removing what is already gone is not an error.
  const other = crypto.randomBytes(100);
  await store.put(sha(other), other, 'text/plain');
  await store.delete(sha(other));
  await store.delete(sha(other));
  expect(await store.exists(sha(other))).toBe(false);
  expect(await store.exists(h)).toBe(true);
  return h;
}

describe('file stores', () => {
  const s3 = fakeS3();
  let endpoint = '';
  beforeAll(async () => {
    await new Promise<void>((r) => s3.server.listen(0, '127.0.0.1', r));
    endpoint = `http://127.0.0.1:${(s3.server.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    s3.server.close();
  });

  it('local disk: content-addressed under ab/cd/<sha256>, written atomically, idempotent', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'afterdesk-store-'));
    const store = new LocalFileStore(root);
    const h = await roundTrip(store);
    expect(fs.existsSync(path.join(root, h.slice(0, 2), h.slice(2, 4), h))).toBe(true);
    expect(fs.readdirSync(path.join(root, h.slice(0, 2), h.slice(2, 4)))).toEqual([h]);
    expect(() => store.pathFor('../../etc/passwd')).toThrow('not a sha256');
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('S3-compatible: signed path-style requests with a sha256 checksum, 404 mapped to "missing"', async () => {
    const store = createFileStore({ dataDir: '/unused', storage: { kind: 's3', s3: { endpoint, bucket: 'evidence-bucket', region: 'eu-central-1', accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' } } });
    expect(store).toBeInstanceOf(S3FileStore);
    const h = await roundTrip(store);
    const key = `/evidence-bucket/evidence/${h.slice(0, 2)}/${h.slice(2, 4)}/${h}`;
    expect(s3.objects.get(key)?.type).toBe('application/pdf');
    const puts = s3.seen.filter((x) => x.method === 'PUT' && x.url === key);
    expect(puts).toHaveLength(1);
    expect(s3.seen.filter((x) => x.method === 'DELETE')).toHaveLength(2);
    expect(puts[0]).toMatchObject({ url: key, auth: true, checksum: Buffer.from(h, 'hex').toString('base64') });
  });

  it('staged uploads: streamed to disk while hashed, kept under their hash (local rename, S3 streamed up), cut off over the limit with nothing left', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'afterdesk-store-'));
    const stores: FileStore[] = [new LocalFileStore(root), createFileStore({ dataDir: '/unused', storage: { kind: 's3', s3: { endpoint, bucket: 'evidence-bucket', region: 'eu-central-1', accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' } } })];
    for (const store of stores) {
      const bytes = crypto.randomBytes(300_000);
      const staged = await store.stage(Readable.from([bytes.subarray(0, 100_000), bytes.subarray(100_000)]), bytes.length);
      expect({ sha256: staged.sha256, size: staged.size }).toEqual({ sha256: sha(bytes), size: bytes.length });
      await store.putStaged(staged, 'video/mp4');
      expect(fs.existsSync(staged.path)).toBe(false);
      expect((await store.get(staged.sha256))!.equals(bytes)).toBe(true);

      const over = store.stage(Readable.from([bytes]), bytes.length - 1);
      await expect(over).rejects.toBeInstanceOf(FileTooLarge);
    }
    expect(fs.readdirSync(path.join(root, '.staging'))).toEqual([]);
    expect(fs.readdirSync(path.join(os.tmpdir(), 'afterdesk-uploads')).filter((f) => f.startsWith(`${process.pid}.`))).toEqual([]);
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('evidence checkpoint copies: a file in DATA_DIR always, and an object in the bucket when S3 is configured; replaced on write', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'afterdesk-cp-'));
    expect(createCheckpointCopies({ dataDir, storage: { kind: 'local' } }).map((c) => c.kind)).toEqual(['local']);
    const copies = createCheckpointCopies({ dataDir, storage: { kind: 's3', s3: { endpoint, bucket: 'evidence-bucket', region: 'eu-central-1', accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' } } });
    expect(copies[0]).toBeInstanceOf(LocalCheckpointCopies);
    expect(copies[1]).toBeInstanceOf(S3CheckpointCopies);
    for (const c of copies) {
      expect(await c.read('org_abc')).toBeNull();
      await c.write('org_abc', Buffer.from('{"seq":1}'));
      await c.write('org_abc', Buffer.from('{"seq":2}'));
      expect((await c.read('org_abc'))!.toString()).toBe('{"seq":2}');
      await expect(c.write('../etc', Buffer.from('x'))).rejects.toThrow('not an organisation id');
    }
    expect(fs.readFileSync(path.join(dataDir, 'evidence-checkpoints', 'org_abc.json'), 'utf8')).toBe('{"seq":2}');
    expect(s3.objects.get('/evidence-bucket/evidence/checkpoints/org_abc.json')?.body.toString()).toBe('{"seq":2}');
    fs.rmSync(dataDir, { recursive: true, force: true });
  });
});
