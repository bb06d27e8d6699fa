import crypto from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { FileTooLarge } from '../../platform/uploads.js';

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
  /**
   * Write an incoming stream to a temporary file while hashing it, never holding it in memory;
   * more than `maxBytes` stops the copy with `FileTooLarge` and leaves nothing behind.
   */
  stage(source: Readable, maxBytes: number): Promise<StagedFile>;
  /** Keep a staged file under its hash (a no-op for bytes already held); the staged file is gone afterwards. */
  putStaged(staged: StagedFile, contentType: string): Promise<void>;
  /** Remove a staged file that is not kept (refused type, or already moved: then a no-op). */
  discardStaged(staged: StagedFile): Promise<void>;
  /** Remove the bytes (a buyer's erasure, once no organisation holds the file); missing is fine. */
  delete(sha256: string): Promise<void>;
}

/** Bytes on local disk whose hash and size are known; not yet under their name. */
export interface StagedFile {
  path: string;
  sha256: string;
  size: number;
}

export async function discardStaged(staged: Pick<StagedFile, 'path'>): Promise<void> {
  await fsp.rm(staged.path, { force: true });
}

/** The copy behind `FileStore.stage`: one pass, constant memory, hash and size on the way. */
export async function stageStream(source: Readable, dir: string, maxBytes: number): Promise<StagedFile> {
  await fsp.mkdir(dir, { recursive: true });
  const file = path.join(dir, `${process.pid}.${crypto.randomBytes(8).toString('hex')}.upload`);
  const hash = crypto.createHash('sha256');
  let size = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      size += chunk.length;
      if (size > maxBytes) return done(new FileTooLarge(maxBytes));
      hash.update(chunk);
      done(null, chunk);
    },
  });
  try {
    await pipeline(source, meter, fs.createWriteStream(file, { flags: 'wx' }));
  } catch (e) {
    await fsp.rm(file, { force: true });
    throw e;
  }
  return { path: file, sha256: hash.digest('hex'), size };
}

export const SHA256_RE = /^[0-9a-f]{64}$/;

export function assertSha256(sha256: string): void {
  if (!SHA256_RE.test(sha256)) throw new Error(`not a sha256 hex digest: ${sha256}`);
}
