import type { Readable } from 'node:stream';

/**
 * Where evidence bytes live. Everything is addressed by the sha256 of its content, so a stored
 * object can never change under its name: a put of the same bytes is a no-op, and a reader can
 * always re-hash what it got and compare it with the key.
 */
export interface FileStore {
  readonly kind: 'local' | 's3';
  put(sha256: string, bytes: Buffer, contentType: string): Promise<void>;
  /** The bytes, or null when the object is missing. */
  get(sha256: string): Promise<Buffer | null>;
  /** A stream of the bytes, or null when the object is missing (packs stream large videos). */
  stream(sha256: string): Promise<Readable | null>;
  exists(sha256: string): Promise<boolean>;
  /** Remove the bytes (a buyer's erasure, once no organisation holds the file); missing is fine. */
  delete(sha256: string): Promise<void>;
}

export const SHA256_RE = /^[0-9a-f]{64}$/;

export function assertSha256(sha256: string): void {
  if (!SHA256_RE.test(sha256)) throw new Error(`not a sha256 hex digest: ${sha256}`);
}
