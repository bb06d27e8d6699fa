import { boolean, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import type { RemedyLimits, Role } from './auth.rules.js';

export const users = pgTable('users', {
  orgId: text('org_id').notNull(),
  id: text('id').notNull(),
  email: text('email').notNull(),
  name: text('name').notNull(),
  /** The person behind this membership (installation-wide `logins`). */
  loginId: text('login_id').notNull(),
  role: text('role').$type<Role>().notNull(),
  languages: text('languages').array().notNull(),
  skills: text('skills').array().notNull(),
  remedyLimits: jsonb('remedy_limits').$type<RemedyLimits>().notNull(),
  uiLocale: text('ui_locale').notNull(),
  active: boolean('active').notNull(),
  /** null: the whole organisation; else only the shops of these brands (brand scope). */
  brandIds: text('brand_ids').array(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

export const sessions = pgTable('sessions', {
  orgId: text('org_id').notNull(),
  id: text('id').notNull(),
  userId: text('user_id').notNull(),
  loginId: text('login_id').notNull(),
  tokenHash: text('token_hash').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  lastSeenAt: timestamp('last_seen_at', { withTimezone: true }).notNull(),
  expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  userAgent: text('user_agent'),
  ip: text('ip'),
});

/** A person who can sign in: installation-wide, read and written only by system work. */
export const logins = pgTable('logins', {
  id: text('id').notNull(),
  email: text('email').notNull(),
  name: text('name').notNull(),
  passwordHash: text('password_hash').notNull(),
  lastOrgId: text('last_org_id'),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

export const invitations = pgTable('invitations', {
  orgId: text('org_id').notNull(),
  id: text('id').notNull(),
  email: text('email').notNull(),
  role: text('role').$type<Role>().notNull(),
  brandIds: text('brand_ids').array(),
  tokenHash: text('token_hash').notNull(),
  invitedBy: text('invited_by').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  acceptedAt: timestamp('accepted_at', { withTimezone: true }),
  acceptedUserId: text('accepted_user_id'),
  revokedAt: timestamp('revoked_at', { withTimezone: true }),
});
