import type { Command } from 'commander';
import { z } from 'zod';
import { compose } from '../../app/compose.js';
import { boot } from '../../app/runtime.js';
import { printLogins, seedDemo } from '../../app/seed.js';
import { buildServer } from '../../app/server.js';
import { startWorker } from '../../app/worker.js';
import { migrate } from '../../app/migrate.js';
import { freePort, isPortFree, liveAppPid } from '../../app/postgres.js';
import { AppError } from '../../platform/errors.js';
import { createLogger } from '../../platform/logger.js';
import { CreateUser, passwordWeakness } from '../../modules/auth/index.js';
import { configOrExit, fail, withRuntime } from '../context.js';
import { startHooks } from '../../app/modules.js';
import { zodIssues } from '../../platform/validation.js';
import { startDemoAds } from '../../integrations/tiktok-ads/index.js';

async function pickPort(host: string, wanted: number): Promise<number> {
  if (wanted === 0) return 0;
  if (await isPortFree(wanted, host === 'localhost' ? '127.0.0.1' : host)) return wanted;
  const p = await freePort();
  console.warn(`Port ${wanted} is taken; Afterdesk listens on ${p} instead.`);
  return p;
}

export function registerCoreCommands(program: Command): void {
  program
    .command('start')
    .description('Start Afterdesk: embedded PostgreSQL (unless DATABASE_URL), migrations, API, web UI and worker')
    .option('--no-demo', 'do not create the demo organisation on first start')
    .option('--port <port>', 'HTTP port (default PORT or 3000)')
    .action(async (opts: { demo: boolean; port?: string }) => {
      const config = configOrExit();
      if (opts.port) config.port = Number(opts.port);
      const log = createLogger(config.logLevel);
      let rt: Awaited<ReturnType<typeof boot>> | undefined;
      let stopping = false;
      const stop = async (signal: string) => {
        if (stopping) return;
        stopping = true;
        log.info(`${signal} received; shutting down…`);
        try {
          await app?.close();
          await hooks?.stop();
          await demoAds?.stop();
          await rt?.shutdown();
          process.exit(0);
        } catch (e) {
          log.error({ err: e }, 'shutdown failed');
          process.exit(1);
        }
      };
      process.on('SIGINT', () => void stop('SIGINT'));
      process.on('SIGTERM', () => void stop('SIGTERM'));
      process.on('SIGHUP', () => void stop('SIGHUP'));
      let app: Awaited<ReturnType<typeof buildServer>> | undefined;
      let hooks: Awaited<ReturnType<typeof startHooks>> | undefined;
      let demoAds: Awaited<ReturnType<typeof startDemoAds>> | undefined;
      try {
        rt = await boot(config, { log, jobs: config.worker ? true : 'send', onMigration: (m) => log.info(`migration applied: ${m}`) });
        const services = compose(rt.platform);
        const world = opts.demo ? await seedDemo(rt.platform, services) : undefined;
        if (world?.created) log.info('Demo organisation created.');
        // The demo's API for Business stand-in starts with the hooks, after the workers.
        if (world) services.videoComments.holdUntilRetarget();
        // The demo's Marketing API stand-in, named before the workers start (the hourly ads import
        // must not call the real API); its advertisers are connected once the ads report is in.
        if (world && config.tiktok.mode === 'sandbox') demoAds = await startDemoAds({ ads: services.tiktokAds, analytics: services.analytics, log, shopIds: async () => (await services.tenancy.listShops({ orgId: world.orgId, userId: 'system', role: 'owner' })).map((x) => x.id) }, { orgId: world.orgId });
        if (config.worker) await startWorker(rt.platform, services);
        app = await buildServer(rt.platform, services);
        const port = await pickPort(config.host, config.port);
        await app.listen({ host: config.host, port });
        const addr = app.server.address();
        const actualPort = typeof addr === 'object' && addr ? addr.port : port;
        hooks = await startHooks(rt.platform, services, { demo: !!world, port: actualPort, demoOrgId: world?.orgId });
        const url = config.publicUrlSet ? config.publicUrl : `http://localhost:${actualPort}`;
        if (!config.publicUrlSet) config.publicUrl = url;
        if (demoAds) void demoAds.connect().then((n) => log.info(`Demo ad campaigns: ${n} shop(s) imported from the Marketing API stand-in.`), (e: unknown) => log.warn({ err: e }, 'demo ads did not connect'));
        if (world) printLogins(world, url);
        else console.log(`Afterdesk is running: ${url}`);
      } catch (e) {
        await rt?.shutdown().catch(() => undefined);
        fail(e);
      }
    });

  program
    .command('migrate')
    .description('Apply pending database migrations and exit (refused while Afterdesk runs on this DATA_DIR)')
    .action(async () => {
      try {
        const config = configOrExit();
        const running = config.databaseUrl ? null : liveAppPid(config.dataDir);
        // The one database command that keeps the refusal: a schema changed under a running app
        // would serve requests with code that expects the old one.
        if (running) throw AppError.conflict('cli.app_running', `Afterdesk is running (pid ${running}) on ${config.dataDir}; migrations change the schema under it. Stop it first (its next start applies them too).`);
        await withRuntime(async () => undefined, {
          attach: false,
          onMigration: (m) => console.log(`applied ${m}`),
        });
        console.log('database is up to date');
      } catch (e) {
        fail(e);
      }
    });
  void migrate;

  program
    .command('seed-demo')
    .description('Create the demo organisation (idempotent) and print its logins')
    .action(async () => {
      try {
        await withRuntime(async (p, s) => {
          const world = await seedDemo(p, s);
          console.log(world.created ? `created demo organisation ${world.orgId}` : `demo organisation ${world.orgId} already exists`);
          printLogins(world, p.config.publicUrl, console.log, false);
        });
      } catch (e) {
        fail(e);
      }
    });

  const user = program.command('user').description('Manage users');
  user
    .command('add')
    .description('Add a user to an organisation (or create a new organisation for them with --new-org)')
    .requiredOption('--email <email>', 'login e-mail')
    .requiredOption('--name <name>', 'display name')
    .requiredOption('--role <role>', 'owner | supervisor | agent | warehouse')
    .requiredOption('--password <password>', 'at least 10 characters and hard to guess (zxcvbn score 3 of 4)')
    .option('--org <orgId>', 'organisation id (org_…)')
    .option('--new-org <name>', 'create a new organisation with this name')
    .option('--languages <list>', 'comma-separated: en,de,fr,it,es', '')
    .option('--skills <list>', 'comma-separated skills', '')
    .action(async (o: { email: string; name: string; role: string; password: string; org?: string; newOrg?: string; languages: string; skills: string }) => {
      try {
        if (!o.org && !o.newOrg) throw AppError.validation('cli.org_required', 'Give --org <orgId> or --new-org <name>', [{ field: '--org', message: 'required' }]);
        const parsed = CreateUser.safeParse({
          email: o.email,
          name: o.name,
          role: o.role,
          password: o.password,
          languages: o.languages ? o.languages.split(',').map((x) => x.trim()) : undefined,
          skills: o.skills ? o.skills.split(',').map((x) => x.trim()) : undefined,
        });
        const issues = parsed.success ? [] : zodIssues(parsed.error, { prefix: '--', root: '?', topLevel: true });
        // Checked before anything is written, so a weak password leaves no new organisation behind.
        const weakness = parsed.success || !issues.some((i) => i.field === '--password') ? passwordWeakness(o.password, { email: o.email, name: o.name }) : null;
        if (weakness) issues.push({ field: '--password', message: weakness });
        if (!parsed.success || issues.length) throw AppError.validation('cli.invalid', 'Invalid user', issues);
        await withRuntime(async (_p, s) => {
          const orgId = o.org ?? (await s.tenancy.createOrganisation({ name: z.string().min(1).parse(o.newOrg) })).orgId;
          const u = await s.auth.createUserInOrg(orgId, parsed.data);
          console.log(`added ${u.role} ${u.email} (${u.id}) to ${orgId}`);
        });
      } catch (e) {
        fail(e);
      }
    });
}
