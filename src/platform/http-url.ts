import { z } from 'zod';

/**
 * A link field from a form or a payload: http or https only, at most 2,000 characters. Kept apart
 * from the outbound policy (which needs node:dns and undici) so the web UI may share DTOs using it.
 */
export const HttpUrl = z.string().max(2000).refine(isHttpUrl, 'must be an http:// or https:// URL');

export function isHttpUrl(v: string): boolean {
  try {
    const u = new URL(v);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}
