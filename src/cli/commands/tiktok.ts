import fs from 'node:fs';
import readline from 'node:readline/promises';
import type { Command } from 'commander';
import { AppError } from '../../platform/errors.js';
import { signRequest, verifyWebhookSignature, webhookSignature } from '../../integrations/tiktok/signing.js';
import { SANDBOX_APP_KEY, SANDBOX_APP_SECRET, TikTokSandbox } from '../../integrations/tiktok/sandbox/server.js';
import { SandboxSimulation } from '../../integrations/tiktok/sandbox/sim.js';
import type { UnmatchedReason } from '../../integrations/tiktok/connections.js';
import { fail, withRuntime } from '../context.js';

const collect = (v: string, prev: string[] = []) => [...prev, v];

/** `k=v` pairs from repeated --query options; a bad one is named. */
export function parseQueryPairs(pairs: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of pairs) {
    const i = p.indexOf('=');
    if (i <= 0) throw AppError.validation('cli.bad_query', `--query expects key=value; got "${p}"`, [{ field: '--query', message: `"${p}" has no key=value` }]);
    out[p.slice(0, i)] = p.slice(i + 1);
  }
  return out;
}

const UNMATCHED_HINT: Record<UnmatchedReason, string> = {
  no_shop_in_market: 'create a shop for this market (without a TikTok shop yet), then connect again',
  several_shops_in_market: 'you have several shops in this market: connect again with --shop <shopId>',
  target_shop_other_market: 'it is not in the market of the shop given with --shop',
  target_shop_bound: 'the shop given with --shop is already bound to another TikTok shop',
  not_the_target: 'not the shop given with --shop',
};

/** The pains sellers actually have: "why is my sign rejected?", "why does my webhook check fail?", "how do I connect?". */
export function registerTikTokCommands(program: Command): void {
  const tiktok = program.command('tiktok').description('TikTok Shop: signing and webhook checks, connecting shops, the local sandbox');

  tiktok
    .command('sign')
    .description('Sign a request the way TikTok Shop does; prints the exact string that was signed and the signature')
    .requiredOption('--secret <secret>', 'app secret')
    .requiredOption('--path <path>', 'request path only, e.g. /order/202309/orders/search')
    .option('--query <k=v>', 'query parameter (repeat); app_key, timestamp, shop_cipher, page_size … (sign and access_token are ignored)', collect, [])
    .option('--body <json>', 'request body exactly as sent (not for multipart)')
    .option('--multipart', 'multipart/form-data upload: the body is not signed')
    .action((o: { secret: string; path: string; query: string[]; body?: string; multipart?: boolean }) => {
      try {
        if (!o.path.startsWith('/')) throw AppError.validation('cli.bad_path', '--path must start with / and hold no host or query', [{ field: '--path', message: 'must start with /' }]);
        if (o.path.includes('?')) throw AppError.validation('cli.bad_path', '--path must not contain "?": pass query parameters with --query', [{ field: '--path', message: 'contains ?' }]);
        const query = parseQueryPairs(o.query);
        if (o.body !== undefined) {
          try {
            JSON.parse(o.body);
          } catch {
            throw AppError.validation('cli.bad_body', '--body is not valid JSON', [{ field: '--body', message: 'not JSON' }]);
          }
          if (o.body !== JSON.stringify(JSON.parse(o.body))) console.error('note: the body has whitespace; it is signed byte for byte — send exactly these bytes');
        }
        const r = signRequest(o.secret, o.path, query, o.body ?? '', { multipart: o.multipart });
        console.log(`string to sign: ${r.signed}`);
        console.log(`wrapped:        <secret>${r.signed}<secret>`);
        console.log(`sign:           ${r.sign}`);
        const missing = ['app_key', 'timestamp'].filter((k) => !(k in query));
        if (missing.length) console.error(`note: a real request also needs ${missing.join(' and ')} in the query`);
        if ('timestamp' in query && Math.abs(Number(query.timestamp) - Date.now() / 1000) > 300) console.error('note: this timestamp is more than 5 minutes from now; the platform would answer 36009004 Invalid timestamp');
      } catch (e) {
        fail(e);
      }
    });

  tiktok
    .command('verify-webhook')
    .description('Check a webhook signature (Authorization header) against app key + raw body; says valid or why not')
    .requiredOption('--app-key <key>', 'app key')
    .requiredOption('--secret <secret>', 'app secret')
    .requiredOption('--body-file <file>', 'the raw body as received (bytes, not re-encoded JSON)')
    .requiredOption('--signature <hex>', 'value of the Authorization header')
    .action((o: { appKey: string; secret: string; bodyFile: string; signature: string }) => {
      try {
        if (!fs.existsSync(o.bodyFile)) throw AppError.validation('cli.no_file', `--body-file ${o.bodyFile} does not exist`, [{ field: '--body-file', message: 'no such file' }]);
        const raw = fs.readFileSync(o.bodyFile);
        const v = verifyWebhookSignature(o.appKey, o.secret, raw, o.signature);
        if (v.valid) {
          console.log('valid: the signature matches app key + body');
          return;
        }
        console.log(`invalid (${v.reason}): ${v.message}`);
        // Name the usual culprits by trying them.
        const trimmed = raw.toString('utf8').replace(/\r?\n$/, '');
        if (trimmed.length !== raw.length && verifyWebhookSignature(o.appKey, o.secret, trimmed, o.signature).valid) {
          console.log('hint: it is valid without the trailing newline — your tool or editor added one to the saved body');
        } else try {
          const compact = JSON.stringify(JSON.parse(raw.toString('utf8')));
          if (compact !== raw.toString('utf8') && verifyWebhookSignature(o.appKey, o.secret, compact, o.signature).valid) console.log('hint: it is valid for the compact JSON — the saved body was re-formatted after it arrived');
        } catch {
          console.log('hint: the body file is not JSON');
        }
        if (o.signature.trim().toLowerCase() === webhookSignature(o.appKey, o.secret, raw).toLowerCase() && o.signature !== o.signature.toLowerCase()) console.log('hint: case differs only');
        process.exitCode = 1;
      } catch (e) {
        fail(e);
      }
    });

  tiktok
    .command('connect')
    .description('Authorise a TikTok shop: prints the authorise link, takes the redirect (or code), binds each authorised TikTok shop to your shop of its market (or to --shop) and stores encrypted tokens')
    .requiredOption('--org <orgId>', 'organisation id (org_…)')
    .option('--shop <shopId>', 'bind the authorised TikTok shop of this shop\'s market to this shop (shp_…); needed when you have several shops in one market')
    .option('--code <codeOrUrl>', 'the auth code, or the whole URL you were redirected to (otherwise asked interactively)')
    .option('--market <cc>', 'market of the shop (US uses the US authorisation host)')
    .option('--api-base <url>', 'API host (default TIKTOK_API_BASE or the live host; the sandbox URL for a local run)')
    .option('--webhook-url <url>', 'also subscribe the after-sales webhooks of every connected shop to this URL')
    .action(async (o: { org: string; shop?: string; code?: string; market?: string; apiBase?: string; webhookUrl?: string }) => {
      try {
        await withRuntime(async (_p, s) => {
          if (o.apiBase) s.tiktok.client.retarget({ apiBase: o.apiBase, authBase: o.apiBase });
          if (o.shop) await s.tiktok.connections.requireShop(o.org, o.shop);
          const { url, state } = s.tiktok.connections.authorizeUrl(o.org, { market: o.market, shopId: o.shop });
          console.log('1. Open this link signed in as the seller and click "Authorise":');
          console.log(`   ${url}`);
          let input = o.code;
          if (!input) {
            const rl = readline.createInterface({ input: process.stdin, output: process.stdout });
            input = await rl.question('2. Paste the URL you were redirected to (or just the code): ');
            rl.close();
          }
          let code = input.trim();
          if (/^https?:\/\//.test(code)) {
            const u = new URL(code);
            if (u.searchParams.get('error')) throw AppError.validation('tiktok.auth_denied', `The seller refused: ${u.searchParams.get('error')}`, [{ field: 'code', message: 'authorisation denied' }]);
            const st = u.searchParams.get('state');
            if (st && st !== state) console.error('note: the state in that URL is from another attempt; using its code anyway');
            code = u.searchParams.get('code') ?? '';
          }
          const r = await s.tiktok.connections.completeAuthorisation(o.org, code, { shopId: o.shop });
          for (const c of r.connected) console.log(`connected ${c.name} (TikTok ${c.tiktokShopId}) → ${c.shopId}`);
          for (const u of r.unmatched) console.log(`not connected: ${u.name} (${u.region}, TikTok ${u.tiktokShopId}) — ${UNMATCHED_HINT[u.reason]}`);
          for (const u of r.refused) console.log(`refused: ${u.name} (${u.region}, TikTok ${u.tiktokShopId}) is connected to another organisation on this installation`);
          if (r.connected.length === 0) process.exitCode = 1;
          if (o.webhookUrl) for (const c of r.connected) console.log(`webhooks for ${c.name}: ${(await s.tiktok.connections.registerWebhooks(o.org, c.shopId, o.webhookUrl)).join(', ')}`);
        });
      } catch (e) {
        fail(e);
      }
    });

  tiktok
    .command('unbound')
    .description('TikTok shops whose webhooks arrive but that no organisation has authorised: acknowledged, counted, never routed (installation operator)')
    .option('--json', 'print JSON')
    .action(async (o: { json?: boolean }) => {
      try {
        await withRuntime(async (_p, s) => {
          const rows = await s.tiktok.unboundShops();
          if (o.json) {
            console.log(JSON.stringify(rows.map((r) => ({ ...r, firstSeenAt: r.firstSeenAt.toISOString(), lastSeenAt: r.lastSeenAt.toISOString() })), null, 2));
            return;
          }
          if (rows.length === 0) {
            console.log('No webhook events for unbound TikTok shops.');
            return;
          }
          console.log(`${'TikTok shop id'.padEnd(22)}${'events'.padStart(8)}  ${'last type'.padStart(9)}  ${'first seen'.padEnd(24)}  last seen`);
          for (const r of rows) console.log(`${r.tiktokShopId.padEnd(22)}${String(r.events).padStart(8)}  ${String(r.lastType).padStart(9)}  ${r.firstSeenAt.toISOString().padEnd(24)}  ${r.lastSeenAt.toISOString()}`);
        });
      } catch (e) {
        fail(e);
      }
    });

  tiktok
    .command('sandbox')
    .description('Run the local TikTok Shop sandbox alone (seeded world, signed webhooks, accelerated clock)')
    .option('--seed <n>', 'world seed', '42')
    .option('--port <port>', 'port (0 = any free port)', '0')
    .option('--speed <x>', 'simulated seconds per real second (0 = frozen)', '60')
    .option('--webhook <url>', 'deliver every shop\'s webhooks to this URL')
    .action(async (o: { seed: string; port: string; speed: string; webhook?: string }) => {
      try {
        for (const [k, v] of Object.entries({ seed: o.seed, port: o.port, speed: o.speed })) {
          if (!/^\d+(\.\d+)?$/.test(v)) throw AppError.validation('cli.bad_number', `--${k} must be a number; got "${v}"`, [{ field: `--${k}`, message: 'not a number' }]);
        }
        const sandbox = new TikTokSandbox({ seed: Number(o.seed), port: Number(o.port), appKey: process.env.TIKTOK_APP_KEY || SANDBOX_APP_KEY, appSecret: process.env.TIKTOK_APP_SECRET || SANDBOX_APP_SECRET, log: (l) => console.log(l) });
        const url = await sandbox.start();
        if (o.webhook) sandbox.setWebhookAddressForAll(o.webhook);
        const sim = new SandboxSimulation(sandbox.world, { speed: Number(o.speed), afterAdvance: () => sandbox.coupons.advance() });
        sandbox.coupons.speed = Math.max(1, Number(o.speed));
        sim.start();
        console.log(`TikTok Shop sandbox listening on ${url} (seed ${o.seed}, speed ×${o.speed})`);
        console.log(`  app key:    ${sandbox.appKey}`);
        console.log(`  app secret: ${sandbox.appSecret}`);
        console.log(`  authorise:  ${url}/oauth/authorize?app_key=${sandbox.appKey}&state=cli`);
        console.log(`  use with:   TIKTOK_API_BASE=${url} TIKTOK_AUTH_BASE=${url}`);
        for (const s of sandbox.world.shops) console.log(`  shop ${s.id}  ${s.name.padEnd(12)} ${s.region}  cipher ${s.cipher}`);
        await new Promise<void>((resolve) => {
          process.once('SIGINT', resolve);
          process.once('SIGTERM', resolve);
        });
        sim.stop();
        await sandbox.stop();
      } catch (e) {
        fail(e);
      }
    });
}
