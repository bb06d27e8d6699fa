import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerModuleWorkers } from '../../src/app/modules.js';
import { ManualClock } from '../../src/platform/clock.js';
import { outbox } from '../../src/platform/outbox/outbox.schema.js';
import { evidenceRecords } from '../../src/modules/evidence/evidence.schema.js';
import { incidentBuyers } from '../../src/modules/incidents/incidents.schema.js';
import { INCIDENT_CHAT_HANDLER, INCIDENT_WHATSAPP_HANDLER, INCIDENT_WHATSAPP_TEMPLATE, whatsappParam } from '../../src/modules/incidents/index.js';
import { startWhatsAppStandIn, type WhatsAppStandIn } from '../../src/integrations/whatsapp/index.js';
import { notifications } from '../../src/modules/notifications/notifications.schema.js';
import type { SbBuyer } from '../../src/integrations/tiktok/sandbox/world.js';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { testDatabase } from '../helpers/db.js';
import { liveMessageFor } from '../../src/app/events.routes.js';
import type { LiveEvent } from '../../src/platform/live.js';
import { actorFor } from '../helpers/org.js';
import { connectedWorld, type TikTokTestWorld } from '../tiktok/helpers.js';

/**
 * Incidents against the local TikTok Shop: the colour-mismatch livestream ("Rose Poudré launch
 * (studio lights)") of the DE shop. The audience is exactly the buyers the sandbox world says
 * bought in it (cancelled orders left out), complained or not; the outreach sends one text and
 * one coupon card per reachable buyer, proven by the sandbox's own record of the shop's messages;
 * a second send queues nothing; a reply comes back as a ticket with the incident banner.
 */
const here = path.dirname(fileURLToPath(import.meta.url));
let ctx: TestContext;
let world: TikTokTestWorld;
let t0 = 0;
let graph: WhatsAppStandIn;
const PNID = '106540352242977';
const clock = new ManualClock('2026-03-10T08:00:00Z'); // 09:00 in Berlin: outside the quiet hours

beforeAll(async () => {
  graph = await startWhatsAppStandIn();
  ctx = await createTestContext({ clock, env: { OUTBOUND_ALLOW: '127.0.0.1', WHATSAPP_GRAPH_BASE: graph.base } });
  await registerModuleWorkers(ctx.platform, ctx.services);
  ctx.services.tiktok.client.setClock(clock);
  // The sandbox's time is the test's plus the real time gone by: its per-second rate limits (the
  // analytics feeds are read many pages at once) see time pass while the test's clock stands still.
  t0 = Date.now();
  world = await connectedWorld(ctx, { nowMs: () => clock.now().getTime() + (Date.now() - t0), ordersPerShop: 60 });
  await ctx.services.tiktok.sync.syncShop(world.org.orgId, world.shopId);
  await ctx.services.tiktok.attribution.syncShop(world.org.orgId, world.shopId, { days: 90 });
  await ctx.services.coupons.syncShop(actorFor(world.org, 'owner'), world.shopId);
}, 120_000);
afterAll(async () => {
  await world?.close();
  await ctx?.close();
  await graph?.close();
});

const since = clock.now().getTime() / 1000;
const shopMessages = (b: SbBuyer, type: string) =>
  [...world.sandbox.world.conversations.values()].filter((c) => c.buyer.userId === b.userId).flatMap((c) => c.messages.filter((m) => m.type === type && m.senderRole !== 'BUYER' && m.createTime >= since));

/** Listen on the live channel (Postgres NOTIFY, as the browser streams do) until stopped. */
async function listenLive() {
  const heard: LiveEvent[] = [];
  const stop = await ctx.platform.live.subscribe((e) => heard.push(e));
  return {
    stop,
    async incident(id: string): Promise<LiveEvent> {
      for (let i = 0; i < 100; i++) {
        const e = heard.find((x) => x.t === 'incident' && x.id === id);
        if (e) return e;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`no live event for incident ${id}: ${JSON.stringify(heard)}`);
    },
  };
}

async function buyerIdsOf(userIds: string[]): Promise<Map<string, string>> {
  const r = await ctx.platform.db.tenant(world.org.orgId, (tx) => tx.execute(sql`select id, platform_buyer_id from buyers where org_id = ${world.org.orgId} and platform_buyer_id = any(${sql.param(userIds)}::text[])`));
  return new Map((r.rows as { id: string; platform_buyer_id: string }[]).map((x) => [x.platform_buyer_id, x.id]));
}

describe('incident from the colour-mismatch livestream, against the sandbox', () => {
  it('finds exactly the world’s buyers of the livestream, sends one text + one coupon card each, never twice; replies carry the banner', async () => {
    const { orgId } = world.org;
    const sb = world.sandbox.world;
    const agent = actorFor(world.org, 'agent');
    const supervisor = actorFor(world.org, 'supervisor');
    const rose = sb.shop(world.tiktokShopId)!.sources.find((s) => s.name.includes('Rose Poudré'))!;

    // What the world says: buyers with an order that has a line from the livestream, not cancelled.
    const roseOrders = [...sb.orders.values()].filter((o) => o.shopId === world.tiktokShopId && o.lines.some((l) => l.source.id === rose.id));
    const expectedBuyers = new Map<string, SbBuyer>();
    for (const o of roseOrders) if (o.status !== 'CANCELLED') expectedBuyers.set(o.buyer.userId, o.buyer);
    const withChat = new Set([...sb.conversations.values()].filter((c) => c.messages.some((m) => m.senderRole === 'BUYER')).map((c) => c.buyer.userId));
    const silent = [...expectedBuyers.keys()].filter((u) => !withChat.has(u));
    expect(expectedBuyers.size).toBeGreaterThan(8);
    expect(silent.length).toBeGreaterThan(0);
    const ours = await buyerIdsOf([...expectedBuyers.keys()]);
    expect(ours.size).toBe(expectedBuyers.size);

    // Declared by an agent (the product picked from the order lines' traffic sources).
    const choices = await ctx.services.incidents.choices(agent, world.shopId);
    expect(choices.sources.map((s) => s.id)).toContain(rose.id);
    const inc = await ctx.services.incidents.declare(agent, { shopId: world.shopId, title: 'Rose Poudré: colour under studio lights', pattern: { livestreamIds: [rose.id], includeRefunded: true } });
    const aud = await ctx.services.incidents.audience(agent, inc.id);
    expect(aud.total).toBe(expectedBuyers.size);
    expect(aud.withoutComplaint).toBeGreaterThan(0);
    expect(aud.reachable.tiktok_chat).toBe(expectedBuyers.size);
    const members = await ctx.services.incidents.allMembers(agent, inc.id);
    expect(new Set(members.map((m) => m.buyerId))).toEqual(new Set(ours.values()));
    // Buyers who never wrote to us are in it too.
    for (const u of silent) expect(members.some((m) => m.buyerId === ours.get(u))).toBe(true);

    const card = choices.coupons.find((c) => c.title === 'Return visit: spend 30, save 5')!;
    await ctx.services.incidents.update(agent, inc.id, {
      messages: { de: 'Hallo {buyer_name}, die Farbe von {product} sah im Livestream anders aus. Bestellung {order_number}: hier ein Gutschein.', en: 'Hi {buyer_name}, {product} looked different under the studio lights. Order {order_number}: a coupon for you.' },
      compensation: { kind: 'coupon', platformCouponId: card.id },
    });
    const preview = await ctx.services.incidents.preview(agent, inc.id, 'de');
    expect(preview.items[0]!.text).toMatch(/^Hallo .+, die Farbe von .+ sah im Livestream anders aus\. Bestellung \d+: hier ein Gutschein\.$/);
    // €5 × every buyer is above the agent's €45: a supervisor must approve; supervisors are told.
    const before = await ctx.services.incidents.audience(agent, inc.id);
    expect(before.totalCost).toBe(500 * expectedBuyers.size);
    expect(before.needsApproval).toBe(true);
    expect(before.estimate).toEqual([{ channel: 'tiktok_chat', buyers: expectedBuyers.size, finishAt: new Date(clock.now().getTime() + (expectedBuyers.size - 1) * 2100).toISOString(), afterDeadline: 0 }]);
    const submitted = await ctx.services.incidents.submit(agent, inc.id);
    expect(submitted.status).toBe('pending_approval');
    const waiting = await ctx.platform.db.tenant(orgId, (tx) => tx.select().from(notifications).where(and(eq(notifications.orgId, orgId), eq(notifications.kind, 'incident_approval'), eq(notifications.subjectId, inc.id))));
    expect(waiting.map((n) => n.userId)).toContain(supervisor.userId);
    await expect(ctx.services.incidents.approve(agent, inc.id)).rejects.toMatchObject({ status: 403 });
    const approved = await ctx.services.incidents.approve(supervisor, inc.id);
    expect(approved.status).toBe('approved');
    expect(approved.frozenAt).not.toBeNull();

    const q = await ctx.services.incidents.send(supervisor, inc.id);
    expect(q).toEqual({ queued: expectedBuyers.size, unreachable: 0 });
    const live = await listenLive();
    for (let i = 0; i < expectedBuyers.size + 10; i++) {
      await ctx.platform.dispatcher.drain(20, orgId);
      clock.advance(2_100);
    }
    // Live progress: the coupon cards' steps finishing were announced for the incident (its shop named),
    // and the browser stream of a person of this organisation gets `incident` with the id only.
    const liveEv = await live.incident(inc.id);
    live.stop();
    expect(liveEv).toEqual({ t: 'incident', o: orgId, s: world.shopId, id: inc.id });
    expect(liveMessageFor(liveEv, supervisor, null)).toEqual({ type: 'incident', incidentId: inc.id });
    expect(liveMessageFor(liveEv, { ...supervisor, orgId: 'org_other' }, null)).toBeNull();
    expect(liveMessageFor(liveEv, supervisor, ['shp_other_brand'])).toBeNull();
    // The sandbox's record: exactly one text and one COUPON_CARD to every buyer, the text in their language.
    for (const [u, b] of expectedBuyers) {
      const texts = shopMessages(b, 'TEXT');
      const cards = shopMessages(b, 'COUPON_CARD');
      expect({ u, texts: texts.length, cards: cards.length }).toEqual({ u, texts: 1, cards: 1 });
      expect(JSON.parse(texts[0]!.content).content).toMatch(b.lang === 'de' ? /^Hallo / : /^Hi /);
    }
    const st = await ctx.services.incidents.status(supervisor, inc.id);
    expect(st).toMatchObject({ status: 'sent', targeted: expectedBuyers.size, sent: expectedBuyers.size, failed: 0, queued: 0, unreachable: 0 });
    expect(st.byChannel.tiktok_chat!.sent).toBe(expectedBuyers.size);
    expect(st.series.reduce((a, x) => a + x.sent, 0)).toBe(expectedBuyers.size);

    // A retry of the whole send (a crash after queueing, an impatient click) adds nothing.
    const steps = async () => (await ctx.platform.db.tenant(orgId, (tx) => tx.execute(sql`select count(*)::int as n from outbox where org_id = ${orgId} and idempotency_key like ${`coupon:manual:%:incident:${inc.id}`}`))).rows[0] as { n: number };
    expect((await steps()).n).toBe(expectedBuyers.size);
    await expect(ctx.services.incidents.send(supervisor, inc.id)).rejects.toMatchObject({ code: 'incidents.bad_state' });
    const rows = await ctx.platform.db.tenant(orgId, (tx) => tx.select().from(incidentBuyers).where(and(eq(incidentBuyers.orgId, orgId), eq(incidentBuyers.incidentId, inc.id))));
    expect(rows.every((r) => r.status === 'queued' && r.couponLedgerId && r.outboxId)).toBe(true);
    expect((await steps()).n).toBe(expectedBuyers.size);

    // A buyer answers in the chat: a ticket, with the incident banner and one-click apply.
    const [uid, buyer] = [...expectedBuyers.entries()][0]!;
    const order = roseOrders.find((o) => o.buyer.userId === uid)!;
    sb.buyerMessage(order, 'colour', { silent: true, text: 'Danke, aber kann ich die Tasche trotzdem zurückgeben?' });
    await ctx.services.tiktok.sync.syncShop(orgId, world.shopId, ['conversations']);
    const ticket = (await ctx.platform.db.tenant(orgId, (tx) => tx.execute(sql`select id from tickets where org_id = ${orgId} and buyer_id = ${ours.get(uid)!} order by last_inbound_at desc nulls last limit 1`))).rows[0] as { id: string };
    const banner = await ctx.services.incidents.forTicket(agent, ticket.id);
    expect(banner.items).toHaveLength(1);
    expect(banner.items[0]).toMatchObject({ incidentId: inc.id, applied: false, compensation: { kind: 'coupon', platformCouponId: card.id } });
    expect(banner.items[0]!.text).toContain(buyer.nickname);
    const applied = await ctx.services.incidents.applyToTicket(agent, inc.id, ticket.id);
    expect(applied.couponLedgerId).toBe(rows.find((r) => r.buyerId === ours.get(uid))!.couponLedgerId);
    expect((await ctx.services.incidents.forTicket(agent, ticket.id)).items[0]!.applied).toBe(true);
    const after = await ctx.services.incidents.status(supervisor, inc.id);
    expect(after.replied).toBe(1);
    expect(after.stillOpen).toBe(1);
    const replyNotice = await ctx.platform.db.tenant(orgId, (tx) => tx.select().from(notifications).where(and(eq(notifications.orgId, orgId), eq(notifications.kind, 'incident_reply'), eq(notifications.subjectId, inc.id))));
    expect(replyNotice.map((n) => n.userId)).toEqual(expect.arrayContaining([supervisor.userId, agent.userId]));

    // Closed with its root cause: an annotation, a feedback task, the livestream excluded; evidence throughout.
    const closed = await ctx.services.incidents.close(supervisor, inc.id, { rootCause: 'content_or_ad_claim', fix: 'Daylight swatch in every live; colour name in the listing', followUps: [{ kind: 'creator_content', title: 'Studio lights: show the bag in daylight' }], excludeSource: true });
    expect(closed.status).toBe('closed');
    const ann = (await ctx.platform.db.tenant(orgId, (tx) => tx.execute(sql`select kind, subject_id from analytics_annotations where org_id = ${orgId} and subject_id = ${inc.id}`))).rows;
    expect(ann).toEqual([{ kind: 'incident', subject_id: inc.id }]);
    const tasks = (await ctx.platform.db.tenant(orgId, (tx) => tx.execute(sql`select kind, title from feedback_tasks where org_id = ${orgId} and subject_id = ${inc.id}`))).rows;
    expect(tasks).toEqual([{ kind: 'creator_content', title: 'Studio lights: show the bag in daylight' }]);
    const excl = (await ctx.platform.db.tenant(orgId, (tx) => tx.execute(sql`select source_id from analytics_exclusions where org_id = ${orgId} and source_id = ${rose.id}`))).rows;
    expect(excl).toHaveLength(1);
    const ev = await ctx.platform.db.tenant(orgId, (tx) => tx.select({ kind: evidenceRecords.kind }).from(evidenceRecords).where(and(eq(evidenceRecords.orgId, orgId), eq(evidenceRecords.caseId, inc.id))));
    expect(ev.map((e) => e.kind)).toEqual(['note', 'remedy_offered', 'remedy_approved', 'status_change', 'classification']);
    void outbox;
  }, 180_000);

  it('a worker that dies after the platform took the text (simulated: the handler throws after sending) and a retry send each buyer exactly one text', async () => {
    const { orgId } = world.org;
    const sb = world.sandbox.world;
    const supervisor = actorFor(world.org, 'supervisor');
    const owner = actorFor(world.org, 'owner');
    const jewel = sb.shop(world.tiktokShopId)!.sources.find((x) => x.name.includes('fine jewellery'))!;
    const expected = new Map<string, SbBuyer>();
    for (const o of sb.orders.values()) if (o.shopId === world.tiktokShopId && o.status !== 'CANCELLED' && o.lines.some((l) => l.source.id === jewel.id)) expected.set(o.buyer.userId, o.buyer);
    expect(expected.size).toBeGreaterThan(2);
    const inc = await ctx.services.incidents.declare(owner, { shopId: world.shopId, title: 'Clasp opens', pattern: { livestreamIds: [jewel.id], includeRefunded: true } });
    await ctx.services.incidents.update(owner, inc.id, { messages: { de: 'Hallo {buyer_name}, der Verschluss von {product} kann sich öffnen. Wir schicken Ersatz.', en: 'Hi {buyer_name}, the clasp of {product} may open. A replacement is on its way.' } });
    // No compensation: no cost, the owner's outreach is approved at once.
    expect((await ctx.services.incidents.submit(owner, inc.id)).status).toBe('approved');
    clock.advance(86_400_000); // the next day: the first incident's contacts were yesterday
    const since2 = clock.now().getTime() / 1000;
    expect(await ctx.services.incidents.send(supervisor, inc.id)).toEqual({ queued: expected.size, unreachable: 0 });
    const real = ctx.platform.outbox.get(INCIDENT_CHAT_HANDLER)!;
    let died = 0;
    ctx.platform.outbox.register(INCIDENT_CHAT_HANDLER, async (payload, c) => {
      const r = await real(payload, c);
      if (c.attempt === 1 && died < 3) {
        died++;
        throw new Error('worker died after the platform took the text');
      }
      return r;
    });
    try {
      for (let i = 0; i < expected.size + 40; i++) {
        await ctx.platform.dispatcher.drain(20, orgId);
        clock.advance(5_000);
      }
    } finally {
      ctx.platform.outbox.register(INCIDENT_CHAT_HANDLER, real);
    }
    expect(died).toBe(3);
    for (const [u, b] of expected) {
      const texts = [...sb.conversations.values()].filter((c) => c.buyer.userId === b.userId).flatMap((c) => c.messages.filter((m) => m.type === 'TEXT' && m.senderRole !== 'BUYER' && m.createTime >= since2));
      expect({ u, texts: texts.length }).toEqual({ u, texts: 1 });
    }
    const st = await ctx.services.incidents.status(supervisor, inc.id);
    expect(st).toMatchObject({ sent: expected.size, failed: 0, queued: 0 });
    const deduped = (await ctx.platform.db.tenant(orgId, (tx) => tx.execute(sql`select count(*)::int as n from outbox where org_id = ${orgId} and handler = ${INCIDENT_CHAT_HANDLER} and subject_id = ${inc.id} and status = 'done' and attempts = 2 and (result->>'deduplicated')::boolean`))).rows[0] as { n: number };
    expect(deduped.n).toBe(3);
  }, 180_000);
  it('a real SIGKILL of the worker process mid-burst, after the platform took a text and before its commit: a restart finishes with exactly one text per buyer', async () => {
    const { orgId } = world.org;
    const sb = world.sandbox.world;
    const owner = actorFor(world.org, 'owner');
    clock.advance(86_400_000); // a day after the last outreach: every buyer may be contacted again
    const sinceSec = Math.floor(clock.now().getTime() / 1000) - 5;
    // Every buyer of the shop in the last 120 days: the largest audience the world has.
    const inc = await ctx.services.incidents.declare(owner, { shopId: world.shopId, title: 'Warehouse mix-up', pattern: { placedFrom: new Date(clock.now().getTime() - 120 * 86_400_000).toISOString(), includeRefunded: true } });
    await ctx.services.incidents.update(owner, inc.id, { messages: { de: 'Hallo {buyer_name}, bei Bestellung {order_number} gab es eine Verwechslung im Lager.', en: 'Hi {buyer_name}, order {order_number} was caught in a warehouse mix-up.' } });
    expect((await ctx.services.incidents.submit(owner, inc.id)).status).toBe('approved');
    const q = await ctx.services.incidents.send(owner, inc.id);
    expect(q.queued).toBeGreaterThan(12);
    const queuedRows = await ctx.platform.db.tenant(orgId, (tx) => tx.select().from(incidentBuyers).where(and(eq(incidentBuyers.orgId, orgId), eq(incidentBuyers.incidentId, inc.id), eq(incidentBuyers.status, 'queued'))));
    expect(queuedRows).toHaveLength(q.queued);
    // Evidence per buyer for a plain text: one record under each queued buyer naming the incident and its step.
    const perBuyer = await ctx.platform.db.tenant(orgId, (tx) => tx.execute(sql`select case_id, data->>'outboxId' as step from evidence_records where org_id = ${orgId} and case_type = 'buyer' and data->>'incidentId' = ${inc.id}`));
    expect(new Map((perBuyer.rows as { case_id: string; step: string }[]).map((r) => [r.case_id, r.step]))).toEqual(new Map(queuedRows.map((r) => [r.buyerId, r.outboxId])));

    const tdb = await testDatabase();
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(here, 'fixtures/send-loop-child.ts')], {
      env: {
        ...process.env,
        CHILD_ADMIN_URL: tdb.adminUrl,
        CHILD_APP_URL: tdb.appUrl,
        CHILD_SANDBOX_URL: world.sandbox.url,
        CHILD_SANDBOX_NOW_MS: String(clock.now().getTime() + (Date.now() - t0)),
        CHILD_SECRET_KEY: ctx.platform.secretKey.toString('hex'),
        CHILD_ORG_ID: orgId,
        CHILD_SLOW_MS: '3000',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (c) => (stderr += String(c)));
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, sig) => resolve(sig)));
    let sentByChild = 0;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`child made no progress: ${stderr}`)), 90_000);
      child.stdout.on('data', (c: Buffer) => {
        for (const line of String(c).split('\n')) {
          const m = /^sent (\d+)$/.exec(line);
          if (m) sentByChild = Number(m[1]);
        }
        // Kill right after a text went out, while the worker waits before that step's commit.
        if (sentByChild >= 4) {
          clearTimeout(timer);
          child.kill('SIGKILL');
          resolve();
        }
      });
    });
    expect(await exited).toBe('SIGKILL');
    const mid = await ctx.platform.db.tenant(orgId, (tx) => tx.execute(sql`select status, count(*)::int as n from outbox where org_id = ${orgId} and subject_id = ${inc.id} group by status`));
    const at = Object.fromEntries((mid.rows as { status: string; n: number }[]).map((r) => [r.status, r.n]));
    // Mid-burst: some done, the rest claimed by the dead worker or waiting; and the kill landed in the
    // window: the platform has exactly one text more than the steps we recorded as done.
    expect(at.done).toBeGreaterThanOrEqual(3);
    expect(at.done).toBeLessThan(q.queued);
    expect(at.running).toBeGreaterThanOrEqual(1);
    const textsNow = () => [...sb.conversations.values()].reduce((a, c) => a + c.messages.filter((m) => m.type === 'TEXT' && m.senderRole !== 'BUYER' && m.createTime >= sinceSec).length, 0);
    expect(textsNow()).toBe(at.done + 1);

    // The restart: once the dead worker's lease is over, a fresh dispatcher finishes the outreach.
    clock.advance(3 * 3_600_000);
    for (let i = 0; i < q.queued + 10; i++) {
      await ctx.platform.dispatcher.drain(20, orgId);
      clock.advance(1_000);
    }
    const byPlatformId = new Map((await ctx.platform.db.tenant(orgId, (tx) => tx.execute(sql`select id, platform_buyer_id from buyers where org_id = ${orgId} and id = any(${sql.param(queuedRows.map((r) => r.buyerId))}::text[])`))).rows.map((r) => [String((r as { platform_buyer_id: string }).platform_buyer_id), String((r as { id: string }).id)]));
    const texts = new Map<string, number>();
    for (const c of sb.conversations.values()) {
      const n = c.messages.filter((m) => m.type === 'TEXT' && m.senderRole !== 'BUYER' && m.createTime >= sinceSec).length;
      if (n) texts.set(c.buyer.userId, (texts.get(c.buyer.userId) ?? 0) + n);
    }
    // Exactly one text per queued buyer at the platform, none to anyone else.
    expect(new Map([...texts.entries()].map(([u, n]) => [byPlatformId.get(u) ?? `not queued: ${u}`, n]))).toEqual(new Map(queuedRows.map((r) => [r.buyerId, 1])));
    const st = await ctx.services.incidents.status(owner, inc.id);
    expect(st).toMatchObject({ status: 'sent', sent: q.queued, failed: 0, queued: 0 });
    // The killed step was taken again and found its text on the re-read instead of sending it twice.
    const again = (await ctx.platform.db.tenant(orgId, (tx) => tx.execute(sql`select count(*)::int as n from outbox where org_id = ${orgId} and subject_id = ${inc.id} and status = 'done' and attempts = 2 and (result->>'deduplicated')::boolean`))).rows[0] as { n: number };
    expect(again.n).toBe(1);
  }, 240_000);
  it('WhatsApp: sent through the shop’s number, outside the 24-hour window as the approved template carrying the agreed text, once per buyer with a number and consent', async () => {
    const { orgId } = world.org;
    const sb = world.sandbox.world;
    const owner = actorFor(world.org, 'owner');
    clock.advance(86_400_000);
    const res = await ctx.app.inject({ method: 'PUT', url: `/api/shops/${world.shopId}/whatsapp`, headers: { cookie: await world.org.cookie('owner') }, payload: { phoneNumberId: PNID, displayNumber: '+49 89 555 0177', accessToken: 'EAAG-incidents-token', appSecret: 'app-secret-456', verifyToken: 'verify-me-456' } });
    expect(res.statusCode).toBe(200);
    graph.registerNumber({ phoneNumberId: PNID, displayNumber: '+49 89 555 0177', token: 'EAAG-incidents-token', appSecret: 'app-secret-456', webhookUrl: 'http://127.0.0.1:9/unused' });
    const jewel = sb.shop(world.tiktokShopId)!.sources.find((x) => x.name.includes('fine jewellery'))!;
    const buyersOfLive = new Map<string, SbBuyer>();
    for (const o of sb.orders.values()) if (o.shopId === world.tiktokShopId && o.status !== 'CANCELLED' && o.lines.some((l) => l.source.id === jewel.id)) buyersOfLive.set(o.buyer.userId, o.buyer);
    const ours = await buyerIdsOf([...buyersOfLive.keys()]);
    // Two of them wrote to the shop on WhatsApp once (their number is on their ticket) and consented.
    const phones = ['+491701112233', '+491705556677'];
    const withPhone = [...ours.values()].slice(0, 2);
    for (const [i, buyerId] of withPhone.entries()) {
      await ctx.services.helpdesk.ingestInbound({ orgId, shopId: world.shopId, channel: 'whatsapp', externalThreadId: phones[i]!, externalMessageId: `wamid.inc.${i}`, buyer: { phone: phones[i]!, name: `WhatsApp buyer ${i}`, language: 'de' }, direction: 'inbound', text: 'Hallo', sentAt: new Date(clock.now().getTime() - 3 * 86_400_000).toISOString() });
      await ctx.platform.db.system((tx) => tx.execute(sql`update tickets set buyer_id = ${buyerId}, status = 'solved' where org_id = ${orgId} and buyer_phone = ${phones[i]!}`));
      await ctx.services.outreach.setPreferences(owner, buyerId, { marketingConsent: true, consentSource: 'portal' });
    }
    const inc = await ctx.services.incidents.declare(owner, { shopId: world.shopId, title: 'Clasp: WhatsApp notice', pattern: { livestreamIds: [jewel.id], includeRefunded: true }, channels: ['whatsapp'] });
    await ctx.services.incidents.update(owner, inc.id, { messages: { de: 'Hallo {buyer_name},\nder Verschluss von {product} kann sich öffnen.\nBestellung {order_number}: Ersatz ist unterwegs.', en: 'Hi {buyer_name},\nthe clasp of {product} may open.\nOrder {order_number}: a replacement is on its way.' } });
    const aud = await ctx.services.incidents.audience(owner, inc.id);
    expect(aud.total).toBe(buyersOfLive.size);
    expect(aud.perChannel).toEqual({ whatsapp: 2 });
    expect((await ctx.services.incidents.submit(owner, inc.id)).status).toBe('approved');
    expect(await ctx.services.incidents.send(owner, inc.id)).toEqual({ queued: 2, unreachable: 0 });
    const before = graph.sent.length;
    const live = await listenLive();
    for (let i = 0; i < 8; i++) {
      await ctx.platform.dispatcher.drain(20, orgId);
      clock.advance(2_000);
    }
    // The buyers never wrote through this number in 24 hours: free text is refused (131047), the template goes.
    const sent = graph.sent.slice(before);
    expect(sent.map((m) => [m.to, m.type]).sort()).toEqual([['491701112233', 'template'], ['491705556677', 'template']]);
    const steps = await ctx.platform.db.tenant(orgId, (tx) => tx.select().from(outbox).where(and(eq(outbox.orgId, orgId), eq(outbox.handler, INCIDENT_WHATSAPP_HANDLER), eq(outbox.subjectId, inc.id))));
    expect(steps).toHaveLength(2);
    for (const st of steps) {
      expect(st).toMatchObject({ status: 'done', attempts: 1, result: expect.objectContaining({ template: true }) });
      const p = st.payload as { text: string; language: string; templateParams: string[] };
      // The template's last variable is the agreed text, rendered for the buyer, on one line.
      expect(p.text).toMatch(/^Hallo .+,\nder Verschluss von .+ kann sich öffnen\.\nBestellung \d+: Ersatz ist unterwegs\.$/);
      expect(p.templateParams).toHaveLength(4);
      expect(p.templateParams[3]).toBe(whatsappParam(p.text));
      expect(p.templateParams[3]).not.toContain('\n');
    }
    expect(INCIDENT_WHATSAPP_TEMPLATE).toBe('afterdesk_incident_notice');
    expect(await live.incident(inc.id)).toEqual({ t: 'incident', o: orgId, s: world.shopId, id: inc.id });
    live.stop();
    const st = await ctx.services.incidents.status(owner, inc.id);
    expect(st).toMatchObject({ status: 'sent', sent: 2, failed: 0, unreachable: buyersOfLive.size - 2 });
    // Nothing more goes out on later rounds.
    await ctx.platform.dispatcher.drain(20, orgId);
    expect(graph.sent.length).toBe(before + 2);
  }, 120_000);

  it('a partial refund as the compensation: the remedies module pays each reached buyer once on their latest matching order; a second send pays nobody again', async () => {
    const { orgId } = world.org;
    const sb = world.sandbox.world;
    const supervisor = actorFor(world.org, 'supervisor');
    const owner = actorFor(world.org, 'owner');
    const jewel = sb.shop(world.tiktokShopId)!.sources.find((x) => x.name.includes('fine jewellery'))!;
    const inc = await ctx.services.incidents.declare(owner, { shopId: world.shopId, title: 'Clasp opens: 5 € back', pattern: { livestreamIds: [jewel.id], includeRefunded: true } });
    await ctx.services.incidents.update(owner, inc.id, { messages: { de: 'Hallo {buyer_name}, wir erstatten 5 € für {product}.', en: 'Hi {buyer_name}, we refund 5 € for {product}.' }, compensation: { kind: 'partial_refund', amount: 500 } });
    const submitted = await ctx.services.incidents.submit(owner, inc.id);
    if (submitted.status === 'pending_approval') await ctx.services.incidents.approve(owner, inc.id);
    clock.advance(2 * 86_400_000); // past the earlier outreaches' contact caps
    const before = world.sandbox.refunds.length;
    const sent = await ctx.services.incidents.send(supervisor, inc.id);
    expect(sent.queued).toBeGreaterThan(0);
    const remedyRows = async () =>
      (await ctx.platform.db.tenant(orgId, (tx) => tx.execute(sql`select id, order_id, buyer_id, refund_amount, kind, status from remedies where org_id = ${orgId} and option_key = ${`incident:${inc.id}`} order by buyer_id`))).rows as { id: string; order_id: string; buyer_id: string; refund_amount: number; kind: string; status: string }[];
    const made = await remedyRows();
    // One remedy per reached buyer, each a 5.00 partial refund of that buyer's latest matching order.
    const reached = (await ctx.platform.db.tenant(orgId, (tx) => tx.select({ b: incidentBuyers.buyerId }).from(incidentBuyers).where(and(eq(incidentBuyers.orgId, orgId), eq(incidentBuyers.incidentId, inc.id), eq(incidentBuyers.status, 'queued'))))).map((r) => r.b).sort();
    expect(made.map((r) => r.buyer_id)).toEqual(reached);
    expect(made.length).toBe(sent.queued);
    expect(made.every((r) => r.kind === 'partial_refund' && r.refund_amount === 500)).toBe(true);
    for (let i = 0; i < 60 && world.sandbox.refunds.length - before < made.length; i++) {
      await ctx.platform.dispatcher.drain(50, orgId);
      clock.advance(5_000);
    }
    const paid = world.sandbox.refunds.slice(before).filter((r) => r.idempotencyKey?.startsWith('remedy:'));
    const byRemedy = new Map<string, number>();
    for (const r of paid) byRemedy.set(r.idempotencyKey!.split(':')[1]!, (byRemedy.get(r.idempotencyKey!.split(':')[1]!) ?? 0) + 1);
    expect([...byRemedy.keys()].sort()).toEqual(made.map((r) => r.id).sort());
    expect([...byRemedy.values()].every((n) => n === 1)).toBe(true);
    expect(paid.every((r) => r.amount === 500 && r.currency === 'EUR')).toBe(true);
    // Each remedy's evidence is filed under its buyer.
    const ev = (await ctx.platform.db.tenant(orgId, (tx) => tx.execute(sql`select case_id from evidence_records where org_id = ${orgId} and case_type = 'buyer' and kind = 'remedy_approved' and data->>'incidentId' = ${inc.id}`))).rows as { case_id: string }[];
    expect(ev.map((r) => r.case_id).sort()).toEqual(reached);
    // Sending again (a retried request) queues and pays nobody twice.
    await ctx.services.incidents.send(supervisor, inc.id).catch(() => undefined);
    await ctx.platform.dispatcher.drain(50, orgId);
    expect((await remedyRows()).length).toBe(made.length);
    expect(world.sandbox.refunds.slice(before).filter((r) => r.idempotencyKey?.startsWith('remedy:')).length).toBe(made.length);
  }, 180_000);

  it('a reship as the compensation: one reship per reached buyer (their latest matching order and its matching lines), released to the warehouse; a second send adds none', async () => {
    const { orgId } = world.org;
    const sb = world.sandbox.world;
    const supervisor = actorFor(world.org, 'supervisor');
    const owner = actorFor(world.org, 'owner');
    const jewel = sb.shop(world.tiktokShopId)!.sources.find((x) => x.name.includes('fine jewellery'))!;
    const inc = await ctx.services.incidents.declare(owner, { shopId: world.shopId, title: 'Clasp opens: improved clasp on its way', pattern: { livestreamIds: [jewel.id], includeRefunded: true } });
    await ctx.services.incidents.update(owner, inc.id, { messages: { de: 'Hallo {buyer_name}, wir schicken Ihnen {product} mit dem verbesserten Verschluss.', en: 'Hi {buyer_name}, we are sending {product} with the improved clasp.' }, compensation: { kind: 'reship', unitCost: 1800 } });
    const submitted = await ctx.services.incidents.submit(owner, inc.id);
    if (submitted.status === 'pending_approval') await ctx.services.incidents.approve(owner, inc.id);
    clock.advance(2 * 86_400_000);
    const sent = await ctx.services.incidents.send(supervisor, inc.id);
    expect(sent.queued).toBeGreaterThan(0);
    const rows = async () =>
      (await ctx.platform.db.tenant(orgId, (tx) => tx.execute(sql`select r.buyer_id, r.kind, r.refund_amount, r.reship, r.order_line_ids, (select count(*)::int from reships s where s.org_id = r.org_id and s.remedy_id = r.id) as reships from remedies r where r.org_id = ${orgId} and r.option_key = ${`incident:${inc.id}`} order by r.buyer_id`))).rows as { buyer_id: string; kind: string; refund_amount: number; reship: boolean; order_line_ids: string[]; reships: number }[];
    const made = await rows();
    const reached = (await ctx.platform.db.tenant(orgId, (tx) => tx.select({ b: incidentBuyers.buyerId }).from(incidentBuyers).where(and(eq(incidentBuyers.orgId, orgId), eq(incidentBuyers.incidentId, inc.id), eq(incidentBuyers.status, 'queued'))))).map((r) => r.b).sort();
    expect(made.map((r) => r.buyer_id)).toEqual(reached);
    expect(made.length).toBe(sent.queued);
    // A reship, no money: one reship row each, on the lines of the livestream only.
    expect(made.every((r) => r.kind === 'reship' && r.reship && r.refund_amount === 0 && r.reships === 1 && r.order_line_ids.length >= 1)).toBe(true);
    const lineSources = (await ctx.platform.db.tenant(orgId, (tx) => tx.execute(sql`select distinct traffic_source_id from order_lines where org_id = ${orgId} and id = any(${sql.param(made.flatMap((r) => r.order_line_ids))}::text[])`))).rows as { traffic_source_id: string }[];
    expect(lineSources.map((x) => x.traffic_source_id)).toEqual([jewel.id]);
    await ctx.services.incidents.send(supervisor, inc.id).catch(() => undefined);
    expect((await rows()).reduce((n, r) => n + r.reships, 0)).toBe(made.length);
  }, 180_000);

  it('lots from a CSV: a bad row refuses the whole file naming row and field; a good one is written (again: unchanged); declaring by lot reaches exactly that lot’s buyers', async () => {
    const { orgId } = world.org;
    const sb = world.sandbox.world;
    const agent = actorFor(world.org, 'agent');
    const supervisor = actorFor(world.org, 'supervisor');
    const shop = sb.shop(world.tiktokShopId)!;
    const synced = new Set(((await ctx.platform.db.tenant(orgId, (tx) => tx.execute(sql`select external_id from orders where org_id = ${orgId} and shop_id = ${world.shopId}`))).rows as { external_id: string }[]).map((r) => r.external_id));
    const candidates = [...sb.orders.values()].filter((o) => o.shopId === world.tiktokShopId && o.status !== 'CANCELLED' && synced.has(o.id));
    expect(candidates.length).toBeGreaterThan(8);
    // Lot A: the first line's seller SKU of five orders; lot B: three more orders, named by line id.
    const lotA = candidates.slice(0, 5);
    const lotB = candidates.slice(5, 8);
    const skuOf = (o: (typeof candidates)[number]) => sb.product(shop, o.lines[0]!.productKey).sku;
    const linesA = lotA.reduce((n, o) => n + o.lines.filter((l) => sb.product(shop, l.productKey).sku === skuOf(o)).length, 0);
    const csv = ['Order ID,Seller SKU,Lot number', ...lotA.map((o) => `${o.id},${skuOf(o)},LOT-A-0925`), ...lotB.map((o) => `${o.id},${o.lines[0]!.id},LOT-B-0926`)].join('\n');
    const columns = { order: 'Order ID', line: 'Seller SKU', lot: 'Lot number' };
    const lotCount = async () => ((await ctx.platform.db.tenant(orgId, (tx) => tx.execute(sql`select count(*)::int as n from incident_lots where org_id = ${orgId}`))).rows[0] as { n: number }).n;

    // Agents may read lots, not import them.
    await expect(ctx.services.incidents.importLots(agent, { shopId: world.shopId, csv, columns })).rejects.toMatchObject({ status: 403 });
    // One unknown order, one SKU not on its order, one empty lot: refused, nothing written, each named.
    const bad = `${csv}\n999000111,${skuOf(lotA[0]!)},LOT-A-0925\n${lotA[1]!.id},NO-SUCH-SKU,LOT-A-0925\n${lotA[2]!.id},${skuOf(lotA[2]!)},`;
    const refused = await ctx.services.incidents.importLots(supervisor, { shopId: world.shopId, csv: bad, columns });
    expect(refused).toEqual({
      status: 'refused',
      importId: null,
      rows: 11,
      lines: expect.any(Number),
      errorCount: 3,
      errors: [
        { row: 10, field: 'order', code: 'order_not_found', value: '999000111' },
        { row: 11, field: 'line', code: 'line_not_found', value: 'NO-SUCH-SKU' },
        { row: 12, field: 'lot', code: 'missing', value: '' },
      ],
    });
    expect(await lotCount()).toBe(0);
    // Through HTTP: a mapping to a column the file lacks is a 400 naming `columns`.
    const http = await ctx.app.inject({ method: 'POST', url: '/api/incidents/lots/import', headers: { cookie: await world.org.cookie('supervisor') }, payload: { shopId: world.shopId, csv, columns: { ...columns, lot: 'Batch' } } });
    expect(http.statusCode).toBe(400);
    expect(http.json()).toMatchObject({ code: 'incidents.lots_unknown_column', details: { issues: [{ field: 'columns' }] } });

    const ok = await ctx.services.incidents.importLots(supervisor, { shopId: world.shopId, csv, columns });
    expect(ok).toMatchObject({ status: 'imported', rows: 8, lines: linesA + 3, errorCount: 0, errors: [] });
    expect(ok.importId).toMatch(/^lotimp/);
    const again = await ctx.services.incidents.importLots(supervisor, { shopId: world.shopId, csv, columns });
    expect(again).toMatchObject({ status: 'imported', lines: linesA + 3 });
    expect(await lotCount()).toBe(linesA + 3);
    const lots = await ctx.services.incidents.lots(agent, world.shopId);
    expect(lots.items.map((l) => [l.lot, l.lines, l.orders]).sort()).toEqual([
      ['LOT-A-0925', linesA, 5],
      ['LOT-B-0926', 3, 3],
    ]);

    // Declared by lot A: exactly the buyers of lot A's orders.
    const inc = await ctx.services.incidents.declare(agent, { shopId: world.shopId, title: 'Lot A-0925: loose clasps', pattern: { lots: ['LOT-A-0925'], includeRefunded: true } });
    const expected = await buyerIdsOf([...new Set(lotA.map((o) => o.buyer.userId))]);
    expect(expected.size).toBeGreaterThan(2);
    const members = await ctx.services.incidents.allMembers(agent, inc.id);
    expect(new Set(members.map((m) => m.buyerId))).toEqual(new Set(expected.values()));
    expect((await ctx.services.incidents.audience(agent, inc.id)).total).toBe(expected.size);
    // Combined with another part (AND): lot A and a product none of its lines carry → nobody; an unknown lot → nobody.
    const otherProduct = shop.products.find((p) => !lotA.some((o) => o.lines.some((l) => l.productKey === p.key)))!;
    const both = await ctx.services.incidents.update(agent, inc.id, { pattern: { lots: ['LOT-A-0925'], productIds: [otherProduct.productId], includeRefunded: true } });
    expect((await ctx.services.incidents.audience(agent, both.id)).total).toBe(0);
    await ctx.services.incidents.update(agent, inc.id, { pattern: { lots: ['NO-SUCH-LOT'] } });
    expect((await ctx.services.incidents.audience(agent, inc.id)).total).toBe(0);
  });
});
