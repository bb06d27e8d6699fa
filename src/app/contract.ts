import type { Http } from '../platform/http.js';
import { governed } from './access.js';

/**
 * The HTTP contract, enforced at boot like the access table: every governed route (/api/*,
 * /webhooks/*, /healthz) is named by a unique `<module>.<verb>` operationId and declares the
 * schema of its success answer, so the OpenAPI document (and the web app's types, which come
 * from the same dto files) describes every answer. A route without them fails the boot.
 * `test/http/contract.test.ts` checks the rest over the published document (pagination, no
 * organisation ids).
 */
export function registerContract(app: Http): void {
  const seen = new Map<string, string>();
  app.addHook('onRoute', (route) => {
    const methods = (Array.isArray(route.method) ? route.method : [route.method]).filter((m) => m !== 'HEAD');
    if (!methods.length || !governed(route.url)) return;
    const where = `${methods.join(',')} ${route.url}`;
    const schema = route.schema as { operationId?: unknown; response?: Record<string, unknown> } | undefined;
    const id = schema?.operationId;
    if (typeof id !== 'string' || !/^[a-z][a-zA-Z]*\.[a-z][a-zA-Z]*$/.test(id)) throw new Error(`Route ${where} has no operationId of the form <module>.<verb> (see src/app/contract.ts)`);
    const other = seen.get(id);
    if (other && other !== where) throw new Error(`Routes ${other} and ${where} share the operationId ${id}`);
    seen.set(id, where);
    if (!Object.keys(schema?.response ?? {}).some((s) => /^2\d\d$/.test(s))) throw new Error(`Route ${where} declares no success response schema (see src/app/contract.ts)`);
  });
}
