import {keepPreviousData, useQuery, useQueryClient } from '@tanstack/react-query';
import type { MacroView, MessageView, TicketView, AttachmentRef, Channel, TicketStatus, Priority } from '../../../../modules/helpdesk/helpdesk.dto.js';
import type { ClockView } from '../../../../modules/sla/sla.dto.js';
import type { OrderSidebarView } from '../../../../modules/orders/orders.dto.js';
import type { UserView } from '../../lib/session';
import { api, ApiError, UI_HEADERS } from '../../lib/api';

export type { MacroView, MessageView, TicketView, AttachmentRef, Channel, TicketStatus, Priority, ClockView, OrderSidebarView };

export const CHANNELS: readonly Channel[] = ['tiktok_chat', 'tiktok_return_request', 'email', 'whatsapp', 'livestream', 'video_comment', 'self_service'];
export const SETTABLE_STATUSES: readonly TicketStatus[] = ['open', 'waiting_on_buyer', 'waiting_on_warehouse', 'waiting_on_platform', 'solved', 'closed'];
export const PRIORITIES: readonly Priority[] = ['low', 'normal', 'high', 'urgent'];
export const LIVE_STATUSES: readonly TicketStatus[] = ['new', 'open', 'waiting_on_buyer', 'waiting_on_warehouse', 'waiting_on_platform'];

/** A rail entry, kept in the URL as `?view=…` so a reload or a shared link lands on the same list. */
export type ViewKey = 'mine' | 'unassigned' | 'open' | 'breached' | 'waiting_on_platform' | `queue:${string}` | `status:${TicketStatus}` | `channel:${Channel}` | `shop:${string}` | `saved:${string}`;

export function viewQuery(view: ViewKey): string {
  const p = new URLSearchParams({ limit: '100' });
  if (view.startsWith('saved:')) {
    // A saved view carries its filter as a query string (`view=open&channel=email`).
    for (const [k, v] of new URLSearchParams(view.slice(6))) if (['view', 'queue', 'status', 'shopId', 'channel', 'tag'].includes(k)) p.set(k, v);
  } else if (view.startsWith('channel:')) {
    p.set('view', 'open');
    p.set('channel', view.slice(8));
  } else if (view.startsWith('shop:')) {
    p.set('view', 'open');
    p.set('shopId', view.slice(5));
  } else if (view.startsWith('queue:')) {
    p.set('view', 'queue');
    p.set('queue', view.slice(6));
  } else if (view.startsWith('status:')) {
    p.set('view', 'status');
    p.set('status', view.slice(7));
  } else p.set('view', view);
  return p.toString();
}

export type { CountsView as Counts, TicketSidebarView as Sidebar, SearchHit, RenderedMacroView as RenderedMacro } from '../../../../modules/helpdesk/helpdesk.dto.js';
import type { CountsView as Counts, TicketSidebarView as Sidebar, SearchHit, RenderedMacroView as RenderedMacro } from '../../../../modules/helpdesk/helpdesk.dto.js';

// New tickets and SLA changes arrive by polling; the countdowns tick locally in between.
const LIST_POLL_MS = 10_000;

export const inboxKeys = {
  all: ['inbox'] as const,
  list: (view: ViewKey) => ['inbox', 'list', view] as const,
  counts: ['inbox', 'counts'] as const,
  ticket: (id: string) => ['inbox', 'ticket', id] as const,
  sidebar: (id: string) => ['inbox', 'sidebar', id] as const,
  clocks: (id: string) => ['inbox', 'clocks', id] as const,
  search: (q: string) => ['inbox', 'search', q] as const,
};

export function useTicketList(view: ViewKey) {
  return useQuery({
    queryKey: inboxKeys.list(view),
    queryFn: ({ signal }) => api.get<{ items: TicketView[]; nextCursor: string | null }>(`/api/tickets?${viewQuery(view)}`, { signal }),
    refetchInterval: LIST_POLL_MS,
    placeholderData: keepPreviousData,
  });
}

export function useCounts() {
  return useQuery({ queryKey: inboxKeys.counts, queryFn: ({ signal }) => api.get<Counts>('/api/tickets/counts', { signal }), refetchInterval: LIST_POLL_MS });
}

export function useTicket(id: string | undefined) {
  return useQuery({
    queryKey: inboxKeys.ticket(id ?? ''),
    queryFn: ({ signal }) => api.get<{ ticket: TicketView; messages: MessageView[] }>(`/api/tickets/${encodeURIComponent(id!)}`, { signal }),
    enabled: !!id,
    refetchInterval: LIST_POLL_MS,
  });
}

export function useSidebar(id: string | undefined) {
  return useQuery({
    queryKey: inboxKeys.sidebar(id ?? ''),
    queryFn: ({ signal }) => api.get<Sidebar>(`/api/tickets/${encodeURIComponent(id!)}/sidebar`, { signal }),
    enabled: !!id,
    staleTime: 30_000,
  });
}

export function useClocks(id: string | undefined) {
  return useQuery({
    queryKey: inboxKeys.clocks(id ?? ''),
    queryFn: ({ signal }) => api.get<{ items: ClockView[] }>(`/api/sla/tickets/${encodeURIComponent(id!)}/clocks`, { signal }),
    enabled: !!id,
    refetchInterval: LIST_POLL_MS,
  });
}

export function useSearch(q: string) {
  return useQuery({
    queryKey: inboxKeys.search(q),
    queryFn: ({ signal }) => api.get<{ items: SearchHit[] }>(`/api/tickets/search?${new URLSearchParams({ q, limit: '50' })}`, { signal }),
    enabled: q.trim().length > 0,
    placeholderData: keepPreviousData,
  });
}

export function useMacros() {
  return useQuery({ queryKey: ['inbox', 'macros'], queryFn: ({ signal }) => api.get<{ items: MacroView[] }>('/api/macros', { signal }), staleTime: 5 * 60_000 });
}

/** The team for the assignee picker; agents may not list users (403), they get "assign to me" only. */
export function useTeam(enabled: boolean) {
  return useQuery({ queryKey: ['inbox', 'team'], queryFn: ({ signal }) => api.get<{ items: UserView[] }>('/api/users', { signal }), enabled, staleTime: 5 * 60_000, retry: false });
}

export function renderMacro(macroId: string, ticketId: string) {
  return api.post<RenderedMacro>(`/api/macros/${encodeURIComponent(macroId)}/render`, { ticketId });
}

/** Multipart upload; the JSON client does not do forms. */
export async function uploadAttachment(ticketId: string, file: File): Promise<AttachmentRef> {
  const form = new FormData();
  form.append('file', file, file.name);
  const res = await fetch(`/api/tickets/${encodeURIComponent(ticketId)}/attachments`, { method: 'POST', body: form, credentials: 'same-origin', headers: UI_HEADERS });
  const body = (await res.json().catch(() => ({}))) as AttachmentRef & { code?: string; message?: string; details?: Record<string, unknown> };
  if (!res.ok) throw new ApiError(res.status, body.code ?? `http.${res.status}`, body.message ?? res.statusText, body.details);
  return body;
}

export function fileUrl(sha256: string): string {
  return `/api/evidence/files/${sha256}`;
}

/** Every change to a ticket refreshes the lists, counts, thread and clocks it may have moved. */
export function useTicketMutation<I, O>(ticketId: string, fn: (input: I) => Promise<O>) {
  const qc = useQueryClient();
  return useApiMutation({
    mutationFn: fn,
    onSuccess: async () => {
      await Promise.all([
        qc.invalidateQueries({ queryKey: inboxKeys.ticket(ticketId) }),
        qc.invalidateQueries({ queryKey: inboxKeys.clocks(ticketId) }),
        qc.invalidateQueries({ queryKey: ['inbox', 'list'] }),
        qc.invalidateQueries({ queryKey: inboxKeys.counts }),
      ]);
    },
  });
}

export type BulkAction =
  | { kind: 'status'; status: TicketStatus }
  | { kind: 'priority'; priority: Priority }
  | { kind: 'assign'; assigneeId: string | null }
  | { kind: 'tags'; add?: string[]; remove?: string[] };
export type BulkResult = { ticketId: string; ok: true } | { ticketId: string; ok: false; code: string; kind: string; message: string };

/** The server's batch limit; select-all never sends more. */
export const BULK_MAX = 100;

export function bulkAction(ticketIds: string[], action: BulkAction) {
  return api.post<{ results: BulkResult[] }>('/api/tickets/bulk', { ticketIds, action });
}

export function mergeTickets(targetId: string, sourceTicketIds: string[]) {
  return api.post<TicketView>(`/api/tickets/${encodeURIComponent(targetId)}/merge`, { sourceTicketIds });
}

/** After a change to several tickets: every list, the counts and any open thread may have moved. */
export function useRefreshInbox() {
  const qc = useQueryClient();
  return () => qc.invalidateQueries({ queryKey: inboxKeys.all });
}

// ---------- workspace (issue 13): saved views, presence, variables, translation ----------

export type { SavedViewView, SavedViewFilter, ViewersView, ResolvedTextView } from '../../../../modules/helpdesk/helpdesk.dto.js';
import type { SavedViewView, SavedViewFilter, ViewersView, ResolvedTextView } from '../../../../modules/helpdesk/helpdesk.dto.js';
import type { TranslationView } from '../../../../modules/translation/translation.dto.js';
import { useApiMutation } from '../../lib/mutation';
export type { TranslationView };

/** The list filter a view key stands for, as a saved view stores it. */
export function filterOf(view: ViewKey): SavedViewFilter {
  const q = new URLSearchParams(viewQuery(view));
  const f: Record<string, string> = {};
  for (const k of ['view', 'queue', 'status', 'shopId', 'channel', 'tag']) {
    const v = q.get(k);
    if (v) f[k] = v;
  }
  return f as unknown as SavedViewFilter;
}

export function savedKey(filter: SavedViewFilter): ViewKey {
  return `saved:${new URLSearchParams(Object.entries(filter).filter(([, v]) => v) as [string, string][]).toString()}`;
}

export function useSavedViews() {
  return useQuery({ queryKey: ['inbox', 'saved-views'], queryFn: ({ signal }) => api.get<{ items: SavedViewView[] }>('/api/saved-views', { signal }), staleTime: 60_000 });
}

export function useShops() {
  return useQuery({ queryKey: ['inbox', 'shops'], queryFn: ({ signal }) => api.get<{ items: { id: string; name: string }[] }>('/api/shops', { signal }), staleTime: 5 * 60_000 });
}

/** Heartbeat while the ticket is open: answers (and the live channel refreshes) who else has it open. */
export function useViewers(ticketId: string) {
  return useQuery({
    queryKey: ['inbox', 'viewers', ticketId],
    queryFn: () => api.post<ViewersView>(`/api/tickets/${encodeURIComponent(ticketId)}/viewing`, {}),
    refetchInterval: 20_000,
  });
}

export function resolveText(ticketId: string, text: string, variables?: Record<string, string>) {
  return api.post<ResolvedTextView>(`/api/tickets/${encodeURIComponent(ticketId)}/resolve-text`, { text, ...(variables ? { variables } : {}) });
}

/** People who can be @mentioned in a note. */
export function useAgents() {
  return useQuery({ queryKey: ['inbox', 'agents'], queryFn: ({ signal }) => api.get<{ items: { id: string; name: string; role: string }[] }>('/api/helpdesk/agents', { signal }), staleTime: 5 * 60_000 });
}

export function useTranslationPreference() {
  return useQuery({ queryKey: ['translation', 'pref'], queryFn: ({ signal }) => api.get<{ alwaysTranslate: boolean }>('/api/translation/preference', { signal }), staleTime: 5 * 60_000 });
}

export function useTranslations(ticketId: string, target: string) {
  return useQuery({ queryKey: ['inbox', 'translations', ticketId, target], queryFn: ({ signal }) => api.get<{ items: TranslationView[] }>(`/api/tickets/${encodeURIComponent(ticketId)}/translations?target=${encodeURIComponent(target)}`, { signal }) });
}

/** Placeholders a text still carries (what the server would refuse to send). */
export function placeholders(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/\{\{\s*([^{}]*?)\s*\}\}/g)) if (!out.includes(m[1]!)) out.push(m[1]!);
  return out;
}
