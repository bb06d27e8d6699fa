import { useQuery } from '@tanstack/react-query';
import { api } from '../../lib/api';

export const CATEGORIES = ['logistics_question', 'minor_flaw', 'not_as_described', 'size_fit', 'colour_difference', 'severe_damage', 'wrong_item', 'missing_item', 'changed_mind', 'other'] as const;
export type Category = (typeof CATEGORIES)[number];

// The shapes come from the server's contract (type-only imports: nothing of the server is bundled).
export type { EconomicsView as Economics, QuoteOptionView as QuoteOption, QuoteView as Quote, RemedyView } from '../../../../modules/remedies/remedies.dto';
import type { RemedyView } from '../../../../modules/remedies/remedies.dto';
import type { Page } from '../../../../platform/pagination.dto';

export const remedyKeys = {
  list: (status?: string) => ['remedies', 'list', status ?? 'all'] as const,
  one: (id: string) => ['remedies', id] as const,
};

export const useRemedies = (status?: string) =>
  useQuery({ queryKey: remedyKeys.list(status), queryFn: ({ signal }) => api.get<Page<RemedyView>>(`/api/remedies${status ? `?status=${status}` : ''}`, { signal }).then((r) => r.items) });
