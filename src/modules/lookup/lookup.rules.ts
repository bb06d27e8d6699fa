import type { LookupHitView, LookupMatch } from './lookup.dto.js';

/**
 * How sure a hit is: a number people copy (order, RMA, ticket, tracking) is what they meant; a
 * buyer whose name is exactly the query comes next, then any partial name or e-mail match.
 */
export function scoreOf(match: LookupMatch, title: string, q: string): number {
  if (match !== 'buyer') return 100;
  const t = title.trim().toLowerCase();
  const s = q.trim().toLowerCase();
  if (t === s) return 80;
  if (t.startsWith(s)) return 60;
  return 40;
}

/** Highest score first; the same score: newest first; then by kind and id so the order is stable. */
export function rankHits(hits: LookupHitView[], limit: number): LookupHitView[] {
  const kindOrder = { order: 0, return: 1, ticket: 2, buyer: 3 } as const;
  const seen = new Set<string>();
  return hits
    .filter((h) => {
      const k = `${h.kind}:${h.id}`;
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    })
    .sort((a, b) => b.score - a.score || (b.at ?? '').localeCompare(a.at ?? '') || kindOrder[a.kind] - kindOrder[b.kind] || a.id.localeCompare(b.id))
    .slice(0, limit);
}
