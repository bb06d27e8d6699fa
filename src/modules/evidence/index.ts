export { recordEvidence, checkpointSigner, writeCheckpoint, type CheckpointSigner, type RecordDeps } from './evidence.chain.js';
export { createEvidenceService, recordView, type EvidenceService, type EvidenceDeps, type EvidenceFileStore } from './evidence.service.js';
export { evidenceRoutes } from './evidence.routes.js';
export { registerEvidenceJobs } from './evidence.jobs.js';
export { seedEvidenceDemo } from './evidence.seed.js';
export { buildPack, type PackManifest, type PackOutput } from './evidence.pack.js';
export { canonicalJson, recordHash, GENESIS_HASH, REQUIRED_EVIDENCE, missingEvidence, sectionFor, decideFile, FILE_POLICIES, tr as evidenceLabel } from './evidence.rules.js';
export * from './evidence.dto.js';
export { evidenceRecords as evidenceRecordsTable, evidenceFiles as evidenceFilesTable, evidenceCheckpoints as evidenceCheckpointsTable } from './evidence.schema.js';
