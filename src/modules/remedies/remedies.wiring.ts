import type { OutboxRegistry } from '../../platform/outbox/outbox.js';
import type { HelpdeskService } from '../helpdesk/index.js';
import type { OrdersService } from '../orders/index.js';
import type { OrdersPort, TicketsPort } from './remedies.ports.js';
import type { createRemediesService } from './remedies.service.js';

/** Adapt the orders module (contract 1) to the narrow port remedies and returns read through. */
export function remediesOrdersPort(svc: OrdersService): OrdersPort {
  return {
    async getOrder(actor, orderId) {
      const sb = await svc.getOrderSidebar(actor, orderId);
      const o = sb.order;
      return {
        id: o.id,
        shopId: o.shopId,
        buyerId: o.buyerId,
        externalId: o.externalId,
        currency: o.currency,
        deliveredAt: o.deliveredAt ? new Date(o.deliveredAt) : null,
        trackingNumber: o.trackingNumber,
        lines: o.lines.map((l) => ({ id: l.id, sku: l.sellerSku ?? l.skuId, productId: l.productId, productName: l.skuName ? `${l.productName} (${l.skuName})` : l.productName, category: l.category, unitPrice: l.unitPrice, paid: l.paidAmount })),
        buyer: { lifetimeValue: sb.buyer.lifetimeValue.amount, orderCount: sb.buyer.lifetimeValue.orderCount, language: sb.buyer.language },
      };
    },
    async getPlatformReturn(actor, id) {
      const v = await svc.getPlatformReturn(actor, id);
      return {
        id: v.id,
        shopId: v.shopId,
        orderId: v.orderId,
        externalId: v.externalId,
        type: v.type,
        status: v.status,
        reasonCode: v.reasonCode,
        reasonText: v.reasonText,
        orderLineIds: v.lines.map((l) => l.orderLineId).filter((x): x is string => !!x),
        photos: v.photos,
        sellerDeadline: v.sellerDeadline ? new Date(v.sellerDeadline) : null,
      };
    },
  };
}

/** Adapt the helpdesk (contract 2). */
export function ticketsPortFrom(svc: HelpdeskService): TicketsPort {
  return {
    async getTicket(actor, ticketId) {
      const { ticket, messages } = await svc.getTicket(actor, ticketId);
      return {
        id: ticket.id,
        shopId: ticket.shopId,
        orderId: ticket.orderId,
        language: ticket.language,
        status: ticket.status,
        outboundTexts: messages.filter((m) => m.kind === 'public' && m.direction === 'outbound').map((m) => m.body),
      };
    },
    async reply(actor, ticketId, text) {
      await svc.reply(actor, ticketId, { text });
    },
    async addNote(actor, ticketId, text) {
      await svc.addNote(actor, ticketId, { text });
    },
    async markSolved(actor, ticketId, reason) {
      await svc.markSolved(actor, ticketId, reason);
    },
    async setStatus(actor, ticketId, status) {
      await svc.setStatus(actor, ticketId, status);
    },
  };
}

/** Register this module's outbox handlers (reconcile, buyer message, reship release/cancel) and the payout gate on its steps. */
export function registerRemedyHandlers(registry: OutboxRegistry, remedies: ReturnType<typeof createRemediesService>): void {
  for (const [name, h] of Object.entries(remedies.handlers)) registry.register(name, h as Parameters<OutboxRegistry['register']>[1]);
  registry.gate('remedy', (row) => remedies.payoutGate(row));
}
