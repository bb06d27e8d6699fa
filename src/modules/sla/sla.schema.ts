import { bigint, boolean, integer, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import type { SlaMetric, SlaMode } from './sla.rules.js';

export type ClockState = 'running' | 'paused' | 'stopped' | 'breached';

export const slaPolicies = pgTable('sla_policies', {
  orgId: text('org_id').notNull(),
  id: text('id').notNull(),
  name: text('name').notNull(),
  /** The name per language (`en`, `zh-CN`, `de`, …); `name` is shown where one is missing. */
  names: jsonb('names').$type<Record<string, string>>().notNull().default({}),
  shopId: text('shop_id'),
  channel: text('channel'),
  priority: text('priority'),
  minOrderAmount: bigint('min_order_amount', { mode: 'number' }),
  minOrderCurrency: text('min_order_currency'),
  firstReplyMinutes: integer('first_reply_minutes'),
  nextReplyMinutes: integer('next_reply_minutes'),
  resolutionMinutes: integer('resolution_minutes'),
  mode: text('mode').$type<SlaMode>().notNull(),
  warningPercents: integer('warning_percents').array().notNull(),
  active: boolean('active').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
});

export const slaTickets = pgTable('sla_tickets', {
  orgId: text('org_id').notNull(),
  ticketId: text('ticket_id').notNull(),
  shopId: text('shop_id').notNull(),
  channel: text('channel').notNull(),
  priority: text('priority').notNull(),
  orderAmount: bigint('order_amount', { mode: 'number' }),
  orderCurrency: text('order_currency'),
  status: text('status').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
});

export const slaClocks = pgTable('sla_clocks', {
  orgId: text('org_id').notNull(),
  id: text('id').notNull(),
  ticketId: text('ticket_id').notNull(),
  shopId: text('shop_id').notNull(),
  metric: text('metric').$type<SlaMetric>().notNull(),
  policyId: text('policy_id').notNull(),
  targetMinutes: integer('target_minutes').notNull(),
  mode: text('mode').$type<SlaMode>().notNull(),
  warningPercents: integer('warning_percents').array().notNull(),
  warningsFired: integer('warnings_fired').array().notNull(),
  startedAt: timestamp('started_at', { withTimezone: true }).notNull(),
  dueAt: timestamp('due_at', { withTimezone: true }).notNull(),
  pausedAt: timestamp('paused_at', { withTimezone: true }),
  pausedBusinessMs: bigint('paused_business_ms', { mode: 'number' }).notNull(),
  stoppedAt: timestamp('stopped_at', { withTimezone: true }),
  breachedAt: timestamp('breached_at', { withTimezone: true }),
  stopReason: text('stop_reason'),
  escalatedAt: timestamp('escalated_at', { withTimezone: true }),
  escalationClaimedAt: timestamp('escalation_claimed_at', { withTimezone: true }),
  state: text('state').$type<ClockState>().notNull(),
  nextTimerAt: timestamp('next_timer_at', { withTimezone: true }),
  generation: integer('generation').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
});

export const slaClockEvents = pgTable('sla_clock_events', {
  /** Filled by the database from the parent row (migration 0021); brand scope reads it. */
  shopId: text('shop_id'),
  orgId: text('org_id').notNull(),
  id: text('id').notNull(),
  clockId: text('clock_id').notNull(),
  ticketId: text('ticket_id').notNull(),
  metric: text('metric').$type<SlaMetric>().notNull(),
  kind: text('kind').notNull(),
  at: timestamp('at', { withTimezone: true }).notNull(),
  generation: integer('generation').notNull(),
  dueAt: timestamp('due_at', { withTimezone: true }),
  data: jsonb('data').$type<Record<string, unknown>>().notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
});

export type PolicyRow = typeof slaPolicies.$inferSelect;
export type ClockRow = typeof slaClocks.$inferSelect;
export type ClockEventRow = typeof slaClockEvents.$inferSelect;
