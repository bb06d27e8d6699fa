import { and, eq, inArray } from 'drizzle-orm';
import type { EraseOutcome, PrivacyRegistration } from '../privacy/index.js';
import { addFile } from '../privacy/index.js';
import { portalCards, portalSessions, portalWarranties } from './portal.schema.js';

/**
 * The portal keeps no personal content: cards and sessions name an order id and hold only hashes
 * of the token, the lookup code and the session. Erasing a buyer revokes their orders' cards and
 * ends their sessions, so an old parcel insert no longer opens anything.
 */
export const portalPrivacy: PrivacyRegistration = {
  module: 'portal',
  // Warranty registrations name the buyer, a serial number and maybe a proof photo (an evidence file).
  tables: [{ table: 'portal_warranties', buyerColumns: ['buyer_id'], personalColumns: ['serial_number', 'proof_sha256'] }],
  scope: async (tx, s) => {
    const ws = await tx.select({ sha: portalWarranties.proofSha256, ticket: portalWarranties.ticketId, id: portalWarranties.id }).from(portalWarranties).where(and(eq(portalWarranties.orgId, s.orgId), eq(portalWarranties.buyerId, s.buyerId)));
    for (const w of ws) if (w.sha) addFile(s, w.sha, w.ticket ?? w.id);
  },
  exempt: [
    { table: 'portal_batches', reason: 'print runs per shop (counts, size, language)' },
    { table: 'portal_cards', reason: 'order id, hashed token and lookup code, dates; no buyer data' },
    { table: 'portal_scans', reason: 'scan times per card and batch' },
    { table: 'portal_sessions', reason: 'hashed session secret bound to an order id' },
    { table: 'portal_csat_answers', reason: 'when a conversation (ticket id) was rated on the page; the score is analytics\'' },
  ],
  export: async (tx, s) => ({
    warranties: (await tx.select().from(portalWarranties).where(and(eq(portalWarranties.orgId, s.orgId), eq(portalWarranties.buyerId, s.buyerId)))).map((w) => ({ orderId: w.orderId, productName: w.productName, serialNumber: w.serialNumber, endsAt: w.endsAt.toISOString(), registeredAt: w.createdAt.toISOString() })),
  }),
  erase: async (tx, subject): Promise<EraseOutcome> => {
    const warranties = await tx.delete(portalWarranties).where(and(eq(portalWarranties.orgId, subject.orgId), eq(portalWarranties.buyerId, subject.buyerId))).returning({ id: portalWarranties.id });
    const orderIds = [...subject.orderIds];
    if (!orderIds.length) return { counts: { portal_warranties: warranties.length } };
    const cards = await tx.update(portalCards).set({ revokedAt: new Date() }).where(and(eq(portalCards.orgId, subject.orgId), inArray(portalCards.orderId, orderIds))).returning({ id: portalCards.id });
    const sessions = await tx.delete(portalSessions).where(and(eq(portalSessions.orgId, subject.orgId), inArray(portalSessions.orderId, orderIds))).returning({ id: portalSessions.id });
    return { counts: { portal_cards: cards.length, portal_sessions: sessions.length, portal_warranties: warranties.length } };
  },
};
