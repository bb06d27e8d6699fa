import { describe, expect, it } from 'vitest';
import { hoursLine, policyLine } from './portal.cards.js';
import { sellerCreateReasons } from '../../integrations/tiktok/reasons.js';
import { tx, type TextKey } from './portal.texts.js';
import { CARD_MAX_WARRANTY_DAYS, lineWarranty, warrantyDaysIn, warrantyTermIn, exchangeChoices, replyAddress, appReasonKey, buyerMessageKeys, normaliseSerial, platformReturnRoute, PORTAL_LANGUAGES, sellerReturnReason, validBirthday, warrantyEnds, cardContentFor, cardExpiry, createPortalLimiter, csrfFor, csrfMatches, hashSecret, isHoldout, lookupHash, newShortCode, newToken, pickLanguage, tokenState, wellFormedToken } from './portal.rules.js';

describe('portal tokens', () => {
  it('are 32 url-safe characters of randomness, never the same twice, and carry no order data', () => {
    const a = newToken();
    const b = newToken();
    expect(a).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(wellFormedToken(a)).toBe(true);
    expect(a).not.toBe(b);
    expect(Buffer.from(a, 'base64url')).toHaveLength(24);
    expect(hashSecret(a)).toMatch(/^[0-9a-f]{64}$/);
  });
  it('a malformed token is refused before any lookup', () => {
    expect(wellFormedToken('short')).toBe(false);
    expect(wellFormedToken('a'.repeat(31) + '/')).toBe(false);
    expect(wellFormedToken('a'.repeat(33))).toBe(false);
  });
  it('revoked, expired, held-out and missing cards are all just "unknown"', () => {
    const now = new Date('2026-03-01T00:00:00Z');
    const live = { holdout: false, revokedAt: null, expiresAt: new Date('2026-03-02T00:00:00Z') };
    expect(tokenState(live, now)).toBe('ok');
    expect(tokenState(null, now)).toBe('unknown');
    expect(tokenState({ ...live, revokedAt: now }, now)).toBe('unknown');
    expect(tokenState({ ...live, holdout: true }, now)).toBe('unknown');
    expect(tokenState({ ...live, expiresAt: now }, now)).toBe('unknown');
  });
  it('expire after the return window plus the warranty', () => {
    expect(cardExpiry(new Date('2026-01-01T00:00:00Z'), 30, 365).toISOString()).toBe('2027-01-31T00:00:00.000Z');
    // For life (or anything beyond ten years): the window plus ten years, no more.
    expect(cardExpiry(new Date('2026-01-01T00:00:00Z'), 30, CARD_MAX_WARRANTY_DAYS).toISOString()).toBe(new Date(Date.parse('2026-01-01T00:00:00Z') + (30 + 3650) * 86_400_000).toISOString());
    expect(cardExpiry(new Date('2026-01-01T00:00:00Z'), 30, 20 * 365).getTime()).toBe(cardExpiry(new Date('2026-01-01T00:00:00Z'), 30, CARD_MAX_WARRANTY_DAYS).getTime());
  });
  it('the lookup needs order number and code together, and forgives case, spaces and dashes in the code', () => {
    expect(lookupHash(' 5771 ', 'abcd-efgh')).toBe(lookupHash('5771', 'ABCDEFGH'));
    expect(lookupHash('5771', 'ABCDEFGH')).not.toBe(lookupHash('5772', 'ABCDEFGH'));
    expect(newShortCode()).toMatch(/^[A-HJKMNP-Z2-9]{8}$/);
  });
  it('CSRF tokens are bound to the session secret', () => {
    expect(csrfMatches('secret-1', csrfFor('secret-1'))).toBe(true);
    expect(csrfMatches('secret-2', csrfFor('secret-1'))).toBe(false);
    expect(csrfMatches('secret-1', undefined)).toBe(false);
  });
});

describe('hold-out', () => {
  it('is deterministic per order id and close to the asked share', () => {
    const ids = Array.from({ length: 4000 }, (_, i) => `ord_${i}`);
    const held = ids.filter((id) => isHoldout(id, 10));
    expect(held.length).toBeGreaterThan(320);
    expect(held.length).toBeLessThan(480);
    expect(ids.filter((id) => isHoldout(id, 10))).toEqual(held);
    expect(ids.some((id) => isHoldout(id, 0))).toBe(false);
    expect(isHoldout('ord_7', 10)).toBe(isHoldout('ord_7', 10));
  });
});

describe('language', () => {
  it('prefers the choice, then the card, then the browser, then English', () => {
    expect(pickLanguage('fr', 'de', 'it')).toBe('fr');
    expect(pickLanguage(undefined, 'de', 'it')).toBe('de');
    expect(pickLanguage(undefined, undefined, 'es-ES,es;q=0.9,en;q=0.5')).toBe('es');
    expect(pickLanguage('xx', 'zz', 'ja')).toBe('en');
  });
});

describe('card texts', () => {
  const shop = {
    timeZone: 'Europe/Berlin',
    businessHours: { mon: [{ start: '09:00', end: '18:00' }], tue: [{ start: '09:00', end: '18:00' }], wed: [{ start: '09:00', end: '18:00' }], thu: [{ start: '09:00', end: '18:00' }], fri: [{ start: '09:00', end: '18:00' }], sat: [{ start: '10:00', end: '14:00' }], sun: [] },
  };
  it('merge days with the same hours and name the zone', () => {
    expect(hoursLine(shop, 'de')).toBe('Mo–Fr 09:00–18:00 · Sa 10:00–14:00 (Europe/Berlin)');
    expect(hoursLine(shop, 'en')).toBe('Mon–Fri 09:00–18:00 · Sat 10:00–14:00 (Europe/Berlin)');
  });
  it('state the policy from the shop', () => {
    expect(policyLine({ windowDays: 30, noReasonReturns: true, returnShippingPaidBy: 'seller' }, 'de')).toBe('30 Tage Rückgaberecht, ohne Angabe von Gründen; Rückversand zahlen wir');
    expect(policyLine({ windowDays: 14, noReasonReturns: false, returnShippingPaidBy: 'buyer' }, 'fr')).toBe('Retours sous 14 jours; retour à votre charge');
  });
});

describe('rate limiter', () => {
  it('allows the limit per window, then refuses until the window is over', () => {
    let t = 0;
    const l = createPortalLimiter(() => t, 3);
    expect([l.hit('a'), l.hit('a'), l.hit('a'), l.hit('a')]).toEqual([false, false, false, true]);
    expect(l.hit('b')).toBe(false);
    t = 60_000;
    expect(l.hit('a')).toBe(false);
  });
});

describe('card content per market', () => {
  it('Thai cards leave out the contact block unless asked; other markets keep it', () => {
    expect(cardContentFor('TH')).toEqual({ showContacts: false });
    expect(cardContentFor('DE')).toEqual({ showContacts: true });
    expect(cardContentFor('TH', { showContacts: true })).toEqual({ showContacts: true });
    expect(cardContentFor('GB', { showContacts: false })).toEqual({ showContacts: false });
  });
});

describe('returns on TikTok from the buyer page', () => {
  it('are created by us in the US and UK, guided in the app elsewhere, and not a concern off TikTok', () => {
    expect(platformReturnRoute('tiktok', 'US')).toBe('api');
    expect(platformReturnRoute('tiktok', 'gb')).toBe('api');
    expect(platformReturnRoute('tiktok', 'UK')).toBe('api');
    expect(platformReturnRoute('tiktok', 'DE')).toBe('app');
    expect(platformReturnRoute('tiktok', 'FR')).toBe('app');
    expect(platformReturnRoute('tiktok', null)).toBe('app');
    expect(platformReturnRoute('email', 'US')).toBe('none');
  });
  it('carry a seller reason code valid for a delivered RETURN_AND_REFUND in that market', () => {
    expect(sellerReturnReason('US', 'damaged')).toBe('seller_ecom_delivered_return_refund_reason1');
    expect(sellerReturnReason('GB', 'damaged')).toBe('ecom_order_delivered_refund_and_return_reason_damaged_seller_uk');
    expect(sellerReturnReason('GB', 'colour_difference')).toBe('ecom_order_delivered_refund_and_return_reason_not_match_description_seller_uk');
    expect(sellerReturnReason('GB', 'changed_mind')).toBe('seller_ecom_delivered_return_refund_reason1_uk');
    for (const r of ['damaged', 'defective', 'not_as_described', 'wrong_item', 'missing_parts', 'changed_mind']) {
      expect(sellerCreateReasons('UK', 'RETURN_AND_REFUND', 'DELIVERED')).toContain(sellerReturnReason('GB', r));
      expect(sellerCreateReasons('default', 'RETURN_AND_REFUND', 'DELIVERED')).toContain(sellerReturnReason('US', r));
    }
  });
  it('name the reason to pick in the app', () => {
    expect(appReasonKey('damaged')).toBe('appReasonDamaged');
    expect(appReasonKey('colour_difference')).toBe('appReasonDescription');
    expect(appReasonKey('size_fit')).toBe('appReasonChoice');
    expect(tx('de', 'tiktokStep3', { reason: tx('de', appReasonKey('damaged')) })).toBe('Tippen Sie beim Artikel auf „Rückgabe/Erstattung“ und wählen Sie den Grund „Beschädigt“.');
  });
});

describe('warranty and birthday input', () => {
  const now = new Date('2026-12-06T00:00:00Z');
  it('serial numbers are normalised and checked', () => {
    expect(normaliseSerial(' sn-1234 5 ')).toBe('SN-12345');
    expect(normaliseSerial('ab')).toBeNull();
    expect(normaliseSerial('<script>')).toBeNull();
    expect(normaliseSerial('x'.repeat(65))).toBeNull();
  });
  it('birthdays must be real past dates within 120 years', () => {
    expect(validBirthday('1990-02-28', now)).toBe('1990-02-28');
    expect(validBirthday('1990-02-30', now)).toBeNull();
    expect(validBirthday('2027-01-01', now)).toBeNull();
    expect(validBirthday('1890-01-01', now)).toBeNull();
    expect(validBirthday('28.02.1990', now)).toBeNull();
  });
  it('the warranty runs from delivery, or from now when not delivered', () => {
    expect(warrantyEnds(new Date('2026-01-01T00:00:00Z'), now, 365).toISOString()).toBe('2027-01-01T00:00:00.000Z');
    expect(warrantyEnds(null, now, 10).toISOString()).toBe('2026-12-16T00:00:00.000Z');
  });
});

describe('refusals for the buyer', () => {
  it('map error codes and eligibility reasons to texts in all five languages', () => {
    expect(buyerMessageKeys('returns.not_eligible', ['window_closed', 'photos_required', 'window_closed'])).toEqual(['notEligible', 'elig_window_closed', 'elig_photos_required']);
    expect(buyerMessageKeys('returns.not_eligible')).toEqual(['notEligible', 'errGeneral']);
    expect(buyerMessageKeys('upload.type_not_allowed')).toEqual(['badFile']);
    expect(buyerMessageKeys('portal.serial_invalid')).toEqual(['errSerial']);
    expect(buyerMessageKeys('something.new')).toEqual(['errGeneral']);
    expect(buyerMessageKeys('portal.email_invalid')).toEqual(['errEmail']);
    const codes = ['not_delivered', 'window_closed', 'final_sale', 'reason_required', 'already_returned', 'no_lines', 'photos_required'];
    const keys = new Set([...codes.flatMap((c) => buyerMessageKeys('returns.not_eligible', [c])), ...['portal.no_lines', 'portal.serial_invalid', 'portal.product_required', 'portal.birthday_invalid', 'portal.consent_required', 'portal.message_required', 'portal.email_invalid', 'returns.exchange_sku_required', 'returns.unknown_reason', 'portal.exchange_choice_invalid', 'portal.csat_invalid'].flatMap((c) => buyerMessageKeys(c))]);
    for (const k of keys) {
      for (const l of PORTAL_LANGUAGES) {
        const t = tx(l, k as TextKey);
        expect(t.length, `${k}/${l}`).toBeGreaterThan(5);
        if (l !== 'en') expect(t, `${k}/${l} is translated`).not.toBe(tx('en', k as TextKey));
      }
    }
  });
});

describe('the address for answers by e-mail', () => {
  it('is optional, trimmed and lower-cased', () => {
    expect(replyAddress('')).toBeNull();
    expect(replyAddress('   ')).toBeNull();
    expect(replyAddress('  Anna.Becker@Kunde.DE ')).toBe('anna.becker@kunde.de');
    expect(replyAddress('a+tag@mail.example.co.uk')).toBe('a+tag@mail.example.co.uk');
    expect(replyAddress('x@xn--mnchen-3ya.de')).toBe('x@xn--mnchen-3ya.de');
  });
  it('refuses anything but one plain mailbox', () => {
    for (const bad of ['anna', 'anna@', '@kunde.de', 'anna@kunde', 'anna@kunde.123', 'anna becker@kunde.de', 'Anna <anna@kunde.de>', 'a@b.de, c@d.de', 'a@b.de\r\nBcc: x@y.de', '.anna@kunde.de', 'an..na@kunde.de', 'anna@-kunde.de', 'anna@kunde..de', `${'a'.repeat(65)}@kunde.de`, `a@${'b'.repeat(250)}.de`]) {
      expect(replyAddress(bad), bad).toBe('invalid');
    }
  });
});

describe("a product's warranty length", () => {
  it('is read from terms written in the five buyer languages', () => {
    expect(warrantyDaysIn('Warranty Period: 2 years')).toBe(730);
    expect(warrantyDaysIn('Warranty Type: Manufacturer; Warranty Period: 18 months')).toBe(540);
    expect(warrantyDaysIn('Garantie: 24 Monate Herstellergarantie')).toBe(720);
    expect(warrantyDaysIn('Gewährleistung: zwei Jahre')).toBe(730);
    expect(warrantyDaysIn('Garantie 2 ans pièces et main-d’œuvre')).toBe(730);
    expect(warrantyDaysIn('Garanzia: 12 mesi')).toBe(360);
    expect(warrantyDaysIn('Garantía de un año')).toBe(365);
    expect(warrantyDaysIn('Garantía: 6 meses')).toBe(180);
    expect(warrantyDaysIn('90 days, no questions asked')).toBe(90);
    expect(warrantyDaysIn('a 12-month warranty')).toBe(360);
    expect(warrantyDaysIn('12months')).toBe(360);
    expect(warrantyDaysIn('one year limited warranty')).toBe(365);
    expect(warrantyDaysIn('8 Wochen')).toBe(56);
  });
  it('is unknown when the text names no length, or an absurd one', () => {
    for (const t of [null, '', 'Manufacturer warranty', 'No warranty', 'Garantie: ja', '99 years', '40 Jahre', 'years of joy', '2', 'Garantie: 2']) expect(warrantyTermIn(t), String(t)).toBeNull();
  });
  it('reads decimals (point or comma), halves and the unit words and abbreviations of the five languages', () => {
    expect(warrantyDaysIn('2.5 years')).toBe(913);
    expect(warrantyDaysIn('Garantie: 1,5 Jahre')).toBe(548);
    expect(warrantyDaysIn('ein halbes Jahr Garantie')).toBe(183);
    expect(warrantyDaysIn('half a year')).toBe(183);
    expect(warrantyDaysIn('0.5 yr')).toBe(183);
    expect(warrantyDaysIn('3 yrs')).toBe(1095);
    expect(warrantyDaysIn('6 mths')).toBe(180);
    expect(warrantyDaysIn('2-Jahres-Garantie')).toBe(730);
    expect(warrantyDaysIn('24-monatige Herstellergarantie')).toBe(720);
    expect(warrantyDaysIn('2-jährige Garantie')).toBe(730);
    expect(warrantyDaysIn('14 Tage')).toBe(14);
    expect(warrantyDaysIn('fünf Jahre')).toBe(1825);
    expect(warrantyDaysIn('garantie de deux années')).toBe(730);
    expect(warrantyDaysIn('6 semaines')).toBe(42);
    expect(warrantyDaysIn('30 jours')).toBe(30);
    expect(warrantyDaysIn('Garanzia di due anni')).toBe(730);
    expect(warrantyDaysIn('Garanzia 24 mesi')).toBe(720);
    expect(warrantyDaysIn('4 settimane')).toBe(28);
    expect(warrantyDaysIn('15 giorni')).toBe(15);
    expect(warrantyDaysIn('Garantía de dos años')).toBe(730);
    expect(warrantyDaysIn('cinco años de garantía')).toBe(1825);
    expect(warrantyDaysIn('2 semanas')).toBe(14);
    expect(warrantyDaysIn('30 días')).toBe(30);
    expect(warrantyTermIn('Warranty Period: 2.5 years')).toEqual({ lifetime: false, days: 913 });
  });
  it('reads "for life" in the five languages as no end date (the card\'s maximum stands in)', () => {
    for (const t of ['Lifetime warranty', 'Warranty Period: Life-time', 'lifelong guarantee', 'Unlimited warranty', 'Lebenslange Garantie', 'Garantie: unbegrenzt', 'zeitlich unbegrenzte Herstellergarantie', 'Garantie à vie', 'garantie a vie', 'Garanzia a vita', 'Garantía de por vida', 'Garantía vitalicia', 'GARANTIE À VIE']) {
      expect(warrantyTermIn(t), t).toEqual({ lifetime: true, days: CARD_MAX_WARRANTY_DAYS });
    }
    // Whatever the text names first counts.
    expect(warrantyTermIn('2 years on the motor, lifetime on the frame')).toEqual({ lifetime: false, days: 730 });
    expect(warrantyTermIn('Lifetime on the frame, 2 years on the motor')).toEqual({ lifetime: true, days: CARD_MAX_WARRANTY_DAYS });
    // "vie"/"vita"/"vida" alone are ordinary words, not "for life".
    for (const t of ['Garantie: la vie en rose', 'vita nuova', 'vida útil 2 años']) expect(warrantyTermIn(t)?.lifetime ?? false, t).toBe(false);
    expect(warrantyDaysIn('vida útil 2 años')).toBe(730);
  });
  it("takes the listing's attribute first, then the seller's text in the buyer's language, English, any; else the default", () => {
    expect(lineWarranty({ warranty: 'Warranty Period: 1 year', warrantyTexts: [{ language: 'de', body: '2 Jahre' }] }, 'de', 365)).toEqual({ days: 365, source: 'product', lifetime: false });
    expect(lineWarranty({ warranty: null, warrantyTexts: [{ language: 'en', body: '6 months' }, { language: 'de', body: '2 Jahre' }] }, 'de', 365)).toEqual({ days: 730, source: 'product', lifetime: false });
    expect(lineWarranty({ warranty: null, warrantyTexts: [{ language: 'de', body: '2 Jahre' }, { language: 'en', body: '6 months' }] }, 'fr', 365)).toEqual({ days: 180, source: 'product', lifetime: false });
    expect(lineWarranty({ warranty: 'Manufacturer', warrantyTexts: [{ language: 'it', body: 'Garanzia 3 anni' }] }, 'fr', 365)).toEqual({ days: 1095, source: 'product', lifetime: false });
    expect(lineWarranty({ warranty: 'Manufacturer', warrantyTexts: [{ language: 'es', body: 'Garantía de por vida' }] }, 'es', 365)).toEqual({ days: CARD_MAX_WARRANTY_DAYS, source: 'product', lifetime: true });
    expect(lineWarranty({ warranty: 'Manufacturer', warrantyTexts: [] }, 'de', 400)).toEqual({ days: 400, source: 'default', lifetime: false });
    expect(lineWarranty(undefined, 'de', 365)).toEqual({ days: 365, source: 'default', lifetime: false });
  });
});

describe('the exchange choice', () => {
  const terms = [
    { externalProductId: 'p1', productId: 'prd1', title: 'Shoe', warranty: null, warrantyTexts: [], skus: [{ externalSkuId: 's41', sellerSku: 'SHOE-41', name: 'Black / 41' }, { externalSkuId: 's42', sellerSku: 'SHOE-42', name: 'Black / 42' }, { externalSkuId: 's43', sellerSku: null, name: 'White / 42' }] },
    { externalProductId: 'p2', productId: 'prd2', title: 'Cap', warranty: null, warrantyTexts: [], skus: [{ externalSkuId: 'c1', sellerSku: 'CAP', name: null }] },
  ];
  const lines = [
    { id: 'l1', productId: 'p1', skuId: 's41', productName: 'Shoe' },
    { id: 'l2', productId: 'p2', skuId: 'c1', productName: 'Cap' },
    { id: 'l3', productId: 'p9', skuId: 'x', productName: 'Unknown' },
  ];
  it("offers the other variants of the order's products, named for the buyer; one-variant products offer none", () => {
    expect(exchangeChoices(lines, terms)).toEqual([
      { value: 's42', label: 'Shoe — Black / 42', lineId: 'l1', exchangeSku: 'SHOE-42' },
      { value: 's43', label: 'Shoe — White / 42', lineId: 'l1', exchangeSku: 'White / 42' },
    ]);
    expect(exchangeChoices([lines[1]!, lines[2]!], terms)).toEqual([]);
  });
});
