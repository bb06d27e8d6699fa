import { z } from 'zod';

// The contract half of src/platform/pagination.ts: schemas only, so dto files (which the web app
// imports) can use them without pulling in server code.

/** Query fields every paged list takes; spread them into the route's query schema. */
export const pageQuery = {
  limit: z.coerce.number().int().min(1).max(200).optional(),
  cursor: z.string().min(1).max(300).optional(),
};

/** The answer of a paged list. */
export function pageOf<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), nextCursor: z.string().nullable() });
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

