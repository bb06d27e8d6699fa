/**
 * The one way the web UI talks to the server. Every failure becomes an ApiError carrying the
 * server's `{code, message, details}` body, so screens can show a translated message by `code`
 * and put `details.issues[]` on the matching form fields.
 */

export interface FieldIssue {
  field: string;
  message: string;
}

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: Record<string, unknown> | undefined;
  readonly requestId: string | undefined;

  constructor(status: number, code: string, message: string, details?: Record<string, unknown>, requestId?: string) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.details = details;
    this.requestId = requestId;
  }

  /** Field-level problems from a 400 (`details.issues`), empty otherwise. */
  get issues(): FieldIssue[] {
    const raw = (this.details as { issues?: unknown } | undefined)?.issues;
    if (!Array.isArray(raw)) return [];
    return raw.filter((i): i is FieldIssue => !!i && typeof i.field === 'string' && typeof i.message === 'string');
  }
}

export function isApiError(e: unknown): e is ApiError {
  return e instanceof ApiError;
}

/** Fired when the server says the session is gone (expired, revoked, deactivated): the app shows the login page. */
export const UNAUTHENTICATED_EVENT = 'afterdesk:unauthenticated';

type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

/**
 * Sent on every request to our API. The server refuses state-changing requests that carry neither
 * a JSON body nor X-Requested-With (a form on another site can send neither), so uploads and
 * body-less POSTs made with `fetch` directly must spread these headers too.
 */
export const UI_HEADERS = { accept: 'application/json', 'x-requested-with': 'afterdesk' } as const;

export async function request<T>(method: Method, path: string, body?: unknown, init?: { signal?: AbortSignal }): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      credentials: 'same-origin',
      headers: body === undefined ? { ...UI_HEADERS } : { ...UI_HEADERS, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: init?.signal,
    });
  } catch (e) {
    if ((e as Error).name === 'AbortError') throw e;
    throw new ApiError(0, 'network.unreachable', 'The server cannot be reached; check the connection and try again');
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let data: unknown = undefined;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = undefined;
    }
  }
  if (!res.ok) {
    const b = (data ?? {}) as { code?: string; message?: string; details?: Record<string, unknown>; requestId?: string };
    const err = new ApiError(res.status, b.code ?? `http.${res.status}`, b.message ?? (res.statusText || `HTTP ${res.status}`), b.details, b.requestId ?? res.headers.get('x-request-id') ?? undefined);
    if (res.status === 401 && path !== '/api/auth/login' && path !== '/api/auth/me' && typeof window !== 'undefined') {
      window.dispatchEvent(new CustomEvent(UNAUTHENTICATED_EVENT));
    }
    throw err;
  }
  return data as T;
}

export const api = {
  get: <T>(path: string, init?: { signal?: AbortSignal }) => request<T>('GET', path, undefined, init),
  post: <T>(path: string, body?: unknown) => request<T>('POST', path, body ?? {}),
  patch: <T>(path: string, body: unknown) => request<T>('PATCH', path, body),
  put: <T>(path: string, body: unknown) => request<T>('PUT', path, body),
  delete: <T = void>(path: string) => request<T>('DELETE', path),
};

export type FieldErrors = Record<string, string>;

/**
 * Maps `details.issues` to a `{fieldPath: message}` object for Mantine inputs (`error={errors.name}`).
 * Paths are the server's dotted paths (`supportContacts.email`, `businessHours.mon.0.end`);
 * `rename` maps a server path prefix to the form's own name when they differ.
 */
export function issuesToFieldErrors(err: unknown, rename: Record<string, string> = {}): FieldErrors {
  if (!isApiError(err)) return {};
  const out: FieldErrors = {};
  for (const issue of err.issues) {
    let field = issue.field;
    for (const [from, to] of Object.entries(rename)) {
      if (field === from || field.startsWith(`${from}.`)) field = to + field.slice(from.length);
    }
    out[field] ??= issue.message;
  }
  // A 409 on a known field (duplicate name, e-mail) belongs on that field too.
  const conflictField = (err.details as { field?: unknown } | undefined)?.field;
  if (err.status === 409 && typeof conflictField === 'string') out[rename[conflictField] ?? conflictField] ??= err.message;
  return out;
}

/** Issues whose field is not one of `shown`: they must still be visible somewhere (a form-level alert). */
export function unplacedIssues(err: unknown, shown: (field: string) => boolean): FieldIssue[] {
  if (!isApiError(err)) return [];
  return err.issues.filter((i) => !shown(i.field));
}
