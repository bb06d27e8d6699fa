import fs from 'node:fs';
import { pipeline } from 'node:stream/promises';
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { z } from 'zod';
import { AppError } from '../../platform/errors.js';
import { systemActor } from '../../platform/tenancy.js';
import { DISPUTE_REASONS, PACK_LANGUAGES, type VerifyResult } from '../../modules/evidence/index.js';
import { fail, withRuntime } from '../context.js';
import { zodIssues } from '../../platform/validation.js';

const PackOptions = z.strictObject({
  out: z.string().min(1),
  reason: z.enum(DISPUTE_REASONS).default('not_as_described'),
  language: z.enum(PACK_LANGUAGES).default('en'),
  org: z.string().min(1).optional(),
});

function printResult(r: VerifyResult): void {
  if (r.ok) {
    console.log(
      `✔ ${r.orgId}: ${r.records} records, ${r.files} files, ${r.checkpoints} signed checkpoints, ${r.externalCheckpoints} outside copies — chain intact (head #${r.headSeq} ${r.headHash.slice(0, 16)}…)`,
    );
    return;
  }
  const b = r.broken!;
  console.log(`✘ ${r.orgId}: BROKEN after ${r.records} good records`);
  console.log(`  problem: ${b.problem}`);
  if (b.recordId) console.log(`  record:  ${b.recordId} (seq ${b.seq})`);
  else if (b.seq !== undefined) console.log(`  seq:     ${b.seq}`);
  if (b.sha256) console.log(`  file:    ${b.sha256}`);
  console.log(`  ${b.message}`);
}

export function registerEvidenceCommands(program: Command): void {
  const ev = program.command('evidence').description('Evidence vault: verify the tamper-evident chain, build dispute / appeal packs');

  ev.command('verify')
    .description('Walk every evidence record (and file hash, signed checkpoint, the head and the checkpoint copies outside the database); print the first break; exit 1 when broken')
    .option('--org <orgId>', 'only this organisation (default: every organisation with evidence)')
    .option('--no-files', 'skip re-hashing the stored files')
    .action(async (opts: { org?: string; files: boolean }) => {
      let broken = false;
      try {
        await withRuntime(async (_p, s) => {
          const orgs = opts.org ? [opts.org] : await s.evidence.orgsWithEvidence();
          if (!orgs.length) console.log('No evidence recorded yet.');
          for (const orgId of orgs) {
            const bar = new cliProgress.SingleBar({ format: `${orgId} [{bar}] {value}/{total} records`, hideCursor: true, clearOnComplete: true, stream: process.stderr }, cliProgress.Presets.shades_classic);
            let started = false;
            const r = await s.evidence.verify(orgId, {
              checkFiles: opts.files,
              onProgress: (done, total) => {
                if (!started) {
                  bar.start(total, 0);
                  started = true;
                }
                bar.update(done);
              },
            });
            if (started) bar.stop();
            printResult(r);
            if (!r.ok) broken = true;
          }
        });
      } catch (e) {
        fail(e);
      }
      process.exit(broken ? 1 : 0);
    });

  ev.command('pack <caseId>')
    .description('Build an evidence pack (PDF summary + original files + manifest) for a dispute or appeal')
    .requiredOption('--out <file.zip>', 'where to write the ZIP')
    .option('--reason <reason>', `dispute reason: ${DISPUTE_REASONS.join(', ')}`, 'not_as_described')
    .option('--language <lang>', `summary language: ${PACK_LANGUAGES.join(', ')}`, 'en')
    .option('--org <orgId>', 'organisation (default: the one that holds the case)')
    .action(async (caseId: string, raw: Record<string, unknown>) => {
      try {
        const parsed = PackOptions.safeParse(raw);
        if (!parsed.success) {
          throw AppError.validation('cli.invalid', 'Invalid options', zodIssues(parsed.error, { prefix: '--' }));
        }
        const opts = parsed.data;
        await withRuntime(async (_p, s) => {
          let orgId = opts.org;
          if (!orgId) {
            const owners = await s.evidence.orgOfCase(caseId);
            if (owners.length === 0) throw AppError.notFound('evidence_case', caseId);
            if (owners.length > 1) throw AppError.validation('cli.ambiguous_case', `Case ${caseId} exists in several organisations; pass --org`, [{ field: '--org', message: `one of ${owners.join(', ')}` }]);
            orgId = owners[0]!;
          }
          const pack = await s.evidence.buildPack(systemActor(orgId), caseId, { reason: opts.reason, language: opts.language });
          await pipeline(pack.stream, fs.createWriteStream(opts.out));
          const size = fs.statSync(opts.out).size;
          console.log(`Wrote ${opts.out} (${(size / 1024).toFixed(1)} KB): summary.pdf, ${pack.manifest.files.length} files, manifest.json; chain head #${pack.manifest.chain.headSeq}`);
          if (pack.warnings.length) {
            console.log(`Missing evidence for ${opts.reason}:`);
            for (const w of pack.warnings) console.log(`  ⚠ ${w.message}`);
          } else console.log('No missing evidence for this reason.');
        });
      } catch (e) {
        fail(e);
      }
    });

  ev.command('checkpoint')
    .description('Sign the current chain head of every organisation (or one) now and copy it outside the database (DATA_DIR, S3)')
    .option('--org <orgId>', 'only this organisation')
    .action(async (opts: { org?: string }) => {
      try {
        await withRuntime(async (_p, s) => {
          if (opts.org) {
            const r = await s.evidence.checkpoint(opts.org);
            console.log(r ? `${opts.org}: checkpoint at #${r.seq}${r.created ? '' : ' (already signed)'}` : `${opts.org}: no evidence yet`);
          } else console.log(`Signed ${await s.evidence.checkpointAll()} new checkpoint(s).`);
        });
      } catch (e) {
        fail(e);
      }
    });
}
