import pino, { type Logger } from 'pino';

export type { Logger };

/**
 * JSON lines for machines; on an interactive terminal (`npm start`) a readable one-line format,
 * so the printed logins and warnings are not buried in JSON.
 */
export function createLogger(level: string, name = 'afterdesk', pretty = process.stdout.isTTY === true): Logger {
  if (pretty) {
    return pino({
      name,
      level,
      transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'HH:MM:ss', ignore: 'pid,hostname,name' } },
    });
  }
  return pino({ name, level, base: { pid: process.pid } });
}

/** A logger that drops everything: tests and CLI commands that print their own output. */
export const silentLogger: Logger = pino({ level: 'silent' });
