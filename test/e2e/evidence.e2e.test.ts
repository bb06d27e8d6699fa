import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it, onTestFailed } from 'vitest';
import { seedEvidenceDemo, type PackManifest } from '../../src/modules/evidence/index.js';
import { describeE2E, launchBrowser, openPage, screenshot, SCREENS_DIR, startE2EServer, type E2EServer, signIn, SIGN_IN_ZH } from '../helpers/e2e.js';
import { createTestOrg, TEST_PASSWORD, type TestOrg } from '../helpers/org.js';
import { unzip } from '../helpers/unzip.js';

const poll = <T,>(fn: () => T | Promise<T>) => expect.poll(fn, { timeout: 15_000, interval: 100 });
const sha = (b: Buffer) => crypto.createHash('sha256').update(b).digest('hex');

/** Every thumbnail on the page has loaded as a real image (served by GET /api/evidence/files/:sha256). */
const thumbnailsLoaded = (page: Page) =>
  page.locator('[data-testid=evidence-file] img').evaluateAll((imgs) => imgs.length > 0 && imgs.every((i) => (i as HTMLImageElement).complete && (i as HTMLImageElement).naturalWidth > 0));


describeE2E('evidence page (browser)', () => {
  let server: E2EServer;
  let browser: Browser;
  let org: TestOrg;

  beforeAll(async () => {
    server = await startE2EServer();
    org = await createTestOrg(server.ctx, { market: 'DE' });
    await seedEvidenceDemo(server.ctx.services.evidence, org.orgId, new Date('2026-02-10T08:00:00Z'));
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('signs in, opens a case, builds a pack and downloads a real ZIP with the PDF, the files and a manifest whose hashes match', async () => {
    const { page, context, problems } = await openPage(browser, server.baseUrl);
    onTestFailed(async () => {
      await screenshot(page, 'failed-evidence');
      console.log('page problems:', problems);
    });
    await page.goto('/evidence');
    await signIn(page, org.users.agent.email);
    const table = page.getByTestId('evidence-cases');
    await poll(() => table.getByRole('link').allInnerTexts()).toEqual(['tkt_demo_evidence_damaged', 'tkt_demo_evidence_inr', 'ret_demo_evidence_appeal']);
    await screenshot(page, 'evidence-cases-en');

    await table.getByRole('link', { name: 'tkt_demo_evidence_damaged' }).click();
    await poll(() => page.getByTestId('case-title').innerText()).toBe('Case tkt_demo_evidence_damaged');
    await poll(() => page.getByTestId('evidence-timeline').locator('.mantine-Timeline-item').count()).toBe(12);
    await poll(() => page.getByTestId('evidence-file').count()).toBe(4);
    await poll(() => thumbnailsLoaded(page)).toBe(true);
    // Default reason (not as described) is fully covered for this case.
    await poll(() => page.getByTestId('pack-ready').isVisible()).toBe(true);

    await page.getByTestId('pack-reason').click();
    await page.getByRole('option', { name: 'Damaged item' }).click();
    await page.getByTestId('pack-language').click();
    await page.getByRole('option', { name: 'German' }).click();
    await poll(() => page.getByTestId('pack-ready').isVisible()).toBe(true);
    await screenshot(page, 'evidence-case-en');

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('build-pack').click()]);
    expect(download.suggestedFilename()).toBe('evidence-tkt_demo_evidence_damaged-damaged.zip');
    fs.mkdirSync(SCREENS_DIR, { recursive: true });
    const file = path.join(SCREENS_DIR, 'evidence-pack.zip');
    await download.saveAs(file);
    const zipBytes = fs.readFileSync(file);
    expect(zipBytes.subarray(0, 4).toString('hex')).toBe('504b0304');
    const entries = await unzip(zipBytes);
    const manifest = JSON.parse(entries.get('manifest.json')!.toString()) as PackManifest;
    expect(manifest).toMatchObject({ caseId: 'tkt_demo_evidence_damaged', reason: 'damaged', language: 'de', warnings: [] });
    expect(entries.get('summary.pdf')!.subarray(0, 5).toString()).toBe('%PDF-');
    expect(sha(entries.get('summary.pdf')!)).toBe(manifest.summary.sha256);
    expect(manifest.files.map((f) => f.fileName).sort()).toEqual(['cracked-tank.jpg', 'dhl-proof-of-delivery.txt', 'inspection-1.jpg', 'parcel-on-arrival.jpg']);
    for (const f of manifest.files) expect(sha(entries.get(f.path)!)).toBe(f.sha256);
    expect([...entries.keys()].sort()).toEqual(['manifest.json', 'summary.pdf', ...manifest.files.map((f) => f.path)].sort());

    // A reason this case cannot fully support shows what is missing before anyone builds the pack.
    await page.getByRole('link', { name: 'All cases' }).click();
    await page.getByTestId('evidence-cases').getByRole('link', { name: 'tkt_demo_evidence_inr' }).click();
    await page.getByTestId('pack-reason').click();
    await page.getByRole('option', { name: 'Item not received' }).click();
    await poll(async () => (await page.getByTestId('pack-warnings').innerText()).replace(/\n+/g, '\n')).toBe('Missing evidence\nNo tracking record on record.');
    await screenshot(page, 'evidence-case-warnings-en');
    expect(problems).toEqual([]);
    await context.close();
  }, 120_000);

  it('in Chinese: the supervisor sees the case list, timeline and verifies the chain', async () => {
    const cookie = await org.cookie('supervisor');
    await server.ctx.app.inject({ method: 'PATCH', url: '/api/auth/me', headers: { cookie }, payload: { uiLocale: 'zh-CN' } });
    const { page, context, problems } = await openPage(browser, server.baseUrl, { locale: 'zh-CN' });
    onTestFailed(async () => {
      await screenshot(page, 'failed-evidence-zh');
      console.log('page problems:', problems);
    });
    await page.goto('/evidence');
    await signIn(page, org.users.supervisor.email, { labels: SIGN_IN_ZH });
    await poll(() => page.getByRole('heading', { level: 2 }).first().innerText()).toBe('证据');
    await page.getByTestId('verify-chain').click();
    await poll(() => page.getByTestId('verify-result').innerText()).toBe('证据链完整：21 条记录，4 个文件，1 个签名检查点。');
    await screenshot(page, 'evidence-cases-zh-CN');
    await page.getByTestId('evidence-cases').getByRole('link', { name: 'tkt_demo_evidence_damaged' }).click();
    await poll(() => page.getByTestId('case-title').innerText()).toBe('案件 tkt_demo_evidence_damaged');
    await poll(() => page.getByTestId('evidence-file').count()).toBe(4);
    await poll(() => thumbnailsLoaded(page)).toBe(true);
    await screenshot(page, 'evidence-case-zh-CN');
    expect(problems).toEqual([]);
    await context.close();
  }, 120_000);
});
