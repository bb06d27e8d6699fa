import pino, { type Logger } from 'pino';

export type { Logger };

export function createLogger(level: string, name = 'afterdesk'): Logger {
  return pino({ name, level, base: { pid: process.pid } });
}

/** A logger that drops everything: tests and CLI commands that print their own output. */
export const silentLogger: Logger = pino({ level: 'silent' });
