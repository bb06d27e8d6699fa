/**
 * The HTTP contract, read from the OpenAPI document the server publishes: every operation is named
 * once, answers with a declared schema, collections follow the one pagination rule, and no answer
 * carries the organisation id (a view, never a row).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../helpers/context.js';

interface Operation {
  operationId?: string;
  requestBody?: { content?: Record<string, unknown> };
  parameters?: { in: string; name: string }[];
  responses?: Record<string, { content?: Record<string, { schema?: unknown }> }>;
}

let ctx: TestContext;
let ops: { key: string; op: Operation }[];
beforeAll(async () => {
  ctx = await createTestContext();
  const spec = ctx.app.swagger() as { paths: Record<string, Record<string, Operation>> };
  ops = Object.entries(spec.paths).flatMap(([p, byMethod]) => Object.entries(byMethod).map(([m, op]) => ({ key: `${m.toUpperCase()} ${p}`, op })));
});
afterAll(async () => {
  await ctx?.close();
});

function okSchema(op: Operation): Record<string, unknown> | undefined {
  for (const [status, r] of Object.entries(op.responses ?? {})) {
    if (!/^2\d\d$/.test(status)) continue;
    const s = r.content?.['application/json']?.schema ?? Object.values(r.content ?? {})[0]?.schema;
    if (s) return s as Record<string, unknown>;
  }
  return undefined;
}

/** Every property name anywhere in a JSON schema. */
function propertyNames(s: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(s)) for (const x of s) propertyNames(x, out);
  else if (s && typeof s === 'object') {
    for (const [k, v] of Object.entries(s)) {
      if (k === 'properties' && v && typeof v === 'object') for (const name of Object.keys(v)) out.add(name);
      propertyNames(v, out);
    }
  }
  return out;
}

describe('the HTTP contract', () => {
  it('names every operation, <module>.<verb>, and no name twice', () => {
    const unnamed = ops.filter((o) => !o.op.operationId).map((o) => o.key);
    expect(unnamed).toEqual([]);
    const seen = new Map<string, string[]>();
    for (const o of ops) seen.set(o.op.operationId!, [...(seen.get(o.op.operationId!) ?? []), o.key]);
    expect([...seen].filter(([, keys]) => keys.length > 1)).toEqual([]);
    expect(ops.filter((o) => !/^[a-z][a-zA-Z]*\.[a-z][a-zA-Z]*$/.test(o.op.operationId!)).map((o) => `${o.key}: ${o.op.operationId}`)).toEqual([]);
  });

  it('gives every operation a success response schema', () => {
    // The pack download streams a zip and the files route a stored file: their 200 is a file, not JSON.
    expect(ops.filter((o) => !okSchema(o.op)).map((o) => o.key)).toEqual([]);
  });

  it('declares every path parameter, a body for every write (or EmptyBody), and the errors each route can give', () => {
    const wrong: string[] = [];
    // Their bodies are not JSON: a signed raw body, and multipart uploads.
    const rawBody = new Set(['POST /webhooks/tiktok', 'POST /webhooks/whatsapp/{numberId}', 'POST /api/evidence/files', 'POST /api/tickets/{id}/attachments']);
    for (const o of ops) {
      const [method, path] = o.key.split(' ') as [string, string];
      const declared = new Set((o.op.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name));
      for (const [, name] of path.matchAll(/\{(\w+)\}/g)) if (!declared.has(name!)) wrong.push(`${o.key}: path parameter ${name} undeclared`);
      if (['POST', 'PUT', 'PATCH'].includes(method) && !rawBody.has(o.key) && !o.op.requestBody?.content?.['application/json']) wrong.push(`${o.key}: no JSON body schema`);
      if (!Object.keys(o.op.responses ?? {}).some((s) => /^4\d\d$/.test(s))) wrong.push(`${o.key}: no error answer declared`);
    }
    expect(wrong).toEqual([]);
  });

  it('pages every list with limit + cursor → {items, nextCursor}, and bounded lists answer {items}', () => {
    const wrong: string[] = [];
    for (const o of ops) {
      const s = okSchema(o.op);
      const props = (s?.properties ?? {}) as Record<string, unknown>;
      const query = new Set((o.op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name));
      if ('nextCursor' in props) {
        if (!('items' in props) || !query.has('cursor') || !query.has('limit')) wrong.push(`${o.key}: nextCursor without items, limit and cursor`);
      } else if (query.has('cursor')) wrong.push(`${o.key}: takes a cursor but answers no nextCursor`);
      // A collection answers `items`, never a named array (`cases`, `rows`, …) beside nothing else.
      const keys = Object.keys(props);
      if (o.key.startsWith('GET ') && keys.length === 1 && keys[0] !== 'items' && (props[keys[0]!] as { type?: string }).type === 'array') wrong.push(`${o.key}: a list named ${keys[0]}`);
    }
    expect(wrong).toEqual([]);
  });

  it('pages the collections that grow with trade', () => {
    const paged = ['GET /api/tickets', 'GET /api/returns', 'GET /api/remedies', 'GET /api/platform-returns', 'GET /api/outbox', 'GET /api/evidence/cases'];
    for (const key of paged) {
      const o = ops.find((x) => x.key === key);
      expect(o, key).toBeDefined();
      const props = (okSchema(o!.op)?.properties ?? {}) as Record<string, unknown>;
      expect(Object.keys(props).sort(), key).toEqual(['items', 'nextCursor']);
    }
  });

  it('exposes no organisation id in any answer', () => {
    expect(ops.filter((o) => Object.values(o.op.responses ?? {}).some((r) => propertyNames(r).has('orgId'))).map((o) => o.key)).toEqual([]);
  });

  it('a governed route without an operationId or a success schema stops the server from booting', async () => {
    const Fastify = (await import('fastify')).default;
    const { z } = await import('zod');
    const { registerContract } = await import('../../src/app/contract.js');
    const app = Fastify();
    registerContract(app as never);
    const ok = z.object({});
    app.get('/api/known', { schema: { operationId: 'known.get', response: { 200: ok } } }, async () => ({}));
    // The UI and its assets are not governed.
    app.get('/assets/x', async () => '');
    expect(() => app.get('/api/unnamed', { schema: { response: { 200: ok } } }, async () => ({}))).toThrow('Route GET /api/unnamed has no operationId of the form <module>.<verb>');
    expect(() => app.get('/api/unanswered', { schema: { operationId: 'known.unanswered' } }, async () => ({}))).toThrow('Route GET /api/unanswered declares no success response schema');
    expect(() => app.get('/api/again', { schema: { operationId: 'known.get', response: { 200: ok } } }, async () => ({}))).toThrow('Routes GET /api/known and GET /api/again share the operationId known.get');
    await app.close();
  });

  it('pages walk every item once, in the order of the whole list, including items that tie on time', async () => {
    const { createTestOrg, actorFor } = await import('../helpers/org.js');
    const { seedPurchase } = await import('../helpers/sweep.js');
    const org = await createTestOrg(ctx, { market: 'DE' });
    const cookie = await org.cookie('owner');
    // The test clock stands still: every request, return and remedy below shares one timestamp.
    for (const m of ['a', 'b', 'c']) {
      const p = await seedPurchase(ctx, org, `page-${m}`);
      await ctx.services.returns.fromPlatformReturn(actorFor(org, 'owner'), p.platformReturn, {});
      await ctx.services.remedies.propose(actorFor(org, 'owner'), { orderId: p.order, category: 'minor_flaw', optionKey: 't1:information+coupon' });
    }
    for (const url of ['/api/platform-returns', '/api/returns', '/api/remedies', '/api/outbox', '/api/evidence/cases']) {
      const all = await ctx.app.inject({ method: 'GET', url: `${url}?limit=200`, headers: { cookie } });
      expect(all.statusCode, url).toBe(200);
      const ids = (all.json() as { items: { id?: string; caseId?: string }[] }).items.map((i) => i.id ?? i.caseId);
      expect(ids.length, url).toBeGreaterThanOrEqual(3);
      expect(all.json().nextCursor, url).toBe(null);
      const walked: unknown[] = [];
      let cursor: string | null = null;
      do {
        const page: { statusCode: number; json: () => any } = await ctx.app.inject({ method: 'GET', url: `${url}?limit=2${cursor ? `&cursor=${cursor}` : ''}`, headers: { cookie } });
        expect(page.statusCode, url).toBe(200);
        walked.push(...(page.json() as { items: { id?: string; caseId?: string }[] }).items.map((i) => i.id ?? i.caseId));
        cursor = (page.json() as { nextCursor: string | null }).nextCursor;
      } while (cursor && walked.length <= ids.length);
      expect(walked, url).toEqual(ids);
    }
  });

  it('refuses a cursor it did not issue with a 400 naming cursor', async () => {
    const { createTestOrg } = await import('../helpers/org.js');
    const org = await createTestOrg(ctx, { market: 'US' });
    const cookie = await org.cookie('owner');
    for (const url of ['/api/returns', '/api/remedies', '/api/platform-returns', '/api/outbox', '/api/evidence/cases', '/api/tickets']) {
      const res = await ctx.app.inject({ method: 'GET', url: `${url}?cursor=bm90LWEtY3Vyc29y`, headers: { cookie } });
      expect(res.statusCode, url).toBe(400);
      expect((res.json() as { details: { issues: { field: string }[] } }).details.issues.map((i) => i.field), url).toContain('cursor');
    }
  });
});
