import fs from 'node:fs';
import type { Command } from 'commander';
import cliProgress from 'cli-progress';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { sql } from 'drizzle-orm';
import { z } from 'zod';
import { KnowledgeRow, type GapReport } from '../../modules/knowledge/index.js';
import { systemActor } from '../../platform/tenancy.js';
import type { Platform } from '../../app/deps.js';
import { fail, withRuntime } from '../context.js';

const COLUMNS = ['product_external_id', 'field', 'key', 'language', 'title', 'body', 'version', 'status'] as const;

function usage(option: string, message: string): never {
  console.error(`error: ${option}: ${message}`);
  process.exit(2);
}

async function orgOfShop(p: Platform, shopId: string): Promise<string> {
  const rows = (await p.db.system((tx) => tx.execute(sql`select org_id from shops where id = ${shopId}`))).rows as { org_id: string }[];
  if (!rows[0]) usage('--shop', 'no such shop');
  return rows[0].org_id;
}

/** Knowledge rows as a translator's CSV (one text per line, every column named). */
export function knowledgeToCsv(rows: KnowledgeRow[]): string {
  return stringify(rows.map((r) => COLUMNS.map((c) => r[c] ?? '')), { header: true, columns: [...COLUMNS] });
}

/** Rows back from CSV or JSON; a bad row is an error naming its line and column. */
export function knowledgeFrom(text: string, format: 'csv' | 'json'): KnowledgeRow[] {
  const raw: unknown[] = format === 'csv' ? (parse(text, { columns: true, skip_empty_lines: true, bom: true }) as unknown[]) : (JSON.parse(text) as { rows?: unknown[] }).rows ?? (JSON.parse(text) as unknown[]);
  return raw.map((r, i) => {
    const parsed = KnowledgeRow.safeParse({ key: '', ...(r as object) });
    if (!parsed.success) throw new Error(`row ${i + 1}: ${parsed.error.issues.map((x) => `${x.path.join('.')}: ${x.message}`).join('; ')}`);
    return parsed.data;
  });
}

/** The gap report as CSV: one line per product and missing topic. */
export function gapsToCsv(r: GapReport): string {
  const rows = r.items.flatMap((g, i) => g.missing.map((m) => ({ rank: i + 1, product_id: g.productId, product: g.title, product_asks: g.asks, topic: m.topic, asks: m.asks, examples: m.examples.map((e) => `[${e.language}] ${e.text}`).join(' | ') })));
  return stringify(rows, { header: true, columns: ['rank', 'product_id', 'product', 'product_asks', 'topic', 'asks', 'examples'] });
}

export function registerKnowledgeCommands(program: Command): void {
  const knowledge = program.command('knowledge').description('Product knowledge per language: bulk export and import for translators');
  const Format = z.enum(['csv', 'json']);

  knowledge
    .command('export')
    .description("Every knowledge text of a shop's products (with version and translation status)")
    .requiredOption('--shop <id>', 'the shop (shp_…)')
    .option('--format <format>', 'csv | json', 'csv')
    .option('--out <file>', 'write here instead of standard output')
    .action(async (o: { shop: string; format: string; out?: string }) => {
      const f = Format.safeParse(o.format);
      if (!f.success) usage('--format', `"${o.format}" must be csv or json`);
      try {
        await withRuntime(async (p, s) => {
          const rows = await s.knowledge.exportRows(systemActor(await orgOfShop(p, o.shop)), o.shop);
          const text = f.data === 'csv' ? knowledgeToCsv(rows) : `${JSON.stringify({ shopId: o.shop, rows }, null, 2)}\n`;
          if (o.out) fs.writeFileSync(o.out, text);
          else process.stdout.write(text);
          console.error(`${rows.length} texts exported`);
        });
      } catch (e) {
        fail(e);
      }
    });

  knowledge
    .command('import')
    .description('Write translated texts back; an unchanged text keeps its version, a changed source puts its translations out of date')
    .requiredOption('--shop <id>', 'the shop (shp_…)')
    .option('--format <format>', 'csv | json', 'csv')
    .argument('<file>', 'the file a translator returned')
    .action(async (file: string, o: { shop: string; format: string }) => {
      const f = Format.safeParse(o.format);
      if (!f.success) usage('--format', `"${o.format}" must be csv or json`);
      let rows: KnowledgeRow[];
      try {
        rows = knowledgeFrom(fs.readFileSync(file, 'utf8'), f.data);
      } catch (e) {
        usage('<file>', (e as Error).message);
      }
      try {
        await withRuntime(async (p, s) => {
          const bar = new cliProgress.SingleBar({ format: 'importing [{bar}] {value}/{total} texts', stream: process.stderr }, cliProgress.Presets.shades_classic);
          bar.start(rows.length, 0);
          const r = await s.knowledge.importRows(systemActor(await orgOfShop(p, o.shop)), o.shop, rows, (done) => bar.update(done));
          bar.stop();
          console.log(JSON.stringify(r));
        });
      } catch (e) {
        fail(e);
      }
    });

  const listings = program.command('listings').description('Listing completeness: what buyers ask that product pages do not answer');
  listings
    .command('gaps')
    .description('Products ranked by buyer questions their listing and knowledge leave open, with counts and example messages')
    .requiredOption('--shop <id>', 'the shop (shp_…)')
    .option('--days <n>', 'look back this many days', '90')
    .option('--format <format>', 'json | csv', 'json')
    .action(async (o: { shop: string; days: string; format: string }) => {
      const f = Format.safeParse(o.format);
      if (!f.success) usage('--format', `"${o.format}" must be json or csv`);
      const days = Number(o.days);
      if (!Number.isInteger(days) || days < 1 || days > 365) usage('--days', 'must be a whole number from 1 to 365');
      try {
        await withRuntime(async (p, s) => {
          const r = await s.knowledge.gaps(systemActor(await orgOfShop(p, o.shop)), { shopId: o.shop, days });
          process.stdout.write(f.data === 'csv' ? gapsToCsv(r) : `${JSON.stringify(r, null, 2)}\n`);
        });
      } catch (e) {
        fail(e);
      }
    });
}
