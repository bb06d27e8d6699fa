import type { Command } from 'commander';
import { registerTikTokCommands } from './tiktok.js';
import { registerHelpdeskCommands } from './helpdesk.js';
import { registerEvidenceCommands } from './evidence.js';
import { registerSlaCommands } from './sla.js';
import { registerReturnsCommands } from './returns.js';
import { registerPrivacyCommands } from './privacy.js';
import { registerBackupCommands } from './backup.js';
import { registerCouponsCommands } from './coupons.js';
import { registerAnalyticsCommands } from './analytics.js';
import { registerCardsCommands } from './cards.js';
import { registerKnowledgeCommands } from './knowledge.js';
import { registerIncidentsCommands } from './incidents.js';

/** Module commands (sla, tiktok, evidence, …) register here. */
export function registerModuleCommands(program: Command): void {
  registerTikTokCommands(program);
  registerHelpdeskCommands(program);
  registerSlaCommands(program);
  registerEvidenceCommands(program);
  registerReturnsCommands(program);
  registerPrivacyCommands(program);
  registerBackupCommands(program);
  registerCouponsCommands(program);
  registerAnalyticsCommands(program);
  registerCardsCommands(program);
  registerKnowledgeCommands(program);
  registerIncidentsCommands(program);
}
