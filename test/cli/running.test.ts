import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The CLI against a running installation: the database commands work through the running app's
// embedded PostgreSQL; only `migrate` keeps refusing (it would change the schema under the app).

const run = promisify(execFile);
const BIN = path.resolve('bin/afterdesk.js');

let dataDir: string;
let child: ChildProcess | undefined;
let url: string;
let out = '';

function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir, PORT: '0', PG_PORT: '0', LOG_LEVEL: 'info', SANDBOX_SPEED: '0', ...extra };
  for (const k of ['DATABASE_URL', 'APP_DATABASE_URL', 'SECRET_KEY']) delete e[k];
  return e;
}

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(process.execPath, [BIN, ...args], { env: env({ LOG_LEVEL: 'warn' }), timeout: 110_000 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, stdout: x.stdout, stderr: x.stderr };
  }
}

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'afterdesk-running-'));
  fs.chmodSync(dataDir, 0o755);
  child = spawn(process.execPath, [BIN, 'start', '--no-demo'], { env: env(), stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no start within 150 s:\n${out}`)), 150_000);
    child!.stdout!.on('data', () => {
      const m = /Afterdesk is running: (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child!.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited ${code} before start:\n${out}`));
    });
  });
}, 180_000);

afterAll(async () => {
  if (child && child.exitCode === null && child.signalCode === null) {
    child.kill('SIGINT');
    await new Promise((r) => child!.once('exit', r));
  }
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('afterdesk CLI while Afterdesk runs on the same DATA_DIR', () => {
  it('user add creates an organisation and a user; the running server signs them in at once', async () => {
    const r = await cli(['user', 'add', '--new-org', 'Running Org', '--email', 'live.owner@test.afterdesk.dev', '--name', 'Live Owner', '--role', 'owner', '--password', 'maple-harbour-lantern-7']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const m = /^added owner live\.owner@test\.afterdesk\.dev \((usr_[0-9a-z]{26})\) to (org_[0-9a-z]{26})\n$/.exec(r.stdout);
    expect(m).not.toBeNull();
    const login = await fetch(`${url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-requested-with': 'afterdesk' },
      body: JSON.stringify({ email: 'live.owner@test.afterdesk.dev', password: 'maple-harbour-lantern-7' }),
    });
    expect(login.status).toBe(200);
    const body = (await login.json()) as { user: { id: string; role: string } };
    expect(body.user).toMatchObject({ id: m![1], role: 'owner' });
    // The app is untouched: still serving, its lock still its own.
    expect(fs.readFileSync(path.join(dataDir, 'afterdesk.pid'), 'utf8').trim()).toBe(String(child!.pid));
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
  }, 120_000);

  it('a second user into that organisation with --org, and a read command (returns cycle-times) work too', async () => {
    const first = await cli(['user', 'add', '--new-org', 'Second Org', '--email', 'second.owner@test.afterdesk.dev', '--name', 'Second Owner', '--role', 'owner', '--password', 'copper-meadow-violin-4']);
    const org = /to (org_[0-9a-z]{26})/.exec(first.stdout)![1]!;
    const agent = await cli(['user', 'add', '--org', org, '--email', 'second.agent@test.afterdesk.dev', '--name', 'Second Agent', '--role', 'agent', '--password', 'copper-meadow-violin-5', '--languages', 'en,de']);
    expect(agent.stderr).toBe('');
    expect(agent.stdout).toMatch(new RegExp(`^added agent second\\.agent@test\\.afterdesk\\.dev \\(usr_[0-9a-z]{26}\\) to ${org}\\n$`));
    const stats = await cli(['returns', 'cycle-times', '--org', org]);
    expect(stats.stderr).toBe('');
    expect(stats.stdout.split('\n')[0]).toBe('0 returns refunded in the last 30 days');
  }, 240_000);

  it('migrate still refuses while the app runs, saying why, and leaves the app running', async () => {
    const r = await cli(['migrate']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`error cli.app_running: Afterdesk is running (pid ${child!.pid})`);
    expect(r.stderr).toContain('migrations change the schema under it');
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
  }, 120_000);
});
