import { and, asc, eq } from 'drizzle-orm';
import { auditActorOf, recordAudit } from '../audit/index.js';
import type { Clock } from '../../platform/clock.js';
import type { Database, Executor } from '../../platform/db.js';
import { AppError, isUniqueViolation } from '../../platform/errors.js';
import type { IdGenerator } from '../../platform/ids.js';
import { requireRole, type Actor } from '../../platform/tenancy.js';
import type { CreateShop, ShopView, UpdateShop } from './tenancy.dto.js';
import { defaultBusinessHours, isValidRegion, marketDefaults } from './tenancy.rules.js';
import { brands, organisations, shops } from './tenancy.schema.js';

export type ShopRow = typeof shops.$inferSelect;
export type BrandRow = typeof brands.$inferSelect;
export type OrganisationRow = typeof organisations.$inferSelect;

export function shopView(s: ShopRow): ShopView {
  return {
    id: s.id,
    brandId: s.brandId,
    name: s.name,
    market: s.market,
    region: s.region,
    currency: s.currency,
    timeZone: s.timeZone,
    languages: s.languages,
    businessHours: s.businessHours,
    returnPolicy: s.returnPolicy,
    supportContacts: s.supportContacts,
    tiktokShopId: s.tiktokShopId,
    createdAt: s.createdAt.toISOString(),
  };
}

export interface TenancyDeps {
  db: Database;
  ids: IdGenerator;
  clock: Clock;
}

export function createTenancyService({ db, ids, clock }: TenancyDeps) {
  async function loadShop(tx: Executor, orgId: string, id: string): Promise<ShopRow> {
    const [row] = await tx.select().from(shops).where(and(eq(shops.orgId, orgId), eq(shops.id, id)));
    if (!row) throw AppError.notFound('shop', id);
    return row;
  }

  function checkRegion(market: string, region: string | undefined | null) {
    if (region && !isValidRegion(market, region)) {
      throw AppError.validation('shops.bad_region', `Region ${region} is not a subdivision of ${market}`, [{ field: 'region', message: `not a region of ${market}` }]);
    }
  }

  return {
    /** Creates an organisation with no users; callers add the owner through the auth module. */
    async createOrganisation(input: { name: string; kind?: 'seller' | 'agency'; defaultLocale?: string }, tx?: Executor): Promise<OrganisationRow> {
      const orgId = ids('org');
      const run = async (t: Executor) => {
        const [row] = await t
          .insert(organisations)
          .values({ orgId, name: input.name, kind: input.kind ?? 'seller', defaultLocale: input.defaultLocale ?? 'en', createdAt: clock.now() })
          .returning();
        return row!;
      };
      return tx ? run(tx) : db.tenant(orgId, run);
    },

    async getOrganisation(actor: Actor): Promise<OrganisationRow> {
      return db.tenant(actor.orgId, async (tx) => {
        const [row] = await tx.select().from(organisations).where(eq(organisations.orgId, actor.orgId));
        if (!row) throw AppError.notFound('organisation', actor.orgId);
        return row;
      });
    },

    async listBrands(actor: Actor): Promise<BrandRow[]> {
      return db.tenant(actor.orgId, (tx) => tx.select().from(brands).where(eq(brands.orgId, actor.orgId)).orderBy(asc(brands.name)));
    },

    async getBrand(actor: Actor, id: string): Promise<BrandRow> {
      return db.tenant(actor.orgId, async (tx) => {
        const [row] = await tx.select().from(brands).where(and(eq(brands.orgId, actor.orgId), eq(brands.id, id)));
        if (!row) throw AppError.notFound('brand', id);
        return row;
      });
    },

    async createBrand(actor: Actor, input: { name: string }): Promise<BrandRow> {
      requireRole(actor, ['owner'], 'creating brands');
      try {
        return await db.tenant(actor.orgId, async (tx) => {
          const [row] = await tx.insert(brands).values({ orgId: actor.orgId, id: ids('brd'), name: input.name, createdAt: clock.now() }).returning();
          return row!;
        });
      } catch (e) {
        if (isUniqueViolation(e, 'brands_name_unique')) throw AppError.conflict('brands.duplicate_name', `A brand named "${input.name}" already exists`, { field: 'name' });
        throw e;
      }
    },

    async listShops(actor: Actor): Promise<ShopRow[]> {
      return db.tenant(actor.orgId, (tx) => tx.select().from(shops).where(eq(shops.orgId, actor.orgId)).orderBy(asc(shops.name)));
    },

    async getShop(actor: Actor, id: string): Promise<ShopRow> {
      return db.tenant(actor.orgId, (tx) => loadShop(tx, actor.orgId, id));
    },

    /** For other modules inside their own transaction. */
    loadShop,

    async createShop(actor: Actor, input: CreateShop): Promise<ShopRow> {
      requireRole(actor, ['owner'], 'creating shops');
      const d = marketDefaults(input.market);
      checkRegion(input.market, input.region);
      try {
        return await db.tenant(actor.orgId, async (tx) => {
          const [brand] = await tx.select().from(brands).where(and(eq(brands.orgId, actor.orgId), eq(brands.id, input.brandId)));
          if (!brand) throw AppError.validation('shops.unknown_brand', `Brand ${input.brandId} does not exist`, [{ field: 'brandId', message: 'no such brand' }]);
          const now = clock.now();
          const [row] = await tx
            .insert(shops)
            .values({
              orgId: actor.orgId,
              id: ids('shp'),
              brandId: input.brandId,
              name: input.name,
              market: input.market,
              region: input.region ?? null,
              currency: input.currency ?? d.currency,
              timeZone: input.timeZone ?? d.timeZone,
              languages: input.languages ?? d.languages,
              businessHours: input.businessHours ?? defaultBusinessHours(),
              returnPolicy: input.returnPolicy ?? d.returnPolicy,
              supportContacts: input.supportContacts ?? {},
              createdAt: now,
              updatedAt: now,
            })
            .returning();
          return row!;
        });
      } catch (e) {
        if (isUniqueViolation(e, 'shops_name_unique')) throw AppError.conflict('shops.duplicate_name', `A shop named "${input.name}" already exists`, { field: 'name' });
        throw e;
      }
    },

    async updateShop(actor: Actor, id: string, input: UpdateShop): Promise<ShopRow> {
      requireRole(actor, ['owner'], 'changing shops');
      try {
        return await db.tenant(actor.orgId, async (tx) => {
          const current = await loadShop(tx, actor.orgId, id);
          checkRegion(current.market, input.region);
          const patch: Partial<ShopRow> = { updatedAt: clock.now() };
          for (const k of Object.keys(input) as (keyof UpdateShop)[]) {
            if (input[k] !== undefined) (patch as Record<string, unknown>)[k] = input[k];
          }
          const [row] = await tx.update(shops).set(patch).where(and(eq(shops.orgId, actor.orgId), eq(shops.id, id))).returning();
          // The return policy is a promise to buyers (window, who pays the label): every change is audited.
          if (JSON.stringify(current.returnPolicy) !== JSON.stringify(row!.returnPolicy)) {
            await recordAudit(tx, { ids, clock }, { orgId: actor.orgId, actor: auditActorOf(actor), action: 'shops.return_policy_changed', subject: { type: 'shop', id }, before: current.returnPolicy, after: row!.returnPolicy });
          }
          return row!;
        });
      } catch (e) {
        if (isUniqueViolation(e, 'shops_name_unique')) throw AppError.conflict('shops.duplicate_name', `A shop named "${input.name}" already exists`, { field: 'name' });
        throw e;
      }
    },
  };
}

export type TenancyService = ReturnType<typeof createTenancyService>;
