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
      // Amount and currency side by side (remedies, returns) or as one money value (older records).
      const money = data.amount as { amount?: unknown; currency?: unknown } | null | undefined;
      const amount = num(data.amount) ?? (typeof money === 'object' && money ? num(money.amount) : null);
      const currency = str(data.currency) ?? (typeof money === 'object' && money ? str(money.currency) : null);
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

type Template = (p: SummaryParams, money: (a: number, c: string) => string) => string;
type SummaryLanguage = 'en' | 'zh-CN' | 'de' | 'fr' | 'it' | 'es';

/** The pack's wording of a summary key in every pack language; an unknown language keeps the English summary. */
const TEMPLATES: Record<SummaryLanguage, Record<string, Template>> = {
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
  de: {
    buyer_message: () => 'Nachricht des Käufers',
    reply: () => 'Antwort an den Käufer',
    note: () => 'Interne Notiz',
    refund: (p, m) => `Erstattung über ${m(Number(p.amount), String(p.currency))} veranlasst`,
    remedy_offered: (p) => `Lösung angeboten (${p.option})`,
    remedy_approved: () => 'Lösung genehmigt',
    remedy_given: (p) => `Lösung abgeschlossen (${p.option})`,
    reship: (p) => (p.apologyCard ? 'Ersatzsendung mit Entschuldigungskarte an das Lager übergeben' : 'Ersatzsendung an das Lager übergeben'),
    coupon: (p, m) => `Gutschein im Wert von ${p.currency ? m(Number(p.value), String(p.currency)) : p.value}`,
    platform_decision: (p) => `Plattformanfrage ${p.request}: ${p.decision}${p.reason ? ` (${p.reason})` : ''}`,
    priority: (p) => `Priorität ${p.from} → ${p.to}`,
    automation: (p) => `Automatisierungen angewendet: ${p.rules}`,
    status: (p) => `Status ${p.from} → ${p.to}`,
  },
  fr: {
    buyer_message: () => "Message de l'acheteur",
    reply: () => "Réponse à l'acheteur",
    note: () => 'Note interne',
    refund: (p, m) => `Remboursement de ${m(Number(p.amount), String(p.currency))} effectué`,
    remedy_offered: (p) => `Solution proposée (${p.option})`,
    remedy_approved: () => 'Solution approuvée',
    remedy_given: (p) => `Solution réalisée (${p.option})`,
    reship: (p) => (p.apologyCard ? "Renvoi confié à l'entrepôt avec une carte d'excuses" : "Renvoi confié à l'entrepôt"),
    coupon: (p, m) => `Bon de réduction d'une valeur de ${p.currency ? m(Number(p.value), String(p.currency)) : p.value}`,
    platform_decision: (p) => `Demande plateforme ${p.request} : ${p.decision}${p.reason ? ` (${p.reason})` : ''}`,
    priority: (p) => `Priorité ${p.from} → ${p.to}`,
    automation: (p) => `Automatisations appliquées : ${p.rules}`,
    status: (p) => `Statut ${p.from} → ${p.to}`,
  },
  it: {
    buyer_message: () => "Messaggio dell'acquirente",
    reply: () => "Risposta all'acquirente",
    note: () => 'Nota interna',
    refund: (p, m) => `Rimborso di ${m(Number(p.amount), String(p.currency))} inviato`,
    remedy_offered: (p) => `Soluzione proposta (${p.option})`,
    remedy_approved: () => 'Soluzione approvata',
    remedy_given: (p) => `Soluzione completata (${p.option})`,
    reship: (p) => (p.apologyCard ? 'Sostituzione affidata al magazzino con un biglietto di scuse' : 'Sostituzione affidata al magazzino'),
    coupon: (p, m) => `Buono del valore di ${p.currency ? m(Number(p.value), String(p.currency)) : p.value}`,
    platform_decision: (p) => `Richiesta della piattaforma ${p.request}: ${p.decision}${p.reason ? ` (${p.reason})` : ''}`,
    priority: (p) => `Priorità ${p.from} → ${p.to}`,
    automation: (p) => `Automazioni applicate: ${p.rules}`,
    status: (p) => `Stato ${p.from} → ${p.to}`,
  },
  es: {
    buyer_message: () => 'Mensaje del comprador',
    reply: () => 'Respuesta al comprador',
    note: () => 'Nota interna',
    refund: (p, m) => `Reembolso de ${m(Number(p.amount), String(p.currency))} enviado`,
    remedy_offered: (p) => `Solución ofrecida (${p.option})`,
    remedy_approved: () => 'Solución aprobada',
    remedy_given: (p) => `Solución completada (${p.option})`,
    reship: (p) => (p.apologyCard ? 'Reposición entregada al almacén con una tarjeta de disculpa' : 'Reposición entregada al almacén'),
    coupon: (p, m) => `Cupón por valor de ${p.currency ? m(Number(p.value), String(p.currency)) : p.value}`,
    platform_decision: (p) => `Solicitud de la plataforma ${p.request}: ${p.decision}${p.reason ? ` (${p.reason})` : ''}`,
    priority: (p) => `Prioridad ${p.from} → ${p.to}`,
    automation: (p) => `Automatizaciones aplicadas: ${p.rules}`,
    status: (p) => `Estado ${p.from} → ${p.to}`,
  },
};

const isSummaryLanguage = (l: string): l is SummaryLanguage => Object.prototype.hasOwnProperty.call(TEMPLATES, l);

export function renderSummary(s: SummaryKey | null, fallback: string, lang: string, money: (amount: number, currency: string) => string): string {
  if (!s || !isSummaryLanguage(lang)) return fallback;
  const make = TEMPLATES[lang][s.key];
  return make ? make(s.params, money) : fallback;
}
