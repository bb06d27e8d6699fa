/**
 * Browser tests: a real server (real services, this worker's database, the built web UI) on a
 * free port, driven by Debian's Chromium through playwright-core.
 *
 * Skip rule: browser tests skip only when Chromium is missing AND `CI` is unset (or empty, "0",
 * "false"). Under CI a missing Chromium fails the tests, so a broken runner cannot pass silently.
 */
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { describe } from 'vitest';
import { WEB_DIST } from '../../src/app/server.js';
import { createTestContext, type TestContext, type TestContextOptions } from './context.js';
import { TEST_PASSWORD } from './org.js';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const SCREENS_DIR = path.resolve('.tmp', 'screens');
const WEB_SRC = path.resolve('src', 'web');

export function isCI(): boolean {
  const v = (process.env.CI ?? '').trim().toLowerCase();
  return v !== '' && v !== '0' && v !== 'false';
}

export function chromiumInstalled(): boolean {
  return fs.existsSync(CHROMIUM_PATH);
}

/** Whether browser tests run here: always under CI (and fail if Chromium is missing), else only with Chromium. */
export function e2eAvailable(): boolean {
  return chromiumInstalled() || isCI();
}

/** `describe` for browser tests, implementing the skip rule above. */
export const describeE2E: typeof describe = ((name: string, fn: () => void) =>
  describe.skipIf(!e2eAvailable())(name, fn)) as unknown as typeof describe;

export async function launchBrowser(): Promise<Browser> {
  if (!chromiumInstalled()) {
    throw new Error(`Chromium not found at ${CHROMIUM_PATH}; install it (apt-get install -y chromium fonts-noto-cjk) or set CHROMIUM_PATH. CI is set, so browser tests fail instead of skipping.`);
  }
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(p));
    else newest = Math.max(newest, fs.statSync(p).mtimeMs);
  }
  return newest;
}

function webBuildIsFresh(): boolean {
  const index = path.join(WEB_DIST, 'index.html');
  return fs.existsSync(index) && fs.statSync(index).mtimeMs >= newestMtime(WEB_SRC);
}

/**
 * Makes sure dist/web matches src/web. `npm test` builds it first, so this normally does nothing;
 * when running one file by hand it builds (under a lock, so parallel workers build once).
 */
export async function ensureWebBuild(): Promise<void> {
  if (webBuildIsFresh()) return;
  const lock = path.resolve('.tmp', 'web-build.lock');
  fs.mkdirSync(path.dirname(lock), { recursive: true });
  const deadline = Date.now() + 180_000;
  for (;;) {
    try {
      fs.mkdirSync(lock);
      break;
    } catch {
      // Another worker is building; a lock older than 3 minutes is from a killed run.
      try {
        if (Date.now() - fs.statSync(lock).mtimeMs > 180_000) fs.rmSync(lock, { recursive: true, force: true });
      } catch {
        /* gone already */
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${lock}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  try {
    if (webBuildIsFresh()) return;
    const { build } = await import('vite');
    // Vitest sets NODE_ENV=test, which would give a development React build.
    const nodeEnv = process.env.NODE_ENV;
    process.env.NODE_ENV = 'production';
    try {
      await build({ configFile: path.join(WEB_SRC, 'vite.config.ts'), mode: 'production', logLevel: 'warn' });
    } finally {
      process.env.NODE_ENV = nodeEnv;
    }
  } catch (e) {
    throw new Error(`building the web UI failed (run \`npm run build:web\` to see why): ${(e as Error).message}`);
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
  if (!fs.existsSync(path.join(WEB_DIST, 'index.html'))) throw new Error(`${WEB_DIST}/index.html is missing after the build`);
}

export interface E2EServer {
  baseUrl: string;
  ctx: TestContext;
  close(): Promise<void>;
}

/** The real app listening on 127.0.0.1 with a free port, serving the built web UI. */
export async function startE2EServer(opts: TestContextOptions = {}): Promise<E2EServer> {
  await ensureWebBuild();
  const ctx = await createTestContext(opts);
  const address = await ctx.app.listen({ host: '127.0.0.1', port: 0 });
  return { baseUrl: address.replace('localhost', '127.0.0.1'), ctx, close: () => ctx.close() };
}

export interface E2EPage {
  context: BrowserContext;
  page: Page;
  /** Uncaught page errors and console errors seen so far (assert it stays empty). */
  problems: string[];
}

/** A fresh browser context (own cookies and storage) with a desktop viewport and English browser locale. */
export async function openPage(browser: Browser, baseUrl: string, opts: { viewport?: { width: number; height: number }; locale?: string } = {}): Promise<E2EPage> {
  const context = await browser.newContext({ baseURL: baseUrl, viewport: opts.viewport ?? { width: 1366, height: 860 }, locale: opts.locale ?? 'en-US' });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    // Failed requests we provoke on purpose (401 wrong password) are logged by the browser itself.
    if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) problems.push(`console: ${m.text()}`);
  });
  return { context, page, problems };
}

export async function screenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(SCREENS_DIR, { recursive: true });
  const file = path.join(SCREENS_DIR, `${name}.png`);
  await page.screenshot({ path: file, fullPage: false, animations: 'disabled' });
  return file;
}

export const SIGN_IN_EN = { email: 'E-mail', password: 'Password', submit: 'Sign in' };
export const SIGN_IN_ZH = { email: '邮箱', password: '密码', submit: '登录' };

/**
 * Signs in on the sign-in page and, unless `shell: false` (a wrong password, a second factor), waits
 * for the signed-in frame. Waiting matters: a click on the language switch while the sign-in page is
 * still on screen changes only this browser's language, not the account's, and the next page load
 * would come back in the account's language.
 */
export async function signIn(page: Page, email: string, opts: { password?: string; labels?: typeof SIGN_IN_EN; shell?: boolean } = {}): Promise<void> {
  const labels = opts.labels ?? SIGN_IN_EN;
  await page.getByRole('button', { name: labels.submit, exact: true }).waitFor();
  await page.getByLabel(labels.email, { exact: true }).fill(email);
  await page.getByLabel(labels.password, { exact: true }).fill(opts.password ?? TEST_PASSWORD);
  await page.getByRole('button', { name: labels.submit, exact: true }).click();
  if (opts.shell !== false) await page.getByTestId('user-menu').first().waitFor({ state: 'attached' });
}
