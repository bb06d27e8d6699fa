import { sql } from 'drizzle-orm';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shopIn } from '../../src/modules/tenancy/index.js';
import { settingsCacheStats } from '../../src/platform/settings-cache.js';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { actorFor, createTestOrg, type TestOrg } from '../helpers/org.js';

// Settings read on every message and reply are kept per process under the organisation's settings
// version (issue 20, migration 0218, platform/settings-cache.ts): answered from memory while
// nothing changed, read again after any change, never the settings of a rolled-back change.
let ctx: TestContext;
let admin: pg.Client;
beforeAll(async () => {
  ctx = await createTestContext();
  admin = new pg.Client({ connectionString: ctx.platform.adminUrl });
  await admin.connect();
});
afterAll(async () => {
  await admin?.end();
  await ctx?.close();
});

const versionOf = async (orgId: string) => (await admin.query('select version from settings_versions where org_id = $1', [orgId])).rows[0]?.version as string | undefined;
const hot = <T>(org: TestOrg, fn: Parameters<TestContext['platform']['db']['tenant']>[1]) => ctx.platform.db.tenant(org.orgId, fn as never, { cachedSettings: true }) as Promise<T>;
const shopName = (org: TestOrg) => hot<string>(org, async (tx) => (await shopIn(tx, org.orgId, org.shopId)).name);

let n = 0;
async function newTicket(org: TestOrg): Promise<{ ticketId: string; assigneeId: string | null; webhookSteps: number }> {
  n++;
  const { ticketId } = await ctx.services.helpdesk.ingestInbound({
    orgId: org.orgId,
    shopId: org.shopId,
    channel: 'tiktok_chat',
    externalThreadId: `settings-cache-${n}`,
    externalMessageId: `settings-cache-msg-${n}`,
    buyer: { externalId: `settings-cache-buyer-${n}` },
    direction: 'inbound',
    text: 'Where is my order? It has been two weeks now.',
    sentAt: ctx.clock.now().toISOString(),
  });
  const t = (await admin.query('select assignee_id from tickets where org_id = $1 and id = $2', [org.orgId, ticketId])).rows[0];
  const steps = (await admin.query(`select count(*)::int as n from outbox where org_id = $1 and handler = 'webhooks.deliver' and payload->'event'->'data'->>'ticketId' = $2`, [org.orgId, ticketId])).rows[0];
  return { ticketId, assigneeId: t.assignee_id, webhookSteps: steps.n };
}

describe('settings kept per process under the settings version', () => {
  it('answers a hot transaction from memory until the shop changes; a rolled-back change leaves what was committed', async () => {
    const org = await createTestOrg(ctx);
    const owner = actorFor(org, 'owner');
    const before = await versionOf(org.orgId);
    expect(before).toBeDefined(); // creating the organisation's people and shop moved it already
    const first = await shopName(org);
    const s0 = settingsCacheStats();
    expect(await shopName(org)).toBe(first);
    const s1 = settingsCacheStats();
    expect([s1.reads - s0.reads, s1.hits - s0.hits]).toEqual([1, 1]);

    await ctx.services.tenancy.updateShop(owner, org.shopId, { name: 'Renamed shop' });
    expect(await versionOf(org.orgId)).not.toBe(before);
    expect(await shopName(org)).toBe('Renamed shop');
    const s2 = settingsCacheStats();
    expect(s2.hits - s1.hits).toBe(0); // a new version: read again

    // A change that rolls back burns its version number; the version row is the committed one again.
    const committed = await versionOf(org.orgId);
    await admin.query('begin');
    await admin.query('update shops set name = $3 where org_id = $1 and id = $2', [org.orgId, org.shopId, 'Never committed']);
    await admin.query('rollback');
    expect(await versionOf(org.orgId)).toBe(committed);
    expect(await shopName(org)).toBe('Renamed shop');
    expect(settingsCacheStats().hits - s2.hits).toBe(1);

    // A transaction that did not ask for the version always reads.
    const s3 = settingsCacheStats();
    expect(await ctx.platform.db.tenant(org.orgId, async (tx) => (await shopIn(tx, org.orgId, org.shopId)).name)).toBe('Renamed shop');
    expect(settingsCacheStats()).toEqual(s3);
  });

  it('kept values are frozen: a caller cannot change what the next one gets', async () => {
    const org = await createTestOrg(ctx);
    await shopName(org);
    await expect(hot(org, async (tx) => ((await shopIn(tx, org.orgId, org.shopId)) as { name: string }).name = 'changed in place')).rejects.toThrow(TypeError);
    expect(await shopName(org)).not.toBe('changed in place');
  });

  it('a new message sees a webhook endpoint, an endpoint turned off and a person deactivated from the next message on', async () => {
    const org = await createTestOrg(ctx);
    const first = await newTicket(org);
    expect(first.webhookSteps).toBe(0);
    // An agent took the first ticket: people are routed from the kept list.
    expect([org.users.agent.id, org.users.supervisor.id]).toContain(first.assigneeId);

    await admin.query(`insert into webhook_endpoints (org_id, id, url, events, secret_enc, created_by, created_at, updated_at) values ($1, $2, 'https://hooks.example.com/in', '{ticket.created}', 'x', $3, now(), now())`, [org.orgId, `whe_sc_${org.orgId}`, org.users.owner.id]);
    expect((await newTicket(org)).webhookSteps).toBe(1);
    expect((await newTicket(org)).webhookSteps).toBe(1);

    // Each delivery rewrites the failure counter: that must not move the version (nor the kept list).
    const v = await versionOf(org.orgId);
    await admin.query('update webhook_endpoints set consecutive_failures = consecutive_failures + 1 where org_id = $1', [org.orgId]);
    expect(await versionOf(org.orgId)).toBe(v);
    await admin.query('update webhook_endpoints set active = false where org_id = $1', [org.orgId]);
    expect(await versionOf(org.orgId)).not.toBe(v);
    expect((await newTicket(org)).webhookSteps).toBe(0);

    // Nobody left who can take tickets: the next ticket stays unassigned.
    await admin.query(`update users set active = false where org_id = $1 and role in ('agent', 'supervisor')`, [org.orgId]);
    expect((await newTicket(org)).assigneeId).toBeNull();
  });

  it('a new message applies an automation rule from the next message on', async () => {
    const org = await createTestOrg(ctx);
    const owner = actorFor(org, 'owner');
    const tagsOf = async (ticketId: string) => (await admin.query('select tags from tickets where org_id = $1 and id = $2', [org.orgId, ticketId])).rows[0].tags as string[];
    expect(await tagsOf((await newTicket(org)).ticketId)).toEqual([]);
    await ctx.services.helpdesk.createRule(owner, { name: 'Chat tag', active: true, trigger: 'created', conditions: { channels: ['tiktok_chat'] }, actions: { addTags: ['chat'] } });
    expect(await tagsOf((await newTicket(org)).ticketId)).toEqual(['chat']);
  });
});

describe('a lock taken as the transaction opens', () => {
  it('makes a second transaction on the key wait, and its first read sees what the first one committed', async () => {
    const org = await createTestOrg(ctx);
    const key = `open-lock|${org.orgId}`;
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let inside!: () => void;
    const entered = new Promise<void>((r) => (inside = r));
    const first = ctx.platform.db.tenant(
      org.orgId,
      async (tx) => {
        await tx.execute(sql`insert into automation_settings (org_id, out_of_hours_ack, updated_at) values (${org.orgId}, true, now())`);
        inside();
        await held;
      },
      { lock: key },
    );
    await entered;
    const second = ctx.platform.db.tenant(org.orgId, async (tx) => (await tx.execute(sql`select out_of_hours_ack from automation_settings where org_id = ${org.orgId}`)).rows, { lock: key, cachedSettings: true });
    // The second waits on the advisory lock (seen from outside) until the first commits.
    const waitingLocks = async () => (await admin.query(`select count(*)::int as n from pg_locks where locktype = 'advisory' and not granted and database = (select oid from pg_database where datname = current_database())`)).rows[0].n as number;
    for (let i = 0; i < 200 && (await waitingLocks()) === 0; i++) await new Promise((r) => setTimeout(r, 25));
    expect(await waitingLocks()).toBe(1);
    release();
    await first;
    expect(await second).toEqual([{ out_of_hours_ack: true }]);
  });
});
