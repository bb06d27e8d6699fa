import { and, eq, inArray } from 'drizzle-orm';
import type { EraseOutcome, PrivacyRegistration } from '../privacy/index.js';
import { portalCards, portalSessions } from './portal.schema.js';

/**
 * The portal keeps no personal content: cards and sessions name an order id and hold only hashes
 * of the token, the lookup code and the session. Erasing a buyer revokes their orders' cards and
 * ends their sessions, so an old parcel insert no longer opens anything.
 */
export const portalPrivacy: PrivacyRegistration = {
  module: 'portal',
  tables: [],
  exempt: [
    { table: 'portal_batches', reason: 'print runs per shop (counts, size, language)' },
    { table: 'portal_cards', reason: 'order id, hashed token and lookup code, dates; no buyer data' },
    { table: 'portal_scans', reason: 'scan times per card and batch' },
    { table: 'portal_sessions', reason: 'hashed session secret bound to an order id' },
  ],
  export: async () => ({}),
  erase: async (tx, subject): Promise<EraseOutcome> => {
    const orderIds = [...subject.orderIds];
    if (!orderIds.length) return { counts: {} };
    const cards = await tx.update(portalCards).set({ revokedAt: new Date() }).where(and(eq(portalCards.orgId, subject.orgId), inArray(portalCards.orderId, orderIds))).returning({ id: portalCards.id });
    const sessions = await tx.delete(portalSessions).where(and(eq(portalSessions.orgId, subject.orgId), inArray(portalSessions.orderId, orderIds))).returning({ id: portalSessions.id });
    return { counts: { portal_cards: cards.length, portal_sessions: sessions.length } };
  },
};
