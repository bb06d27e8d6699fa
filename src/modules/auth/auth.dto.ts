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
  createdAt: z.string(),
});
export type UserView = z.infer<typeof UserView>;

/** The roles, for the web app (which imports nothing from the server but its DTO types). */
export type { Role } from '../../platform/tenancy.js';
