import { useQuery } from '@tanstack/react-query';
import { api } from '../../lib/api';

// The shapes come from the server's contract (type-only imports: nothing of the server is bundled).
export type { LedgerView, PlatformCouponView, ProgrammeView, ProgrammeDetail, ProgrammeReportView, CreateProgrammeBody, PlatformCouponList, LedgerList } from '../../../../modules/coupons/coupons.dto';
import type { LedgerList, PlatformCouponList, ProgrammeDetail, ProgrammeView } from '../../../../modules/coupons/coupons.dto';

export const couponKeys = {
  programmes: ['coupons', 'programmes'] as const,
  programme: (id: string) => ['coupons', 'programme', id] as const,
  platform: (shopId: string) => ['coupons', 'platform', shopId] as const,
  ledger: (buyerId: string) => ['coupons', 'ledger', buyerId] as const,
};

export const useProgrammes = () => useQuery({ queryKey: couponKeys.programmes, queryFn: ({ signal }) => api.get<{ items: ProgrammeView[] }>('/api/coupons/programmes', { signal }).then((r) => r.items), refetchInterval: 30_000 });
export const useProgramme = (id: string | null) =>
  useQuery({ queryKey: couponKeys.programme(id ?? ''), enabled: !!id, queryFn: ({ signal }) => api.get<ProgrammeDetail>(`/api/coupons/programmes/${id}`, { signal }), refetchInterval: 30_000 });
export const usePlatformCoupons = (shopId: string | null) =>
  useQuery({ queryKey: couponKeys.platform(shopId ?? ''), enabled: !!shopId, queryFn: ({ signal }) => api.get<PlatformCouponList>(`/api/coupons/platform?shopId=${encodeURIComponent(shopId!)}`, { signal }) });
export const useBuyerLedger = (buyerId: string | null) =>
  useQuery({ queryKey: couponKeys.ledger(buyerId ?? ''), enabled: !!buyerId, queryFn: ({ signal }) => api.get<LedgerList>(`/api/coupons/buyers/${buyerId}/ledger`, { signal }).then((r) => r.items) });
