import crypto from 'node:crypto';

/**
 * TikTok Shop request signing (API version 202309+), written from the platform's description:
 *
 *   string = path + concat(sorted(key + value) for every query param except sign, access_token) + body
 *   sign   = lowercase hex HMAC-SHA256(key = app_secret, message = app_secret + string + app_secret)
 *
 * - keys sorted by plain code-unit order, joined with no `=` or `&`, values NOT URL-encoded;
 * - the body is appended exactly as transmitted (nothing for GET / empty body), except for
 *   multipart uploads, which sign without the body;
 * - array values (e.g. `ids`) are comma-joined both in the URL and in the signed string.
 * Uppercase hex is rejected by the platform, so we always emit lowercase.
 */
export type QueryValue = string | number | boolean | readonly (string | number)[] | undefined | null;
export type Query = Record<string, QueryValue>;

const EXCLUDED = new Set(['sign', 'access_token']);

/** Normalise query values the same way for the URL and for the signature: drop empties, join arrays. */
export function normaliseQuery(query: Query): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined || v === null) continue;
    const s = Array.isArray(v) ? v.join(',') : String(v);
    // What we sign must equal what we send; an empty value is omitted from both (platform SDK behaviour).
    if (s === '') continue;
    out[k] = s;
  }
  return out;
}

export function stringToSign(path: string, query: Query, body?: string | Buffer | null, opts: { multipart?: boolean } = {}): string {
  const q = normaliseQuery(query);
  const keys = Object.keys(q)
    .filter((k) => !EXCLUDED.has(k))
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  let s = path;
  for (const k of keys) s += k + q[k];
  if (!opts.multipart && body !== undefined && body !== null && body.length > 0) s += typeof body === 'string' ? body : body.toString('utf8');
  return s;
}

export function signRequest(appSecret: string, path: string, query: Query, body?: string | Buffer | null, opts: { multipart?: boolean } = {}): { sign: string; signed: string } {
  const signed = stringToSign(path, query, body, opts);
  const sign = crypto.createHmac('sha256', appSecret).update(appSecret + signed + appSecret, 'utf8').digest('hex');
  return { sign, signed };
}

/** Webhook `Authorization` header: lowercase hex HMAC-SHA256(app_secret, app_key + raw body bytes). */
export function webhookSignature(appKey: string, appSecret: string, rawBody: Buffer | string): string {
  const h = crypto.createHmac('sha256', appSecret);
  h.update(appKey, 'utf8');
  h.update(typeof rawBody === 'string' ? Buffer.from(rawBody, 'utf8') : rawBody);
  return h.digest('hex');
}

export type WebhookVerdict = { valid: true } | { valid: false; reason: 'missing_signature' | 'malformed_signature' | 'mismatch'; message: string };

/**
 * Constant-time check of a webhook signature over the raw bytes received. Never re-serialise the
 * JSON: a different encoding of `/` or unicode changes the digest (a known pitfall in one SDK).
 */
export function verifyWebhookSignature(appKey: string, appSecret: string, rawBody: Buffer | string, signature: string | undefined | null): WebhookVerdict {
  if (!signature) return { valid: false, reason: 'missing_signature', message: 'No Authorization header: the request is unsigned' };
  const sig = signature.trim();
  if (!/^[0-9a-fA-F]{64}$/.test(sig)) {
    return { valid: false, reason: 'malformed_signature', message: `Authorization must be 64 hex characters (HMAC-SHA256); got ${sig.length} characters` };
  }
  const expected = Buffer.from(webhookSignature(appKey, appSecret, rawBody), 'hex');
  const given = Buffer.from(sig.toLowerCase(), 'hex');
  if (!crypto.timingSafeEqual(expected, given)) {
    return { valid: false, reason: 'mismatch', message: 'Signature does not match app key + body: wrong app key/secret, or the body was changed (re-encoded JSON, trailing newline, proxy rewriting)' };
  }
  return { valid: true };
}
