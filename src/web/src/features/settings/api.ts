import { useQuery } from '@tanstack/react-query';
import { api } from '../../lib/api';
import type { UserView } from '../../lib/session';
import type { Brand, ShopView, SlaAttainmentRow, SlaPolicy } from './types';

export const keys = {
  shops: ['shops'] as const,
  brands: ['brands'] as const,
  users: ['users'] as const,
  holidays: (shopId: string, year: number) => ['shops', shopId, 'holidays', year] as const,
  slaPolicies: ['sla', 'policies'] as const,
  slaAttainment: (from: string, to: string, shopId: string | null) => ['sla', 'attainment', from, to, shopId] as const,
};

export const useShops = () => useQuery({ queryKey: keys.shops, queryFn: ({ signal }) => api.get<{ items: ShopView[] }>('/api/shops', { signal }).then((r) => r.items) });
export const useBrands = () => useQuery({ queryKey: keys.brands, queryFn: ({ signal }) => api.get<{ items: Brand[] }>('/api/brands', { signal }).then((r) => r.items) });
export const useUsers = () => useQuery({ queryKey: keys.users, queryFn: ({ signal }) => api.get<{ items: UserView[] }>('/api/users', { signal }).then((r) => r.items) });
export const useHolidays = (shopId: string, year: number) =>
  useQuery({
    queryKey: keys.holidays(shopId, year),
    queryFn: ({ signal }) => api.get<{ year: number; items: { date: string; name: string }[] }>(`/api/shops/${encodeURIComponent(shopId)}/holidays?year=${year}`, { signal }),
  });
export const useSlaPolicies = () =>
  useQuery({ queryKey: keys.slaPolicies, queryFn: ({ signal }) => api.get<{ items: SlaPolicy[] }>('/api/sla/policies', { signal }).then((r) => r.items) });
export const useSlaAttainment = (from: string, to: string, shopId: string | null) =>
  useQuery({
    queryKey: keys.slaAttainment(from, to, shopId),
    queryFn: ({ signal }) => {
      const q = new URLSearchParams({ from, to, ...(shopId ? { shopId } : {}) });
      return api.get<{ items: SlaAttainmentRow[] }>(`/api/sla/attainment?${q}`, { signal }).then((r) => r.items);
    },
  });
