import fs from 'node:fs';
import http from 'node:http';
import { Session } from 'node:inspector/promises';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { loadConfig } from '../src/app/config.js';
import { compose } from '../src/app/compose.js';
import { createPlatform } from '../src/app/deps.js';
import { buildServer } from '../src/app/server.js';
import { systemClock } from '../src/platform/clock.js';
import { createPool, Database } from '../src/platform/db.js';
import { newId } from '../src/platform/ids.js';
import { silentLogger } from '../src/platform/logger.js';
import { printComparison, stats, type BenchContext } from './harness.js';
import { postmasterPid, treeCpuMs } from './proc-cpu.js';

/**
 * The buyer's order page (`GET /p/order` with a live portal session: session lookup, card check,
 * order, shop, returns, reason tree, conversation, warranties, HTML rendering) at a fixed arrival
 * rate of 200 requests/s, open loop (requests leave on schedule whether or not earlier ones came
 * back, and latency counts from the scheduled moment, so a stall is not hidden), against a static
 * page of the same size served by a route on the same Fastify server (same hooks and headers).
 *
 * Throughput on a shared machine is noisy, so each phase also reports CPU per request: this
 * process (server and load generator: the generator's share is the same per request on both
 * sides) plus the Postgres cluster's process tree, read from /proc before and after the phase;
 * and the SQL statements one order-page view sends (BEGIN/COMMIT and settings included).
 * PORTAL_PAGE_PROFILE=1 writes a CPU profile of the order-page phase to .tmp/portal-page.cpuprofile.
 * PORTAL_PAGE_RATE overrides the arrival rate (default 200/s).
 */
const RATE = Number(process.env.PORTAL_PAGE_RATE ?? 200);

/** A phase with its CPU: this process and the Postgres tree, per completed request. */
async function measured(pgPid: number, run: () => Promise<{ lat: number[]; errors: number; wallMs: number }>) {
  const self0 = process.cpuUsage();
  const pg0 = treeCpuMs({ pg: pgPid }).pg!;
  const r = await run();
  const selfUs = process.cpuUsage(self0);
  const pgMs = treeCpuMs({ pg: pgPid }).pg! - pg0;
  const n = Math.max(1, r.lat.length + r.errors);
  const server = (selfUs.user + selfUs.system) / 1000 / n;
  const postgres = pgMs / n;
  return { ...r, cpu: { server, postgres, total: server + postgres } };
}

function openLoop(port: number, path: string, cookie: string, seconds: number): Promise<{ lat: number[]; errors: number; wallMs: number }> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const n = Math.round(RATE * seconds);
  const lat: number[] = [];
  let errors = 0;
  const t0 = performance.now();
  return new Promise((resolve) => {
    let done = 0;
    const finish = () => {
      if (++done === n) {
        agent.destroy();
        resolve({ lat, errors, wallMs: performance.now() - t0 });
      }
    };
    for (let i = 0; i < n; i++) {
      const due = t0 + (i * 1000) / RATE;
      setTimeout(() => {
        const req = http.get({ host: '127.0.0.1', port, path, agent, headers: { cookie } }, (res) => {
          res.resume();
          res.on('end', () => {
            if (res.statusCode === 200) lat.push(performance.now() - due);
            else errors++;
            finish();
          });
        });
        req.on('error', () => {
          errors++;
          finish();
        });
      }, Math.max(0, due - performance.now()));
    }
  });
}

export default async function portalPage(ctx: BenchContext): Promise<void> {
  const seconds = Math.max(2, Math.round(10 * ctx.scale));
  const dbs = await ctx.database('bench_portal_page');
  const config = loadConfig({ NODE_ENV: 'production', DATABASE_URL: dbs.adminUrl, APP_DATABASE_URL: dbs.appUrl, LOG_LEVEL: 'silent', PUBLIC_URL: 'http://127.0.0.1' });
  const db = new Database(createPool(dbs.appUrl));
  const platform = createPlatform({ config, db, adminUrl: dbs.adminUrl, clock: systemClock, ids: newId, log: silentLogger, jobs: undefined, secretKey: Buffer.alloc(32, 1) });
  const s = compose(platform);

  // One shop, one delivered order with three lines, a printed card, a ticket with three messages.
  const org = await s.tenancy.createOrganisation({ name: 'Bench portal' });
  const ownerUser = await s.auth.createUserInOrg(org.orgId, { email: 'owner@bench.example', name: 'Owner', password: 'bench-password-1234', role: 'owner', languages: ['en'] });
  const owner = { orgId: org.orgId, userId: ownerUser.id, role: 'owner' as const };
  const brand = await s.tenancy.createBrand(owner, { name: 'Bench brand' });
  const shop = await s.tenancy.createShop(owner, { brandId: brand.id, name: 'Bench DE', market: 'DE' });
  const now = new Date();
  const ext = '5770000000000001';
  const lines = [1, 2, 3].map((i) => ({ externalId: `${ext}-${i}`, skuId: `sku-${i}`, sellerSku: `SKU-${i}`, productId: `p-${i}`, productName: `Kopfhörer Modell ${i}`, category: 'Headphones', unitPrice: 4999, paidAmount: 4999, trafficSource: { type: 'organic' as const, id: null, name: null } }));
  const map = await db.tenant(org.orgId, (tx) =>
    s.orders.applyOrders(tx, org.orgId, [
      { shopId: shop.id, externalId: ext, buyer: { platformBuyerId: 'bench-buyer', displayName: 'Anna', language: 'de', country: 'DE' }, status: 'delivered', rawStatus: 'DELIVERED', currency: 'EUR', subtotal: 14997, shipping: 0, sellerDiscount: 0, platformDiscount: 0, tax: 0, total: 14997, placedAt: new Date(now.getTime() - 5 * 86_400_000), paidAt: new Date(now.getTime() - 5 * 86_400_000), deliveredAt: new Date(now.getTime() - 86_400_000), trackingNumber: 'TRK1', carrier: 'DHL', deliveryStatus: 'delivered', externalUpdatedAt: now, lines },
    ]),
  );
  const orderId = [...map.values()][0]!;

  const app = await buildServer(platform, s);
  const staticBody = '<!doctype html>' + 'x'.repeat(9000);
  app.get('/bench-static', { schema: { hide: true } }, async (_req, reply) => reply.type('text/html; charset=utf-8').send(staticBody));
  await app.listen({ host: '127.0.0.1', port: 0 });
  const port = (app.server.address() as AddressInfo).port;
  try {
    // A real session: a printed card for the order, opened by its QR link (the token is only in the PDF).
    const { pdf } = await s.portal.printCards(owner, { shopId: shop.id, orderIds: [orderId], size: 'a6', language: 'de', holdoutPercent: 0 });
    const link = await firstQrLink(pdf);
    const opened = await fetch(`http://127.0.0.1:${port}${new URL(link).pathname}`, { redirect: 'manual' });
    const cookie = (opened.headers.getSetCookie().find((c) => c.startsWith('afterdesk_portal=')) ?? '').split(';')[0]!;
    if (!cookie) throw new Error(`no portal session (status ${opened.status})`);
    // A conversation on the order's self-service ticket: two buyer messages and an agent's reply.
    const session = await s.portal.session(decodeURIComponent(cookie.slice('afterdesk_portal='.length)));
    if (!session) throw new Error('portal session not found');
    await s.portal.write(session, { text: 'Der linke Kopfhörer ist leise.' });
    const w = await s.portal.write(session, { text: 'Können Sie helfen?' });
    await s.helpdesk.reply(owner, w.ticketId, { text: 'Gern, wir schicken Ersatz.' });
    const page = await fetch(`http://127.0.0.1:${port}/p/order`, { headers: { cookie } });
    const pageBytes = (await page.text()).length;
    if (page.status !== 200) throw new Error(`order page answered ${page.status}`);
    // Statements one view sends: every query through the pg client while a single request runs.
    let statements = 0;
    const query = pg.Client.prototype.query;
    pg.Client.prototype.query = function (this: pg.Client, ...a: unknown[]) {
      statements++;
      if (process.env.PORTAL_PAGE_SQL) console.log(`  sql: ${String((a[0] as { text?: string })?.text ?? a[0]).replace(/\s+/g, " ").slice(0, 220)}`);
      return (query as (...x: unknown[]) => unknown).apply(this, a);
    } as typeof query;
    try {
      await fetch(`http://127.0.0.1:${port}/p/order`, { headers: { cookie } }).then((r) => r.text());
    } finally {
      pg.Client.prototype.query = query;
    }
    const pgPid = await postmasterPid(dbs.adminUrl);
    // Warm both paths, then measure each at the same arrival rate.
    await openLoop(port, '/bench-static', '', 1);
    await openLoop(port, '/p/order', cookie, 1);
    const base = await measured(pgPid, () => openLoop(port, '/bench-static', '', seconds));
    const profile = process.env.PORTAL_PAGE_PROFILE ? new Session() : null;
    if (profile) {
      profile.connect();
      await profile.post('Profiler.enable');
      await profile.post('Profiler.start');
    }
    const subj = await measured(pgPid, () => openLoop(port, '/p/order', cookie, seconds));
    if (profile) {
      const { profile: prof } = await profile.post('Profiler.stop');
      fs.mkdirSync('.tmp', { recursive: true });
      fs.writeFileSync('.tmp/portal-page.cpuprofile', JSON.stringify(prof));
      profile.disconnect();
    }
    const cpu = (c: { server: number; postgres: number; total: number }) => `${c.total.toFixed(2)} ms (process ${c.server.toFixed(2)} + Postgres ${c.postgres.toFixed(2)})`;
    printComparison({
      name: `buyer order page at ${RATE} req/s for ${seconds} s (open loop)`,
      baseline: { label: `static ${staticBody.length} B page, same server`, stats: stats(base.lat, base.wallMs) },
      subject: { label: `GET /p/order (${pageBytes} B)`, stats: stats(subj.lat, subj.wallMs) },
      notes: [
        `errors: baseline ${base.errors}, order page ${subj.errors}; latency from each request's scheduled start`,
        `CPU per request: static ${cpu(base.cpu)}; order page ${cpu(subj.cpu)}; ratio ×${(subj.cpu.total / base.cpu.total).toFixed(1)}; order page minus static ${(subj.cpu.total - base.cpu.total).toFixed(2)} ms`,
        `SQL statements per order-page view: ${statements}; load average ${fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`,
      ],
    });
  } finally {
    await app.close();
    await db.close();
  }
}

async function firstQrLink(pdf: Buffer): Promise<string> {
  const { execFileSync } = await import('node:child_process');
  const fs = await import('node:fs');
  const os = await import('node:os');
  const path = await import('node:path');
  const sharp = (await import('sharp')).default;
  const jsQR = (await import('jsqr')).default;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-card-'));
  fs.writeFileSync(path.join(dir, 'c.pdf'), pdf);
  execFileSync('pdftoppm', ['-r', '150', '-png', '-f', '1', '-l', '1', path.join(dir, 'c.pdf'), path.join(dir, 'p')]);
  const png = fs.readdirSync(dir).find((f) => f.endsWith('.png'))!;
  const { data, info } = await sharp(path.join(dir, png)).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  fs.rmSync(dir, { recursive: true, force: true });
  const code = jsQR(new Uint8ClampedArray(data.buffer, data.byteOffset, data.length), info.width, info.height);
  if (!code) throw new Error('no QR on the card');
  return code.data;
}
