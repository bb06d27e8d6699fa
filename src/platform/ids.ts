import crypto from 'node:crypto';
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

/**
 * ulid's own random source asks the OS for one byte per character (16 calls per id, ≈ 4 % of a
 * reply's server CPU on the write-path bench). The same bytes, from crypto, drawn 4 KiB at a time;
 * a byte / 256 picks one of the 32 characters uniformly (256 is a multiple of 32).
 */
const pool = Buffer.alloc(4096);
let used = pool.length;
export function randomUnit(): number {
  if (used === pool.length) {
    crypto.randomFillSync(pool);
    used = 0;
  }
  return pool[used++]! / 256;
}

const ulid = monotonicFactory(randomUnit);
export const newId: IdGenerator = (prefix: string) => `${prefix}_${ulid().toLowerCase()}`;

/** Deterministic generator for tests and the seeded sandbox. */
export function sequentialIds(seed = 0): IdGenerator {
  let n = seed;
  return (prefix: string) => `${prefix}_${String(++n).padStart(26, '0')}`;
}

export function hasPrefix(id: string, prefix: string): boolean {
  return id.startsWith(`${prefix}_`);
}
