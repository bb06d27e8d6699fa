import { useQuery } from '@tanstack/react-query';
import { api } from '../../lib/api';
import type { OperationsView, OutcomesView, ReconView, ShopHealthView, DrillView, ExclusionView, FeedbackTaskView, ReasonTrendRow, RecommendationView, ReportView, WeeklyView } from '../../../../modules/analytics/analytics.dto';
import type { Page } from '../../../../platform/pagination.dto';

export type { OutcomesView, ReconView, DrillView, ExclusionView, FeedbackTaskView, RateRow, ReasonTrendRow, RecommendationView, ReportView, WeeklyView } from '../../../../modules/analytics/analytics.dto';

export interface Filters {
  shopId: string | null;
  market: string | null;
  sourceType: string | null;
  from: string;
  to: string;
}

const qs = (o: Record<string, string | null | undefined>) => {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(o)) if (v) q.set(k, v);
  return q.toString();
};

export const analyticsKeys = {
  all: ['analytics'] as const,
  report: (by: string, f: Filters) => ['analytics', 'report', by, f] as const,
  weekly: (f: Filters, sourceId?: string) => ['analytics', 'weekly', f, sourceId ?? null] as const,
  drill: (shopId: string, sourceType: string, sourceId: string, f: Filters) => ['analytics', 'drill', shopId, sourceType, sourceId, f] as const,
  trends: (f: Filters) => ['analytics', 'trends', f] as const,
  exclusions: ['analytics', 'exclusions'] as const,
  recommendations: (f: Filters) => ['analytics', 'recommendations', f] as const,
  tasks: ['feedback-tasks'] as const,
};

export const useReport = (by: string, f: Filters) =>
  useQuery({ queryKey: analyticsKeys.report(by, f), queryFn: ({ signal }) => api.get<ReportView>(`/api/analytics/report?${qs({ by, shopId: f.shopId, market: f.market, sourceType: f.sourceType, from: f.from, to: f.to })}`, { signal }) });
export const useWeekly = (f: Filters, source?: { sourceType: string; sourceId: string; shopId: string }) =>
  useQuery({
    queryKey: analyticsKeys.weekly(f, source ? `${source.shopId}:${source.sourceType}:${source.sourceId}` : undefined),
    queryFn: ({ signal }) => api.get<WeeklyView>(`/api/analytics/weekly?${qs({ shopId: source?.shopId ?? f.shopId, sourceType: source?.sourceType ?? f.sourceType, sourceId: source?.sourceId, from: f.from, to: f.to })}`, { signal }),
  });
export const useDrill = (shopId: string, sourceType: string, sourceId: string, f: Filters) =>
  useQuery({ enabled: !!shopId && !!sourceType, queryKey: analyticsKeys.drill(shopId, sourceType, sourceId, f), queryFn: ({ signal }) => api.get<DrillView>(`/api/analytics/drilldown?${qs({ shopId, sourceType, sourceId, from: f.from, to: f.to })}`, { signal }).then((r) => r.items) });
export const useTrends = (f: Filters) =>
  useQuery({ queryKey: analyticsKeys.trends(f), queryFn: ({ signal }) => api.get<{ items: ReasonTrendRow[] }>(`/api/analytics/reason-trends?${qs({ shopId: f.shopId, from: f.from, to: f.to })}`, { signal }).then((r) => r.items) });
export const useExclusions = () => useQuery({ queryKey: analyticsKeys.exclusions, queryFn: ({ signal }) => api.get<{ items: ExclusionView[] }>('/api/analytics/exclusions', { signal }).then((r) => r.items) });
export const useRecommendations = (f: Filters) =>
  useQuery({ queryKey: analyticsKeys.recommendations(f), queryFn: ({ signal }) => api.get<{ items: RecommendationView[] }>(`/api/analytics/recommendations?${qs({ shopId: f.shopId, from: f.from, to: f.to })}`, { signal }).then((r) => r.items) });
export const useTasks = () => useQuery({ queryKey: analyticsKeys.tasks, queryFn: ({ signal }) => api.get<Page<FeedbackTaskView>>('/api/feedback-tasks?limit=100', { signal }).then((r) => r.items) });

export const useShopHealth = () => useQuery({ queryKey: ['analytics', 'health'], queryFn: ({ signal }) => api.get<{ items: ShopHealthView[] }>('/api/analytics/shop-health', { signal }).then((r) => r.items) });
export const useOperations = (f: Filters) =>
  useQuery({ queryKey: ['analytics', 'operations', f], queryFn: ({ signal }) => api.get<OperationsView>(`/api/analytics/operations?${qs({ shopId: f.shopId, from: f.from, to: f.to })}`, { signal }) });

export const useOutcomes = (f: Filters) =>
  useQuery({ queryKey: ['analytics', 'outcomes', f], queryFn: ({ signal }) => api.get<OutcomesView>(`/api/analytics/outcomes?${qs({ shopId: f.shopId, from: f.from, to: f.to })}`, { signal }) });
export const useReconciliation = (f: Filters, status: string | null) =>
  useQuery({ queryKey: ['analytics', 'reconciliation', f, status], queryFn: ({ signal }) => api.get<ReconView>(`/api/analytics/reconciliation?${qs({ shopId: f.shopId, from: f.from, to: f.to, status })}`, { signal }) });
export const reconciliationCsvUrl = (f: Filters) => `/api/analytics/reconciliation.csv?${qs({ shopId: f.shopId, from: f.from, to: f.to })}`;

export const recommendationsCsvUrl = (f: Filters) => `/api/analytics/recommendations.csv?${qs({ shopId: f.shopId, from: f.from, to: f.to })}`;

/** A table as CSV in the browser (every table on the page can be exported). */
export function downloadCsv(name: string, header: string[], rows: (string | number | boolean | null)[][]): void {
  const cell = (v: string | number | boolean | null) => {
    const s = v === null ? '' : String(v);
    return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  const text = [header, ...rows].map((r) => r.map(cell).join(',')).join('\n') + '\n';
  const a = document.createElement('a');
  a.href = URL.createObjectURL(new Blob([text], { type: 'text/csv;charset=utf-8' }));
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
}
