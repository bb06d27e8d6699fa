import type { Database } from '../../platform/db.js';
import { runInShopScope } from '../../platform/scope.js';
import type { AuthService } from '../auth/index.js';
import { openTicketCount } from '../helpdesk/index.js';
import { approvalsWaitingCount } from '../remedies/index.js';
import { returnsWaitingCount } from '../returns/index.js';
import { slaRiskCounts } from '../sla/index.js';
import { shopIdsOfBrands } from '../tenancy/index.js';
import type { AgencyOrgCounts } from './agency.dto.js';

export interface AgencyDeps {
  db: Database;
  auth: AuthService;
}

/**
 * The agency overview: for every organisation a login belongs to, a few counts. Each
 * organisation's counts come from its own tenant transaction, in that membership's brand scope
 * (set explicitly for each one, so the scope of the request that asked never carries over).
 */
export function createAgencyService({ db, auth }: AgencyDeps) {
  return {
    async overview(loginId: string, currentOrgId: string): Promise<AgencyOrgCounts[]> {
      const members = await auth.memberships(loginId, currentOrgId);
      const out: AgencyOrgCounts[] = [];
      for (const m of members) {
        const scope = m.brandIds ? await runInShopScope(null, () => db.tenant(m.id, (tx) => shopIdsOfBrands(tx, m.id, m.brandIds!))) : null;
        const counts = await runInShopScope(scope, () =>
          db.tenant(m.id, async (tx) => {
            const sla = await slaRiskCounts(tx, m.id);
            return {
              openTickets: await openTicketCount(tx, m.id),
              slaAtRisk: sla.atRisk,
              slaBreached: sla.breached,
              returnsWaiting: await returnsWaitingCount(tx, m.id),
              approvalsWaiting: await approvalsWaitingCount(tx, m.id),
            };
          }),
        );
        out.push({ id: m.id, name: m.name, kind: m.kind, role: m.role, brandLimited: m.brandLimited, current: m.current, ...counts });
      }
      return out;
    },
  };
}

export type AgencyService = ReturnType<typeof createAgencyService>;
