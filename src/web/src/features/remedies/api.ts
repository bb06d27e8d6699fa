import { useQuery } from '@tanstack/react-query';
import { api } from '../../lib/api';

export const CATEGORIES = ['logistics_question', 'minor_flaw', 'not_as_described', 'size_fit', 'colour_difference', 'severe_damage', 'wrong_item', 'missing_item', 'changed_mind', 'other'] as const;
export type Category = (typeof CATEGORIES)[number];

export interface Economics {
  currency: string;
  paid: number;
  itemCost: number;
  returnShipping: number;
  outboundShipping: number;
  expectedResale: number;
  buyerLifetimeValue: number;
  sellerPaysReturn: boolean;
}

export interface QuoteOption {
  key: string;
  tier: 1 | 2 | 3;
  kind: 'information' | 'partial_refund' | 'reship' | 'full_refund' | 'return_refund';
  refundAmount: number;
  coupon: { amount: number; minSpend: number; validDays: number; vip: boolean } | null;
  reship: boolean;
  apologyCard: boolean;
  givenValue: number;
  netCost: number;
  percentOfPaid: number;
  needsApproval: boolean;
  check: { reason: string };
}

export interface Quote {
  category: Category;
  suggestion: { category: Category; matched: string[]; confidence: number } | null;
  faultOwner: string;
  economics: Economics;
  startTier: number;
  recommendedKey: string;
  options: QuoteOption[];
}

export interface RemedyView {
  id: string;
  ticketId: string | null;
  returnId: string | null;
  orderId: string;
  category: Category;
  optionKey: string;
  kind: QuoteOption['kind'];
  tier: number;
  currency: string;
  paidBase: number;
  refundAmount: number;
  coupon: { code: string | null; amount: number; currency: string; status: string } | null;
  reship: boolean;
  apologyCard: boolean;
  givenValue: number;
  economics: Economics;
  status: 'proposed' | 'pending_approval' | 'rejected' | 'executing' | 'attention' | 'completed' | 'abandoned';
  proposedBy: string;
  limitCheck: string;
  approvalReason: string | null;
  decisionNote: string | null;
  failedStep: string | null;
  steps: { step: string; status: string; attempts: number; lastError: string | null }[];
  createdAt: string;
}

export const remedyKeys = {
  list: (status?: string) => ['remedies', 'list', status ?? 'all'] as const,
  one: (id: string) => ['remedies', id] as const,
};

export const useRemedies = (status?: string) =>
  useQuery({ queryKey: remedyKeys.list(status), queryFn: ({ signal }) => api.get<{ items: RemedyView[] }>(`/api/remedies${status ? `?status=${status}` : ''}`, { signal }).then((r) => r.items) });
