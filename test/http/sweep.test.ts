/**
 * Another organisation's ids answer exactly like ids that exist nowhere, on every id-taking route
 * of the OpenAPI document (path, query string and JSON body), for the attacker's owner, agent and
 * warehouse user; and no answer carries the victim's data. See test/helpers/sweep.ts.
 */
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TikTokSandbox } from '../../src/integrations/tiktok/sandbox/server.js';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { actorFor, addBrand, brandScopedUser, createTestOrg, type TestOrg } from '../helpers/org.js';
import { ID_KINDS, listLeaks, missingLike, pathSlots, seedPurchase, seedWorld, specRoutes, sweep, type IdKind, type SweepAttacker, type SweepReport, type SweepVictim } from '../helpers/sweep.js';
import { uniqueShops } from '../tiktok/helpers.js';

/**
 * Routes with a path parameter that the sweep leaves alone, and why. The OAuth callback carries
 * its organisation in a signed `state` query value, not an id parameter; webhooks prove themselves
 * by signature.
 */
const EXEMPT: Record<string, string> = {
  'GET /webhooks/whatsapp/:numberId': 'Meta calls it without a session; only the number’s verify token answers (test/channels/whatsapp.test.ts)',
  'POST /webhooks/whatsapp/:numberId': 'Meta calls it without a session; a body must carry the number’s app-secret signature (test/channels/whatsapp.test.ts)',
};

/** Bodies the schema sampler cannot make valid on its own (patterns, business rules). */
const EXAMPLES: Record<string, { body?: unknown; query?: Record<string, string> }> = {
  'POST /api/returns': { body: { orderId: '$order', orderLineIds: ['$orderLine'] } },
  'POST /api/returns/eligibility': { body: { orderId: '$order', orderLineIds: ['$orderLine'] } },
  'POST /api/remedies': { body: { orderId: '$order', category: 'minor_flaw', optionKey: 't1:information+coupon' } },
  'POST /api/remedies/quote': { body: { orderId: '$order' } },
  'POST /api/tickets/bulk': { body: { ticketIds: ['$ticket'], action: { kind: 'assign', assigneeId: '$user' } } },
  'POST /api/tickets/:id/merge': { body: { sourceTicketIds: ['$ticket'] } },
  'POST /api/tickets/:id/reply': { body: { text: 'Thanks for waiting', attachments: [{ fileName: 'photo.jpg', contentType: 'image/jpeg', sha256: '$evidenceFile', size: 100 }] } },
  'POST /api/tickets/:id/notes': { body: { text: 'Checked the parcel', attachments: [{ fileName: 'photo.jpg', contentType: 'image/jpeg', sha256: '$evidenceFile', size: 100 }] } },
  'POST /api/tickets/:id/assign': { body: { queue: 'general' } },
  'POST /api/helpdesk/inbound/email': { body: { shopId: '$shop', from: 'buyer@example.com', subject: 'Where is it', text: 'Where is my parcel?' } },
  'POST /api/helpdesk/inbound/whatsapp': { body: { shopId: '$shop', from: '+4915100000000', text: 'Where is my parcel?' } },
  'PATCH /api/sla/policies/:id': { body: { name: 'Renamed' } },
  'PUT /api/shops/:shopId/item-economics': { body: { key: 'category:Headphones', itemCost: 100, resalePercent: 50 } },
  'PUT /api/shops/:shopId/exchange-stock': { body: { sku: 'SKU-1', productId: 'prod-1', label: 'Blue', available: 3 } },
  'PATCH /api/macros/:id': { body: { name: 'Renamed' } },
  'PATCH /api/shops/:id': { body: { name: 'Renamed' } },
  'PATCH /api/users/:id': { body: { name: 'Renamed' } },
  'PUT /api/helpdesk/agents/:id/schedule': { body: { timeZone: 'Europe/Berlin', hours: { mon: [{ start: '09:00', end: '17:00' }], tue: [], wed: [], thu: [], fri: [], sat: [], sun: [] } } },
  'POST /api/returns/:id/inspect': { body: { grade: 'as_new', note: 'fine', photos: ['$evidenceFile'] } },
  'POST /api/returns/:id/decide': { body: { decision: 'reject', note: 'no' } },
  'POST /api/remedies/:id/reject': { body: { note: 'no' } },
  'POST /api/remedies/:id/abandon': { body: { note: 'no' } },
  'GET /api/sla/attainment': { query: { from: '2026-01-01T00:00:00+00:00', to: '2026-02-01T00:00:00+00:00' } },
  'POST /api/sla/policies': { body: { name: 'Fast lane', firstReplyMinutes: 30 } },
  'POST /api/feedback-tasks': { body: { shopId: '$shop', kind: 'listing', title: 'Check the claim', assigneeId: '$user' } },
  'POST /api/analytics/ads-reports': { body: { shopId: '$shop', csv: 'Order ID,Campaign ID\n5770001,c-1\n' } },
  'GET /api/sla/shops/:id/due': { query: { start: '2026-01-05T09:00:00Z', minutes: '60' } },
  'POST /api/shops': { body: { brandId: '$brand', name: 'Second shop', market: 'FR' } },
  'PUT /api/shops/:shopId/tiktok-ads': { body: { advertiserId: '7000000000099', accessToken: 'act.sweep-ads-token' } },
  'PUT /api/shops/:shopId/whatsapp': { body: { phoneNumberId: String(100000 + Math.floor(Math.random() * 1e9)), displayNumber: '+49 89 555 0100', accessToken: 'EAAG-sweep-token', appSecret: 'sweep-app-secret', verifyToken: 'sweep-verify-token' } },
  'POST /api/users': { body: { email: 'swept.person@test.afterdesk.dev', name: 'Swept Person', password: 'correct horse battery', role: 'agent', brandIds: ['$brand'] } },
  'POST /api/invitations': { body: { email: 'swept.invitee@test.afterdesk.dev', role: 'agent', brandIds: ['$brand'] } },
  'POST /api/automations/rules': { body: { name: 'Swept rule', conditions: { shopIds: ['$shop'] }, actions: { priority: 'high' } } },
  'PATCH /api/automations/rules/:id': { body: { conditions: { shopIds: ['$shop'] } } },
  'POST /api/tickets/:id/translate': { body: { target: 'en', messageIds: ['$ticketMessage'] } },
  'POST /api/saved-views': { body: { name: 'Swept view', filter: { view: 'open', shopId: '$shop' } } },
  'POST /api/coupons/programmes': { body: { shopId: '$shop', name: 'Sweep', kind: 'return_visit', schedule: { afterDeliveryDays: 3 }, holdoutPercent: 10, budget: 1000, variants: [{ key: 'a', platformCouponId: '$platformCoupon' }] } },
  'POST /api/coupons/issue': { body: { shopId: '$shop', buyerId: '$buyer', platformCouponId: '$platformCoupon' } },
  'PATCH /api/coupons/programmes/:id': { body: { name: 'Renamed' } },
  'POST /api/notices': { body: { shopId: '$shop', productId: 'p-none', trigger: 'delivery', delayHours: 24, texts: { en: 'Air the strap for a day' } } },
  'PATCH /api/notices/:id': { body: { delayHours: 48 } },
  'POST /api/macros': { body: { key: 'swept_macro', name: 'Swept', bodies: { en: 'Hello' }, ownerUserId: '$user' } },
  'POST /api/incidents': { body: { shopId: '$shop', title: 'Swept incident', pattern: { productIds: ['prod-1'] } } },
  'PATCH /api/incidents/:id': { body: { compensation: { kind: 'coupon', platformCouponId: '$platformCoupon' }, excludedBuyerIds: ['$buyer'] } },
  'POST /api/incidents/:id/apply': { body: { ticketId: '$ticket' } },
  'POST /api/portal/batches': { body: { shopId: '$shop', orderIds: ['$order'], size: 'a6', language: 'de', holdoutPercent: 0 } },
};

/** Routes that consume the order they are given: each call gets a purchase nobody has acted on. */
const CONSUMING = new Set(['POST /api/returns', 'POST /api/returns/from-platform/:id']);

/** Each inspection call gets a return of its own whose parcel has arrived. */
async function receivedReturn(org: TestOrg) {
  const p = await seedPurchase(ctx, org, 'fresh');
  const owner = actorFor(org, 'owner');
  const r = await ctx.services.returns.create(owner, { orderId: p.order, orderLineIds: [p.orderLine], channel: 'agent' });
  await ctx.services.returns.receive(owner, r.id, {});
  return { ...p, return: r.id };
}

/** Ids inside a `oneOf` variant or an array element: the example body above picks the variant and element. */
const attachment = { where: 'body' as const, name: 'attachments[].sha256', path: ['attachments', '0', 'sha256'], kind: 'evidenceFile' as const };
const SLOTS = {
  'POST /api/tickets/bulk': [{ where: 'body' as const, name: 'action.assigneeId', path: ['action', 'assigneeId'], kind: 'user' as const }],
  'POST /api/tickets/:id/reply': [attachment],
  'POST /api/tickets/:id/notes': [attachment],
  // Inspection photos given as a stored file's sha256 are cited as evidence.
  'POST /api/returns/:id/inspect': [{ where: 'body' as const, name: 'photos[]', path: ['photos', '0'], kind: 'evidenceFile' as const }],
  'POST /api/coupons/programmes': [{ where: 'body' as const, name: 'variants[].platformCouponId', path: ['variants', '0', 'platformCouponId'], kind: 'platformCoupon' as const }],
  'PATCH /api/incidents/:id': [{ where: 'body' as const, name: 'compensation.platformCouponId', path: ['compensation', 'platformCouponId'], kind: 'platformCoupon' as const }],
};

let ctx: TestContext;
let sandbox: TikTokSandbox;
let victim: SweepVictim;
let attacker: SweepAttacker;
let attackerOrg: TestOrg;
let report: SweepReport;
beforeAll(async () => {
  ctx = await createTestContext();
  // Both shops connected to TikTok (the sandbox), so the sync and authorise routes meet a real connection.
  const shops = uniqueShops();
  sandbox = new TikTokSandbox({ seed: 11, ordersPerShop: 2, shops });
  const url = await sandbox.start();
  ctx.services.tiktok.client.retarget({ apiBase: url, authBase: url });
  const v = await createTestOrg(ctx, { market: 'DE' });
  const a = await createTestOrg(ctx, { market: 'FR' });
  for (const [org, region] of [[v, 'DE'], [a, 'FR']] as const) {
    const r = await ctx.services.tiktok.connections.completeAuthorisation(org.orgId, sandbox.issueAuthCode([shops.find((s) => s.region === region)!.id]));
    if (r.connected[0]?.shopId !== org.shopId) throw new Error(`the sandbox ${region} shop was not bound: ${JSON.stringify(r)}`);
  }
  victim = await seedWorld(ctx, v, `VICTIM${crypto.randomBytes(4).toString('hex')}`);
  const own = await seedWorld(ctx, a, `ATTACKER${crypto.randomBytes(4).toString('hex')}`);
  attacker = { cookie: (role) => a.cookie(role), ids: own.ids };
  attackerOrg = a;
  // The attacker's people are an agency's: each login also belongs to a third organisation, and
  // still sees nothing of the victim's (they are not members there).
  const third = await createTestOrg(ctx, { market: 'GB' });
  for (const role of ['owner', 'agent', 'warehouse'] as const) await ctx.services.auth.addMembership(third.orgId, a.users[role].email, { role });
}, 60_000);
afterAll(async () => {
  await ctx?.close();
  await sandbox?.stop();
});

/** Slots where the attacker's own object answers like a missing one, and why that proves nothing is wrong. */
const UNREACHED: Record<string, string> = {
  'GET /api/remedies query returnId': "a filter: the attacker's own return has no remedies either",
  'GET /api/returns query orderId': "a filter: the attacker's fresh order has no return",
  'GET /api/returns/cycle-stats query shopId': 'a filter: no return has closed in the window',
  'GET /api/sla/attainment query shopId': 'a filter: no SLA clock has run',
  'GET /api/audit query actorId': "a filter: the attacker's agent has not signed in when the audit route is swept, so it has no events",
  'GET /api/coupons/sendable query buyerId': "the sampled query's other id (shopId) is not the attacker's shop, so the shop check answers first; the shopId slot itself is swept, and sendableFor answers 404 for a buyer outside the organisation",
};

describe('the id sweep across organisations', () => {
  it("another organisation's ids answer exactly like missing ones, and nothing of theirs comes back", async () => {
    report = await sweep(ctx, { victim, attacker, examples: EXAMPLES, slots: SLOTS, roles: ['owner', 'agent', 'warehouse'], fresh: (key) => (CONSUMING.has(key) ? seedPurchase(ctx, attackerOrg, 'fresh') : key === 'POST /api/returns/:id/inspect' ? receivedReturn(attackerOrg) : undefined) });
    expect(report.cases.length).toBeGreaterThan(150);
    expect(report.findings).toEqual([]);
    // Every other slot was reached: the attacker's own object answered differently from a missing one.
    expect(report.unreached.filter((u) => !UNREACHED[u.slot])).toEqual([]);
  }, 300_000);

  it("no list of the attacker's (an agency login's) carries anything of the victim's", async () => {
    for (const role of ['owner', 'agent', 'warehouse'] as const) {
      const r = await listLeaks(ctx, { victim, cookie: await attacker.cookie(role), examples: EXAMPLES });
      expect(r.called.length).toBeGreaterThan(20);
      expect(r.findings).toEqual([]);
    }
  }, 60_000);

  it('every route with a path parameter is swept, or exempt with a reason', () => {
    const withParams = specRoutes(ctx)
      .filter((r) => pathSlots(r.path).length > 0)
      .map((r) => r.key);
    expect(withParams.length).toBeGreaterThan(40);
    const notSwept = withParams.filter((k) => !report.swept.has(k) && !EXEMPT[k]);
    expect(notSwept).toEqual([]);
  });

  it("the sweep tells: the attacker's own objects in the victim's place answer differently from missing ones", async () => {
    const own = { ids: attacker.ids, secrets: [] };
    const r = await sweep(ctx, { victim: own, attacker, roles: ['owner'], examples: EXAMPLES, routes: (k) => k === 'GET /api/tickets/:id' || k === 'GET /api/platform-returns' || k === 'POST /api/returns/eligibility' });
    const heads = (pred: (f: string) => boolean) => [...new Set(r.findings.filter(pred).map((f) => f.slice(0, f.indexOf(':', f.indexOf(',')))))].sort();
    // Their answers differ from a missing id's…
    expect(heads((f) => !f.includes('carries'))).toEqual([
      'GET /api/platform-returns as owner, query buyerId',
      'GET /api/platform-returns as owner, query orderId',
      'GET /api/platform-returns as owner, query shopId',
      'GET /api/tickets/:id as owner, path id',
      'POST /api/returns/eligibility as owner, body orderId',
      'POST /api/returns/eligibility as owner, body orderLineIds',
    ]);
    // …and carry the data of the objects next to them.
    expect(heads((f) => f.includes('carries'))).toEqual(['GET /api/platform-returns as owner, query buyerId', 'GET /api/platform-returns as owner, query orderId', 'GET /api/platform-returns as owner, query shopId', 'GET /api/tickets/:id as owner, path id']);
  });
});

/** What a brand limit hides: everything that belongs to a shop. People, macros, stored files and the organisation itself are organisation-wide. */
const BRAND_KINDS: IdKind[] = ['brand', 'shop', 'order', 'orderLine', 'buyer', 'platformReturn', 'ticket', 'return', 'remedy', 'slaPolicy', 'evidenceCase', 'outbox', 'notice'];

/** Slots where the scoped attacker's own object answers like a missing one, and why. */
const BRAND_UNREACHED: Record<string, string> = {
  ...UNREACHED,
  'GET /api/tickets query shopId': "a filter on the default view (mine): nothing is assigned to the scoped attacker in their own shop either",
  'POST /api/tiktok/shops/:id/sync path id': 'no shop of this organisation is connected to TikTok; the sweep across organisations covers it with connected shops',
  'GET /api/coupons/programmes query shopId': 'coupon programmes need a shop connected to TikTok (its platform coupons); none is here, so neither brand has one — the sweep across organisations covers it',
  'POST /api/coupons/issue body buyerId': 'issuing needs a platform coupon of a connected shop; none is here — the sweep across organisations covers it',
};

/** Lists that show organisation-wide objects by design (the victim's marker is in their names). */
const ORG_WIDE_LISTS: Record<string, string> = {
  'GET /api/macros': 'macros are organisation-wide configuration',
  'GET /api/automations/rules': 'automation rules are organisation-wide configuration (a rule may name any shop in its conditions)',
};

describe('the id sweep across brands of one organisation', () => {
  let scoped: { victim: SweepVictim; attacker: SweepAttacker; org: TestOrg };
  beforeAll(async () => {
    const org = await createTestOrg(ctx, { market: 'DE' });
    const b = await addBrand(ctx, org, { market: 'FR' });
    const own = await seedWorld(ctx, org, `BRANDA${crypto.randomBytes(4).toString('hex')}`);
    const marker = `BRANDB${crypto.randomBytes(4).toString('hex')}`;
    const world = await seedWorld(ctx, { ...org, brandId: b.brandId, shopId: b.shopId }, marker);
    // Organisation-wide kinds are not the victim's: in their place, ids that exist nowhere.
    const ids = Object.fromEntries(ID_KINDS.map((k) => [k, BRAND_KINDS.includes(k) ? world.ids[k] : missingLike(world.ids[k])])) as SweepVictim['ids'];
    const cookies = new Map<string, string>();
    scoped = {
      org,
      victim: { ids, secrets: [marker] },
      attacker: {
        ids: own.ids,
        async cookie(role) {
          if (role === 'owner') throw new Error('owners are never brand-limited');
          if (!cookies.has(role)) cookies.set(role, (await brandScopedUser(ctx, org, role, [org.brandId])).cookie);
          return cookies.get(role)!;
        },
      },
    };
  }, 60_000);

  it("a brand-limited person gets exactly a missing id's answer for another brand's objects, on every id-taking route", async () => {
    const r = await sweep(ctx, {
      victim: scoped.victim,
      attacker: scoped.attacker,
      kinds: BRAND_KINDS,
      examples: EXAMPLES,
      slots: SLOTS,
      roles: ['supervisor', 'agent', 'warehouse'],
      fresh: (key) => (CONSUMING.has(key) ? seedPurchase(ctx, scoped.org, 'fresh') : key === 'POST /api/returns/:id/inspect' ? receivedReturn(scoped.org) : undefined),
    });
    expect(r.cases.length).toBeGreaterThan(150);
    expect(r.findings).toEqual([]);
    // Owner-only routes refuse every brand-limited role before looking at ids (owners are never limited).
    const ownerOnly = (u: { answer: { status: number } }) => u.answer.status === 403;
    expect(r.unreached.filter((u) => !BRAND_UNREACHED[u.slot] && !ownerOnly(u)).map((u) => u.slot)).toEqual([]);
  }, 180_000);

  it("no list shows a brand-limited person another brand's objects", async () => {
    for (const role of ['supervisor', 'agent', 'warehouse'] as const) {
      const r = await listLeaks(ctx, { victim: scoped.victim, cookie: await scoped.attacker.cookie(role), examples: EXAMPLES, skip: ORG_WIDE_LISTS });
      expect(r.called.length).toBeGreaterThan(20);
      expect(r.findings).toEqual([]);
    }
  }, 60_000);
});
