import { and, eq, sql } from 'drizzle-orm';
import { DateTime } from 'luxon';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerModuleWorkers } from '../../src/app/modules.js';
import { startWhatsAppStandIn, type WhatsAppStandIn } from '../../src/integrations/whatsapp/index.js';
import { ManualClock } from '../../src/platform/clock.js';
import { outbox } from '../../src/platform/outbox/outbox.schema.js';
import { SEND_PROMO_HANDLER, suggestProducts } from '../../src/modules/coupons/index.js';
import { productHistory } from '../../src/modules/orders/index.js';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { mailServersAvailable, startMailServers, type MailServers } from '../helpers/mail-servers.js';
import { actorFor, createTestOrg, type TestOrg } from '../helpers/org.js';
import { seedOrder } from '../helpers/returns.js';

/**
 * Promo-code sends over e-mail and WhatsApp: a return-visit programme per channel, the contact
 * policy deciding (address, consent), the text in the buyer's language carrying the code, sent
 * through the shop's real mailbox (SMTP + IMAP, dovecot) and its WhatsApp Cloud API number (the
 * stand-in); a crash after the mail went out does not send it twice.
 */
const run = mailServersAvailable();
const SHOP = { user: 'support', pass: 'mailbox-pass-7', address: 'support@voltix.test' };
const ANNA = { user: 'anna', pass: 'buyer-pass-7', address: 'anna@buyer.test' };
const PNID = '106540352242922';
const clock = new ManualClock('2026-03-10T08:00:00Z'); // 09:00 in Berlin: outside the quiet hours

describe.skipIf(!run)('coupon promo codes by e-mail and WhatsApp', () => {
  let ctx: TestContext;
  let org: TestOrg;
  let mail: MailServers;
  let graph: WhatsAppStandIn;

  beforeAll(async () => {
    mail = await startMailServers([SHOP, ANNA]);
    graph = await startWhatsAppStandIn();
    ctx = await createTestContext({ clock, env: { OUTBOUND_ALLOW: `127.0.0.1`, WHATSAPP_GRAPH_BASE: graph.base } });
    await registerModuleWorkers(ctx.platform, ctx.services);
    org = await createTestOrg(ctx);
    const owner = actorFor(org, 'owner');
    await ctx.services.email.save(owner, org.shopId, {
      address: SHOP.address,
      imap: { host: '127.0.0.1', port: mail.imapPort, tls: 'none', user: SHOP.user, password: SHOP.pass, folder: 'INBOX' },
      smtp: { host: '127.0.0.1', port: mail.smtpPort, tls: 'none', user: SHOP.user, password: SHOP.pass },
    });
    const res = await ctx.app.inject({ method: 'PUT', url: `/api/shops/${org.shopId}/whatsapp`, headers: { cookie: await org.cookie('owner') }, payload: { phoneNumberId: PNID, displayNumber: '+49 89 555 0100', accessToken: 'EAAG-test-access-token', appSecret: 'app-secret-123', verifyToken: 'verify-me-123' } });
    expect(res.statusCode).toBe(200);
    graph.registerNumber({ phoneNumberId: PNID, displayNumber: '+49 89 555 0100', token: 'EAAG-test-access-token', appSecret: 'app-secret-123', webhookUrl: 'http://127.0.0.1:9/unused' });
  }, 60_000);
  afterAll(async () => {
    await ctx?.close();
    await mail?.close();
    await graph?.close();
  });

  const buyerOf = async (orderId: string) => (await ctx.platform.db.system((tx) => tx.execute(sql`select buyer_id from orders where id = ${orderId}`))).rows[0]!.buyer_id as string;

  it('plans by the contact policy, sends the code in the buyer language through the mailbox and the WhatsApp number, and never twice', async () => {
    const owner = actorFor(org, 'owner');
    const { orgId } = org;
    const coupons = ctx.services.coupons;
    await coupons.upsertPlatformCoupons(orgId, org.shopId, [
      { externalId: '7390001', title: 'Welcome back: 10 off', status: 'ONGOING', displayType: 'PROMO_CODE', creationSource: 'SELLER_CENTER', targetBuyerSegment: 'ALL', promoCode: 'WELCOME10', discountType: 'AMOUNT_OFF', currency: 'EUR', reductionAmount: 1000, percentageBp: null, maxDiscount: null, minSpend: 4000, claimEndAt: new Date('2026-09-01T00:00:00Z'), redemptionType: 'RELATIVE', redemptionEndAt: null, redemptionDays: 14, totalClaimLimit: null, claimedCount: 0, displayChannels: ['PROMO_CODE'], productScope: 'FULL_SHOP', productIds: [], claimStartAt: null, redemptionStartAt: null, singleBuyerClaimLimit: 1, redemptionLimit: null, redeemedCount: 0, externalUpdatedAt: null },
    ]);
    const [code] = (await coupons.listPlatformCoupons(owner, org.shopId)).items;
    // A chat card cannot carry a PROMO_CODE coupon; e-mail and WhatsApp can (the code is the coupon).
    expect(code!.chatProblems).toEqual(['display_type']);
    const base = { shopId: org.shopId, kind: 'return_visit' as const, schedule: { afterDeliveryDays: 3 }, segment: {}, holdoutPercent: 0, budget: 100_000, maxMinSpend: null, maxFaceValue: null, messages: {}, variants: [{ key: 'a', platformCouponId: code!.id, weight: 1 }] };
    const byMail = await coupons.createProgramme(owner, { ...base, name: 'Return visit by e-mail', channel: 'email' });
    const byWhatsApp = await coupons.createProgramme(owner, { ...base, name: 'Return visit by WhatsApp', channel: 'whatsapp' });
    await expect(coupons.createProgramme(owner, { ...base, name: 'chat', channel: 'tiktok_chat' })).rejects.toMatchObject({ status: 422, details: { issues: [{ field: 'variants.0.platformCouponId' }] } });

    // Three buyers, each with an order delivered three days ago.
    const anna = await buyerOf((await seedOrder(ctx, org, { lines: [{ unitPrice: 4500 }], language: 'de' })).orderId);
    const ben = await buyerOf((await seedOrder(ctx, org, { lines: [{ unitPrice: 4500 }], language: 'en' })).orderId);
    const carla = await buyerOf((await seedOrder(ctx, org, { lines: [{ unitPrice: 4500 }], language: 'it' })).orderId);
    await ctx.platform.db.system(async (tx) => {
      await tx.execute(sql`update buyers set email = ${ANNA.address} where id = ${anna}`);
      await tx.execute(sql`update buyers set email = 'ben@buyer.test' where id = ${ben}`);
    });
    // Carla wrote on WhatsApp: her number is on her ticket.
    await ctx.services.helpdesk.ingestInbound({ orgId, shopId: org.shopId, channel: 'whatsapp', externalThreadId: '+393331234567', externalMessageId: 'wamid.in.1', buyer: { phone: '+393331234567', name: 'Carla Rossi', language: 'it' }, direction: 'inbound', text: 'Ciao!', sentAt: clock.now().toISOString() });
    await ctx.platform.db.system((tx) => tx.execute(sql`update tickets set buyer_id = ${carla}, status = 'solved' where org_id = ${orgId} and buyer_phone = '+393331234567'`));
    // Marketing needs consent: Anna and Carla gave it, Ben did not.
    await ctx.services.outreach.setPreferences(owner, anna, { marketingConsent: true, consentSource: 'portal' });
    await ctx.services.outreach.setPreferences(owner, carla, { marketingConsent: true, consentSource: 'portal' });

    const r = await coupons.runDue(orgId, org.shopId);
    expect(r.planned).toBe(2);
    expect(r.skipped).toEqual({ no_address: 3, no_consent: 1 });
    const ledger = async (buyerId: string) => (await coupons.ledgerOfBuyer(owner, buyerId)).items;
    expect(await ledger(ben)).toEqual([]);
    expect(await ledger(anna)).toEqual([expect.objectContaining({ channel: 'email', status: 'planned', promoCode: 'WELCOME10', programmeId: byMail.id })]);
    expect(await ledger(carla)).toEqual([expect.objectContaining({ channel: 'whatsapp', status: 'planned', promoCode: 'WELCOME10', programmeId: byWhatsApp.id })]);

    // The first e-mail attempt "crashes" after the mail went out; the retry finds it in Sent.
    const markSent = coupons.markSent;
    let crashes = 0;
    coupons.markSent = async (...args) => {
      if (args[1] === (await ledger(anna))[0]!.id && crashes === 0) {
        crashes++;
        throw new Error('worker died after the send');
      }
      return markSent(...args);
    };
    for (let i = 0; i < 12; i++) {
      await ctx.platform.dispatcher.drain(20, orgId);
      clock.advance(30_000);
    }
    coupons.markSent = markSent;
    expect(crashes).toBe(1);

    const toAnna = mail.received.filter((m) => m.to.includes(ANNA.address));
    expect(toAnna).toHaveLength(1);
    const parsed = await simpleParser(toAnna[0]!.raw);
    expect(parsed.subject).toBe('Ein Gutschein für Sie: Welcome back: 10 off');
    expect(parsed.text).toMatch(/^Danke für Ihre Bestellung! Hier sind 10,00\s€ Rabatt auf die nächste \(ab 40,00\s€\)/);
    expect(parsed.text).toContain('Ihr Code: WELCOME10');
    // Carla has not written on WhatsApp in the last 24 hours: free text is refused (131047), so the
    // code goes out as the approved marketing template, in Italian.
    expect(graph.sent.map((m) => [m.to, m.type])).toEqual([['393331234567', 'template']]);
    expect(await ledger(anna)).toEqual([expect.objectContaining({ status: 'sent' })]);
    expect(await ledger(carla)).toEqual([expect.objectContaining({ status: 'sent' })]);
    const steps = await ctx.platform.db.system((tx) => tx.select().from(outbox).where(and(eq(outbox.orgId, orgId), eq(outbox.handler, SEND_PROMO_HANDLER))));
    expect(steps.map((s) => s.status).sort()).toEqual(['done', 'done']);
    expect(steps.find((s) => (s.result as { provider?: string }).provider === 'mailbox')).toMatchObject({ attempts: 2, result: expect.objectContaining({ deduplicated: true }) });
    expect(steps.find((s) => (s.result as { provider?: string }).provider !== 'mailbox')).toMatchObject({ attempts: 1, result: expect.objectContaining({ template: true }) });

    // The contact was recorded: the same day nothing more goes to them, from any programme.
    expect(await coupons.runDue(orgId, org.shopId)).toMatchObject({ planned: 0 });
    // The run's evidence went in as one chained batch; the chain verifies.
    expect(await ctx.services.evidence.verify(orgId)).toMatchObject({ ok: true });
  });

  it("win-back suggestions read the buyer's and the shop's history and leave out what the buyer returned", async () => {
    const { orgId } = org;
    // Anna bought hoops and a ring in one order and returned the ring; others bought studs and drops.
    const a = await seedOrder(ctx, org, { lines: [{ unitPrice: 3000, productId: 'hoops', category: 'Earrings' }, { unitPrice: 5000, productId: 'ring', category: 'Rings' }], language: 'de' });
    const anna = await buyerOf(a.orderId);
    for (const [p, n] of [['studs', 3], ['drops', 2], ['ring', 4], ['bangle', 1]] as const) {
      for (let i = 0; i < n; i++) await seedOrder(ctx, org, { lines: [{ unitPrice: 2000, productId: p, category: p === 'ring' ? 'Rings' : p === 'bangle' ? 'Bracelets' : 'Earrings' }] });
    }
    await ctx.platform.db.system((tx) =>
      tx.execute(sql`insert into platform_returns (org_id, id, shop_id, order_id, buyer_id, kind, external_id, external_order_id, type, raw_type, status, raw_status, lines, currency, refund_amount, requested_at, external_updated_at)
        values (${orgId}, 'prt_anna1', ${org.shopId}, ${a.orderId}, ${anna}, 'return', 'r-anna-1', ${a.externalId}, 'return_and_refund', 'RETURN_AND_REFUND', 'completed', 'COMPLETE',
          ${JSON.stringify([{ orderLineId: a.lineIds[1], externalOrderLineId: 'x', skuId: null, productName: 'Product 2', refundAmount: 5000 }])}::jsonb, 'EUR', 5000, now(), now())`),
    );
    const h = await ctx.platform.db.tenant(orgId, (tx) => productHistory(tx, orgId, org.shopId, [anna], clock.now()));
    expect(h.bought.get(anna)?.map((b) => b.productId).sort()).toEqual(['hoops', 'ring']);
    expect([...(h.returned.get(anna) ?? [])]).toEqual(['ring']);
    expect(h.topByCategory.get('Earrings')?.map((p) => p.productId)).toEqual(['studs', 'drops', 'hoops']);
    // Earrings only (the ring was returned): studs and drops, never the ring.
    expect(suggestProducts(h.bought.get(anna)!, h.returned.get(anna)!, h.topByCategory).map((p) => p.productId)).toEqual(['studs', 'drops']);
  });

  it("sends with the programme's WhatsApp template and language code; a send with no number left or consent gone by send time ends as skipped with the reason", async () => {
    const owner = actorFor(org, 'owner');
    const { orgId } = org;
    const coupons = ctx.services.coupons;
    const cookie = await org.cookie('owner');
    for (const p of (await coupons.listProgrammes(owner, { shopId: org.shopId })).items) await coupons.updateProgramme(owner, p.id, { status: 'paused' });
    const [code] = (await coupons.listPlatformCoupons(owner, org.shopId)).items;
    const body = { shopId: org.shopId, name: 'Return visit, own template', kind: 'return_visit', schedule: { afterDeliveryDays: 3 }, holdoutPercent: 0, budget: 100_000, channel: 'whatsapp', variants: [{ key: 'a', platformCouponId: code!.id }] };
    // The name is WhatsApp's (lower case, digits, underscores); a bad one is a 400 naming the field.
    const bad = await ctx.app.inject({ method: 'POST', url: '/api/coupons/programmes', headers: { cookie }, payload: { ...body, whatsappTemplate: { name: 'Voltix Coupon', languages: {} } } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().details.issues[0].field).toBe('whatsappTemplate.name');
    const made = await ctx.app.inject({ method: 'POST', url: '/api/coupons/programmes', headers: { cookie }, payload: { ...body, whatsappTemplate: { name: 'voltix_coupon_v2', languages: { it: 'it_IT' } } } });
    expect(made.statusCode).toBe(200);
    expect(made.json().whatsappTemplate).toEqual({ name: 'voltix_coupon_v2', languages: { it: 'it_IT' } });

    // Three Italian buyers with a WhatsApp number and consent, each with an order delivered three days ago.
    const phones = { dora: '+393331111111', eva: '+393332222222', gio: '+393333333333' };
    const ids: Record<string, string> = {};
    for (const [name, phone] of Object.entries(phones)) {
      ids[name] = await buyerOf((await seedOrder(ctx, org, { lines: [{ unitPrice: 4500 }], language: 'it' })).orderId);
      await ctx.services.helpdesk.ingestInbound({ orgId, shopId: org.shopId, channel: 'whatsapp', externalThreadId: phone, externalMessageId: `wamid.in.${name}`, buyer: { phone, name, language: 'it' }, direction: 'inbound', text: 'Ciao!', sentAt: clock.now().toISOString() });
      await ctx.platform.db.system((tx) => tx.execute(sql`update tickets set buyer_id = ${ids[name]}, status = 'solved' where org_id = ${orgId} and buyer_phone = ${phone}`));
      await ctx.services.outreach.setPreferences(owner, ids[name]!, { marketingConsent: true, consentSource: 'portal' });
    }
    await coupons.runDue(orgId, org.shopId);
    const ledger = async (buyerId: string) => (await coupons.ledgerOfBuyer(owner, buyerId)).items;
    for (const id of Object.values(ids)) expect(await ledger(id)).toEqual([expect.objectContaining({ channel: 'whatsapp', status: 'planned', skipReason: null })]);

    // Before the send: Dora's number is gone (her ticket erased it), Gio unsubscribes.
    await ctx.platform.db.system((tx) => tx.execute(sql`update tickets set buyer_phone = null where org_id = ${orgId} and buyer_id = ${ids.dora}`));
    await ctx.services.outreach.setPreferences(owner, ids.gio!, { unsubscribed: true });
    const wa = ctx.services.whatsapp;
    const sendText = wa.sendText;
    const templates: { to: string; name?: string; language?: string }[] = [];
    wa.sendText = async (o, sh, m, fb) => {
      templates.push({ to: m.to, name: m.template?.name, language: m.template?.language });
      return sendText.call(wa, o, sh, m, fb);
    };
    for (let i = 0; i < 4; i++) {
      await ctx.platform.dispatcher.drain(20, orgId);
      clock.advance(30_000);
    }
    wa.sendText = sendText;
    // Eva gets the code as the programme's template, in its Italian language code.
    expect(templates).toEqual([{ to: phones.eva, name: 'voltix_coupon_v2', language: 'it_IT' }]);
    expect(graph.sent.filter((m) => m.to === phones.eva.slice(1)).map((m) => m.type)).toEqual(['template']);
    expect(await ledger(ids.eva!)).toEqual([expect.objectContaining({ status: 'sent', skipReason: null })]);
    // Dora and Gio: terminal, with the reason, and the step done (nothing left to retry).
    expect(await ledger(ids.dora!)).toEqual([expect.objectContaining({ status: 'skipped', skipReason: 'no_address', sentAt: null })]);
    expect(await ledger(ids.gio!)).toEqual([expect.objectContaining({ status: 'skipped', skipReason: 'unsubscribed', sentAt: null })]);
    const steps = await ctx.platform.db.system((tx) => tx.select().from(outbox).where(and(eq(outbox.orgId, orgId), eq(outbox.handler, SEND_PROMO_HANDLER))));
    const stepOf = async (buyerId: string) => steps.find((st) => st.subjectId === (ledgerIds.get(buyerId) ?? ''));
    const ledgerIds = new Map<string, string>();
    for (const id of Object.values(ids)) ledgerIds.set(id, (await ledger(id))[0]!.id);
    expect(await stepOf(ids.dora!)).toMatchObject({ status: 'done', attempts: 1, result: { skipped: 'no_address' } });
    expect(await stepOf(ids.gio!)).toMatchObject({ status: 'done', attempts: 1, result: { skipped: 'unsubscribed' } });
    // The buyer's ledger over HTTP (the inbox sidebar) carries the reason; the evidence says why.
    const http = await ctx.app.inject({ method: 'GET', url: `/api/coupons/buyers/${ids.dora}/ledger`, headers: { cookie } });
    expect(http.json().items[0]).toMatchObject({ status: 'skipped', skipReason: 'no_address' });
    const ev = await ctx.platform.db.system((tx) => tx.execute(sql`select summary from evidence_records where org_id = ${orgId} and case_id = ${ids.gio} order by occurred_at, id`));
    expect((ev.rows as { summary: string }[]).map((e) => e.summary).at(-1)).toBe('Promo code not sent: the buyer unsubscribed before the send');
    // A skipped send does not count against the budget.
    const prog = (await coupons.getProgramme(owner, made.json().id)).programme;
    expect(prog.figures.committedThisMonth).toBe(1000);
    // Nor toward the frequency cap: the contacts planned for Dora and Gio are withdrawn, Eva's counts.
    const since = new Date(clock.now().getTime() - 31 * 86_400_000);
    const facts = await ctx.platform.db.tenant(orgId, (tx) => ctx.services.outreach.contactFactsIn(tx, orgId, [ids.dora!, ids.eva!, ids.gio!], since));
    expect([ids.dora, ids.eva, ids.gio].map((b) => facts.get(b!)?.history.length)).toEqual([0, 1, 0]);
    const withdrawn = await ctx.platform.db.system((tx) => tx.execute(sql`select buyer_id, ref, withdrawn_at is not null as gone from outreach_contacts where org_id = ${orgId} and buyer_id = any(${sql.param([ids.dora!, ids.eva!, ids.gio!])}::text[]) order by buyer_id`));
    expect(new Map((withdrawn.rows as { buyer_id: string; ref: string; gone: boolean }[]).map((x) => [x.buyer_id, [x.ref, x.gone]]))).toEqual(new Map([[ids.dora!, [ledgerIds.get(ids.dora!), true]], [ids.eva!, [ledgerIds.get(ids.eva!), false]], [ids.gio!, [ledgerIds.get(ids.gio!), true]]]));
    // The next day (the same-day rule no longer applies) Dora may be offered again; with the skipped contact counted she could not once the cap is one.
    clock.advance(86_400_000);
    const d = await ctx.platform.db.tenant(orgId, (tx) => ctx.services.outreach.decideIn(tx, { orgId, shopId: org.shopId, buyerId: ids.gio!, purpose: 'marketing', channel: 'tiktok_chat', zone: 'Europe/Berlin', reach: { canSendMessage: true }, policy: { quietHours: { start: 21, end: 9 }, maxPer30Days: 1 } }));
    expect(d.reasons).toEqual(['unsubscribed']);
    const e = await ctx.platform.db.tenant(orgId, (tx) => ctx.services.outreach.decideIn(tx, { orgId, shopId: org.shopId, buyerId: ids.eva!, purpose: 'marketing', channel: 'tiktok_chat', zone: 'Europe/Berlin', reach: { canSendMessage: true }, policy: { quietHours: { start: 21, end: 9 }, maxPer30Days: 1 } }));
    expect(e.reasons).toEqual(['frequency_cap']);
    const dd = await ctx.platform.db.tenant(orgId, (tx) => ctx.services.outreach.decideIn(tx, { orgId, shopId: org.shopId, buyerId: ids.dora!, purpose: 'marketing', channel: 'tiktok_chat', zone: 'Europe/Berlin', reach: { canSendMessage: true }, policy: { quietHours: { start: 21, end: 9 }, maxPer30Days: 1 } }));
    expect(dd).toEqual({ allowed: true, reasons: [], notBefore: null });
  });

  it('win-back end to end: a full programme run 60 days after the last order sends the buyer the suggested products, never the one she returned', async () => {
    const owner = actorFor(org, 'owner');
    const { orgId } = org;
    const coupons = ctx.services.coupons;
    for (const p of (await coupons.listProgrammes(owner, { shopId: org.shopId })).items) await coupons.updateProgramme(owner, p.id, { status: 'paused' });
    const [code] = (await coupons.listPlatformCoupons(owner, org.shopId)).items;
    const winback = await coupons.createProgramme(owner, { shopId: org.shopId, name: 'Win-back by e-mail', kind: 'winback', schedule: { inactiveDays: 60 }, segment: {}, holdoutPercent: 0, budget: 100_000, channel: 'email', maxMinSpend: null, maxFaceValue: null, messages: {}, variants: [{ key: 'a', platformCouponId: code!.id, weight: 1 }] });
    // Products get their own names (the fixture calls every first line "Product 1").
    await ctx.platform.db.system((tx) => tx.execute(sql`update order_lines set product_name = initcap(product_id) where org_id = ${orgId}`));
    // The buyer of the previous test who bought hoops and a ring and returned the ring now has Anna's mailbox and
    // consent (the first test's Anna withdraws hers). Her last order + 60 days, 09:00 in Berlin.
    const firstAnna = (await ctx.platform.db.system((tx) => tx.execute(sql`select id from buyers where org_id = ${orgId} and email = ${ANNA.address}`))).rows[0]!.id as string;
    await ctx.services.outreach.setPreferences(owner, firstAnna, { marketingConsent: false });
    await ctx.platform.db.system((tx) => tx.execute(sql`update buyers set email = null where id = ${firstAnna}`));
    const annaId = (await ctx.platform.db.system((tx) => tx.execute(sql`select o.buyer_id from orders o join order_lines l on l.org_id = o.org_id and l.order_id = o.id where o.org_id = ${orgId} and l.product_id = 'hoops'`))).rows[0]!.buyer_id as string;
    await ctx.platform.db.system((tx) => tx.execute(sql`update buyers set email = ${ANNA.address} where id = ${annaId}`));
    await ctx.services.outreach.setPreferences(owner, annaId, { marketingConsent: true, consentSource: 'portal' });
    const last = (await ctx.platform.db.system((tx) => tx.execute(sql`select max(placed_at) as at from orders where org_id = ${orgId} and buyer_id = ${annaId}`))).rows[0]!.at as Date;
    const due = DateTime.fromJSDate(new Date(last), { zone: 'Europe/Berlin' }).startOf('day').plus({ days: 60 }).set({ hour: 9 });
    clock.set(due.toJSDate());
    const before = mail.received.filter((m) => m.to.includes(ANNA.address)).length;
    const run = await coupons.runDue(orgId, org.shopId);
    expect(run.planned).toBe(1);
    const [row] = (await coupons.ledgerOfBuyer(owner, annaId)).items.filter((r) => r.programmeId === winback.id);
    expect(row).toMatchObject({ status: 'planned', channel: 'email', occasion: expect.stringMatching(/^winback:ord_/) });
    for (let i = 0; i < 4; i++) {
      await ctx.platform.dispatcher.drain(20, orgId);
      clock.advance(30_000);
    }
    const mails = mail.received.filter((m) => m.to.includes(ANNA.address));
    expect(mails).toHaveLength(before + 1);
    const text = (await simpleParser(mails.at(-1)!.raw)).text ?? '';
    // Earrings, what the shop's buyers bought most that she has not: studs, then drops; the returned ring never.
    expect(text).toContain('Das könnte Ihnen gefallen: Studs, Drops.');
    expect(text).not.toContain('Ring');
    expect(text).toContain('Ihr Code: WELCOME10');
    expect((await coupons.ledgerOfBuyer(owner, annaId)).items.find((r) => r.id === row!.id)).toMatchObject({ status: 'sent' });
  });
});
