import { jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import type { BusinessHours, ReturnPolicy, SupportContacts } from './tenancy.dto.js';

export const organisations = pgTable('organisations', {
  orgId: text('org_id').primaryKey(),
  name: text('name').notNull(),
  kind: text('kind').$type<'seller' | 'agency'>().notNull(),
  defaultLocale: text('default_locale').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});

export const brands = pgTable('brands', {
  orgId: text('org_id').notNull(),
  id: text('id').notNull(),
  name: text('name').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});

export const shops = pgTable('shops', {
  orgId: text('org_id').notNull(),
  id: text('id').notNull(),
  brandId: text('brand_id').notNull(),
  name: text('name').notNull(),
  market: text('market').notNull(),
  region: text('region'),
  currency: text('currency').notNull(),
  timeZone: text('time_zone').notNull(),
  languages: text('languages').array().notNull(),
  businessHours: jsonb('business_hours').$type<BusinessHours>().notNull(),
  returnPolicy: jsonb('return_policy').$type<ReturnPolicy>().notNull(),
  supportContacts: jsonb('support_contacts').$type<SupportContacts>().notNull(),
  /** Unique across the installation; written only by the TikTok OAuth binding (migration 0104). */
  tiktokShopId: text('tiktok_shop_id'),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});
