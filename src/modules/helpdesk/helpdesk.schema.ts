import { bigint, boolean, integer, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import type { AttachmentRef, Channel, ChannelMeta, DefaultStatusAfter, MessageKind, Priority, MachineDraftView, RuleActions, RuleConditions, RuleTrigger, SavedViewFilter, ThreadEvent, TicketStatus } from './helpdesk.dto.js';
import type { BusinessHours } from '../tenancy/index.js';

export const tickets = pgTable('tickets', {
  orgId: text('org_id').notNull(),
  id: text('id').notNull(),
  number: bigint('number', { mode: 'number' }).notNull(),
  shopId: text('shop_id').notNull(),
  channel: text('channel').$type<Channel>().notNull(),
  externalThreadId: text('external_thread_id').notNull(),
  buyerId: text('buyer_id'),
  buyerExternalId: text('buyer_external_id'),
  buyerName: text('buyer_name'),
  buyerEmail: text('buyer_email'),
  buyerPhone: text('buyer_phone'),
  orderId: text('order_id'),
  livestreamSessionId: text('livestream_session_id'),
  subject: text('subject').notNull(),
  status: text('status').$type<TicketStatus>().notNull(),
  priority: text('priority').$type<Priority>().notNull(),
  language: text('language').notNull(),
  tags: text('tags').array().notNull(),
  assigneeId: text('assignee_id'),
  queue: text('queue').notNull(),
  slaDueAt: timestamp('sla_due_at', { withTimezone: true }),
  mergedIntoId: text('merged_into_id'),
  solvedReason: text('solved_reason'),
  messageCount: integer('message_count').notNull(),
  lastMessageAt: timestamp('last_message_at', { withTimezone: true }),
  lastMessagePreview: text('last_message_preview'),
  lastInboundAt: timestamp('last_inbound_at', { withTimezone: true }),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
  solvedAt: timestamp('solved_at', { withTimezone: true }),
  closedAt: timestamp('closed_at', { withTimezone: true }),
});

export const ticketCounters = pgTable('ticket_counters', {
  orgId: text('org_id').notNull(),
  id: text('id').notNull(),
  value: bigint('value', { mode: 'number' }).notNull(),
});

export const ticketThreads = pgTable('ticket_threads', {
  /** Filled by the database from the parent row (migration 0021); brand scope reads it. */
  shopId: text('shop_id'),
  orgId: text('org_id').notNull(),
  id: text('id').notNull(),
  channel: text('channel').$type<Channel>().notNull(),
  externalThreadId: text('external_thread_id').notNull(),
  ticketId: text('ticket_id').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
});

export const ticketMessages = pgTable('ticket_messages', {
  /** Filled by the database from the parent row (migration 0021); brand scope reads it. */
  shopId: text('shop_id'),
  orgId: text('org_id').notNull(),
  id: text('id').notNull(),
  ticketId: text('ticket_id').notNull(),
  kind: text('kind').$type<MessageKind>().notNull(),
  direction: text('direction').$type<'inbound' | 'outbound'>().notNull(),
  channel: text('channel').$type<Channel>().notNull(),
  externalMessageId: text('external_message_id'),
  authorType: text('author_type').$type<'buyer' | 'user' | 'system' | 'platform'>().notNull(),
  authorId: text('author_id'),
  authorName: text('author_name'),
  body: text('body').notNull(),
  language: text('language').notNull(),
  attachments: jsonb('attachments').$type<AttachmentRef[]>().notNull(),
  channelMeta: jsonb('channel_meta').$type<ChannelMeta>(),
  macroId: text('macro_id'),
  deliveryStatus: text('delivery_status').$type<'queued' | 'sent' | 'failed'>(),
  deliveryError: text('delivery_error'),
  event: jsonb('event').$type<ThreadEvent | null>(),
  outboxId: text('outbox_id'),
  movedFromTicketId: text('moved_from_ticket_id'),
  machineDraft: jsonb('machine_draft').$type<MachineDraftView | null>(),
  sentAt: timestamp('sent_at', { withTimezone: true }).notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
});

export const macros = pgTable('macros', {
  orgId: text('org_id').notNull(),
  id: text('id').notNull(),
  key: text('key').notNull(),
  name: text('name').notNull(),
  category: text('category').notNull(),
  bodies: jsonb('bodies').$type<Record<string, string>>().notNull(),
  active: boolean('active').notNull(),
  defaultStatusAfter: text('default_status_after').$type<DefaultStatusAfter | null>(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
  /** Null: every shop of the organisation (migration 0830). */
  shopId: text('shop_id'),
  ownerUserId: text('owner_user_id'),
  version: integer('version').notNull().default(1),
});

/** Every saved state of a macro, with who saved it (migration 0830). */
export const macroVersions = pgTable('macro_versions', {
  orgId: text('org_id').notNull(),
  macroId: text('macro_id').notNull(),
  version: integer('version').notNull(),
  name: text('name').notNull(),
  category: text('category').notNull(),
  bodies: jsonb('bodies').$type<Record<string, string>>().notNull(),
  shopId: text('shop_id'),
  ownerUserId: text('owner_user_id'),
  active: boolean('active').notNull(),
  defaultStatusAfter: text('default_status_after').$type<DefaultStatusAfter | null>(),
  authorUserId: text('author_user_id'),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
});

export const agentSchedules = pgTable('agent_schedules', {
  orgId: text('org_id').notNull(),
  id: text('id').notNull(),
  timeZone: text('time_zone').notNull(),
  hours: jsonb('hours').$type<BusinessHours>().notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
});

export const routingState = pgTable('routing_state', {
  orgId: text('org_id').notNull(),
  id: text('id').notNull(),
  lastUserId: text('last_user_id'),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
});

/** +1/-1 per ticket that starts or stops counting as an agent's open work (trigger, migration 0212). */
export const ticketAssigneeLoads = pgTable('ticket_assignee_loads', {
  orgId: text('org_id').notNull(),
  id: bigint('id', { mode: 'number' }).generatedAlwaysAsIdentity(),
  userId: text('user_id').notNull(),
  delta: integer('delta').notNull(),
});

export const savedViews = pgTable('saved_views', {
  orgId: text('org_id').notNull(),
  id: text('id').notNull(),
  userId: text('user_id').notNull(),
  name: text('name').notNull(),
  filter: jsonb('filter').$type<SavedViewFilter>().notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
});

export const ticketViewers = pgTable('ticket_viewers', {
  orgId: text('org_id').notNull(),
  ticketId: text('ticket_id').notNull(),
  userId: text('user_id').notNull(),
  shopId: text('shop_id').notNull(),
  seenAt: timestamp('seen_at', { withTimezone: true }).notNull(),
});

export const automationRules = pgTable('automation_rules', {
  orgId: text('org_id').notNull(),
  id: text('id').notNull(),
  name: text('name').notNull(),
  active: boolean('active').notNull(),
  position: integer('position').notNull(),
  trigger: text('trigger').$type<RuleTrigger>().notNull(),
  conditions: jsonb('conditions').$type<RuleConditions>().notNull(),
  actions: jsonb('actions').$type<RuleActions>().notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
});

export const automationSettings = pgTable('automation_settings', {
  orgId: text('org_id').notNull(),
  autoCloseDays: integer('auto_close_days'),
  outOfHoursAck: boolean('out_of_hours_ack').notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
});
