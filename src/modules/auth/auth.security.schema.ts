import { bigint, boolean, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

/** Per person: two-factor secret (encrypted), hashed recovery codes, a forced password change. */
export const userSecurity = pgTable('user_security', {
  orgId: text('org_id').notNull(),
  userId: text('user_id').notNull(),
  totpSecretEnc: text('totp_secret_enc'),
  totpEnabledAt: timestamp('totp_enabled_at', { withTimezone: true }),
  totpPendingEnc: text('totp_pending_enc'),
  recoveryCodeHashes: text('recovery_code_hashes').array().notNull(),
  totpLastStep: bigint('totp_last_step', { mode: 'number' }),
  mustChangePassword: boolean('must_change_password').notNull(),
  passwordChangedAt: timestamp('password_changed_at', { withTimezone: true }),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
});

/** Single-use password-reset tokens, stored as a hash. */
export const passwordResets = pgTable('password_resets', {
  orgId: text('org_id').notNull(),
  id: text('id').notNull(),
  userId: text('user_id').notNull(),
  tokenHash: text('token_hash').notNull(),
  createdBy: text('created_by'),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  usedAt: timestamp('used_at', { withTimezone: true }),
});

/** The organisation's sign-in requirements. */
export const orgSecurity = pgTable('org_security', {
  orgId: text('org_id').notNull(),
  requireTwoFactor: boolean('require_two_factor').notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
});
