import type { FastifyInstance, FastifyRequest, FastifyBaseLogger, RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from './errors.js';
import type { Actor } from './tenancy.js';

declare module 'fastify' {
  interface FastifyRequest {
    actor?: Actor;
    sessionId?: string;
    /** The login (person) behind the session; one login may belong to several organisations. */
    loginId?: string;
    /** The shops a brand-limited person may see in this organisation; null or unset: all. */
    shopScope?: readonly string[] | null;
  }
}

export type Http = FastifyInstance<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, FastifyBaseLogger, ZodTypeProvider>;

export function actorOf(req: FastifyRequest): Actor {
  if (!req.actor) throw AppError.unauthenticated();
  return req.actor;
}

/** Standard error body, documented once and referenced from every route. */
export const ErrorBody = z.object({
  code: z.string(),
  message: z.string(),
  details: z.unknown().optional(),
  requestId: z.string(),
});

/**
 * The error answers a route can give, each `ErrorBody`: `errors(404, 409)` adds the common ones
 * every signed-in route can give (400 invalid request, 401 no session, 403 role) to those named.
 */
export function errors<const S extends number>(...statuses: S[]): Record<400 | 401 | 403 | S, typeof ErrorBody> {
  const out: Record<number, typeof ErrorBody> = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody };
  for (const s of statuses) out[s] = ErrorBody;
  return out as Record<400 | 401 | 403 | S, typeof ErrorBody>;
}

/**
 * A success answer that is bytes, not JSON (a download): documented with its content type, and
 * never serialised (Fastify sends streams as they are).
 */
export function binaryResponse(contentType: string, description: string) {
  return { description, content: { [contentType]: { schema: z.string().meta({ format: 'binary' }) } } };
}

/** The body of a command that takes none: nothing, or an empty JSON object (what the web app sends). */
export const EmptyBody = z.strictObject({}).nullish();

export const IdParams = z.strictObject({ id: z.string().min(1).max(64) });

// NUL, or a UTF-16 surrogate without its partner.
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * The first string (or object key) in a parsed request part that Postgres cannot store: `text`
 * refuses NUL and `jsonb` refuses lone surrogates, and `text` silently turns them into U+FFFD.
 * Returns the field path in the same shape the validation errors use (`items.2.name`).
 */
export function findUnstorableString(value: unknown, path: string[] = [], depth = 0): { field: string; message: string } | undefined {
  const hit = (p: string[], s: string) => ({
    field: p.join('.'),
    message: s.includes('\u0000') ? 'must not contain NUL characters' : 'must be valid Unicode (a lone surrogate was found)',
  });
  if (typeof value === 'string') return UNSTORABLE.test(value) ? hit(path, value) : undefined;
  // Parsed JSON nests no deeper than the body limit allows; the cap only guards the stack.
  if (value === null || typeof value !== 'object' || depth > 64) return undefined;
  if (Buffer.isBuffer(value)) return undefined;
  for (const [k, v] of Object.entries(value)) {
    if (UNSTORABLE.test(k)) return hit([...path, k.replace(UNSTORABLE, '?')], k);
    const found = findUnstorableString(v, [...path, k], depth + 1);
    if (found) return found;
  }
  return undefined;
}
