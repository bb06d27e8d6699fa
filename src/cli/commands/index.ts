import type { Command } from 'commander';

/** Module commands (sla, tiktok, evidence, …) register here, one line each. */
export function registerModuleCommands(program: Command): void {
  void program;
}
