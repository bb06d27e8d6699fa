import path from 'node:path';
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { createBackup, restoreBackup, type BackupProgress } from '../../app/backup.js';
import { VERSION } from '../../app/server.js';
import { createLogger } from '../../platform/logger.js';
import { configOrExit, fail } from '../context.js';

const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;

/** A byte-counting bar on stderr; cli-progress draws nothing when stderr is not a terminal. */
function progressBar(verb: string): { update: BackupProgress; stop: () => void } {
  const bar = new cliProgress.SingleBar(
    { format: `${verb} [{bar}] {percentage}% | {doneMb} / {totalMb} | {member}`, hideCursor: true, clearOnComplete: true, stream: process.stderr },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  let last = 0;
  return {
    update: (done, total, member) => {
      const now = Date.now();
      if (started && now - last < 100 && done < total) return;
      last = now;
      const payload = { doneMb: mb(done), totalMb: mb(total), member: member.length > 60 ? `…${member.slice(-59)}` : member };
      if (!started) {
        bar.start(total, done, payload);
        started = true;
      } else {
        bar.setTotal(total);
        bar.update(done, payload);
      }
    },
    stop: () => {
      if (started) bar.stop();
    },
  };
}

function cliLog() {
  const log = createLogger(process.env.AFTERDESK_CLI_LOG ?? 'warn', 'afterdesk-cli');
  return { info: (m: string) => log.info(m), warn: (m: string) => log.warn(m), debug: (m: string) => log.debug(m) };
}

export function registerBackupCommands(program: Command): void {
  program
    .command('backup')
    .description('Back up the embedded PostgreSQL (an online base backup, while Afterdesk runs) and the files in DATA_DIR into one archive')
    .requiredOption('--out <file>', 'where to write the archive (a ZIP)')
    .option('--no-secrets', 'leave DATA_DIR/secrets.json out of the archive (keep it apart; restore then needs --secrets <file>)')
    .option('--force', 'replace --out when it exists')
    .action(async (opts: { out: string; secrets: boolean; force?: boolean }) => {
      const config = configOrExit();
      const bar = progressBar('backup ');
      try {
        const r = await createBackup({
          config,
          out: opts.out,
          version: VERSION,
          includeSecrets: opts.secrets,
          force: opts.force,
          log: cliLog(),
          onProgress: bar.update,
          onStart: (s) =>
            console.log(
              s.online
                ? `Backing up ${config.dataDir} online: PostgreSQL ${s.serverVersion} of the running Afterdesk (port ${s.port}) keeps serving.`
                : `Afterdesk is not running: started PostgreSQL ${s.serverVersion} on its own for the backup (port ${s.port}).`,
            ),
        });
        bar.stop();
        const m = r.manifest;
        console.log(
          `Wrote ${opts.out} (${mb(r.bytes)}): ${m.counts.postgresFiles} PostgreSQL files + ${m.counts.walSegments} WAL segment(s), ` +
            `${m.counts.storedFiles} stored files, ${m.counts.checkpointCopies} evidence checkpoint copies${m.secrets.included ? ', secrets.json' : ''}; ${m.members.length} members, sha256 of each in manifest.json.`,
        );
        console.log(`WAL ${m.postgres.startLsn} → ${m.postgres.stopLsn}. Restore with: afterdesk restore ${opts.out}`);
        if (m.secrets.included) {
          console.log('⚠ The archive holds secrets.json (the database passwords and the key that encrypts TikTok tokens and signs evidence checkpoints): keep it as safe as DATA_DIR itself.');
        }
        for (const w of r.warnings) console.log(`⚠ ${w}`);
      } catch (e) {
        bar.stop();
        fail(e);
      }
    });

  program
    .command('restore <file>')
    .description('Restore a backup made by "afterdesk backup" into DATA_DIR; the next "afterdesk start" replays the WAL from the backup label')
    .option('--force', 'replace the contents of a DATA_DIR that is not empty')
    .option('--secrets <file>', 'the secrets.json kept apart from a backup made with --no-secrets')
    .action(async (file: string, opts: { force?: boolean; secrets?: string }) => {
      const config = configOrExit();
      const bar = progressBar('restore');
      try {
        const r = await restoreBackup({ config, file, force: opts.force, secretsFile: opts.secrets, log: cliLog(), onProgress: bar.update });
        bar.stop();
        const m = r.manifest;
        if (r.replaced.length) console.log(`Replaced the previous contents of ${r.dataDir} (${r.replaced.join(', ')}).`);
        console.log(
          `Restored the backup of ${m.createdAt} (Afterdesk ${m.afterdeskVersion}, PostgreSQL ${m.postgres.serverVersion}) into ${r.dataDir}: ` +
            `${m.members.length} members verified against the manifest (${mb(m.bytes)}).`,
        );
        console.log('Run "afterdesk start": PostgreSQL recovers from the backup label on its first start (replaying the WAL in the backup).');
        for (const w of r.warnings) console.log(`⚠ ${w}`);
      } catch (e) {
        bar.stop();
        fail(e);
      }
    });
}
