import { Readable } from 'node:stream';
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { assertSha256, type FileStore } from './storage.js';

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
 * endpoint is given, because most self-hosted servers do not do virtual-host buckets.
 */
export class S3FileStore implements FileStore {
  readonly kind = 's3' as const;
  private readonly client: S3Client;
  private readonly prefix: string;
  constructor(private readonly cfg: S3StoreConfig, client?: S3Client) {
    this.prefix = cfg.prefix ?? 'evidence/';
    this.client =
      client ??
      new S3Client({
        region: cfg.region ?? 'us-east-1',
        endpoint: cfg.endpoint,
        forcePathStyle: !!cfg.endpoint,
        credentials: cfg.accessKeyId && cfg.secretAccessKey ? { accessKeyId: cfg.accessKeyId, secretAccessKey: cfg.secretAccessKey } : undefined,
      });
  }

  keyFor(sha256: string): string {
    assertSha256(sha256);
    return `${this.prefix}${sha256.slice(0, 2)}/${sha256.slice(2, 4)}/${sha256}`;
  }

  async put(sha256: string, bytes: Buffer, contentType: string): Promise<void> {
    if (await this.exists(sha256)) return;
    const checksum = Buffer.from(sha256, 'hex').toString('base64');
    await this.client.send(
      new PutObjectCommand({ Bucket: this.cfg.bucket, Key: this.keyFor(sha256), Body: bytes, ContentType: contentType, ChecksumSHA256: checksum }),
    );
  }

  async stream(sha256: string): Promise<Readable | null> {
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.cfg.bucket, Key: this.keyFor(sha256) }));
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

  async exists(sha256: string): Promise<boolean> {
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.cfg.bucket, Key: this.keyFor(sha256) }));
      return true;
    } catch (e) {
      if (isMissing(e)) return false;
      throw e;
    }
  }
}
