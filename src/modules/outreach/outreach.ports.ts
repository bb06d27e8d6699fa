import type { Executor } from '../../platform/db.js';
import { AppError } from '../../platform/errors.js';
import { buyerChatFacts } from '../helpdesk/index.js';
import { buyerPlatformIds, buyerShopFacts as orderFacts } from '../orders/index.js';

/** What the contact policy reads of its neighbours (orders, helpdesk), on the caller's transaction. */
export async function buyerShopFacts(tx: Executor, orgId: string, shopId: string, buyerIds: string[], now: Date) {
  // One after the other: a transaction's queries share one connection (pg queues them, and pg 9 refuses overlapping ones).
  const orders = await orderFacts(tx, orgId, shopId, buyerIds, now);
  const chats = await buyerChatFacts(tx, orgId, buyerIds);
  const contacts = await buyerPlatformIds(tx, orgId, buyerIds);
  const out = new Map<string, { lastOrderAt: Date | null; lastChatAt: Date | null; hasReturnHistory: boolean; email: string | null; phone: string | null }>();
  for (const id of buyerIds) {
    const o = orders.get(id);
    out.set(id, { lastOrderAt: o?.lastOrderAt ?? null, lastChatAt: chats.get(id)?.lastChatAt ?? null, hasReturnHistory: o?.hasReturnHistory ?? false, email: contacts.get(id)?.email ?? chats.get(id)?.email ?? null, phone: chats.get(id)?.phone ?? null });
  }
  return out;
}

export async function getBuyerIn(tx: Executor, orgId: string, buyerId: string): Promise<void> {
  const m = await buyerPlatformIds(tx, orgId, [buyerId]);
  if (!m.has(buyerId)) throw AppError.notFound('buyer', buyerId);
}
