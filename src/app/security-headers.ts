import helmet, { type HelmetOptions } from 'helmet';
import type { Http } from '../platform/http.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** `false`: the route sends no browser security headers (server-to-server webhooks). */
    securityHeaders?: false;
  }
}

/**
 * The headers Helmet sets for `options`, worked out once. Helmet's Fastify plugin built the whole
 * middleware again on every request (each option parsed, the CSP directives validated and joined)
 * in the second of its two request hooks, the first an async one decorating the reply: the two took
 * 2.5 % of the server's busy time in the write-path bench's searches, for headers that never change.
 * Our options are static (no per-request CSP nonces), so what Helmet would set is known at start.
 */
export function securityHeaderList(options: HelmetOptions): readonly (readonly [string, string])[] {
  const directives = typeof options.contentSecurityPolicy === 'object' ? options.contentSecurityPolicy.directives ?? {} : {};
  for (const [name, value] of Object.entries(directives)) {
    const entries = Array.isArray(value) ? value : [value];
    if (entries.some((v) => typeof v === 'function')) throw new Error(`security headers: the CSP directive ${name} depends on the request; it cannot be computed once`);
  }
  const set = new Map<string, string>();
  const recorder = {
    setHeader(name: string, value: string | number | readonly string[]) {
      set.set(name.toLowerCase(), Array.isArray(value) ? value.join(', ') : String(value));
    },
    removeHeader(name: string) {
      set.delete(name.toLowerCase());
    },
  };
  let failed: unknown;
  helmet(options)({} as never, recorder as never, (err?: unknown) => {
    failed = err;
  });
  if (failed) throw failed instanceof Error ? failed : new Error(String(failed));
  return [...set];
}

/**
 * Every response gets the headers, set on the raw response before the route runs (as Helmet's
 * plugin did), so errors, 404s and static files carry them too, and a route that sets its own
 * (the portal's stricter CSP, Swagger UI's) overrides them. A route whose config says
 * `securityHeaders: false` gets none.
 */
export function registerSecurityHeaders(app: Http, options: HelmetOptions): void {
  const headers = securityHeaderList(options);
  app.addHook('onRequest', (req, reply, done) => {
    if (req.routeOptions.config.securityHeaders !== false) for (const [name, value] of headers) reply.raw.setHeader(name, value);
    done();
  });
}
