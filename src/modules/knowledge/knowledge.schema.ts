import { bigint, integer, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

const ts = (name: string) => timestamp(name, { withTimezone: true });

export interface ProductAttribute {
  name: string;
  values: string[];
}

export const catalogueProducts = pgTable('catalogue_products', {
  orgId: text('org_id').notNull(),
  id: text('id').notNull(),
  shopId: text('shop_id').notNull(),
  platform: text('platform').notNull(),
  externalId: text('external_id').notNull(),
  title: text('title').notNull(),
  description: text('description').notNull(),
  status: text('status').notNull(),
  category: text('category'),
  brand: text('brand'),
  attributes: jsonb('attributes').$type<ProductAttribute[]>().notNull(),
  sizeChartUrl: text('size_chart_url'),
  imageUrls: jsonb('image_urls').$type<string[]>().notNull(),
  warranty: text('warranty'),
  externalUpdatedAt: ts('external_updated_at'),
  syncedAt: ts('synced_at').notNull(),
  createdAt: ts('created_at').notNull(),
  updatedAt: ts('updated_at').notNull(),
});

export const catalogueSkus = pgTable('catalogue_skus', {
  orgId: text('org_id').notNull(),
  id: text('id').notNull(),
  shopId: text('shop_id').notNull(),
  productId: text('product_id').notNull(),
  externalId: text('external_id').notNull(),
  sellerSku: text('seller_sku'),
  name: text('name'),
  currency: text('currency'),
  priceAmount: bigint('price_amount', { mode: 'number' }),
  createdAt: ts('created_at').notNull(),
  updatedAt: ts('updated_at').notNull(),
});

export const knowledgeEntries = pgTable('knowledge_entries', {
  orgId: text('org_id').notNull(),
  id: text('id').notNull(),
  shopId: text('shop_id').notNull(),
  productId: text('product_id').notNull(),
  field: text('field').notNull(),
  entryKey: text('entry_key').notNull(),
  language: text('language').notNull(),
  title: text('title').notNull(),
  body: text('body').notNull(),
  version: integer('version').notNull(),
  translatedFromVersion: integer('translated_from_version'),
  authorId: text('author_id').notNull(),
  createdAt: ts('created_at').notNull(),
  updatedAt: ts('updated_at').notNull(),
});

export const knowledgeVersions = pgTable('knowledge_versions', {
  orgId: text('org_id').notNull(),
  id: text('id').notNull(),
  shopId: text('shop_id').notNull(),
  entryId: text('entry_id').notNull(),
  version: integer('version').notNull(),
  title: text('title').notNull(),
  body: text('body').notNull(),
  authorId: text('author_id').notNull(),
  createdAt: ts('created_at').notNull(),
});

export const knowledgeUses = pgTable('knowledge_uses', {
  orgId: text('org_id').notNull(),
  id: text('id').notNull(),
  shopId: text('shop_id').notNull(),
  entryId: text('entry_id').notNull(),
  ticketId: text('ticket_id').notNull(),
  userId: text('user_id').notNull(),
  rank: integer('rank').notNull(),
  usedAt: ts('used_at').notNull(),
});
