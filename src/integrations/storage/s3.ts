import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import type { S3Client } from '@aws-sdk/client-s3';
import { assertSha256, discardStaged, stageStream, type FileStore, type StagedFile } from './storage.js';

export interface S3StoreConfig {
  endpoint?: string;
  bucket: string;
  region?: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  /** Key prefix inside the bucket (default `evidence/`). */
  prefix?: string;
}

function isMissing(e: unknown): boolean {
  const err = e as { name?: string; $metadata?: { httpStatusCode?: number } };
  return err?.name === 'NoSuchKey' || err?.name === 'NotFound' || err?.$metadata?.httpStatusCode === 404;
}

/**
 * Any S3-compatible service (AWS, MinIO, R2, Ceph). Keys mirror the local fan-out so a bucket
 * can be filled from a data directory with a plain sync. Path-style addressing whenever a custom
 * endpoint is given, because most self-hosted servers do not do virtual-host buckets. The SDK is
 * loaded on first use: installations on local disk never pay its import time.
 */
export class S3FileStore implements FileStore {
  readonly kind = 's3' as const;
  private sdk: Promise<{ client: S3Client; mod: typeof import('@aws-sdk/client-s3') }> | undefined;
  private readonly prefix: string;
  constructor(private readonly cfg: S3StoreConfig, private readonly injected?: S3Client) {
    this.prefix = cfg.prefix ?? 'evidence/';
  }

  private load() {
    this.sdk ??= import('@aws-sdk/client-s3').then((mod) => ({
      mod,
      client:
        this.injected ??
        new mod.S3Client({
          region: this.cfg.region ?? 'us-east-1',
          endpoint: this.cfg.endpoint,
          forcePathStyle: !!this.cfg.endpoint,
          credentials: this.cfg.accessKeyId && this.cfg.secretAccessKey ? { accessKeyId: this.cfg.accessKeyId, secretAccessKey: this.cfg.secretAccessKey } : undefined,
        }),
    }));
    return this.sdk;
  }

  keyFor(sha256: string): string {
    assertSha256(sha256);
    return `${this.prefix}${sha256.slice(0, 2)}/${sha256.slice(2, 4)}/${sha256}`;
  }

  async put(sha256: string, bytes: Buffer, contentType: string): Promise<void> {
    if (await this.exists(sha256)) return;
    const { client, mod } = await this.load();
    const checksum = Buffer.from(sha256, 'hex').toString('base64');
    await client.send(new mod.PutObjectCommand({ Bucket: this.cfg.bucket, Key: this.keyFor(sha256), Body: bytes, ContentType: contentType, ChecksumSHA256: checksum }));
  }

  discardStaged(staged: StagedFile): Promise<void> {
    return discardStaged(staged);
  }

  stage(source: Readable, maxBytes: number): Promise<StagedFile> {
    return stageStream(source, path.join(os.tmpdir(), 'afterdesk-uploads'), maxBytes);
  }

  /** Streams the staged file up (its length is known, so no buffering), then removes it. */
  async putStaged(staged: StagedFile, contentType: string): Promise<void> {
    try {
      if (await this.exists(staged.sha256)) return;
      const { client, mod } = await this.load();
      const checksum = Buffer.from(staged.sha256, 'hex').toString('base64');
      await client.send(
        new mod.PutObjectCommand({ Bucket: this.cfg.bucket, Key: this.keyFor(staged.sha256), Body: fs.createReadStream(staged.path), ContentLength: staged.size, ContentType: contentType, ChecksumSHA256: checksum }),
      );
    } finally {
      await discardStaged(staged);
    }
  }

  async stream(sha256: string): Promise<Readable | null> {
    const { client, mod } = await this.load();
    try {
      const out = await client.send(new mod.GetObjectCommand({ Bucket: this.cfg.bucket, Key: this.keyFor(sha256) }));
      return out.Body as Readable;
    } catch (e) {
      if (isMissing(e)) return null;
      throw e;
    }
  }

  async get(sha256: string): Promise<Buffer | null> {
    const s = await this.stream(sha256);
    if (!s) return null;
    const chunks: Buffer[] = [];
    for await (const c of s) chunks.push(Buffer.from(c as Uint8Array));
    return Buffer.concat(chunks);
  }

  /**
   * A small named object beside the content-addressed ones (the evidence checkpoint copies). Not
   * content-addressed, so it may be replaced; a versioned or object-locked bucket keeps old ones.
   */
  async putNamed(name: string, bytes: Buffer, contentType: string): Promise<void> {
    const { client, mod } = await this.load();
    await client.send(new mod.PutObjectCommand({ Bucket: this.cfg.bucket, Key: `${this.prefix}${name}`, Body: bytes, ContentType: contentType }));
  }

  async getNamed(name: string): Promise<Buffer | null> {
    const { client, mod } = await this.load();
    try {
      const out = await client.send(new mod.GetObjectCommand({ Bucket: this.cfg.bucket, Key: `${this.prefix}${name}` }));
      const chunks: Buffer[] = [];
      for await (const c of out.Body as Readable) chunks.push(Buffer.from(c as Uint8Array));
      return Buffer.concat(chunks);
    } catch (e) {
      if (isMissing(e)) return null;
      throw e;
    }
  }

  async exists(sha256: string): Promise<boolean> {
    const { client, mod } = await this.load();
    try {
      await client.send(new mod.HeadObjectCommand({ Bucket: this.cfg.bucket, Key: this.keyFor(sha256) }));
      return true;
    } catch (e) {
      if (isMissing(e)) return false;
      throw e;
    }
  }

  async delete(sha256: string): Promise<void> {
    const { client, mod } = await this.load();
    await client.send(new mod.DeleteObjectCommand({ Bucket: this.cfg.bucket, Key: this.keyFor(sha256) }));
  }
}
