import path from 'node:path';
import { LocalCheckpointCopies, S3CheckpointCopies, type CheckpointCopies } from './checkpoints.js';
import { LocalFileStore } from './local.js';
import { S3FileStore, type S3StoreConfig } from './s3.js';
import type { FileStore } from './storage.js';

export { LocalFileStore } from './local.js';
export { S3FileStore, type S3StoreConfig } from './s3.js';
export { type FileStore, type StagedFile, discardStaged, SHA256_RE } from './storage.js';
export { LocalCheckpointCopies, S3CheckpointCopies, type CheckpointCopies } from './checkpoints.js';

/** The configured store: local disk under DATA_DIR/files unless STORAGE=s3. */
export function createFileStore(cfg: { dataDir: string; storage: { kind: 'local' | 's3'; s3?: S3StoreConfig } }): FileStore {
  if (cfg.storage.kind === 's3') {
    if (!cfg.storage.s3) throw new Error('STORAGE=s3 needs S3_BUCKET');
    return new S3FileStore(cfg.storage.s3);
  }
  return new LocalFileStore(path.join(cfg.dataDir, 'files'));
}

/**
 * Where signed evidence checkpoints are copied outside the database: always a file under
 * DATA_DIR, and the S3 bucket as well when one is configured (a second place an attacker of the
 * database or of one machine would also have to rewrite).
 */
export function createCheckpointCopies(cfg: { dataDir: string; storage: { kind: 'local' | 's3'; s3?: S3StoreConfig } }): CheckpointCopies[] {
  const out: CheckpointCopies[] = [new LocalCheckpointCopies(path.join(cfg.dataDir, 'evidence-checkpoints'))];
  if (cfg.storage.s3) out.push(new S3CheckpointCopies(new S3FileStore(cfg.storage.s3)));
  return out;
}
