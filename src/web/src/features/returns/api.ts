import { useQuery } from '@tanstack/react-query';
import { api, UI_HEADERS } from '../../lib/api';

export const GRADES = ['as_new', 'opened', 'damaged', 'not_ours', 'empty_box'] as const;
export type Grade = (typeof GRADES)[number];

// The shapes come from the server's contract (type-only imports: nothing of the server is bundled).
export type { ReturnLineView as ReturnLine, ReturnView, CycleStatsView as CycleStats } from '../../../../modules/returns/returns.dto';
import type { ReturnView, CycleStatsView as CycleStats } from '../../../../modules/returns/returns.dto';
import type { Page } from '../../../../platform/pagination.dto';

export const returnKeys = {
  list: (status?: string) => ['returns', 'list', status ?? 'all'] as const,
  one: (id: string) => ['returns', id] as const,
};

export const useReturns = (status?: string) =>
  useQuery({ queryKey: returnKeys.list(status), queryFn: ({ signal }) => api.get<Page<ReturnView>>(`/api/returns${status ? `?status=${status}` : ''}`, { signal }).then((r) => r.items) });
export const useReturn = (id: string) => useQuery({ queryKey: returnKeys.one(id), queryFn: ({ signal }) => api.get<ReturnView>(`/api/returns/${encodeURIComponent(id)}`, { signal }) });

/** "3 d 4 h" style durations, short enough for a table cell. */
export function formatDuration(ms: number, t: (k: string, o?: Record<string, unknown>) => string): string {
  const m = Math.round(ms / 60_000);
  const d = Math.floor(m / 1440);
  const h = Math.floor((m % 1440) / 60);
  const min = m % 60;
  if (d > 0) return t('duration.dh', { d, h });
  if (h > 0) return t('duration.hm', { h, m: min });
  return t('duration.m', { m: min });
}

export async function uploadPhoto(file: File): Promise<string> {
  const fd = new FormData();
  fd.append('file', file);
  const res = await fetch('/api/evidence/files', { method: 'POST', body: fd, credentials: 'same-origin', headers: UI_HEADERS });
  const body = (await res.json()) as { sha256?: string; message?: string };
  if (!res.ok || !body.sha256) throw new Error(body.message ?? `upload failed (${res.status})`);
  return body.sha256;
}

export const useCycleStats = (days = 30) =>
  useQuery({ queryKey: ['returns', 'cycle-stats', days], queryFn: ({ signal }) => api.get<CycleStats>(`/api/returns/cycle-stats?days=${days}`, { signal }) });
