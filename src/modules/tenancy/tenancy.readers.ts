import { and, eq } from 'drizzle-orm';
import type { Executor } from '../../platform/db.js';
import { AppError } from '../../platform/errors.js';
import type { ShopRow } from './tenancy.service.js';
import { shops } from './tenancy.schema.js';

/**
 * Narrow reads for other modules, on the caller's transaction (so they see its writes and its
 * organisation): the shops table stays this module's own.
 */
export async function shopIn(tx: Executor, orgId: string, shopId: string): Promise<ShopRow> {
  const [s] = await tx.select().from(shops).where(and(eq(shops.orgId, orgId), eq(shops.id, shopId)));
  if (!s) throw AppError.notFound('shop', shopId);
  return s;
}
