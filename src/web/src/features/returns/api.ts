import { useQuery } from '@tanstack/react-query';
import { api, UI_HEADERS } from '../../lib/api';

export const GRADES = ['as_new', 'opened', 'damaged', 'not_ours', 'empty_box'] as const;
export type Grade = (typeof GRADES)[number];

export interface ReturnLine {
  id: string;
  orderLineId: string;
  sku: string;
  productName: string;
  category: string | null;
  unitPrice: number;
  paid: number;
  restockingFee: number;
  couponClawback: number;
  refund: number;
}

export interface ReturnView {
  id: string;
  rma: string;
  shopId: string;
  orderId: string;
  ticketId: string | null;
  platformReturnId: string | null;
  channel: 'tiktok' | 'self_service' | 'agent';
  status: string;
  resolution: 'refund' | 'exchange' | 'no_refund';
  reason: { code: string; label: string; faultOwner: string; version: number; path: string[] } | null;
  buyerNote: string | null;
  photos: string[];
  language: string;
  policy: { windowDays: number; noReasonReturns: boolean; returnShippingPaidBy: string; restockingFeePercent: number; refundTrigger: string; finalSaleCategories: string[] };
  refundTrigger: 'on_request' | 'on_receipt' | 'on_inspection_pass';
  currency: string;
  refundTotal: number;
  couponRule: { applied: boolean; note: string } | null;
  trackingNumber: string | null;
  lines: ReturnLine[];
  receipt: { at: string | null; by: string | null };
  inspection: { at: string | null; by: string | null; grade: Grade | null; passed: boolean | null; note: string | null; photos: string[] };
  refund: { status: 'not_due' | 'pending' | 'sent' | 'failed' | 'not_applicable' | 'platform_refunded' | 'held' | 'cancelled'; remedyId: string | null; at: string | null; platformRefundedAt: string | null; failedStep: string | null };
  appeal: { status: 'open' | 'won' | 'lost'; deadline: string | null } | null;
  payoutHold: { reason: string; since: string } | null;
  exchange: { sku: string; label: string; status: string; fallback: string | null } | null;
  cycleTime: { totalMs: number | null; steps: { step: string; ms: number }[]; slowest: { step: string; ms: number } | null };
  requestedAt: string;
  closedAt: string | null;
}

export const returnKeys = {
  list: (status?: string) => ['returns', 'list', status ?? 'all'] as const,
  one: (id: string) => ['returns', id] as const,
};

export const useReturns = (status?: string) =>
  useQuery({ queryKey: returnKeys.list(status), queryFn: ({ signal }) => api.get<{ items: ReturnView[] }>(`/api/returns${status ? `?status=${status}` : ''}`, { signal }).then((r) => r.items) });
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

export interface CycleStats {
  days: number;
  count: number;
  medianMs: number | null;
  p90Ms: number | null;
  slowestSteps: { step: string; count: number }[];
  meanByStep: { step: string; ms: number }[];
}
export const useCycleStats = (days = 30) =>
  useQuery({ queryKey: ['returns', 'cycle-stats', days], queryFn: ({ signal }) => api.get<CycleStats>(`/api/returns/cycle-stats?days=${days}`, { signal }) });
