import fs from 'node:fs';
import { sql } from 'drizzle-orm';
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { stringify } from 'csv-stringify/sync';
import { AppError } from '../../platform/errors.js';
import { systemActor } from '../../platform/tenancy.js';
import type { Platform } from '../../app/deps.js';
import { fail, withRuntime } from '../context.js';
import { csvHeader, guessLotColumns } from '../../modules/incidents/index.js';

async function orgOfIncident(p: Platform, id: string): Promise<string> {
  const r = await p.db.system((tx) => tx.execute(sql`select org_id from incidents where id = ${id}`));
  const row = r.rows[0] as { org_id: string } | undefined;
  if (!row) throw AppError.notFound('incident', id);
  return row.org_id;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function registerIncidentsCommands(program: Command): void {
  const c = program.command('incidents').description('Incidents: one outreach to every buyer a product, batch, livestream or carrier problem touched');

  c.command('list')
    .description('Incidents of every organisation (or one), newest first')
    .option('--org <orgId>', 'one organisation')
    .option('--json', 'print JSON')
    .action(async (o: { org?: string; json?: boolean }) => {
      try {
        await withRuntime(async (p, s) => {
          const orgs = o.org ? [o.org] : ((await p.db.system((tx) => tx.execute(sql`select distinct org_id from incidents order by org_id`))).rows as { org_id: string }[]).map((r) => r.org_id);
          const all = [];
          for (const org of orgs) {
            let cursor: string | undefined;
            do {
              const page = await s.incidents.list(systemActor(org), { limit: 200, cursor });
              all.push(...page.items.map((x) => ({ orgId: org, ...x })));
              cursor = page.nextCursor ?? undefined;
            } while (cursor);
          }
          if (o.json) return void console.log(JSON.stringify(all, null, 2));
          for (const x of all) console.log(`${x.id}  [${x.status}]  ${x.title}  cost ${x.totalCost} ${x.currency}${x.proposal ? `  (proposed: ${x.proposal.recent} vs ${x.proposal.baseline} in 28 d)` : ''}`);
          if (all.length === 0) console.log('No incidents.');
        });
      } catch (e) {
        fail(e);
      }
    });

  c.command('audience <id>')
    .description('The audience of an incident: every matching buyer with channel, language, market and state')
    .option('--format <json|csv>', 'output format', 'json')
    .action(async (id: string, o: { format: string }) => {
      try {
        if (o.format !== 'json' && o.format !== 'csv') throw AppError.validation('cli.format', 'format must be json or csv', [{ field: '--format', message: 'json or csv' }]);
        await withRuntime(async (p, s) => {
          const actor = systemActor(await orgOfIncident(p, id));
          const members = await s.incidents.allMembers(actor, id);
          if (o.format === 'json') return void console.log(JSON.stringify({ counts: await s.incidents.audience(actor, id), members }, null, 2));
          process.stdout.write(stringify(members.map((m) => ({ buyer_id: m.buyerId, order_number: m.orderNumber, orders: m.orderCount, language: m.language, market: m.country ?? '', complained: m.complained, channel: m.channel ?? '', unreachable_reason: m.unreachableReason ?? '', excluded: m.excluded, added_after_freeze: m.addedAfterFreeze, state: m.state })), { header: true }));
        });
      } catch (e) {
        fail(e);
      }
    });

  c.command('send <id>')
    .description('Queue the outreach of an approved incident (a rerun queues only what is left); --wait follows the sends until done')
    .option('--wait', 'follow the progress until every send is made (a worker must be running)')
    .action(async (id: string, o: { wait?: boolean }) => {
      try {
        await withRuntime(async (p, s) => {
          const actor = systemActor(await orgOfIncident(p, id));
          const bar = new cliProgress.SingleBar({ format: 'queue [{bar}] {value}/{total} buyers', hideCursor: true, stream: process.stderr }, cliProgress.Presets.shades_classic);
          let started = false;
          const r = await s.incidents.send(actor, id, (done, total) => {
            if (!started) {
              bar.start(total, 0);
              started = true;
            }
            bar.update(done);
          });
          if (started) bar.stop();
          console.log(`${r.queued} sends queued, ${r.unreachable} buyers unreachable`);
          if (!o.wait) return;
          const sent = new cliProgress.SingleBar({ format: 'send  [{bar}] {value}/{total} sent, {failed} failed', hideCursor: true, stream: process.stderr }, cliProgress.Presets.shades_classic);
          let st = await s.incidents.status(actor, id);
          sent.start(st.targeted - st.unreachable, st.sent, { failed: st.failed });
          while (st.queued > 0 && st.status === 'sending') {
            await sleep(2000);
            st = await s.incidents.status(actor, id);
            sent.update(st.sent, { failed: st.failed });
          }
          sent.stop();
          console.log(`${st.sent} sent, ${st.failed} failed, status ${st.status}`);
        });
      } catch (e) {
        fail(e);
      }
    });

  c.command('status <id>')
    .description('Progress and outcome of an incident outreach')
    .option('--json', 'print JSON')
    .action(async (id: string, o: { json?: boolean }) => {
      try {
        await withRuntime(async (p, s) => {
          const st = await s.incidents.status(systemActor(await orgOfIncident(p, id)), id);
          if (o.json) return void console.log(JSON.stringify(st, null, 2));
          const bar = new cliProgress.SingleBar({ format: 'sent [{bar}] {value}/{total}', stream: process.stdout, noTTYOutput: false }, cliProgress.Presets.shades_classic);
          console.log(`${st.id} [${st.status}]`);
          bar.start(Math.max(1, st.targeted - st.unreachable), st.sent);
          bar.stop();
          console.log(`targeted ${st.targeted}  queued ${st.queued}  sent ${st.sent}  failed ${st.failed}  unreachable ${st.unreachable}  paused ${st.paused}  cancelled ${st.cancelled}`);
          console.log(`replied ${st.replied}  accepted ${st.accepted}  still open ${st.stillOpen}  returns after outreach ${st.returnsAfter}${st.estimatedFinishAt ? `  estimated finish ${st.estimatedFinishAt}` : ''}`);
          for (const f of st.failures) console.log(`  failed: ${f.count} × ${f.reason}`);
        });
      } catch (e) {
        fail(e);
      }
    });

  const lots = c.command('lots').description('Lots (batches) per order line, imported from a CSV, so an incident can name the lots that went wrong');

  async function orgOfShopId(p: Platform, shopId: string): Promise<string> {
    const r = await p.db.system((tx) => tx.execute(sql`select org_id from shops where id = ${shopId}`));
    const row = r.rows[0] as { org_id: string } | undefined;
    if (!row) throw AppError.notFound('shop', shopId);
    return row.org_id;
  }

  lots
    .command('import')
    .description('Import a CSV (header row; one row per order line: platform order id, line id / seller SKU / SKU id, lot). All or nothing: any bad row and nothing is written; each bad row is printed with its row number and column. Columns are guessed from the header unless given.')
    .requiredOption('--shop <shopId>', 'the shop the orders belong to')
    .requiredOption('--file <path>', 'the CSV file')
    .option('--order-col <name>', 'column holding the platform order id')
    .option('--line-col <name>', 'column holding the line id, seller SKU or SKU id')
    .option('--lot-col <name>', 'column holding the lot')
    .option('--dry-run', 'check every row, write nothing')
    .option('--json', 'print the answer as JSON')
    .action(async (o: { shop: string; file: string; orderCol?: string; lineCol?: string; lotCol?: string; dryRun?: boolean; json?: boolean }) => {
      try {
        const csv = fs.readFileSync(o.file, 'utf8');
        const guess = guessLotColumns(csvHeader(csv));
        const columns = { order: o.orderCol ?? guess.order ?? '', line: o.lineCol ?? guess.line ?? '', lot: o.lotCol ?? guess.lot ?? '' };
        for (const [k, flag] of [['order', '--order-col'], ['line', '--line-col'], ['lot', '--lot-col']] as const) if (!columns[k]) throw AppError.validation('cli.lot_column', `Could not tell the ${k} column from the header; give ${flag}`, [{ field: flag, message: 'not found in the header' }]);
        await withRuntime(async (p, s) => {
          const actor = systemActor(await orgOfShopId(p, o.shop));
          const bar = new cliProgress.SingleBar({ format: '{phase} [{bar}] {value}/{total}', hideCursor: true, stream: process.stderr }, cliProgress.Presets.shades_classic);
          let phase = '';
          const r = await s.incidents.importLots(actor, { shopId: o.shop, csv, columns, dryRun: o.dryRun }, {
            progress: (ph, done, total) => {
              const label = ph === 'check' ? 'orders checked' : 'lines written ';
              if (phase !== ph) {
                if (phase) bar.stop();
                bar.start(total, done, { phase: label });
                phase = ph;
              } else bar.update(done, { phase: label });
            },
          });
          if (phase) bar.stop();
          if (o.json) console.log(JSON.stringify(r, null, 2));
          else {
            console.log(`${r.status}: ${r.rows} rows, ${r.lines} order lines (columns: order "${columns.order}", line "${columns.line}", lot "${columns.lot}")${r.importId ? `, import ${r.importId}` : ''}`);
            for (const e of r.errors) console.log(`  row ${e.row}  ${e.field}: ${e.code}${e.value ? ` (${e.value})` : ''}`);
            if (r.errorCount > r.errors.length) console.log(`  … and ${r.errorCount - r.errors.length} more`);
          }
          if (r.status === 'refused') process.exitCode = 1;
        });
      } catch (e) {
        fail(e);
      }
    });

  lots
    .command('list')
    .description("A shop's known lots with line and order counts")
    .requiredOption('--shop <shopId>', 'the shop')
    .option('--json', 'print JSON')
    .action(async (o: { shop: string; json?: boolean }) => {
      try {
        await withRuntime(async (p, s) => {
          const r = await s.incidents.lots(systemActor(await orgOfShopId(p, o.shop)), o.shop);
          if (o.json) return void console.log(JSON.stringify(r.items, null, 2));
          for (const l of r.items) console.log(`${l.lot}  ${l.lines} lines  ${l.orders} orders  imported ${l.importedAt}`);
          if (r.items.length === 0) console.log('No lots imported for this shop.');
        });
      } catch (e) {
        fail(e);
      }
    });
}
