import crypto from 'node:crypto';
import { and, asc, eq } from 'drizzle-orm';
import type { Clock } from '../../platform/clock.js';
import type { Database, Executor } from '../../platform/db.js';
import type { IdGenerator } from '../../platform/ids.js';
import type { Logger } from '../../platform/logger.js';
import { requireRole, type Actor } from '../../platform/tenancy.js';
import { buyersWithTicketContact } from '../helpdesk/index.js';
import { buyersMatching, orgsHoldingBuyer } from '../orders/index.js';
import type { BuyerExport, ErasureReport, RetentionSettings } from './privacy.dto.js';
import { privacyErasures, privacySettings } from './privacy.schema.js';
import { emptySubject, type BuyerSubject, type EraseContext, type HeldBackItem, type PrivacyRegistration } from './privacy.registry.js';

export interface PrivacyDeps {
  db: Database;
  ids: IdGenerator;
  clock: Clock;
  log: Logger;
  secretKey: Buffer;
  registrations: PrivacyRegistration[];
  /** Removes stored bytes no organisation holds any more, after the erasure commits. */
  purgeFiles(orgId: string, shas: string[]): Promise<number>;
}

const OWNER_ONLY = ['owner'] as const;

export function createPrivacyService(deps: PrivacyDeps) {
  const { db, clock, registrations } = deps;

  function context(orgId: string, erasureId: string, at: Date): EraseContext {
    const salt = Buffer.from(crypto.hkdfSync('sha256', deps.secretKey, Buffer.from('afterdesk'), Buffer.from(`privacy-pseudonym-v1:${orgId}`), 32));
    return { erasureId, at, holds: { caseIds: new Set(), orderIds: new Set() }, pseudonym: (v) => 'erased:' + crypto.createHmac('sha256', salt).update(v).digest('hex').slice(0, 32) };
  }

  async function resolve(tx: Executor, orgId: string, buyerId: string): Promise<BuyerSubject> {
    const s = emptySubject(orgId, buyerId);
    for (const r of registrations) await r.scope?.(tx, s);
    return s;
  }

  async function readSettings(tx: Executor, orgId: string): Promise<RetentionSettings> {
    const [r] = await tx.select().from(privacySettings).where(eq(privacySettings.orgId, orgId));
    return { closedTicketContentDays: r?.closedTicketContentDays ?? null, webhookBodyDays: r?.webhookBodyDays ?? null, orderPersonalDays: r?.orderPersonalDays ?? null };
  }

  const service = {
    registrations,

    /** Which organisations hold a buyer id (ids are unique, so normally one): for the CLI, which has no session. */
    async orgsOfBuyer(buyerId: string): Promise<string[]> {
      return db.system((tx) => orgsHoldingBuyer(tx, buyerId));
    },

    async findBuyers(actor: Actor, q: string) {
      requireRole(actor, OWNER_ONLY, 'finding a buyer');
      const like = `%${q.replace(/[\\%_]/g, (c) => '\\' + c)}%`;
      return db.tenant(actor.orgId, async (tx) => buyersMatching(tx, actor.orgId, q, like, await buyersWithTicketContact(tx, actor.orgId, q, like)));
    },

    /** Everything we hold about one buyer, as one JSON document (Art. 15 and 20). */
    async exportBuyer(orgId: string, buyerId: string): Promise<BuyerExport> {
      return db.tenant(orgId, async (tx) => {
        const s = await resolve(tx, orgId, buyerId);
        const modules: BuyerExport['modules'] = {};
        for (const r of registrations) modules[r.module] = await r.export(tx, s);
        const erasures = (
          await tx.select({ report: privacyErasures.report }).from(privacyErasures).where(and(eq(privacyErasures.orgId, orgId), eq(privacyErasures.buyerId, buyerId))).orderBy(asc(privacyErasures.requestedAt), asc(privacyErasures.id))
        ).map((r) => r.report);
        return JSON.parse(JSON.stringify({ format: 'afterdesk.buyer-export.v1', exportedAt: clock.now().toISOString(), orgId, buyerId, modules, erasures })) as BuyerExport;
      });
    },

    async exportForActor(actor: Actor, buyerId: string): Promise<BuyerExport> {
      requireRole(actor, OWNER_ONLY, 'exporting a buyer’s data');
      return service.exportBuyer(actor.orgId, buyerId);
    },

    /**
     * Erase a buyer (Art. 17) in one transaction across every registered module; evidence of an
     * open dispute is held back and reported. Stored bytes go after the commit (a rollback must
     * not leave records citing files that are gone).
     */
    async eraseBuyer(orgId: string, buyerId: string, requestedBy: string): Promise<ErasureReport> {
      const at = clock.now();
      const erasureId = deps.ids('era');
      const ctx = context(orgId, erasureId, at);
      const { report, forgotten } = await db.tenant(orgId, async (tx) => {
        const s = await resolve(tx, orgId, buyerId);
        const erased: Record<string, number> = {};
        const heldBack: HeldBackItem[] = [];
        const forgotten: string[] = [];
        for (const r of registrations) {
          const out = await r.erase(tx, s, ctx);
          for (const [k, v] of Object.entries(out.counts)) erased[k] = (erased[k] ?? 0) + v;
          heldBack.push(...(out.heldBack ?? []));
          forgotten.push(...(out.forgottenFiles ?? []));
        }
        const report: ErasureReport = { erasureId, buyerId, erasedAt: at.toISOString(), erased, filesRemoved: 0, heldBack };
        await tx.insert(privacyErasures).values({ orgId, id: erasureId, buyerId, requestedBy, requestedAt: at, report });
        return { report, forgotten };
      });
      report.filesRemoved = await deps.purgeFiles(orgId, forgotten);
      deps.log.info({ orgId, erasureId, tables: Object.keys(report.erased).length, heldBack: report.heldBack.length }, 'buyer erased');
      return report;
    },

    async eraseForActor(actor: Actor, buyerId: string): Promise<ErasureReport> {
      requireRole(actor, OWNER_ONLY, 'erasing a buyer');
      return service.eraseBuyer(actor.orgId, buyerId, actor.userId);
    },

    async getSettings(actor: Actor): Promise<RetentionSettings> {
      requireRole(actor, OWNER_ONLY, 'reading retention settings');
      return db.tenant(actor.orgId, (tx) => readSettings(tx, actor.orgId));
    },

    async updateSettings(actor: Actor, input: RetentionSettings): Promise<RetentionSettings> {
      requireRole(actor, OWNER_ONLY, 'changing retention settings');
      return db.tenant(actor.orgId, async (tx) => {
        const values = { ...input, updatedAt: clock.now(), updatedBy: actor.userId };
        await tx.insert(privacySettings).values({ orgId: actor.orgId, ...values }).onConflictDoUpdate({ target: privacySettings.orgId, set: values });
        return readSettings(tx, actor.orgId);
      });
    },

    /** Apply one organisation's retention periods now (the job runs this for every organisation with settings). */
    async applyRetention(orgId: string): Promise<Record<string, number>> {
      const now = clock.now();
      const ctx = context(orgId, deps.ids('era'), now);
      return db.tenant(orgId, async (tx) => {
        const policy = await readSettings(tx, orgId);
        for (const r of registrations) {
          const h = await r.legalHolds?.(tx, orgId);
          for (const c of h?.caseIds ?? []) ctx.holds.caseIds.add(c);
          for (const o of h?.orderIds ?? []) ctx.holds.orderIds.add(o);
        }
        const changed: Record<string, number> = {};
        for (const r of registrations) {
          const out = (await r.retain?.(tx, orgId, policy, now, ctx)) ?? {};
          for (const [k, v] of Object.entries(out)) if (v) changed[k] = (changed[k] ?? 0) + v;
        }
        return changed;
      });
    },

    async applyRetentionAll(): Promise<{ orgId: string; changed: Record<string, number> }[]> {
      const orgs = await db.system(async (tx) => (await tx.select({ orgId: privacySettings.orgId }).from(privacySettings).orderBy(asc(privacySettings.orgId))).map((r) => r.orgId));
      const out = [];
      for (const orgId of orgs) out.push({ orgId, changed: await service.applyRetention(orgId) });
      return out;
    },
  };
  return service;
}

export type PrivacyService = ReturnType<typeof createPrivacyService>;
