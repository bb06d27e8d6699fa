import { z } from 'zod';
import { pageQuery } from '../pagination.dto.js';

// The outbox's HTTP contract (GET /api/outbox, POST /api/outbox/:id/retry).

export const OUTBOX_STATES = ['pending', 'running', 'done', 'failed', 'cancelled', 'held'] as const;

export const OutboxView = z.object({
  id: z.string(),
  handler: z.string(),
  status: z.enum(OUTBOX_STATES),
  attempts: z.number(),
  lastError: z.string().nullable(),
  subjectType: z.string().nullable(),
  subjectId: z.string().nullable(),
  createdAt: z.string(),
  doneAt: z.string().nullable(),
});
export type OutboxView = z.infer<typeof OutboxView>;

export const OutboxQuery = z.strictObject({ status: z.enum(OUTBOX_STATES).optional(), subjectId: z.string().max(200).optional(), ...pageQuery });
export const OutboxRetryView = z.object({ id: z.string(), status: z.enum(OUTBOX_STATES) });
