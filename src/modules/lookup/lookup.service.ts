import type { Database } from '../../platform/db.js';
import { AppError } from '../../platform/errors.js';
import { requireRole, type Actor } from '../../platform/tenancy.js';
import { buyersMatching, likePattern, orderLabels, ordersMatching } from '../orders/index.js';
import type { Executor } from '../../platform/db.js';
import { buyerIdsByContact, ticketLabels, ticketsMatching, ticketsRelated } from '../helpdesk/index.js';
import { namesOf } from '../auth/index.js';
import { disputeOrders, type DisputeCaseView, type EvidenceService } from '../evidence/index.js';
import { returnLabels, returnsMatching, returnsRelated } from '../returns/index.js';
import { remediesRelated } from '../remedies/index.js';
import { LookupQuery as LookupQuerySchema, RelatedQuery as RelatedQuerySchema, LabelsQuery as LabelsQuerySchema, type CaseLabelView, type LabelsView, type LookupHitView, type LookupQuery, type LookupResultView, type RelatedQuery, type RelatedView } from './lookup.dto.js';
import { rankHits, scoreOf } from './lookup.rules.js';

const DESK = ['owner', 'supervisor', 'agent'] as const;

/**
 * The one lookup: find orders, tickets, buyers and returns by the numbers and names people have.
 * It owns no table; it reads each owner's readers in one tenant transaction and ranks the hits.
 */
export function createLookupService({ db, evidence }: { db: Database; evidence: Pick<EvidenceService, 'openDispute' | 'disputeOfOrder' | 'setDisputeStatus'> }) {
  return {
    async find(actor: Actor, query: LookupQuery): Promise<LookupResultView> {
      const f = LookupQuerySchema.parse(query);
      const limit = f.limit ?? 20;
      const q = f.q;
      const like = likePattern(q);
      const want = (k: LookupHitView['kind']) => !f.kind || f.kind === k;
      // The warehouse finds returns (by RMA or tracking number) but not buyers' conversations.
      const desk = (DESK as readonly string[]).includes(actor.role);
      return db.tenant(actor.orgId, async (tx) => {
        const hits: LookupHitView[] = [];
        const contactBuyers = desk ? await buyerIdsByContact(tx, actor.orgId, q, like) : [];
        if (want('order')) {
          for (const o of await ordersMatching(tx, actor.orgId, q, like, contactBuyers, limit))
            hits.push({
              kind: 'order',
              id: o.id,
              title: o.externalId,
              subtitle: o.buyerName,
              match: o.match,
              status: o.status,
              amount: { value: o.total, currency: o.currency },
              shopId: o.shopId,
              orderId: o.id,
              ticketId: null,
              buyerId: o.buyerId,
              at: o.placedAt.toISOString(),
              score: o.match === 'buyer' ? scoreOf('buyer', o.buyerName ?? '', q) - 5 : 100,
            });
        }
        if (want('return')) {
          for (const r of await returnsMatching(tx, actor.orgId, q, limit))
            hits.push({
              kind: 'return',
              id: r.id,
              title: r.rma,
              subtitle: null,
              match: r.match === 'rma' ? 'rma' : 'tracking_number',
              status: r.status,
              amount: { value: r.refundTotal, currency: r.currency },
              shopId: r.shopId,
              orderId: r.orderId,
              ticketId: r.ticketId,
              buyerId: r.buyerId,
              at: r.requestedAt.toISOString(),
              score: 100,
            });
        }
        if (desk && want('ticket')) {
          for (const t of await ticketsMatching(tx, actor.orgId, q, like, limit))
            hits.push({
              kind: 'ticket',
              id: t.id,
              title: `#${t.number}`,
              subtitle: [t.buyerName, t.subject].filter(Boolean).join(' · ') || null,
              match: t.match,
              status: t.status,
              amount: null,
              shopId: t.shopId,
              orderId: t.orderId,
              ticketId: t.id,
              buyerId: t.buyerId,
              at: t.lastMessageAt?.toISOString() ?? null,
              score: t.match === 'ticket_number' ? 100 : scoreOf('buyer', t.buyerName ?? '', q) - 10,
            });
        }
        if (desk && want('buyer')) {
          for (const b of await buyersMatching(tx, actor.orgId, q, like, contactBuyers))
            hits.push({
              kind: 'buyer',
              id: b.id,
              title: b.displayName ?? b.email ?? b.id,
              subtitle: b.email,
              match: 'buyer',
              status: null,
              amount: null,
              shopId: null,
              orderId: null,
              ticketId: null,
              buyerId: b.id,
              at: null,
              score: scoreOf('buyer', b.displayName ?? '', q),
            });
        }
        return { items: rankHits(hits, limit) };
      });
    },

    /**
     * Words for ids: each evidence case (a ticket, a return, or an order's dispute case) with its
     * order number, buyer, ticket number and RMA; people's names. Ids not of this organisation are left out.
     */
    async labels(actor: Actor, query: { ids: string }): Promise<LabelsView> {
      requireRole(actor, DESK, 'reading evidence labels');
      const ids = [...new Set(LabelsQuerySchema.parse(query).ids.split(',').map((x) => x.trim()).filter((x) => /^[a-z]{2,5}_[0-9a-z]{8,40}$/.test(x)))].slice(0, 100);
      return db.tenant(actor.orgId, async (tx) => {
        const tickets = await ticketLabels(tx, actor.orgId, ids.filter((x) => x.startsWith('tkt_')));
        const rets = await returnLabels(tx, actor.orgId, ids.filter((x) => x.startsWith('ret_')));
        const disputes = await disputeOrders(tx, actor.orgId, ids.filter((x) => x.startsWith('dsp_')));
        const orderIds = [...ids.filter((x) => x.startsWith('ord_')), ...disputes.map((d) => d.orderId), ...tickets.map((t) => t.orderId ?? ''), ...rets.map((r) => r.orderId)].filter(Boolean);
        const orders = await orderLabels(tx, actor.orgId, orderIds);
        const ticketNumbers = new Map(tickets.map((t) => [t.id, t.number]));
        const extraTickets = await ticketLabels(tx, actor.orgId, rets.map((r) => r.ticketId ?? '').filter((x) => x && !ticketNumbers.has(x)));
        for (const t of extraTickets) ticketNumbers.set(t.id, t.number);
        const cases: CaseLabelView[] = [];
        for (const t of tickets) {
          const o = t.orderId ? orders.get(t.orderId) : undefined;
          cases.push({ id: t.id, kind: 'ticket', orderId: t.orderId, orderNumber: o?.externalId ?? null, buyerId: t.buyerId ?? o?.buyerId ?? null, buyerName: t.buyerName ?? o?.buyerName ?? null, ticketId: t.id, ticketNumber: t.number, returnId: null, rma: null });
        }
        for (const r of rets) {
          const o = orders.get(r.orderId);
          cases.push({ id: r.id, kind: 'return', orderId: r.orderId, orderNumber: o?.externalId ?? null, buyerId: r.buyerId ?? o?.buyerId ?? null, buyerName: o?.buyerName ?? null, ticketId: r.ticketId, ticketNumber: r.ticketId ? (ticketNumbers.get(r.ticketId) ?? null) : null, returnId: r.id, rma: r.rma });
        }
        for (const id of ids.filter((x) => x.startsWith('ord_'))) {
          const o = orders.get(id);
          if (o) cases.push({ id, kind: 'order', orderId: id, orderNumber: o.externalId, buyerId: o.buyerId, buyerName: o.buyerName, ticketId: null, ticketNumber: null, returnId: null, rma: null });
        }
        for (const d of disputes) {
          const o = orders.get(d.orderId);
          if (o) cases.push({ id: d.id, kind: 'dispute', orderId: d.orderId, orderNumber: o.externalId, buyerId: o.buyerId, buyerName: o.buyerName, ticketId: null, ticketNumber: null, returnId: null, rma: null });
        }
        const people = await namesOf(tx, actor.orgId, ids.filter((x) => x.startsWith('usr_')));
        return { cases, people };
      });
    },

    /** The order's dispute case, or null (404 when the order is not this organisation's). */
    async disputeOf(actor: Actor, orderId: string): Promise<DisputeCaseView | null> {
      requireRole(actor, DESK, 'reading dispute cases');
      await db.tenant(actor.orgId, (tx) => mustExist(tx, actor.orgId, { orderId }));
      return evidence.disputeOfOrder(actor, orderId);
    },

    /** Open the order's one dispute case (or return it), gathering the order's tickets and returns as its members. */
    async openDispute(actor: Actor, orderId: string): Promise<DisputeCaseView> {
      requireRole(actor, DESK, 'opening dispute cases');
      const found = await db.tenant(actor.orgId, async (tx) => {
        const o = (await orderLabels(tx, actor.orgId, [orderId])).get(orderId);
        if (!o) throw AppError.notFound('order', orderId);
        const tickets = await ticketsRelated(tx, actor.orgId, { orderId });
        const rets = await returnsRelated(tx, actor.orgId, { orderId });
        return { shopId: o.shopId, orderNumber: o.externalId, members: [...tickets.map((t) => t.id), ...rets.map((r) => r.id)] };
      });
      return evidence.openDispute(actor, { orderId, shopId: found.shopId, orderNumber: found.orderNumber, memberCaseIds: found.members });
    },

    async setDisputeStatus(actor: Actor, id: string, input: { status: DisputeCaseView['status']; note?: string }): Promise<DisputeCaseView> {
      return evidence.setDisputeStatus(actor, id, input);
    },

    /** Conversations, returns and remedies of one order or one buyer (404 when it is not this organisation's). */
    async related(actor: Actor, query: RelatedQuery): Promise<RelatedView> {
      requireRole(actor, DESK, 'reading what belongs to an order or buyer');
      const f = RelatedQuerySchema.parse(query);
      const by = f.orderId ? { orderId: f.orderId } : f.buyerId ? { buyerId: f.buyerId } : null;
      if (!by) throw AppError.validation('request.invalid', 'Invalid request: orderId: give an order or a buyer', [{ field: 'orderId', message: 'give an order or a buyer' }]);
      return db.tenant(actor.orgId, async (tx) => {
        const [tickets, returns, remedies] = [await ticketsRelated(tx, actor.orgId, by), await returnsRelated(tx, actor.orgId, by), await remediesRelated(tx, actor.orgId, by)];
        if (tickets.length + returns.length + remedies.length === 0) await mustExist(tx, actor.orgId, by);
        return {
          tickets: tickets.map((t) => ({ id: t.id, number: t.number, channel: t.channel, subject: t.subject, status: t.status, orderId: t.orderId, lastMessageAt: t.lastMessageAt?.toISOString() ?? null })),
          returns: returns.map((r) => ({ id: r.id, rma: r.rma, orderId: r.orderId, status: r.status, resolution: r.resolution, currency: r.currency, refundTotal: r.refundTotal, requestedAt: r.requestedAt.toISOString() })),
          remedies: remedies.map((m) => ({ ...m, createdAt: m.createdAt.toISOString() })),
        };
      });
    },
  };
}

async function mustExist(tx: Executor, orgId: string, by: { orderId?: string; buyerId?: string }): Promise<void> {
  if (by.orderId) {
    if (!(await orderLabels(tx, orgId, [by.orderId])).size) throw AppError.notFound('order', by.orderId);
  } else if (by.buyerId) {
    if (!(await buyersMatching(tx, orgId, by.buyerId, '', [])).some((b) => b.id === by.buyerId)) throw AppError.notFound('buyer', by.buyerId);
  }
}

export type LookupService = ReturnType<typeof createLookupService>;
