import { z } from 'zod';

// The lookup HTTP contract. It imports nothing server-side, so the web app imports it too.

export const LOOKUP_KINDS = ['order', 'ticket', 'buyer', 'return'] as const;
export type LookupKind = (typeof LOOKUP_KINDS)[number];
export const LOOKUP_MATCHES = ['order_number', 'tracking_number', 'rma', 'ticket_number', 'buyer'] as const;
export type LookupMatch = (typeof LOOKUP_MATCHES)[number];

/**
 * `q`: any number people have (platform order number, RMA, ticket number, tracking number) or a
 * buyer's name, e-mail or phone. `kind` narrows the answer (pickers ask for orders or tickets).
 */
export const LookupQuery = z.strictObject({
  q: z.string().trim().min(2).max(200),
  kind: z.enum(LOOKUP_KINDS).optional(),
  limit: z.coerce.number().int().min(1).max(50).optional(),
});
export type LookupQuery = z.input<typeof LookupQuery>;

export const LookupHitView = z.object({
  kind: z.enum(LOOKUP_KINDS),
  id: z.string(),
  /** What people call it: the order number, the RMA, `#<ticket number>`, the buyer's name. */
  title: z.string(),
  /** A second line in words: the buyer's name, the ticket's subject, the e-mail. */
  subtitle: z.string().nullable(),
  match: z.enum(LOOKUP_MATCHES),
  status: z.string().nullable(),
  amount: z.object({ value: z.number().int(), currency: z.string() }).nullable(),
  shopId: z.string().nullable(),
  orderId: z.string().nullable(),
  ticketId: z.string().nullable(),
  buyerId: z.string().nullable(),
  at: z.string().nullable(),
  score: z.number(),
});
export type LookupHitView = z.infer<typeof LookupHitView>;
export const LookupResultView = z.object({ items: z.array(LookupHitView) });
export type LookupResultView = z.infer<typeof LookupResultView>;

/** One of the two (orderId wins when both are given). */
export const RelatedQuery = z.strictObject({ orderId: z.string().min(1).max(64).optional(), buyerId: z.string().min(1).max(64).optional() });
export type RelatedQuery = z.infer<typeof RelatedQuery>;

export const RelatedTicketView = z.object({ id: z.string(), number: z.number(), channel: z.string(), subject: z.string(), status: z.string(), orderId: z.string().nullable(), lastMessageAt: z.string().nullable() });
export const RelatedReturnView = z.object({ id: z.string(), rma: z.string(), orderId: z.string(), status: z.string(), resolution: z.string(), currency: z.string(), refundTotal: z.number().int(), requestedAt: z.string() });
export const RelatedRemedyView = z.object({
  id: z.string(),
  orderId: z.string(),
  ticketId: z.string().nullable(),
  returnId: z.string().nullable(),
  kind: z.string(),
  status: z.string(),
  category: z.string(),
  currency: z.string(),
  refundAmount: z.number().int(),
  reship: z.boolean(),
  hasCoupon: z.boolean(),
  createdAt: z.string(),
});
/** What hangs off an order or a buyer in the other modules: conversations, returns, remedies (refunds, reships, coupons). */
export const RelatedView = z.object({ tickets: z.array(RelatedTicketView), returns: z.array(RelatedReturnView), remedies: z.array(RelatedRemedyView) });
export type RelatedView = z.infer<typeof RelatedView>;

/** Up to 100 ids (comma-separated): evidence case ids (tickets, returns, orders) and people. */
export const LabelsQuery = z.strictObject({ ids: z.string().min(1).max(4_000) });
export const CaseLabelView = z.object({
  id: z.string(),
  kind: z.enum(['ticket', 'return', 'order', 'dispute']),
  orderId: z.string().nullable(),
  orderNumber: z.string().nullable(),
  buyerId: z.string().nullable(),
  buyerName: z.string().nullable(),
  ticketId: z.string().nullable(),
  ticketNumber: z.number().nullable(),
  returnId: z.string().nullable(),
  rma: z.string().nullable(),
});
export type CaseLabelView = z.infer<typeof CaseLabelView>;
/** Words for ids: what a case is about (order number, buyer, ticket, RMA) and people's names. Unknown ids are left out. */
export const LabelsView = z.object({ cases: z.array(CaseLabelView), people: z.array(z.object({ id: z.string(), name: z.string() })) });
export type LabelsView = z.infer<typeof LabelsView>;
