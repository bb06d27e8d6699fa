import path from 'node:path';
import ipaddr from 'ipaddr.js';
import { z } from 'zod';
import { parseAllowList } from '../platform/outbound.js';
import { zodIssues } from '../platform/validation.js';

/**
 * The only reader of process.env. Every variable is validated here so a bad value fails at boot
 * with the variable's name, not later in a request.
 */
const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const port = z.coerce.number().int().min(0).max(65535);

const EnvSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  HOST: z.string().min(1).default('localhost'),
  PORT: port.default(3000),
  PUBLIC_URL: z.string().url().optional(),
  DATA_DIR: z.string().min(1).default('./data'),
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL').optional(),
  APP_DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL').optional(),
  PG_PORT: port.default(54329),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** 32 bytes, hex or base64: encrypts platform tokens at rest. Generated into DATA_DIR when absent. */
  SECRET_KEY: z
    .string()
    .refine((v) => decodeKey(v) !== null, 'must be 32 bytes as 64 hex characters or base64')
    .optional(),
  COOKIE_SECURE: bool.optional(),
  /**
   * Addresses (or CIDR ranges) of the reverse proxies in front of us, comma-separated. Only their
   * X-Forwarded-For/-Proto are believed; unset means no proxy is trusted and the socket address
   * is the client (a forged header then changes nothing).
   */
  TRUST_PROXY: z
    .string()
    .transform((v) => v.split(',').map((a) => a.trim()).filter(Boolean))
    .superRefine((list, ctx) => {
      if (list.length === 0) ctx.addIssue({ code: 'custom', message: 'list at least one proxy address' });
      for (const a of list) if (!isAddressOrRange(a)) ctx.addIssue({ code: 'custom', message: `"${a}" is not an IP address or CIDR range (e.g. 10.0.0.5,10.1.0.0/16)` });
    })
    .optional(),
  LOGIN_RATE_LIMIT: z.coerce.number().int().min(1).default(10),
  WORKER: bool.default(true),
  /**
   * How long a claimed outbox step / webhook batch belongs to the worker that claimed it. A worker
   * that dies loses its claims only after this long, so it bounds the delay a crash adds; it must
   * stay longer than any one step or batch takes, or a slow but live worker's rows are claimed twice.
   */
  OUTBOX_LEASE_MS: z.coerce.number().int().min(1_000).max(3_600_000).default(60_000),
  WEBHOOK_LEASE_MS: z.coerce.number().int().min(1_000).max(3_600_000).default(30_000),
  /**
   * Live-update streams (GET /api/events): a heartbeat comment every LIVE_HEARTBEAT_MS keeps proxies
   * from closing an idle stream; a stream ends after LIVE_STREAM_MAX_MS and the browser reconnects
   * (which re-checks the session). Tests default to a stream that ends at once unless they ask.
   */
  LIVE_HEARTBEAT_MS: z.coerce.number().int().min(50).max(600_000).default(20_000),
  LIVE_STREAM_MAX_MS: z.coerce.number().int().min(0).max(86_400_000).optional(),
  TIKTOK_MODE: z.enum(['sandbox', 'live']).default('sandbox'),
  TIKTOK_APP_KEY: z.string().min(1).optional(),
  TIKTOK_APP_SECRET: z.string().min(1).optional(),
  TIKTOK_SERVICE_ID: z.string().min(1).optional(),
  TIKTOK_API_BASE: z.string().url().optional(),
  TIKTOK_AUTH_BASE: z.string().url().optional(),
  /** Where stored webhooks are processed: a worker thread (default; acks never wait for it) or the main thread. */
  WEBHOOK_PROCESSOR: z.enum(['thread', 'inline']).default('thread'),
  /**
   * Cached (generic) query plans for the hot write transactions (a new message, a reply): 'auto'
   * once the tables' statistics show a grown database (see platform/db.ts), 'on' / 'off' always / never.
   */
  DB_CACHED_PLANS: z.enum(['auto', 'on', 'off']).default('auto'),
  SANDBOX_PORT: port.default(0),
  SANDBOX_SEED: z.coerce.number().int().default(42),
  SANDBOX_SPEED: z.coerce.number().min(0).default(60),
  STORAGE: z.enum(['local', 's3']).default('local'),
  S3_ENDPOINT: z.string().url().optional(),
  S3_BUCKET: z.string().optional(),
  S3_REGION: z.string().optional(),
  S3_ACCESS_KEY_ID: z.string().optional(),
  S3_SECRET_ACCESS_KEY: z.string().optional(),
  /** Non-public targets the server may still connect to (local stand-ins): hosts, host:port, addresses, CIDR ranges. */
  OUTBOUND_ALLOW: z
    .string()
    .optional()
    .superRefine((v, ctx) => {
      try {
        parseAllowList(v);
      } catch (e) {
        ctx.addIssue({ code: 'custom', message: (e as Error).message });
      }
    }),
  /** The installation's SMTP server for mail to staff: smtp://user:pass@host:587 or smtps://…:465. */
  SMTP_URL: z.string().regex(/^smtps?:\/\/[^\s]+$/, 'an smtp:// or smtps:// URL').optional(),
  MAIL_FROM: z.string().email().optional(),
  /** The WhatsApp Cloud API's Graph base (the local stand-in for the demo and tests). */
  WHATSAPP_GRAPH_BASE: z.string().url().default('https://graph.facebook.com'),
  /** The TikTok API for Business (video comments); the demo and tests point it at the stand-in. */
  TIKTOK_BUSINESS_API_BASE: z.string().url().default('https://business-api.tiktok.com/open_api/v1.3'),
  /** The installation's TikTok API for Business app, for "Connect with TikTok" on Settings → Channels. */
  TIKTOK_BUSINESS_APP_ID: z.string().min(1).optional(),
  TIKTOK_BUSINESS_APP_SECRET: z.string().min(1).optional(),
  /** The account holder's consent page (the app's "TikTok account holder authorization URL"). */
  TIKTOK_BUSINESS_AUTH_URL: z.string().url().default('https://www.tiktok.com/v2/auth/authorize/'),
  WHATSAPP_API_VERSION: z.string().regex(/^v\d+\.\d+$/).default('v21.0'),
});

export type Env = z.infer<typeof EnvSchema>;

export interface Config {
  env: Env['NODE_ENV'];
  host: string;
  port: number;
  publicUrl: string;
  /** False when PUBLIC_URL was not given and publicUrl was derived from PORT. */
  publicUrlSet: boolean;
  dataDir: string;
  /** Admin URL (migrations, role setup, job queue). Undefined → the embedded server. */
  databaseUrl: string | undefined;
  appDatabaseUrl: string | undefined;
  pgPort: number;
  logLevel: Env['LOG_LEVEL'];
  secretKey: Buffer | undefined;
  /** Secure session cookie for every request: COOKIE_SECURE, else an https PUBLIC_URL. */
  cookieSecure: boolean;
  /** COOKIE_SECURE as given; `false` also stops a trusted proxy's https from setting Secure. */
  cookieSecureExplicit: boolean | undefined;
  /** Proxy addresses/ranges whose forwarding headers are believed; empty → none. */
  trustProxy: string[];
  loginRateLimit: number;
  worker: boolean;
  /** DB_CACHED_PLANS: when hot write transactions may reuse generic plans. */
  cachedPlans: 'auto' | 'on' | 'off';
  /** Claim leases in ms (OUTBOX_LEASE_MS, WEBHOOK_LEASE_MS). */
  leases: { outboxMs: number; webhookMs: number };
  /** Live-update streams: heartbeat and longest life in ms. */
  live: { heartbeatMs: number; maxStreamMs: number };
  tiktok: {
    mode: 'sandbox' | 'live';
    appKey: string | undefined;
    appSecret: string | undefined;
    serviceId: string | undefined;
    apiBase: string | undefined;
    authBase: string | undefined;
    webhookProcessor: 'thread' | 'inline';
  };
  sandbox: { port: number; seed: number; speed: number };
  storage: {
    kind: 'local' | 's3';
    s3?: { endpoint?: string; bucket: string; region?: string; accessKeyId?: string; secretAccessKey?: string };
  };
  /** OUTBOUND_ALLOW entries (see platform/outbound.ts). */
  outboundAllow: string[];
  /** The installation's own mail to staff (SMTP_URL, MAIL_FROM); unset → none is sent. */
  mail: { smtpUrl?: string; from?: string };
  /** WhatsApp Cloud API (Graph) base and version; the demo points it at the local stand-in. */
  whatsapp: { graphBase: string; apiVersion: string };
  tiktokBusiness: { apiBase: string; appId?: string; appSecret?: string; authUrl: string };
}

export class ConfigError extends Error {
  constructor(readonly issues: { variable: string; message: string }[]) {
    super(`Invalid configuration:\n${issues.map((i) => `  ${i.variable}: ${i.message}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

function isAddressOrRange(v: string): boolean {
  try {
    if (v.includes('/')) ipaddr.parseCIDR(v);
    else ipaddr.parse(v);
    return ipaddr.isValid(v.split('/')[0]!);
  } catch {
    return false;
  }
}

export function decodeKey(v: string): Buffer | null {
  if (/^[0-9a-fA-F]{64}$/.test(v)) return Buffer.from(v, 'hex');
  try {
    const b = Buffer.from(v, 'base64');
    return b.length === 32 ? b : null;
  } catch {
    return null;
  }
}

export function loadConfig(source: Record<string, string | undefined> = process.env): Config {
  // Empty strings count as unset: shells and .env files produce them for "no value".
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = EnvSchema.safeParse(cleaned);
  if (!parsed.success) {
    throw new ConfigError(zodIssues(parsed.error, { root: '?', topLevel: true }).map((i) => ({ variable: i.field, message: i.message })));
  }
  const e = parsed.data;
  const issues: { variable: string; message: string }[] = [];
  if (e.TIKTOK_MODE === 'live') {
    if (!e.TIKTOK_APP_KEY) issues.push({ variable: 'TIKTOK_APP_KEY', message: 'required when TIKTOK_MODE=live' });
    if (!e.TIKTOK_APP_SECRET) issues.push({ variable: 'TIKTOK_APP_SECRET', message: 'required when TIKTOK_MODE=live' });
  }
  if (e.STORAGE === 's3' && !e.S3_BUCKET) issues.push({ variable: 'S3_BUCKET', message: 'required when STORAGE=s3' });
  if (issues.length) throw new ConfigError(issues);

  const publicUrl = e.PUBLIC_URL ?? `http://localhost:${e.PORT}`;
  return {
    env: e.NODE_ENV,
    host: e.HOST,
    port: e.PORT,
    publicUrl,
    publicUrlSet: !!e.PUBLIC_URL,
    dataDir: path.resolve(e.DATA_DIR),
    databaseUrl: e.DATABASE_URL,
    appDatabaseUrl: e.APP_DATABASE_URL,
    pgPort: e.PG_PORT,
    logLevel: e.LOG_LEVEL,
    secretKey: e.SECRET_KEY ? (decodeKey(e.SECRET_KEY) ?? undefined) : undefined,
    cookieSecure: e.COOKIE_SECURE ?? publicUrl.startsWith('https://'),
    cookieSecureExplicit: e.COOKIE_SECURE,
    trustProxy: e.TRUST_PROXY ?? [],
    loginRateLimit: e.LOGIN_RATE_LIMIT,
    worker: e.WORKER,
    cachedPlans: e.DB_CACHED_PLANS,
    leases: { outboxMs: e.OUTBOX_LEASE_MS, webhookMs: e.WEBHOOK_LEASE_MS },
    live: { heartbeatMs: e.LIVE_HEARTBEAT_MS, maxStreamMs: e.LIVE_STREAM_MAX_MS ?? (e.NODE_ENV === 'test' ? 0 : 30 * 60_000) },
    tiktok: {
      mode: e.TIKTOK_MODE,
      appKey: e.TIKTOK_APP_KEY,
      appSecret: e.TIKTOK_APP_SECRET,
      serviceId: e.TIKTOK_SERVICE_ID,
      apiBase: e.TIKTOK_API_BASE,
      authBase: e.TIKTOK_AUTH_BASE,
      webhookProcessor: e.WEBHOOK_PROCESSOR,
    },
    sandbox: { port: e.SANDBOX_PORT, seed: e.SANDBOX_SEED, speed: e.SANDBOX_SPEED },
    storage: {
      kind: e.STORAGE,
      s3: e.S3_BUCKET
        ? { endpoint: e.S3_ENDPOINT, bucket: e.S3_BUCKET, region: e.S3_REGION, accessKeyId: e.S3_ACCESS_KEY_ID, secretAccessKey: e.S3_SECRET_ACCESS_KEY }
        : undefined,
    },
    outboundAllow: (e.OUTBOUND_ALLOW ?? '').split(/[\s,]+/).filter(Boolean),
    mail: { smtpUrl: e.SMTP_URL, from: e.MAIL_FROM },
    whatsapp: { graphBase: e.WHATSAPP_GRAPH_BASE, apiVersion: e.WHATSAPP_API_VERSION },
    tiktokBusiness: { apiBase: e.TIKTOK_BUSINESS_API_BASE, appId: e.TIKTOK_BUSINESS_APP_ID, appSecret: e.TIKTOK_BUSINESS_APP_SECRET, authUrl: e.TIKTOK_BUSINESS_AUTH_URL },
  };
}
