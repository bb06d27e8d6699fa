import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { api } from '../../lib/api';
import { formatterFor } from '../../lib/format';
import type { ConnectionView } from '../../../../integrations/tiktok/tiktok.dto.js';
import type { ItemEconomicsView, RemedySettingsView } from '../../../../modules/remedies/remedies.dto.js';
import type { ExchangeStockView, ReasonTreeVersionView, ReasonTreeView } from '../../../../modules/returns/returns.dto.js';
import type { AgentView } from '../../../../modules/helpdesk/helpdesk.dto.js';
import type { OutboxView } from '../../../../platform/outbox/outbox.dto.js';

export type { ConnectionView, ItemEconomicsView, RemedySettingsView, ExchangeStockView, ReasonTreeVersionView, ReasonTreeView, AgentView, OutboxView };

export const setupKeys = {
  connections: ['tiktok', 'connections'] as const,
  remedySettings: (shopId: string) => ['remedy-settings', shopId] as const,
  itemEconomics: (shopId: string) => ['item-economics', shopId] as const,
  exchangeStock: (shopId: string) => ['exchange-stock', shopId] as const,
  reasons: (version: number | null) => ['returns', 'reasons', version] as const,
  reasonVersions: ['returns', 'reasons', 'versions'] as const,
  agents: ['helpdesk', 'agents'] as const,
  schedule: (userId: string) => ['helpdesk', 'agents', userId, 'schedule'] as const,
  outbox: (status: string) => ['outbox', status] as const,
};

/** `follow`: refresh every few seconds (right after an authorisation, while the first sync runs). */
export const useConnections = (follow = false) =>
  useQuery({
    queryKey: setupKeys.connections,
    queryFn: ({ signal }) => api.get<{ items: ConnectionView[] }>('/api/tiktok/connections', { signal }).then((r) => r.items),
    refetchInterval: follow ? 3_000 : false,
  });

export const useRemedySettings = (shopId: string) =>
  useQuery({ queryKey: setupKeys.remedySettings(shopId), queryFn: ({ signal }) => api.get<RemedySettingsView>(`/api/shops/${encodeURIComponent(shopId)}/remedy-settings`, { signal }) });

export const useItemEconomics = (shopId: string) =>
  useQuery({ queryKey: setupKeys.itemEconomics(shopId), queryFn: ({ signal }) => api.get<{ items: ItemEconomicsView[] }>(`/api/shops/${encodeURIComponent(shopId)}/item-economics`, { signal }).then((r) => r.items) });

export const useExchangeStock = (shopId: string) =>
  useQuery({ queryKey: setupKeys.exchangeStock(shopId), queryFn: ({ signal }) => api.get<{ items: ExchangeStockView[] }>(`/api/shops/${encodeURIComponent(shopId)}/exchange-stock`, { signal }).then((r) => r.items) });

export const useReasonTree = (version: number | null) =>
  useQuery({ queryKey: setupKeys.reasons(version), queryFn: ({ signal }) => api.get<ReasonTreeView>(`/api/returns/reasons${version ? `?version=${version}` : ''}`, { signal }) });

export const useReasonVersions = () =>
  useQuery({ queryKey: setupKeys.reasonVersions, queryFn: ({ signal }) => api.get<{ items: ReasonTreeVersionView[] }>('/api/returns/reasons/versions', { signal }).then((r) => r.items) });

export const useAgents = () => useQuery({ queryKey: setupKeys.agents, queryFn: ({ signal }) => api.get<{ items: AgentView[] }>('/api/helpdesk/agents', { signal }).then((r) => r.items) });

/** Outbox steps newest first, a page at a time ("Load more" fetches the next). */
export const useOutbox = (status: string) =>
  useInfiniteQuery({
    queryKey: setupKeys.outbox(status),
    initialPageParam: null as string | null,
    queryFn: ({ pageParam, signal }) => {
      const q = new URLSearchParams({ limit: '50', ...(status !== 'all' ? { status } : {}), ...(pageParam ? { cursor: pageParam } : {}) });
      return api.get<{ items: OutboxView[]; nextCursor: string | null }>(`/api/outbox?${q}`, { signal });
    },
    getNextPageParam: (last) => last.nextCursor,
  });

/** Dates and times in the person's UI language (the shared formatter, `lib/format.ts`). */
export function formatDateTime(iso: string | null | undefined, locale: string): string {
  return formatterFor(locale).dateTime(iso ?? null);
}
