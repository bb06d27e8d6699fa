import pino, { type DestinationStream, type Logger, type LoggerOptions } from 'pino';

export type { Logger };

/**
 * Keys whose values never reach a log line, wherever a caller puts them (one level deep, plus the
 * request headers Fastify logs). Secrets and a buyer's contact details are what an attacker with
 * log access would come for.
 */
export const REDACT_PATHS = [
  'password',
  'passwordHash',
  'token',
  'accessToken',
  'refreshToken',
  'secret',
  'phone',
  'email',
  'params',
  '*.password',
  '*.passwordHash',
  '*.password_hash',
  '*.token',
  '*.accessToken',
  '*.refreshToken',
  '*.secret',
  '*.phone',
  '*.params',
  'req.headers.cookie',
  'req.headers.authorization',
  'req.headers["x-tts-access-token"]',
  'res.headers["set-cookie"]',
];

// SQLSTATE classes whose messages quote the offending value: 22 data exception ("invalid input
// syntax for type integer: \"…\""), 23 integrity violation.
const VALUE_QUOTING_CLASSES = new Set(['22', '23']);
// Fields of a pg DatabaseError that repeat row values ("Key (email)=(…) already exists") or the
// PL/pgSQL context with its variables.
const VALUE_FIELDS = ['params', 'detail', 'where', 'internalQuery', 'parameters', 'values'];

function scrubMessage(message: string, sqlState: unknown): string {
  // Drizzle's DrizzleQueryError puts every bound value after "params:" in its message.
  let m = message.replace(/\nparams:[\s\S]*$/, '\nparams: [redacted]');
  if (typeof sqlState === 'string' && VALUE_QUOTING_CLASSES.has(sqlState.slice(0, 2))) m = m.replace(/"[^"]*"/g, '"[redacted]"');
  return m;
}

type Serialized = Record<string, unknown>;

function scrub(obj: Serialized, depth: number): Serialized {
  const out: Serialized = { ...obj };
  for (const k of VALUE_FIELDS) if (out[k] !== undefined && out[k] !== null) out[k] = '[redacted]';
  // pg hangs its whole Client on some errors: connection parameters and driver state, no use in a log.
  delete out.client;
  // String literals in a query text are values too; parameters are never logged at all.
  if (typeof out.query === 'string') out.query = out.query.replace(/'(?:[^']|'')*'/g, "'?'");
  if (typeof out.message === 'string') out.message = scrubMessage(out.message, out.code);
  if (typeof out.stack === 'string') {
    // The stack's first line is the message again.
    const stack = out.stack;
    const firstAt = stack.indexOf('\n    at ');
    const head = firstAt < 0 ? stack : stack.slice(0, firstAt);
    out.stack = scrubMessage(head, out.code) + (firstAt < 0 ? '' : stack.slice(firstAt));
  }
  if (out.cause && typeof out.cause === 'object' && depth < 5) out.cause = scrub(out.cause as Serialized, depth + 1);
  return out;
}

/**
 * pino's error serializer without the values a failed query carries: bound parameters, the
 * constraint detail, quoted input and literals. What remains (SQLSTATE, constraint, table, the
 * parameterised query, the stack) is enough to find the bug.
 */
export function serializeError(err: unknown): unknown {
  if (!(err instanceof Error) && !(err && typeof err === 'object')) return err;
  const base = err instanceof Error ? (pino.stdSerializers.errWithCause(err) as unknown as Serialized) : (err as Serialized);
  // errWithCause folds the cause's message into `message`; re-scrub what it folded in too.
  return scrub(base, 0);
}

/**
 * A request as logged: method, path and where it came from. The query string stays out, since
 * searches carry what agents look for (a buyer's name, phone number or e-mail).
 */
export function serializeRequest(req: { method?: string; url?: string; host?: string; hostname?: string; ip?: string; socket?: { remoteAddress?: string } }): Record<string, unknown> {
  const url = typeof req.url === 'string' ? req.url : '';
  const q = url.indexOf('?');
  return { method: req.method, url: q < 0 ? url : `${url.slice(0, q)}?[redacted]`, host: req.host ?? req.hostname, remoteAddress: req.ip ?? req.socket?.remoteAddress };
}

export function loggerOptions(level: string, name: string): LoggerOptions {
  return {
    name,
    level,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    serializers: { err: serializeError, error: serializeError, req: serializeRequest },
  };
}

/**
 * JSON lines for machines; on an interactive terminal (`npm start`) a readable one-line format,
 * so the printed logins and warnings are not buried in JSON. `destination` lets tests read the lines.
 */
export function createLogger(level: string, name = 'afterdesk', pretty = process.stdout.isTTY === true, destination?: DestinationStream): Logger {
  if (pretty && !destination) {
    return pino({
      ...loggerOptions(level, name),
      transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'HH:MM:ss', ignore: 'pid,hostname,name' } },
    });
  }
  const opts = { ...loggerOptions(level, name), base: { pid: process.pid } };
  return destination ? pino(opts, destination) : pino(opts);
}

/** A logger that drops everything: tests and CLI commands that print their own output. */
export const silentLogger: Logger = pino({ level: 'silent' });
