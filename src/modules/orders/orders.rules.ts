/**
 * The latest item per key, sorted by key. The order matters: upserts lock rows in input order, so
 * two transactions writing overlapping rows (two webhook batches sharing a buyer) lock them in the
 * same order and one waits for the other instead of deadlocking.
 */
export function latestBy<T>(items: T[], key: (t: T) => string, time: (t: T) => number): T[] {
  const m = new Map<string, T>();
  for (const it of items) {
    const k = key(it);
    const cur = m.get(k);
    if (!cur || time(it) >= time(cur)) m.set(k, it);
  }
  return [...m.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, v]) => v);
}
