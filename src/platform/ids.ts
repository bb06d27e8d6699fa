import { monotonicFactory } from 'ulid';

/**
 * Prefixed, time-sortable ids (`tkt_01J…`). The prefix tells a human (and a support log) what
 * kind of object an id names; ULID keeps inserts append-mostly in b-tree indexes.
 */
export const ID_PREFIXES = {
  org: 'org',
  brand: 'brd',
  shop: 'shp',
  user: 'usr',
  session: 'ses',
  outbox: 'obx',
  job: 'job',
} as const;

export type IdGenerator = (prefix: string) => string;

const ulid = monotonicFactory();
export const newId: IdGenerator = (prefix: string) => `${prefix}_${ulid().toLowerCase()}`;

/** Deterministic generator for tests and the seeded sandbox. */
export function sequentialIds(seed = 0): IdGenerator {
  let n = seed;
  return (prefix: string) => `${prefix}_${String(++n).padStart(26, '0')}`;
}

export function hasPrefix(id: string, prefix: string): boolean {
  return id.startsWith(`${prefix}_`);
}
