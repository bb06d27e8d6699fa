import crypto from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerModuleWorkers } from '../../app/modules.js';
import { createTestContext, type TestContext } from '../../../test/helpers/context.js';
import { actorFor, createTestOrg, type TestOrg } from '../../../test/helpers/org.js';
import { ManualClock } from '../../platform/clock.js';
import { checkRegistry, type PrivacyRegistration } from './privacy.registry.js';
import { createFileStore } from '../../integrations/storage/index.js';
import { RecordingPlatform, seedOrder } from '../../../test/helpers/returns.js';

let ctx: TestContext;
const clock = new ManualClock('2026-03-10T10:00:00Z');
beforeAll(async () => {
  ctx = await createTestContext({ clock });
  await registerModuleWorkers(ctx.platform, ctx.services);
});
afterAll(async () => {
  await ctx?.close();
});

const DAY = 86_400_000;
const rows = async (orgId: string, q: ReturnType<typeof sql>) => ctx.platform.db.tenant(orgId, async (tx) => (await tx.execute(q)).rows as Record<string, unknown>[]);

/** Every row of every table of the organisation, as text (jsonb, arrays and tsvectors included). */
async function dumpOrg(orgId: string): Promise<string> {
  const tables = await rows(orgId, sql`select table_name from information_schema.columns where table_schema = 'public' and column_name = 'org_id' order by table_name`);
  const out: string[] = [];
  for (const t of tables) {
    const name = String(t.table_name);
    for (const r of await rows(orgId, sql`select x::text as line from ${sql.identifier(name)} x where org_id = ${orgId}`)) out.push(`${name}: ${String(r.line)}`);
  }
  return out.join('\n');
}

/** A buyer with an order, an e-mail ticket with a photo, a return, and evidence naming them. */
async function seedBuyer(org: TestOrg, tag: string) {
  const name = `Zofia Wiśniewska${tag}`;
  const email = `zofia.${tag}@example.pl`;
  const phone = `+48601${tag.slice(0, 6).replace(/\D/g, '7').padEnd(6, '3')}`;
  const order = await seedOrder(ctx, org, { lines: [{ unitPrice: 45_000 }] });
  const [b] = await rows(org.orgId, sql`select buyer_id from orders where org_id = ${org.orgId} and id = ${order.orderId}`);
  const buyerId = String(b!.buyer_id);
  // The platform's fixture names every buyer Anna Becker; this one gets her own name and e-mail.
  await ctx.platform.db.tenant(org.orgId, (tx) => tx.execute(sql`update buyers set display_name = ${name}, email = ${email} where org_id = ${org.orgId} and id = ${buyerId}`));
  await ctx.platform.db.tenant(org.orgId, (tx) => tx.execute(sql`update orders set buyer_message = ${`Bitte klingeln bei ${name}, Tel ${phone}`} where org_id = ${org.orgId} and id = ${order.orderId}`));
  const photo = await ctx.services.evidence.storeFile(org.orgId, { bytes: Buffer.from(`photo of the parcel of ${tag} ${crypto.randomUUID()}`), fileName: `${name}.txt`, declaredContentType: 'text/plain' });
  const t = await ctx.services.helpdesk.ingestInbound({
    orgId: org.orgId,
    shopId: org.shopId,
    channel: 'email',
    externalThreadId: `thr-${crypto.randomUUID()}`,
    externalMessageId: `msg-${crypto.randomUUID()}`,
    buyer: { email, name, phone },
    orderId: order.orderId,
    direction: 'inbound',
    text: `Hello, this is ${name}, call me on ${phone}. The headphones are broken.`,
    attachments: [{ sha256: photo.sha256, fileName: `${name}.txt`, contentType: 'text/plain', size: photo.size }],
    sentAt: clock.now().toISOString(),
  });
  await ctx.services.evidence.record({
    orgId: org.orgId,
    caseId: t.ticketId,
    caseType: 'ticket',
    kind: 'message',
    actor: { type: 'buyer', name },
    occurredAt: clock.now(),
    summary: `${name} reports broken headphones`,
    data: { channel: 'email', text: `call me on ${phone}`, email },
    fileSha256s: [photo.sha256],
  });
  const ret = await ctx.services.returns.create(actorFor(org, 'agent'), { orderId: order.orderId, orderLineIds: order.lineIds, reasonCode: 'changed_mind', channel: 'agent' });
  return { name, email, phone, buyerId, orderId: order.orderId, ticketId: t.ticketId, returnId: ret.id, photo: photo.sha256 };
}

describe('the registry', () => {
  it('names every table that holds a buyer reference or personal columns, and every registered column exists', async () => {
    const org = await createTestOrg(ctx);
    // pg_catalog, not information_schema: the latter hides tables the app role has no grant on.
    const cols = await rows(
      org.orgId,
      sql`select c.relname as table_name, a.attname as column_name from pg_class c join pg_namespace n on n.oid = c.relnamespace join pg_attribute a on a.attrelid = c.oid
           where n.nspname = 'public' and c.relkind in ('r', 'p') and a.attnum > 0 and not a.attisdropped order by c.relname, a.attnum`,
    );
    const byTable = new Map<string, string[]>();
    for (const c of cols) byTable.set(String(c.table_name), [...(byTable.get(String(c.table_name)) ?? []), String(c.column_name)]);
    const { unregistered, stale } = checkRegistry(byTable, ctx.services.privacy.registrations);
    expect(unregistered, 'tables with personal-looking columns that no module registered (add them to its <module>.privacy.ts)').toEqual([]);
    expect(stale, 'registrations naming tables or columns that no longer exist').toEqual([]);
  });

  it('a new table with a buyer column, or a registration gone stale, is caught', () => {
    const catalogue = new Map([
      ['loyalty_members', ['org_id', 'id', 'buyer_id', 'points']],
      ['loyalty_rules', ['org_id', 'id', 'points_per_euro']],
      ['buyers', ['org_id', 'id', 'display_name']],
    ]);
    const reg: PrivacyRegistration = { module: 'orders', tables: [{ table: 'buyers', buyerColumns: ['id'], personalColumns: ['display_name', 'email'] }], export: async () => ({}), erase: async () => ({ counts: {} }) };
    expect(checkRegistry(catalogue, [reg])).toEqual({ unregistered: ['loyalty_members'], stale: ['orders: buyers.email'] });
    const loyalty: PrivacyRegistration = { module: 'loyalty', tables: [{ table: 'loyalty_members', buyerColumns: ['buyer_id'], personalColumns: [] }], export: async () => ({}), erase: async () => ({ counts: {} }) };
    expect(checkRegistry(catalogue, [reg, loyalty]).unregistered).toEqual([]);
  });
});

describe('export and erasure', () => {
  it('exports orders, tickets, messages and returns; erasure leaves nothing personal in any table and the evidence chain still verifies', async () => {
    const org = await createTestOrg(ctx);
    new RecordingPlatform().register(ctx);
    const tag = crypto.randomBytes(4).toString('hex');
    const b = await seedBuyer(org, tag);
    const owner = await org.cookie('owner');

    const exp = await ctx.app.inject({ method: 'GET', url: `/api/privacy/buyers/${b.buyerId}/export`, headers: { cookie: owner } });
    expect(exp.statusCode).toBe(200);
    const doc = exp.json();
    expect(doc).toMatchObject({ format: 'afterdesk.buyer-export.v1', buyerId: b.buyerId, modules: { orders: { buyer: { display_name: b.name, email: b.email } } } });
    expect(doc.modules.orders.orders.map((o: { id: string }) => o.id)).toEqual([b.orderId]);
    expect(doc.modules.helpdesk.tickets.map((t: { id: string }) => t.id)).toEqual([b.ticketId]);
    expect(doc.modules.helpdesk.tickets[0].messages[0].body).toContain(b.phone);
    expect(doc.modules.returns.returns.map((r: { id: string }) => r.id)).toEqual([b.returnId]);
    expect(doc.modules.evidence.evidence.some((e: { summary: string }) => e.summary.includes(b.name))).toBe(true);
    const before = await dumpOrg(org.orgId);
    for (const v of [b.name, b.email, b.phone]) expect(before).toContain(v);

    // Agents, supervisors and warehouse cannot erase.
    expect((await ctx.app.inject({ method: 'POST', url: `/api/privacy/buyers/${b.buyerId}/erase`, headers: { cookie: await org.cookie('supervisor') } })).statusCode).toBe(403);
    const er = await ctx.app.inject({ method: 'POST', url: `/api/privacy/buyers/${b.buyerId}/erase`, headers: { cookie: owner } });
    expect(er.statusCode).toBe(200);
    const report = er.json();
    expect(report).toMatchObject({ buyerId: b.buyerId, heldBack: [], erased: { buyers: 1, tickets: 1, returns: 1 } });
    expect(report.erased.evidence_records).toBeGreaterThanOrEqual(2);
    expect(report.filesRemoved).toBe(1);

    const after = await dumpOrg(org.orgId);
    const lower = after.toLowerCase();
    for (const v of [b.name, b.email, b.phone, 'wiśniewska', `zofia.${tag}`, b.phone.slice(1)]) expect(lower, v).not.toContain(v.toLowerCase());
    expect(await createFileStore(ctx.platform.config).exists(b.photo)).toBe(false);

    const verify = await ctx.services.evidence.verify(org.orgId);
    expect(verify).toMatchObject({ ok: true, broken: null });

    // A pack of the erased case still builds: tombstones in the timeline, the erased photo gone from it.
    const pack = await ctx.services.evidence.buildPack(actorFor(org, 'owner'), b.ticketId, { reason: 'damaged', language: 'en' });
    const zip = await new Promise<Buffer>((resolve, reject) => {
      const chunks: Buffer[] = [];
      pack.stream.on('data', (c: Buffer) => chunks.push(c)).on('end', () => resolve(Buffer.concat(chunks))).on('error', reject);
    });
    expect(pack.manifest.files.map((f) => f.sha256)).not.toContain(b.photo);
    expect(zip.length).toBeGreaterThan(0);
    expect(JSON.stringify(pack.manifest)).not.toContain(b.name);

    // The tombstone keeps a salted hash that matches the value given again, and only with the salt.
    const [rec] = await rows(org.orgId, sql`select data from evidence_records where org_id = ${org.orgId} and case_id = ${b.ticketId} and kind = 'message' and data->'tombstone'->'fields' @> ${JSON.stringify([{ path: 'actor.name' }])}::jsonb`);
    const fields = (rec!.data as { tombstone: { fields: { path: string; hmac: string }[] } }).tombstone.fields;
    expect(fields.find((f) => f.path === 'actor.name')!.hmac).toBe(ctx.services.evidence.saltedHash(org.orgId, b.name));
    expect(fields.find((f) => f.path === 'actor.name')!.hmac).not.toContain(crypto.createHash('sha256').update(b.name).digest('hex'));

    // Erasing again finds nothing new; the export now shows the erasure.
    const again = await ctx.services.privacy.eraseBuyer(org.orgId, b.buyerId, 'test');
    expect(again.erased.evidence_records).toBe(0);
    expect((await ctx.services.privacy.exportBuyer(org.orgId, b.buyerId)).erasures.map((e) => e.erasureId)).toEqual([report.erasureId, again.erasureId]);
  });

  it('a tombstone edited by hand, or one made up for a blanked record, breaks verify', async () => {
    const org = await createTestOrg(ctx);
    const b = await seedBuyer(org, crypto.randomBytes(4).toString('hex'));
    await ctx.services.privacy.eraseBuyer(org.orgId, b.buyerId, 'test');
    expect((await ctx.services.evidence.verify(org.orgId)).ok).toBe(true);
    // The app role cannot update evidence; the table owner (superuser here) can — as an attacker with the database could.
    const { default: pg } = await import('pg');
    const admin = new pg.Client({ connectionString: ctx.platform.adminUrl });
    await admin.connect();
    try {
      await admin.query(`update evidence_records set data = jsonb_set(data, '{tombstone,erasedAt}', '"2020-01-01T00:00:00.000Z"') where org_id = $1 and data ? 'tombstone' and case_id = $2`, [org.orgId, b.ticketId]);
      expect((await ctx.services.evidence.verify(org.orgId)).broken).toMatchObject({ problem: 'tombstone_signature' });
      // A record blanked by hand with a made-up tombstone is refused the same way.
      const org2 = await createTestOrg(ctx);
      await seedBuyer(org2, crypto.randomBytes(4).toString('hex'));
      await admin.query(`update evidence_records set summary = 'gone', data = '{"tombstone": {"v": 1, "fields": [], "filesRemoved": [], "signature": "AAAA"}}' where org_id = $1 and kind = 'message'`, [org2.orgId]);
      expect((await ctx.services.evidence.verify(org2.orgId)).broken).toMatchObject({ problem: 'tombstone_signature' });
    } finally {
      await admin.end();
    }
  });

  it('holds back the evidence of a return with an open appeal, says why, and verify still passes', async () => {
    const org = await createTestOrg(ctx);
    new RecordingPlatform().register(ctx);
    const b = await seedBuyer(org, crypto.randomBytes(4).toString('hex'));
    await ctx.services.returns.markPlatformRefunded(actorFor(org, 'supervisor'), b.returnId);
    const wh = actorFor(org, 'warehouse');
    await ctx.services.returns.receive(wh, b.returnId, {});
    const inspected = await ctx.services.returns.inspect(wh, b.returnId, { grade: 'empty_box', note: 'only packing paper inside' });
    expect(inspected.appeal).toMatchObject({ status: 'open' });

    const report = await ctx.services.privacy.eraseForActor(actorFor(org, 'owner'), b.buyerId);
    const rma = inspected.rma;
    expect(report.heldBack.length).toBeGreaterThan(0);
    for (const h of report.heldBack) expect(h).toMatchObject({ reason: 'legal_claims', basis: 'GDPR Art. 17(3)(e)', why: `open appeal on return ${rma}` });
    expect(new Set(report.heldBack.map((h) => h.caseId))).toEqual(new Set([b.returnId, b.ticketId]));
    expect(report.heldBack.some((h) => h.recordId && h.caseId === b.ticketId)).toBe(true);
    // The buyer's own record is still erased; the evidence the appeal needs is intact.
    const [buyer] = await rows(org.orgId, sql`select display_name, email from buyers where org_id = ${org.orgId} and id = ${b.buyerId}`);
    expect(buyer).toEqual({ display_name: null, email: null });
    const [kept] = await rows(org.orgId, sql`select count(*)::int as n from evidence_records where org_id = ${org.orgId} and case_id = ${b.ticketId} and not (data ? 'tombstone')`);
    expect(Number(kept!.n)).toBeGreaterThan(0);
    expect(await createFileStore(ctx.platform.config).exists(b.photo)).toBe(true);
    expect((await ctx.services.evidence.verify(org.orgId)).ok).toBe(true);
    const stored = await rows(org.orgId, sql`select report from privacy_erasures where org_id = ${org.orgId} and id = ${report.erasureId}`);
    expect((stored[0]!.report as { heldBack: unknown[] }).heldBack).toHaveLength(report.heldBack.length);
  });

  it("another organisation's buyer answers exactly like a missing one", async () => {
    const org = await createTestOrg(ctx);
    const other = await createTestOrg(ctx);
    const b = await seedBuyer(other, crypto.randomBytes(4).toString('hex'));
    const owner = await org.cookie('owner');
    for (const [method, suffix] of [['GET', 'export'], ['POST', 'erase']] as const) {
      const foreign = await ctx.app.inject({ method, url: `/api/privacy/buyers/${b.buyerId}/${suffix}`, headers: { cookie: owner } });
      const missing = await ctx.app.inject({ method, url: `/api/privacy/buyers/byr_missing0000000000000000/${suffix}`, headers: { cookie: owner } });
      expect(foreign.statusCode).toBe(404);
      expect(missing.statusCode).toBe(404);
      expect(foreign.json().code).toBe(missing.json().code);
    }
    // Nothing of the other organisation changed.
    const [still] = await rows(other.orgId, sql`select display_name from buyers where org_id = ${other.orgId} and id = ${b.buyerId}`);
    expect(still!.display_name).toBe(b.name);
  });
});

describe('finding a buyer', () => {
  it('by name, e-mail, order number, buyer id, or the phone they wrote a ticket from; with their order count; never in another organisation', async () => {
    const org = await createTestOrg(ctx);
    const other = await createTestOrg(ctx);
    new RecordingPlatform().register(ctx);
    const tag = crypto.randomBytes(4).toString('hex');
    const b = await seedBuyer(org, tag);
    await seedBuyer(other, tag);
    const [o] = await rows(org.orgId, sql`select external_id from orders where org_id = ${org.orgId} and id = ${b.orderId}`);
    const owner = actorFor(org, 'owner');
    const expected = [{ id: b.buyerId, displayName: b.name, email: b.email, platform: 'tiktok', orders: 1 }];
    // The phone is on the ticket only: that match comes from the helpdesk's tables.
    for (const q of [b.name.slice(-8), b.email.toUpperCase(), String(o!.external_id), b.buyerId, b.phone]) expect(await ctx.services.privacy.findBuyers(owner, q), q).toEqual(expected);
    expect(await ctx.services.privacy.findBuyers(owner, '+48000000000')).toEqual([]);
    expect(await ctx.services.privacy.orgsOfBuyer(b.buyerId)).toEqual([org.orgId]);
  });
});

describe('retention', () => {
  it('blanks closed tickets, webhook bodies and order personal fields once their period passes (ManualClock)', async () => {
    const org = await createTestOrg(ctx);
    new RecordingPlatform().register(ctx);
    const b = await seedBuyer(org, crypto.randomBytes(4).toString('hex'));
    // A second buyer whose return failed inspection after an early refund: the appeal is open.
    const disputed = await seedBuyer(org, crypto.randomBytes(4).toString('hex'));
    await ctx.services.returns.markPlatformRefunded(actorFor(org, 'supervisor'), disputed.returnId);
    await ctx.services.returns.receive(actorFor(org, 'warehouse'), disputed.returnId, {});
    expect((await ctx.services.returns.inspect(actorFor(org, 'warehouse'), disputed.returnId, { grade: 'empty_box', note: 'nothing inside' })).appeal).toMatchObject({ status: 'open' });
    const owner = actorFor(org, 'owner');
    await ctx.platform.db.tenant(org.orgId, (tx) => tx.execute(sql`update tickets set status = 'closed', closed_at = ${clock.now()} where org_id = ${org.orgId} and id = any(${sql.param([b.ticketId, disputed.ticketId])}::text[])`));
    const settings = await ctx.app.inject({ method: 'PUT', url: '/api/privacy/settings', headers: { cookie: await org.cookie('owner') }, payload: { closedTicketContentDays: 30, webhookBodyDays: null, orderPersonalDays: 90 } });
    expect(settings.json()).toEqual({ closedTicketContentDays: 30, webhookBodyDays: null, orderPersonalDays: 90 });
    expect(await ctx.services.privacy.getSettings(owner)).toEqual({ closedTicketContentDays: 30, webhookBodyDays: null, orderPersonalDays: 90 });

    clock.advance(29 * DAY);
    expect(await ctx.services.privacy.applyRetention(org.orgId)).toEqual({});

    clock.advance(2 * DAY);
    expect(await ctx.services.privacy.applyRetention(org.orgId)).toMatchObject({ tickets: 1, ticket_messages: 1 });
    const [t] = await rows(org.orgId, sql`select buyer_name, buyer_phone from tickets where org_id = ${org.orgId} and id = ${b.ticketId}`);
    expect(t).toEqual({ buyer_name: null, buyer_phone: null });
    const [o] = await rows(org.orgId, sql`select buyer_message from orders where org_id = ${org.orgId} and id = ${b.orderId}`);
    expect(o!.buyer_message).toContain(b.phone);

    clock.advance(60 * DAY); // the order was placed 10 days before the start
    expect(await ctx.services.privacy.applyRetention(org.orgId)).toMatchObject({ orders: 1, buyers: 1 });
    const [o2] = await rows(org.orgId, sql`select buyer_message from orders where org_id = ${org.orgId} and id = ${b.orderId}`);
    expect(o2!.buyer_message).toBeNull();
    // The disputed order and its ticket keep what the appeal needs.
    const [dt] = await rows(org.orgId, sql`select buyer_name from tickets where org_id = ${org.orgId} and id = ${disputed.ticketId}`);
    expect(dt!.buyer_name).toBe(disputed.name);
    const [dor] = await rows(org.orgId, sql`select buyer_message from orders where org_id = ${org.orgId} and id = ${disputed.orderId}`);
    expect(dor!.buyer_message).toContain(disputed.phone);
    // The job runs every organisation with settings; a second run changes nothing.
    const all = await ctx.services.privacy.applyRetentionAll();
    expect(all.find((r) => r.orgId === org.orgId)!.changed).toEqual({});
  });
});
