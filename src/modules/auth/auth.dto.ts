import { z } from 'zod';
import { ROLES } from '../../platform/tenancy.js';

const Lang = z.enum(['en', 'de', 'fr', 'it', 'es', 'zh-CN']);
export const RemedyLimitsDto = z.strictObject({
  percent: z.number().int().min(0).max(100).nullable(),
  amounts: z.record(z.string().regex(/^[A-Z]{3}$/, 'currency keys must be ISO 4217 codes'), z.number().int().min(0)).nullable(),
});

export const LoginBody = z.strictObject({
  email: z.string().trim().email(),
  password: z.string().min(1).max(200),
});

export const CreateUser = z.strictObject({
  email: z.string().trim().toLowerCase().email(),
  name: z.string().trim().min(1).max(120),
  password: z.string().min(10, 'must be at least 10 characters').max(200),
  role: z.enum(ROLES),
  languages: z.array(Lang).max(6).optional(),
  skills: z.array(z.string().trim().min(1).max(60)).max(30).optional(),
  remedyLimits: RemedyLimitsDto.optional(),
  uiLocale: z.enum(['en', 'zh-CN']).optional(),
  /** Limit the person to these brands' shops (not for owners); omitted or null: the whole organisation. */
  brandIds: z.array(z.string().min(1).max(64)).min(1).max(50).nullable().optional(),
});
export type CreateUser = z.infer<typeof CreateUser>;

export const UpdateUser = z.strictObject({
  name: z.string().trim().min(1).max(120).optional(),
  role: z.enum(ROLES).optional(),
  languages: z.array(Lang).max(6).optional(),
  skills: z.array(z.string().trim().min(1).max(60)).max(30).optional(),
  remedyLimits: RemedyLimitsDto.optional(),
  active: z.boolean().optional(),
  password: z.string().min(10, 'must be at least 10 characters').max(200).optional(),
  /** Limit to these brands' shops; null lifts the limit. */
  brandIds: z.array(z.string().min(1).max(64)).min(1).max(50).nullable().optional(),
});
export type UpdateUser = z.infer<typeof UpdateUser>;

export const UpdateMe = z.strictObject({ uiLocale: z.enum(['en', 'zh-CN']) });

export const UserView = z.object({
  id: z.string(),
  email: z.string(),
  name: z.string(),
  role: z.enum(ROLES),
  languages: z.array(z.string()),
  skills: z.array(z.string()),
  remedyLimits: RemedyLimitsDto,
  uiLocale: z.string(),
  active: z.boolean(),
  /** null: the whole organisation; else the brands this person is limited to. */
  brandIds: z.array(z.string()).nullable(),
  createdAt: z.string(),
});
export type UserView = z.infer<typeof UserView>;

// --- memberships: one login, several organisations -------------------------------------------

export const KINDS = ['seller', 'agency'] as const;

/** An organisation the signed-in login belongs to. */
export const MembershipView = z.object({
  id: z.string().describe('the organisation'),
  name: z.string(),
  kind: z.enum(KINDS),
  role: z.enum(ROLES),
  brandLimited: z.boolean(),
  current: z.boolean(),
});
export type MembershipView = z.infer<typeof MembershipView>;

export const SwitchBody = z.strictObject({ orgId: z.string().min(1).max(64) });

// --- invitations -------------------------------------------------------------------------------

export const CreateInvitation = z.strictObject({
  email: z.string().trim().toLowerCase().email(),
  role: z.enum(ROLES),
  brandIds: z.array(z.string().min(1).max(64)).min(1).max(50).nullable().optional(),
  /** The invitation e-mail's language (the invitee's; the inviter's UI language by default). */
  locale: z.enum(['en', 'zh-CN']).optional(),
});
export type CreateInvitation = z.infer<typeof CreateInvitation>;

export const InvitationView = z.object({
  id: z.string(),
  email: z.string(),
  role: z.enum(ROLES),
  brandIds: z.array(z.string()).nullable(),
  status: z.enum(['pending', 'accepted', 'revoked', 'expired']),
  createdAt: z.string(),
  expiresAt: z.string(),
  invitedBy: z.string(),
});
export type InvitationView = z.infer<typeof InvitationView>;

/** The answer to creating an invitation: the link is shown once (only its hash is stored). */
export const CreatedInvitation = z.object({ invitation: InvitationView, link: z.string(), token: z.string(), /** The invitation e-mail was queued (the installation has SMTP); else the owner passes the link on. */ mailed: z.boolean() });
export type CreatedInvitation = z.infer<typeof CreatedInvitation>;

export const InvitationToken = z.strictObject({ token: z.string().min(20).max(200) });

/** What the invitee sees before accepting. */
export const InvitationPreview = z.object({
  organisationName: z.string(),
  email: z.string(),
  role: z.enum(ROLES),
  /** The e-mail already has a login: accept by signing in with its password. */
  hasLogin: z.boolean(),
});
export type InvitationPreview = z.infer<typeof InvitationPreview>;

export const AcceptInvitation = z.strictObject({
  token: z.string().min(20).max(200),
  /** Needed when the e-mail has no login yet. */
  name: z.string().trim().min(1).max(120).optional(),
  password: z.string().min(1).max(200),
});
export type AcceptInvitation = z.infer<typeof AcceptInvitation>;

/** The roles, for the web app (which imports nothing from the server but its DTO types). */
export type { Role } from '../../platform/tenancy.js';
