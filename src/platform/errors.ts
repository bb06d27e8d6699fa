/**
 * One error type for the whole app. `code` is namespaced (`returns.window_closed`); `kind`
 * decides the HTTP status through the single table below, so routes never pick statuses.
 */
export type ErrorKind =
  | 'validation'
  | 'unauthenticated'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'too_large'
  | 'rate_limited'
  | 'unprocessable'
  | 'unavailable'
  | 'upstream'
  | 'internal';

export const HTTP_STATUS_BY_KIND: Record<ErrorKind, number> = {
  validation: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  too_large: 413,
  unprocessable: 422,
  rate_limited: 429,
  internal: 500,
  upstream: 502,
  unavailable: 503,
};

export interface FieldIssue {
  field: string;
  message: string;
}

export class AppError extends Error {
  readonly code: string;
  readonly kind: ErrorKind;
  readonly details: Record<string, unknown> | undefined;

  constructor(kind: ErrorKind, code: string, message: string, details?: Record<string, unknown>, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AppError';
    this.kind = kind;
    this.code = code;
    this.details = details;
  }

  get status(): number {
    return HTTP_STATUS_BY_KIND[this.kind];
  }

  static validation(code: string, message: string, issues: FieldIssue[] = []): AppError {
    return new AppError('validation', code, message, { issues });
  }
  static notFound(what: string, id?: string): AppError {
    return new AppError('not_found', `${what}.not_found`, id ? `${what} ${id} was not found` : `${what} was not found`, id ? { id } : undefined);
  }
  static conflict(code: string, message: string, details?: Record<string, unknown>): AppError {
    return new AppError('conflict', code, message, details);
  }
  static forbidden(code: string, message: string, details?: Record<string, unknown>): AppError {
    return new AppError('forbidden', code, message, details);
  }
  static unauthenticated(message = 'Sign in first'): AppError {
    return new AppError('unauthenticated', 'auth.unauthenticated', message);
  }
  static unprocessable(code: string, message: string, details?: Record<string, unknown>): AppError {
    return new AppError('unprocessable', code, message, details);
  }
}

export function isAppError(e: unknown): e is AppError {
  return e instanceof AppError;
}

/** Postgres unique_violation → 409 with the constraint name, so callers learn which key clashed. */
export function pgErrorCode(e: unknown): string | undefined {
  const anyE = e as { code?: string; cause?: { code?: string } } | undefined;
  return anyE?.code ?? anyE?.cause?.code;
}
export function pgConstraint(e: unknown): string | undefined {
  const anyE = e as { constraint?: string; cause?: { constraint?: string } } | undefined;
  return anyE?.constraint ?? anyE?.cause?.constraint;
}
export function isUniqueViolation(e: unknown, constraint?: string): boolean {
  return pgErrorCode(e) === '23505' && (constraint === undefined || pgConstraint(e) === constraint);
}
