import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

// Mirrors the globs in src/web/src/i18n/index.ts: shell namespaces and per-feature namespaces.
const WEB = path.resolve('src/web/src');
const LOCALES = ['en', 'zh-CN'];

function bundles(): Map<string, Record<string, string>> {
  const out = new Map<string, Record<string, string>>(); // namespace -> lang -> file
  for (const lang of LOCALES) {
    const dir = path.join(WEB, 'i18n', lang);
    for (const f of fs.readdirSync(dir).filter((x) => x.endsWith('.json'))) {
      const ns = f.replace(/\.json$/, '');
      out.set(ns, { ...(out.get(ns) ?? {}), [lang]: path.join(dir, f) });
    }
  }
  for (const feature of fs.readdirSync(path.join(WEB, 'features'))) {
    const dir = path.join(WEB, 'features', feature, 'locales');
    if (!fs.existsSync(dir)) continue;
    for (const f of fs.readdirSync(dir).filter((x) => x.endsWith('.json'))) {
      const lang = f.replace(/\.json$/, '');
      out.set(feature, { ...(out.get(feature) ?? {}), [lang]: path.join(dir, f) });
    }
  }
  return out;
}

function flatKeys(o: unknown, prefix = ''): string[] {
  if (o && typeof o === 'object' && !Array.isArray(o)) return Object.entries(o).flatMap(([k, v]) => flatKeys(v, prefix ? `${prefix}.${k}` : k));
  return [prefix];
}

describe('UI translations', () => {
  const all = bundles();

  it('has the shell namespaces', () => {
    expect([...all.keys()].sort()).toEqual(expect.arrayContaining(['auth', 'common', 'errors', 'placeholders', 'settings']));
  });

  for (const [ns, files] of all) {
    it(`${ns}: en and zh-CN have exactly the same keys, all non-empty`, () => {
      expect(Object.keys(files).sort()).toEqual([...LOCALES].sort());
      const en = JSON.parse(fs.readFileSync(files.en!, 'utf8'));
      const zh = JSON.parse(fs.readFileSync(files['zh-CN']!, 'utf8'));
      expect(flatKeys(zh).sort()).toEqual(flatKeys(en).sort());
      for (const [lang, data] of [['en', en], ['zh-CN', zh]] as const) {
        const empty = flatKeys(data).filter((k) => {
          const v = k.split('.').reduce<unknown>((o, p) => (o as Record<string, unknown>)[p], data);
          return typeof v !== 'string' || v.trim() === '';
        });
        expect(empty, `${lang} empty values`).toEqual([]);
      }
    });
  }
});
