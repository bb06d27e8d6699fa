import crypto from 'node:crypto';
import type { Role } from '../../platform/tenancy.js';

import { TOKEN_SCOPES, type TokenScope } from './integrations.dto.js';

// Scopes and events are part of the HTTP contract (the web shows them): they live in the DTO file.
export { TOKEN_SCOPES, WEBHOOK_EVENTS, SUBSCRIBABLE_EVENTS, type TokenScope, type WebhookEvent } from './integrations.dto.js';

/** The role a token acts with (the access table and the services check it like anyone's). */
export const TOKEN_ROLE: Role = 'supervisor';

const AREAS: [prefix: string, area: string][] = [
  ['/api/tickets', 'tickets'],
  ['/api/macros', 'tickets'],
  ['/api/helpdesk/agents', 'tickets'],
  ['/api/orders', 'orders'],
  ['/api/buyers', 'orders'],
  ['/api/platform-returns', 'orders'],
  ['/api/returns', 'returns'],
  ['/api/remedies', 'remedies'],
  ['/api/sla', 'sla'],
];

/**
 * The scope a route needs (by its method and route pattern), or null when no token may call it
 * (sign-in, account, team, settings, integrations themselves, privacy…).
 */
export function requiredScope(method: string, routeUrl: string): TokenScope | null {
  const hit = AREAS.find(([p]) => routeUrl === p || routeUrl.startsWith(`${p}/`));
  if (!hit) return null;
  const scope = `${hit[1]}:${method === 'GET' || method === 'HEAD' ? 'read' : 'write'}`;
  return (TOKEN_SCOPES as readonly string[]).includes(scope) ? (scope as TokenScope) : null;
}

export const TOKEN_PREFIX = 'adk';

/**
 * `adk_<8 hex chars shown in lists>_<secret>`: the visible prefix lets an owner tell tokens apart. It is
 * hex so that it never holds the `_` separator itself (the secret, base64url, may).
 */
export function newApiToken(): { token: string; prefix: string } {
  const prefix = crypto.randomBytes(4).toString('hex');
  const secret = crypto.randomBytes(32).toString('base64url');
  return { token: `${TOKEN_PREFIX}_${prefix}_${secret}`, prefix: `${TOKEN_PREFIX}_${prefix}` };
}

export const hashApiToken = (token: string) => crypto.createHash('sha256').update(`api-token:${token}`).digest('hex');


/** After this many failed attempts in a row an endpoint is turned off, with a notice, until an owner turns it on again. */
export const AUTO_DISABLE_AFTER_FAILURES = 10;

export const SIGNATURE_HEADER = 'afterdesk-signature';

/**
 * `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>" with the endpoint's secret>`. The
 * receiver recomputes it over the bytes it got and refuses old timestamps (replays).
 */
export function signWebhook(secret: string, timestampSeconds: number, rawBody: string): string {
  const mac = crypto.createHmac('sha256', secret).update(`${timestampSeconds}.${rawBody}`).digest('hex');
  return `t=${timestampSeconds},v1=${mac}`;
}

/** The receiver's side (our tests, and the shape receivers should copy): true when valid and at most `toleranceSeconds` old. */
export function verifyWebhookSignature(secret: string, header: string, rawBody: string, nowSeconds: number, toleranceSeconds = 300): boolean {
  const parts = Object.fromEntries(header.split(',').map((p) => p.split('=') as [string, string]));
  const t = Number(parts.t);
  if (!Number.isInteger(t) || !parts.v1 || Math.abs(nowSeconds - t) > toleranceSeconds) return false;
  const expected = signWebhook(secret, t, rawBody).split('v1=')[1]!;
  return expected.length === parts.v1.length && crypto.timingSafeEqual(Buffer.from(expected), Buffer.from(parts.v1));
}

export const newWebhookSecret = () => `whsec_${crypto.randomBytes(24).toString('base64url')}`;

/** A stable event id from the intent (`remedy.completed:<remedy id>`): the same event is never two events. */
export const eventIdOf = (key: string) => `evt_${crypto.createHash('sha256').update(key).digest('hex').slice(0, 26)}`;
