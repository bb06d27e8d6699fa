import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/app/postgres.js';

const BIN = path.resolve('bin/afterdesk.js');
// The exact arguments `npm start` passes, so a typo in package.json fails here.
const START_ARGS = (JSON.parse(fs.readFileSync('package.json', 'utf8')).scripts.start as string).split('node bin/afterdesk.js ')[1]!.trim().split(/\s+/);

interface Running {
  child: ChildProcess;
  output: () => string;
  url: string;
}

/** Start `afterdesk start` as a real process and wait for its "running" line. */
/** `terminal`: in a process group of its own, as a shell runs a foreground job (Ctrl-C signals the group). */
async function start(dataDir: string, extraEnv: Record<string, string> = {}, opts: { terminal?: boolean } = {}): Promise<Running> {
  const child = spawn(process.execPath, [BIN, ...START_ARGS, '--no-demo'], {
    env: { ...process.env, DATA_DIR: dataDir, PORT: '0', PG_PORT: '0', LOG_LEVEL: 'info', SANDBOX_SPEED: '0', ...extraEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: opts.terminal === true,
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no start within 90 s:\n${out}`)), 90_000);
    const check = () => {
      const m = /Afterdesk is running: (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    child.stdout!.on('data', check);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited ${code} before start:\n${out}`));
    });
  });
  return { child, output: () => out, url };
}

function exitOf(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve(child.exitCode);
    child.once('exit', (code) => resolve(code));
  });
}

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

describe('afterdesk start on embedded Postgres', () => {
  it('starts, reuses its data, recovers after SIGKILL on the same PG_PORT with a clear message, and stops Postgres cleanly on Ctrl-C', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'afterdesk-start-'));
    // The embedded server runs as an unprivileged OS user when we are root; it must reach the directory.
    fs.chmodSync(dataDir, 0o755);
    dirs.push(dataDir);

    // A fixed PG_PORT: after a crash the orphan still holds it, and the restart must reclaim it.
    const pgPort = await freePort();
    const first = await start(dataDir, { PG_PORT: String(pgPort) });
    const health = await fetch(`${first.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', database: 'up' });
    expect(first.output()).toContain('Creating a new PostgreSQL cluster');
    const pgPid = Number(fs.readFileSync(path.join(dataDir, 'pg', 'postmaster.pid'), 'utf8').split('\n')[0]);

    // A hard kill leaves our lock and an orphaned postgres holding the directory.
    first.child.kill('SIGKILL');
    await exitOf(first.child);
    expect(fs.existsSync(path.join(dataDir, 'afterdesk.pid'))).toBe(true);

    const second = await start(dataDir, { PG_PORT: String(pgPort) }, { terminal: true });
    const out = second.output();
    expect(out).not.toContain(`Port ${pgPort} is taken`);
    expect(out).toContain(`Embedded PostgreSQL is running on 127.0.0.1:${pgPort} `);
    expect(out).not.toContain('Creating a new PostgreSQL cluster');
    expect(out).toContain(`Postgres (pid ${pgPid}) was left running by an earlier run that did not shut down`);
    expect(out).toMatch(/Recovered a stale lock .*afterdesk\.pid/);
    expect((await fetch(`${second.url}/healthz`)).status).toBe(200);

    // Ctrl-C in a terminal: the whole foreground group gets SIGINT. Postgres runs in a group of its
    // own, so the app stops its work first and Postgres last: no connection is cut under it.
    const postmaster = Number(fs.readFileSync(path.join(dataDir, 'pg', 'postmaster.pid'), 'utf8').split('\n')[0]);
    // /proc/<pid>/stat: "pid (comm) state ppid pgrp …" — the group Ctrl-C would reach is the app's own.
    const pgrpOf = (pid: number) => Number(fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[2]);
    expect(pgrpOf(second.child.pid!)).toBe(second.child.pid);
    expect(pgrpOf(postmaster)).not.toBe(second.child.pid);
    process.kill(-second.child.pid!, 'SIGINT');
    expect(await exitOf(second.child)).toBe(0);
    expect(second.output()).toContain('Embedded PostgreSQL stopped cleanly.');
    expect(second.output()).not.toContain('57P01');
    expect(second.output()).not.toContain('"level":50');
    expect(fs.existsSync(path.join(dataDir, 'pg', 'postmaster.pid'))).toBe(false);
    expect(fs.existsSync(path.join(dataDir, 'afterdesk.pid'))).toBe(false);
  });

  it('refuses to boot with a bad variable and names it', async () => {
    const child = spawn(process.execPath, [BIN, 'start'], { env: { ...process.env, PORT: 'eighty', DATABASE_URL: 'mysql://nope' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr!.on('data', (d) => (err += d));
    expect(await exitOf(child)).toBe(2);
    expect(err).toContain('PORT:');
    expect(err).toContain('DATABASE_URL: must be a postgres:// or postgresql:// URL');
  });
});
