import { z } from 'zod';
import { UserView } from './auth.dto.js';

const Lang = z.enum(['en', 'de', 'fr', 'it', 'es', 'zh-CN']);
const Code = z.string().trim().min(6).max(20);

/** Sign-in answer: a session (cookie set) or, with two-factor sign-in on, a challenge for the code. */
export const LoginAnswer = z.object({
  user: UserView.optional(),
  twoFactor: z.object({ challenge: z.string(), expiresAt: z.string() }).optional(),
});
export type LoginAnswer = z.infer<typeof LoginAnswer>;

export const TwoFactorLoginBody = z.strictObject({
  challenge: z.string().min(10).max(400),
  /** The 6-digit code of the authenticator app, or one recovery code. */
  code: Code,
});

export const ResetRequestBody = z.strictObject({ email: z.string().trim().email().max(200) });
export const ResetCompleteBody = z.strictObject({ token: z.string().min(20).max(200), password: z.string().min(1).max(200) });

export const AccountView = z.object({
  user: UserView,
  twoFactor: z.object({ enabled: z.boolean(), required: z.boolean(), enabledAt: z.string().nullable(), recoveryCodesLeft: z.number().int() }),
  mustChangePassword: z.boolean(),
  /** Set while the person may only change the password or enrol a second factor. */
  restriction: z.enum(['two_factor_enrolment', 'password_change']).nullable(),
  /** Whether "forgot password" can send mail on this installation. */
  resetByMail: z.boolean(),
});
export type AccountView = z.infer<typeof AccountView>;

export const UpdateAccount = z.strictObject({
  name: z.string().trim().min(1).max(120).optional(),
  uiLocale: z.enum(['en', 'zh-CN']).optional(),
  languages: z.array(Lang).max(6).optional(),
});
export type UpdateAccount = z.infer<typeof UpdateAccount>;

export const ChangePasswordBody = z.strictObject({
  currentPassword: z.string().min(1).max(200),
  newPassword: z.string().min(1).max(200),
});

export const TotpSetupView = z.object({ secret: z.string(), uri: z.string(), qrDataUrl: z.string() });
export type TotpSetupView = z.infer<typeof TotpSetupView>;
export const TotpConfirmBody = z.strictObject({ code: Code });
export const RecoveryCodesView = z.object({ recoveryCodes: z.array(z.string()) });
export const PasswordAndCodeBody = z.strictObject({ password: z.string().min(1).max(200), code: Code });

export const SessionView = z.object({
  id: z.string(),
  current: z.boolean(),
  createdAt: z.string(),
  lastSeenAt: z.string(),
  expiresAt: z.string(),
  device: z.string(),
  /** The network the session came from (IPv4 /24, IPv6 /48), never the full address. */
  network: z.string().nullable(),
});
export type SessionView = z.infer<typeof SessionView>;
export const SessionList = z.object({ items: z.array(SessionView) });
export const RevokedView = z.object({ revoked: z.number().int() });

export const MemberResetBody = z.strictObject({ mode: z.enum(['temporary_password', 'link']) });
export const MemberResetView = z.object({
  mode: z.enum(['temporary_password', 'link']),
  /** Shown once; the member must change it at the next sign-in. */
  temporaryPassword: z.string().nullable(),
  /** Shown once; single use. */
  resetUrl: z.string().nullable(),
  expiresAt: z.string().nullable(),
});
export type MemberResetView = z.infer<typeof MemberResetView>;

export const SecuritySettingsView = z.object({ requireTwoFactor: z.boolean(), usersWithoutTwoFactor: z.number().int() });
export type SecuritySettingsView = z.infer<typeof SecuritySettingsView>;
export const SecuritySettingsBody = z.strictObject({ requireTwoFactor: z.boolean() });
