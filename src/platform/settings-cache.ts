import { sql, type SQL } from 'drizzle-orm';
import { LRUCache } from 'lru-cache';

/**
 * Settings read on every message and reply (the shop, who can take tickets, which webhooks listen,
 * the automation rules), kept per process and trusted only under the version they were read at.
 *
 * Each change to those tables gives its organisation a new version (migration 0218: a trigger takes a
 * number from a sequence, never handed out twice). A hot transaction (`db.tenant(…, { cachedSettings:
 * true })`) reads its organisation's version in the round trip that opens it; `cachedSetting` then
 * answers from memory when the process read the same key under that same version, and reads (and
 * keeps) it otherwise. What it answers is what the transaction would have read at its first
 * statement, or something newer — as if the read had happened a moment earlier, never older settings
 * than those in force when the transaction began. A transaction that changes settings itself must
 * not ask for cached settings (it would not see its own change): only the message and reply paths
 * do, and they change none.
 *
 * Kept values are frozen: every caller shares them.
 */

interface TxSettings {
  orgId: string;
  /** The organisation and the brand scope the transaction reads in (rows differ per scope). */
  key: string;
  version: number;
}

interface Kept {
  version: number;
  values: Map<string, unknown>;
}

const ofTx = new WeakMap<object, TxSettings>();
/** Organisations (per brand scope) a process keeps settings for; the least recently used go first. */
const kept = new LRUCache<string, Kept>({ max: 2_000 });
let reads = 0;
let hits = 0;

/** Called by `db.tenant` for a transaction that read its organisation's settings version. */
export function noteSettingsVersion(tx: object, orgId: string, shopScope: string, version: number): void {
  ofTx.set(tx, { orgId, key: `${orgId}|${shopScope}`, version });
}

/**
 * `load()`'s answer for `key` in the transaction's organisation: from memory when it was read under
 * the transaction's settings version, else read now and kept. Without a version (a transaction that
 * did not ask, a savepoint, another organisation) it simply reads.
 */
export async function cachedSetting<T>(tx: object, orgId: string, key: string, load: () => Promise<T>): Promise<T> {
  const s = ofTx.get(tx);
  if (!s || s.orgId !== orgId) return load();
  reads++;
  const now = kept.get(s.key);
  if (now?.version === s.version && now.values.has(key)) {
    hits++;
    return now.values.get(key) as T;
  }
  const value = deepFreeze(await load());
  // Another transaction may have replaced the entry meanwhile; a different version replaces it again
  // (versions are not ordered by commit, only distinct), and the same version gains the key.
  let entry = kept.get(s.key);
  if (!entry || entry.version !== s.version) {
    entry = { version: s.version, values: new Map() };
    kept.set(s.key, entry);
  }
  entry.values.set(key, value);
  return value;
}

/**
 * The organisation's settings version, read on `tx` (of that organisation): for work that keeps
 * its own record of what it decided under which settings (the TikTok return import's checks).
 * 0 until the organisation's settings first change.
 */
export async function settingsVersionOn(tx: { execute(q: SQL): Promise<{ rows: unknown[] }> }, orgId: string): Promise<number> {
  const r = await tx.execute(sql`select coalesce((select version from settings_versions where org_id = ${orgId}), 0) as v`);
  return Number((r.rows[0] as { v: number | string }).v);
}

/** Reads answered from memory and all reads through `cachedSetting` with a version (tests, bench). */
export function settingsCacheStats(): { reads: number; hits: number } {
  return { reads, hits };
}

/** Forget everything kept (tests). */
export function clearSettingsCache(): void {
  kept.clear();
}

function deepFreeze<T>(v: T): T {
  if (v && typeof v === 'object' && !Object.isFrozen(v) && !(v instanceof Date)) {
    Object.freeze(v);
    for (const x of Object.values(v as object)) deepFreeze(x);
  }
  return v;
}
