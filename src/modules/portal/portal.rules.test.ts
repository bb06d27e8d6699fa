import { describe, expect, it } from 'vitest';
import { hoursLine, policyLine } from './portal.cards.js';
import { cardContentFor, cardExpiry, createPortalLimiter, csrfFor, csrfMatches, hashSecret, isHoldout, lookupHash, newShortCode, newToken, pickLanguage, tokenState, wellFormedToken } from './portal.rules.js';

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
