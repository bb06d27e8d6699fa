import { and, asc, desc, eq } from 'drizzle-orm';
import type { Executor } from '../../platform/db.js';
import { AppError, isUniqueViolation } from '../../platform/errors.js';
import { requireRole, type Actor } from '../../platform/tenancy.js';
import { shopIn } from '../tenancy/index.js';
import { userIn } from '../auth/index.js';
import { fillVariables, variablesFrom } from './helpdesk.variables.js';
import { SUPERVISOR_ROLES, type HelpdeskCore, type MacroRow } from './helpdesk.core.js';
import type { CreateMacro, MacroVersionView, UpdateMacro } from './helpdesk.dto.js';
import { DEFAULT_MACROS } from './helpdesk.macros.js';
import { renderMacro, type RenderedMacro } from './helpdesk.rules.js';
import { macros, macroVersions } from './helpdesk.schema.js';

/** Macros: the organisation's reply playbooks, managed by supervisors and filled per ticket. */
export function createMacros(core: HelpdeskCore) {
  const { db, ids, clock } = core;

  /** A macro's shop and owner must be of the caller's organisation (404 otherwise, like any reference). */
  async function checkRefs(tx: Executor, orgId: string, input: { shopId?: string | null; ownerUserId?: string | null }) {
    if (input.shopId) await shopIn(tx, orgId, input.shopId);
    if (input.ownerUserId && !(await userIn(tx, orgId, input.ownerUserId))) throw AppError.notFound('user', input.ownerUserId);
  }

  async function writeVersion(tx: Executor, m: MacroRow, actor: Actor, now: Date) {
    await tx.insert(macroVersions).values({ orgId: m.orgId, macroId: m.id, version: m.version, name: m.name, category: m.category, bodies: m.bodies, shopId: m.shopId, ownerUserId: m.ownerUserId, active: m.active, defaultStatusAfter: m.defaultStatusAfter, authorUserId: actor.userId === 'system' ? null : actor.userId, createdAt: now });
  }

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
          await checkRefs(tx, actor.orgId, input);
          const owner = input.ownerUserId ?? (actor.userId === 'system' ? null : actor.userId);
          const [m] = await tx
            .insert(macros)
            .values({ orgId: actor.orgId, id: ids('mac'), key: input.key, name: input.name, category: input.category, bodies: input.bodies as Record<string, string>, active: true, defaultStatusAfter: input.defaultStatusAfter ?? null, shopId: input.shopId ?? null, ownerUserId: owner, version: 1, createdAt: now, updatedAt: now })
            .returning();
          await writeVersion(tx, m!, actor, now);
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
        const [cur] = await tx.select().from(macros).where(and(eq(macros.orgId, actor.orgId), eq(macros.id, id))).for('update');
        if (!cur) throw AppError.notFound('macro', id);
        await checkRefs(tx, actor.orgId, input);
        const patch: Partial<MacroRow> = { updatedAt: now, version: cur.version + 1 };
        if (input.name !== undefined) patch.name = input.name;
        if (input.category !== undefined) patch.category = input.category;
        if (input.bodies !== undefined) patch.bodies = input.bodies as Record<string, string>;
        if (input.active !== undefined) patch.active = input.active;
        if (input.defaultStatusAfter !== undefined) patch.defaultStatusAfter = input.defaultStatusAfter;
        if (input.shopId !== undefined) patch.shopId = input.shopId;
        if (input.ownerUserId !== undefined) patch.ownerUserId = input.ownerUserId;
        const [m] = await tx.update(macros).set(patch).where(and(eq(macros.orgId, actor.orgId), eq(macros.id, id))).returning();
        await writeVersion(tx, m!, actor, now);
        return m!;
      });
    },

    /** Saved states of a macro, newest first, with their authors. */
    async listMacroVersions(actor: Actor, id: string): Promise<MacroVersionView[]> {
      await part.getMacro(actor, id);
      return db.tenant(actor.orgId, async (tx) => {
        const rows = await tx.select().from(macroVersions).where(and(eq(macroVersions.orgId, actor.orgId), eq(macroVersions.macroId, id))).orderBy(desc(macroVersions.version)).limit(200);
        const names = new Map<string, string | null>();
        for (const r of rows) if (r.authorUserId && !names.has(r.authorUserId)) names.set(r.authorUserId, (await userIn(tx, actor.orgId, r.authorUserId))?.name ?? null);
        return rows.map((r) => ({
          version: r.version,
          name: r.name,
          category: r.category,
          bodies: r.bodies,
          shopId: r.shopId,
          ownerUserId: r.ownerUserId,
          active: r.active,
          defaultStatusAfter: r.defaultStatusAfter,
          authorUserId: r.authorUserId,
          authorName: r.authorUserId ? (names.get(r.authorUserId) ?? null) : null,
          createdAt: r.createdAt.toISOString(),
        }));
      });
    },

    /** Bring back an earlier state: saved as a new version, so the history never loses a step. */
    async restoreMacroVersion(actor: Actor, id: string, version: number): Promise<MacroRow> {
      requireRole(actor, SUPERVISOR_ROLES, 'managing macros');
      const old = await db.tenant(actor.orgId, async (tx) => {
        const [cur] = await tx.select({ id: macros.id }).from(macros).where(and(eq(macros.orgId, actor.orgId), eq(macros.id, id)));
        if (!cur) throw AppError.notFound('macro', id);
        const [v] = await tx.select().from(macroVersions).where(and(eq(macroVersions.orgId, actor.orgId), eq(macroVersions.macroId, id), eq(macroVersions.version, version)));
        if (!v) throw AppError.validation('macros.unknown_version', `Macro ${id} has no version ${version}`, [{ field: 'version', message: 'no such version' }]);
        return v;
      });
      return part.updateMacro(actor, id, { name: old.name, category: old.category, bodies: old.bodies as UpdateMacro['bodies'], active: old.active, defaultStatusAfter: old.defaultStatusAfter, shopId: old.shopId, ownerUserId: old.ownerUserId });
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
            .returning();
          if (r[0]) await writeVersion(tx, r[0], { orgId, userId: 'system', role: 'owner' } as Actor, now);
          n += r.length;
        }
        return n;
      });
    },
  };
  return part;
}
