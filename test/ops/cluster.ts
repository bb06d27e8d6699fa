import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../src/app/postgres.js';
import type { SbMessage } from '../../src/integrations/tiktok/sandbox/world.js';
import type { TikTokTestWorld } from '../tiktok/helpers.js';
import { webhookBody } from '../tiktok/helpers.js';

/**
 * Real `afterdesk start` processes on one Postgres, as the scale-out shape runs them: API nodes
 * (`WORKER=false`) and worker nodes, sharing nothing but the database and the platform.
 */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface Node {
  name: string;
  child: ChildProcess;
  url: string;
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface NodeEnv {
  adminUrl: string;
  appUrl: string;
  secretKeyHex: string;
  platformUrl: string;
  worker: boolean;
  extra?: Record<string, string>;
}

export async function startNode(name: string, e: NodeEnv): Promise<Node> {
  const port = await freePort();
  const dataDir = path.join(root, '.tmp', `ops-${process.pid}-${name}`);
  fs.rmSync(dataDir, { recursive: true, force: true });
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    // Not `test`: a test configuration leaves webhook processing to the test itself.
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    PORT: String(port),
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    DATA_DIR: dataDir,
    DATABASE_URL: e.adminUrl,
    APP_DATABASE_URL: e.appUrl,
    SECRET_KEY: e.secretKeyHex,
    TIKTOK_API_BASE: e.platformUrl,
    TIKTOK_AUTH_BASE: e.platformUrl,
    WORKER: String(e.worker),
    LOG_LEVEL: 'warn',
    LOGIN_RATE_LIMIT: '1000',
    PGAPPNAME: `afterdesk-${name}`,
    ...e.extra,
  };
  const child = spawn(process.execPath, [path.join(root, 'bin/afterdesk.js'), 'start', '--no-demo'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (c) => (out += String(c)));
  child.stderr!.on('data', (c) => (out += String(c)));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  await new Promise<void>((resolve, reject) => {
    // A node that never got ready is killed, so a failed run leaves no process behind.
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${name} did not start:\n${out}`));
    }, 60_000);
    const check = () => {
      if (out.includes('Afterdesk is running')) {
        clearTimeout(timer);
        child.stdout!.off('data', check);
        resolve();
      }
    };
    child.stdout!.on('data', check);
    void exited.then(({ code }) => reject(new Error(`${name} exited (${code}) before it was ready:\n${out}`)));
  });
  void exited.then(() => fs.rmSync(dataDir, { recursive: true, force: true }));
  return { name, child, url: `http://127.0.0.1:${port}`, output: () => out, exited };
}

export async function stopNode(n: Node): Promise<void> {
  if (n.child.exitCode !== null || n.child.signalCode !== null) return;
  n.child.kill('SIGCONT');
  n.child.kill('SIGTERM');
  const t = setTimeout(() => n.child.kill('SIGKILL'), 15_000);
  await n.exited;
  clearTimeout(t);
}

/**
 * Stands between the workers and the platform: counts the calls in flight and can hold each one
 * for a while, so a test can kill a worker while it is surely inside a batch.
 */
export interface PlatformProxy {
  url: string;
  holdMs: number;
  inFlight: Map<string, number>;
  /** Forward every held call now (a request that left a worker before it died still lands). */
  release(): void;
  close(): Promise<void>;
}

export async function platformProxy(target: string): Promise<PlatformProxy> {
  const held = new Map<NodeJS.Timeout, () => void>();
  const state = {
    holdMs: 0,
    inFlight: new Map<string, number>(),
    release() {
      for (const [t, go] of held) {
        clearTimeout(t);
        held.delete(t);
        go();
      }
    },
  };
  const srv = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const key = `${req.method} ${(req.url ?? '').split('?')[0]!.replace(/\d{6,}/g, ':id')}`;
      state.inFlight.set(key, (state.inFlight.get(key) ?? 0) + 1);
      const go = () => {
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string' && k !== 'host' && k !== 'connection' && k !== 'content-length') headers[k] = v;
        fetch(`${target}${req.url}`, { method: req.method, headers, body: req.method === 'GET' || req.method === 'HEAD' ? undefined : Buffer.concat(chunks) })
          .then(async (r) => {
            const body = Buffer.from(await r.arrayBuffer());
            res.writeHead(r.status, { 'content-type': r.headers.get('content-type') ?? 'application/json' }).end(body);
          })
          .catch(() => res.destroy())
          .finally(() => state.inFlight.set(key, state.inFlight.get(key)! - 1));
      };
      if (state.holdMs <= 0) return go();
      const t = setTimeout(() => {
        held.delete(t);
        go();
      }, state.holdMs);
      held.set(t, go);
    });
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return Object.assign(state, {
    url: `http://127.0.0.1:${(srv.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((r) => {
        srv.closeAllConnections();
        srv.close(() => r());
      }),
  });
}

/** A new chat from a distinct buyer of the world's DE shop, `ageSec` old, and its signed webhook. */
export function newChat(w: TikTokTestWorld, ageSec = 0): { conversationId: string; message: SbMessage; body: string; signature: string } {
  const world = w.sandbox.world;
  // A new buyer each time, so every chat is a conversation (and a ticket) of its own.
  const order = world.createOrder(w.tiktokShopId, { silent: true, buyer: world['newBuyer'](world.shop(w.tiktokShopId)!) });
  const at = Math.floor(Date.now() / 1000) - ageSec;
  const message = world.buyerMessage(order, 'where', { silent: true, at });
  const conv = [...world.conversations.values()].find((c) => c.messages.includes(message))!;
  const body = webhookBody(w.tiktokShopId, 14, {
    message_id: message.id,
    index: message.index,
    conversation_id: conv.id,
    type: message.type,
    content: message.content,
    create_time: message.createTime,
    is_visible: true,
    sender: { im_user_id: message.senderImId, role: message.senderRole },
  }, `8${message.id}`);
  return { conversationId: conv.id, message, body, signature: w.sandbox.signWebhook(body) };
}

export async function postWebhook(node: Node, chat: { body: string; signature: string }): Promise<number> {
  const r = await fetch(`${node.url}/webhooks/tiktok`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: chat.signature }, body: chat.body });
  await r.arrayBuffer();
  return r.status;
}

export async function login(node: Node, email: string, password: string): Promise<string> {
  const r = await fetch(`${node.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json', origin: node.url }, body: JSON.stringify({ email, password }) });
  if (r.status !== 200) throw new Error(`login on ${node.name}: ${r.status} ${await r.text()}`);
  const c = /afterdesk_session=[^;]+/.exec(r.headers.get('set-cookie') ?? '');
  if (!c) throw new Error('no session cookie');
  return c[0];
}

export async function reply(node: Node, cookie: string, ticketId: string, text: string, clientKey: string): Promise<number> {
  const r = await fetch(`${node.url}/api/tickets/${ticketId}/reply`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: node.url, cookie },
    body: JSON.stringify({ text, clientKey }),
  });
  const body = await r.text();
  if (r.status !== 201) throw new Error(`reply on ${node.name}: ${r.status} ${body}`);
  return r.status;
}

export async function until<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 30_000, everyMs = 100): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < end) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}
