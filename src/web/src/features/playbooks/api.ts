import { useQuery } from '@tanstack/react-query';
import { api } from '../../lib/api';

// Shapes from the server's contract (type-only imports: nothing of the server is bundled).
export type { MacroView, MacroVersionView } from '../../../../modules/helpdesk/helpdesk.dto';
export type { ProcedureView, ProcedureVersionView, TicketProcedureView, NoticeView, NoticeReportView, ProductOptionView, SaveProcedure, NoticeRunView } from '../../../../modules/playbooks/playbooks.dto';
import type { MacroVersionView, MacroView } from '../../../../modules/helpdesk/helpdesk.dto';
import type { NoticeReportView, NoticeView, ProcedureVersionView, ProcedureView, ProductOptionView, TicketProcedureView } from '../../../../modules/playbooks/playbooks.dto';

export const PROBLEM_CATEGORIES = ['logistics_question', 'minor_flaw', 'not_as_described', 'size_fit', 'colour_difference', 'severe_damage', 'wrong_item', 'missing_item', 'changed_mind', 'other'] as const;
export const BUYER_LANGS = ['en', 'de', 'fr', 'it', 'es'] as const;

export const pbKeys = {
  macros: ['playbooks', 'macros'] as const,
  macroVersions: (id: string) => ['playbooks', 'macro-versions', id] as const,
  variables: ['playbooks', 'variables'] as const,
  procedures: ['playbooks', 'procedures'] as const,
  procedureVersions: (c: string) => ['playbooks', 'procedure-versions', c] as const,
  ticket: (id: string) => ['playbooks', 'ticket', id] as const,
  notices: ['playbooks', 'notices'] as const,
  products: (shopId: string) => ['playbooks', 'products', shopId] as const,
  report: (id: string) => ['playbooks', 'report', id] as const,
};

export const useAllMacros = () => useQuery({ queryKey: pbKeys.macros, queryFn: ({ signal }) => api.get<{ items: MacroView[] }>('/api/macros?includeInactive=true', { signal }).then((r) => r.items) });
export const useMacroVersions = (id: string | null) =>
  useQuery({ queryKey: pbKeys.macroVersions(id ?? ''), enabled: !!id, queryFn: ({ signal }) => api.get<{ items: MacroVersionView[] }>(`/api/macros/${id}/versions`, { signal }).then((r) => r.items) });
export const useVariables = () => useQuery({ queryKey: pbKeys.variables, queryFn: ({ signal }) => api.get<{ items: { name: string }[] }>('/api/macros/variables', { signal }).then((r) => r.items.map((v) => v.name)), staleTime: 10 * 60_000 });
export const useProcedures = () => useQuery({ queryKey: pbKeys.procedures, queryFn: ({ signal }) => api.get<{ items: ProcedureView[] }>('/api/procedures', { signal }).then((r) => r.items) });
export const useProcedureVersions = (category: string | null) =>
  useQuery({ queryKey: pbKeys.procedureVersions(category ?? ''), enabled: !!category, queryFn: ({ signal }) => api.get<{ items: ProcedureVersionView[] }>(`/api/procedures/${category}/versions`, { signal }).then((r) => r.items) });
export const useTicketProcedure = (ticketId: string, category: string | null) =>
  useQuery({
    queryKey: [...pbKeys.ticket(ticketId), category ?? ''],
    queryFn: ({ signal }) => api.get<TicketProcedureView>(`/api/tickets/${ticketId}/procedure${category ? `?category=${category}` : ''}`, { signal }),
  });
export const useNotices = () => useQuery({ queryKey: pbKeys.notices, queryFn: ({ signal }) => api.get<{ items: NoticeView[] }>('/api/notices', { signal }).then((r) => r.items) });
export const useProducts = (shopId: string | null) =>
  useQuery({ queryKey: pbKeys.products(shopId ?? ''), enabled: !!shopId, queryFn: ({ signal }) => api.get<{ items: ProductOptionView[] }>(`/api/notices/products?shopId=${encodeURIComponent(shopId!)}`, { signal }).then((r) => r.items) });
export const useNoticeReport = (id: string | null) =>
  useQuery({ queryKey: pbKeys.report(id ?? ''), enabled: !!id, queryFn: ({ signal }) => api.get<NoticeReportView>(`/api/notices/${id}/report`, { signal }) });

export interface ShopLite {
  id: string;
  name: string;
}
export const useShopList = () => useQuery({ queryKey: ['shops'], queryFn: ({ signal }) => api.get<{ items: ShopLite[] }>('/api/shops', { signal }).then((r) => r.items) });
export interface UserLite {
  id: string;
  name: string;
  role: string;
}
export const useTeamList = () => useQuery({ queryKey: ['users'], queryFn: ({ signal }) => api.get<{ items: UserLite[] }>('/api/users', { signal }).then((r) => r.items) });

/** Staff text in the reader's language (zh-CN when written, else English). */
export function local(text: Record<string, string> | null | undefined, lang: string): string {
  if (!text) return '';
  return (lang.startsWith('zh') ? text['zh-CN'] : undefined) ?? text.en ?? Object.values(text)[0] ?? '';
}

const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g;
/** Placeholders in a text the resolver does not know (flagged while typing; the server says the same on save). */
export function unknownIn(text: string, known: string[]): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(PLACEHOLDER)) if (!known.includes(m[1]!) && !out.includes(m[1]!)) out.push(m[1]!);
  return out;
}
