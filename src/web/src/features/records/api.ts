import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { api } from '../../lib/api';
import type { LookupHitView, LookupKind, LookupResultView, RelatedView } from '../../../../modules/lookup/lookup.dto';
import type { BuyerSummaryView, BuyerView, OrderSidebarView, OrderSummaryView, PlatformReturnView } from '../../../../modules/orders/orders.dto';
import type { Page } from '../../../../platform/pagination.dto';

export type { LookupHitView, LookupKind, RelatedView, BuyerSummaryView, BuyerView, OrderSidebarView, OrderSummaryView, PlatformReturnView };

/** Ranked hits for what someone typed (two characters at least); `kind` narrows them for pickers. */
export function useLookup(q: string, kind?: LookupKind) {
  const term = q.trim();
  return useQuery({
    queryKey: ['lookup', kind ?? 'all', term],
    enabled: term.length >= 2,
    queryFn: ({ signal }): Promise<LookupHitView[]> => api.get<LookupResultView>(`/api/lookup?${new URLSearchParams({ q: term, ...(kind ? { kind } : {}) })}`, { signal }).then((r) => r.items),
  });
}

/** Where a hit lives in the UI. */
export function hitPath(h: LookupHitView): string {
  if (h.kind === 'order') return `/orders/${h.id}`;
  if (h.kind === 'return') return `/returns/${h.id}`;
  if (h.kind === 'ticket') return `/inbox/${h.id}`;
  return `/customers/${h.id}`;
}

export function useOrders(params: { q?: string; buyerId?: string }, cursor: string | null) {
  const p = new URLSearchParams({ limit: '25' });
  if (params.q) p.set('q', params.q);
  if (params.buyerId) p.set('buyerId', params.buyerId);
  if (cursor) p.set('cursor', cursor);
  return useQuery({ queryKey: ['orders', 'list', params.q ?? '', params.buyerId ?? '', cursor ?? ''], placeholderData: keepPreviousData, queryFn: ({ signal }) => api.get<Page<OrderSummaryView>>(`/api/orders?${p}`, { signal }) });
}

export function useBuyers(q: string, cursor: string | null) {
  const p = new URLSearchParams({ limit: '25' });
  if (q) p.set('q', q);
  if (cursor) p.set('cursor', cursor);
  return useQuery({ queryKey: ['buyers', 'list', q, cursor ?? ''], placeholderData: keepPreviousData, queryFn: ({ signal }) => api.get<Page<BuyerSummaryView>>(`/api/buyers?${p}`, { signal }) });
}

export const useOrderSidebar = (id: string | null | undefined) =>
  useQuery({ queryKey: ['orders', 'sidebar', id ?? ''], enabled: !!id, queryFn: ({ signal }) => api.get<OrderSidebarView>(`/api/orders/${encodeURIComponent(id!)}/sidebar`, { signal }) });
export const useBuyer = (id: string) => useQuery({ queryKey: ['buyers', id], queryFn: ({ signal }) => api.get<BuyerView>(`/api/buyers/${encodeURIComponent(id)}`, { signal }) });
export const useRelated = (by: { orderId?: string; buyerId?: string }) =>
  useQuery({
    queryKey: ['related', by.orderId ?? '', by.buyerId ?? ''],
    enabled: !!(by.orderId || by.buyerId),
    refetchInterval: 5_000,
    queryFn: ({ signal }) => api.get<RelatedView>(`/api/lookup/related?${new URLSearchParams(by.orderId ? { orderId: by.orderId } : { buyerId: by.buyerId! })}`, { signal }),
  });
export const usePlatformReturns = (by: { orderId?: string; buyerId?: string }) =>
  useQuery({
    queryKey: ['platform-returns', by.orderId ?? '', by.buyerId ?? ''],
    enabled: !!(by.orderId || by.buyerId),
    refetchInterval: 5_000,
    queryFn: ({ signal }) => api.get<Page<PlatformReturnView>>(`/api/platform-returns?${new URLSearchParams(by.orderId ? { orderId: by.orderId } : { buyerId: by.buyerId! })}`, { signal }).then((r) => r.items),
  });

import type { CaseLabelView, LabelsView } from '../../../../modules/lookup/lookup.dto';
export type { CaseLabelView };

const USER_ID = /\busr_[0-9a-z]{10,40}\b/g;

/** Words for case ids and the people named in texts (summaries that mention `usr_…`). */
export function useLabels(ids: string[], texts: string[] = []) {
  const people = texts.flatMap((x) => x.match(USER_ID) ?? []);
  const all = [...new Set([...ids, ...people])].filter(Boolean).sort().slice(0, 100);
  return useQuery({
    queryKey: ['lookup', 'labels', all.join(',')],
    enabled: all.length > 0,
    staleTime: 60_000,
    queryFn: ({ signal }) => api.get<LabelsView>(`/api/lookup/labels?ids=${encodeURIComponent(all.join(','))}`, { signal }),
  });
}

/** A text with every `usr_…` id that names someone of the organisation replaced by their name. */
export function withNames(text: string, labels: LabelsView | undefined): string {
  if (!labels) return text;
  const names = new Map(labels.people.map((p) => [p.id, p.name]));
  return text.replace(USER_ID, (id) => names.get(id) ?? id);
}

/** "Order 5800… · Lena G." — what a case is about, in the words people use. */
export function caseTitle(l: CaseLabelView | undefined, t: (k: string, o?: Record<string, unknown>) => string): string | null {
  if (!l) return null;
  const parts = [l.orderNumber ? t('cases.order', { number: l.orderNumber }) : null, l.buyerName].filter(Boolean);
  return parts.length ? parts.join(' · ') : null;
}
