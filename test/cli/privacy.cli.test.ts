import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import { promisify } from 'node:util';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { testDatabase } from '../helpers/db.js';
import { createTestOrg, type TestOrg } from '../helpers/org.js';
import { seedOrder } from '../helpers/returns.js';

const run = promisify(execFile);

let ctx: TestContext;
let org: TestOrg;
let env: NodeJS.ProcessEnv;
beforeAll(async () => {
  ctx = await createTestContext();
  org = await createTestOrg(ctx);
  const tdb = await testDatabase();
  // Same secret key as the services: tombstones are signed with the checkpoint key derived from it.
  env = { ...process.env, DATABASE_URL: tdb.adminUrl, APP_DATABASE_URL: tdb.appUrl, DATA_DIR: ctx.platform.config.dataDir, SECRET_KEY: ctx.platform.secretKey.toString('hex'), LOG_LEVEL: 'silent' };
});
afterAll(async () => {
  await ctx?.close();
});

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(process.execPath, ['bin/afterdesk.js', ...args], { env, timeout: 60_000 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

describe('afterdesk privacy (CLI)', () => {
  it('export prints one JSON document; erase needs --yes, reports, and evidence verify still passes', async () => {
    const order = await seedOrder(ctx, org, { lines: [{ unitPrice: 12_000 }] });
    const phone = `+3934${crypto.randomInt(10_000_000, 99_999_999)}`;
    const t = await ctx.services.helpdesk.ingestInbound({
      orgId: org.orgId,
      shopId: org.shopId,
      channel: 'whatsapp',
      externalThreadId: phone,
      externalMessageId: `wa-${crypto.randomUUID()}`,
      buyer: { phone, name: 'Giulia Ferraresi' },
      orderId: order.orderId,
      direction: 'inbound',
      text: `Sono Giulia Ferraresi, il mio numero è ${phone}`,
      sentAt: ctx.clock.now().toISOString(),
    });
    await ctx.services.evidence.record({ orgId: org.orgId, caseId: t.ticketId, caseType: 'ticket', kind: 'message', actor: { type: 'buyer', name: 'Giulia Ferraresi' }, occurredAt: ctx.clock.now(), summary: `WhatsApp from ${phone}`, data: { text: 'ciao' } });
    const [b] = await ctx.platform.db.tenant(org.orgId, async (tx) => (await tx.execute(sql`select buyer_id from orders where org_id = ${org.orgId} and id = ${order.orderId}`)).rows as { buyer_id: string }[]);
    const buyerId = b!.buyer_id;

    const [ev] = await ctx.platform.db.tenant(org.orgId, async (tx) => (await tx.execute(sql`select count(*)::int as n from evidence_records where org_id = ${org.orgId} and case_id = ${t.ticketId}`)).rows as { n: number }[]);

    const exp = await cli('privacy', 'export', buyerId);
    expect(exp.code).toBe(0);
    const doc = JSON.parse(exp.stdout);
    expect(doc).toMatchObject({ format: 'afterdesk.buyer-export.v1', orgId: org.orgId, buyerId });
    expect(doc.modules.orders.orders[0].id).toBe(order.orderId);
    expect(doc.modules.helpdesk.tickets[0].messages[0].body).toContain(phone);

    const refused = await cli('privacy', 'erase', buyerId);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr + refused.stdout).toContain('--yes');

    const erased = await cli('privacy', 'erase', buyerId, '--yes', '--json');
    expect(erased.code).toBe(0);
    const report = JSON.parse(erased.stdout);
    expect(report).toMatchObject({ buyerId, heldBack: [], erased: { tickets: 1, ticket_threads: 1, evidence_records: ev!.n } });

    const verify = await cli('evidence', 'verify', '--org', org.orgId);
    expect(verify.code).toBe(0);
    expect(verify.stdout).toContain('chain intact');
    const after = await cli('privacy', 'export', buyerId);
    expect(after.stdout).not.toContain(phone);
    expect(after.stdout).not.toContain('Ferraresi');

    const missing = await cli('privacy', 'export', 'byr_missing');
    expect(missing.code).not.toBe(0);
  }, 180_000);
});
