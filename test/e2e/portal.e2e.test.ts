import fs from 'node:fs';
import { AxeBuilder } from '@axe-core/playwright';
import sharp from 'sharp';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestOrg, TEST_PASSWORD, type TestOrg } from '../helpers/org.js';
import { seedOrder } from '../helpers/returns.js';
import { qrLinksOf } from '../helpers/portal.js';
import { isHoldout } from '../../src/modules/portal/portal.rules.js';
import { describeE2E, launchBrowser, openPage, startE2EServer, type E2EServer } from '../helpers/e2e.js';

const SHOTS = '/work/shots/portal';
const PHONE = { width: 390, height: 844 };

describeE2E('the buyer side on a phone', () => {
  let server: E2EServer;
  let browser: Browser;
  let org: TestOrg;
  let owner: string;
  let selfServiceTicket: string | null = null;

  beforeAll(async () => {
    server = await startE2EServer();
    org = await createTestOrg(server.ctx, { market: 'DE' });
    owner = await org.cookie('owner');
    browser = await launchBrowser();
    fs.mkdirSync(SHOTS, { recursive: true });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  async function printCard(orderId: string): Promise<string> {
    const res = await server.ctx.app.inject({ method: 'POST', url: '/api/portal/batches', headers: { cookie: owner }, payload: { shopId: org.shopId, orderIds: [orderId], size: 'label', language: 'de', holdoutPercent: 0 } });
    expect(res.statusCode).toBe(200);
    const [link] = await qrLinksOf(res.rawPayload, { keepPngAs: `${SHOTS}/e2e-card-label-de.png` });
    return new URL(link!).pathname;
  }

  it('scan the printed card, start a return with a photo in German, and the agent sees the ticket with the photo', async () => {
    const o = await seedOrder(server.ctx, org, { lines: [{ unitPrice: 5999 }, { unitPrice: 1999 }] });
    const path = await printCard(o.orderId);
    const { page, problems } = await openPage(browser, server.baseUrl, { viewport: PHONE, locale: 'de-DE' });
    await page.goto(path);
    await expect.poll(() => page.url()).toContain('/p/order');
    await expect.poll(() => page.getByRole('heading', { name: `Ihre Bestellung ${o.externalId}` }).isVisible()).toBe(true);
    const axe = await new AxeBuilder({ page } as never).analyze();
    expect(axe.violations.map((v) => `${v.id}: ${v.nodes.length}`)).toEqual([]);
    await page.screenshot({ path: `${SHOTS}/portal-phone-de.png`, fullPage: true });

    await page.getByLabel('Product 1').check();
    await page.getByLabel('Grund').selectOption('damaged');
    await page.getByLabel('Was ist passiert?').fill('Das Gehäuse ist gesprungen');
    const photo = await sharp({ create: { width: 80, height: 60, channels: 3, background: '#2a6' } }).jpeg().toBuffer();
    await page.getByLabel('Foto (optional, außer wenn verlangt)').first().setInputFiles({ name: 'schaden.jpg', mimeType: 'image/jpeg', buffer: photo });
    await page.getByRole('button', { name: 'Rücksendung starten' }).click();
    await expect.poll(() => page.getByText('Ihre Rücksendung wurde gestartet').isVisible()).toBe(true);
    await expect.poll(() => page.getByRole('heading', { name: 'Ihre Rücksendungen' }).isVisible()).toBe(true);
    // TikTok DE: only the buyer can open the platform return, so the page shows the steps in German.
    await expect.poll(() => page.getByRole('heading', { name: 'Noch ein Schritt: Rücksendung in der TikTok-App eröffnen' }).isVisible()).toBe(true);
    await page.screenshot({ path: `${SHOTS}/portal-phone-de-return.png`, fullPage: true });

    // Warranty: neither product has terms in the catalogue, so the page names the shop's default beside each.
    await expect.poll(() => page.getByText('Für dieses Produkt sind keine Garantiebedingungen hinterlegt; es gilt die Standardfrist des Shops.').count()).toBe(2);
    // Warranty: a wrong serial is refused in German, then registered with a photo of the receipt.
    await page.getByLabel('Produkt', { exact: true }).selectOption({ label: 'Product 1' });
    await page.getByLabel('Seriennummer').fill('!!');
    await page.getByRole('button', { name: 'Registrieren' }).click();
    await expect.poll(() => page.getByRole('alert').innerText()).toContain('Geben Sie die Seriennummer so ein');
    await page.getByLabel('Seriennummer').fill('SN-77-1234');
    await page.getByLabel('Foto des Belegs').setInputFiles({ name: 'beleg.png', mimeType: 'image/png', buffer: await sharp({ create: { width: 60, height: 40, channels: 3, background: '#eee' } }).png().toBuffer() });
    await page.getByRole('button', { name: 'Registrieren' }).click();
    await expect.poll(() => page.getByText('Ihre Garantie ist registriert.').isVisible()).toBe(true);
    // Birthday with explicit consent, and the marketing opt-in.
    await page.getByLabel('Geburtsdatum').fill('1991-04-12');
    await page.getByLabel('Ich bin einverstanden, dass dieser Shop meinen Geburtstag').check();
    await page.getByLabel('Ich möchte Angebote dieses Shops per E-Mail erhalten').check();
    await page.getByRole('button', { name: 'Speichern' }).click();
    await expect.poll(() => page.getByText('Danke – Ihre Auswahl ist gespeichert.').isVisible()).toBe(true);
    const axeAfter = await new AxeBuilder({ page } as never).analyze();
    expect(axeAfter.violations.map((v) => `${v.id}: ${v.nodes.length}`)).toEqual([]);
    await page.screenshot({ path: `${SHOTS}/portal-phone-de-warranty.png`, fullPage: true });
    expect(problems).toEqual([]);

    const list = await server.ctx.app.inject({ method: 'GET', url: '/api/tickets?view=all&limit=200', headers: { cookie: owner } });
    const t = list.json().items.find((x: { orderId: string | null; channel: string }) => x.orderId === o.orderId && x.channel === 'self_service');
    expect(t).toBeDefined();
    const full = (await server.ctx.app.inject({ method: 'GET', url: `/api/tickets/${t.id}`, headers: { cookie: owner } })).json();
    expect(full.messages[0].text).toBe('Das Gehäuse ist gesprungen');
    const sha = full.messages[0].attachments[0].sha256 as string;
    const file = await server.ctx.app.inject({ method: 'GET', url: `/api/evidence/files/${sha}`, headers: { cookie: owner } });
    expect(file.statusCode).toBe(200);
    expect(file.headers['content-type']).toContain('image/jpeg');
    selfServiceTicket = t.id;
    const staff = (await server.ctx.app.inject({ method: 'GET', url: `/api/portal/buyers/${(await server.ctx.services.orders.getOrder({ orgId: org.orgId, userId: 'x', role: 'owner' }, o.orderId)).buyerId}`, headers: { cookie: owner } })).json();
    expect(staff.warranties.map((w: { serialNumber: string }) => w.serialNumber)).toEqual(['SN-77-1234']);
    expect(staff.consent).toMatchObject({ birthday: '1991-04-12', birthdayConsent: true, marketingConsent: true });
  });

  it('a tampered token gets the same page as an unknown one, and the lookup form is rate limited', async () => {
    const o = await seedOrder(server.ctx, org, { lines: [{ unitPrice: 1000 }] });
    const path = await printCard(o.orderId);
    const { page } = await openPage(browser, server.baseUrl, { viewport: PHONE, locale: 'de-DE' });
    const tampered = path.slice(0, -1) + (path.endsWith('A') ? 'B' : 'A');
    const a = await page.goto(tampered);
    const tamperedText = await page.locator('main').innerText();
    const b = await page.goto(`/p/${'Z'.repeat(32)}`);
    expect([a?.status(), b?.status()]).toEqual([404, 404]);
    expect(await page.locator('main').innerText()).toBe(tamperedText);
    const axe = await new AxeBuilder({ page } as never).analyze();
    expect(axe.violations.map((v) => `${v.id}: ${v.nodes.length}`)).toEqual([]);
    await page.screenshot({ path: `${SHOTS}/portal-phone-unknown-de.png`, fullPage: true });

    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      await page.goto('/p?lang=de');
      await page.getByLabel('Bestellnummer').fill(o.externalId);
      await page.getByLabel('Bestellcode').fill('AAAA-BBBB');
      const [resp] = await Promise.all([page.waitForResponse((r) => r.url().endsWith('/p/lookup')), page.getByRole('button', { name: 'Öffnen' }).click()]);
      statuses.push(resp.status());
    }
    expect(statuses).toEqual([404, 404, 404, 404, 404, 429]);
    expect(await page.getByRole('alert').innerText()).toContain('Zu viele Versuche');
  });

  it('the owner prints cards from the web page (desktop and phone, English and Chinese) and sees the batch with its scans', async () => {
    // The page prints with a 10 % hold-out by default: an order outside it gets a card, and an order
    // inside a 50 % hold-out shows the "nothing to print" message instead of a download.
    const seedWhere = async (held: (orderId: string) => boolean) => {
      for (;;) {
        const { orderId } = await seedOrder(server.ctx, org, { lines: [{ unitPrice: 1000 }] });
        if (held(orderId)) return orderId;
      }
    };
    const o = { orderId: await seedWhere((id) => !isHoldout(id, 10)) };
    const heldOut = await seedWhere((id) => isHoldout(id, 50));
    for (const [lang, viewport, labels] of [
      ['en', { width: 1366, height: 860 }, { email: 'E-mail', password: 'Password', submit: 'Sign in', print: 'Print cards (PDF)', orders: 'Order ids', sample: 'Download a sample card', holdout: 'Hold-out share (%)', allHeldOut: 'No cards to print: every order of the batch (1) fell in the hold-out group. The batch is recorded.' }],
      ['zh-CN', PHONE, { email: '邮箱', password: '密码', submit: '登录', print: '打印售后卡（PDF）', orders: '订单 ID', sample: '下载样卡', holdout: '对照组比例（%）', allHeldOut: '没有需要打印的卡：本批 1 个订单全部落在对照组。批次已记录。' }],
    ] as const) {
      const cookie = await org.cookie('owner');
      await server.ctx.app.inject({ method: 'PATCH', url: '/api/auth/me', headers: { cookie }, payload: { uiLocale: lang } });
      const { page, problems } = await openPage(browser, server.baseUrl, { viewport, locale: lang === 'en' ? 'en-US' : 'zh-CN' });
      await page.goto('/cards');
      await page.getByLabel(labels.email).fill(org.users.owner.email);
      await page.getByLabel(labels.password, { exact: true }).fill(TEST_PASSWORD);
      await page.getByRole('button', { name: labels.submit }).click();
      await expect.poll(() => page.getByRole('button', { name: labels.print }).isVisible(), { timeout: 15_000 }).toBe(true);
      const [sample] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: labels.sample }).click()]);
      expect(sample.suggestedFilename()).toBe('card-preview.pdf');
      await page.getByLabel(labels.orders).fill(o.orderId);
      const [dl] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: labels.print }).click()]);
      expect(dl.suggestedFilename()).toBe('cards.pdf');
      // The table shows every batch the organisation has, the one just printed included (counted from
      // the API: a count read from the page before its list refreshed would be one short).
      const batches = async () => ((await server.ctx.app.inject({ method: 'GET', url: '/api/portal/batches', headers: { cookie } })).json() as { items: unknown[] }).items.length;
      const rows = await batches();
      expect(rows).toBeGreaterThan(0);
      await expect.poll(() => page.locator('tbody tr').count(), { timeout: 15_000 }).toBe(rows);
      await page.screenshot({ path: `${SHOTS}/cards-page-${lang}-${viewport.width}.png`, fullPage: true });
      {
        // An order inside a 50 % hold-out: the message, a new batch row, and no download.
        const downloads: string[] = [];
        page.on('download', (d) => downloads.push(d.suggestedFilename()));
        await page.getByLabel(labels.orders).fill(heldOut);
        await page.getByLabel(labels.holdout).fill('50');
        await page.getByRole('button', { name: labels.print }).click();
        await expect.poll(() => page.getByText(labels.allHeldOut).isVisible(), { timeout: 15_000 }).toBe(true);
        await expect.poll(() => page.locator('tbody tr').count(), { timeout: 15_000 }).toBe(rows + 1);
        expect(downloads).toEqual([]);
        await expect.poll(() => page.getByRole('button', { name: labels.print }).isEnabled(), { timeout: 15_000 }).toBe(true);
        await page.screenshot({ path: `${SHOTS}/cards-all-held-out-${lang}-${viewport.width}.png` });
      }
      if (lang === 'en' && selfServiceTicket) {
        // The buyer panel of the self-service ticket shows the warranty and the consent given on the page.
        await page.goto(`/inbox/${selfServiceTicket}`);
        await expect.poll(() => page.getByTestId('buyer-warranty').first().isVisible(), { timeout: 15_000 }).toBe(true);
        expect(await page.getByTestId('buyer-self-service').innerText()).toContain('SN-77-1234');
        expect(await page.getByTestId('buyer-marketing-consent').textContent()).toBe('Marketing e-mail: yes');
        await page.getByTestId('side-self-service').screenshot({ path: `${SHOTS}/inbox-buyer-self-service-en.png` });
      }
      expect(problems).toEqual([]);
    }
  });
});
