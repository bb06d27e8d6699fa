import { isInteger, isSafeNumber, parse } from 'lossless-json';
import { z } from 'zod';
import type { Logger } from '../../platform/logger.js';
import { describeIssues, zodIssues } from '../../platform/validation.js';

/**
 * TikTok ids are 64-bit integers. They are documented as strings, but some samples (and webhooks)
 * carry them as bare numbers, which JSON.parse would silently round. Unsafe integers stay strings.
 */
// Any integer beyond 2^53 has at least 16 digits. When no such digit run sits in a value position,
// native JSON.parse is exact and ~4x faster; otherwise (or on a false alarm) the lossless parser runs.
const MAYBE_UNSAFE = /[:[,]\s*-?\d{16}/;

export function parseTikTokJson(text: string): unknown {
  if (!MAYBE_UNSAFE.test(text)) return JSON.parse(text);
  return parse(text, null, (value: string) => {
    if (isInteger(value) && !isSafeNumber(value)) return value;
    return Number(value);
  });
}

/** An id field: string, or a number we can print back exactly (big ones arrive as strings from the parser). */
export const Id = z.union([z.string().min(1), z.number().int().nonnegative()]).transform((v) => String(v));
export const OptId = z.union([z.string(), z.number().int().nonnegative()]).transform((v) => String(v)).optional();
/** Unix seconds (some payloads send them as strings). */
export const UnixSeconds = z.union([z.number().int(), z.string().regex(/^\d+$/)]).transform((v) => Number(v));
/** Decimal amount string; a number is tolerated and printed back. */
export const Decimal = z.union([z.string(), z.number()]).transform((v) => String(v));

/** Where a response had fields our schema does not name: logged once per (endpoint, path). */
const reportedDrift = new Set<string>();

export function findDrift(schema: z.ZodType, value: unknown, path = ''): string[] {
  const def = (schema as unknown as { def?: { type?: string; innerType?: z.ZodType; element?: z.ZodType; shape?: Record<string, z.ZodType>; in?: z.ZodType; options?: z.ZodType[] } }).def;
  if (!def) return [];
  switch (def.type) {
    case 'optional':
    case 'nullable':
    case 'default':
      return value === undefined || value === null ? [] : findDrift(def.innerType!, value, path);
    case 'pipe':
      return def.in ? findDrift(def.in, value, path) : [];
    case 'array':
      return Array.isArray(value) && value.length > 0 ? findDrift(def.element!, value[0], `${path}[]`) : [];
    case 'object': {
      if (!value || typeof value !== 'object' || Array.isArray(value)) return [];
      const shape = def.shape ?? {};
      const out: string[] = [];
      for (const k of Object.keys(value)) {
        const sub = shape[k];
        if (!sub) out.push(path ? `${path}.${k}` : k);
        else out.push(...findDrift(sub, (value as Record<string, unknown>)[k], path ? `${path}.${k}` : k));
      }
      return out;
    }
    default:
      return [];
  }
}

export class TikTokSchemaError extends Error {
  constructor(readonly what: string, readonly issues: { path: string; message: string }[]) {
    super(`TikTok ${what} response did not match the expected shape: ${describeIssues(issues.map((i) => ({ field: i.path || '(root)', message: i.message })))}`);
    this.name = 'TikTokSchemaError';
  }
}

/** Parse with Zod, keep unknown fields (schemas are loose), log fields we have never seen. */
export function parseResponse<S extends z.ZodType>(schema: S, value: unknown, what: string, log?: Logger): z.output<S> {
  const r = schema.safeParse(value);
  if (!r.success) throw new TikTokSchemaError(what, zodIssues(r.error).map((i) => ({ path: i.field, message: i.message })));
  if (log) {
    for (const p of findDrift(schema, value)) {
      const key = `${what}|${p}`;
      if (reportedDrift.has(key)) continue;
      reportedDrift.add(key);
      log.info({ endpoint: what, field: p }, 'TikTok response has a field our schema does not know (kept as is)');
    }
  }
  return r.data;
}
