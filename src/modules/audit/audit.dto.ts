import { z } from 'zod';
import { pageOf, pageQuery } from '../../platform/pagination.dto.js';

export const AuditEventView = z.object({
  id: z.string(),
  at: z.string(),
  actorType: z.enum(['user', 'token', 'system', 'anonymous']),
  actorId: z.string().nullable(),
  actorLabel: z.string().nullable(),
  action: z.string(),
  subjectType: z.string().nullable(),
  subjectId: z.string().nullable(),
  before: z.unknown(),
  after: z.unknown(),
  /** The changed fields as dotted paths, ready to show as before → after. */
  changes: z.array(z.object({ path: z.string(), before: z.unknown(), after: z.unknown() })),
  context: z.record(z.string(), z.unknown()),
});
export type AuditEventView = z.infer<typeof AuditEventView>;

export const AuditQuery = z.strictObject({
  ...pageQuery,
  actorId: z.string().trim().min(1).max(80).optional(),
  action: z.string().trim().min(1).max(80).optional(),
  /** Inclusive start (ISO date or time). */
  from: z.iso.datetime({ offset: true }).or(z.iso.date()).optional(),
  /** Exclusive end (ISO date or time). */
  to: z.iso.datetime({ offset: true }).or(z.iso.date()).optional(),
});
export type AuditQuery = z.infer<typeof AuditQuery>;

export const AuditPage = pageOf(AuditEventView);
export const AuditActionsView = z.object({ items: z.array(z.string()) });
