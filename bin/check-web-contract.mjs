#!/usr/bin/env node
/**
 * The web app's wall (part of `npm run check:boundaries`): a file under src/web/ may import from
 * the server only its contract — `*.dto.ts` files, and only as types (`import type` or type-only
 * specifiers, erased at build). dependency-cruiser's swc parser reads no TSX, so this walks the
 * web sources with swc itself.
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

const problems = [];
let checked = 0;
for (const file of files(webRoot)) {
  checked++;
  const ast = swc.parseSync(fs.readFileSync(file, 'utf8'), { syntax: 'typescript', tsx: file.endsWith('.tsx'), dynamicImport: true });
  const rel = path.relative(root, file);
  for (const item of ast.body) {
    const isImport = item.type === 'ImportDeclaration';
    const isReexport = (item.type === 'ExportNamedDeclaration' || item.type === 'ExportAllDeclaration') && item.source;
    if (!isImport && !isReexport) continue;
    const spec = item.source.value;
    if (!spec.startsWith('.')) continue;
    const target = path.relative(root, path.resolve(path.dirname(file), spec)).replace(/\.js$/, '.ts').replace(/(\.dto)$/, '$1.ts');
    if (!server.test(target)) continue;
    if (!/\.dto\.ts$/.test(target)) {
      problems.push(`${rel}: imports ${target} — the web may import only the server's *.dto.ts files`);
      continue;
    }
    const typeOnly = item.typeOnly || (item.specifiers?.length > 0 && item.specifiers.every((s) => s.isTypeOnly));
    if (!typeOnly) problems.push(`${rel}: imports ${target} as a value — use \`import type\` (DTO files are Zod code)`);
  }
}
if (problems.length) {
  console.error(`web contract: ${problems.length} forbidden import(s)\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log(`web contract: ${checked} web files import only the server's DTO types`);
