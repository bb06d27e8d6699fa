import crypto from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { assertSha256, discardStaged, stageStream, type FileStore, type StagedFile } from './storage.js';

/**
 * Files under `<root>/ab/cd/<sha256>`: two levels of fan-out keep directories small at millions
 * of files. Writes go to a temporary name and are renamed into place, so a crash never leaves a
 * half-written object under a real hash.
 */
export class LocalFileStore implements FileStore {
  readonly kind = 'local' as const;
  constructor(readonly root: string) {}

  pathFor(sha256: string): string {
    assertSha256(sha256);
    return path.join(this.root, sha256.slice(0, 2), sha256.slice(2, 4), sha256);
  }

  async put(sha256: string, bytes: Buffer): Promise<void> {
    const target = this.pathFor(sha256);
    if (await this.exists(sha256)) return;
    await fsp.mkdir(path.dirname(target), { recursive: true });
    const tmp = `${target}.${process.pid}.${crypto.randomBytes(6).toString('hex')}.tmp`;
    await fsp.writeFile(tmp, bytes, { flag: 'wx' });
    await fsp.rename(tmp, target);
  }

  discardStaged(staged: StagedFile): Promise<void> {
    return discardStaged(staged);
  }

  /** Staged under the root so the final rename stays on one filesystem (atomic). */
  stage(source: Readable, maxBytes: number): Promise<StagedFile> {
    return stageStream(source, path.join(this.root, '.staging'), maxBytes);
  }

  async putStaged(staged: StagedFile): Promise<void> {
    const target = this.pathFor(staged.sha256);
    if (await this.exists(staged.sha256)) return discardStaged(staged);
    await fsp.mkdir(path.dirname(target), { recursive: true });
    await fsp.rename(staged.path, target);
  }

  async get(sha256: string): Promise<Buffer | null> {
    try {
      return await fsp.readFile(this.pathFor(sha256));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw e;
    }
  }

  async stream(sha256: string): Promise<Readable | null> {
    if (!(await this.exists(sha256))) return null;
    return fs.createReadStream(this.pathFor(sha256));
  }

  async exists(sha256: string): Promise<boolean> {
    try {
      await fsp.access(this.pathFor(sha256));
      return true;
    } catch {
      return false;
    }
  }

  async delete(sha256: string): Promise<void> {
    await fsp.rm(this.pathFor(sha256), { force: true });
  }
}
