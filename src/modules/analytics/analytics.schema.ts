import { bigint, boolean, date, integer, jsonb, numeric, pgTable, smallint, text, timestamp } from 'drizzle-orm/pg-core';

const ts = (name: string) => timestamp(name, { withTimezone: true });
const minor = (name: string) => bigint(name, { mode: 'number' });

export const attributionClaims = pgTable('attribution_claims', {
  orgId: text('org_id').notNull(),
  shopId: text('shop_id').notNull(),
  externalOrderId: text('external_order_id').notNull(),
  productId: text('product_id').notNull().default(''),
  provenance: text('provenance').notNull(),
  precedence: smallint('precedence').notNull(),
  sourceType: text('source_type').notNull(),
  sourceId: text('source_id').notNull(),
  sourceName: text('source_name'),
  creatorHandle: text('creator_handle'),
  claimedAt: ts('claimed_at').notNull().defaultNow(),
});

export const liveSessions = pgTable('live_sessions', {
  orgId: text('org_id').notNull(),
  shopId: text('shop_id').notNull(),
  id: text('id').notNull(),
  title: text('title').notNull(),
  hostUsername: text('host_username'),
  startedAt: ts('started_at').notNull(),
  endedAt: ts('ended_at').notNull(),
  syncedAt: ts('synced_at').notNull().defaultNow(),
});

export const lineFacts = pgTable('analytics_line_facts', {
  orgId: text('org_id').notNull(),
  shopId: text('shop_id').notNull(),
  orderLineId: text('order_line_id').notNull(),
  orderId: text('order_id').notNull(),
  market: text('market').notNull(),
  currency: text('currency').notNull(),
  sourceType: text('source_type').notNull(),
  sourceId: text('source_id').notNull(),
  sourceName: text('source_name'),
  provenance: text('provenance').notNull(),
  productId: text('product_id').notNull(),
  productName: text('product_name').notNull(),
  skuId: text('sku_id').notNull(),
  paidAmount: minor('paid_amount').notNull(),
  placedAt: ts('placed_at').notNull(),
  deliveredAt: ts('delivered_at'),
  week: date('week').notNull(),
  delivered: boolean('delivered').notNull(),
  orderHead: boolean('order_head').notNull(),
  returned: boolean('returned').notNull(),
  refunded: boolean('refunded').notNull(),
  refundAmount: minor('refund_amount').notNull(),
  disputed: boolean('disputed').notNull(),
  complained: boolean('complained').notNull(),
  reasonCode: text('reason_code'),
  reasonText: text('reason_text'),
  faultOwner: text('fault_owner'),
});

export const weekly = pgTable('analytics_weekly', {
  orgId: text('org_id').notNull(),
  shopId: text('shop_id').notNull(),
  week: date('week').notNull(),
  sourceType: text('source_type').notNull(),
  sourceId: text('source_id').notNull(),
  productId: text('product_id').notNull(),
  lines: minor('lines').notNull().default(0),
  deliveredLines: minor('delivered_lines').notNull().default(0),
  deliveredOrders: minor('delivered_orders').notNull().default(0),
  returnedLines: minor('returned_lines').notNull().default(0),
  refundedLines: minor('refunded_lines').notNull().default(0),
  refundAmount: minor('refund_amount').notNull().default(0),
  disputedLines: minor('disputed_lines').notNull().default(0),
  complainedLines: minor('complained_lines').notNull().default(0),
  paidAmount: minor('paid_amount').notNull().default(0),
  faultSeller: minor('fault_seller').notNull().default(0),
  faultCarrier: minor('fault_carrier').notNull().default(0),
  faultBuyer: minor('fault_buyer').notNull().default(0),
  faultPlatform: minor('fault_platform').notNull().default(0),
});

export const sourceWeekly = pgTable('analytics_source_weekly', {
  orgId: text('org_id').notNull(),
  shopId: text('shop_id').notNull(),
  week: date('week').notNull(),
  sourceType: text('source_type').notNull(),
  sourceId: text('source_id').notNull(),
  lines: minor('lines').notNull().default(0),
  deliveredLines: minor('delivered_lines').notNull().default(0),
  deliveredOrders: minor('delivered_orders').notNull().default(0),
  returnedLines: minor('returned_lines').notNull().default(0),
  refundedLines: minor('refunded_lines').notNull().default(0),
  refundAmount: minor('refund_amount').notNull().default(0),
  disputedLines: minor('disputed_lines').notNull().default(0),
  complainedLines: minor('complained_lines').notNull().default(0),
  paidAmount: minor('paid_amount').notNull().default(0),
  faultSeller: minor('fault_seller').notNull().default(0),
  faultCarrier: minor('fault_carrier').notNull().default(0),
  faultBuyer: minor('fault_buyer').notNull().default(0),
  faultPlatform: minor('fault_platform').notNull().default(0),
});

export const dirtyOrders = pgTable('analytics_dirty_orders', {
  orgId: text('org_id').notNull(),
  orderId: text('order_id').notNull(),
});

export const exclusions = pgTable('analytics_exclusions', {
  orgId: text('org_id').notNull(),
  id: text('id').notNull(),
  shopId: text('shop_id').notNull(),
  sourceType: text('source_type').notNull(),
  sourceId: text('source_id').notNull(),
  sourceName: text('source_name'),
  note: text('note'),
  excludedBy: text('excluded_by').notNull(),
  excludedAt: ts('excluded_at').notNull(),
});

export const feedbackTasks = pgTable('feedback_tasks', {
  orgId: text('org_id').notNull(),
  id: text('id').notNull(),
  shopId: text('shop_id').notNull(),
  kind: text('kind').notNull(),
  title: text('title').notNull(),
  body: text('body').notNull(),
  subjectType: text('subject_type'),
  subjectId: text('subject_id'),
  assigneeId: text('assignee_id'),
  status: text('status').notNull(),
  createdBy: text('created_by').notNull(),
  createdAt: ts('created_at').notNull(),
  updatedAt: ts('updated_at').notNull(),
  doneAt: ts('done_at'),
});

export const annotations = pgTable('analytics_annotations', {
  orgId: text('org_id').notNull(),
  id: text('id').notNull(),
  shopId: text('shop_id'),
  kind: text('kind').notNull(),
  title: text('title').notNull(),
  startsAt: ts('starts_at').notNull(),
  endsAt: ts('ends_at'),
  subjectType: text('subject_type'),
  subjectId: text('subject_id'),
  createdBy: text('created_by').notNull(),
  createdAt: ts('created_at').notNull(),
});

export const fxRates = pgTable('fx_rates', {
  orgId: text('org_id').notNull(),
  base: text('base').notNull(),
  currency: text('currency').notNull(),
  rateDate: date('rate_date').notNull(),
  rate: numeric('rate', { precision: 20, scale: 10 }).notNull(),
  importedAt: ts('imported_at').notNull(),
});

export const shopCsPerformance = pgTable('shop_cs_performance', {
  orgId: text('org_id').notNull(),
  shopId: text('shop_id').notNull(),
  dateFrom: date('date_from').notNull(),
  dateTo: date('date_to').notNull(),
  sessions: integer('sessions'),
  responsePct: numeric('response_pct', { precision: 7, scale: 3 }),
  responseTimeMins: numeric('response_time_mins', { precision: 12, scale: 3 }),
  satisfactionPct: numeric('satisfaction_pct', { precision: 7, scale: 3 }),
  syncedAt: ts('synced_at').notNull(),
});

export const shopHealthThresholds = pgTable('shop_health_thresholds', {
  orgId: text('org_id').notNull(),
  market: text('market').notNull(),
  metric: text('metric').notNull(),
  limitValue: numeric('limit_value', { precision: 12, scale: 6 }).notNull(),
  source: text('source').notNull(),
  updatedAt: ts('updated_at').notNull(),
});

export const shopHealthWarnings = pgTable('shop_health_warnings', {
  orgId: text('org_id').notNull(),
  shopId: text('shop_id').notNull(),
  metric: text('metric').notNull(),
  day: date('day').notNull(),
  severity: text('severity').notNull(),
  value: numeric('value', { precision: 12, scale: 6 }).notNull(),
  limitValue: numeric('limit_value', { precision: 12, scale: 6 }).notNull(),
  sentAt: ts('sent_at').notNull(),
});

export const csatSurveys = pgTable('csat_surveys', {
  orgId: text('org_id').notNull(),
  id: text('id').notNull(),
  shopId: text('shop_id').notNull(),
  ticketId: text('ticket_id').notNull(),
  channel: text('channel').notNull(),
  language: text('language').notNull(),
  askedAt: ts('asked_at').notNull(),
  score: smallint('score'),
  answeredAt: ts('answered_at'),
});

export const financeStatements = pgTable('finance_statements', {
  orgId: text('org_id').notNull(),
  shopId: text('shop_id').notNull(),
  id: text('id').notNull(),
  statementTime: ts('statement_time').notNull(),
  currency: text('currency').notNull(),
  settlementAmount: minor('settlement_amount').notNull(),
  revenueAmount: minor('revenue_amount').notNull(),
  feeAmount: minor('fee_amount').notNull(),
  adjustmentAmount: minor('adjustment_amount').notNull(),
  paymentStatus: text('payment_status'),
  paymentId: text('payment_id'),
  syncedAt: ts('synced_at').notNull(),
});

export const financeRefundLines = pgTable('finance_refund_lines', {
  orgId: text('org_id').notNull(),
  shopId: text('shop_id').notNull(),
  externalOrderId: text('external_order_id').notNull(),
  skuId: text('sku_id').notNull(),
  statementId: text('statement_id').notNull(),
  currency: text('currency').notNull(),
  refundAmount: minor('refund_amount').notNull(),
  fetchedAt: ts('fetched_at').notNull(),
});

export const financeOrderChecks = pgTable('finance_order_checks', {
  orgId: text('org_id').notNull(),
  shopId: text('shop_id').notNull(),
  externalOrderId: text('external_order_id').notNull(),
  checkedAt: ts('checked_at').notNull(),
});

export const analyticsSettings = pgTable('analytics_settings', {
  orgId: text('org_id').notNull(),
  cycleTargetDays: integer('cycle_target_days').notNull(),
  updatedAt: ts('updated_at').notNull(),
  stepTargetHours: jsonb('step_target_hours').$type<Record<string, number>>().notNull(),
});

/** The Marketing API's campaign report per day (migration 0605). */
export const adCampaignDays = pgTable('ad_campaign_days', {
  orgId: text('org_id').notNull(),
  shopId: text('shop_id').notNull(),
  campaignId: text('campaign_id').notNull(),
  day: date('day').notNull(),
  campaignName: text('campaign_name'),
  currency: text('currency').notNull(),
  spend: minor('spend').notNull(),
  conversions: integer('conversions').notNull(),
  impressions: minor('impressions').notNull(),
  clicks: minor('clicks').notNull(),
  importedAt: ts('imported_at').notNull(),
});
