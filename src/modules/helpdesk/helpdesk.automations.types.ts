import type { BusinessHours } from '../tenancy/index.js';

/** What the automation hook reads of the ticket's shop (the ingest holds the row already). */
export interface ShopRowLike {
  id: string;
  name: string;
  timeZone: string;
  businessHours: BusinessHours;
  market: string;
  region: string | null;
  updatedAt: Date;
}
