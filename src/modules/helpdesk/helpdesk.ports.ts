import type { Readable } from 'node:stream';
import type { RecordEvidence, RecordEvidenceMany } from '../evidence/index.js';
import type { Notify } from '../notifications/index.js';
import type { Executor } from '../../platform/db.js';
import type { Actor } from '../../platform/tenancy.js';
import type { Channel, Priority, TicketStatus } from './helpdesk.dto.js';
import type { ShopRowLike } from './helpdesk.automations.types.js';

/**
 * What the helpdesk needs from its neighbours, kept this narrow so the
 * composition (src/app/compose.ts) decides which implementation fills each port.
 */

/** Contract 3 (sla module). */
export interface SlaPort {
  startClocks(
    tx: Executor,
    input: { orgId: string; shopId: string; ticketId: string; channel: Channel; priority: Priority; orderValue?: { amount: number; currency: string }; at: Date; shop?: ShopRowLike },
  ): Promise<{ nextDueAt: Date | null }>;
  recordEvent(
    tx: Executor,
    input: { orgId: string; ticketId: string; kind: 'agent_public_reply' | 'buyer_message' | 'status_changed' | 'priority_changed'; status?: TicketStatus; priority?: Priority; at: Date; shop?: ShopRowLike },
  ): Promise<{ nextDueAt: Date | null }>;
  /** Several events of one ticket in order, read once (a reply and the status change it caused); without it they go one by one. */
  recordEvents?(tx: Executor, inputs: Parameters<SlaPort['recordEvent']>[1][]): Promise<{ nextDueAt: Date | null }>;
}

/** Contract 4 (evidence module): one type, owned there. */
export type { EvidenceInput, RecordEvidence } from '../evidence/index.js';

export interface StoredFile {
  sha256: string;
  contentType: string;
  size: number;
  thumbnailSha256?: string;
}
export interface FilesPort {
  storeFile(orgId: string, input: { bytes: Buffer; fileName: string; declaredContentType?: string }): Promise<StoredFile>;
  /** The same for a stream: written to disk while hashed; more than `maxBytes` is a 413 `upload.too_large`. */
  storeUpload(orgId: string, input: { stream: Readable; fileName: string; declaredContentType?: string; maxBytes?: number }): Promise<StoredFile>;
  readFile?(orgId: string, sha256: string): Promise<unknown>;
}

/** What routing and macros read from an order (contract 1, getOrder). */
export interface OrderFacts {
  id: string;
  externalId?: string | null;
  buyerId?: string | null;
  currency?: string | null;
  totalAmount?: number | null;
  trackingNumber?: string | null;
  trackingUrl?: string | null;
  carrier?: string | null;
  lines: { productName?: string | null; category?: string | null; trafficSourceType?: string | null }[];
  deliveredAt?: string | null;
}

export interface OrdersPort {
  getOrderFacts(actor: Actor, orderId: string): Promise<OrderFacts | null>;
  getOrderSidebar?(actor: Actor, orderId: string): Promise<unknown>;
  /** False for a missing buyer and for another organisation's alike. */
  buyerExists?(actor: Actor, buyerId: string): Promise<boolean>;
}

export interface HelpdeskPorts {
  sla: SlaPort;
  recordEvidence: RecordEvidence;
  /**
   * Several records chained in one append (the head locked once, one INSERT). Without it they go
   * one by one through `recordEvidence`.
   */
  recordEvidenceMany?: RecordEvidenceMany;
  /**
   * Optional on purpose: without it (isolated tests) an inbound message's order reference cannot
   * be checked and is kept as given. The composition always fills it.
   */
  orders?: OrdersPort;
  /** The notification centre (mentions, SLA warnings and breaches), written in the caller's transaction. */
  notify?: Notify;
  /**
   * Product knowledge as macro variables (`knowledge.care`, `knowledge.faq.<key>`) for a ticket's
   * product in its language, read in the caller's transaction (the knowledge module fills it).
   */
  knowledgeVariables?: (tx: Executor, orgId: string, ticket: { shopId: string; orderId: string | null; language: string }) => Promise<Record<string, string>>;
  /**
   * A buyer's message was stored (any channel), called after its transaction committed; a failure
   * is logged and never fails the ingest (analytics reads CSAT answers here; its job is the net).
   */
  afterBuyerMessage?: (m: { orgId: string; ticketId: string; messageId: string; text: string }) => Promise<void>;
}

/** The slice of the orders module (contract 1) the adapter below reads. */
export interface OrdersLike {
  getOrder(
    actor: Actor,
    orderId: string,
  ): Promise<{
    id: string;
    externalId: string;
    buyerId: string;
    currency: string;
    total: number;
    trackingNumber: string | null;
    carrier: string | null;
    deliveredAt?: string | null;
    lines: { productName: string; category: string | null; trafficSource: { type: string } }[];
  }>;
  getOrderSidebar(actor: Actor, orderId: string): Promise<unknown>;
  getBuyer(actor: Actor, buyerId: string): Promise<unknown>;
}

/** The orders module seen through the helpdesk's port (order facts for routing and macros, sidebar, buyer check). */
export function helpdeskOrdersPort(orders: OrdersLike, trackingUrl: (carrier: string | null, number: string) => string | null): OrdersPort {
  return {
    async getOrderFacts(actor, orderId) {
      const o = await orders.getOrder(actor, orderId);
      return {
        id: o.id,
        externalId: o.externalId,
        buyerId: o.buyerId,
        currency: o.currency,
        totalAmount: o.total,
        trackingNumber: o.trackingNumber,
        carrier: o.carrier,
        trackingUrl: o.trackingNumber ? trackingUrl(o.carrier, o.trackingNumber) : null,
        lines: o.lines.map((l) => ({ productName: l.productName, category: l.category, trafficSourceType: l.trafficSource.type })),
        deliveredAt: o.deliveredAt ?? null,
      };
    },
    getOrderSidebar: (actor, orderId) => orders.getOrderSidebar(actor, orderId),
    async buyerExists(actor, buyerId) {
      try {
        await orders.getBuyer(actor, buyerId);
        return true;
      } catch (e) {
        if ((e as { kind?: string }).kind === 'not_found') return false;
        throw e;
      }
    },
  };
}
