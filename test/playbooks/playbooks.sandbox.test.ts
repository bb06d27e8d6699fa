import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerModuleWorkers } from '../../src/app/modules.js';
import { ManualClock } from '../../src/platform/clock.js';
import { outbox } from '../../src/platform/outbox/outbox.schema.js';
import { noticeSends } from '../../src/modules/playbooks/playbooks.schema.js';
import { macroVersions } from '../../src/modules/helpdesk/helpdesk.schema.js';
import type { SbBuyer } from '../../src/integrations/tiktok/sandbox/world.js';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { actorFor } from '../helpers/org.js';
import { seedTicket } from '../helpers/returns.js';
import { assignArm } from '../../src/modules/experiments/index.js';
import { connectedWorld, type TikTokTestWorld } from '../tiktok/helpers.js';

/**
 * Playbooks end to end: proactive notices against the local TikTok Shop (one chat text per
 * delivered order, in the buyer's language, never twice — not after a crash, not on a re-run), the
 * hold-out report; macro versions and a procedure walked on a ticket of its category over HTTP.
 */
let ctx: TestContext;
let world: TikTokTestWorld;
const clock = new ManualClock('2026-03-10T08:00:00Z'); // 09:00 in Berlin: outside the quiet hours

beforeAll(async () => {
  ctx = await createTestContext({ clock });
  await registerModuleWorkers(ctx.platform, ctx.services);
  ctx.services.tiktok.client.setClock(clock);
  world = await connectedWorld(ctx, { nowMs: () => clock.now().getTime() });
  await ctx.services.tiktok.sync.syncShop(world.org.orgId, world.shopId);
});
afterAll(async () => {
  await world?.close();
  await ctx?.close();
});

const textsTo = (buyer: SbBuyer) =>
  [...world.sandbox.world.conversations.values()].filter((c) => c.buyer.userId === buyer.userId).flatMap((c) => c.messages.filter((m) => m.type === 'TEXT' && m.senderRole === 'SHOP').map((m) => JSON.parse(m.content).content as string));

async function productOf(sandboxOrderId: string): Promise<string> {
  const r = await ctx.platform.db.system((tx) => tx.execute(sql`select l.product_id from order_lines l join orders o on o.org_id = l.org_id and o.id = l.order_id where o.org_id = ${world.org.orgId} and o.external_id = ${sandboxOrderId} order by l.id limit 1`));
  return String((r.rows[0] as { product_id: string }).product_id);
}

async function orderIdOf(sandboxOrderId: string): Promise<string> {
  const r = await ctx.platform.db.system((tx) => tx.execute(sql`select id from orders where org_id = ${world.org.orgId} and external_id = ${sandboxOrderId}`));
  return String((r.rows[0] as { id: string }).id);
}

describe('proactive notices against the sandbox', () => {
  it('sends once per delivered order, in the buyer language, a day after delivery; a crash and a re-run send nothing twice', async () => {
    const { orgId } = world.org;
    const owner = actorFor(world.org, 'owner');
    const sb = world.sandbox.world;
    const svc = ctx.services.playbooks;

    // An order from before the notice exists: it must never be messaged.
    const before = sb.createOrder(world.tiktokShopId, { silent: true });
    sb.ship(before.id, { silent: true });
    sb.setOrderStatus(before.id, 'DELIVERED', { silent: true });
    await ctx.services.tiktok.sync.syncShop(orgId, world.shopId);
    const productId = await productOf(before.id);
    const options = await svc.productOptions(owner, world.shopId);
    expect(options.some((p) => p.productId === productId)).toBe(true);

    clock.advance(60_000);
    const notice = await svc.createNotice(owner, {
      shopId: world.shopId,
      productId,
      trigger: 'delivery',
      delayHours: 24,
      holdoutPercent: 0,
      texts: { en: 'Tip: the leather smells a little at first; air it for a few days.', de: 'Tipp: Das Leder riecht anfangs etwas – einfach ein paar Tage lüften.' },
    });
    // A product this shop never sold is refused, naming the field.
    await expect(svc.createNotice(owner, { shopId: world.shopId, productId: 'no-such-product', trigger: 'delivery', delayHours: 1, holdoutPercent: 0, texts: { en: 'x' } })).rejects.toMatchObject({ status: 400, details: { issues: [{ field: 'productId' }] } });

    // Two new orders of the product, delivered now.
    const a = sb.createOrder(world.tiktokShopId, { silent: true, productKey: before.lines[0]!.productKey });
    const b = sb.createOrder(world.tiktokShopId, { silent: true, productKey: before.lines[0]!.productKey });
    for (const o of [a, b]) {
      sb.ship(o.id, { silent: true });
      sb.setOrderStatus(o.id, 'DELIVERED', { silent: true });
    }
    await ctx.services.tiktok.sync.syncShop(orgId, world.shopId);
    expect(await productOf(a.id)).toBe(productId);

    // Right after delivery: found, waiting, nothing sent.
    const first = await svc.runDue(orgId);
    expect(first).toMatchObject({ found: 2, planned: 0 });
    await ctx.platform.dispatcher.drain(20, orgId);
    expect(textsTo(a.buyer).filter((x) => x.startsWith('Tipp'))).toEqual([]);

    // 23 hours later: still not due.
    clock.advance(23 * 3_600_000);
    expect(await svc.runDue(orgId)).toMatchObject({ found: 0, planned: 0 });

    // 24 hours: planned for both; the first send "crashes" after the platform took the text.
    clock.advance(3_600_000);
    const due = await svc.runDue(orgId);
    expect(due).toMatchObject({ found: 0, planned: 2, heldOut: 0, refused: 0 });
    const markSent = svc.markSent;
    let crashes = 0;
    svc.markSent = async (...args) => {
      if (crashes++ === 0) throw new Error('worker died after the send');
      return markSent(...args);
    };
    for (let i = 0; i < 12; i++) {
      await ctx.platform.dispatcher.drain(20, orgId);
      clock.advance(30_000);
    }
    svc.markSent = markSent;
    expect(crashes).toBeGreaterThanOrEqual(3);

    const german = 'Tipp: Das Leder riecht anfangs etwas – einfach ein paar Tage lüften.';
    // Per buyer (the sandbox may sell twice to one buyer): one text per delivered order since the notice, none for the earlier order.
    const perBuyer = new Map<string, { buyer: SbBuyer; n: number }>();
    for (const [o, n] of [[before, 0], [a, 1], [b, 1]] as const) perBuyer.set(o.buyer.userId, { buyer: o.buyer, n: (perBuyer.get(o.buyer.userId)?.n ?? 0) + n });
    for (const { buyer, n } of perBuyer.values()) expect(textsTo(buyer)).toEqual(Array(n).fill(german));
    const rows = await ctx.platform.db.system((tx) => tx.select().from(noticeSends).where(and(eq(noticeSends.orgId, orgId), eq(noticeSends.noticeId, notice.id))));
    expect(rows.map((r) => [r.status, r.language, r.arm]).sort()).toEqual([
      ['sent', 'de', 'treatment'],
      ['sent', 'de', 'treatment'],
    ]);
    const steps = await ctx.platform.db.system((tx) => tx.select().from(outbox).where(and(eq(outbox.orgId, orgId), eq(outbox.handler, 'tiktok.send_notice'))));
    expect(steps).toHaveLength(2);
    expect(steps.map((s) => s.status)).toEqual(['done', 'done']);
    expect(steps.some((s) => (s.result as { deduplicated?: boolean }).deduplicated === true)).toBe(true);

    // A re-run, the next day too, plans nothing and sends nothing.
    expect(await svc.runDue(orgId)).toMatchObject({ found: 0, planned: 0 });
    clock.advance(86_400_000);
    expect(await svc.runDue(orgId)).toMatchObject({ found: 0, planned: 0 });
    await ctx.platform.dispatcher.drain(20, orgId);
    for (const { buyer, n } of perBuyer.values()) expect(textsTo(buyer)).toHaveLength(n);

    // The contact was recorded under the contact policy's "service" purpose.
    const contacts = await ctx.platform.db.system((tx) => tx.execute(sql`select purpose, source from outreach_contacts where org_id = ${orgId} and source = ${`notices:${notice.id}`}`));
    expect(contacts.rows).toEqual([
      { purpose: 'service', source: `notices:${notice.id}` },
      { purpose: 'service', source: `notices:${notice.id}` },
    ]);

    // The report: both in treatment, no hold-out → inconclusive, said plainly.
    const report = await svc.report(owner, notice.id);
    expect(report).toMatchObject({ sent: 2, planned: 0, refused: 0, waiting: 0, treatment: { orders: 2, complaints: 0, returns: 0, complaintRate: 0 }, holdout: { orders: 0, complaintRate: null }, complaintLift: { diff: null, verdict: 'inconclusive' } });
  });

  it('a hold-out share gets no message and is counted in the report with complaints per arm', async () => {
    const { orgId } = world.org;
    const owner = actorFor(world.org, 'owner');
    const sb = world.sandbox.world;
    const svc = ctx.services.playbooks;
    const seed = sb.createOrder(world.tiktokShopId, { silent: true });
    await ctx.services.tiktok.sync.syncShop(orgId, world.shopId);
    const productId = await productOf(seed.id);
    clock.advance(60_000);
    const notice = await svc.createNotice(owner, { shopId: world.shopId, productId, trigger: 'purchase', delayHours: 0, holdoutPercent: 50, texts: { en: 'Thanks for your order: assembly video inside the box.' } });
    // Twelve orders, more while either arm has fewer than two (the arm is a hash of notice and order, so
    // the split is known before the run and the test does not depend on chance).
    const sell = () => sb.createOrder(world.tiktokShopId, { silent: true, productKey: seed.lines[0]!.productKey });
    const orders = Array.from({ length: 12 }, sell);
    await ctx.services.tiktok.sync.syncShop(orgId, world.shopId);
    const arms = { treatment: 0, holdout: 0 };
    for (const o of orders) arms[assignArm(notice.id, await orderIdOf(o.id), 50)] += 1;
    while (arms.treatment < 2 || arms.holdout < 2) {
      const o = sell();
      orders.push(o);
      await ctx.services.tiktok.sync.syncShop(orgId, world.shopId);
      arms[assignArm(notice.id, await orderIdOf(o.id), 50)] += 1;
    }
    // The sandbox's payment comes 30 s after the order.
    clock.advance(60_000);
    const r = await svc.runDue(orgId);
    expect(r.found).toBe(orders.length);
    expect({ planned: r.planned, heldOut: r.heldOut }).toEqual({ planned: arms.treatment, heldOut: arms.holdout });
    for (let i = 0; i < 6; i++) {
      await ctx.platform.dispatcher.drain(20, orgId);
      clock.advance(30_000);
    }
    const rows = await ctx.platform.db.system((tx) => tx.select().from(noticeSends).where(and(eq(noticeSends.orgId, orgId), eq(noticeSends.noticeId, notice.id))));
    const held = rows.filter((x) => x.arm === 'holdout');
    expect(held.every((x) => x.status === 'held_out' && x.outboxId === null)).toBe(true);
    // Held-out orders got nothing, treated ones exactly one text each (English: a DE buyer without a
    // German text falls back). The sandbox may sell twice to one buyer, so count per buyer.
    const byOrder = new Map(await Promise.all(orders.map(async (o) => [await orderIdOf(o.id), o] as const)));
    const expected = new Map<string, { buyer: SbBuyer; n: number }>();
    for (const x of rows) {
      const o = byOrder.get(x.orderId)!;
      const e = expected.get(o.buyer.userId) ?? { buyer: o.buyer, n: 0 };
      e.n += x.arm === 'holdout' ? 0 : 1;
      expected.set(o.buyer.userId, e);
    }
    for (const { buyer, n } of expected.values()) expect(textsTo(buyer).filter((t) => t.startsWith('Thanks for your order'))).toHaveLength(n);
    // One complaint in the hold-out arm: a ticket about that order after the purchase.
    clock.advance(3_600_000);
    await seedTicket(ctx, world.org, held[0]!.orderId, 'Wie baue ich das zusammen?');
    const report = await svc.report(owner, notice.id);
    expect(report.treatment.orders).toBe(r.planned);
    expect(report.holdout).toMatchObject({ orders: r.heldOut, complaints: 1, returns: 0 });
    expect(report.holdout.complaintRate).toBeCloseTo(1 / r.heldOut, 10);
    expect(report.complaintLift.verdict).toBe('inconclusive');
    // Two or more orders in each arm (made so above): the difference has an estimate.
    expect(report.complaintLift.diff!.estimate).toBeCloseTo(-1 / r.heldOut, 10);

    // The platform refuses a send for good: the send row says "failed", and a re-run does not retry it.
    const last = sb.createOrder(world.tiktokShopId, { silent: true, productKey: seed.lines[0]!.productKey });
    await ctx.services.tiktok.sync.syncShop(orgId, world.shopId);
    await svc.updateNotice(owner, notice.id, { holdoutPercent: 0 });
    clock.advance(60_000);
    const thanks = () => textsTo(last.buyer).filter((t) => t.startsWith('Thanks for your order')).length;
    const before = thanks();
    world.sandbox.inject(/\/customer_service\/202309\/conversations\/[^/]+\/messages$/, { kind: 'error', http: 200, code: 36009004, message: 'buyer cannot receive messages' }, 1, 'POST');
    expect(await svc.runDue(orgId)).toMatchObject({ found: 1, planned: 1 });
    await ctx.platform.dispatcher.drain(20, orgId);
    const lastOrderId = await orderIdOf(last.id);
    const [failed] = await ctx.platform.db.system((tx) => tx.select().from(noticeSends).where(and(eq(noticeSends.orgId, orgId), eq(noticeSends.noticeId, notice.id), eq(noticeSends.orderId, lastOrderId))));
    expect(failed).toMatchObject({ status: 'failed', arm: 'treatment' });
    expect(await svc.runDue(orgId)).toMatchObject({ found: 0, planned: 0 });
    expect(thanks()).toBe(before);
    expect((await svc.report(owner, notice.id)).failed).toBe(1);
  });
});

describe('macros and procedures over HTTP', () => {
  it('a macro keeps its versions (who, when), restores an earlier one, flags unknown variables, and is deactivated', async () => {
    const org = world.org;
    const sup = await org.cookie('supervisor');
    const created = await ctx.app.inject({ method: 'POST', url: '/api/macros', headers: { cookie: sup }, payload: { key: 'leather_smell', name: 'Leather smell', category: 'minor_flaw', bodies: { en: 'Hi {{buyer_name}}, air it for {{days}} days.', de: 'Hallo {{buyer_name}}, bitte lüften.' }, shopId: org.shopId } });
    expect(created.statusCode).toBe(201);
    const m = created.json();
    expect(m).toMatchObject({ version: 1, shopId: org.shopId, ownerUserId: org.users.supervisor.id, unknownVariables: { en: ['days'] } });
    clock.advance(60_000);
    const upd = await ctx.app.inject({ method: 'PATCH', url: `/api/macros/${m.id}`, headers: { cookie: sup }, payload: { bodies: { en: 'Hi {{buyer_name}}, air it for a few days.' }, shopId: null } });
    expect(upd.json()).toMatchObject({ version: 2, shopId: null, unknownVariables: {} });
    const versions = (await ctx.app.inject({ method: 'GET', url: `/api/macros/${m.id}/versions`, headers: { cookie: sup } })).json().items;
    expect(versions.map((v: { version: number; authorUserId: string }) => [v.version, v.authorUserId])).toEqual([
      [2, org.users.supervisor.id],
      [1, org.users.supervisor.id],
    ]);
    expect(versions[1].bodies.de).toBe('Hallo {{buyer_name}}, bitte lüften.');
    const restored = await ctx.app.inject({ method: 'POST', url: `/api/macros/${m.id}/restore`, headers: { cookie: sup }, payload: { version: 1 } });
    expect(restored.json()).toMatchObject({ version: 3, shopId: org.shopId, bodies: { de: 'Hallo {{buyer_name}}, bitte lüften.' } });
    expect((await ctx.app.inject({ method: 'POST', url: `/api/macros/${m.id}/restore`, headers: { cookie: sup }, payload: { version: 9 } })).json()).toMatchObject({ code: 'macros.unknown_version', details: { issues: [{ field: 'version' }] } });
    const off = await ctx.app.inject({ method: 'PATCH', url: `/api/macros/${m.id}`, headers: { cookie: sup }, payload: { active: false } });
    expect(off.json()).toMatchObject({ active: false, version: 4 });
    const rows = await ctx.platform.db.system((tx) => tx.select().from(macroVersions).where(and(eq(macroVersions.orgId, org.orgId), eq(macroVersions.macroId, m.id))));
    expect(rows).toHaveLength(4);
    // Agents may not change macros nor read their history.
    const agent = await org.cookie('agent');
    expect((await ctx.app.inject({ method: 'GET', url: `/api/macros/${m.id}/versions`, headers: { cookie: agent } })).statusCode).toBe(403);
    expect((await ctx.app.inject({ method: 'GET', url: '/api/macros/variables', headers: { cookie: agent } })).json().items.map((v: { name: string }) => v.name)).toContain('order_number');
  });

  it('a ticket shows the procedure of its category; the agent walks it step by step and every move is recorded', async () => {
    const org = world.org;
    const sup = await org.cookie('supervisor');
    const agent = await org.cookie('agent');
    const saved = await ctx.app.inject({
      method: 'PUT',
      url: '/api/procedures/minor_flaw',
      headers: { cookie: sup },
      payload: {
        title: { en: 'Small flaw', 'zh-CN': '轻微瑕疵' },
        steps: [
          { title: { en: 'Document' }, checks: [{ en: 'Photo asked' }, { en: 'Photo saved' }] },
          { title: { en: 'Resolve' }, checks: [{ en: 'Care advice given' }] },
        ],
        remedyTier: 1,
        escalateWhen: { en: 'Unusable item' },
        escalateAfterHours: 48,
      },
    });
    expect(saved.statusCode).toBe(200);
    expect(saved.json()).toMatchObject({ category: 'minor_flaw', version: 1, remedyTier: 1 });
    const order = world.sandbox.world.createOrder(world.tiktokShopId, { silent: true });
    await ctx.services.tiktok.sync.syncShop(org.orgId, world.shopId);
    const ticketId = await seedTicket(ctx, org, await orderIdOf(order.id), 'Die Tasche hat einen Kratzer und einen starken Geruch');
    const view = (await ctx.app.inject({ method: 'GET', url: `/api/tickets/${ticketId}/procedure`, headers: { cookie: agent } })).json();
    expect(view).toMatchObject({ category: 'minor_flaw', source: 'text', procedure: { version: 1, title: { 'zh-CN': '轻微瑕疵' } }, run: null, escalateNow: false });

    const move = (payload: Record<string, unknown>) => ctx.app.inject({ method: 'POST', url: `/api/tickets/${ticketId}/procedure`, headers: { cookie: agent }, payload });
    const early = await move({ action: 'next' });
    expect(early.statusCode).toBe(400);
    expect(early.json()).toMatchObject({ code: 'procedures.bad_move', details: { issues: [{ field: 'check' }] } });
    await move({ action: 'check', step: 0, check: 0 });
    await move({ action: 'check', step: 0, check: 1 });
    expect((await move({ action: 'next' })).json().run).toMatchObject({ step: 1, checked: ['0.0', '0.1'] });
    await move({ action: 'check', step: 1, check: 0 });
    const done = (await move({ action: 'complete' })).json();
    expect(done.run.completedAt).not.toBeNull();
    // The refused move changed nothing and is not in the log (its transaction was rolled back).
    expect(done.run.log.map((e: { action: string; by: string }) => e.action)).toEqual(['check', 'check', 'next', 'check', 'complete']);
    expect(new Set(done.run.log.map((e: { by: string }) => e.by))).toEqual(new Set([org.users.agent.id]));

    // A new version of the procedure marks the run as made on an older one; history has both.
    const v2 = await ctx.app.inject({ method: 'PUT', url: '/api/procedures/minor_flaw', headers: { cookie: sup }, payload: { title: { en: 'Small flaw (v2)' }, steps: [{ title: { en: 'Document' }, checks: [] }], remedyTier: 1, escalateWhen: { en: 'Unusable item' }, escalateAfterHours: null } });
    expect(v2.json().version).toBe(2);
    expect((await ctx.app.inject({ method: 'GET', url: `/api/tickets/${ticketId}/procedure`, headers: { cookie: agent } })).json()).toMatchObject({ source: 'run', outdated: true });
    const hist = (await ctx.app.inject({ method: 'GET', url: '/api/procedures/minor_flaw/versions', headers: { cookie: sup } })).json().items;
    expect(hist.map((h: { version: number; stepCount: number }) => [h.version, h.stepCount])).toEqual([
      [2, 1],
      [1, 2],
    ]);
    // Agents read procedures but do not write them.
    expect((await ctx.app.inject({ method: 'PUT', url: '/api/procedures/minor_flaw', headers: { cookie: agent }, payload: { title: { en: 'x' }, steps: [{ title: { en: 'x' } }], remedyTier: null, escalateWhen: { en: 'x' } } })).statusCode).toBe(403);
  });
});
