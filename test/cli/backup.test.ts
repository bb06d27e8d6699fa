import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import yauzl from 'yauzl';
import { createBackup, restoreBackup } from '../../src/app/backup.js';
import { loadConfig } from '../../src/app/config.js';
import { AppError } from '../../src/platform/errors.js';

const run = promisify(execFile);
const BIN = path.resolve('bin/afterdesk.js');

interface Running {
  child: ChildProcess;
  output: () => string;
  url: string;
}

const dirs: string[] = [];
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGINT');
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

function tmpDir(prefix: string): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  // The embedded server runs as an unprivileged OS user when we are root; it must reach the directory.
  fs.chmodSync(d, 0o755);
  dirs.push(d);
  return d;
}

function envFor(dataDir: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir, PORT: '0', PG_PORT: '0', LOG_LEVEL: 'info', SANDBOX_SPEED: '0', ...extra };
  for (const k of ['DATABASE_URL', 'APP_DATABASE_URL', 'SECRET_KEY']) if (!(k in extra)) delete env[k];
  return env;
}

async function start(dataDir: string, args: string[]): Promise<Running> {
  const child = spawn(process.execPath, [BIN, 'start', ...args], { env: envFor(dataDir), stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no start within 60 s:\n${out}`)), 60_000);
    child.stdout!.on('data', () => {
      const m = /Afterdesk is running: (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited ${code} before start:\n${out}`));
    });
  });
  return { child, output: () => out, url };
}

async function stop(r: Running): Promise<void> {
  r.child.kill('SIGINT');
  const code = r.child.exitCode ?? (await new Promise<number | null>((res) => r.child.once('exit', (c) => res(c))));
  expect(code).toBe(0);
}

async function cli(dataDir: string, args: string[], extra: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(process.execPath, [BIN, ...args], { env: envFor(dataDir, { LOG_LEVEL: 'warn', ...extra }), timeout: 60_000 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, stdout: x.stdout, stderr: x.stderr };
  }
}

/** A superuser connection to the embedded server holding this DATA_DIR (port from postmaster.pid). */
async function connect(dataDir: string): Promise<pg.Client> {
  const port = Number(fs.readFileSync(path.join(dataDir, 'pg', 'postmaster.pid'), 'utf8').split('\n')[3]);
  const { pgPassword } = JSON.parse(fs.readFileSync(path.join(dataDir, 'secrets.json'), 'utf8')) as { pgPassword: string };
  const c = new pg.Client({ connectionString: `postgres://postgres:${encodeURIComponent(pgPassword)}@127.0.0.1:${port}/afterdesk` });
  // A failed assertion stops the server under an open client; the test reports that, not this.
  c.on('error', () => undefined);
  await c.connect();
  return c;
}

async function tickets(c: pg.Client): Promise<Map<string, string>> {
  const { rows } = await c.query<{ id: string; subject: string }>('select id, subject from tickets order by id');
  return new Map(rows.map((r) => [r.id, r.subject]));
}

/** Flip one byte in the middle of a member's stored data; returns the member's name. */
async function flipByteIn(file: string, pick: (entries: yauzl.Entry[]) => yauzl.Entry): Promise<string> {
  const zip = await yauzl.openPromise(file, { lazyEntries: true, autoClose: false });
  const entries: yauzl.Entry[] = [];
  for await (const e of zip.eachEntry()) entries.push(e);
  const entry = pick(entries);
  const { fileDataStart } = await zip.readLocalFileHeaderPromise(entry, { minimal: true });
  zip.close();
  const fd = fs.openSync(file, 'r+');
  const at = fileDataStart + Math.floor(entry.compressedSize / 2);
  const b = Buffer.alloc(1);
  fs.readSync(fd, b, 0, 1, at);
  b[0] = b[0]! ^ 0xff;
  fs.writeSync(fd, b, 0, 1, at);
  fs.closeSync(fd);
  return entry.fileName;
}

const quiet = { info: () => undefined, warn: () => undefined, debug: () => undefined };
const configFor = (dataDir: string) => loadConfig({ DATA_DIR: dataDir, PG_PORT: '0' });

async function refusal(p: Promise<unknown>): Promise<AppError> {
  const e = await p.then(
    () => null,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(AppError);
  return e as AppError;
}

/** The archive made online by the first test, and the stopped installation it came from. */
let made: { archive: string; src: string } | undefined;

describe('afterdesk backup / restore (embedded Postgres)', () => {
  it('backs up a running installation online; the restore recovers from the backup label with the same tickets and an intact evidence chain; a flipped byte is refused naming the member', async () => {
    const src = tmpDir('afterdesk-backup-src-');
    const first = await start(src, []);
    const db = await connect(src);

    // A writer commits one row at a time for as long as the backup runs: the restored copy must
    // hold an unbroken prefix of them, at least every row committed before the backup began.
    await db.query('create table backup_probe (n int primary key)');
    const writer = await connect(src);
    let committed = 0;
    let sent = 0;
    let writing = true;
    const writes = (async () => {
      while (writing) {
        sent = committed + 1;
        await writer.query('insert into backup_probe values ($1)', [sent]);
        committed = sent;
        // Paced, so the writer does not starve the machine the backup runs on.
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    writes.catch(() => undefined);
    const before = await tickets(db);
    const committedBefore = committed;
    expect(before.size).toBeGreaterThan(0);

    const archive = path.join(tmpDir('afterdesk-backup-out-'), 'afterdesk.zip');
    const backup = await cli(src, ['backup', '--out', archive]);
    // A row whose answer is still on its way may already be in the backup.
    const sentBeforeEnd = sent;
    writing = false;
    await writes;
    await writer.end();
    const after = await tickets(db);
    await db.end();
    expect(backup.stderr).toBe('');
    expect(backup.code).toBe(0);
    expect(backup.stdout).toContain(`Backing up ${src} online: PostgreSQL 17.`);
    expect(backup.stdout).toMatch(/Wrote .*afterdesk\.zip \([\d.]+ MB\): \d+ PostgreSQL files \+ \d+ WAL segment\(s\), \d+ stored files, 1 evidence checkpoint copies, secrets\.json/);
    expect(backup.stdout).toContain('⚠ The archive holds secrets.json');
    // The app kept serving while it was copied.
    expect((await fetch(`${first.url}/healthz`)).status).toBe(200);
    await stop(first);

    // Restore into a fresh DATA_DIR; meanwhile a copy with one byte flipped in a stored evidence
    // file must be refused, naming the member, leaving nothing behind.
    const flipped = async (name: string, pick: (es: yauzl.Entry[]) => yauzl.Entry) => {
      const f = path.join(path.dirname(archive), name);
      fs.copyFileSync(archive, f);
      return { file: f, member: await flipByteIn(f, pick), dir: tmpDir('afterdesk-backup-bad-') };
    };
    const badFile = await flipped('flipped-file.zip', (es) => es.find((e) => e.fileName.startsWith('files/') && e.compressedSize > 100)!);
    const dst = tmpDir('afterdesk-backup-dst-');
    const [restore, refusedFile] = await Promise.all([cli(dst, ['restore', archive]), cli(badFile.dir, ['restore', badFile.file])]);
    expect(refusedFile.code).toBe(1);
    expect(refusedFile.stderr).toContain(`error backup.damaged: The backup is damaged: member ${badFile.member} has sha256 `);
    expect(refusedFile.stderr).toContain('Nothing was restored.');
    expect(fs.readdirSync(badFile.dir)).toEqual([]);
    expect(restore.stderr).toBe('');
    expect(restore.code).toBe(0);
    expect(restore.stdout).toMatch(/members verified against the manifest/);
    expect(fs.readFileSync(path.join(dst, 'pg', 'backup_label'), 'utf8')).toMatch(/^START WAL LOCATION: /);
    expect(fs.readFileSync(path.join(dst, 'secrets.json'))).toEqual(fs.readFileSync(path.join(src, 'secrets.json')));

    // The first boot replays the WAL from the label; the chain, its files and the checkpoint copy
    // outside the database agree with the restored database.
    const verify = await cli(dst, ['evidence', 'verify']);
    expect(verify.code).toBe(0);
    expect(verify.stdout).toMatch(/✔ org_\w+: \d+ records, \d+ files, \d+ signed checkpoints, 1 outside copies — chain intact/);
    expect(verify.stdout).not.toContain('✘');
    expect(fs.existsSync(path.join(dst, 'pg', 'backup_label'))).toBe(false);

    const second = await start(dst, ['--no-demo']);
    const rdb = await connect(dst);
    const restored = await tickets(rdb);
    const probe = (await rdb.query<{ n: number }>('select n from backup_probe order by n')).rows.map((r) => r.n);
    await rdb.end();
    // Every ticket that existed before the backup, with its subject; none that did not exist after.
    for (const [id, subject] of before) expect(restored.get(id)).toBe(subject);
    for (const [id, subject] of restored) expect(after.get(id)).toBe(subject);
    if (before.size === after.size) expect(restored.size).toBe(before.size);
    expect(probe.length).toBeGreaterThanOrEqual(committedBefore);
    expect(probe.length).toBeLessThanOrEqual(sentBeforeEnd);
    expect(probe).toEqual(Array.from({ length: probe.length }, (_, i) => i + 1));

    // The same through the API, as the demo owner sees them.
    const password = /Demo logins \(password for all: (\S+)\)/.exec(first.output())![1]!;
    const login = await fetch(`${second.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'owner@demo.afterdesk.dev', password }) });
    expect(login.status).toBe(200);
    const cookie = login.headers.getSetCookie().find((c) => c.startsWith('afterdesk_session='))!.split(';')[0]!;
    // The demo owner works in the demo seller's organisation (the demo's agency client has tickets of its own).
    const rdb2 = await connect(dst);
    const mine = new Set((await rdb2.query<{ id: string }>("select t.id from tickets t join users u on u.org_id = t.org_id where lower(u.email) = 'owner@demo.afterdesk.dev'")).rows.map((r) => r.id));
    await rdb2.end();
    const ids = [...before.keys()].filter((id) => mine.has(id));
    expect(ids.length).toBeGreaterThan(0);
    for (const id of [ids[0]!, ids[Math.floor(ids.length / 2)]!, ids.at(-1)!]) {
      const res = await fetch(`${second.url}/api/tickets/${id}`, { headers: { cookie } });
      expect(res.status).toBe(200);
      expect(((await res.json()) as { ticket: { id: string; subject: string } }).ticket).toMatchObject({ id, subject: before.get(id) });
    }
    await stop(second);
    made = { archive, src };
  }, 150_000);

  it('offline and without secrets; refuses a non-empty DATA_DIR without --force, a damaged table file or manifest, and secrets that are not the installation\'s', async () => {
    expect(made).toBeDefined();
    const { archive, src } = made!;

    const over = await refusal(restoreBackup({ config: configFor(src), file: archive, log: quiet }));
    expect(over.code).toBe('backup.data_dir_not_empty');
    expect(over.message).toBe(`DATA_DIR ${src} is not empty (evidence-checkpoints, files, pg, secrets.json); restore into an empty directory or pass --force to replace its contents`);

    const table = path.join(path.dirname(archive), 'flipped-table.zip');
    fs.copyFileSync(archive, table);
    const member = await flipByteIn(table, (es) => es.filter((e) => e.fileName.startsWith('pg/base/')).sort((a, b) => b.compressedSize - a.compressedSize)[0]!);
    const badDir = tmpDir('afterdesk-backup-bad-');
    const damagedTable = await refusal(restoreBackup({ config: configFor(badDir), file: table, log: quiet }));
    expect(damagedTable.code).toBe('backup.damaged');
    expect(damagedTable.details).toEqual({ member });
    expect(damagedTable.message).toContain(`The backup is damaged: member ${member} `);
    expect(fs.readdirSync(badDir)).toEqual([]);

    fs.copyFileSync(archive, table);
    await flipByteIn(table, (es) => es.find((e) => e.fileName === 'manifest.json')!);
    const damagedManifest = await refusal(restoreBackup({ config: configFor(badDir), file: table, log: quiet }));
    expect(damagedManifest.code).toBe('backup.damaged');
    expect(damagedManifest.details).toEqual({ member: 'manifest.json' });

    // Afterdesk is stopped: the backup starts PostgreSQL by itself; secrets.json stays out.
    const noSecrets = path.join(path.dirname(archive), 'no-secrets.zip');
    const offline = await createBackup({ config: configFor(src), out: noSecrets, version: 'test', includeSecrets: false, log: quiet });
    expect(offline.manifest.postgres.online).toBe(false);
    expect(offline.manifest.secrets.included).toBe(false);
    expect(offline.manifest.members.some((m) => m.path === 'secrets.json')).toBe(false);
    expect(offline.warnings).toContain(`secrets.json was left out (--no-secrets): keep ${path.join(src, 'secrets.json')} safe apart from this archive; restore needs it (--secrets <file>).`);
    expect(fs.existsSync(path.join(src, 'afterdesk.pid'))).toBe(false);

    const needs = await refusal(restoreBackup({ config: configFor(tmpDir('afterdesk-backup-nosec-')), file: noSecrets, log: quiet }));
    expect(needs.code).toBe('backup.secrets_required');
    const keptApart = path.join(path.dirname(archive), 'secrets-kept-apart.json');
    const other = path.join(path.dirname(archive), 'secrets-of-another.json');
    fs.copyFileSync(path.join(src, 'secrets.json'), keptApart);
    // Another installation's key: its first digit changed (to one it is not: a key starting with 0 stayed the same 1 time in 16).
    fs.writeFileSync(other, fs.readFileSync(keptApart, 'utf8').replace(/"secretKey": "(.)/, (_m, c: string) => `"secretKey": "${c === '0' ? '1' : '0'}`));
    const wrong = await refusal(restoreBackup({ config: configFor(tmpDir('afterdesk-backup-nosec-')), file: noSecrets, secretsFile: other, log: quiet }));
    expect(wrong.code).toBe('backup.secrets_mismatch');
    const withSecrets = tmpDir('afterdesk-backup-sec-');
    await restoreBackup({ config: configFor(withSecrets), file: noSecrets, secretsFile: keptApart, log: quiet });
    expect(fs.readFileSync(path.join(withSecrets, 'secrets.json'))).toEqual(fs.readFileSync(keptApart));
    expect(fs.existsSync(path.join(withSecrets, 'pg', 'backup_label'))).toBe(true);

    const forced = await restoreBackup({ config: configFor(src), file: archive, force: true, log: quiet });
    expect(forced.replaced).toEqual(['evidence-checkpoints', 'files', 'pg', 'secrets.json']);
    expect(fs.existsSync(path.join(src, 'pg', 'backup_label'))).toBe(true);
    expect(fs.readdirSync(src).filter((n) => n.startsWith('.restore-'))).toEqual([]);
  }, 90_000);

  it('says clearly that an external PostgreSQL (DATABASE_URL) is backed up with pg_dump, and copies nothing', async () => {
    const dir = tmpDir('afterdesk-backup-ext-');
    const out = path.join(dir, 'x.zip');
    const r = await cli(dir, ['backup', '--out', out], { DATABASE_URL: 'postgres://afterdesk@127.0.0.1:1/afterdesk' });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('error backup.external_database: DATABASE_URL is set: this installation keeps its data in an external PostgreSQL, which "afterdesk backup" does not copy.');
    expect(r.stderr).toContain('pg_dump --format=custom');
    expect(fs.existsSync(out)).toBe(false);
  });
});
