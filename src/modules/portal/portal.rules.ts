import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const PORTAL_LANGUAGES = ['en', 'de', 'fr', 'it', 'es'] as const;
export type PortalLanguage = (typeof PORTAL_LANGUAGES)[number];

/** Days of warranty after the return window when the shop configured none. */
export const DEFAULT_WARRANTY_DAYS = 365;
export const DEFAULT_HOLDOUT_PERCENT = 10;
/** Card codes avoid look-alike characters (0/O, 1/I/L) so they are typed from paper without doubt. */
const CODE_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';

/**
 * The QR token: 24 random bytes (192 bits), base64url. It carries nothing about the order or the
 * buyer; the server keeps only its SHA-256, so a database reader cannot rebuild a card's link.
 */
export function newToken(): string {
  return randomBytes(24).toString('base64url');
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** A token is well-formed before any lookup; anything else is answered exactly like an unknown one. */
export function wellFormedToken(t: string): boolean {
  return /^[A-Za-z0-9_-]{32}$/.test(t);
}

/** An 8-character code for entry by order number (TikTok masks buyers' e-mails, so they cannot serve). */
export function newShortCode(): string {
  const bytes = randomBytes(8);
  let s = '';
  for (const b of bytes) s += CODE_ALPHABET[b % CODE_ALPHABET.length];
  return s;
}

export function normaliseCode(code: string): string {
  return code.toUpperCase().replace(/[^A-Z0-9]/g, '');
}

export function normaliseOrderNumber(n: string): string {
  return n.trim().replace(/\s+/g, '');
}

/** The lookup key: order number and card code together; either alone finds nothing. */
export function lookupHash(orderNumber: string, code: string): string {
  return hashSecret(`${normaliseOrderNumber(orderNumber)}\u0000${normaliseCode(code)}`);
}

/**
 * Hold-out: a deterministic share of orders gets no card, chosen by a hash of the order id so a
 * reprint gives the same answer and analysis can rebuild the groups.
 */
export function isHoldout(orderId: string, percent: number): boolean {
  if (percent <= 0) return false;
  const n = createHash('sha256').update(`holdout:${orderId}`).digest().readUInt32BE(0);
  return n % 10_000 < percent * 100;
}

/** A card stays valid through the return window plus the warranty period, counted from delivery (or printing). */
export function cardExpiry(from: Date, returnWindowDays: number, warrantyDays: number): Date {
  return new Date(from.getTime() + (returnWindowDays + warrantyDays) * 86_400_000);
}

export type TokenState = 'ok' | 'unknown';

/** Revoked, expired and never-issued tokens are one state to the outside: unknown. */
export function tokenState(card: { holdout: boolean; revokedAt: Date | null; expiresAt: Date | null } | null, now: Date): TokenState {
  if (!card || card.holdout || card.revokedAt) return 'unknown';
  if (card.expiresAt && card.expiresAt.getTime() <= now.getTime()) return 'unknown';
  return 'ok';
}

/** The CSRF token of a portal session: an HMAC of the session secret, checked in constant time. */
export function csrfFor(sessionSecret: string): string {
  return createHmac('sha256', sessionSecret).update('portal-csrf').digest('base64url');
}

export function csrfMatches(sessionSecret: string, presented: string | undefined): boolean {
  if (!presented) return false;
  const a = Buffer.from(csrfFor(sessionSecret));
  const b = Buffer.from(presented);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The buyer's language: an explicit choice, then the card's, then Accept-Language, then English. */
export function pickLanguage(choice: string | undefined, card: string | undefined, acceptLanguage: string | undefined): PortalLanguage {
  const ok = (l: string | undefined): l is PortalLanguage => !!l && (PORTAL_LANGUAGES as readonly string[]).includes(l);
  if (ok(choice)) return choice;
  if (ok(card)) return card;
  for (const part of (acceptLanguage ?? '').split(',')) {
    const l = part.split(';')[0]!.trim().slice(0, 2).toLowerCase();
    if (ok(l)) return l;
  }
  return 'en';
}

/** Which return states the buyer sees, in the order they happen. */
export const RETURN_TIMELINE = ['requested', 'approved', 'in_transit', 'received', 'inspected', 'refunded', 'closed'] as const;

/** Fixed-window counter keyed by things the client cannot choose (socket or trusted-proxy address; order). */
export function createPortalLimiter(now: () => number, limit: number, windowMs = 60_000) {
  const hits = new Map<string, { start: number; n: number }>();
  return {
    /** Counts one attempt; true when the key is over its limit. */
    hit(key: string): boolean {
      const t = now();
      if (hits.size > 50_000) for (const [k, w] of hits) if (t - w.start >= windowMs) hits.delete(k);
      const w = hits.get(key);
      if (!w || t - w.start >= windowMs) {
        hits.set(key, { start: t, n: 1 });
        return false;
      }
      w.n++;
      return w.n > limit;
    },
  };
}

/**
 * What a card may carry per market (see docs/ARCHITECTURE.md "Buyer side"). TikTok Shop Thailand's
 * customer communication guidelines cover notes in parcels and ask sellers to keep communication on
 * the platform, so Thai cards default to the QR (the order's support page) without phone, WhatsApp
 * and e-mail. Other markets: no verified rule against the seller's own support contacts.
 * A print request may override the default (`showContacts`).
 */
export const CARD_MARKET_DEFAULTS: Record<string, { showContacts: boolean }> = { TH: { showContacts: false } };

export function cardContentFor(market: string, override?: { showContacts?: boolean }): { showContacts: boolean } {
  return { showContacts: override?.showContacts ?? CARD_MARKET_DEFAULTS[market.toUpperCase()]?.showContacts ?? true };
}
