import type { Jobs } from '../../platform/jobs.js';
import type { Logger } from '../../platform/logger.js';
import type { EvidenceService } from './evidence.service.js';

export const EVIDENCE_CHECKPOINT_JOB = 'evidence.checkpoint';

/**
 * Quiet organisations may take days to reach the next every-100-records checkpoint; signing the
 * head every ten minutes bounds how much history could be silently rewritten before a signature
 * pins it.
 */
export async function registerEvidenceJobs(jobs: Jobs | undefined, evidence: EvidenceService, log: Logger): Promise<void> {
  if (!jobs) return;
  await jobs.define(
    EVIDENCE_CHECKPOINT_JOB,
    async () => {
      const n = await evidence.checkpointAll();
      if (n) log.info({ checkpoints: n }, 'evidence checkpoints signed');
    },
    { cron: '*/10 * * * *' },
  );
}
