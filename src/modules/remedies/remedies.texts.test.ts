import { describe, expect, it } from 'vitest';
import { BUYER_LANGUAGES, buyerLanguage, remedyMessage, returnInstructions } from './remedies.texts.js';

const coupon = { code: 'AD-ABCDE-FGHJK', amount: 2_500, currency: 'EUR', minSpend: 5_000, expiresAt: new Date('2026-06-30T12:00:00Z') };

describe('buyer-facing remedy messages', () => {
  it.each([
    ['en', 'We have refunded €49.80', 'coupon worth €25.00', 'from an order value of €50.00', 'valid until 30 June 2026'],
    ['de', 'Wir haben Ihnen 49,80 € auf Ihr ursprüngliches Zahlungsmittel erstattet', 'Gutschein über 25,00 €', 'ab einem Bestellwert von 50,00 €', 'gültig bis 30. Juni 2026'],
    ['fr', 'Nous vous avons remboursé 49,80 €', 'bon de réduction de 25,00 €', 'à partir de 50,00 €', "valable jusqu'au 30 juin 2026"],
    ['it', 'Ti abbiamo rimborsato 49,80 €', 'buono da 25,00 €', 'spesa minima di 50,00 €', 'valido fino al 30 giugno 2026'],
    ['es', 'Te hemos reembolsado 49,80 €', 'cupón de 25,00 €', 'a partir de 50,00 €', 'válido hasta el 30 de junio de 2026'],
  ])('%s: refund, coupon with minimum and expiry, in the buyer\'s own words', (lang, refund, couponText, min, until) => {
    // Intl puts a no-break space between amount and €; compare with plain spaces.
    const text = remedyMessage(lang, { refund: { amount: 4_980, currency: 'EUR' }, reship: false, apologyCard: false, coupon }).replace(/[\u00a0\u202f]/g, ' ');
    for (const part of [refund, couponText, min, until, 'AD-ABCDE-FGHJK']) expect(text).toContain(part);
  });

  it('a reship mentions the apology card only when there is one; unknown languages fall back to English', () => {
    const withCard = remedyMessage('de-AT', { refund: null, reship: true, apologyCard: true, coupon: null });
    expect(withCard).toContain('Ein Ersatz ist bereits unterwegs');
    expect(withCard).toContain('handgeschriebene Karte');
    expect(remedyMessage('de', { refund: null, reship: true, apologyCard: false, coupon: null })).not.toContain('Karte');
    expect(buyerLanguage('pt-BR')).toBe('en');
    expect(buyerLanguage(null)).toBe('en');
  });

  it('every language has return instructions with the RMA, the local warehouse and the refund timing', () => {
    for (const lang of BUYER_LANGUAGES) {
      const text = returnInstructions(lang, { rma: 'RMA-000042', warehouseAddress: 'Retouren, Lagerstraße 5, 41460 Neuss', buyerPaysShipping: true, windowEndsAt: '2026-04-01T10:00:00Z', refundOn: 'on_inspection_pass' });
      expect(text.split('\n')).toHaveLength(6);
      expect(text).toContain('RMA-000042');
      expect(text).toContain('Lagerstraße 5, 41460 Neuss');
    }
    expect(returnInstructions('fr', { rma: 'RMA-1', warehouseAddress: null, buyerPaysShipping: false, windowEndsAt: null, refundOn: 'on_receipt' })).toBe(
      "Votre retour RMA-1 est accepté.\nMerci d'emballer l'article avec tous ses accessoires, d'inscrire lisiblement RMA-1 sur le colis et de l'envoyer à notre centre de retour local :\nNous prenons en charge les frais de retour ; gardez le reçu et envoyez-le-nous.\nNous vous remboursons dès réception du colis.",
    );
  });
});
