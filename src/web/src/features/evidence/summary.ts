import type { TFunction } from 'i18next';
import type { EvidenceRecordView } from '../../../../modules/evidence/evidence.dto';
import { formatMoney } from '../../lib/money';

/**
 * An evidence record's summary in the reader's language, from its summary key and values (the
 * stored English summary is what a record without a key shows). Statuses and priorities are worded
 * as the inbox words them; money in the reader's locale.
 */
export function readableSummary(r: Pick<EvidenceRecordView, 'summary' | 'summaryKey' | 'summaryParams'>, t: TFunction, lang: string): string | null {
  if (!r.summaryKey) return null;
  const p = r.summaryParams;
  const v: Record<string, string> = {};
  for (const [k, x] of Object.entries(p)) if (x !== null && x !== undefined) v[k] = String(x);
  if (r.summaryKey === 'refund' && typeof p.amount === 'number' && typeof p.currency === 'string') v.amount = formatMoney(p.amount, p.currency, lang);
  if (r.summaryKey === 'coupon' && typeof p.value === 'number' && typeof p.currency === 'string') v.value = formatMoney(p.value, p.currency, lang);
  if (r.summaryKey === 'status') {
    v.from = t(`inbox:statuses.${p.from}`, { defaultValue: String(p.from) });
    v.to = t(`inbox:statuses.${p.to}`, { defaultValue: String(p.to) });
  }
  if (r.summaryKey === 'priority') {
    v.from = t(`inbox:priorities.${p.from}`, { defaultValue: String(p.from) });
    v.to = t(`inbox:priorities.${p.to}`, { defaultValue: String(p.to) });
  }
  if (r.summaryKey === 'reship') return t(p.apologyCard ? 'evidence:summaries.reshipCard' : 'evidence:summaries.reship');
  const out = t(`evidence:summaries.${r.summaryKey}`, { ...v, defaultValue: '' });
  return out || null;
}
