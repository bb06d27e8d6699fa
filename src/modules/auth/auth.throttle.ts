import type { Clock } from '../../platform/clock.js';
import { exponentialBackoff } from '../../platform/backoff.js';

/**
 * Login throttling, keyed only by things a client cannot choose freely: the socket address (or the
 * one a trusted proxy reports) and the account. Three limits, each counting failed passwords only,
 * so an office of colleagues signing in correctly behind one NAT address never trips anything:
 *
 * - address + account: `perAccountAddress` failures a minute, then a wait until the minute is over.
 *   One address guessing one account is stopped here.
 * - address: `perAccountAddress * 5` failures a minute across all accounts (password spraying).
 * - account: after `freeFailures` failures in a row from anywhere, every further attempt waits an
 *   exponential backoff (1 s, 2 s, 4 s … at most `maxBackoffMs`) after the last failure. Addresses
 *   the owner signed in from before are exempt, so many addresses guessing one account slow down
 *   while the owner at their usual desk gets straight in, and on a new device waits at most
 *   `maxBackoffMs`.
 *
 * State is in this process's memory: with several API processes each keeps its own counts, so the
 * effective limits multiply by the number of processes (still bounded). A restart forgets them.
 */
export interface LoginThrottleOptions {
  perAccountAddress: number;
  freeFailures?: number;
  maxBackoffMs?: number;
  /** How long an address that signed in successfully stays exempt from the account backoff. */
  knownAddressMs?: number;
}

interface Window {
  start: number;
  failures: number;
}

interface AccountState {
  failuresInRow: number;
  lastFailure: number;
  known: Map<string, number>;
}

const WINDOW_MS = 60_000;
const MAX_ENTRIES = 50_000;

export function backoffMs(failuresInRow: number, freeFailures: number, maxBackoffMs: number): number {
  if (failuresInRow < freeFailures) return 0;
  return exponentialBackoff({ attempt: failuresInRow - freeFailures, baseMs: 1000, maxMs: maxBackoffMs });
}

export function createLoginThrottle(clock: Clock, opts: LoginThrottleOptions) {
  const perPair = opts.perAccountAddress;
  const perAddress = opts.perAccountAddress * 5;
  const freeFailures = opts.freeFailures ?? 5;
  const maxBackoffMs = opts.maxBackoffMs ?? 5 * 60_000;
  const knownAddressMs = opts.knownAddressMs ?? 30 * 24 * 3600_000;
  const pairs = new Map<string, Window>();
  const addresses = new Map<string, Window>();
  const accounts = new Map<string, AccountState>();

  const now = () => clock.now().getTime();
  const current = (m: Map<string, Window>, key: string, t: number): Window | undefined => {
    const w = m.get(key);
    if (w && t - w.start >= WINDOW_MS) {
      m.delete(key);
      return undefined;
    }
    return w;
  };
  const bump = (m: Map<string, Window>, key: string, t: number) => {
    const w = current(m, key, t);
    if (w) w.failures++;
    else m.set(key, { start: t, failures: 1 });
  };
  // Unknown e-mails are counted too; drop expired entries so a spray of made-up ones cannot grow memory forever.
  const prune = (t: number) => {
    for (const m of [pairs, addresses]) if (m.size > MAX_ENTRIES) for (const [k, w] of m) if (t - w.start >= WINDOW_MS) m.delete(k);
    if (accounts.size > MAX_ENTRIES) {
      for (const [k, a] of accounts) if (a.known.size === 0 && t - a.lastFailure >= maxBackoffMs) accounts.delete(k);
    }
  };

  return {
    /** Milliseconds this attempt must wait, or 0 when it may try the password. */
    check(address: string, account: string): number {
      const t = now();
      const email = account.toLowerCase();
      const waits: number[] = [];
      const pair = current(pairs, `${address}|${email}`, t);
      if (pair && pair.failures >= perPair) waits.push(pair.start + WINDOW_MS - t);
      const addr = current(addresses, address, t);
      if (addr && addr.failures >= perAddress) waits.push(addr.start + WINDOW_MS - t);
      const acc = accounts.get(email);
      if (acc) {
        const seen = acc.known.get(address);
        const knownHere = seen !== undefined && t - seen < knownAddressMs;
        const wait = acc.lastFailure + backoffMs(acc.failuresInRow, freeFailures, maxBackoffMs) - t;
        if (!knownHere && wait > 0) waits.push(wait);
      }
      return waits.length ? Math.max(...waits) : 0;
    },

    failed(address: string, account: string): void {
      const t = now();
      const email = account.toLowerCase();
      prune(t);
      bump(pairs, `${address}|${email}`, t);
      bump(addresses, address, t);
      const acc = accounts.get(email) ?? { failuresInRow: 0, lastFailure: t, known: new Map() };
      acc.failuresInRow++;
      acc.lastFailure = t;
      accounts.set(email, acc);
    },

    succeeded(address: string, account: string): void {
      const t = now();
      const email = account.toLowerCase();
      pairs.delete(`${address}|${email}`);
      const acc = accounts.get(email) ?? { failuresInRow: 0, lastFailure: 0, known: new Map() };
      acc.failuresInRow = 0;
      acc.known.set(address, t);
      accounts.set(email, acc);
    },
  };
}

export type LoginThrottle = ReturnType<typeof createLoginThrottle>;
