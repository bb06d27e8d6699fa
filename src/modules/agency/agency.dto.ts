import { z } from 'zod';
import { ROLES } from '../../platform/tenancy.js';

/** One organisation of the login in the agency overview: counts only. */
export const AgencyOrgCounts = z.object({
  id: z.string().describe('the organisation; switch to it with POST /api/auth/switch'),
  name: z.string(),
  kind: z.enum(['seller', 'agency']),
  role: z.enum(ROLES),
  brandLimited: z.boolean(),
  current: z.boolean(),
  openTickets: z.number().int(),
  slaAtRisk: z.number().int(),
  slaBreached: z.number().int(),
  returnsWaiting: z.number().int(),
  approvalsWaiting: z.number().int(),
});
export type AgencyOrgCounts = z.infer<typeof AgencyOrgCounts>;

export const AgencyOverview = z.object({ items: z.array(AgencyOrgCounts) });
export type AgencyOverview = z.infer<typeof AgencyOverview>;
