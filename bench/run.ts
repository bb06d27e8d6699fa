import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createBenchContext, type Bench } from './harness.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const filter = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const files = fs
  .readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => filter.length === 0 || filter.some((x) => f.includes(x)))
  .sort();

console.log(`# Afterdesk benchmarks (${files.length} file${files.length === 1 ? '' : 's'}); every figure is a ratio against a baseline measured in this same run`);
const { ctx, close } = await createBenchContext();
let failed = 0;
try {
  for (const f of files) {
    console.log(`\n# ${f}`);
    const mod = (await import(path.join(here, f))) as { default: Bench };
    try {
      await mod.default(ctx);
    } catch (e) {
      failed++;
      console.error(`  FAILED: ${(e as Error).stack ?? e}`);
    }
  }
} finally {
  await close();
}
process.exit(failed ? 1 : 0);
