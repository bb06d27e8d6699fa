import { useQuery } from '@tanstack/react-query';
import type { AccountView, SecuritySettingsView, SessionView, TotpSetupView, MemberResetView } from '../../../../modules/auth/auth.account.dto.js';
import type { AuditEventView } from '../../../../modules/audit/audit.dto.js';
import type { ApiTokenView, WebhookDeliveryView, WebhookEndpointView } from '../../../../modules/integrations/integrations.dto.js';
import { api } from '../../lib/api';

export type { AccountView, SecuritySettingsView, SessionView, TotpSetupView, MemberResetView, AuditEventView, ApiTokenView, WebhookDeliveryView, WebhookEndpointView };

export const ACCOUNT_KEY = ['account'] as const;
export const keys = {
  sessions: ['account', 'sessions'] as const,
  security: ['security', 'settings'] as const,
  tokens: ['integrations', 'tokens'] as const,
  webhooks: ['integrations', 'webhooks'] as const,
  deliveries: (id: string) => ['integrations', 'webhooks', id, 'deliveries'] as const,
  audit: ['audit'] as const,
};

export function useAccount() {
  return useQuery({ queryKey: ACCOUNT_KEY, queryFn: ({ signal }) => api.get<AccountView>('/api/account', { signal }), staleTime: 30_000 });
}

export function useSessions() {
  return useQuery({ queryKey: keys.sessions, queryFn: ({ signal }) => api.get<{ items: SessionView[] }>('/api/account/sessions', { signal }).then((r) => r.items) });
}

/** The scopes an API token can have and the events a webhook can subscribe to: the server's own lists. */
export { TOKEN_SCOPES, SUBSCRIBABLE_EVENTS as WEBHOOK_EVENTS } from '../../../../modules/integrations/integrations.dto.js';
