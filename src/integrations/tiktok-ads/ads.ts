/**
 * Each shop's TikTok advertiser account (the Marketing API): settings with the token sealed, and
 * the campaign report import — on demand and from an hourly job — into the analytics module, which
 * keeps spend per campaign and day beside the returns of the orders attributed to each campaign.
 */
import { and, eq } from 'drizzle-orm';
import type { Clock } from '../../platform/clock.js';
import type { Database } from '../../platform/db.js';
import { AppError } from '../../platform/errors.js';
import type { IdGenerator } from '../../platform/ids.js';
import type { Logger } from '../../platform/logger.js';
import { currencyExponent } from '../../platform/money.js';
import type { OutboundPolicy } from '../../platform/outbound.js';
import { decryptSecret, encryptSecret } from '../../platform/secrets.js';
import { requireRole, type Actor } from '../../platform/tenancy.js';
import type { AdCampaignDayInput, AnalyticsService } from '../../modules/analytics/index.js';
import { shopIn } from '../../modules/tenancy/index.js';
import { BusinessRateLimited } from '../video-comments/index.js';
import { MAX_REPORT_DAYS, TikTokAdsClient, type CampaignDay } from './client.js';
import { tiktokAdsAccounts, type AdsAccountRow } from './ads.schema.js';
import type { AdsAccountInput, AdsAccountView, AdsImportView } from './ads.dto.js';

export interface AdsDeps {
  db: Database;
  ids: IdGenerator;
  clock: Clock;
  log: Logger;
  secretKey: Buffer;
  outbound: Pick<OutboundPolicy, 'fetch' | 'allow'>;
  analytics: Pick<AnalyticsService, 'ingestAdCampaignDays'>;
  /** The API for Business base (`…/open_api/v1.3`; the stand-in's in tests). */
  apiBase: string;
}

const DAY = 86_400_000;
const ymd = (d: Date) => d.toISOString().slice(0, 10);
/** Days the hourly job reads again (the platform keeps settling recent days' figures). */
export const SCHEDULED_DAYS = 7;

export function adsAccountView(r: AdsAccountRow): AdsAccountView {
  return { id: r.id, shopId: r.shopId, advertiserId: r.advertiserId, currency: r.currency, status: r.status, lastError: r.lastError, lastImportAt: r.lastImportAt?.toISOString() ?? null, updatedAt: r.updatedAt.toISOString() };
}

/** Spend as the report gives it (decimal text) → minor units of the account's currency, rounded. */
export function spendToMinor(spend: string, currency: string): number {
  const v = Number(spend);
  return Number.isFinite(v) ? Math.round(v * 10 ** currencyExponent(currency)) : 0;
}

/** Consecutive ranges of at most `MAX_REPORT_DAYS` days covering `days` days up to `to` (inclusive). */
export function reportRanges(to: Date, days: number): { from: string; to: string }[] {
  const out: { from: string; to: string }[] = [];
  let end = new Date(Date.UTC(to.getUTCFullYear(), to.getUTCMonth(), to.getUTCDate()));
  let left = days;
  while (left > 0) {
    const n = Math.min(left, MAX_REPORT_DAYS);
    out.push({ from: ymd(new Date(end.getTime() - (n - 1) * DAY)), to: ymd(end) });
    end = new Date(end.getTime() - n * DAY);
    left -= n;
  }
  return out.reverse();
}

export function createTikTokAds(d: AdsDeps) {
  let apiBase = d.apiBase;
  const allow = (base: string) => {
    try {
      const u = new URL(base);
      d.outbound.allow(`${u.hostname}:${u.port || (u.protocol === 'https:' ? 443 : 80)}`);
    } catch {
      /* a bad base fails at config validation */
    }
  };
  allow(apiBase);
  const clientFor = (r: AdsAccountRow) => new TikTokAdsClient({ base: apiBase, advertiserId: r.advertiserId, accessToken: decryptSecret(d.secretKey, r.accessToken), fetchImpl: (url, init) => d.outbound.fetch(url, init) });

  async function rowOfShop(orgId: string, shopId: string): Promise<AdsAccountRow | undefined> {
    return d.db.tenant(orgId, async (tx) => (await tx.select().from(tiktokAdsAccounts).where(and(eq(tiktokAdsAccounts.orgId, orgId), eq(tiktokAdsAccounts.shopId, shopId))).limit(1))[0]);
  }
  async function shopOf(orgId: string, shopId: string) {
    try {
      return await d.db.tenant(orgId, (tx) => shopIn(tx, orgId, shopId));
    } catch {
      throw AppError.notFound('shops', shopId);
    }
  }
  async function setState(r: AdsAccountRow, patch: Partial<AdsAccountRow>): Promise<void> {
    await d.db.tenant(r.orgId, (tx) => tx.update(tiktokAdsAccounts).set(patch).where(and(eq(tiktokAdsAccounts.orgId, r.orgId), eq(tiktokAdsAccounts.id, r.id))));
  }
  const noAccount = () => new AppError('not_found', 'tiktok_ads.no_account', 'This shop has no TikTok advertiser account');

  /** Read `days` days of the campaign report and hand them to analytics. */
  async function importShop(orgId: string, shopId: string, days: number): Promise<AdsImportView> {
    const r = await rowOfShop(orgId, shopId);
    if (!r) throw noAccount();
    const ranges = reportRanges(d.clock.now(), days);
    try {
      const rows: CampaignDay[] = [];
      for (const range of ranges) rows.push(...(await clientFor(r).campaignDays(range.from, range.to)));
      const input: AdCampaignDayInput[] = rows.map((x) => ({ campaignId: x.campaignId, day: x.day, campaignName: x.campaignName, currency: r.currency, spend: spendToMinor(x.spend, r.currency), conversions: x.conversions, impressions: x.impressions, clicks: x.clicks }));
      const res = await d.analytics.ingestAdCampaignDays(orgId, shopId, input);
      await setState(r, { status: r.status === 'failing' ? 'active' : r.status, lastError: null, lastImportAt: d.clock.now() });
      return { from: ranges[0]!.from, to: ranges[ranges.length - 1]!.to, ...res };
    } catch (e) {
      if (!(e instanceof BusinessRateLimited)) await setState(r, { status: 'failing', lastError: (e as Error).message.slice(0, 500) });
      throw new AppError('upstream', 'tiktok_ads.import_failed', `The campaign report could not be read: ${(e as Error).message}`);
    }
  }

  return {
    /** Point the client at another base (the demo's stand-in, started after composition). */
    retarget(base: string): void {
      allow(base);
      apiBase = base;
    },

    async get(actor: Actor, shopId: string): Promise<AdsAccountView | null> {
      requireRole(actor, ['owner', 'supervisor'], 'viewing TikTok ads settings');
      await shopOf(actor.orgId, shopId);
      const r = await rowOfShop(actor.orgId, shopId);
      return r ? adsAccountView(r) : null;
    },

    async save(actor: Actor, shopId: string, input: AdsAccountInput): Promise<AdsAccountView> {
      requireRole(actor, ['owner'], 'changing TikTok ads settings');
      const shop = await shopOf(actor.orgId, shopId);
      const existing = await rowOfShop(actor.orgId, shopId);
      if (!existing && !input.accessToken) throw AppError.validation('tiktok_ads.token_required', 'A new advertiser account needs its access token', [{ field: 'accessToken', message: 'required' }]);
      const now = d.clock.now();
      const values = {
        advertiserId: input.advertiserId,
        currency: input.currency ?? existing?.currency ?? shop.currency,
        status: input.status ?? (existing?.status === 'paused' ? 'paused' : 'active'),
        ...(input.accessToken ? { accessToken: encryptSecret(d.secretKey, input.accessToken), lastError: null } : {}),
        updatedAt: now,
      } as const;
      const row = await d.db.tenant(actor.orgId, async (tx) => {
        if (existing) return (await tx.update(tiktokAdsAccounts).set(values).where(and(eq(tiktokAdsAccounts.orgId, actor.orgId), eq(tiktokAdsAccounts.id, existing.id))).returning())[0]!;
        return (await tx.insert(tiktokAdsAccounts).values({ orgId: actor.orgId, id: d.ids('tad'), shopId, ...values, accessToken: encryptSecret(d.secretKey, input.accessToken!), createdAt: now }).returning())[0]!;
      });
      return adsAccountView(row);
    },

    async remove(actor: Actor, shopId: string): Promise<void> {
      requireRole(actor, ['owner'], 'disconnecting a TikTok advertiser account');
      await shopOf(actor.orgId, shopId);
      const gone = await d.db.tenant(actor.orgId, (tx) => tx.delete(tiktokAdsAccounts).where(and(eq(tiktokAdsAccounts.orgId, actor.orgId), eq(tiktokAdsAccounts.shopId, shopId))).returning({ id: tiktokAdsAccounts.id }));
      if (!gone.length) throw noAccount();
    },

    /** "Import now": the last `days` days (30 by default). */
    async importAsActor(actor: Actor, shopId: string, days = 30): Promise<AdsImportView> {
      requireRole(actor, ['owner', 'supervisor'], 'importing the TikTok campaign report');
      await shopOf(actor.orgId, shopId);
      return importShop(actor.orgId, shopId, days);
    },

    importShop,

    /** Every active account of the installation (the hourly job): the last `SCHEDULED_DAYS` days; failures are recorded per account. */
    async importAll(): Promise<{ accounts: number; days: number; failed: number }> {
      const all = await d.db.system((tx) => tx.select({ orgId: tiktokAdsAccounts.orgId, shopId: tiktokAdsAccounts.shopId, status: tiktokAdsAccounts.status }).from(tiktokAdsAccounts));
      let days = 0;
      let failed = 0;
      for (const a of all.filter((x) => x.status !== 'paused')) {
        try {
          days += (await importShop(a.orgId, a.shopId, SCHEDULED_DAYS)).days;
        } catch (e) {
          failed++;
          d.log.warn({ err: e, shopId: a.shopId }, 'TikTok campaign report import failed');
        }
      }
      return { accounts: all.length, days, failed };
    },
  };
}

export type TikTokAds = ReturnType<typeof createTikTokAds>;
