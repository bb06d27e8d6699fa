import type { FastifyRequest } from 'fastify';
import { AppError } from '../platform/errors.js';
import type { Http } from '../platform/http.js';
import { requireRole, type Role } from '../platform/tenancy.js';

/**
 * Who may call each route: the one table, checked before validation so a refused role learns
 * nothing about the body it sent. Services keep their own checks too (jobs, CLI and webhooks call
 * them without HTTP), and `test/http/access.test.ts` proves the two agree for every route and role.
 *
 * - `public`: no session (sign-in, health, the OAuth redirect whose `state` is signed).
 * - `webhook`: no session; the route verifies the platform's signature itself.
 * - `signed_in`: any role of the organisation.
 * - a role list; `self` names a path parameter that lets anyone reach their own record.
 */
export type Access = 'public' | 'webhook' | 'signed_in' | { roles: readonly Role[]; self?: string };

const OWNER = { roles: ['owner'] } as const;
const LEADS = { roles: ['owner', 'supervisor'] } as const;
const DESK = { roles: ['owner', 'supervisor', 'agent'] } as const;
const WAREHOUSE = { roles: ['owner', 'supervisor', 'warehouse'] } as const;
const EVERYONE = 'signed_in' as const;

export const ROUTE_ACCESS: Record<string, Access> = {
  'GET /healthz': 'public',
  'POST /webhooks/tiktok': 'webhook',
  'GET /webhooks/whatsapp/:numberId': 'webhook',
  'POST /webhooks/whatsapp/:numberId': 'webhook',
  'GET /api/tiktok/oauth/callback': 'public',

  // people and sign-in
  'POST /api/auth/login': 'public',
  'POST /api/auth/logout': EVERYONE,
  'GET /api/auth/me': EVERYONE,
  'PATCH /api/auth/me': EVERYONE,
  'GET /api/users': LEADS,
  'POST /api/users': OWNER,
  'GET /api/users/:id': { roles: ['owner', 'supervisor'], self: 'id' },
  'PATCH /api/users/:id': OWNER,
  // memberships and invitations (agencies)
  'GET /api/auth/organisations': EVERYONE,
  'POST /api/auth/switch': EVERYONE,
  'GET /api/invitations': OWNER,
  'POST /api/invitations': OWNER,
  'POST /api/invitations/:id/revoke': OWNER,
  'POST /api/invitations/preview': 'public',
  'POST /api/invitations/accept': 'public',
  'GET /api/agency/overview': EVERYONE,

  // organisation, brands, shops
  'GET /api/organisation': EVERYONE,
  'GET /api/brands': EVERYONE,
  'GET /api/brands/:id': EVERYONE,
  'POST /api/brands': OWNER,
  'GET /api/shops': EVERYONE,
  'GET /api/shops/:id': EVERYONE,
  'GET /api/shops/:id/holidays': EVERYONE,
  'POST /api/shops': OWNER,
  'PATCH /api/shops/:id': OWNER,
  'GET /api/shops/:shopId/remedy-settings': EVERYONE,
  'PATCH /api/shops/:shopId/remedy-settings': OWNER,
  'PUT /api/shops/:shopId/item-economics': LEADS,
  'PUT /api/shops/:shopId/exchange-stock': WAREHOUSE,

  // shop mailboxes (e-mail channel)
  'GET /api/shops/:shopId/mailbox': LEADS,
  'PUT /api/shops/:shopId/mailbox': OWNER,
  'DELETE /api/shops/:shopId/mailbox': OWNER,
  'POST /api/shops/:shopId/mailbox/test': LEADS,
  'POST /api/shops/:shopId/mailbox/sync': LEADS,

  // shop WhatsApp numbers
  'GET /api/shops/:shopId/whatsapp': LEADS,
  'PUT /api/shops/:shopId/whatsapp': OWNER,
  'DELETE /api/shops/:shopId/whatsapp': OWNER,

  // shop TikTok business accounts (video comments, issue 19)
  'GET /api/shops/:shopId/tiktok-comments': LEADS,
  'PUT /api/shops/:shopId/tiktok-comments': OWNER,
  'DELETE /api/shops/:shopId/tiktok-comments': OWNER,
  'POST /api/shops/:shopId/tiktok-comments/test': LEADS,
  'POST /api/shops/:shopId/tiktok-comments/poll': LEADS,
  'POST /api/shops/:shopId/tiktok-comments/authorize': OWNER,
  // the account holder's browser comes back in the session of the owner who started it (SameSite=Lax)
  'GET /api/tiktok-business/oauth/callback': OWNER,
  'GET /api/video-comments/:commentId/source': DESK,
  'POST /api/video-comments/:commentId/visibility': DESK,
  'GET /api/video-comments/:commentId/visibility': DESK,

  // TikTok connection
  'GET /api/tiktok/connections': LEADS,
  'POST /api/tiktok/authorize': OWNER,
  'POST /api/tiktok/shops/:id/sync': LEADS,

  // outbox: the desk sees why a step failed; only leads send it again
  'GET /api/outbox': DESK,
  'POST /api/outbox/:id/retry': LEADS,

  // helpdesk: reading and notes are for everyone (the warehouse notes what it found); answering buyers is the desk's
  'GET /api/tickets': EVERYONE,
  'GET /api/tickets/counts': EVERYONE,
  'GET /api/tickets/search': EVERYONE,
  'GET /api/tickets/:id': EVERYONE,
  'GET /api/tickets/:id/sidebar': EVERYONE,
  'POST /api/tickets/:id/notes': EVERYONE,
  'POST /api/tickets/:id/status': EVERYONE,
  'POST /api/tickets/:id/attachments': EVERYONE,
  // per action: status is everyone's, the rest the desk's (checked by the service per ticket)
  'POST /api/tickets/bulk': EVERYONE,
  'POST /api/tickets/:id/reply': DESK,
  'POST /api/tickets/:id/priority': DESK,
  'POST /api/tickets/:id/tags': DESK,
  'POST /api/tickets/:id/link': DESK,
  'POST /api/tickets/:id/assign': DESK,
  'POST /api/tickets/:id/merge': DESK,
  'POST /api/tickets/:id/reroute': LEADS,
  'GET /api/helpdesk/agents': EVERYONE,
  'GET /api/helpdesk/agents/:id/schedule': EVERYONE,
  'PUT /api/helpdesk/agents/:id/schedule': { roles: ['owner', 'supervisor'], self: 'id' },
  'POST /api/helpdesk/inbound/email': DESK,
  'POST /api/helpdesk/inbound/whatsapp': DESK,
  'GET /api/macros': EVERYONE,
  'GET /api/macros/:id': EVERYONE,
  'POST /api/macros/:id/render': DESK,
  'POST /api/macros': LEADS,
  'PATCH /api/macros/:id': LEADS,
  'DELETE /api/macros/:id': LEADS,
  'GET /api/macros/variables': EVERYONE,
  'GET /api/macros/:id/versions': LEADS,
  'POST /api/macros/:id/restore': LEADS,
  // issue 16 (playbooks): procedures and proactive notices
  'GET /api/procedures': DESK,
  'PUT /api/procedures/:category': LEADS,
  'GET /api/procedures/:category/versions': LEADS,
  'POST /api/procedures/:category/restore': LEADS,
  'GET /api/tickets/:id/procedure': DESK,
  'POST /api/tickets/:id/procedure': DESK,
  'GET /api/notices': LEADS,
  'GET /api/notices/products': LEADS,
  'POST /api/notices': LEADS,
  'PATCH /api/notices/:id': LEADS,
  'GET /api/notices/:id/report': LEADS,
  'POST /api/notices/run': LEADS,

  // SLA
  'GET /api/sla/due': EVERYONE,
  'GET /api/sla/shops/:id/due': EVERYONE,
  'GET /api/sla/tickets/:ticketId/clocks': EVERYONE,
  'GET /api/sla/policies': EVERYONE,
  'GET /api/sla/policies/:id': EVERYONE,
  'POST /api/sla/policies': LEADS,
  'PATCH /api/sla/policies/:id': LEADS,
  'DELETE /api/sla/policies/:id': LEADS,
  'GET /api/sla/attainment': LEADS,

  // orders
  'GET /api/orders/:id': EVERYONE,
  'GET /api/orders/:id/sidebar': EVERYONE,
  'GET /api/buyers/:id': EVERYONE,
  'GET /api/platform-returns': EVERYONE,
  'GET /api/platform-returns/:id': EVERYONE,

  // remedies: the desk offers, leads approve, reject and abandon
  'GET /api/remedies': EVERYONE,
  'GET /api/remedies/:id': EVERYONE,
  'POST /api/remedies/suggest': DESK,
  'POST /api/remedies/quote': DESK,
  'POST /api/remedies': DESK,
  'POST /api/remedies/:id/approve': LEADS,
  'POST /api/remedies/:id/reject': LEADS,
  'POST /api/remedies/:id/abandon': LEADS,
  'POST /api/remedies/:id/steps/:step/retry': DESK,

  // returns: the desk opens, the warehouse receives and grades, leads decide money questions
  'GET /api/returns': EVERYONE,
  'GET /api/returns/cycle-stats': EVERYONE,
  'GET /api/returns/lookup': EVERYONE,
  'GET /api/returns/reasons': EVERYONE,
  'GET /api/returns/:id': EVERYONE,
  'GET /api/returns/:id/instructions': EVERYONE,
  'PUT /api/returns/reasons': OWNER,
  'POST /api/returns/eligibility': DESK,
  'POST /api/returns': DESK,
  'POST /api/returns/from-platform/:id': DESK,
  'POST /api/returns/import-platform': DESK,
  'POST /api/returns/:id/switch-to-refund': DESK,
  'POST /api/returns/:id/receive': WAREHOUSE,
  'POST /api/returns/:id/inspect': WAREHOUSE,
  'GET /api/returns/:id/reject-reasons': LEADS,
  'POST /api/returns/:id/decide': LEADS,
  'POST /api/returns/:id/appeal': LEADS,
  'POST /api/returns/:id/platform-refunded': LEADS,

  // evidence: files are everyone's (inspection photos); cases and packs are for disputes
  'POST /api/evidence/files': EVERYONE,
  'GET /api/evidence/files/:sha256': EVERYONE,
  'GET /api/evidence/cases': DESK,
  'GET /api/evidence/cases/:caseId': DESK,
  'POST /api/evidence/cases/:caseId/packs': DESK,
  'GET /api/evidence/cases/:caseId/pack': DESK,
  'GET /api/evidence/cases/:caseId/pack/check': DESK,
  'GET /api/evidence/verify': LEADS,

  // buyers' rights (GDPR): only the owner answers a data-subject request or sets retention
  'GET /api/privacy/buyers': OWNER,
  'GET /api/privacy/buyers/:id/export': OWNER,
  'POST /api/privacy/buyers/:id/erase': OWNER,
  'GET /api/privacy/settings': OWNER,
  'PUT /api/privacy/settings': OWNER,

  // issue 13 (workspace-b): lookup, Orders and Customers pages, acting from the ticket
  'GET /api/lookup': EVERYONE,
  'GET /api/lookup/related': DESK,
  'GET /api/lookup/labels': DESK,
  'GET /api/disputes': DESK,
  'POST /api/disputes': DESK,
  'POST /api/disputes/:id/status': DESK,
  'GET /api/orders': DESK,
  'GET /api/buyers': DESK,
  'POST /api/returns/:id/cancel': DESK,
  'POST /api/returns/:id/resend-instructions': DESK,
  'GET /api/platform-returns/:id/reject-reasons': DESK,
  'POST /api/platform-returns/:id/decide': DESK,
  // own account, sign-in steps, password resets (issue 12)
  'POST /api/auth/login/two-factor': 'public',
  'POST /api/auth/password-reset/request': 'public',
  'POST /api/auth/password-reset/complete': 'public',
  'GET /api/account': EVERYONE,
  'PATCH /api/account': EVERYONE,
  'POST /api/account/password': EVERYONE,
  'POST /api/account/two-factor/setup': EVERYONE,
  'POST /api/account/two-factor/confirm': EVERYONE,
  'POST /api/account/two-factor/disable': EVERYONE,
  'POST /api/account/two-factor/recovery-codes': EVERYONE,
  'GET /api/account/sessions': EVERYONE,
  'DELETE /api/account/sessions/:id': EVERYONE,
  'POST /api/account/sessions/revoke-others': EVERYONE,
  'POST /api/users/:id/password-reset': OWNER,
  'GET /api/security/settings': OWNER,
  'PUT /api/security/settings': OWNER,

  // audit log: owners only
  'GET /api/audit': OWNER,
  'GET /api/audit/actions': OWNER,

  // integrations: API tokens and outgoing webhooks are the owner's
  'GET /api/integrations/scopes': OWNER,
  'GET /api/integrations/tokens': OWNER,
  'POST /api/integrations/tokens': OWNER,
  'POST /api/integrations/tokens/:id/revoke': OWNER,
  'GET /api/integrations/webhooks': OWNER,
  'POST /api/integrations/webhooks': OWNER,
  'PATCH /api/integrations/webhooks/:id': OWNER,
  'DELETE /api/integrations/webhooks/:id': OWNER,
  'GET /api/integrations/webhooks/:id/deliveries': OWNER,
  'POST /api/integrations/webhooks/:id/test': OWNER,
  // settings screens (issue 12): reading what the editors change
  'GET /api/shops/:shopId/item-economics': LEADS,
  'GET /api/shops/:shopId/exchange-stock': WAREHOUSE,
  'GET /api/returns/reasons/versions': LEADS,
  'POST /api/helpdesk/agents/:id/reroute': LEADS,
  // workspace (issue 13, workspace-a): notifications, live updates, saved views, presence,
  // variables, automations, translation
  'GET /api/notifications': EVERYONE,
  'GET /api/notifications/unread-count': EVERYONE,
  'POST /api/notifications/read': EVERYONE,
  'POST /api/notifications/read-all': EVERYONE,
  'GET /api/notifications/preferences': EVERYONE,
  'PUT /api/notifications/preferences': EVERYONE,
  'GET /api/events': EVERYONE,
  'GET /api/saved-views': DESK,
  'POST /api/saved-views': DESK,
  'DELETE /api/saved-views/:id': DESK,
  'POST /api/tickets/:id/viewing': DESK,
  'POST /api/tickets/:id/resolve-text': DESK,
  'GET /api/automations/rules': LEADS,
  'POST /api/automations/rules': LEADS,
  'PATCH /api/automations/rules/:id': LEADS,
  'DELETE /api/automations/rules/:id': LEADS,
  'GET /api/automations/settings': LEADS,
  'PUT /api/automations/settings': LEADS,
  'GET /api/translation/settings': LEADS,
  'PUT /api/translation/settings': OWNER,
  'GET /api/translation/preference': DESK,
  'PUT /api/translation/preference': DESK,
  'GET /api/tickets/:id/translations': DESK,
  'POST /api/tickets/:id/translate': DESK,
  'POST /api/tickets/:id/translate-draft': DESK,
  // coupons: everyone reads; the desk sends a coupon to a buyer; leads run programmes
  'GET /api/coupons/platform': EVERYONE,
  'POST /api/coupons/platform/sync': LEADS,
  'GET /api/coupons/programmes': EVERYONE,
  'POST /api/coupons/programmes': LEADS,
  'GET /api/coupons/programmes/:id': EVERYONE,
  'PATCH /api/coupons/programmes/:id': LEADS,
  'POST /api/coupons/programmes/run': LEADS,
  'GET /api/coupons/sendable': DESK,
  'POST /api/coupons/issue': DESK,
  'GET /api/coupons/buyers/:id/ledger': EVERYONE,
  // incidents (issue 18): the desk declares, reads and applies; leads approve, send, pause and close
  'GET /api/incidents': DESK,
  'POST /api/incidents': DESK,
  'POST /api/incidents/propose': LEADS,
  'GET /api/incidents/choices': DESK,
  'GET /api/incidents/for-ticket/:ticketId': DESK,
  'GET /api/incidents/:id': DESK,
  'PATCH /api/incidents/:id': DESK,
  'GET /api/incidents/:id/audience': DESK,
  'GET /api/incidents/:id/members': DESK,
  'GET /api/incidents/:id/preview': DESK,
  'POST /api/incidents/:id/test-send': DESK,
  'POST /api/incidents/:id/submit': DESK,
  'POST /api/incidents/:id/approve': LEADS,
  'POST /api/incidents/:id/send': LEADS,
  'POST /api/incidents/:id/pause': LEADS,
  'POST /api/incidents/:id/resume': LEADS,
  'POST /api/incidents/:id/cancel': LEADS,
  'POST /api/incidents/:id/delta': LEADS,
  'GET /api/incidents/:id/status': DESK,
  'POST /api/incidents/:id/close': LEADS,
  'POST /api/incidents/:id/apply': DESK,
  // incident lots (issue 18): leads import a lot CSV; the desk reads the lots when declaring
  'POST /api/incidents/lots/import': LEADS,
  'GET /api/incidents/lots': DESK,
  // analytics, exclusions, feedback tasks, annotations
  'GET /api/analytics/report': LEADS,
  'GET /api/analytics/weekly': LEADS,
  'GET /api/analytics/drilldown': LEADS,
  'GET /api/analytics/recommendations': LEADS,
  'GET /api/analytics/recommendations.csv': LEADS,
  'GET /api/analytics/reason-trends': LEADS,
  'GET /api/analytics/exclusions': LEADS,
  'POST /api/analytics/exclusions': LEADS,
  'POST /api/analytics/ads-reports': LEADS,
  'POST /api/analytics/fx-rates': OWNER,
  'POST /api/analytics/annotations': DESK,
  'GET /api/analytics/shop-health': LEADS,
  'GET /api/analytics/operations': LEADS,
  'PUT /api/analytics/shop-health/thresholds': OWNER,
  'GET /api/analytics/outcomes': LEADS,
  'PUT /api/analytics/settings': OWNER,
  'GET /api/analytics/reconciliation': LEADS,
  'GET /api/analytics/reconciliation.csv': LEADS,
  'GET /api/analytics/ad-campaigns': LEADS,
  'GET /api/shops/:shopId/tiktok-ads': LEADS,
  'PUT /api/shops/:shopId/tiktok-ads': OWNER,
  'DELETE /api/shops/:shopId/tiktok-ads': OWNER,
  'POST /api/shops/:shopId/tiktok-ads/import': LEADS,
  'GET /api/feedback-tasks': DESK,
  'POST /api/feedback-tasks': LEADS,
  'PATCH /api/feedback-tasks/:id': DESK,
  // buyer side: after-sales cards are printed by leads (the /p pages are the buyer's, see governed())
  'POST /api/portal/batches': LEADS,
  'POST /api/portal/preview': LEADS,
  'GET /api/portal/batches': LEADS,
  'POST /api/portal/orders/:orderId/revoke': LEADS,
  'GET /api/portal/buyers/:buyerId': DESK,
  // catalogue and product knowledge (issue 16, knowledge)
  'GET /api/catalogue/products': DESK,
  'GET /api/catalogue/products/:id': DESK,
  'POST /api/catalogue/shops/:shopId/sync': LEADS,
  'GET /api/catalogue/products/:id/knowledge': DESK,
  'PUT /api/catalogue/products/:id/knowledge': DESK,
  'DELETE /api/knowledge/entries/:id': LEADS,
  'GET /api/knowledge/entries/:id/versions': DESK,
  'GET /api/knowledge/tickets/:ticketId/suggestions': DESK,
  'POST /api/knowledge/entries/:id/uses': DESK,
  'GET /api/knowledge/gaps': LEADS,
  'POST /api/knowledge/gaps/tasks': LEADS,
  // issue 13 (workspace): a person confirms a machine-translated reply
  'POST /api/tickets/:id/messages/:messageId/review': DESK,
};

/** Routes the table governs; the web UI, its assets and the API docs are public by nature. */
export function governed(url: string): boolean {
  return url.startsWith('/api/') || url.startsWith('/webhooks/') || url === '/healthz';
}

export function accessKey(method: string, url: string): string {
  return `${method.toUpperCase()} ${url}`;
}

function check(req: FastifyRequest, access: Access): void {
  if (access === 'public' || access === 'webhook') return;
  if (!req.actor) throw AppError.unauthenticated();
  if (access === 'signed_in') return;
  if (access.self && (req.params as Record<string, string> | undefined)?.[access.self] === req.actor.userId) return;
  requireRole(req.actor, access.roles, `${req.method} ${req.routeOptions.url}`);
}

/**
 * Every governed route must have a rule (a route without one fails the boot, so a new route
 * cannot ship unguarded); the rule runs before validation.
 */
export function registerAccess(app: Http, table: Record<string, Access> = ROUTE_ACCESS): void {
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const m of methods) {
      if (m === 'HEAD' || !governed(route.url)) continue;
      if (!table[accessKey(m, route.url)]) throw new Error(`Route ${m} ${route.url} has no access rule in src/app/access.ts`);
    }
  });
  app.addHook('preValidation', async (req) => {
    const url = req.routeOptions.url;
    if (!url || !governed(url)) return;
    const access = table[accessKey(req.method === 'HEAD' ? 'GET' : req.method, url)];
    if (!access) throw new AppError('forbidden', 'auth.no_access_rule', `No access rule for ${req.method} ${url}`);
    check(req, access);
  });
}
