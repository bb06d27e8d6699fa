import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerModuleWorkers } from '../../src/app/modules.js';
import { startWhatsAppStandIn, type WhatsAppStandIn } from '../../src/integrations/whatsapp/index.js';
import { startBusinessStandIn, type BusinessStandIn } from '../../src/integrations/video-comments/index.js';
import { tiktokBusinessAccounts, tiktokBusinessOauthStates, videoComments } from '../../src/integrations/video-comments/comments.schema.js';
import { whatsappNumbers } from '../../src/integrations/whatsapp/whatsapp.schema.js';
import { tickets, ticketMessages } from '../../src/modules/helpdesk/helpdesk.schema.js';
import { ManualClock } from '../../src/platform/clock.js';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { addBrand, createTestOrg, type TestOrg } from '../helpers/org.js';

// A 1×1 JPEG-ish payload is enough: the bytes must arrive unchanged in the evidence store.
const PHOTO = Buffer.from('/9j/4AAQSkZJRgABAQEASABIAAD/2wBDAP//////////////////////////////////////////////////////////////////////////////////////wgALCAABAAEBAREA/8QAFBABAAAAAAAAAAAAAAAAAAAAAP/aAAgBAQABPxA=', 'base64');
const PNID = '109876543210';

describe('WhatsApp Cloud API channel against the local Graph stand-in', () => {
  let ctx: TestContext;
  let org: TestOrg;
  let graph: WhatsAppStandIn;
  let business: BusinessStandIn;
  let clock: ManualClock;
  let numberId: string;
  let server: string;

  beforeAll(async () => {
    graph = await startWhatsAppStandIn();
    clock = new ManualClock(Date.now());
    business = await startBusinessStandIn({ now: () => clock.now() });
    ctx = await createTestContext({ clock, env: { WHATSAPP_GRAPH_BASE: graph.base, TIKTOK_BUSINESS_API_BASE: business.base, OUTBOUND_ALLOW: `127.0.0.1:${graph.port},127.0.0.1:${business.port}` } });
    await registerModuleWorkers(ctx.platform, ctx.services);
    server = await ctx.app.listen({ port: 0, host: '127.0.0.1' });
    org = await createTestOrg(ctx);
    const cookie = await org.cookie('owner');
    const res = await ctx.app.inject({ method: 'PUT', url: `/api/shops/${org.shopId}/whatsapp`, headers: { cookie }, payload: { phoneNumberId: PNID, displayNumber: '+49 89 555 0100', accessToken: 'EAAG-test-access-token', appSecret: 'app-secret-123', verifyToken: 'verify-me-123' } });
    expect(res.statusCode).toBe(200);
    numberId = res.json().id;
    expect(res.json().webhookUrl).toMatch(new RegExp(`/webhooks/whatsapp/${numberId}$`));
    graph.registerNumber({ phoneNumberId: PNID, displayNumber: '+49 89 555 0100', token: 'EAAG-test-access-token', appSecret: 'app-secret-123', webhookUrl: `${server}/webhooks/whatsapp/${numberId}` });
  }, 60_000);
  afterAll(async () => {
    await ctx?.close();
    await graph?.close();
    await business?.close();
  });

  const ticketsOf = () => ctx.platform.db.tenant(org.orgId, (tx) => tx.select().from(tickets).where(and(eq(tickets.orgId, org.orgId), eq(tickets.channel, 'whatsapp'))));
  const messagesOf = (id: string) => ctx.platform.db.tenant(org.orgId, (tx) => tx.select().from(ticketMessages).where(and(eq(ticketMessages.orgId, org.orgId), eq(ticketMessages.ticketId, id))).orderBy(ticketMessages.sentAt));

  it('keeps the secrets sealed and answers the subscription handshake only with the right token', async () => {
    const [row] = await ctx.platform.db.tenant(org.orgId, (tx) => tx.select().from(whatsappNumbers).where(eq(whatsappNumbers.orgId, org.orgId)));
    for (const secret of [row!.accessToken, row!.appSecret, row!.verifyToken]) expect(secret).toMatch(/^v1\./);
    const ok = await fetch(`${server}/webhooks/whatsapp/${numberId}?hub.mode=subscribe&hub.verify_token=verify-me-123&hub.challenge=1158201444`);
    expect([ok.status, await ok.text()]).toEqual([200, '1158201444']);
    const wrong = await fetch(`${server}/webhooks/whatsapp/${numberId}?hub.mode=subscribe&hub.verify_token=guess&hub.challenge=1`);
    expect(wrong.status).toBe(401);
    const unknown = await fetch(`${server}/webhooks/whatsapp/wan_unknown?hub.mode=subscribe&hub.verify_token=verify-me-123&hub.challenge=1`);
    expect(unknown.status).toBe(401);
  });

  it('turns a signed webhook with an image into a ticket whose image is an evidence file; refuses unsigned and tampered ones', async () => {
    const r = await graph.inbound({ phoneNumberId: PNID, from: '+49 151 2345 6789', name: 'Tobias Klein', text: 'Der Verschluss geht ständig auf', media: { type: 'image', bytes: PHOTO, mimeType: 'image/jpeg' } });
    expect(r.status).toBe(200);
    const [t] = await ticketsOf();
    expect(t).toMatchObject({ channel: 'whatsapp', buyerPhone: '+4915123456789', buyerName: 'Tobias Klein', status: 'new' });
    // The media arrives by its outbox step: lookup → download with the token → evidence file.
    expect(await ctx.platform.dispatcher.drain(50, org.orgId)).toMatchObject({ done: 1, failed: 0 });
    const [m] = await messagesOf(t!.id);
    expect(m!.body).toBe('Der Verschluss geht ständig auf');
    expect(m!.attachments).toHaveLength(1);
    const file = await ctx.services.evidence.readFile(org.orgId, m!.attachments[0]!.sha256!);
    expect(file.bytes.equals(PHOTO)).toBe(true);

    // Unsigned, signed with another secret, or changed after signing: 401 and nothing stored.
    const body = JSON.stringify({ object: 'whatsapp_business_account', entry: [{ changes: [{ value: { metadata: { phone_number_id: PNID }, messages: [{ from: '4915100000', id: 'wamid.forged', timestamp: '1', type: 'text', text: { body: 'forged' } }] } }] }] });
    const unsigned = await fetch(`${server}/webhooks/whatsapp/${numberId}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(unsigned.status).toBe(401);
    expect((await graph.inbound({ phoneNumberId: PNID, from: '+4915100000', text: 'other secret', signWith: 'not-the-app-secret' })).status).toBe(401);
    const { hubSignature } = await import('../../src/integrations/whatsapp/index.js');
    const tampered = await fetch(`${server}/webhooks/whatsapp/${numberId}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-hub-signature-256': hubSignature('app-secret-123', body) }, body: body.replace('forged', 'FORGED') });
    expect(tampered.status).toBe(401);
    expect(await ticketsOf()).toHaveLength(1);
  });

  it('replies with text and a file through the Graph API, follows delivery statuses, and refuses a reply outside the 24-hour window', async () => {
    const [t] = await ticketsOf();
    const [first] = await messagesOf(t!.id);
    const cookie = await org.cookie('agent');
    const rep = await ctx.app.inject({ method: 'POST', url: `/api/tickets/${t!.id}/reply`, headers: { cookie }, payload: { text: 'Wir schicken Ihnen einen neuen Verschluss.', attachments: [{ sha256: first!.attachments[0]!.sha256!, fileName: 'clasp.jpg', contentType: 'image/jpeg' }] } });
    expect(rep.statusCode).toBe(201);
    expect(await ctx.platform.dispatcher.drain(50, org.orgId)).toMatchObject({ done: 1, failed: 0 });
    expect(graph.sent.map((s) => [s.to, s.type, s.text ?? null])).toEqual([
      ['4915123456789', 'text', 'Wir schicken Ihnen einen neuen Verschluss.'],
      ['4915123456789', 'image', null],
    ]);
    const reply = (await messagesOf(t!.id)).find((m) => m.direction === 'outbound')!;
    expect(reply).toMatchObject({ deliveryStatus: 'sent', externalMessageId: graph.sent[0]!.wamid });

    // Meta's statuses arrive signed, possibly out of order: read stays read.
    expect(await graph.status(PNID, graph.sent[0]!.wamid, 'read')).toBe(200);
    expect(await graph.status(PNID, graph.sent[0]!.wamid, 'delivered')).toBe(200);
    const after = (await messagesOf(t!.id)).find((m) => m.direction === 'outbound')!;
    expect(after).toMatchObject({ deliveryStatus: 'sent', channelMeta: { delivery: 'read' } });

    // 25 hours of silence from the buyer: free-form text is refused up front with a clear error.
    clock.advance(25 * 3_600_000);
    const late = await ctx.app.inject({ method: 'POST', url: `/api/tickets/${t!.id}/reply`, headers: { cookie }, payload: { text: 'Haben Sie den Verschluss erhalten?' } });
    expect(late.statusCode).toBe(422);
    expect(late.json()).toMatchObject({ code: 'whatsapp.window_closed' });
    expect(graph.sent).toHaveLength(2);
  });

  it('marks a reply failed with the platform’s reason when Meta reports a failure', async () => {
    const r = await graph.inbound({ phoneNumberId: PNID, from: '+33 6 12 34 56 78', name: 'Léa', text: 'Bonjour, ma commande ?', at: clock.now() });
    expect(r.status).toBe(200);
    const t = (await ticketsOf()).find((x) => x.buyerPhone === '+33612345678')!;
    const cookie = await org.cookie('agent');
    expect((await ctx.app.inject({ method: 'POST', url: `/api/tickets/${t.id}/reply`, headers: { cookie }, payload: { text: 'Elle part demain.' } })).statusCode).toBe(201);
    expect(await ctx.platform.dispatcher.drain(50, org.orgId)).toMatchObject({ done: 1 });
    const wamid = graph.sent.at(-1)!.wamid;
    expect(await graph.status(PNID, wamid, 'failed', { code: 131026, title: 'Message undeliverable' })).toBe(200);
    const reply = (await messagesOf(t.id)).find((m) => m.direction === 'outbound')!;
    expect(reply).toMatchObject({ deliveryStatus: 'failed', channelMeta: { deliveryError: '131026 Message undeliverable' } });
  });

  it('a number whose token Meta refuses is a channel failure the owners hear of once; the next success clears it', async () => {
    const r = await graph.inbound({ phoneNumberId: PNID, from: '+39 333 123 4567', name: 'Marco', text: 'Ciao, il pacco è arrivato aperto.', at: clock.now() });
    expect(r.status).toBe(200);
    const t = (await ticketsOf()).find((x) => x.buyerPhone === '+393331234567')!;
    const cookie = await org.cookie('agent');
    const owner = { orgId: org.orgId, userId: org.users.owner.id, role: 'owner' as const };
    const told = async () => (await ctx.services.notifications.list(owner, { limit: 50 })).items.filter((n) => n.kind === 'channel_failure');
    const numberView = async () => (await ctx.app.inject({ method: 'GET', url: `/api/shops/${org.shopId}/whatsapp`, headers: { cookie: await org.cookie('owner') } })).json().number;
    // Meta no longer accepts the token we hold (revoked in the Meta app).
    graph.registerNumber({ phoneNumberId: PNID, displayNumber: '+49 89 555 0100', token: 'EAAG-rotated-elsewhere', appSecret: 'app-secret-123', webhookUrl: `${server}/webhooks/whatsapp/${numberId}` });
    for (const text of ['Ci scusi, le scriviamo subito.', 'Ecco il reso.']) {
      expect((await ctx.app.inject({ method: 'POST', url: `/api/tickets/${t.id}/reply`, headers: { cookie }, payload: { text } })).statusCode).toBe(201);
      expect(await ctx.platform.dispatcher.drain(50, org.orgId)).toMatchObject({ done: 0, failed: 1 });
    }
    expect((await told()).map((n) => [n.shopId, n.params])).toEqual([[org.shopId, { channel: 'whatsapp', step: 'token' }]]);
    expect((await numberView()).lastError).toMatch(/Invalid OAuth access token/);
    // Back in order: the next send succeeds and the number is no longer failing.
    graph.registerNumber({ phoneNumberId: PNID, displayNumber: '+49 89 555 0100', token: 'EAAG-test-access-token', appSecret: 'app-secret-123', webhookUrl: `${server}/webhooks/whatsapp/${numberId}` });
    expect((await ctx.app.inject({ method: 'POST', url: `/api/tickets/${t.id}/reply`, headers: { cookie }, payload: { text: 'Le mandiamo un corriere.' } })).statusCode).toBe(201);
    expect(await ctx.platform.dispatcher.drain(50, org.orgId)).toMatchObject({ done: 1, failed: 0 });
    expect((await numberView()).lastError).toBeNull();
    expect(await told()).toHaveLength(1);
  });
  // The same context serves the other API-driven channel: TikTok video comments (API for Business).
  describe('TikTok video comments against the API for Business stand-in', () => {
    const BIZ = { businessId: '7123456789012345678', token: 'act.business-token-123', displayName: 'voltix.official' };
    let videoId: string;
    const commentTickets = () => ctx.platform.db.tenant(org.orgId, (tx) => tx.select().from(tickets).where(and(eq(tickets.orgId, org.orgId), eq(tickets.channel, 'video_comment'))));
    const poll = async () => {
      const res = await ctx.app.inject({ method: 'POST', url: `/api/shops/${org.shopId}/tiktok-comments/poll`, headers: { cookie: await org.cookie('supervisor') }, payload: {} });
      expect(res.statusCode).toBe(200);
      return res.json();
    };

    beforeAll(async () => {
      business.registerAccount(BIZ);
      videoId = business.addVideo(BIZ.businessId, { caption: 'Voltix power bank unboxing', at: new Date(clock.now().getTime() - 86_400_000) }).item_id;
    });

    it('connects an account with a sealed token, and the test reads the video list', async () => {
      const owner = await org.cookie('owner');
      const missing = await ctx.app.inject({ method: 'PUT', url: `/api/shops/${org.shopId}/tiktok-comments`, headers: { cookie: owner }, payload: { businessId: BIZ.businessId, displayName: BIZ.displayName } });
      expect(missing.statusCode).toBe(400);
      const res = await ctx.app.inject({ method: 'PUT', url: `/api/shops/${org.shopId}/tiktok-comments`, headers: { cookie: owner }, payload: { businessId: BIZ.businessId, displayName: BIZ.displayName, accessToken: 'act.wrong-token-000' } });
      expect(res.statusCode).toBe(200);
      expect(res.json()).not.toHaveProperty('accessToken');
      const bad = await ctx.app.inject({ method: 'POST', url: `/api/shops/${org.shopId}/tiktok-comments/test`, headers: { cookie: owner }, payload: {} });
      expect(bad.json()).toMatchObject({ ok: false, error: expect.stringContaining('access token is invalid') });
      await ctx.app.inject({ method: 'PUT', url: `/api/shops/${org.shopId}/tiktok-comments`, headers: { cookie: owner }, payload: { businessId: BIZ.businessId, displayName: BIZ.displayName, accessToken: BIZ.token } });
      const ok = await ctx.app.inject({ method: 'POST', url: `/api/shops/${org.shopId}/tiktok-comments/test`, headers: { cookie: owner }, payload: {} });
      expect(ok.json()).toEqual({ ok: true, videos: 1, error: null });
      const [row] = await ctx.platform.db.tenant(org.orgId, (tx) => tx.select().from(tiktokBusinessAccounts).where(eq(tiktokBusinessAccounts.orgId, org.orgId)));
      expect(row!.accessToken).toMatch(/^v1\./);
      expect(row!.accessToken).not.toContain(BIZ.token);
      // The demo holds the scheduled poll until its stand-in is named: with the client pointing at a
      // port nothing listens on, a held poll calls nothing and marks nothing failing.
      ctx.services.videoComments.retarget('http://127.0.0.1:9/open_api/v1.3');
      ctx.services.videoComments.holdUntilRetarget();
      expect(await ctx.services.videoComments.pollAll()).toEqual({ accounts: 0, tickets: 0, failed: 0 });
      const [held] = await ctx.platform.db.tenant(org.orgId, (tx) => tx.select({ status: tiktokBusinessAccounts.status }).from(tiktokBusinessAccounts).where(eq(tiktokBusinessAccounts.orgId, org.orgId)));
      expect(held!.status).toBe('active');
      ctx.services.videoComments.retarget(business.base);
      expect(await ctx.services.videoComments.pollAll()).toMatchObject({ accounts: 1, failed: 0 });
    });

    it('polls complaints into video_comment tickets threaded per comment, leaves praise out, and never duplicates', async () => {
      const at = (min: number) => new Date(clock.now().getTime() - 3_600_000 + min * 60_000);
      const broken = business.comment({ videoId, userId: 'u-1001', username: 'mila.k', displayName: 'Mila K', text: 'Mine arrived broken, the cable does not work', at: at(1) });
      business.comment({ videoId, userId: 'u-1002', username: 'fan', text: 'Love it 😍', at: at(2) });
      business.comment({ videoId, userId: 'u-1003', username: 'jonas', text: 'Falscher Artikel geliefert, wie bekomme ich mein Geld zurück?', at: at(3) });
      expect(await poll()).toMatchObject({ videos: 1, seen: 3, tickets: 2, ignored: 1, busy: false });
      // The buyer adds a reply under her comment: the same ticket; a second poll finds nothing new.
      business.comment({ videoId, userId: 'u-1001', username: 'mila.k', displayName: 'Mila K', text: 'Hello??', parentId: broken, at: at(4) });
      expect(await poll()).toMatchObject({ seen: 1, tickets: 0 });
      expect(await poll()).toMatchObject({ seen: 0, tickets: 0 });
      const ts = (await commentTickets()).sort((a, b) => String(a.buyerName).localeCompare(String(b.buyerName)));
      expect(ts.map((t) => [t.buyerName, t.messageCount, t.externalThreadId.startsWith('ttcomment:')])).toEqual([
        ['jonas', 1, true],
        ['Mila K', 2, true],
      ]);
      const mila = ts.find((t) => t.externalThreadId === `ttcomment:${broken}`)!;
      const msgs = await messagesOf(mila.id);
      expect(msgs.map((m) => m.body)).toEqual(['Mine arrived broken, the cable does not work', 'Hello??']);
      expect(msgs[0]!.channelMeta).toMatchObject({ videoComment: { videoId, commentId: broken, videoUrl: expect.stringContaining(videoId), caption: 'Voltix power bank unboxing', category: 'severe_damage' } });
      const decisions = await ctx.platform.db.tenant(org.orgId, (tx) => tx.select().from(videoComments).where(eq(videoComments.orgId, org.orgId)));
      expect(decisions.map((d) => d.decision).sort()).toEqual(['ignored', 'ticket', 'ticket', 'ticket']);
    });

    it("ties a comment ticket to its video's traffic source: the ticket shows the source's orders and returns, analytics counts the comment complaints", async () => {
      // Three delivered orders attributed to this video (creator/shop video source), one returned.
      const day = 86_400_000;
      const now = clock.now().getTime();
      const orders = [1, 2, 3].map((i) => ({
        shopId: org.shopId, externalId: `VC-${i}`, buyer: { platformBuyerId: `vb-${i}`, displayName: null, email: null }, status: 'delivered', rawStatus: 'DELIVERED', currency: 'EUR',
        subtotal: 2000, shipping: 0, sellerDiscount: 0, platformDiscount: 0, tax: 0, total: 2000, placedAt: new Date(now - 12 * day), paidAt: new Date(now - 12 * day), deliveredAt: new Date(now - 9 * day),
        trackingNumber: null, carrier: null, deliveryStatus: 'delivered', externalUpdatedAt: new Date(now - 9 * day),
        lines: [{ externalId: `VC-${i}-1`, skuId: 'sku-pb', productId: 'pb', productName: 'Power bank', unitPrice: 2000, paidAmount: 2000, trafficSource: { type: 'organic', id: null, name: null } }],
      }));
      const returned = { shopId: org.shopId, kind: 'return', externalId: 'R-VC-1', externalOrderId: 'VC-1', type: 'return_and_refund', rawType: 'RETURN_AND_REFUND', status: 'completed', rawStatus: 'RETURN_OR_REFUND_REQUEST_COMPLETE', reasonCode: 'ecom_order_delivered_refund_and_return_reason_not_as_described', reasonText: 'Not as described', lines: [{ externalOrderLineId: 'VC-1-1', refundAmount: 2000 }], currency: 'EUR', refundAmount: 2000, photos: [], videos: [], arbitrationStatus: null, requestedAt: new Date(now - 8 * day), externalUpdatedAt: new Date(now - 8 * day) };
      await ctx.platform.db.tenant(org.orgId, async (tx) => {
        await ctx.services.orders.applyOrders(tx, org.orgId, orders as never);
        await ctx.services.orders.applyPlatformReturns(tx, org.orgId, [returned] as never);
      });
      await ctx.services.analytics.ingestClaims(org.orgId, org.shopId, orders.map((o) => ({ externalOrderId: o.externalId, productId: 'pb', provenance: 'affiliate_orders' as const, sourceType: 'creator_video' as const, sourceId: videoId, sourceName: 'voltix.official: power bank unboxing' })));
      const supervisor = await org.cookie('supervisor');
      const report = await ctx.app.inject({ method: 'GET', url: `/api/analytics/report?by=source&shopId=${org.shopId}`, headers: { cookie: supervisor } });
      const row = (report.json().items as { sourceType: string; sourceId: string; orders: number; returns: number; commentComplaints?: number }[]).find((r) => r.sourceType === 'creator_video' && r.sourceId === videoId);
      // Two comment threads under the video became tickets (Mila's and Jonas's); praise did not.
      expect(row).toMatchObject({ orders: 3, returns: 1, commentComplaints: 2 });
      const [mila] = (await commentTickets()).filter((t) => t.buyerName === 'Mila K');
      const commentId = mila!.externalThreadId.slice('ttcomment:'.length);
      const source = await ctx.app.inject({ method: 'GET', url: `/api/video-comments/${commentId}/source`, headers: { cookie: await org.cookie('agent') } });
      expect(source.json()).toMatchObject({ commentId, shopId: org.shopId, videoId, sourceType: 'creator_video', sourceId: videoId, attributed: true, name: 'voltix.official: power bank unboxing', orders: 3, returns: 1, commentComplaints: 2 });
      expect(source.json().returnRate).toBeCloseTo(1 / 3, 6);
      const other = await createTestOrg(ctx);
      expect((await ctx.app.inject({ method: 'GET', url: `/api/video-comments/${commentId}/source`, headers: { cookie: await other.cookie('agent') } })).statusCode).toBe(404);
    });

    it('replies under the comment through the outbox; a lost answer is recovered by re-reading, never posted twice', async () => {
      const [mila] = (await commentTickets()).filter((t) => t.buyerName === 'Mila K');
      const agent = await org.cookie('agent');
      const long = await ctx.app.inject({ method: 'POST', url: `/api/tickets/${mila!.id}/reply`, headers: { cookie: agent }, payload: { text: 'x'.repeat(151) } });
      expect([long.statusCode, long.json().code]).toEqual([422, 'video_comment.reply_too_long']);

      const rep = await ctx.app.inject({ method: 'POST', url: `/api/tickets/${mila!.id}/reply`, headers: { cookie: agent }, payload: { text: 'So sorry Mila! We sent you a DM to replace it.' } });
      expect(rep.statusCode).toBe(201);
      business.loseNextReplyAnswer();
      expect(await ctx.platform.dispatcher.drain(50, org.orgId)).toMatchObject({ done: 0 });
      expect(business.replyCalls).toHaveLength(1);
      clock.advance(10 * 60_000);
      expect(await ctx.platform.dispatcher.drain(50, org.orgId)).toMatchObject({ done: 1, failed: 0 });
      // The retry found its reply among the comment's replies instead of posting again.
      expect(business.replyCalls).toEqual([{ commentId: mila!.externalThreadId.slice('ttcomment:'.length), text: 'So sorry Mila! We sent you a DM to replace it.' }]);
      const ours = [...business.comments.values()].find((c) => c.owner)!;
      const out = (await messagesOf(mila!.id)).find((m) => m.direction === 'outbound')!;
      expect(out).toMatchObject({ deliveryStatus: 'sent', externalMessageId: `ttc:${ours.comment_id}` });
      // Our own reply is not ingested back as a buyer message.
      await poll();
      expect((await messagesOf(mila!.id)).filter((m) => m.direction === 'inbound')).toHaveLength(2);
    });

    it('connects with TikTok over real HTTP: consent page, one-time state bound to the session, sealed tokens, refresh before expiry', async () => {
      const APP = { appId: '7300000000000000999', secret: 'app-secret-oauth', redirectUri: `${server}/api/tiktok-business/oauth/callback` };
      const BIZ2 = { businessId: '7123456789000000002', token: 'act.never-used-pasted', displayName: 'voltix.uk' };
      business.registerApp(APP);
      business.registerAccount(BIZ2);
      const owner = await org.cookie('owner');
      const { shopId } = await addBrand(ctx, org, { market: 'GB', name: 'OAuth brand' });
      const before = await ctx.app.inject({ method: 'GET', url: `/api/shops/${shopId}/tiktok-comments`, headers: { cookie: owner } });
      expect(before.json()).toEqual({ account: null, oauthAvailable: false });
      const unavailable = await ctx.app.inject({ method: 'POST', url: `/api/shops/${shopId}/tiktok-comments/authorize`, headers: { cookie: owner }, payload: {} });
      expect([unavailable.statusCode, unavailable.json().code]).toEqual([422, 'video_comments.oauth_unavailable']);
      ctx.services.videoComments.retarget(business.base, { appId: APP.appId, appSecret: APP.secret, authUrl: business.authUrl, redirectUri: APP.redirectUri });
      expect((await ctx.app.inject({ method: 'GET', url: `/api/shops/${shopId}/tiktok-comments`, headers: { cookie: owner } })).json()).toEqual({ account: null, oauthAvailable: true });

      // The whole round trip, as the owner's browser makes it.
      const consent = async (decision: 'allow' | 'deny') => {
        const start = await ctx.app.inject({ method: 'POST', url: `/api/shops/${shopId}/tiktok-comments/authorize`, headers: { cookie: owner }, payload: {} });
        expect(start.statusCode).toBe(200);
        const url = new URL(start.json().url);
        expect([url.origin + url.pathname, url.searchParams.get('client_key'), url.searchParams.get('redirect_uri'), url.searchParams.get('response_type')]).toEqual([business.authUrl, APP.appId, APP.redirectUri, 'code']);
        expect(url.searchParams.get('scope')!.split(',')).toEqual(expect.arrayContaining(['comment.list', 'comment.list.manage']));
        const page = await fetch(url);
        expect(page.status).toBe(200);
        expect(await page.text()).toContain('Authorize access to your TikTok account');
        const form = new URLSearchParams([...url.searchParams.entries()]);
        form.set('account', BIZ2.businessId);
        form.set('decision', decision);
        const decided = await fetch(new URL('/v2/auth/authorize/decide', url), { method: 'POST', body: form, redirect: 'manual' });
        expect(decided.status).toBe(302);
        return decided.headers.get('location')!;
      };
      const back = await consent('allow');
      expect(back.startsWith(`${APP.redirectUri}?`)).toBe(true);
      // Another organisation's owner cannot use this state (it is bound to the session that started it).
      const stranger = await createTestOrg(ctx);
      const stolen = await fetch(back, { headers: { cookie: await stranger.cookie('owner') } });
      expect([stolen.status, (await stolen.json()).code]).toEqual([400, 'video_comments.bad_state']);
      const landed = await fetch(back, { headers: { cookie: owner, accept: 'text/html' }, redirect: 'manual' });
      expect([landed.status, landed.headers.get('location')]).toEqual([303, `/settings/channels?tiktokBusiness=connected&shop=${shopId}`]);
      // One time only: the same redirect again is refused (and the code was not exchanged twice).
      const replay = await fetch(back, { headers: { cookie: owner, accept: 'text/html' }, redirect: 'manual' });
      expect(replay.headers.get('location')).toBe('/settings/channels?tiktokBusinessError=video_comments.bad_state');
      expect(business.tokenCalls).toEqual([{ grantType: 'authorization_code', ok: true }]);

      const [row] = await ctx.platform.db.tenant(org.orgId, (tx) => tx.select().from(tiktokBusinessAccounts).where(and(eq(tiktokBusinessAccounts.orgId, org.orgId), eq(tiktokBusinessAccounts.shopId, shopId))));
      expect(row).toMatchObject({ businessId: BIZ2.businessId, displayName: BIZ2.displayName, connectedVia: 'oauth', status: 'active' });
      expect(row!.accessToken).toMatch(/^v1\./);
      expect(row!.refreshToken).toMatch(/^v1\./);
      expect(row!.accessExpiresAt!.getTime() - clock.now().getTime()).toBe(86_400_000);
      const view = (await ctx.app.inject({ method: 'GET', url: `/api/shops/${shopId}/tiktok-comments`, headers: { cookie: owner } })).json();
      expect(view.account).toMatchObject({ connectedVia: 'oauth', scopes: expect.arrayContaining(['comment.list']) });
      expect(JSON.stringify(view)).not.toMatch(/act\.|rft\./);
      const states = await ctx.platform.db.tenant(org.orgId, (tx) => tx.select().from(tiktokBusinessOauthStates).where(eq(tiktokBusinessOauthStates.orgId, org.orgId)));
      expect(states.map((x) => [x.userId, x.shopId, !!x.usedAt])).toEqual([[org.users.owner.id, shopId, true]]);

      const test = async () => (await ctx.app.inject({ method: 'POST', url: `/api/shops/${shopId}/tiktok-comments/test`, headers: { cookie: owner }, payload: {} })).json();
      expect(await test()).toMatchObject({ ok: true });
      // Close to the day's end the token is renewed first (the stand-in refuses expired ones).
      clock.advance(86_400_000 - 5 * 60_000);
      expect(await test()).toMatchObject({ ok: true });
      expect(business.tokenCalls.map((c) => [c.grantType, c.ok])).toEqual([['authorization_code', true], ['refresh_token', true]]);
      const [renewed] = await ctx.platform.db.tenant(org.orgId, (tx) => tx.select().from(tiktokBusinessAccounts).where(and(eq(tiktokBusinessAccounts.orgId, org.orgId), eq(tiktokBusinessAccounts.shopId, shopId))));
      expect(renewed!.accessExpiresAt!.getTime() - clock.now().getTime()).toBe(86_400_000);
      expect(renewed!.refreshToken).not.toBe(row!.refreshToken);
      expect(await test()).toMatchObject({ ok: true });
      expect(business.tokenCalls).toHaveLength(2);

      // The account holder says no: back on the page with the reason; nothing changes.
      const denied = await fetch(await consent('deny'), { headers: { cookie: owner, accept: 'text/html' }, redirect: 'manual' });
      expect(denied.headers.get('location')).toBe('/settings/channels?tiktokBusinessError=video_comments.auth_denied');
      // Only the owner may start or finish it.
      const sup = await ctx.app.inject({ method: 'POST', url: `/api/shops/${shopId}/tiktok-comments/authorize`, headers: { cookie: await org.cookie('supervisor') }, payload: {} });
      expect(sup.statusCode).toBe(403);
    });

    it('an account whose token stops working is a channel failure the owners hear of once', async () => {
      const owner = await org.cookie('owner');
      const { shopId } = await addBrand(ctx, org, { market: 'FR', name: 'Failing brand' });
      const BIZ3 = { businessId: '7123456789000000003', token: 'act.third-account-token', displayName: 'voltix.fr' };
      business.registerAccount(BIZ3);
      await ctx.app.inject({ method: 'PUT', url: `/api/shops/${shopId}/tiktok-comments`, headers: { cookie: owner }, payload: { businessId: BIZ3.businessId, displayName: BIZ3.displayName, accessToken: 'act.revoked-token-000' } });
      const actor = { orgId: org.orgId, userId: org.users.owner.id, role: 'owner' as const };
      const told = async () => (await ctx.services.notifications.list(actor, { limit: 50 })).items.filter((n) => n.kind === 'channel_failure' && n.shopId === shopId);
      for (let i = 0; i < 2; i++) {
        const res = await ctx.app.inject({ method: 'POST', url: `/api/shops/${shopId}/tiktok-comments/poll`, headers: { cookie: owner }, payload: {} });
        expect(res.statusCode).toBe(502);
      }
      expect((await told()).map((n) => n.params)).toEqual([{ channel: 'tiktok_comments', step: 'token' }]);
      const [row] = await ctx.platform.db.tenant(org.orgId, (tx) => tx.select().from(tiktokBusinessAccounts).where(and(eq(tiktokBusinessAccounts.orgId, org.orgId), eq(tiktokBusinessAccounts.shopId, shopId))));
      expect(row).toMatchObject({ status: 'failing', lastError: expect.stringContaining('access token is invalid') });
    });

    it("hides a buyer's comment through an outbox step; other organisations' comments are 404", async () => {
      const [mila] = (await commentTickets()).filter((t) => t.buyerName === 'Mila K');
      const commentId = mila!.externalThreadId.slice('ttcomment:'.length);
      const agent = await org.cookie('agent');
      const res = await ctx.app.inject({ method: 'POST', url: `/api/video-comments/${commentId}/visibility`, headers: { cookie: agent }, payload: { hidden: true } });
      expect(res.json()).toEqual({ commentId, hidden: true, pending: true });
      expect(business.comments.get(commentId)!.status).toBe('PUBLIC');
      // A reload asks the server: the wish is kept while the step is on its way, then confirmed.
      const look = async () => (await ctx.app.inject({ method: 'GET', url: `/api/video-comments/${commentId}/visibility`, headers: { cookie: agent } })).json();
      expect(await look()).toEqual({ commentId, hidden: true, pending: true });
      await ctx.platform.dispatcher.drain(50, org.orgId);
      expect(business.comments.get(commentId)!.status).toBe('HIDDEN');
      expect(await look()).toEqual({ commentId, hidden: true, pending: false });
      const again = await ctx.app.inject({ method: 'POST', url: `/api/video-comments/${commentId}/visibility`, headers: { cookie: agent }, payload: { hidden: true } });
      expect(again.json()).toEqual({ commentId, hidden: true, pending: false });
      // Shown again: pending until TikTok has it, then shown for good.
      const show = await ctx.app.inject({ method: 'POST', url: `/api/video-comments/${commentId}/visibility`, headers: { cookie: agent }, payload: { hidden: false } });
      expect(show.json()).toEqual({ commentId, hidden: false, pending: true });
      expect(await look()).toEqual({ commentId, hidden: false, pending: true });
      await ctx.platform.dispatcher.drain(50, org.orgId);
      expect(business.comments.get(commentId)!.status).toBe('PUBLIC');
      expect(await look()).toEqual({ commentId, hidden: false, pending: false });
      const other = await createTestOrg(ctx);
      const foreign = await ctx.app.inject({ method: 'POST', url: `/api/video-comments/${commentId}/visibility`, headers: { cookie: await other.cookie('agent') }, payload: { hidden: false } });
      expect(foreign.statusCode).toBe(404);
      const foreignLook = await ctx.app.inject({ method: 'GET', url: `/api/video-comments/${commentId}/visibility`, headers: { cookie: await other.cookie('agent') } });
      expect(foreignLook.statusCode).toBe(404);
    });
  });
});
