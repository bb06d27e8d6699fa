import { boolean, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import type { RemedyLimits, Role } from './auth.rules.js';

export const users = pgTable('users', {
  orgId: text('org_id').notNull(),
  id: text('id').notNull(),
  email: text('email').notNull(),
  name: text('name').notNull(),
  passwordHash: text('password_hash').notNull(),
  role: text('role').$type<Role>().notNull(),
  languages: text('languages').array().notNull(),
  skills: text('skills').array().notNull(),
  remedyLimits: jsonb('remedy_limits').$type<RemedyLimits>().notNull(),
  uiLocale: text('ui_locale').notNull(),
  active: boolean('active').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

export const sessions = pgTable('sessions', {
  orgId: text('org_id').notNull(),
  id: text('id').notNull(),
  userId: text('user_id').notNull(),
  tokenHash: text('token_hash').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  lastSeenAt: timestamp('last_seen_at', { withTimezone: true }).notNull(),
  expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  userAgent: text('user_agent'),
  ip: text('ip'),
});
