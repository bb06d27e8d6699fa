import { actorOf, errors, type Http } from '../../platform/http.js';
import { AgencyOverview } from './agency.dto.js';
import type { AgencyService } from './agency.service.js';

export function agencyRoutes(app: Http, svc: AgencyService): void {
  app.get(
    '/api/agency/overview',
    {
      schema: {
        operationId: 'agency.overview',
        tags: ['agency'],
        summary: 'Counts across the organisations this login belongs to',
        description: 'Open tickets, SLA at risk and breached, returns and approvals waiting, per organisation, each computed inside that organisation (and the membership’s brand limit). Counts only.',
        response: { 200: AgencyOverview, ...errors() },
      },
    },
    async (req) => ({ items: await svc.overview(req.loginId!, actorOf(req).orgId) }),
  );
}
