import fs from 'node:fs';
import type { Command } from 'commander';
import { AppError } from '../../platform/errors.js';
import type { Services } from '../../app/deps.js';
import { fail, withRuntime } from '../context.js';

async function orgFor(s: Services, buyerId: string, org?: string): Promise<string> {
  if (org) return org;
  const owners = await s.privacy.orgsOfBuyer(buyerId);
  if (owners.length === 0) throw AppError.notFound('buyer', buyerId);
  if (owners.length > 1) throw AppError.validation('cli.ambiguous_buyer', `Buyer ${buyerId} exists in several organisations; pass --org`, [{ field: '--org', message: `one of ${owners.join(', ')}` }]);
  return owners[0]!;
}

export function registerPrivacyCommands(program: Command): void {
  const pr = program.command('privacy').description("Buyers' rights (GDPR): export or erase everything held about a buyer; apply retention periods");

  pr.command('export <buyerId>')
    .description('Write everything held about a buyer as one JSON document (stdout, or --out)')
    .option('--org <orgId>', 'organisation (default: the one that holds the buyer)')
    .option('--out <file.json>', 'write to this file instead of stdout')
    .action(async (buyerId: string, opts: { org?: string; out?: string }) => {
      try {
        await withRuntime(async (_p, s) => {
          const doc = await s.privacy.exportBuyer(await orgFor(s, buyerId, opts.org), buyerId);
          const text = JSON.stringify(doc, null, 2) + '\n';
          if (opts.out) {
            fs.writeFileSync(opts.out, text, { mode: 0o600 });
            console.error(`Wrote ${opts.out} (${(text.length / 1024).toFixed(1)} KB)`);
          } else process.stdout.write(text);
        });
      } catch (e) {
        fail(e);
      }
    });

  pr.command('erase <buyerId>')
    .description("Erase a buyer: tickets' content, orders' personal fields, files; evidence becomes signed tombstones (held back for open disputes)")
    .option('--org <orgId>', 'organisation (default: the one that holds the buyer)')
    .option('--yes', 'really erase (it cannot be undone)')
    .option('--json', 'print the erasure report as JSON')
    .action(async (buyerId: string, opts: { org?: string; yes?: boolean; json?: boolean }) => {
      try {
        if (!opts.yes) throw AppError.validation('cli.confirm', 'Erasure cannot be undone; pass --yes', [{ field: '--yes', message: 'required' }]);
        await withRuntime(async (_p, s) => {
          const r = await s.privacy.eraseBuyer(await orgFor(s, buyerId, opts.org), buyerId, 'cli');
          if (opts.json) return void console.log(JSON.stringify(r, null, 2));
          console.log(`Erased buyer ${buyerId} (erasure ${r.erasureId}):`);
          for (const [table, n] of Object.entries(r.erased)) if (n) console.log(`  ${table}: ${n}`);
          console.log(`  stored files removed: ${r.filesRemoved}`);
          if (r.heldBack.length) {
            console.log(`Held back (legal claims, GDPR Art. 17(3)(e)):`);
            for (const h of r.heldBack) console.log(`  ${h.recordId ? `record ${h.recordId} of ` : ''}${h.caseType ?? 'case'} ${h.caseId}: ${h.why}`);
          }
        });
      } catch (e) {
        fail(e);
      }
    });

  pr.command('retention')
    .description("Apply the organisations' retention periods now (the worker does it daily)")
    .option('--org <orgId>', 'only this organisation')
    .action(async (opts: { org?: string }) => {
      try {
        await withRuntime(async (_p, s) => {
          const runs = opts.org ? [{ orgId: opts.org, changed: await s.privacy.applyRetention(opts.org) }] : await s.privacy.applyRetentionAll();
          if (!runs.length) console.log('No organisation has retention periods set.');
          for (const r of runs) console.log(`${r.orgId}: ${Object.entries(r.changed).map(([t, n]) => `${t} ${n}`).join(', ') || 'nothing due'}`);
        });
      } catch (e) {
        fail(e);
      }
    });
}
