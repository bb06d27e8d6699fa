import { useQuery } from '@tanstack/react-query';
import { api } from '../../lib/api';

export const EVIDENCE_KINDS = ['message', 'note', 'attachment', 'remedy_offered', 'remedy_approved', 'remedy_given', 'refund', 'coupon', 'reship', 'tracking', 'inspection', 'classification', 'responsibility', 'status_change', 'policy_snapshot', 'order_snapshot'] as const;
export type EvidenceKind = (typeof EVIDENCE_KINDS)[number];
export const DISPUTE_REASONS = ['item_not_received', 'not_as_described', 'damaged', 'unauthorised', 'refund_not_received', 'account_appeal'] as const;
export type DisputeReason = (typeof DISPUTE_REASONS)[number];
export const PACK_LANGUAGES = ['en', 'de', 'fr', 'it', 'es', 'zh-CN'] as const;
export type PackLanguage = (typeof PACK_LANGUAGES)[number];
export type PackSection = 'customer_communication' | 'shipping_documentation' | 'refund_policy' | 'product_description' | 'uncategorised';

export interface CaseSummary {
  caseId: string;
  caseType: 'ticket' | 'return' | 'dispute';
  records: number;
  files: number;
  firstAt: string;
  lastAt: string;
  lastSummary: string;
}

export interface EvidenceRecord {
  id: string;
  seq: number;
  caseId: string;
  kind: EvidenceKind;
  actor: { type: 'user' | 'buyer' | 'system' | 'platform'; id?: string; name?: string };
  occurredAt: string;
  summary: string;
  data: Record<string, unknown>;
  fileSha256s: string[];
  responsibility: 'seller' | 'carrier' | 'buyer' | 'platform' | null;
  section: PackSection;
  hash: string;
}

export interface StoredFile {
  sha256: string;
  contentType: string;
  size: number;
  thumbnailSha256?: string;
}

export interface PackCheck {
  caseId: string;
  reason: DisputeReason;
  ready: boolean;
  warnings: { code: string; kind: EvidenceKind; section: PackSection; message: string }[];
  sections: Record<PackSection, { records: number; files: number }>;
}

export interface VerifyResult {
  ok: boolean;
  records: number;
  files: number;
  checkpoints: number;
  headSeq: number;
  headHash: string;
  broken: { recordId?: string; seq?: number; problem: string; message: string; sha256?: string } | null;
}

export const keys = {
  cases: ['evidence', 'cases'] as const,
  timeline: (caseId: string) => ['evidence', 'cases', caseId] as const,
  check: (caseId: string, reason: string, language: string) => ['evidence', 'cases', caseId, 'check', reason, language] as const,
};

export const useCases = () => useQuery({ queryKey: keys.cases, queryFn: ({ signal }) => api.get<{ cases: CaseSummary[] }>('/api/evidence/cases', { signal }).then((r) => r.cases) });

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
