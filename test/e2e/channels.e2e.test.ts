import { and, eq } from 'drizzle-orm';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { registerModuleWorkers } from '../../src/app/modules.js';
import { startBusinessStandIn, type BusinessStandIn } from '../../src/integrations/video-comments/index.js';
import { tickets } from '../../src/modules/helpdesk/helpdesk.schema.js';
import { describeE2E, launchBrowser, openPage, screenshot, startE2EServer, type E2EServer } from '../helpers/e2e.js';
import { createTestOrg, TEST_PASSWORD, type TestOrg } from '../helpers/org.js';

const poll = <T,>(fn: () => T | Promise<T>) => expect.poll(fn, { timeout: 15_000, interval: 100 });

// One page: a complaint under a TikTok video, answered publicly and hidden from the agent's ticket view.
describeE2E('TikTok video comment ticket (browser)', () => {
  let server: E2EServer;
  let browser: Browser;
  let business: BusinessStandIn;
  let org: TestOrg;
  let commentId: string;

  beforeAll(async () => {
    business = await startBusinessStandIn();
    server = await startE2EServer({ env: { TIKTOK_BUSINESS_API_BASE: business.base, OUTBOUND_ALLOW: `127.0.0.1:${business.port}` } });
    await registerModuleWorkers(server.ctx.platform, server.ctx.services);
    browser = await launchBrowser();
    org = await createTestOrg(server.ctx);
    business.registerAccount({ businessId: '7100000000000000001', token: 'act.e2e-token-123', displayName: 'voltix.official' });
    const video = business.addVideo('7100000000000000001', { caption: 'Voltix Pro unboxing' });
    commentId = business.comment({ videoId: video.item_id, userId: 'u-1', username: 'mila.k', displayName: 'Mila K', text: 'Mine arrived broken, the case hinge snapped. Refund?' });
    const owner = { orgId: org.orgId, userId: org.users.owner.id, role: 'owner' as const };
    await server.ctx.services.videoComments.save(owner, org.shopId, { businessId: '7100000000000000001', displayName: 'voltix.official', accessToken: 'act.e2e-token-123' });
    expect(await server.ctx.services.videoComments.poll(org.orgId, org.shopId)).toMatchObject({ tickets: 1 });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await business?.close();
  });

  it('shows the video, warns that the reply is public and short, sends it under the comment, and hides the comment', async () => {
    const { page, context, problems } = await openPage(browser, server.baseUrl);
    const [ticket] = await server.ctx.platform.db.tenant(org.orgId, (tx) => tx.select().from(tickets).where(and(eq(tickets.orgId, org.orgId), eq(tickets.channel, 'video_comment'))));
    const ticketId = ticket!.id;
    await page.goto(`/inbox/${ticketId}`);
    await page.getByLabel('E-mail').fill(org.users.agent.email);
    await page.getByLabel('Password', { exact: true }).fill(TEST_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();

    const bar = page.getByTestId('video-comment-bar');
    const link = bar.getByRole('link', { name: 'Video: Voltix Pro unboxing' });
    await link.waitFor();
    expect(await link.getAttribute('href')).toMatch(/^https:\/\/www\.tiktok\.com\/@voltix\.official\/video\/\d+$/);
    expect(await page.getByTestId('public-reply-warning').textContent()).toContain('at most 150 characters');
    await page.getByTestId('composer-text').fill('x'.repeat(151));
    await poll(() => page.getByTestId('comment-length').textContent()).toBe('151/150');
    await page.getByTestId('composer-text').fill('So sorry Mila! We sent you a DM to replace the case.');
    await poll(() => page.getByTestId('comment-length').textContent()).toBe('52/150');
    await screenshot(page, 'channels-video-comment-ticket');
    await page.getByTestId('send-button').click();
    await poll(async () => {
      await server.ctx.platform.dispatcher.drain(20, org.orgId);
      return business.replyCalls.map((c) => [c.commentId, c.text]);
    }).toEqual([[commentId, 'So sorry Mila! We sent you a DM to replace the case.']]);

    await bar.getByTestId('video-comment-visibility').click();
    await poll(() => bar.getByTestId('video-comment-visibility').textContent()).toBe('Show comment');
    await poll(async () => {
      await server.ctx.platform.dispatcher.drain(20, org.orgId);
      return business.comments.get(commentId)!.status;
    }).toBe('HIDDEN');
    // The server keeps the state: after a reload the comment is still shown as hidden.
    await page.reload();
    await poll(() => page.getByTestId('video-comment-hidden').textContent()).toBe('Hidden on TikTok');
    expect(await page.getByTestId('video-comment-bar').getByTestId('video-comment-visibility').textContent()).toBe('Show comment');
    await screenshot(page, 'channels-video-comment-hidden-after-reload');
    // The video as a traffic source: no orders attributed yet, one complaint from its comments.
    await poll(() => page.getByTestId('video-comment-source').first().textContent()).toBe('No orders attributed to this video yet · complaints from comments (90 days): 1');
    expect(problems).toEqual([]);
    await context.close();
  }, 90_000);

  it('connects the business account with "Connect with TikTok": consent on TikTok, back to Settings → Channels', async () => {
    const APP = { appId: '7300000000000000123', secret: 'e2e-app-secret', redirectUri: `${server.baseUrl}/api/tiktok-business/oauth/callback` };
    business.registerApp(APP);
    server.ctx.services.videoComments.retarget(business.base, { appId: APP.appId, appSecret: APP.secret, authUrl: business.authUrl, redirectUri: APP.redirectUri });
    const { page, context, problems } = await openPage(browser, server.baseUrl);
    await page.goto('/settings/channels');
    await page.getByLabel('E-mail').fill(org.users.owner.email);
    await page.getByLabel('Password', { exact: true }).fill(TEST_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    const card = page.getByTestId('tiktok-comments-card');
    await poll(() => card.getByTestId('tiktok-comments-via').textContent()).toBe('Connected with a pasted token (not renewed by Afterdesk).');
    await card.getByTestId('tiktok-connect').click();
    // TikTok's consent page (the stand-in), then back through our callback to the settings page.
    await page.waitForURL(/\/v2\/auth\/authorize\//);
    await page.locator('#allow').click();
    await page.waitForURL(/\/settings\/channels$/);
    await poll(() => card.getByTestId('tiktok-comments-via').textContent()).toMatch(/^Connected through TikTok · renewed automatically · authorisation valid until /);
    expect(business.tokenCalls).toEqual([{ grantType: 'authorization_code', ok: true }]);
    await card.scrollIntoViewIfNeeded();
    await screenshot(page, 'channels-tiktok-connected-oauth');
    expect(problems).toEqual([]);
    await context.close();
  }, 90_000);
});
