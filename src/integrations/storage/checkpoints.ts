import crypto from 'node:crypto';
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { S3FileStore } from './s3.js';

/** One small document per organisation, kept outside the database (the evidence checkpoint copies). */
export interface CheckpointCopies {
  readonly kind: string;
  read(orgId: string): Promise<Buffer | null>;
  write(orgId: string, bytes: Buffer): Promise<void>;
}

const ORG_ID_RE = /^[A-Za-z0-9_-]{1,100}$/;

function docName(orgId: string): string {
  // An organisation id becomes a file name: refuse anything that could step out of the folder.
  if (!ORG_ID_RE.test(orgId)) throw new Error(`not an organisation id: ${orgId}`);
  return `${orgId}.json`;
}

/** `DATA_DIR/evidence-checkpoints/<orgId>.json`, replaced atomically (temporary name, then rename). */
export class LocalCheckpointCopies implements CheckpointCopies {
  readonly kind = 'local';
  constructor(readonly root: string) {}

  pathFor(orgId: string): string {
    return path.join(this.root, docName(orgId));
  }

  async read(orgId: string): Promise<Buffer | null> {
    try {
      return await fsp.readFile(this.pathFor(orgId));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw e;
    }
  }

  async write(orgId: string, bytes: Buffer): Promise<void> {
    const target = this.pathFor(orgId);
    await fsp.mkdir(this.root, { recursive: true });
    const tmp = `${target}.${process.pid}.${crypto.randomBytes(6).toString('hex')}.tmp`;
    await fsp.writeFile(tmp, bytes, { flag: 'wx' });
    await fsp.rename(tmp, target);
  }
}

/** `<prefix>checkpoints/<orgId>.json` in the evidence bucket. */
export class S3CheckpointCopies implements CheckpointCopies {
  readonly kind = 's3';
  constructor(private readonly store: S3FileStore) {}

  async read(orgId: string): Promise<Buffer | null> {
    return this.store.getNamed(`checkpoints/${docName(orgId)}`);
  }

  async write(orgId: string, bytes: Buffer): Promise<void> {
    return this.store.putNamed(`checkpoints/${docName(orgId)}`, bytes, 'application/json');
  }
}
