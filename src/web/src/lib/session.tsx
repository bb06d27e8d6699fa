import { createContext, useContext, type ReactNode } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import type { UserView } from '../../../modules/auth/auth.dto.js';
import type { Role } from '../../../modules/auth/auth.dto.js';
import { api, isApiError } from './api';

export type { Role, UserView };
export const ROLES: readonly Role[] = ['owner', 'supervisor', 'agent', 'warehouse'];

export interface Organisation {
  id: string;
  name: string;
  kind: 'seller' | 'agency';
  defaultLocale: string;
}

export const ME_KEY = ['auth', 'me'] as const;

/** The signed-in user, or null when there is no valid session (401). */
export function useMeQuery() {
  return useQuery({
    queryKey: ME_KEY,
    queryFn: async ({ signal }) => {
      try {
        return (await api.get<{ user: UserView }>('/api/auth/me', { signal })).user;
      } catch (e) {
        if (isApiError(e) && e.status === 401) return null;
        throw e;
      }
    },
    retry: false,
    staleTime: 60_000,
  });
}

export function useOrganisation() {
  return useQuery({ queryKey: ['organisation'], queryFn: ({ signal }) => api.get<Organisation>('/api/organisation', { signal }), staleTime: 5 * 60_000 });
}

interface Session {
  user: UserView;
  /** Whether the user's role is one of `roles`. */
  can(roles: readonly Role[]): boolean;
}

const SessionContext = createContext<Session | null>(null);

export function SessionProvider({ user, children }: { user: UserView; children: ReactNode }) {
  const value: Session = { user, can: (roles) => roles.includes(user.role) };
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSession outside SessionProvider');
  return s;
}

export function useSetMe() {
  const qc = useQueryClient();
  return (user: UserView | null) => qc.setQueryData(ME_KEY, user);
}
