#!/usr/bin/env node
/**
 * The web app's wall (part of `npm run check:boundaries`): a file under src/web/ may import from
 * the server only its contract — `*.dto.ts` files, and only as types (`import type` or type-only
 * specifiers, erased at build). dependency-cruiser's swc parser reads no TSX, so this walks the
 * web sources with swc itself.
 *
 * A DTO may be imported as a value (its Zod schema validates a form with the server's own rules)
 * only when it is a pure contract: it and everything it imports, transitively, import nothing but
 * `zod` and other such files — so no server code can ride into the browser bundle.
 */
import fs from 'node:fs';
import path from 'node:path';
import swc from '@swc/core';

// The project root (a test passes a scratch tree).
const root = path.resolve(process.argv[2] ?? path.join(path.dirname(new URL(import.meta.url).pathname), '..'));
const webRoot = path.join(root, 'src/web/src');
const server = /^src\/(modules|integrations|app|cli|platform)\//;

function* files(dir) {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) yield* files(p);
    else if (/\.(ts|tsx)$/.test(e.name)) yield p;
  }
}

function parse(file) {
  return swc.parseSync(fs.readFileSync(file, 'utf8'), { syntax: 'typescript', tsx: file.endsWith('.tsx'), dynamicImport: true });
}

function importsOf(ast) {
  const out = [];
  for (const item of ast.body) {
    const isImport = item.type === 'ImportDeclaration';
    const isReexport = (item.type === 'ExportNamedDeclaration' || item.type === 'ExportAllDeclaration') && item.source;
    if (isImport || isReexport) out.push(item);
  }
  return out;
}

const toTs = (from, spec) => path.resolve(path.dirname(from), spec).replace(/\.js$/, '.ts').replace(/(\.dto)$/, '$1.ts');
const pureCache = new Map();
/** Why a server file is not a pure contract (null when it is). */
function impurity(file, seen = new Set()) {
  if (pureCache.has(file)) return pureCache.get(file);
  if (seen.has(file)) return null;
  seen.add(file);
  let why = null;
  if (!fs.existsSync(file)) why = `${path.relative(root, file)} does not exist`;
  else {
    for (const item of importsOf(parse(file))) {
      if (item.typeOnly) continue;
      const spec = item.source.value;
      if (spec === 'zod') continue;
      if (!spec.startsWith('.')) {
        why = `${path.relative(root, file)} imports ${spec}`;
        break;
      }
      const inner = impurity(toTs(file, spec), seen);
      if (inner) {
        why = inner;
        break;
      }
    }
  }
  pureCache.set(file, why);
  return why;
}

const problems = [];
let checked = 0;
for (const file of files(webRoot)) {
  checked++;
  const rel = path.relative(root, file);
  for (const item of importsOf(parse(file))) {
    const spec = item.source.value;
    if (!spec.startsWith('.')) continue;
    const target = path.relative(root, path.resolve(path.dirname(file), spec)).replace(/\.js$/, '.ts').replace(/(\.dto)$/, '$1.ts');
    if (!server.test(target)) continue;
    if (!/\.dto\.ts$/.test(target)) {
      problems.push(`${rel}: imports ${target} — the web may import only the server's *.dto.ts files`);
      continue;
    }
    const typeOnly = item.typeOnly || (item.specifiers?.length > 0 && item.specifiers.every((s) => s.isTypeOnly));
    if (typeOnly) continue;
    const why = impurity(path.join(root, target));
    if (why) problems.push(`${rel}: imports ${target} as a value, but it is not a pure contract (${why}) — use \`import type\``);
  }
}
if (problems.length) {
  console.error(`web contract: ${problems.length} forbidden import(s)\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log(`web contract: ${checked} web files import only the server's contract`);
