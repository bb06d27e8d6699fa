import zlib from 'node:zlib';
import { and, eq, inArray } from 'drizzle-orm';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it, onTestFailed } from 'vitest';
import { outbox } from '../../src/platform/outbox/outbox.schema.js';
import type { InboundMessage } from '../../src/modules/helpdesk/index.js';
import { describeE2E, launchBrowser, openPage, screenshot, startE2EServer, type E2EServer, signIn } from '../helpers/e2e.js';
import { actorFor, createTestOrg, TEST_PASSWORD, type TestOrg } from '../helpers/org.js';

const poll = <T,>(fn: () => T | Promise<T>, timeout = 15_000) => expect.poll(fn, { timeout, interval: 100 });
const MIN = 60_000;
const REPLY_HANDLERS = ['email.send', 'whatsapp.send', 'tiktok.send_message'];

/** A small solid-colour PNG, so the thread has a real image attachment to show as a thumbnail. */
function png(width: number, height: number, rgb: [number, number, number]): Buffer {
  const table = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (b: Buffer) => {
    let c = 0xffffffff;
    for (const x of b) c = table[(c ^ x) & 0xff]! ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const sum = Buffer.alloc(4);
    sum.writeUInt32BE(crc(body));
    return Buffer.concat([len, body, sum]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  const row = Buffer.concat([Buffer.from([0]), Buffer.alloc(width * 3).map((_, i) => rgb[i % 3]!)]);
  const raw = Buffer.concat(Array.from({ length: height }, () => row));
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', zlib.deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}


const rowIds = (page: Page) => page.getByTestId('ticket-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-ticket-id')));

describeE2E('agent inbox (browser)', () => {
  let server: E2EServer;
  let browser: Browser;
  let org: TestOrg;
  // Tickets by the order their SLA falls due: German e-mail first, then Spanish WhatsApp, French TikTok chat, English livestream.
  const ids: Record<'de' | 'es' | 'fr' | 'en', string> = { de: '', es: '', fr: '', en: '' };
  let orderId = '';

  const ingest = async (m: Omit<InboundMessage, 'orgId' | 'shopId' | 'direction'>) => {
    const r = await server.ctx.services.helpdesk.ingestInbound({ orgId: org.orgId, shopId: org.shopId, direction: 'inbound', ...m });
    // Assigned to the agent so "My tickets" holds them whatever routing decided.
    await server.ctx.services.helpdesk.assign(actorFor(org, 'supervisor'), r.ticketId, { assigneeId: org.users.agent.id });
    return r.ticketId;
  };

  beforeAll(async () => {
    server = await startE2EServer();
    org = await createTestOrg(server.ctx, { market: 'DE' });
    const { ctx } = server;
    const now = ctx.clock.now().getTime();
    // Calendar time, so the dues below do not depend on the hour this test runs at.
    await ctx.services.sla.createPolicy(actorFor(org, 'owner'), { name: 'E2E shop SLA', shopId: org.shopId, firstReplyMinutes: 60, nextReplyMinutes: 120, resolutionMinutes: 1440, mode: 'calendar' });
    await ctx.services.helpdesk.seedDefaultMacros(org.orgId);
    const orders = await ctx.platform.db.tenant(org.orgId, (tx) =>
      ctx.services.orders.applyOrders(tx, org.orgId, [
        {
          shopId: org.shopId,
          externalId: '5770012398411',
          buyer: { platformBuyerId: 'byr-kv', displayName: 'Katharina Vogel', email: 'k.vogel@example.de', language: 'de', country: 'DE' },
          status: 'delivered',
          rawStatus: 'DELIVERED',
          currency: 'EUR',
          subtotal: 34900,
          shipping: 0,
          sellerDiscount: 2000,
          platformDiscount: 0,
          tax: 0,
          total: 32900,
          placedAt: new Date(now - 20 * 24 * 60 * MIN),
          paidAt: new Date(now - 20 * 24 * 60 * MIN),
          deliveredAt: new Date(now - 14 * 24 * 60 * MIN),
          trackingNumber: 'JJD0099887766',
          carrier: 'DHL',
          deliveryStatus: 'delivered',
          externalUpdatedAt: new Date(now - 14 * 24 * 60 * MIN),
          lines: [
            { externalId: 'l-1', skuId: 'sku-gk-45', sellerSku: 'GK-45-GOLD', productId: 'p-gk', productName: 'Goldkette Aurelia 45 cm', unitPrice: 29900, paidAmount: 27900, trafficSource: { type: 'livestream', id: 'live-88', name: 'Schmuck-Live Sonntag' } },
            { externalId: 'l-2', skuId: 'sku-box', productId: 'p-box', productName: 'Schmuckbox Samt', unitPrice: 5000, paidAmount: 5000, trafficSource: { type: 'creator_video', id: 'vid-12', name: '@lenastyle unboxing' } },
          ],
        },
      ]),
    );
    orderId = orders.get('5770012398411')!;
    // An earlier order of the same buyer, returned: the sidebar shows it as history and in the lifetime value.
    await ctx.platform.db.tenant(org.orgId, async (tx) => {
      await ctx.services.orders.applyOrders(tx, org.orgId, [
        {
          shopId: org.shopId,
          externalId: '5770011100022',
          buyer: { platformBuyerId: 'byr-kv', displayName: 'Katharina Vogel', email: 'k.vogel@example.de', language: 'de', country: 'DE' },
          status: 'completed',
          rawStatus: 'COMPLETED',
          currency: 'EUR',
          subtotal: 18900,
          shipping: 0,
          sellerDiscount: 0,
          platformDiscount: 0,
          tax: 0,
          total: 18900,
          placedAt: new Date(now - 70 * 24 * 60 * MIN),
          paidAt: new Date(now - 70 * 24 * 60 * MIN),
          deliveredAt: new Date(now - 66 * 24 * 60 * MIN),
          trackingNumber: 'JJD0011223344',
          carrier: 'DHL',
          deliveryStatus: 'delivered',
          externalUpdatedAt: new Date(now - 50 * 24 * 60 * MIN),
          lines: [{ externalId: 'o2-l-1', skuId: 'sku-ohr', productId: 'p-ohr', productName: 'Ohrringe Lumi', unitPrice: 18900, paidAmount: 18900, trafficSource: { type: 'ad_campaign', id: 'cmp-3', name: 'Herbst Schmuck' } }],
        },
      ]);
      await ctx.services.orders.applyPlatformReturns(tx, org.orgId, [
        {
          shopId: org.shopId,
          kind: 'return',
          externalId: 'R-5770011100022',
          externalOrderId: '5770011100022',
          type: 'return_and_refund',
          rawType: 'RETURN_AND_REFUND',
          status: 'completed',
          rawStatus: 'RETURN_OR_REFUND_REQUEST_COMPLETE',
          reasonCode: 'defective',
          reasonText: 'Verschluss defekt',
          lines: [{ externalOrderLineId: 'o2-l-1', refundAmount: 18900 }],
          currency: 'EUR',
          refundAmount: 18900,
          photos: [],
          videos: [],
          requestedAt: new Date(now - 60 * 24 * 60 * MIN),
          externalUpdatedAt: new Date(now - 50 * 24 * 60 * MIN),
        },
      ]);
    });
    const photo = await ctx.services.evidence.storeFile(org.orgId, { bytes: png(160, 120, [196, 160, 64]), fileName: 'kette-angelaufen.png' });

    ids.de = await ingest({
      channel: 'email',
      externalThreadId: 'mail-kv-1',
      externalMessageId: 'mail-kv-1-a',
      buyer: { name: 'Katharina Vogel', email: 'k.vogel@example.de', language: 'de' },
      orderId,
      subject: 'Kette nach zwei Wochen angelaufen',
      text: 'Guten Tag,\n\ndie Goldkette aus Ihrem Livestream ist nach zwei Wochen schon verfärbt und stellenweise dunkel. Ein Foto habe ich angehängt.\n\nWas können Sie mir anbieten?\n\nKatharina Vogel',
      attachments: [{ sha256: photo.sha256, fileName: 'kette-angelaufen.png', contentType: photo.contentType, size: photo.size }],
      sentAt: new Date(now - 50 * MIN).toISOString(),
    });
    ids.es = await ingest({
      channel: 'whatsapp',
      externalThreadId: 'wa-34600111222',
      externalMessageId: 'wa-1',
      buyer: { name: 'Lucía Fernández', phone: '+34 600 111 222', language: 'es' },
      text: 'Hola, el seguimiento dice "etiqueta creada" desde hace diez días. ¿Cuándo llega mi barra de sonido?',
      sentAt: new Date(now - 35 * MIN).toISOString(),
    });
    ids.fr = await ingest({
      channel: 'tiktok_chat',
      externalThreadId: 'conv-fr-1',
      externalMessageId: 'tt-fr-1',
      buyer: { externalId: 'tt-buyer-fr', name: 'Camille Martin', language: 'fr' },
      text: "Bonjour, la couleur du sac ne correspond pas du tout à la vidéo. Puis-je l'échanger ?",
      sentAt: new Date(now - 20 * MIN).toISOString(),
    });
    ids.en = await ingest({
      channel: 'livestream',
      externalThreadId: 'live-comments-1',
      externalMessageId: 'live-c-1',
      livestreamSessionId: 'live-88',
      buyer: { externalId: 'tt-buyer-en', name: 'Aaron Patel', language: 'en' },
      text: 'Bought the earbuds bundle in the live but the charging case was missing from the box.',
      sentAt: new Date(now - 5 * MIN).toISOString(),
    });
    browser = await launchBrowser();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  const outboxRows = () =>
    server.ctx.platform.db.tenant(org.orgId, (tx) =>
      tx
        .select({ handler: outbox.handler, payload: outbox.payload })
        .from(outbox)
        .where(and(eq(outbox.orgId, org.orgId), inArray(outbox.handler, REPLY_HANDLERS))),
    );

  it('lists by SLA due with live countdowns, opens the most urgent by keyboard, replies with a German macro (first-reply clock met), adds an internal note, searches German text; en + zh-CN', async () => {
    const { page, context, problems } = await openPage(browser, server.baseUrl, { viewport: { width: 1600, height: 900 } });
    onTestFailed(async () => {
      await screenshot(page, 'failed-inbox');
      console.log('page problems:', problems);
    });
    await page.goto('/inbox');
    await signIn(page, org.users.agent.email);

    // The list: most urgent first, one row per ticket with its channel and language.
    const expected = [ids.de, ids.es, ids.fr, ids.en];
    await poll(() => rowIds(page)).toEqual(expected);
    const dues = await Promise.all(expected.map(async (id) => (await server.ctx.services.helpdesk.getTicket(actorFor(org, 'agent'), id)).ticket.slaDueAt!.getTime()));
    expect([...dues].sort((a, b) => a - b)).toEqual(dues);
    expect(await page.getByTestId('ticket-row').locator('[data-testid=channel-icon]').evaluateAll((els) => els.map((e) => e.getAttribute('data-channel')))).toEqual(['email', 'whatsapp', 'tiktok_chat', 'livestream']);
    expect((await page.getByTestId('ticket-row').getByTestId('ticket-language').allInnerTexts()).map((s) => s.replace(/[^A-Z]/g, ''))).toEqual(['DE', 'ES', 'FR', 'EN']);
    await poll(() => page.getByTestId('view-mine').getByTestId('view-count').innerText()).toBe('4');
    // The countdown ticks without a reload: about 10 minutes left on the German ticket, warning colour.
    const firstBadge = page.getByTestId('ticket-row').first().getByTestId('sla-badge');
    const before = await firstBadge.innerText();
    expect(before).toMatch(/^\d{1,2}m \d{2}s$/);
    expect(await firstBadge.getAttribute('data-tone')).toBe('danger');
    await poll(() => firstBadge.innerText(), 5_000).not.toBe(before);
    expect(await page.getByTestId('ticket-row').nth(3).getByTestId('sla-badge').getAttribute('data-tone')).toBe('ok');
    await screenshot(page, 'inbox-list-en');

    // Keyboard: down, up, Enter opens the most urgent ticket.
    await page.keyboard.press('j');
    await poll(() => page.locator('.ad-inbox-cursor').getAttribute('data-ticket-id')).toBe(ids.es);
    await page.keyboard.press('k');
    await poll(() => page.locator('.ad-inbox-cursor').getAttribute('data-ticket-id')).toBe(ids.de);
    await page.keyboard.press('Enter');
    await poll(() => new URL(page.url()).pathname).toBe(`/inbox/${ids.de}`);
    await poll(() => page.getByTestId('ticket-title').innerText()).toBe('Kette nach zwei Wochen angelaufen');
    const inbound = page.getByTestId('message').first();
    await poll(() => inbound.getAttribute('data-direction')).toBe('inbound');
    await poll(() => inbound.getByTestId('message-text').innerText()).toContain('die Goldkette aus Ihrem Livestream ist nach zwei Wochen schon verfärbt');
    await poll(() => inbound.locator('[data-testid=attachment] img').evaluate((i) => (i as HTMLImageElement).complete && (i as HTMLImageElement).naturalWidth === 160)).toBe(true);
    // Sidebar: order lines with paid amounts and traffic sources, delivery with the carrier link, buyer value.
    const side = page.getByTestId('ticket-sidebar');
    await poll(() => side.getByTestId('order-number').innerText()).toBe('5770012398411');
    expect(await side.getByTestId('line-paid').allInnerTexts()).toEqual(['€279.00', '€50.00']);
    expect(await side.getByTestId('traffic-source').allInnerTexts()).toEqual(['Livestream', 'Creator video']);
    expect(await side.getByTestId('delivery-state').innerText()).toBe('Delivered');
    expect(await side.getByTestId('tracking-link').getAttribute('href')).toBe('https://www.dhl.com/global-en/home/tracking/tracking-parcel.html?tracking-id=JJD0099887766');
    expect(await side.getByTestId('buyer-ltv').innerText()).toBe('€518.00');
    expect(await side.getByTestId('buyer-orders').innerText()).toBe('2');
    expect(await side.getByTestId('return-row').allInnerTexts()).toEqual([expect.stringContaining('Return and refund · 5770011100022')]);
    expect(await side.getByTestId('return-row').innerText()).toContain('€189.00 · Verschluss defekt');
    const firstReply = side.locator('[data-testid=clock][data-metric=first_reply]');
    await poll(() => firstReply.getAttribute('data-state')).toBe('running');

    // r focuses the reply box; the macro renders in German with the order's variables filled.
    await page.keyboard.press('r');
    await poll(() => page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('composer-text');
    await page.getByTestId('macro-button').click();
    await page.getByTestId('macro-option').filter({ hasText: 'Where is my order?' }).click();
    const macros = await server.ctx.services.helpdesk.listMacros(actorFor(org, 'agent'));
    const wismo = macros.find((m) => m.key === 'where_is_my_order')!;
    const rendered = await server.ctx.services.helpdesk.renderMacro(actorFor(org, 'agent'), wismo.id, { ticketId: ids.de });
    expect(rendered.language).toBe('de');
    const box = page.getByTestId('composer-text');
    await poll(() => box.inputValue()).toBe(rendered.text);
    const text = await box.inputValue();
    expect(text).toContain('vielen Dank für Ihre Nachricht zu Bestellung 5770012398411');
    expect(text).toContain('Goldkette Aurelia 45 cm');
    expect(text).toContain('https://www.dhl.com/global-en/home/tracking/tracking-parcel.html?tracking-id=JJD0099887766');
    expect(text).not.toContain('{{');
    expect(await page.getByTestId('macro-info').innerText()).toContain('Macro in DE');
    await screenshot(page, 'inbox-macro-en');

    await page.getByTestId('send-button').click();
    // The reply is in the thread, the first-reply clock stopped in time, the countdown left the list.
    const outbound = page.locator('[data-testid=message][data-direction=outbound][data-kind=public]');
    await poll(() => outbound.count()).toBe(1);
    expect(await outbound.getByTestId('message-text').innerText()).toBe(rendered.text.trim());
    await poll(() => firstReply.getAttribute('data-state')).toBe('stopped');
    expect(await firstReply.getByTestId('clock-state').innerText()).toBe('Met');
    const deRow = page.locator(`[data-testid=ticket-row][data-ticket-id=${ids.de}]`);
    await poll(() => deRow.getByTestId('sla-badge').getAttribute('data-tone')).toBe('paused');
    expect(await deRow.getByTestId('sla-badge').innerText()).toBe('Paused');
    await poll(() => rowIds(page)).toEqual([ids.es, ids.fr, ids.en, ids.de]);
    await poll(() => deRow.getByTestId('ticket-status').innerText()).toBe('Waiting on buyer');
    const sent = await outboxRows();
    expect(sent.map((r) => r.handler)).toEqual(['email.send']);
    expect(JSON.stringify(sent[0]!.payload)).toContain('5770012398411');
    const clocks = await server.ctx.services.sla.getClocks(actorFor(org, 'agent'), ids.de);
    expect(clocks.find((c) => c.metric === 'first_reply')).toMatchObject({ state: 'stopped' });
    await screenshot(page, 'inbox-replied-en');

    // n: an internal note, shown as internal, never sent.
    await page.keyboard.press('n');
    await poll(() => page.getByTestId('composer').getAttribute('data-mode')).toBe('note');
    await page.keyboard.type('Kundin hat Foto geschickt – Anlaufen sieht nach Materialfehler aus, Ersatz anbieten.');
    await page.locator('[data-testid=composer] input[type=file]').setInputFiles({ name: 'lupe-detail.png', mimeType: 'image/png', buffer: png(120, 90, [90, 70, 40]) });
    await poll(() => page.getByTestId('pending-attachment').allInnerTexts()).toEqual(['lupe-detail.png']);
    await page.getByTestId('composer-text').press('Control+Enter');
    const note = page.locator('[data-testid=message][data-kind=note]');
    await poll(() => note.count()).toBe(1);
    await poll(() => note.locator('[data-testid=attachment] img').evaluate((i) => (i as HTMLImageElement).complete && (i as HTMLImageElement).naturalWidth === 120)).toBe(true);
    expect(await note.getByTestId('note-badge').innerText()).toBe('Internal note');
    expect(await note.getByTestId('message-text').innerText()).toBe('Kundin hat Foto geschickt – Anlaufen sieht nach Materialfehler aus, Ersatz anbieten.');
    expect((await outboxRows()).map((r) => r.handler)).toEqual(['email.send']);
    const thread = await server.ctx.services.helpdesk.getTicket(actorFor(org, 'agent'), ids.de);
    expect(thread.messages.map((m) => `${m.kind}/${m.direction}`)).toEqual(['public/inbound', 'public/outbound', 'note/outbound']);
    await screenshot(page, 'inbox-ticket-en');

    // / focuses search; a German word from the message body finds the German ticket, highlighted.
    // (Esc first leaves the note box, the next Esc would leave the ticket.)
    await page.keyboard.press('Escape');
    await poll(() => new URL(page.url()).pathname).toBe(`/inbox/${ids.de}`);
    await page.keyboard.press('/');
    await poll(() => page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('inbox-search');
    await page.keyboard.type('verfärbt');
    await poll(() => rowIds(page)).toEqual([ids.de]);
    await poll(() => page.getByTestId('ticket-row').first().locator('mark').allInnerTexts()).toContain('verfärbt');
    await screenshot(page, 'inbox-search-en');
    await page.getByRole('button', { name: 'Clear search' }).click();

    // Esc goes back to the list; a new ticket shows up by polling, no reload.
    await page.keyboard.press('Escape');
    await poll(() => new URL(page.url()).pathname).toBe('/inbox');
    const late = await ingest({
      channel: 'video_comment',
      externalThreadId: 'vc-it-1',
      externalMessageId: 'vc-it-1-a',
      buyer: { externalId: 'tt-buyer-it', name: 'Giulia Romano', language: 'it' },
      text: 'Ho ordinato la lampada due settimane fa e non è ancora arrivata, potete controllare?',
      sentAt: new Date(server.ctx.clock.now().getTime() - 58 * MIN).toISOString(),
    });
    await poll(() => rowIds(page), 25_000).toEqual([late, ids.es, ids.fr, ids.en, ids.de]);

    // Shortcut help.
    await page.keyboard.press('?');
    await poll(() => page.getByRole('dialog').getByText('Keyboard shortcuts').count()).toBe(1);
    await screenshot(page, 'inbox-shortcuts-en');
    await page.keyboard.press('Escape');
    await poll(() => page.getByRole('dialog').count()).toBe(0);

    // Chinese: every label switches, the buyers' words stay as written.
    await page.getByText('中文', { exact: true }).click();
    await poll(() => page.getByTestId('list-title').innerText()).toBe('我的工单');
    expect(await page.getByTestId('ticket-row').first().getByTestId('ticket-status').innerText()).toBe('新建');
    await screenshot(page, 'inbox-list-zh-CN');
    await page.locator(`[data-testid=ticket-row][data-ticket-id=${ids.de}]`).click();
    await poll(() => page.getByTestId('note-badge').innerText()).toBe('内部备注');
    await poll(() => firstReply.getByTestId('clock-state').innerText()).toBe('已达成');
    expect(await page.getByTestId('message').first().getByTestId('message-text').innerText()).toContain('die Goldkette aus Ihrem Livestream');
    expect(await side.getByTestId('traffic-source').allInnerTexts()).toEqual(['直播', '达人视频']);
    await screenshot(page, 'inbox-ticket-zh-CN');

    // A laptop screen: the rail folds into a drop-down beside the open ticket; switching views keeps it open.
    await page.setViewportSize({ width: 1366, height: 860 });
    await poll(() => page.getByTestId('ticket-row').first().isVisible()).toBe(true);
    await page.getByTestId('view-picker').click();
    await page.getByRole('option', { name: '等待买家 (1)' }).click();
    await poll(() => rowIds(page)).toEqual([ids.de]);
    expect(new URL(page.url()).pathname).toBe(`/inbox/${ids.de}`);
    await screenshot(page, 'inbox-ticket-1366-zh-CN');

    expect(problems).toEqual([]);
    await context.close();
  }, 180_000);

  it('lets a supervisor set priority, tags, assignee and status from the ticket header', async () => {
    const { page, context, problems } = await openPage(browser, server.baseUrl, { viewport: { width: 1600, height: 900 } });
    onTestFailed(async () => {
      await screenshot(page, 'failed-inbox-supervisor');
      console.log('page problems:', problems);
    });
    const supervisor = actorFor(org, 'supervisor');
    const ticket = async () => (await server.ctx.services.helpdesk.getTicket(supervisor, ids.fr)).ticket;
    await page.goto(`/inbox/${ids.fr}?view=queue:general`);
    await signIn(page, org.users.supervisor.email);
    await poll(() => page.getByTestId('ticket-title').innerText()).toBe('Bonjour, la couleur du sac ne correspond pas du tout à la vidéo. Puis-je…');
    expect(await page.getByTestId('list-title').innerText()).toBe('Queue: General');

    await page.getByTestId('priority-select').click();
    await page.getByRole('option', { name: 'Urgent' }).click();
    await poll(async () => (await ticket()).priority).toBe('urgent');
    await poll(() => page.locator(`[data-testid=ticket-row][data-ticket-id=${ids.fr}]`).getByTestId('ticket-priority').innerText()).toBe('Urgent');

    await page.getByTestId('tags-input').fill('colour');
    await page.getByTestId('tags-input').press('Enter');
    await poll(async () => (await ticket()).tags).toEqual(['colour']);

    const supervisorName = (await server.ctx.services.auth.getUser(supervisor, org.users.supervisor.id)).name;
    await page.getByTestId('assignee-select').click();
    await page.getByRole('option', { name: supervisorName }).click();
    await poll(async () => (await ticket()).assigneeId).toBe(org.users.supervisor.id);

    await page.getByTestId('status-select').click();
    await page.getByRole('option', { name: 'Waiting on warehouse' }).click();
    await poll(async () => (await ticket()).status).toBe('waiting_on_warehouse');
    await poll(() => page.locator(`[data-testid=ticket-row][data-ticket-id=${ids.fr}]`).getByTestId('ticket-status').innerText()).toBe('Waiting on warehouse');
    await screenshot(page, 'inbox-supervisor-en');
    expect(problems).toEqual([]);
    await context.close();
  }, 120_000);
});
