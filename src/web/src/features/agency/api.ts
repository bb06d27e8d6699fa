import {useQuery, useQueryClient } from '@tanstack/react-query';
import type { InvitationView, MembershipView, UserView } from '../../../../modules/auth/auth.dto.js';
import type { AgencyOrgCounts } from '../../../../modules/agency/agency.dto.js';
import { api } from '../../lib/api';
import { useApiMutation } from '../../lib/mutation';

export type { AgencyOrgCounts, InvitationView, MembershipView };

export const agencyKeys = {
  memberships: ['auth', 'organisations'] as const,
  overview: ['agency', 'overview'] as const,
  invitations: ['invitations'] as const,
};

/** The organisations the signed-in login belongs to (the switcher's list). */
export const useMemberships = () =>
  useQuery({ queryKey: agencyKeys.memberships, queryFn: ({ signal }) => api.get<{ items: MembershipView[] }>('/api/auth/organisations', { signal }).then((r) => r.items), staleTime: 60_000 });

export const useAgencyOverview = () => useQuery({ queryKey: agencyKeys.overview, queryFn: ({ signal }) => api.get<{ items: AgencyOrgCounts[] }>('/api/agency/overview', { signal }).then((r) => r.items) });

export const useInvitations = (enabled: boolean) =>
  useQuery({ queryKey: agencyKeys.invitations, enabled, queryFn: ({ signal }) => api.get<{ items: InvitationView[] }>('/api/invitations', { signal }).then((r) => r.items) });

/**
 * Work in another organisation, then open `to` there. Every cached answer and every open screen
 * belonged to the old one, so the cache is dropped and the app starts afresh (a full page load):
 * nothing of one organisation is ever shown in another.
 */
export function useSwitchOrganisation() {
  const qc = useQueryClient();
  return useApiMutation({
    mutationFn: ({ orgId }: { orgId: string; to: string }) => api.post<{ user: UserView }>('/api/auth/switch', { orgId }),
    onSuccess: (_r, { to }) => {
      qc.clear();
      window.location.assign(to);
    },
  });
}
