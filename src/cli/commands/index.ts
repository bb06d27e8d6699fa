import type { Command } from 'commander';
// [orders + tiktok]
import { registerTikTokCommands } from './tiktok.js';
// [/orders + tiktok]
// [helpdesk]
import { registerHelpdeskCommands } from './helpdesk.js';
// [/helpdesk]
// [evidence]
import { registerEvidenceCommands } from './evidence.js';
// [/evidence]
// [sla]
import { registerSlaCommands } from './sla.js';
// [/sla]
// [remedies + returns]
import { registerReturnsCommands } from './returns.js';
// [/remedies + returns]
// [privacy]
import { registerPrivacyCommands } from './privacy.js';
// [/privacy]
// [backup]
import { registerBackupCommands } from './backup.js';
// [/backup]

/** Module commands (sla, tiktok, evidence, …) register here, each inside its own marked block. */
export function registerModuleCommands(program: Command): void {
  void program;
  // [orders + tiktok]
  registerTikTokCommands(program);
  // [/orders + tiktok]
  // [helpdesk]
  registerHelpdeskCommands(program);
  // [/helpdesk]
  // [sla]
  registerSlaCommands(program);
  // [/sla]
  // [evidence]
  registerEvidenceCommands(program);
  // [/evidence]
  // [remedies + returns]
  registerReturnsCommands(program);
  // [/remedies + returns]
  // [privacy]
  registerPrivacyCommands(program);
  // [/privacy]
  // [backup]
  registerBackupCommands(program);
  // [/backup]
}
