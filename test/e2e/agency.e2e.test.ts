/**
 * Agencies in the browser: a login in two client organisations switches between them from the
 * user menu and sees only each one's inbox; the agency overview links into an organisation; a
 * brand-limited agent sees one brand's tickets only; an invitation link makes a new colleague.
 * Screenshots (en + zh-CN, desktop + 390 px phone) go to /work/shots/agency/ (or SHOTS_DIR).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { addBrand, brandScopedUser, createTestOrg, TEST_PASSWORD, type TestOrg } from '../helpers/org.js';
import { describeE2E, launchBrowser, openPage, startE2EServer, type E2EServer, signIn } from '../helpers/e2e.js';

const poll = <T,>(fn: () => T | Promise<T>) => expect.poll(fn, { timeout: 15_000, interval: 100 });
const SHOTS = process.env.SHOTS_DIR ?? '/work/shots/agency';
const PHONE = { width: 390, height: 844 };

async function shot(page: Page, name: string) {
  fs.mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), animations: 'disabled' });
}


/** The subjects of the inbox's "New" view (every ticket here is new). */
async function inboxSubjects(page: Page): Promise<string[]> {
  await page.getByTestId('view-status:new').click();
  await page.getByTestId('ticket-row').first().waitFor();
  return (await page.getByTestId('ticket-subject').allInnerTexts()).map((s) => s.trim()).sort();
}

describeE2E('agencies (browser)', () => {
  let server: E2EServer;
  let browser: Browser;
  let a: TestOrg;
  let b: TestOrg;
  let agencyEmail: string;
  const subjectA = 'Hörer knistert links';
  const subjectB = 'Colis jamais arrivé';

  const ticket = async (org: TestOrg, text: string) => {
    const r = await server.ctx.services.helpdesk.ingestInbound({
      orgId: org.orgId,
      shopId: org.shopId,
      channel: 'email',
      externalThreadId: `thr-${crypto.randomUUID()}`,
      externalMessageId: `msg-${crypto.randomUUID()}`,
      buyer: { email: `buyer.${crypto.randomBytes(3).toString('hex')}@example.com`, name: 'Buyer', language: 'en' },
      subject: text,
      direction: 'inbound',
      text: `${text}. Please help.`,
      sentAt: server.ctx.clock.now().toISOString(),
    });
    return r.ticketId;
  };

  beforeAll(async () => {
    server = await startE2EServer();
    a = await createTestOrg(server.ctx, { market: 'DE' });
    b = await createTestOrg(server.ctx, { market: 'FR' });
    await ticket(a, subjectA);
    await ticket(b, subjectB);
    agencyEmail = `agency.${crypto.randomBytes(4).toString('hex')}@test.afterdesk.dev`;
    await server.ctx.services.auth.createUserInOrg(a.orgId, { email: agencyEmail, name: 'Ana Costa', password: TEST_PASSWORD, role: 'supervisor', languages: ['en'] });
    await server.ctx.services.auth.addMembership(b.orgId, agencyEmail, { role: 'owner' });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  const orgName = async (org: TestOrg) => (await server.ctx.services.tenancy.getOrganisation({ orgId: org.orgId, userId: org.users.owner.id, role: 'owner' })).name;

  it("an agency login switches between two client organisations and sees only each one's inbox", async () => {
    const { page, context, problems } = await openPage(browser, server.baseUrl);
    await page.goto('/');
    await signIn(page, agencyEmail);
    await poll(() => page.getByTestId('org-name').innerText()).toBe(await orgName(a));
    expect(await inboxSubjects(page)).toEqual([subjectA]);

    await page.getByTestId('user-menu').click();
    await page.getByTestId(`org-switch-${await orgName(b)}`).waitFor();
    await shot(page, 'switcher-en-desktop');
    await page.getByTestId(`org-switch-${await orgName(b)}`).click();
    await poll(() => page.getByTestId('org-name').innerText()).toBe(await orgName(b));
    // Owner in B: Settings appears, and the inbox holds B's ticket only.
    await page.getByTestId('nav-inbox').click();
    expect(await inboxSubjects(page)).toEqual([subjectB]);
    await shot(page, 'inbox-after-switch-en-desktop');

    // Back to A from the agency overview: a count switches and opens the list there.
    await page.getByTestId('user-menu').click();
    await page.getByTestId('agency-overview-link').click();
    const cardA = page.getByTestId(`agency-org-${await orgName(a)}`);
    await poll(() => cardA.getByTestId('agency-count-openTickets').innerText()).toContain('1');
    await shot(page, 'overview-en-desktop');
    await cardA.getByTestId('agency-count-openTickets').click();
    await poll(() => page.getByTestId('org-name').innerText()).toBe(await orgName(a));
    expect(await inboxSubjects(page)).toEqual([subjectA]);

    // Chinese: the switcher and the overview.
    await page.getByText('中文', { exact: true }).click();
    await page.getByTestId('user-menu').click();
    await poll(() => page.getByText('组织', { exact: true }).isVisible()).toBe(true);
    await shot(page, 'switcher-zh-CN-desktop');
    await page.getByTestId('agency-overview-link').click();
    await poll(() => page.getByRole('heading', { name: '代理总览' }).isVisible()).toBe(true);
    await shot(page, 'overview-zh-CN-desktop');
    expect(problems).toEqual([]);
    await context.close();
  });

  it('on a phone: the switcher and the overview fit 390 px', async () => {
    const { page, context, problems } = await openPage(browser, server.baseUrl, { viewport: PHONE });
    await page.goto('/');
    await signIn(page, agencyEmail);
    await page.getByTestId('user-menu').click();
    await page.getByTestId(`org-switch-${await orgName(b)}`).waitFor();
    await shot(page, 'switcher-en-phone');
    await page.getByTestId('agency-overview-link').click();
    await page.getByTestId(`agency-org-${await orgName(b)}`).waitFor();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
    await shot(page, 'overview-en-phone');
    await page.getByText('中文', { exact: true }).click().catch(async () => {
      // The language switch sits behind the menu on narrow screens in some layouts.
      await page.getByRole('button', { name: /Language|语言/ }).click();
      await page.getByText('中文', { exact: true }).click();
    });
    await poll(() => page.getByRole('heading', { name: '代理总览' }).isVisible()).toBe(true);
    await shot(page, 'overview-zh-CN-phone');
    await page.getByTestId('user-menu').click();
    await page.getByTestId(`org-switch-${await orgName(b)}`).waitFor();
    await shot(page, 'switcher-zh-CN-phone');
    expect(problems).toEqual([]);
    await context.close();
  });

  it("a brand-scoped agent sees one brand's tickets only", async () => {
    const org = await createTestOrg(server.ctx, { market: 'DE' });
    const other = await addBrand(server.ctx, org, { market: 'FR' });
    await ticket(org, 'Voltix: Akku lädt nicht');
    await ticket({ ...org, shopId: other.shopId, brandId: other.brandId }, 'Lumière: fermoir cassé');
    const agent = await brandScopedUser(server.ctx, org, 'agent', [org.brandId]);
    const { page, context, problems } = await openPage(browser, server.baseUrl);
    await page.goto('/');
    await signIn(page, agent.email);
    expect(await inboxSubjects(page)).toEqual(['Voltix: Akku lädt nicht']);
    await shot(page, 'brand-scoped-inbox-en-desktop');
    // The unlimited supervisor of the same organisation sees both brands.
    const sup = await openPage(browser, server.baseUrl);
    await sup.page.goto('/');
    await signIn(sup.page, org.users.supervisor.email);
    expect(await inboxSubjects(sup.page)).toEqual(['Lumière: fermoir cassé', 'Voltix: Akku lädt nicht']);
    await sup.context.close();
    expect(problems).toEqual([]);
    await context.close();
  });

  it('an owner invites by e-mail from Team settings; the link makes a new colleague, once', async () => {
    const org = await createTestOrg(server.ctx, { market: 'DE' });
    await ticket(org, 'Kabel fehlt im Paket');
    const { page, context, problems } = await openPage(browser, server.baseUrl);
    await page.goto('/');
    await signIn(page, org.users.owner.email);
    await page.getByTestId('nav-settings').click();
    await page.getByRole('tab', { name: /Team/ }).click();
    await page.getByTestId('invite-open').click();
    const email = `invitee.${crypto.randomBytes(3).toString('hex')}@test.afterdesk.dev`;
    await page.getByTestId('invite-email').fill(email);
    await page.getByTestId('invite-send').click();
    const link = await page.getByTestId('invite-link').inputValue();
    expect(link).toMatch(/\/invite#/);
    await shot(page, 'invitation-link-en-desktop');
    await page.keyboard.press('Escape');
    await page.getByTestId(`invitation-${email}`).waitFor();
    await shot(page, 'invitations-en-desktop');

    const invitee = await openPage(browser, server.baseUrl, { viewport: PHONE });
    await invitee.page.goto(link.replace(/^https?:\/\/[^/]+/, ''));
    await invitee.page.getByTestId('invite-name').fill('Nora Neu');
    await invitee.page.getByTestId('invite-password').fill(TEST_PASSWORD);
    await shot(invitee.page, 'invite-accept-en-phone');
    await invitee.page.getByTestId('invite-accept').click();
    await poll(() => invitee.page.getByTestId('org-name').innerText()).toBe((await server.ctx.services.tenancy.getOrganisation({ orgId: org.orgId, userId: org.users.owner.id, role: 'owner' })).name);
    // Used once: the same link is dead now.
    const again = await openPage(browser, server.baseUrl, { locale: 'zh-CN' });
    await again.page.goto(link.replace(/^https?:\/\/[^/]+/, ''));
    await again.page.getByTestId('invite-dead').waitFor();
    await shot(again.page, 'invite-dead-zh-CN-desktop');
    for (const p of [problems, invitee.problems, again.problems]) expect(p).toEqual([]);
    await Promise.all([context.close(), invitee.context.close(), again.context.close()]);
  });
});
