import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadConfig } from '../src/app/config.js';
import { compose } from '../src/app/compose.js';
import { createPlatform } from '../src/app/deps.js';
import { buildServer } from '../src/app/server.js';
import { systemClock } from '../src/platform/clock.js';
import { createPool, Database } from '../src/platform/db.js';
import { newId } from '../src/platform/ids.js';
import { Jobs } from '../src/platform/jobs.js';
import { silentLogger } from '../src/platform/logger.js';
import { printComparison, sample, type BenchContext } from './harness.js';

/** A keep-alive GET over real loopback HTTP, so both sides pay the same network and client cost. */
function getter(port: number, pathName: string) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  return () =>
    new Promise<void>((resolve, reject) => {
      const req = http.get({ host: '127.0.0.1', port, path: pathName, agent }, (res) => {
        res.resume();
        res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`status ${res.statusCode}`))));
      });
      req.on('error', reject);
    });
}

export default async function healthz(ctx: BenchContext): Promise<void> {
  const iterations = Math.round(3000 * ctx.scale);
  const bare = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"status":"ok"}');
  });
  await new Promise<void>((r) => bare.listen(0, '127.0.0.1', r));

  const dbs = await ctx.database('bench_healthz');
  const config = loadConfig({ NODE_ENV: 'production', DATABASE_URL: dbs.adminUrl, APP_DATABASE_URL: dbs.appUrl, LOG_LEVEL: 'silent' });
  const db = new Database(createPool(dbs.appUrl));
  const jobs = new Jobs(dbs.adminUrl, silentLogger);
  await jobs.start();
  const platform = createPlatform({ config, db, adminUrl: dbs.adminUrl, clock: systemClock, ids: newId, log: silentLogger, jobs, secretKey: Buffer.alloc(32, 1) });
  const app = await buildServer(platform, compose(platform));
  await app.listen({ host: '127.0.0.1', port: 0 });
  try {
    const base = await sample(getter((bare.address() as AddressInfo).port, '/'), iterations);
    const subj = await sample(getter((app.server.address() as AddressInfo).port, '/healthz'), iterations);
    printComparison({
      name: 'API round trip: GET /healthz (database ping + job-queue check) vs a bare Node http server',
      baseline: { label: 'bare node:http, static JSON', stats: base },
      subject: { label: 'Afterdesk GET /healthz', stats: subj },
      notes: ['The subject does two real queries per request (select 1; pg-boss queue list); the baseline does none.'],
    });
  } finally {
    await app.close();
    await jobs.stop();
    await db.close();
    bare.close();
  }
}
