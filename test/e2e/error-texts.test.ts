import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

// Every error code the server can answer with has a text in both UI languages
// (`src/web/src/i18n/{en,zh-CN}/errors.json`, nested by the dots). The codes are read from the
// source: each `AppError` construction must name its code as a literal, or be one of the few
// known places that pass a code through (listed below with where their codes come from). A new
// construction the scanner cannot read fails this test too, so no code slips past it.

const SRC = path.resolve('src');
const ERRORS = (lang: string) => path.resolve('src/web/src/i18n', lang, 'errors.json');
// Command-line only: these never reach the web UI (backup/restore and CLI option checks).
const CLI_ONLY = [/^cli\//, /^app\/backup\.ts$/];
// The definitions of AppError's own factories.
const SKIP = ['platform/errors.ts'];

function files(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'web' && dir === SRC ? [] : files(p);
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [p] : [];
  });
}

/** Constructions whose code is not a literal at the call, and the pattern that finds their codes. */
const PASS_THROUGH: { file: string; call: RegExp; codes: RegExp; source?: string }[] = [
  // computeDue's `bad(code, field, message)` helper
  { file: 'modules/sla/sla.calculator.ts', call: /AppError\.validation\(code,/, codes: /\bbad\(\s*'([^']+)'/g },
  // the upload policy's decision `{ ok: false, code }`
  { file: 'modules/evidence/evidence.service.ts', call: /AppError\.validation\(decision\.code,/, codes: /ok: false, code: '([^']+)'/g },
  // a programme variant's coupon problems (`variantCouponProblems` in the coupons rules)
  { file: 'modules/coupons/coupons.service.ts', call: /AppError\.unprocessable\(issues\[0\]!\.code,/, codes: /code: '(coupons\.[^']+)'/g, source: 'modules/coupons/coupons.rules.ts' },
];
const DECISIONS = 'modules/evidence/evidence.rules.ts';

/** Codes the server answers with outside AppError (its error handler and the UI's own). */
const HANDLER_CODES = ['request.invalid', 'request.rate_limited', 'internal', 'network.unreachable'];

export function serverErrorCodes(): { codes: Set<string>; unreadable: string[] } {
  const codes = new Set<string>(HANDLER_CODES);
  const unreadable: string[] = [];
  for (const file of files(SRC)) {
    const rel = path.relative(SRC, file).split(path.sep).join('/');
    if (CLI_ONLY.some((r) => r.test(rel)) || SKIP.includes(rel)) continue;
    const text = fs.readFileSync(file, 'utf8');
    const construction = /(new AppError|AppError\.(validation|conflict|forbidden|unprocessable|notFound|unauthenticated))\(/g;
    for (const m of text.matchAll(construction)) {
      const rest = text.slice(m.index + m[0].length);
      const line = text.slice(0, m.index).split('\n').length;
      let code: string | undefined;
      if (m[1] === 'new AppError') code = /^\s*'[a-z_]+'\s*,\s*'([^']+)'/.exec(rest)?.[1];
      else if (m[2] === 'unauthenticated') code = 'auth.unauthenticated';
      else if (m[2] === 'notFound') {
        const what = /^\s*'([^']+)'/.exec(rest)?.[1];
        code = what && `${what}.not_found`;
      } else code = /^\s*'([^']+)'/.exec(rest)?.[1];
      if (code) {
        codes.add(code);
        continue;
      }
      const known = PASS_THROUGH.find((p) => p.file === rel && p.call.test(text.slice(m.index, m.index + 80)));
      if (!known) unreadable.push(`${rel}:${line}`);
    }
  }
  for (const p of PASS_THROUGH) {
    const src = fs.readFileSync(path.join(SRC, p.source ?? (p.file === 'modules/evidence/evidence.service.ts' ? DECISIONS : p.file)), 'utf8');
    for (const m of src.matchAll(p.codes)) codes.add(m[1]!);
  }
  return { codes, unreadable };
}

function has(bundle: unknown, code: string): boolean {
  let at: unknown = bundle;
  for (const part of code.split('.')) {
    if (!at || typeof at !== 'object') return false;
    at = (at as Record<string, unknown>)[part];
  }
  return typeof at === 'string' && at.trim().length > 0;
}

describe('server error codes have UI texts', () => {
  const { codes, unreadable } = serverErrorCodes();

  it('the scanner reads the code of every AppError construction in src/', () => {
    expect(unreadable).toEqual([]);
    // The scan finds the codes it must (a broken scanner would pass everything).
    for (const c of ['auth.role_forbidden', 'auth.unauthenticated', 'returns.not_eligible', 'sla.bad_timezone', 'evidence.file_too_large', 'shop.not_found']) expect(codes, c).toContain(c);
    expect(codes.size).toBeGreaterThan(100);
  });

  for (const lang of ['en', 'zh-CN']) {
    it(`errors.json (${lang}) has a text for each of them`, () => {
      const bundle = JSON.parse(fs.readFileSync(ERRORS(lang), 'utf8')) as unknown;
      const missing = [...codes].filter((c) => !has(bundle, c)).sort();
      expect(missing, `add these to src/web/src/i18n/${lang}/errors.json`).toEqual([]);
    });
  }

  it('the Chinese texts are Chinese', () => {
    const bundle = JSON.parse(fs.readFileSync(ERRORS('zh-CN'), 'utf8')) as unknown;
    const notChinese = [...codes].filter((c) => {
      let at: unknown = bundle;
      for (const part of c.split('.')) at = (at as Record<string, unknown> | undefined)?.[part];
      return typeof at === 'string' && !/[\u4e00-\u9fff]/.test(at);
    });
    expect(notChinese).toEqual([]);
  });
});
