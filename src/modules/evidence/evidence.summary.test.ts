import { describe, expect, it } from 'vitest';
import { renderSummary, summaryKeyFor } from './evidence.summary.js';

const user = { type: 'user' as const, id: 'usr_1' };
const money = (a: number, c: string) => `${c} ${(a / 100).toFixed(2)}`;

describe('evidence summaries as a key and values', () => {
  it('known kinds give a key from their data; personal text never goes into the values', () => {
    expect(summaryKeyFor('status_change', user, { from: 'open', to: 'solved', reason: null })).toEqual({ key: 'status', params: { from: 'open', to: 'solved' } });
    expect(summaryKeyFor('status_change', user, { priorityFrom: 'normal', priorityTo: 'high' })).toEqual({ key: 'priority', params: { from: 'normal', to: 'high' } });
    expect(summaryKeyFor('status_change', { type: 'system' }, { automation: { fired: [{ name: 'VIP' }, { name: 'Damage' }] } })).toEqual({ key: 'automation', params: { rules: 'VIP, Damage' } });
    expect(summaryKeyFor('status_change', user, { platformReturnId: 'prt_1', externalId: '4035', decision: 'REJECT_REFUND', rejectReason: 'reason_3' })).toEqual({ key: 'platform_decision', params: { decision: 'REJECT_REFUND', request: '4035', reason: 'reason_3' } });
    expect(summaryKeyFor('refund', { type: 'system' }, { amount: 2450, currency: 'EUR' })).toEqual({ key: 'refund', params: { amount: 2450, currency: 'EUR' } });
    expect(summaryKeyFor('refund', { type: 'system' }, { amount: { amount: 64900, currency: 'EUR' } })).toEqual({ key: 'refund', params: { amount: 64900, currency: 'EUR' } });
    expect(summaryKeyFor('message', { type: 'buyer' }, { text: 'Mein Name ist Anna, Tel 0176…', direction: 'inbound' })).toEqual({ key: 'buyer_message', params: {} });
    expect(summaryKeyFor('message', user, { text: 'Hello Anna' })).toEqual({ key: 'reply', params: {} });
    expect(summaryKeyFor('note', user, { text: 'call her back' })).toEqual({ key: 'note', params: {} });
    expect(summaryKeyFor('remedy_offered', user, { option: { key: 't2:partial_refund' } })).toEqual({ key: 'remedy_offered', params: { option: 't2:partial_refund' } });
    expect(summaryKeyFor('tracking', user, { carrier: 'DHL' })).toBeNull();
    expect(summaryKeyFor('status_change', user, { something: 1 })).toBeNull();
  });

  it('worded in every pack language: one record read in de, fr, it and es', () => {
    const refund = { key: 'refund', params: { amount: 2450, currency: 'EUR' } };
    expect(renderSummary(refund, 'Refund of 2450 EUR sent', 'de', money)).toBe('Erstattung über EUR 24.50 veranlasst');
    expect(renderSummary(refund, 'Refund of 2450 EUR sent', 'fr', money)).toBe('Remboursement de EUR 24.50 effectué');
    expect(renderSummary(refund, 'Refund of 2450 EUR sent', 'it', money)).toBe('Rimborso di EUR 24.50 inviato');
    expect(renderSummary(refund, 'Refund of 2450 EUR sent', 'es', money)).toBe('Reembolso de EUR 24.50 enviado');
    expect(renderSummary({ key: 'buyer_message', params: {} }, 'Buyer message', 'de', money)).toBe('Nachricht des Käufers');
    expect(renderSummary({ key: 'status', params: { from: 'open', to: 'solved' } }, 'Status open → solved', 'fr', money)).toBe('Statut open → solved');
    expect(renderSummary({ key: 'reship', params: { apologyCard: 1 } }, 'x', 'fr', money)).toBe("Renvoi confié à l'entrepôt avec une carte d'excuses");
  });

  it('every language words every key the English templates word', async () => {
    const keys = ['buyer_message', 'reply', 'note', 'refund', 'remedy_offered', 'remedy_approved', 'remedy_given', 'reship', 'coupon', 'platform_decision', 'priority', 'automation', 'status'];
    for (const lang of ['zh-CN', 'de', 'fr', 'it', 'es']) {
      for (const key of keys) {
        const out = renderSummary({ key, params: { amount: 1, currency: 'EUR', value: 1, option: 'o', from: 'a', to: 'b', rules: 'r', request: '1', decision: 'd', reason: null, apologyCard: 0 } }, '\u0000fallback', lang, money);
        expect(out, `${lang}/${key}`).not.toBe('\u0000fallback');
      }
    }
  });

  it('worded in zh-CN (and en); a record without a key, or a language without templates, keeps the English summary', () => {
    expect(renderSummary({ key: 'refund', params: { amount: 2450, currency: 'EUR' } }, 'Refund of 2450 EUR sent', 'zh-CN', money)).toBe('已退款 EUR 24.50');
    expect(renderSummary({ key: 'status', params: { from: 'open', to: 'solved' } }, 'Status open → solved', 'en', money)).toBe('Status open → solved');
    expect(renderSummary({ key: 'automation', params: { rules: 'VIP' } }, 'x', 'zh-CN', money)).toBe('已执行自动化规则：VIP');
    expect(renderSummary(null, 'Tracking: DHL', 'zh-CN', money)).toBe('Tracking: DHL');
    expect(renderSummary({ key: 'refund', params: { amount: 1, currency: 'EUR' } }, 'Refund of 1 EUR sent', 'pt', money)).toBe('Refund of 1 EUR sent');
    expect(renderSummary({ key: 'unknown_key', params: {} }, 'as written', 'zh-CN', money)).toBe('as written');
  });
});
