import { and, asc, eq } from 'drizzle-orm';
import { AppError, isUniqueViolation } from '../../platform/errors.js';
import { requireRole, type Actor } from '../../platform/tenancy.js';
import { shopIn } from '../tenancy/index.js';
import { userIn } from '../auth/index.js';
import { fillVariables, variablesFrom } from './helpdesk.variables.js';
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
            .values({ orgId: actor.orgId, id: ids('mac'), key: input.key, name: input.name, category: input.category, bodies: input.bodies as Record<string, string>, active: true, defaultStatusAfter: input.defaultStatusAfter ?? null, createdAt: now, updatedAt: now })
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
        if (input.defaultStatusAfter !== undefined) patch.defaultStatusAfter = input.defaultStatusAfter;
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
      let language = opts.language ?? 'en';
      let vars: Record<string, string> = {};
      if (opts.ticketId) {
        const t = await core.getTicketRow(actor, opts.ticketId);
        language = opts.language ?? t.language;
        vars = await part.variablesForTicket(actor, t.id, language);
      }
      Object.assign(vars, opts.variables ?? {});
      return { ...renderMacro(m.bodies, language, vars), variables: vars };
    },

    /**
     * The one resolver's values for a ticket: buyer, order (number, product, tracking, return
     * deadline), shop and the agent writing. Other modules (knowledge, incidents) fill their texts
     * through `resolveText`.
     */
    async variablesForTicket(actor: Actor, ticketId: string, language?: string): Promise<Record<string, string>> {
      const t = await core.getTicketRow(actor, ticketId);
      const { shop, agent, knowledge } = await db.tenant(actor.orgId, async (tx) => ({
        // The ticket's shop always exists (foreign key).
        shop: await shopIn(tx, actor.orgId, t.shopId),
        agent: actor.userId === 'system' ? null : await userIn(tx, actor.orgId, actor.userId),
        knowledge: (await core.ports.knowledgeVariables?.(tx, actor.orgId, { shopId: t.shopId, orderId: t.orderId, language: language ?? t.language })) ?? {},
      }));
      const facts = await core.orderFacts(actor, t.orderId);
      const product = facts?.lines.find((l) => l.productName)?.productName ?? null;
      const vars = variablesFrom({
        buyerName: t.buyerName,
        shopName: shop.name,
        shopTimeZone: shop.timeZone,
        agentName: agent?.name ?? null,
        order: facts ? { externalId: facts.externalId, productName: product, trackingUrl: facts.trackingUrl, trackingNumber: facts.trackingNumber, carrier: facts.carrier, deliveredAt: facts.deliveredAt } : null,
        returnWindowDays: shop.returnPolicy?.windowDays ?? null,
        language: language ?? t.language,
      });
      return Object.fromEntries(Object.entries({ ...knowledge, ...vars }).filter(([, v]) => !!v)) as Record<string, string>;
    },

    /** Fill a text for a ticket; what stays unresolved is listed (and would block sending). */
    async resolveText(actor: Actor, ticketId: string, text: string, given: Record<string, string> = {}): Promise<{ text: string; unresolved: string[]; variables: Record<string, string> }> {
      const vars = { ...(await part.variablesForTicket(actor, ticketId)), ...given };
      return { ...fillVariables(text, vars), variables: vars };
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
