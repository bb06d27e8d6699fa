/**
 * Malformed input over every route of the OpenAPI document: whatever arrives — broken JSON, wrong
 * types, NUL characters, lone surrogates, huge numbers and strings, odd path parameters — the
 * answer is a 4xx with an error code, never a 500. At most 20 cases a route, generated
 * deterministically from the route's own schema (fast-check with a fixed seed for the free-form ones).
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { createTestOrg, loginCookie, type TestOrg } from '../helpers/org.js';
import { sample, type Op, type Schema } from '../helpers/schema-sample.js';

let ctx: TestContext;
let cookie: string;
let org: TestOrg;
beforeAll(async () => {
  ctx = await createTestContext();
  org = await createTestOrg(ctx, { market: 'FR' });
  cookie = await org.cookie('owner');
});
afterAll(async () => {
  await ctx?.close();
});

/** Paths to every string a valid body carries, and to every top-level property. */
function stringPaths(schema: Schema | undefined, prefix: string[] = [], depth = 0): string[][] {
  if (!schema?.properties || depth > 2) return [];
  const out: string[][] = [];
  for (const [k, v] of Object.entries(schema.properties)) {
    const t = Array.isArray(v.type) ? v.type : [v.type];
    if (t.includes('string') || v.anyOf || v.oneOf) out.push([...prefix, k]);
    if (t.includes('object')) out.push(...stringPaths(v, [...prefix, k], depth + 1));
  }
  return out;
}

function withValue(body: unknown, path: string[], value: unknown): unknown {
  const copy = structuredClone(body) as Record<string, unknown>;
  let cur = copy;
  for (const k of path.slice(0, -1)) cur = (cur[k] ??= {}) as Record<string, unknown>;
  cur[path[path.length - 1]!] = value;
  return copy;
}

const NASTY_STRINGS = ['\u0000', 'a\u0000b', '\ud800', 'x\udfffy', '', ' ', 'x'.repeat(20_000), '../../etc/passwd', '<script>alert(1)</script>', "' or 1=1 --"];
const NASTY_VALUES: unknown[] = [null, true, -1, 1e308, 2 ** 63, 0.5, [], {}, ['\u0000'], { $gt: '' }];

function* casesFor(method: string, path: string, op: Op): Generator<{ url: string; payload?: string; contentType?: string }> {
  const params = (op.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name);
  const query = (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name);
  // Values already percent-encoded: %00 is NUL, %ED%A0%80 a lone surrogate (not valid UTF-8).
  const fill = (encoded: string) => path.replace(/\{(\w+)\}/g, () => encoded);
  const base = fill('nope_00000000000000000000000000');
  if (params.length) {
    for (const v of ['%00', '%ED%A0%80', 'x'.repeat(3_000), '%25', '..']) yield { url: fill(v) };
  }
  for (const q of query) {
    for (const v of ['%00', '%ED%A0%80', '99999999999999999999', '-1']) yield { url: `${base}?${encodeURIComponent(q)}=${v}` };
  }
  if (method === 'GET' || method === 'DELETE') return;
  yield { url: base, payload: '{"broken":', contentType: 'application/json' };
  for (const v of ['null', '[]', '"text"', '42']) yield { url: base, payload: v, contentType: 'application/json' };
  // A body the schema accepts, then one field at a time made hostile: these reach the service.
  const schema = op.requestBody?.content?.['application/json']?.schema;
  const valid = sample(schema);
  let i = 0;
  for (const p of stringPaths(schema)) {
    for (const v of [NASTY_STRINGS[i % NASTY_STRINGS.length], i % 3 === 0 ? '\u0000' : '\ud800', NASTY_VALUES[i % NASTY_VALUES.length]]) yield { url: base, payload: JSON.stringify(withValue(valid, p, v)), contentType: 'application/json' };
    i++;
  }
  // Free-form values, including unicode edge cases, for everything else.
  for (const v of fc.sample(fc.jsonValue({ maxDepth: 3 }), { numRuns: 3, seed: 42 })) yield { url: base, payload: JSON.stringify(v), contentType: 'application/json' };
  yield { url: base, payload: 'a=b', contentType: 'application/x-www-form-urlencoded' };
}

describe('no malformed request gets a 500', () => {
  it('every route of the OpenAPI document answers malformed input with a 4xx and an error code', async () => {
    const spec = ctx.app.swagger() as { paths: Record<string, Record<string, Op>> };
    const fivehundreds: string[] = [];
    const unauthenticated: string[] = [];
    let total = 0;
    for (const [path, ops] of Object.entries(spec.paths)) {
      for (const [m, op] of Object.entries(ops)) {
        const method = m.toUpperCase();
        let n = 0;
        for (const c of casesFor(method, path, op)) {
          if (++n > 20) break;
          total++;
          // Signing out would end the session every later case needs.
          const session = path === '/api/auth/logout' ? await loginCookie(ctx, org.users.owner.email) : cookie;
          const res = await ctx.app.inject({ method: method as 'GET', url: c.url, headers: { cookie: session, ...(c.contentType ? { 'content-type': c.contentType } : {}) }, ...(c.payload !== undefined ? { payload: c.payload } : {}) });
          // Webhooks answer 401 to anything unsigned, signed in or not.
          if (res.statusCode === 401 && !path.startsWith('/webhooks/') && path !== '/api/auth/login') unauthenticated.push(`${method} ${path}`);
          if (res.statusCode >= 500) fivehundreds.push(`${method} ${c.url.slice(0, 120)} ${(c.payload ?? '').slice(0, 80)} → ${res.statusCode} ${res.body.slice(0, 160)}`);
          else if (res.statusCode >= 400) expect(res.json()).toHaveProperty('code');
        }
      }
    }
    expect(total).toBeGreaterThan(500);
    // The cases reached the routes as a signed-in owner, not a 401 wall.
    expect([...new Set(unauthenticated)]).toEqual([]);
    expect(fivehundreds).toEqual([]);
  }, 90_000);
});
