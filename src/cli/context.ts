import { loadConfig, ConfigError, type Config } from '../app/config.js';
import { compose } from '../app/compose.js';
import type { Platform, Services } from '../app/deps.js';
import { boot, type BootOptions } from '../app/runtime.js';
import { createLogger } from '../platform/logger.js';
import { isAppError } from '../platform/errors.js';

export function configOrExit(): Config {
  try {
    return loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(e.message);
      process.exit(2);
    }
    throw e;
  }
}

/**
 * Boot the database for a one-shot command, run it, shut down (also on failure). When Afterdesk
 * already runs on this DATA_DIR the command works through its PostgreSQL (see `BootOptions.attach`);
 * pass `attach: false` for the commands that must have the data directory to themselves.
 */
export async function withRuntime<T>(fn: (p: Platform, s: Services) => Promise<T>, opts: Partial<BootOptions> = {}): Promise<T> {
  const config = configOrExit();
  const log = createLogger(process.env.AFTERDESK_CLI_LOG ?? 'warn', 'afterdesk-cli');
  const rt = await boot(config, { log, attach: true, ...opts });
  try {
    return await fn(rt.platform, compose(rt.platform));
  } finally {
    await rt.shutdown();
  }
}

/** Print an error the way an operator needs it (code + message + field issues) and exit non-zero. */
export function fail(e: unknown): never {
  if (isAppError(e)) {
    console.error(`error ${e.code}: ${e.message}`);
    const issues = (e.details as { issues?: { field: string; message: string }[] } | undefined)?.issues;
    for (const i of issues ?? []) console.error(`  ${i.field}: ${i.message}`);
  } else if (e instanceof Error) {
    console.error(`error: ${e.message}`);
  } else {
    console.error('error:', e);
  }
  process.exit(1);
}
