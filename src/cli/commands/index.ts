import type { Command } from 'commander';

/** Module commands (sla, tiktok, evidence, …) register here, each inside its own marked block. */
export function registerModuleCommands(program: Command): void {
  void program;
  // [orders + tiktok]
  // [/orders + tiktok]
  // [helpdesk]
  // [/helpdesk]
  // [evidence]
  // [/evidence]
  // [remedies + returns]
  // [/remedies + returns]
}
