import type { ActionLines } from '../helpdesk/index.js';
import type { RecordEvidence } from '../evidence/index.js';
import type { Notify } from '../notifications/index.js';
import type { Actor } from '../../platform/tenancy.js';
import type { CouponsService } from '../coupons/index.js';

/**
 * What remedies and returns need from their neighbours (orders, helpdesk, evidence), kept this
 * narrow so the composition (src/app/compose.ts) decides which implementation fills each port.
 */

export interface OrderLineInfo {
  id: string;
  sku: string;
  productId: string;
  productName: string;
  category: string | null;
  unitPrice: number;
  /** After the line's share of order discounts, allocated at purchase. */
  paid: number;
}

export interface OrderInfo {
  id: string;
  shopId: string;
  buyerId: string | null;
  externalId: string;
  currency: string;
  deliveredAt: Date | null;
  trackingNumber: string | null;
  lines: OrderLineInfo[];
  buyer: { lifetimeValue: number; orderCount: number; language: string | null };
  /** An order-level coupon with a minimum spend, when the order carries one (drives the coupon-minimum rule). */
  coupon?: { code: string; minSpend: number; amount: number } | null;
}

export interface PlatformReturnInfo {
  id: string;
  shopId: string;
  orderId: string | null;
  externalId: string;
  type: string;
  status: string;
  reasonCode: string | null;
  reasonText: string | null;
  orderLineIds: string[];
  photos: string[];
  sellerDeadline: Date | null;
}

export interface OrdersPort {
  getOrder(actor: Actor, orderId: string): Promise<OrderInfo>;
  getPlatformReturn(actor: Actor, id: string): Promise<PlatformReturnInfo>;
}

export interface TicketInfo {
  id: string;
  shopId: string;
  orderId: string | null;
  language: string;
  status: string;
  /** Public outbound texts already on the ticket: lets a retried message step see that it landed. */
  outboundTexts: string[];
}

export interface TicketsPort {
  getTicket(actor: Actor, ticketId: string): Promise<TicketInfo>;
  reply(actor: Actor, ticketId: string, text: string): Promise<void>;
  addNote(actor: Actor, ticketId: string, text: string): Promise<void>;
  markSolved(actor: Actor, ticketId: string, reason: string): Promise<void>;
  setStatus(actor: Actor, ticketId: string, status: 'open' | 'waiting_on_warehouse' | 'waiting_on_platform'): Promise<void>;
}

/** Contract 4: append-only, written in the caller's transaction. One type, owned by the evidence module. */
export type { EvidenceInput, RecordEvidence } from '../evidence/index.js';

/** The returns module, which is built on remedies and so reaches it only through this port. */
export interface ReturnsPort {
  getReturn(actor: Actor, id: string): Promise<{ id: string; orderId: string }>;
}

/** Every port is required: a wiring slip is a compile error, not a remedy that silently records no evidence. */
/** Compensation coupons are the coupons module's (platform coupons, the per-buyer ledger), in the remedy's transaction. */
export type CouponsPort = Pick<CouponsService, 'issueCompensationIn' | 'voidRemedyIn' | 'remedyCouponIn'>;

export interface RemediesPorts {
  orders: OrdersPort;
  coupons: CouponsPort;
  returns: ReturnsPort;
  tickets: TicketsPort;
  recordEvidence: RecordEvidence;
  /** The notification centre: approvals waiting (supervisors, owners) and decided (the proposer). */
  notify?: Notify;
  /** Lines in the ticket's thread following each step (requested → sent → confirmed / failed). */
  actionLines?: ActionLines;
}
