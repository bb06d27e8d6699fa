import path from 'node:path';
import { LocalFileStore } from './local.js';
import { S3FileStore, type S3StoreConfig } from './s3.js';
import type { FileStore } from './storage.js';

export { LocalFileStore } from './local.js';
export { S3FileStore, type S3StoreConfig } from './s3.js';
export { type FileStore, type StagedFile, discardStaged, SHA256_RE } from './storage.js';

/** The configured store: local disk under DATA_DIR/files unless STORAGE=s3. */
export function createFileStore(cfg: { dataDir: string; storage: { kind: 'local' | 's3'; s3?: S3StoreConfig } }): FileStore {
  if (cfg.storage.kind === 's3') {
    if (!cfg.storage.s3) throw new Error('STORAGE=s3 needs S3_BUCKET');
    return new S3FileStore(cfg.storage.s3);
  }
  return new LocalFileStore(path.join(cfg.dataDir, 'files'));
}
