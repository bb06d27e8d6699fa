import { Command } from 'commander';
import { VERSION } from '../app/server.js';
import { registerCoreCommands } from './commands/core.js';
import { registerModuleCommands } from './commands/index.js';

const program = new Command();
program
  .name('afterdesk')
  .description('Afterdesk: after-sales operations for TikTok Shop sellers')
  .version(VERSION)
  .showHelpAfterError()
  .configureHelp({ showGlobalOptions: true });

registerCoreCommands(program);
registerModuleCommands(program);

await program.parseAsync(process.argv);
