import type { EvidenceActor, EvidenceKind } from './evidence.dto.js';

/*
 * Evidence summaries in the reader's language. The English summary a record was written with stays
 * as it is (append-only, part of the hashed record); beside it each record carries a summary key and
 * its values, taken from the record's own kind and data. New records store them when written; old
 * ones get the same from the same rule when read. Readers (the web UI, a pack in its chosen
 * language) word the key; a record no rule knows keeps its English summary.
 */

export type SummaryParams = Record<string, string | number | null>;
export interface SummaryKey {
  key: string;
  params: SummaryParams;
}

const str = (v: unknown): string | null => (typeof v === 'string' && v ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

export function summaryKeyFor(kind: EvidenceKind, actor: EvidenceActor, data: Record<string, unknown>): SummaryKey | null {
  const text = str(data.text);
  switch (kind) {
    // The words themselves stay in the record's data (shown beside the summary, erased with it):
    // a key's values never carry personal text.
    case 'message':
      if (!text) return null;
      return { key: actor.type === 'buyer' || data.direction === 'inbound' ? 'buyer_message' : 'reply', params: {} };
    case 'note':
      return text ? { key: 'note', params: {} } : null;
    case 'refund': {
      const amount = num(data.amount);
      const currency = str(data.currency);
      return amount !== null && currency ? { key: 'refund', params: { amount, currency } } : null;
    }
    case 'remedy_offered': {
      const option = data.option as { key?: unknown } | undefined;
      return str(option?.key) ? { key: 'remedy_offered', params: { option: str(option!.key) } } : null;
    }
    case 'remedy_approved':
      return { key: 'remedy_approved', params: {} };
    case 'remedy_given':
      return str(data.optionKey) ? { key: 'remedy_given', params: { option: str(data.optionKey) } } : null;
    case 'reship':
      return { key: 'reship', params: { apologyCard: data.apologyCard === true ? 1 : 0 } };
    case 'coupon': {
      const value = num(data.faceValue);
      return value !== null ? { key: 'coupon', params: { value, currency: str(data.currency) } } : null;
    }
    case 'status_change': {
      if (str(data.decision) && str(data.externalId)) return { key: 'platform_decision', params: { decision: str(data.decision), request: str(data.externalId), reason: str(data.rejectReason) } };
      if (str(data.priorityFrom) && str(data.priorityTo)) return { key: 'priority', params: { from: str(data.priorityFrom), to: str(data.priorityTo) } };
      const auto = data.automation as { fired?: { name?: unknown }[] } | undefined;
      if (auto?.fired?.length) return { key: 'automation', params: { rules: auto.fired.map((f) => String(f.name ?? '')).join(', ') } };
      if (str(data.from) && str(data.to)) return { key: 'status', params: { from: str(data.from), to: str(data.to) } };
      return null;
    }
    default:
      return null;
  }
}

/** The pack's wording of a summary key (en and zh-CN; other pack languages keep the English summary). */
const TEMPLATES: Record<'en' | 'zh-CN', Record<string, (p: SummaryParams, money: (a: number, c: string) => string) => string>> = {
  en: {
    buyer_message: () => 'Buyer message',
    reply: () => 'Reply to the buyer',
    note: () => 'Internal note',
    refund: (p, m) => `Refund of ${m(Number(p.amount), String(p.currency))} sent`,
    remedy_offered: (p) => `Remedy offered (${p.option})`,
    remedy_approved: () => 'Remedy approved',
    remedy_given: (p) => `Remedy completed (${p.option})`,
    reship: (p) => (p.apologyCard ? 'Replacement released to the warehouse with an apology card' : 'Replacement released to the warehouse'),
    coupon: (p, m) => `Coupon worth ${p.currency ? m(Number(p.value), String(p.currency)) : p.value}`,
    platform_decision: (p) => `Platform request ${p.request}: ${p.decision}${p.reason ? ` (${p.reason})` : ''}`,
    priority: (p) => `Priority ${p.from} → ${p.to}`,
    automation: (p) => `Automations applied: ${p.rules}`,
    status: (p) => `Status ${p.from} → ${p.to}`,
  },
  'zh-CN': {
    buyer_message: () => '买家留言',
    reply: () => '回复买家',
    note: () => '内部备注',
    refund: (p, m) => `已退款 ${m(Number(p.amount), String(p.currency))}`,
    remedy_offered: (p) => `提出补救方案（${p.option}）`,
    remedy_approved: () => '补救方案已批准',
    remedy_given: (p) => `补救方案已完成（${p.option}）`,
    reship: (p) => (p.apologyCard ? '补发商品已交仓库（附致歉卡）' : '补发商品已交仓库'),
    coupon: (p, m) => `优惠券，面值 ${p.currency ? m(Number(p.value), String(p.currency)) : p.value}`,
    platform_decision: (p) => `平台申请 ${p.request}：${p.decision}${p.reason ? `（${p.reason}）` : ''}`,
    priority: (p) => `优先级 ${p.from} → ${p.to}`,
    automation: (p) => `已执行自动化规则：${p.rules}`,
    status: (p) => `状态 ${p.from} → ${p.to}`,
  },
};

export function renderSummary(s: SummaryKey | null, fallback: string, lang: string, money: (amount: number, currency: string) => string): string {
  if (!s || (lang !== 'en' && lang !== 'zh-CN')) return fallback;
  const make = TEMPLATES[lang][s.key];
  return make ? make(s.params, money) : fallback;
}
