import { useQuery } from '@tanstack/react-query';
import { api } from '../../lib/api';

// Shapes from the server's contract (type-only: nothing of the server is bundled).
export type { IncidentView, AudienceView, StatusView, MemberView, DeclareBody, UpdateBody, CloseBody, LotImportView, LotList } from '../../../../modules/incidents/incidents.dto';
import type { AudienceView, IncidentView, LotList, MemberView, StatusView } from '../../../../modules/incidents/incidents.dto';

export interface Choices {
  products: { productId: string; name: string; lines: number }[];
  sources: { type: string; id: string; name: string | null; lines: number }[];
  coupons: { id: string; title: string; faceValue: number; currency: string }[];
}
export interface Preview {
  items: { language: string; template: string | null; text: string | null; unknownVariables: string[]; sampleBuyer: string | null }[];
}
export interface Banner {
  items: { incidentId: string; title: string; status: string; language: string; text: string | null; compensation: IncidentView['compensation']; applied: boolean }[];
}

export const LANGS = ['en', 'de', 'fr', 'it', 'es'] as const;
export const CHANNELS = ['tiktok_chat', 'email', 'whatsapp'] as const;

export const incidentKeys = {
  all: ['incidents'] as const,
  list: ['incidents', 'list'] as const,
  one: (id: string) => ['incidents', 'one', id] as const,
  audience: (id: string) => ['incidents', 'audience', id] as const,
  status: (id: string) => ['incidents', 'status', id] as const,
  preview: (id: string) => ['incidents', 'preview', id] as const,
  members: (id: string) => ['incidents', 'members', id] as const,
  choices: (shopId: string) => ['incidents', 'choices', shopId] as const,
  banner: (ticketId: string) => ['incidents', 'banner', ticketId] as const,
  lots: (shopId: string) => ['incidents', 'lots', shopId] as const,
};

export const useIncidents = () => useQuery({ queryKey: incidentKeys.list, queryFn: ({ signal }) => api.get<{ items: IncidentView[] }>('/api/incidents?limit=100', { signal }).then((r) => r.items) });
export const useIncident = (id: string) => useQuery({ queryKey: incidentKeys.one(id), queryFn: ({ signal }) => api.get<IncidentView>(`/api/incidents/${id}`, { signal }) });
export const useAudience = (id: string, enabled = true) => useQuery({ queryKey: incidentKeys.audience(id), enabled, queryFn: ({ signal }) => api.get<AudienceView>(`/api/incidents/${id}/audience`, { signal }) });
export const useMembers = (id: string) => useQuery({ queryKey: incidentKeys.members(id), queryFn: ({ signal }) => api.get<{ items: MemberView[]; nextCursor: string | null }>(`/api/incidents/${id}/members?limit=50`, { signal }) });
export const usePreview = (id: string) => useQuery({ queryKey: incidentKeys.preview(id), queryFn: ({ signal }) => api.get<Preview>(`/api/incidents/${id}/preview`, { signal }) });
/**
 * Progress is live while the outreach runs: the live channel (`incident` events, lib/live.ts)
 * refetches it as steps finish; a slow poll stays as the fallback (a dropped stream, a proxy).
 */
export const useStatus = (id: string, live: boolean) => useQuery({ queryKey: incidentKeys.status(id), queryFn: ({ signal }) => api.get<StatusView>(`/api/incidents/${id}/status`, { signal }), refetchInterval: live ? 15_000 : false });
export const useChoices = (shopId: string | null) => useQuery({ queryKey: incidentKeys.choices(shopId ?? ''), enabled: !!shopId, queryFn: ({ signal }) => api.get<Choices>(`/api/incidents/choices?shopId=${encodeURIComponent(shopId!)}`, { signal }) });
export const useBanner = (ticketId: string) => useQuery({ queryKey: incidentKeys.banner(ticketId), queryFn: ({ signal }) => api.get<Banner>(`/api/incidents/for-ticket/${ticketId}`, { signal }) });
export const useLots = (shopId: string | null) => useQuery({ queryKey: incidentKeys.lots(shopId ?? ''), enabled: !!shopId, queryFn: ({ signal }) => api.get<LotList>(`/api/incidents/lots?shopId=${encodeURIComponent(shopId!)}`, { signal }).then((r) => r.items) });
