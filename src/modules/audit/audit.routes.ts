import { errors, actorOf, type Http } from '../../platform/http.js';
import { AuditActionsView, AuditPage, AuditQuery } from './audit.dto.js';
import { AUDIT_ACTIONS } from './audit.rules.js';
import type { AuditService } from './audit.service.js';

export function auditRoutes(app: Http, svc: AuditService): void {
  const tags = ['audit'];
  app.get(
    '/api/audit',
    {
      schema: {
        operationId: 'audit.list',
        tags,
        summary: 'The audit log: sign-ins, security, people and every settings change that moves money or promises (owners)',
        querystring: AuditQuery,
        response: { 200: AuditPage, ...errors() },
      },
    },
    async (req) => svc.list(actorOf(req), req.query),
  );
  app.get('/api/audit/actions', { schema: { operationId: 'audit.actions', tags, summary: 'The action names the audit log records (for its filter)', response: { 200: AuditActionsView, ...errors() } } }, async () => ({
    items: [...AUDIT_ACTIONS],
  }));
}
