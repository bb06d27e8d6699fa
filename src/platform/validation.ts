import type { z } from 'zod';

/** One problem with an input, named the way the caller's user wrote it (`shipping.address`, `--from`, `DATABASE_URL`). */
export interface FieldIssue {
  field: string;
  message: string;
}

/**
 * Zod's issues as `{field, message}`: the path joined with dots, behind `prefix` (a CLI's `--`);
 * an issue about the whole input (empty path) is named `root` (`body`, `input`; empty if not given).
 * `topLevel` names only the first step of the path, for inputs whose user knows nothing deeper (a
 * CLI option holding a list, an environment variable).
 */
export function zodIssues(error: z.ZodError, o: { prefix?: string; root?: string; topLevel?: boolean } = {}): FieldIssue[] {
  return error.issues.map((i) => ({ field: (o.prefix ?? '') + ((o.topLevel ? i.path.slice(0, 1) : i.path).join('.') || (o.root ?? '')), message: i.message }));
}

/** Issues as one line for a log or an error message: `a.b: required; c: too long`. */
export function describeIssues(issues: FieldIssue[]): string {
  return issues.map((i) => `${i.field}: ${i.message}`).join('; ');
}
