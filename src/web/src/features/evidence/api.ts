import { useQuery } from '@tanstack/react-query';
import { api } from '../../lib/api';

export const EVIDENCE_KINDS = ['message', 'note', 'attachment', 'remedy_offered', 'remedy_approved', 'remedy_given', 'refund', 'coupon', 'reship', 'tracking', 'inspection', 'classification', 'responsibility', 'status_change', 'policy_snapshot', 'order_snapshot'] as const;
export type EvidenceKind = (typeof EVIDENCE_KINDS)[number];
export const DISPUTE_REASONS = ['item_not_received', 'not_as_described', 'damaged', 'unauthorised', 'refund_not_received', 'account_appeal'] as const;
export type DisputeReason = (typeof DISPUTE_REASONS)[number];
export const PACK_LANGUAGES = ['en', 'de', 'fr', 'it', 'es', 'zh-CN'] as const;
export type PackLanguage = (typeof PACK_LANGUAGES)[number];
export type PackSection = 'customer_communication' | 'shipping_documentation' | 'refund_policy' | 'product_description' | 'uncategorised';

// The shapes come from the server's contract (type-only imports: nothing of the server is bundled).
export type { CaseSummary, StoredFile, PackCheck } from '../../../../modules/evidence/evidence.dto';
export type { EvidenceRecordView as EvidenceRecord, VerifyAnswer as VerifyResult } from '../../../../modules/evidence/evidence.dto';
import type { CaseSummary, StoredFile, PackCheck, EvidenceRecordView as EvidenceRecord } from '../../../../modules/evidence/evidence.dto';
import type { Page } from '../../../../platform/pagination.dto';

export const keys = {
  cases: ['evidence', 'cases'] as const,
  timeline: (caseId: string) => ['evidence', 'cases', caseId] as const,
  check: (caseId: string, reason: string, language: string) => ['evidence', 'cases', caseId, 'check', reason, language] as const,
};

export const useCases = () => useQuery({ queryKey: keys.cases, queryFn: ({ signal }) => api.get<Page<CaseSummary>>('/api/evidence/cases', { signal }).then((r) => r.items) });

export const useTimeline = (caseId: string) =>
  useQuery({ queryKey: keys.timeline(caseId), queryFn: ({ signal }) => api.get<{ caseId: string; records: EvidenceRecord[]; files: StoredFile[] }>(`/api/evidence/cases/${encodeURIComponent(caseId)}`, { signal }) });

export const usePackCheck = (caseId: string, reason: DisputeReason, language: PackLanguage) =>
  useQuery({
    queryKey: keys.check(caseId, reason, language),
    queryFn: ({ signal }) => api.get<PackCheck>(`/api/evidence/cases/${encodeURIComponent(caseId)}/pack/check?reason=${reason}&language=${encodeURIComponent(language)}`, { signal }),
  });

export const fileUrl = (sha256: string) => `/api/evidence/files/${sha256}`;
export const packUrl = (caseId: string, reason: DisputeReason, language: PackLanguage) =>
  `/api/evidence/cases/${encodeURIComponent(caseId)}/pack?reason=${reason}&language=${encodeURIComponent(language)}`;
