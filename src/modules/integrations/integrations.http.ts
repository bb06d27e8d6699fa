import type { FastifyRequest } from 'fastify';
import { AppError } from '../../platform/errors.js';
import type { Http } from '../../platform/http.js';
import { requiredScope, type TokenScope } from './integrations.rules.js';
import type { IntegrationsService } from './integrations.service.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set when the request authenticated with `Authorization: Bearer <API token>`. */
    apiToken?: { id: string; scopes: string[] };
  }
}

/** The bearer token of a request, or undefined (a cookie request). */
export function bearerOf(req: { headers: Record<string, string | string[] | undefined> }): string | undefined {
  const h = req.headers.authorization;
  const v = Array.isArray(h) ? h[0] : h;
  const m = v ? /^Bearer\s+(\S+)\s*$/i.exec(v) : null;
  return m?.[1];
}

const knownRoutes = new Set<string>();
/** Every governed route with the scope that opens it (for the scopes list and the docs). */
export const ROUTE_SCOPES = (): { route: string; scope: TokenScope }[] =>
  [...knownRoutes].flatMap((route) => {
    const [m, u] = route.split(' ') as [string, string];
    const scope = requiredScope(m, u);
    return scope ? [{ route, scope }] : [];
  });

/**
 * API-token requests: `Authorization: Bearer adk_…` makes the token the actor (a cookie on the
 * same request is ignored, so a bearer request can never ride on a browser session), and the
 * route must lie inside one of the token's scopes (403 `auth.token_scope` otherwise). An unknown,
 * revoked or expired token is a 401 — never a fall-back to anonymous.
 */
export function registerTokenAuth(app: Http, svc: IntegrationsService): void {
  app.addHook('onRoute', (r) => {
    for (const m of Array.isArray(r.method) ? r.method : [r.method]) if (m !== 'HEAD' && r.url.startsWith('/api/')) knownRoutes.add(`${m} ${r.url}`);
  });
  app.addHook('onRequest', async (req) => {
    const token = bearerOf(req);
    if (!token) return;
    const hit = await svc.authenticateToken(token);
    if (!hit) throw new AppError('unauthenticated', 'auth.bad_token', 'The API token is unknown, revoked or expired');
    req.actor = hit.actor;
    req.apiToken = { id: hit.tokenId, scopes: hit.scopes };
  });
  app.addHook('preValidation', async (req: FastifyRequest) => {
    if (!req.apiToken) return;
    const url = req.routeOptions.url;
    if (!url) return;
    const scope = requiredScope(req.method, url);
    if (!scope || !req.apiToken.scopes.includes(scope)) {
      throw AppError.forbidden('auth.token_scope', scope ? `This API token lacks the scope ${scope}` : `API tokens cannot call ${req.method} ${url}`, { needed: scope, scopes: req.apiToken.scopes });
    }
  });
}

export function resetKnownRoutes(): void {
  knownRoutes.clear();
}
