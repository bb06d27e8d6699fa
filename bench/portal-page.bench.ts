import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadConfig } from '../src/app/config.js';
import { compose } from '../src/app/compose.js';
import { createPlatform } from '../src/app/deps.js';
import { buildServer } from '../src/app/server.js';
import { systemClock } from '../src/platform/clock.js';
import { createPool, Database } from '../src/platform/db.js';
import { newId } from '../src/platform/ids.js';
import { silentLogger } from '../src/platform/logger.js';
import { printComparison, stats, type BenchContext } from './harness.js';

/**
 * The buyer's order page (`GET /p/order` with a live portal session: session lookup, card check,
 * order, shop, returns, reason tree, conversation, warranties, HTML rendering) at a fixed arrival
 * rate of 200 requests/s, open loop (requests leave on schedule whether or not earlier ones came
 * back, and latency counts from the scheduled moment, so a stall is not hidden), against a static
 * page of the same size served by a route on the same Fastify server (same hooks and headers).
 */
const RATE = 200;

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

  // One shop, one delivered order with three lines, a printed card, a ticket with a few messages.
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
    const page = await fetch(`http://127.0.0.1:${port}/p/order`, { headers: { cookie } });
    const pageBytes = (await page.text()).length;
    if (page.status !== 200) throw new Error(`order page answered ${page.status}`);
    // Warm both paths, then measure each at the same arrival rate.
    await openLoop(port, '/bench-static', '', 1);
    await openLoop(port, '/p/order', cookie, 1);
    const base = await openLoop(port, '/bench-static', '', seconds);
    const subj = await openLoop(port, '/p/order', cookie, seconds);
    printComparison({
      name: `buyer order page at ${RATE} req/s for ${seconds} s (open loop)`,
      baseline: { label: `static ${staticBody.length} B page, same server`, stats: stats(base.lat, base.wallMs) },
      subject: { label: `GET /p/order (${pageBytes} B)`, stats: stats(subj.lat, subj.wallMs) },
      notes: [`errors: baseline ${base.errors}, order page ${subj.errors}; latency from each request's scheduled start`],
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
