import { boolean, integer, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import type { NoticeTrigger, ProcedureCategory, ProcedureStep, StaffText } from './playbooks.dto.js';

const ts = (name: string) => timestamp(name, { withTimezone: true });

export const procedures = pgTable('procedures', {
  orgId: text('org_id').notNull(),
  id: text('id').notNull(),
  category: text('category').$type<ProcedureCategory>().notNull(),
  version: integer('version').notNull(),
  title: jsonb('title').$type<StaffText>().notNull(),
  steps: jsonb('steps').$type<ProcedureStep[]>().notNull(),
  remedyTier: integer('remedy_tier'),
  escalateWhen: jsonb('escalate_when').$type<StaffText>().notNull(),
  escalateAfterHours: integer('escalate_after_hours'),
  active: boolean('active').notNull(),
  updatedBy: text('updated_by'),
  createdAt: ts('created_at').notNull(),
  updatedAt: ts('updated_at').notNull(),
});

export interface ProcedureContent {
  title: StaffText;
  steps: ProcedureStep[];
  remedyTier: number | null;
  escalateWhen: StaffText;
  escalateAfterHours: number | null;
  active: boolean;
}

export const procedureVersions = pgTable('procedure_versions', {
  orgId: text('org_id').notNull(),
  procedureId: text('procedure_id').notNull(),
  version: integer('version').notNull(),
  content: jsonb('content').$type<ProcedureContent>().notNull(),
  authorUserId: text('author_user_id'),
  createdAt: ts('created_at').notNull(),
});

export interface RunLogEntry {
  at: string;
  by: string | null;
  action: string;
  step: number | null;
  check: number | null;
}

export const procedureRuns = pgTable('procedure_runs', {
  orgId: text('org_id').notNull(),
  id: text('id').notNull(),
  shopId: text('shop_id').notNull(),
  ticketId: text('ticket_id').notNull(),
  procedureId: text('procedure_id').notNull(),
  version: integer('version').notNull(),
  category: text('category').$type<ProcedureCategory>().notNull(),
  step: integer('step').notNull(),
  checked: jsonb('checked').$type<string[]>().notNull(),
  log: jsonb('log').$type<RunLogEntry[]>().notNull(),
  completedAt: ts('completed_at'),
  createdAt: ts('created_at').notNull(),
  updatedAt: ts('updated_at').notNull(),
});

export const notices = pgTable('notices', {
  orgId: text('org_id').notNull(),
  id: text('id').notNull(),
  shopId: text('shop_id').notNull(),
  productId: text('product_id').notNull(),
  productName: text('product_name').notNull(),
  trigger: text('trigger').$type<NoticeTrigger>().notNull(),
  delayHours: integer('delay_hours').notNull(),
  texts: jsonb('texts').$type<Record<string, string>>().notNull(),
  holdoutPercent: integer('holdout_percent').notNull(),
  active: boolean('active').notNull(),
  startsAt: ts('starts_at').notNull(),
  createdBy: text('created_by'),
  createdAt: ts('created_at').notNull(),
  updatedAt: ts('updated_at').notNull(),
});

export type NoticeSendStatus = 'waiting' | 'planned' | 'sent' | 'held_out' | 'refused' | 'failed';

export const noticeSends = pgTable('notice_sends', {
  orgId: text('org_id').notNull(),
  id: text('id').notNull(),
  noticeId: text('notice_id').notNull(),
  shopId: text('shop_id').notNull(),
  orderId: text('order_id').notNull(),
  buyerId: text('buyer_id'),
  arm: text('arm').$type<'treatment' | 'holdout'>().notNull(),
  status: text('status').$type<NoticeSendStatus>().notNull(),
  language: text('language'),
  anchorAt: ts('anchor_at').notNull(),
  dueAt: ts('due_at').notNull(),
  outboxId: text('outbox_id'),
  reasons: jsonb('reasons').$type<string[]>().notNull(),
  messageId: text('message_id'),
  createdAt: ts('created_at').notNull(),
  updatedAt: ts('updated_at').notNull(),
  sentAt: ts('sent_at'),
});
