import { and, asc, eq } from 'drizzle-orm';
import { AppError, isUniqueViolation } from '../../platform/errors.js';
import { requireRole, type Actor } from '../../platform/tenancy.js';
import { shopIn } from '../tenancy/index.js';
import { SUPERVISOR_ROLES, type HelpdeskCore, type MacroRow } from './helpdesk.core.js';
import type { CreateMacro, UpdateMacro } from './helpdesk.dto.js';
import { DEFAULT_MACROS } from './helpdesk.macros.js';
import { renderMacro, type RenderedMacro } from './helpdesk.rules.js';
import { macros } from './helpdesk.schema.js';

/** Macros: the organisation's reply playbooks, managed by supervisors and filled per ticket. */
export function createMacros(core: HelpdeskCore) {
  const { db, ids, clock } = core;

  const part = {
    async listMacros(actor: Actor, opts: { includeInactive?: boolean } = {}): Promise<MacroRow[]> {
      return db.tenant(actor.orgId, (tx) =>
        tx
          .select()
          .from(macros)
          .where(and(eq(macros.orgId, actor.orgId), opts.includeInactive ? undefined : eq(macros.active, true)))
          .orderBy(asc(macros.category), asc(macros.name)),
      );
    },

    async getMacro(actor: Actor, id: string): Promise<MacroRow> {
      return db.tenant(actor.orgId, async (tx) => {
        const [m] = await tx.select().from(macros).where(and(eq(macros.orgId, actor.orgId), eq(macros.id, id)));
        if (!m) throw AppError.notFound('macro', id);
        return m;
      });
    },

    async createMacro(actor: Actor, input: CreateMacro): Promise<MacroRow> {
      requireRole(actor, SUPERVISOR_ROLES, 'managing macros');
      const now = clock.now();
      try {
        return await db.tenant(actor.orgId, async (tx) => {
          const [m] = await tx
            .insert(macros)
            .values({ orgId: actor.orgId, id: ids('mac'), key: input.key, name: input.name, category: input.category, bodies: input.bodies as Record<string, string>, active: true, createdAt: now, updatedAt: now })
            .returning();
          return m!;
        });
      } catch (e) {
        if (isUniqueViolation(e, 'macros_key_unique')) throw AppError.conflict('macros.duplicate_key', `A macro with key ${input.key} already exists`, { field: 'key' });
        throw e;
      }
    },

    async updateMacro(actor: Actor, id: string, input: UpdateMacro): Promise<MacroRow> {
      requireRole(actor, SUPERVISOR_ROLES, 'managing macros');
      const now = clock.now();
      return db.tenant(actor.orgId, async (tx) => {
        const patch: Partial<MacroRow> = { updatedAt: now };
        if (input.name !== undefined) patch.name = input.name;
        if (input.category !== undefined) patch.category = input.category;
        if (input.bodies !== undefined) patch.bodies = input.bodies as Record<string, string>;
        if (input.active !== undefined) patch.active = input.active;
        const [m] = await tx.update(macros).set(patch).where(and(eq(macros.orgId, actor.orgId), eq(macros.id, id))).returning();
        if (!m) throw AppError.notFound('macro', id);
        return m;
      });
    },

    async deleteMacro(actor: Actor, id: string): Promise<void> {
      requireRole(actor, SUPERVISOR_ROLES, 'managing macros');
      await db.tenant(actor.orgId, async (tx) => {
        const r = await tx.delete(macros).where(and(eq(macros.orgId, actor.orgId), eq(macros.id, id))).returning({ id: macros.id });
        if (!r.length) throw AppError.notFound('macro', id);
      });
    },

    /**
     * Fill a macro for a ticket: the buyer's language (fallback en) and the variables the ticket
     * and its order know. Explicit variables win over derived ones.
     */
    async renderMacro(actor: Actor, id: string, opts: { ticketId?: string; language?: string; variables?: Record<string, string> }): Promise<RenderedMacro & { variables: Record<string, string> }> {
      const m = await part.getMacro(actor, id);
      const vars: Record<string, string> = {};
      let language = opts.language ?? 'en';
      if (opts.ticketId) {
        const t = await core.getTicketRow(actor, opts.ticketId);
        language = opts.language ?? t.language;
        // The ticket's shop always exists (foreign key), so this never refuses.
        const shop = await db.tenant(actor.orgId, (tx) => shopIn(tx, actor.orgId, t.shopId));
        if (t.buyerName) vars.buyer_name = t.buyerName.split(/\s+/)[0]!;
        vars.shop_name = shop.name;
        if (t.orderId) vars.order_number = t.orderId;
        const facts = await core.orderFacts(actor, t.orderId);
        if (facts) {
          if (facts.externalId) vars.order_number = facts.externalId;
          const product = facts.lines.find((l) => l.productName)?.productName;
          if (product) vars.product = product;
          if (facts.trackingUrl) vars.tracking_link = facts.trackingUrl;
          else if (facts.trackingNumber) vars.tracking_link = `${facts.carrier ? `${facts.carrier} ` : ''}${facts.trackingNumber}`;
        }
      }
      Object.assign(vars, opts.variables ?? {});
      return { ...renderMacro(m.bodies, language, vars), variables: vars };
    },

    /** The starter playbooks in five languages; existing keys are left alone. */
    async seedDefaultMacros(orgId: string): Promise<number> {
      const now = clock.now();
      return db.tenant(orgId, async (tx) => {
        let n = 0;
        for (const d of DEFAULT_MACROS) {
          const r = await tx
            .insert(macros)
            .values({ orgId, id: ids('mac'), key: d.key, name: d.name, category: d.category, bodies: d.bodies, active: true, createdAt: now, updatedAt: now })
            .onConflictDoNothing()
            .returning({ id: macros.id });
          n += r.length;
        }
        return n;
      });
    },
  };
  return part;
}
