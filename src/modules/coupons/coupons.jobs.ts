import type { Jobs } from '../../platform/jobs.js';
import type { Logger } from '../../platform/logger.js';
import type { CouponsService } from './coupons.service.js';

export const RUN_DUE_JOB = 'coupons.run_due';
export const ATTRIBUTE_JOB = 'coupons.attribute';

/**
 * The programmes run by themselves: every hour each shop's due buyers are planned (an occasion is
 * keyed per day, so repeated runs add nothing; hourly means every shop zone's morning is met), and
 * every 30 minutes redemptions are attributed and cancellations/returns settled.
 */
export async function registerCouponJobs(jobs: Jobs | undefined, coupons: CouponsService, log: Logger): Promise<void> {
  if (!jobs?.isStarted) return;
  await jobs.define(
    RUN_DUE_JOB,
    async () => {
      for (const { orgId, shopId } of await coupons.activeShops()) {
        try {
          const r = await coupons.runDue(orgId, shopId);
          if (r.planned || r.heldOut) log.info({ orgId, shopId, ...r }, 'coupon programmes planned');
        } catch (e) {
          log.warn({ err: e, orgId, shopId }, 'coupon programme run failed for a shop; the next run retries');
        }
      }
    },
    { cron: '7 * * * *', retryLimit: 1 },
  );
  await jobs.define(
    ATTRIBUTE_JOB,
    async () => {
      const orgs = new Set<string>();
      for (const { orgId, shopId } of await coupons.activeShops()) {
        orgs.add(orgId);
        try {
          const r = await coupons.attribute(orgId, shopId);
          if (r.redeemed || r.expired) log.info({ orgId, shopId, ...r }, 'coupon redemptions attributed');
        } catch (e) {
          log.warn({ err: e, orgId, shopId }, 'coupon attribution failed for a shop; the next run retries');
        }
      }
      for (const orgId of orgs) await coupons.settleRedemptions(orgId);
    },
    { cron: '*/30 * * * *', retryLimit: 1 },
  );
}
