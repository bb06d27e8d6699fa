import { useQuery } from '@tanstack/react-query';
import { api } from '../../lib/api';
import type { EntryVersionList, GapReport, KnowledgeEntryView, ProductListItem, ProductView, SuggestionsView } from '../../../../modules/knowledge/knowledge.dto';
import type { Page } from '../../../../platform/pagination.dto';
import type { z } from 'zod';

export type { GapReport, GapView, KnowledgeEntryView, ProductListItem, ProductView, SaveEntry, SuggestionsView, SuggestionView, KnowledgeField, KnowledgeLanguage, Topic } from '../../../../modules/knowledge/knowledge.dto';
// The server's own lists and body schema (a pure contract, so it may come in as a value).
export { KNOWLEDGE_FIELDS, KNOWLEDGE_LANGUAGES, SaveEntry as SaveEntryBody } from '../../../../modules/knowledge/knowledge.dto';

export const knowledgeKeys = {
  products: (shopId: string | null, q: string) => ['catalogue', 'products', shopId, q] as const,
  product: (id: string) => ['catalogue', 'product', id] as const,
  entries: (id: string) => ['catalogue', 'entries', id] as const,
  versions: (id: string) => ['knowledge', 'versions', id] as const,
  suggestions: (ticketId: string) => ['knowledge', 'suggestions', ticketId] as const,
  gaps: (shopId: string, days: number) => ['knowledge', 'gaps', shopId, days] as const,
};

export const useProducts = (shopId: string | null, q: string) =>
  useQuery({
    queryKey: knowledgeKeys.products(shopId, q),
    queryFn: ({ signal }) => api.get<Page<ProductListItem>>(`/api/catalogue/products?limit=200${shopId ? `&shopId=${encodeURIComponent(shopId)}` : ''}${q ? `&q=${encodeURIComponent(q)}` : ''}`, { signal }),
  });
export const useProduct = (id: string) => useQuery({ queryKey: knowledgeKeys.product(id), queryFn: ({ signal }) => api.get<ProductView>(`/api/catalogue/products/${id}`, { signal }) });
export const useEntries = (id: string) => useQuery({ queryKey: knowledgeKeys.entries(id), queryFn: ({ signal }) => api.get<{ items: KnowledgeEntryView[] }>(`/api/catalogue/products/${id}/knowledge`, { signal }).then((r) => r.items) });
export const useVersions = (entryId: string | null) =>
  useQuery({ queryKey: knowledgeKeys.versions(entryId ?? ''), enabled: !!entryId, queryFn: ({ signal }) => api.get<z.infer<typeof EntryVersionList>>(`/api/knowledge/entries/${entryId}/versions`, { signal }).then((r) => r.items) });
export const useSuggestions = (ticketId: string) => useQuery({ queryKey: knowledgeKeys.suggestions(ticketId), queryFn: ({ signal }) => api.get<SuggestionsView>(`/api/knowledge/tickets/${ticketId}/suggestions`, { signal }) });
export const useGaps = (shopId: string | null, days: number) =>
  useQuery({ queryKey: knowledgeKeys.gaps(shopId ?? '', days), enabled: !!shopId, queryFn: ({ signal }) => api.get<GapReport>(`/api/knowledge/gaps?shopId=${encodeURIComponent(shopId!)}&days=${days}`, { signal }) });
