import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Fastify, { type FastifyBaseLogger, type FastifyError, type FastifyRequest } from 'fastify';
import cookie from '@fastify/cookie';
import multipart from '@fastify/multipart';
import fastifyStatic from '@fastify/static';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { hasZodFastifySchemaValidationErrors, jsonSchemaTransform, serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError, isAppError, pgErrorCode } from '../platform/errors.js';
import { ErrorBody, findUnstorableString, type Http } from '../platform/http.js';
import { newId } from '../platform/ids.js';
import { runInShopScope } from '../platform/scope.js';
import type { Logger } from '../platform/logger.js';
import { accountRoutes, authRoutes, registerAccountGuard, SESSION_COOKIE } from '../modules/auth/index.js';
import { bearerOf, registerTokenAuth } from '../modules/integrations/index.js';
import { tenancyRoutes } from '../modules/tenancy/index.js';
import { registerAccess } from './access.js';
import { registerContract } from './contract.js';
import { registerSecurityHeaders } from './security-headers.js';
import type { Platform, Services } from './deps.js';
import { outboxRoutes } from './outbox.routes.js';
import { eventsRoutes } from './events.routes.js';
import { registerModuleRoutes } from './modules.js';

const here = path.dirname(fileURLToPath(import.meta.url));
export const WEB_DIST = path.resolve(here, '../../dist/web');
export const VERSION = '0.1.0';

function issueField(v: { instancePath: string; params?: Record<string, unknown> }, context?: string): string[] {
  const base = v.instancePath.replace(/^\//, '').replace(/\//g, '.');
  const keys = v.params?.keys as string[] | undefined;
  const prefix = (p: string) => (context && context !== 'body' ? `${context}.${p}` : p) || context || 'body';
  if (Array.isArray(keys) && keys.length) return keys.map((k) => prefix(base ? `${base}.${k}` : k));
  return [prefix(base)];
}

/** Maps every failure to `{code, message, details, requestId}`; unknown errors leak nothing but the id. */
export function errorBody(err: FastifyError | Error, requestId: string, log: Pick<Logger, 'error'> | FastifyBaseLogger): { status: number; body: Record<string, unknown> } {
  if (hasZodFastifySchemaValidationErrors(err)) {
    const ctx = (err as { validationContext?: string }).validationContext;
    const issues = err.validation.flatMap((v) =>
      issueField(v as never, ctx).map((field) => ({
        field,
        message: (v.params as { keys?: string[] })?.keys ? 'unknown field' : v.message,
      })),
    );
    const message = `Invalid request: ${issues.map((i) => `${i.field}: ${i.message}`).join('; ')}`;
    return { status: 400, body: { code: 'request.invalid', message, details: { issues }, requestId } };
  }
  if (isAppError(err)) {
    return { status: err.status, body: { code: err.code, message: err.message, details: err.details, requestId } };
  }
  // A write the brand scope's policy refused (a brand-limited person writing an organisation-wide
  // or another brand's row that no earlier check caught): a refusal, not an internal error.
  if (pgErrorCode(err) === '42501' && /row-level security/.test(String((err as { cause?: { message?: string } }).cause?.message ?? err.message))) {
    return { status: 403, body: { code: 'auth.outside_scope', message: 'This is outside the brands you work with', requestId } };
  }
  const fe = err as FastifyError;
  if (fe.statusCode === 429) {
    return { status: 429, body: { code: 'request.rate_limited', message: 'Too many attempts; wait a minute and try again', requestId } };
  }
  if (fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500) {
    const code = fe.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || fe.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' ? 'request.bad_json' : `request.${(fe.code ?? 'bad_request').toLowerCase()}`;
    return { status: fe.statusCode, body: { code, message: fe.message, details: { issues: [{ field: 'body', message: fe.message }] }, requestId } };
  }
  log.error({ err, requestId }, 'unhandled error');
  return { status: 500, body: { code: 'internal', message: `Internal error; quote request id ${requestId} to support`, requestId } };
}

/**
 * The only state-changing requests that need not come from our UI, and why. Everything else that
 * is not GET/HEAD/OPTIONS must pass `crossSiteProblem`. An entry names a path prefix, or a test on
 * the request's headers.
 */
export const CROSS_SITE_EXEMPT: { prefix?: string; headers?: (h: Record<string, string | string[] | undefined>) => boolean; why: string }[] = [
  { prefix: '/webhooks/', why: 'called by TikTok, not a browser; every request is HMAC-signed and carries no session cookie' },
  {
    headers: (h) => bearerOf({ headers: h }) !== undefined,
    why: 'API-token requests (Authorization: Bearer): a browser form cannot set that header, and such a request is authenticated by the token alone — a session cookie on it is ignored',
  },
  {
    prefix: '/p/',
    why: "the buyer's self-service page posts plain HTML forms (no script): each carries its own CSRF token (session-bound HMAC, or a double-submit cookie before sign-in) and the portal checks Origin/Sec-Fetch-Site itself; the staff cookie is never read there",
  },
];

/** The buyer's pages: the staff session cookie is neither read nor set under this path. */
export function isPortalPath(url: string): boolean {
  const path = url.split('?')[0]!;
  return path === '/p' || path.startsWith('/p/');
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Why a state-changing request cannot be trusted to come from our UI, or null. A cookie rides
 * along with any form another site (or another port of our own host: SameSite=Lax does not tell
 * ports apart) submits, so the request must show it came from our page:
 * - the browser's own Origin / Sec-Fetch-Site, when sent, must name our origin;
 * - and it must be JSON or carry X-Requested-With; a plain HTML form can send neither, and a
 *   script on another origin would need a CORS preflight we never grant. Multipart and text/plain
 *   bodies (what forms send) get no pass.
 */
export function crossSiteProblem(
  req: { method: string; url: string; headers: Record<string, string | string[] | undefined>; protocol: string; host: string },
  publicOrigin: string | undefined,
): string | null {
  if (SAFE_METHODS.has(req.method)) return null;
  const path = req.url.split('?')[0]!;
  if (CROSS_SITE_EXEMPT.some((e) => (e.prefix !== undefined && path.startsWith(e.prefix)) || e.headers?.(req.headers))) return null;
  const header = (n: string) => {
    const v = req.headers[n];
    return Array.isArray(v) ? v[0] : v;
  };
  const site = header('sec-fetch-site');
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return `Sec-Fetch-Site is ${site}`;
  const origin = header('origin');
  if (origin !== undefined) {
    const expected = publicOrigin ?? `${req.protocol}://${req.host}`;
    if (origin !== expected) return `Origin ${origin} is not ${expected}`;
  }
  const type = (header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json' && !header('x-requested-with')) return 'neither a JSON body nor the X-Requested-With header';
  return null;
}

export async function buildServer(platform: Platform, services: Services): Promise<Http> {
  const { config, log } = platform;
  const app = Fastify({
    loggerInstance: log as unknown as FastifyBaseLogger,
    genReqId: (req) => {
      const incoming = req.headers['x-request-id'];
      return typeof incoming === 'string' && /^[\w.-]{1,80}$/.test(incoming) ? incoming : newId('req');
    },
    bodyLimit: 5 * 1024 * 1024,
    // Forwarding headers are believed only from the proxies named in TRUST_PROXY; from anyone else
    // X-Forwarded-For is just a string the client chose (it once let login guesses dodge the limit).
    trustProxy: config.trustProxy.length ? config.trustProxy : false,
  }).withTypeProvider<ZodTypeProvider>() as unknown as Http;

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  app.addHook('onSend', async (req, reply) => {
    reply.header('x-request-id', req.id);
  });

  // One gate for every route, schema or not, before Zod runs: strings Postgres cannot store
  // (NUL, lone surrogates) become a 400 naming the field instead of a 500 from the database.
  app.addHook('preValidation', async (req) => {
    for (const [part, value, prefix] of [
      ['body', req.body, []],
      ['querystring', req.query, ['querystring']],
      ['params', req.params, ['params']],
    ] as const) {
      const found = findUnstorableString(value, [...prefix]);
      if (found) {
        const field = found.field || part;
        throw AppError.validation('request.invalid', `Invalid request: ${field}: ${found.message}`, [{ field, message: found.message }]);
      }
    }
  });

  app.setErrorHandler((err, req, reply) => {
    const { status, body } = errorBody(err as FastifyError, req.id, req.log);
    const retry = (body.details as { retryAfterSeconds?: number } | undefined)?.retryAfterSeconds;
    if (status === 429 && retry) void reply.header('retry-after', String(retry));
    void reply.code(status).send(body);
  });

  // Registered before every route so its hooks cover the API, the web UI, its SPA fallback and /docs.
  const https = config.publicUrl.startsWith('https://');
  registerSecurityHeaders(app, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        baseUri: ["'self'"],
        // Vite emits one external module script and no inline script: nothing inline may run.
        scriptSrc: ["'self'"],
        scriptSrcAttr: ["'none'"],
        // Mantine injects <style> elements (theme CSS variables) and sets style attributes on
        // components (and the charts position with them); a nonce covers neither attributes nor
        // styles React adds after load. Styles cannot run script, and React escapes every text we
        // render, so 'unsafe-inline' for styles only is the accepted trade.
        styleSrc: ["'self'", "'unsafe-inline'"],
        // The favicon is a data: URI.
        imgSrc: ["'self'", 'data:', 'blob:'],
        fontSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        frameSrc: ["'none'"],
        frameAncestors: ["'none'"],
        formAction: ["'self'"],
        // Only where we are served over https: on a plain-http install it would break every asset.
        ...(https ? { upgradeInsecureRequests: [] } : {}),
      },
    },
    frameguard: { action: 'deny' },
    // Same-origin requests keep their Referer (and Origin); links out of tickets leak no ticket URL.
    referrerPolicy: { policy: 'same-origin' },
    strictTransportSecurity: https ? { maxAge: 180 * 24 * 3600, includeSubDomains: false } : false,
  });

  await app.register(swagger, {
    openapi: {
      info: { title: 'Afterdesk API', version: VERSION, description: 'After-sales operations for TikTok Shop sellers. Errors are `{code, message, details, requestId}`.' },
      components: { securitySchemes: { session: { type: 'apiKey', in: 'cookie', name: SESSION_COOKIE }, apiToken: { type: 'http', scheme: 'bearer', description: 'An API token (Settings → Integrations) with the scopes the route needs' } } },
      security: [{ session: [] }, { apiToken: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    // Swagger UI brings its own policy (hashes of its inline scripts, data: images). Its bundle
    // also injects a <style> element, which a hash cannot allow, so its styles get the same
    // inline allowance as our UI; and it may not be framed either.
    staticCSP: true,
    transformStaticCSP: (header) =>
      header
        .replace(/style-src [^;]*;/, "style-src 'self' 'unsafe-inline';")
        .replace("frame-ancestors 'self'", "frame-ancestors 'none'")
        .replace(https ? /$^/ : /\s*upgrade-insecure-requests;?/, ''),
  });
  await app.register(cookie);
  await app.register(multipart, { limits: { fileSize: 50 * 1024 * 1024, files: 20 } });

  // Before the body is read: a forged multipart upload is refused without being buffered.
  const publicOrigin = config.publicUrlSet ? new URL(config.publicUrl).origin : undefined;
  app.addHook('onRequest', async (req) => {
    const problem = crossSiteProblem(req, publicOrigin);
    if (problem) {
      throw AppError.forbidden('request.cross_site', `Refused: this request did not come from the Afterdesk app (${problem})`, { reason: problem });
    }
  });

  // Bearer requests are the API token's alone (set here); the session cookie is not read for them.
  registerTokenAuth(app, services.integrations);
  app.addHook('onRequest', async (req) => {
    const token = req.cookies?.[SESSION_COOKIE];
    if (!token || bearerOf(req) || isPortalPath(req.url)) return;
    const hit = await services.auth.authenticate(token);
    if (hit) {
      req.actor = hit.actor;
      req.sessionId = hit.sessionId;
      req.loginId = hit.loginId;
      req.shopScope = hit.shopScope;
      req.sessionRestriction = hit.restriction;
    }
  });
  // Sessions that must first change the password or enrol a second factor may do only that.
  registerAccountGuard(app, services.account);
  // Brand scope: a brand-limited person's handler runs inside their shop scope, so every
  // db.tenant() it opens (and everything those calls start) sets app.shop_ids. Wrapping the
  // handler itself, rather than entering the scope in a hook, guarantees the context reaches it.
  app.addHook('onRoute', (route) => {
    const handler = route.handler as (this: unknown, req: FastifyRequest, reply: unknown) => unknown;
    route.handler = function scoped(this: unknown, req: FastifyRequest, reply: unknown) {
      const scope = req.shopScope;
      if (scope === undefined || scope === null) return handler.call(this, req, reply);
      return runInShopScope(scope, () => handler.call(this, req, reply));
    } as typeof route.handler;
  });
  // Before any route is added: every route needs a rule in the access table.
  registerAccess(app);
  // …and an operationId and a success response schema (the HTTP contract).
  registerContract(app);

  app.get(
    '/healthz',
    {
      schema: { operationId: 'health.check',
        tags: ['ops'],
        summary: 'Liveness and readiness: database and job queue',
        security: [],
        response: {
          200: z.object({ status: z.enum(['ok', 'degraded']), database: z.enum(['up', 'down']), jobs: z.enum(['up', 'down', 'disabled']), version: z.string() }),
          // Not signed in, not governed by a role: only a malformed request can be refused.
          400: ErrorBody,
          503: z.object({ status: z.literal('down'), database: z.enum(['up', 'down']), jobs: z.enum(['up', 'down', 'disabled']), version: z.string() }),
        },
      },
    },
    async (_req, reply) => {
      const [dbUp, jobsUp] = await Promise.all([platform.db.ping(), platform.jobs ? platform.jobs.healthy() : Promise.resolve(null)]);
      const jobs: 'up' | 'down' | 'disabled' = jobsUp === null ? 'disabled' : jobsUp ? 'up' : 'down';
      if (!dbUp) return reply.code(503).send({ status: 'down' as const, database: 'down' as const, jobs, version: VERSION });
      return { status: jobs === 'down' ? ('degraded' as const) : ('ok' as const), database: 'up' as const, jobs, version: VERSION };
    },
  );

  authRoutes(app, services.auth, {
    // req.protocol reads X-Forwarded-Proto only from a TRUST_PROXY address, so a client cannot
    // claim https; an https PUBLIC_URL means every cookie is Secure whatever the hop says.
    cookieSecure: (req) => config.cookieSecure || (config.cookieSecureExplicit !== false && req.protocol === 'https'),
    loginRateLimit: config.loginRateLimit,
    clock: platform.clock,
    publicUrl: config.publicUrl,
    mailInvitations: services.mail.configured,
    account: services.account,
  });
  accountRoutes(app, services.account, {
    cookieSecure: (req) => config.cookieSecure || (config.cookieSecureExplicit !== false && req.protocol === 'https'),
    loginRateLimit: config.loginRateLimit,
    clock: platform.clock,
  });
  tenancyRoutes(app, services.tenancy);
  outboxRoutes(app, platform);
  eventsRoutes(app, platform.live, platform.config.live);
  await registerModuleRoutes(app, platform, services);

  const hasWeb = fs.existsSync(path.join(WEB_DIST, 'index.html'));
  if (hasWeb) {
    await app.register(fastifyStatic, { root: WEB_DIST, prefix: '/', wildcard: false, index: ['index.html'] });
  }
  app.setNotFoundHandler((req, reply) => {
    const url = req.url.split('?')[0]!;
    if (req.method === 'GET' && hasWeb && !url.startsWith('/api/') && !url.startsWith('/docs') && !path.extname(url)) {
      // Client-side routes (/inbox, /settings…) all load the single-page app.
      return reply.type('text/html').sendFile('index.html');
    }
    const err = new AppError('not_found', 'route.not_found', `No route ${req.method} ${url}`);
    return reply.code(404).send({ code: err.code, message: err.message, requestId: req.id });
  });

  return app;
}
