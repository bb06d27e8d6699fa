import type { z } from 'zod';
import { auditActorOf, changedOnly, recordAudit } from '../audit/index.js';
import { and, eq, sql } from 'drizzle-orm';
import type { Clock } from '../../platform/clock.js';
import type { Database, Executor } from '../../platform/db.js';
import { AppError, isUniqueViolation } from '../../platform/errors.js';
import type { IdGenerator } from '../../platform/ids.js';
import { requireRole, type Actor } from '../../platform/tenancy.js';
import { shopIn } from '../tenancy/index.js';
import { CreatePolicy, type PolicyView, type UpdatePolicy } from './sla.dto.js';
import { slaPolicies, type PolicyRow } from './sla.schema.js';
import { describeIssues, zodIssues } from '../../platform/validation.js';

/**
 * Default policies every organisation starts with (seeded on its first ticket). Business minutes
 * unless the mode says calendar. Resolution targets assume the default 9-hour business day.
 */
export const DEFAULT_POLICIES: Omit<CreatePolicy, 'active'>[] = [
  { name: 'General', names: { 'zh-CN': '通用' }, firstReplyMinutes: 60, nextReplyMinutes: 120, resolutionMinutes: 3 * 540, mode: 'business', warningPercents: [50, 80] },
  { name: 'High-ticket orders (≥ 200.00)', names: { 'zh-CN': '高客单价订单（≥ 200.00）' }, minOrderAmount: 20_000, firstReplyMinutes: 15, nextReplyMinutes: 30, resolutionMinutes: 540, mode: 'business', warningPercents: [50, 80] },
  { name: 'Livestream channel', names: { 'zh-CN': '直播渠道' }, channel: 'livestream', firstReplyMinutes: 24 * 60, nextReplyMinutes: 24 * 60, resolutionMinutes: 72 * 60, mode: 'calendar', warningPercents: [50, 80] },
];

function policyView(p: PolicyRow): PolicyView {
  return {
    id: p.id,
    name: p.name,
    names: p.names,
    shopId: p.shopId,
    channel: p.channel,
    priority: p.priority,
    minOrderAmount: p.minOrderAmount,
    minOrderCurrency: p.minOrderCurrency,
    firstReplyMinutes: p.firstReplyMinutes,
    nextReplyMinutes: p.nextReplyMinutes,
    resolutionMinutes: p.resolutionMinutes,
    mode: p.mode,
    warningPercents: p.warningPercents,
    active: p.active,
    createdAt: p.createdAt.toISOString(),
    updatedAt: p.updatedAt.toISOString(),
  };
}

/** A validated policy as the columns it is stored in (create and update write the same ones). */
function policyColumns(p: z.output<typeof CreatePolicy>) {
  return {
    name: p.name,
    names: p.names,
    shopId: p.shopId ?? null,
    channel: p.channel ?? null,
    priority: p.priority ?? null,
    minOrderAmount: p.minOrderAmount ?? null,
    minOrderCurrency: p.minOrderCurrency ?? null,
    firstReplyMinutes: p.firstReplyMinutes ?? null,
    nextReplyMinutes: p.nextReplyMinutes ?? null,
    resolutionMinutes: p.resolutionMinutes ?? null,
    mode: p.mode,
    warningPercents: [...p.warningPercents].sort((a, b) => a - b),
    active: p.active,
  };
}

/** SLA policies: the organisation's targets, seeded with defaults on first use. */
export function createSlaPolicies(deps: { db: Database; clock: Clock; ids: IdGenerator }) {
  const { db, clock, ids } = deps;

  async function loadPolicies(tx: Executor, orgId: string): Promise<PolicyRow[]> {
    let rows = await tx.select().from(slaPolicies).where(eq(slaPolicies.orgId, orgId));
    if (rows.length === 0) {
      await seedDefaults(tx, orgId);
      rows = await tx.select().from(slaPolicies).where(eq(slaPolicies.orgId, orgId));
    }
    return rows;
  }

  async function seedDefaults(tx: Executor, orgId: string): Promise<number> {
    const now = clock.now();
    let n = 0;
    for (const [i, d] of DEFAULT_POLICIES.entries()) {
      const p = CreatePolicy.parse(d);
      // Distinct created_at keeps "oldest wins" tie-breaks stable for the defaults.
      const at = new Date(now.getTime() + i);
      const r = await tx
        .insert(slaPolicies)
        .values({
          orgId,
          id: ids('slp'),
          ...policyColumns(p),
          active: true,
          createdAt: at,
          updatedAt: at,
        })
        .onConflictDoNothing()
        .returning({ id: slaPolicies.id });
      n += r.length;
    }
    return n;
  }

  /** Seeds the default policies when the organisation has none; the demo seeding calls this. */
  async function ensureDefaultPolicies(orgId: string): Promise<number> {
    return db.tenant(orgId, async (tx) => {
      const [row] = await tx.select({ n: sql<number>`count(*)` }).from(slaPolicies).where(eq(slaPolicies.orgId, orgId));
      return row && row.n > 0 ? 0 : seedDefaults(tx, orgId);
    });
  }

  async function assertShop(tx: Executor, orgId: string, shopId: string | null | undefined): Promise<void> {
    if (!shopId) return;
    try {
      await shopIn(tx, orgId, shopId);
    } catch (e) {
      // A policy naming another organisation's (or no) shop is the caller's input to fix, not a missing resource.
      if (e instanceof AppError && e.code === 'shop.not_found') throw AppError.validation('sla.unknown_shop', `Shop ${shopId} was not found`, [{ field: 'shopId', message: 'no such shop in this organisation' }]);
      throw e;
    }
  }

  async function listPolicies(actor: Actor): Promise<PolicyView[]> {
    return db.tenant(actor.orgId, async (tx) => (await loadPolicies(tx, actor.orgId)).sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime()).map(policyView));
  }

  async function getPolicy(actor: Actor, id: string): Promise<PolicyView> {
    return db.tenant(actor.orgId, async (tx) => {
      const [p] = await tx.select().from(slaPolicies).where(and(eq(slaPolicies.orgId, actor.orgId), eq(slaPolicies.id, id)));
      if (!p) throw AppError.notFound('sla_policy', id);
      return policyView(p);
    });
  }

  async function createPolicy(actor: Actor, input: CreatePolicy): Promise<PolicyView> {
    requireRole(actor, ['owner', 'supervisor'], 'changing SLA policies');
    const p = CreatePolicy.parse(input);
    return db.tenant(actor.orgId, async (tx) => {
      await assertShop(tx, actor.orgId, p.shopId);
      // Seed the defaults first, so an organisation's first own policy adds to them instead of replacing them.
      await loadPolicies(tx, actor.orgId);
      const now = clock.now();
      try {
        const [row] = await tx
          .insert(slaPolicies)
          .values({
            orgId: actor.orgId,
            id: ids('slp'),
            ...policyColumns(p),
            createdAt: now,
            updatedAt: now,
          })
          .returning();
        const { id: _id, createdAt: _c, updatedAt: _u, ...after } = policyView(row!);
        await recordAudit(tx, { ids, clock }, { orgId: actor.orgId, actor: auditActorOf(actor), action: 'sla.policy_created', subject: { type: 'sla_policy', id: row!.id }, after });
        return policyView(row!);
      } catch (e) {
        if (isUniqueViolation(e, 'sla_policies_name_unique')) throw AppError.conflict('sla.policy_name_taken', `A policy named "${p.name}" exists already`, { field: 'name' });
        throw e;
      }
    });
  }

  async function updatePolicy(actor: Actor, id: string, patch: UpdatePolicy): Promise<PolicyView> {
    requireRole(actor, ['owner', 'supervisor'], 'changing SLA policies');
    return db.tenant(actor.orgId, async (tx) => {
      const [cur] = await tx.select().from(slaPolicies).where(and(eq(slaPolicies.orgId, actor.orgId), eq(slaPolicies.id, id))).for('update');
      if (!cur) throw AppError.notFound('sla_policy', id);
      const merged = { ...policyView(cur), ...patch };
      // Re-validate the whole policy so a patch cannot leave it without any target.
      const checked = CreatePolicy.safeParse({
        name: merged.name,
        names: merged.names,
        shopId: merged.shopId,
        channel: merged.channel,
        priority: merged.priority,
        minOrderAmount: merged.minOrderAmount,
        minOrderCurrency: merged.minOrderCurrency,
        firstReplyMinutes: merged.firstReplyMinutes,
        nextReplyMinutes: merged.nextReplyMinutes,
        resolutionMinutes: merged.resolutionMinutes,
        mode: merged.mode,
        warningPercents: merged.warningPercents,
        active: merged.active,
      });
      if (!checked.success) {
        const issues = zodIssues(checked.error, { root: 'body' });
        throw AppError.validation('sla.invalid_policy', `Invalid policy: ${describeIssues(issues)}`, issues);
      }
      if (patch.shopId !== undefined) await assertShop(tx, actor.orgId, patch.shopId);
      const v = checked.data;
      try {
        const [row] = await tx
          .update(slaPolicies)
          .set({
            ...policyColumns(v),
            updatedAt: clock.now(),
          })
          .where(and(eq(slaPolicies.orgId, actor.orgId), eq(slaPolicies.id, id)))
          .returning();
        const { updatedAt: _b, ...before } = policyView(cur);
        const { updatedAt: _a, ...after } = policyView(row!);
        const diff = changedOnly(before, after);
        if (Object.keys(diff.after).length) await recordAudit(tx, { ids, clock }, { orgId: actor.orgId, actor: auditActorOf(actor), action: 'sla.policy_changed', subject: { type: 'sla_policy', id }, ...diff });
        return policyView(row!);
      } catch (e) {
        if (isUniqueViolation(e, 'sla_policies_name_unique')) throw AppError.conflict('sla.policy_name_taken', `A policy named "${v.name}" exists already`, { field: 'name' });
        throw e;
      }
    });
  }

  /** Policies are deactivated, not deleted: clocks and their audit keep pointing at them. */
  async function deactivatePolicy(actor: Actor, id: string): Promise<PolicyView> {
    return updatePolicy(actor, id, { active: false });
  }


  return { loadPolicies, ensureDefaultPolicies, listPolicies, getPolicy, createPolicy, updatePolicy, deactivatePolicy };
}

export type SlaPolicies = ReturnType<typeof createSlaPolicies>;
