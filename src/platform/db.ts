import pg from 'pg';
import { drizzle, NodePgSession, NodePgTransaction, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import type { PgDialect } from 'drizzle-orm/pg-core';
import { is, Param, Placeholder, sql } from 'drizzle-orm';
import { currentShopScope, shopScopeSetting } from './scope.js';
import { noteSettingsVersion } from './settings-cache.js';

// int8 (bigint / count(*)) as JS numbers: our counts and minor-unit amounts stay far below 2^53.
pg.types.setTypeParser(20, (v) => Number(v));
// numeric stays a string (exact); callers convert where they mean to.

export type Orm = NodePgDatabase<Record<string, never>>;
export type Tx = Parameters<Parameters<Orm['transaction']>[0]>[0];
/** Anything a query can run on: the pool-backed ORM or an open transaction. */
export type Executor = Orm | Tx;

/**
 * The application's database handle. It connects as the non-superuser app role, so Postgres
 * row-level security applies; `tenant()` sets the organisation for one transaction only.
 */
export class Database {
  readonly orm: Orm;
  private readonly dialect: PgDialect;
  /** Whether transactions that ask for cached plans get them now (see `tenant`). */
  readonly cachedPlans: CachedPlansGate;
  constructor(
    readonly pool: pg.Pool,
    options: CachedPlansOptions = {},
  ) {
    this.orm = drizzle(pool) as Orm;
    this.dialect = (this.orm as unknown as { dialect: PgDialect }).dialect;
    this.cachedPlans = new CachedPlansGate(pool, options);
  }

  /** The connection string the pool was made with (another thread opens its own pool with it). */
  get url(): string | undefined {
    return (this.pool as unknown as { options?: { connectionString?: string } }).options?.connectionString;
  }

  /**
   * Run `fn` in a transaction that can see and write only `orgId`'s rows — and, when the work runs
   * in a brand scope (`runInShopScope`, set per request for a brand-limited user), only the rows of
   * that scope's shops on brand-scoped tables.
   */
  async tenant<T>(orgId: string, fn: (tx: Tx) => Promise<T>, opts?: { cachedPlans?: boolean; cachedSettings?: boolean; lock?: string }): Promise<T> {
    const shops = shopScopeSetting(currentShopScope());
    // A hot write path (a new message, a reply) may ask for cached plans: while the gate is open its
    // repeated statements become named statements and this transaction alone lets Postgres reuse a
    // generic plan for them (and for the foreign-key checks and trigger statements they cause).
    const cached = opts?.cachedPlans === true && this.cachedPlans.isOpen();
    const planMode = cached ? `, set_config('plan_cache_mode', 'auto', true)` : '';
    let settings = `select set_config('app.org_id', ${pg.escapeLiteral(orgId)}, true), set_config('app.shop_ids', ${pg.escapeLiteral(shops)}, true)${planMode}`;
    // It may also ask for the organisation's settings version (platform/settings-cache.ts), read in
    // the same round trip, so its settings reads can be answered from memory.
    if (opts?.cachedSettings === true) settings += `; ${SETTINGS_VERSION}`;
    // And for a transaction-long advisory lock on a key, taken in that round trip too, after the
    // version. Each statement of the round trip takes its own snapshot, so the transaction's first
    // read after it already sees whatever the lock's previous holder committed.
    if (opts?.lock !== undefined) settings += `; select pg_advisory_xact_lock(hashtextextended(${pg.escapeLiteral(opts.lock)}, 0))`;
    if (opts?.cachedSettings !== true) return this.transaction(settings, fn, cached);
    return this.transaction(settings, fn, cached, (tx, opened) => noteSettingsVersion(tx, orgId, shops, Number(opened.find((r) => r.fields[0]?.name === 'v')?.rows[0]?.v ?? 0)));
  }

  /**
   * Cross-tenant work that has no organisation yet: login by e-mail, session lookup, webhook
   * routing by shop id, workers claiming jobs. Kept explicit so it can be grepped and reviewed.
   */
  async system<T>(fn: (tx: Tx) => Promise<T>, opts?: { cachedPlans?: boolean }): Promise<T> {
    // The outbox's claim asks for cached plans as the hot write path does (see `tenant`).
    const cached = opts?.cachedPlans === true && this.cachedPlans.isOpen();
    const planMode = cached ? `, set_config('plan_cache_mode', 'auto', true)` : '';
    return this.transaction(`select set_config('app.system', 'on', true)${planMode}`, fn, cached);
  }

  /**
   * A transaction whose BEGIN and settings travel in one round trip: both go as one simple-protocol
   * query (the values are escaped literals, never interpolated raw), where Drizzle's own
   * `transaction()` would send BEGIN and then the settings. The callback gets an ordinary Drizzle
   * transaction on the same connection (savepoints and `tx.rollback()` work as before).
   */
  private async transaction<T>(settings: string, fn: (tx: Tx) => Promise<T>, nameStatements = false, onOpen?: (tx: Tx, results: pg.QueryResult[]) => void): Promise<T> {
    const client = await this.pool.connect();
    let broken: Error | undefined;
    if (nameStatements) (client as NamingClient)[NAMING] = true;
    try {
      let opened: pg.QueryResult | pg.QueryResult[];
      try {
        opened = (await client.query(`begin; ${settings}`)) as pg.QueryResult | pg.QueryResult[];
      } catch (e) {
        broken = e as Error;
        throw e;
      }
      const tx = new NodePgTransaction(this.dialect, new NodePgSession(client, this.dialect, undefined), undefined) as unknown as Tx;
      if (onOpen) onOpen(tx, Array.isArray(opened) ? opened : [opened]);
      try {
        const result = await fn(tx);
        await client.query('commit');
        return result;
      } catch (e) {
        try {
          await client.query('rollback');
        } catch (r) {
          // The connection itself failed: the pool must not hand it out again.
          broken = r as Error;
        }
        throw e;
      }
    } finally {
      if (nameStatements) (client as NamingClient)[NAMING] = false;
      client.release(broken);
    }
  }

  async ping(): Promise<boolean> {
    try {
      await this.pool.query('select 1');
      return true;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

/** The organisation's settings version (migration 0218); 0 before its first change. */
const SETTINGS_VERSION = `select coalesce((select version from settings_versions where org_id = current_setting('app.org_id')), 0) as v`;

export function createPool(url: string, max = 10): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max,
    connectionTimeoutMillis: 5_000,
    // Postgres caches a generic plan for each foreign-key check (and plpgsql statement) the first
    // times it runs. On a young database those plans are made while the tables are nearly empty,
    // where every org_id-led index costs the same, and Postgres may keep one that scans the whole
    // organisation for each checked row until autovacuum's next ANALYZE. Custom plans see the
    // table's real size each time. This holds for our named statements too (the portal's page view):
    // they are parsed once per connection and planned on every run. Generic plans would save the
    // planning (the write-path bench measured it: docs/ARCHITECTURE.md, issue 20) at this risk, so
    // only a transaction that asks for them gets them, and only while `CachedPlansGate` is open.
    options: '-c plan_cache_mode=force_custom_plan',
  });
  // A dropped connection must not crash the process; the next query reconnects. The pool listens
  // for errors only on idle clients: a checked-out client (an open transaction waiting on other
  // work) whose server goes away — a Postgres restart, a failover — emits an 'error' nobody
  // handles, and Node ends the process. So every client gets a listener of its own; the query on
  // it fails instead, and the pool discards the dead client when it is released.
  pool.on('error', () => undefined);
  pool.on('connect', (client) => {
    client.on('error', () => undefined);
    nameRepeatedStatements(client);
  });
  return pool;
}

/** Set on a pooled client for the length of a transaction whose repeated statements get names. */
const NAMING = Symbol('afterdesk.nameStatements');
type NamingClient = pg.PoolClient & { [NAMING]?: boolean };

/** A statement text gets a name once it has run this often (in transactions that name statements). */
const NAME_AFTER_RUNS = 3;
/** Texts the process counts at most: a variable-length `in (…)` list makes a new text each time. */
const TRACKED_TEXTS = 5_000;
/** Named statements one connection prepares at most: each holds a parse tree (and plans) in its backend. */
const NAMED_PER_CONNECTION = 400;
/** Statement text → runs seen so far, or its name once it has one. Names are process-wide: one name, one text. */
const statementNames = new Map<string, number | string>();
let statementCount = 0;

/**
 * Statements with values travel over the extended protocol (Parse, Bind, Execute). Unnamed, each is
 * parsed, analysed and planned on every run; named, Postgres keeps it per connection and — with
 * `plan_cache_mode=auto` — may keep a generic plan for it. Only inside a transaction that asked for
 * it (`NAMING` set) and only texts that repeat; simple-protocol queries (no values, several
 * statements in one string) are never named.
 */
function nameRepeatedStatements(client: pg.PoolClient): void {
  const query = client.query as (...args: unknown[]) => unknown;
  let prepared = 0;
  (client as { query: unknown }).query = function (this: NamingClient, config: unknown, values?: unknown, callback?: unknown) {
    if (this[NAMING] && config !== null && typeof config === 'object' && (config as pg.QueryConfig).name === undefined) {
      const c = config as pg.QueryConfig;
      const params = Array.isArray(values) ? values : c.values;
      if (typeof c.text === 'string' && params && params.length > 0) {
        const seen = statementNames.get(c.text);
        if (typeof seen === 'string') {
          const parsed = (this as unknown as { connection: { parsedStatements: Record<string, string> } }).connection.parsedStatements;
          if (parsed[seen] !== undefined || prepared < NAMED_PER_CONNECTION) {
            if (parsed[seen] === undefined) prepared += 1;
            // A copy: a `statement()` hands the same config to every run, named or not.
            return query.call(this, { ...c, name: seen }, values, callback);
          }
        } else if (seen === undefined) {
          if (statementNames.size < TRACKED_TEXTS) statementNames.set(c.text, 1);
        } else {
          statementNames.set(c.text, seen + 1 >= NAME_AFTER_RUNS ? `ad_${(statementCount += 1).toString(36)}` : seen + 1);
        }
      }
    }
    return query.call(this, config, values, callback);
  };
}

/** Drizzle builds `statement()` texts here: a database with no connection (it never runs a query). */
const builder = drizzle.mock() as unknown as Orm;

/** What Drizzle's query builders (select, insert, update, delete) offer: a query rendered once. */
interface Preparable<T> {
  prepare(name: string): { execute(values?: Record<string, unknown>): Promise<T> };
}

/**
 * A statement whose SQL Drizzle renders once per process instead of on every run. Drizzle builds a
 * statement's text from its query-builder tree each time it runs: 65–110 µs for a select or insert
 * over a wide table on the write-path bench's machine, more than Postgres spends running many of
 * them. Written with `sql.placeholder(name)` for every value, the text, the parameters (each with its
 * column's encoder: dates, JSON) and the row mapping are kept; a run fills in `values` and sends it
 * on `on`'s connection — inside a transaction, so row-level security and the organisation setting
 * apply as to any query. Only for statements whose shape never changes (the same columns every run).
 */
export function statement<T>(build: (db: Orm) => Preparable<T>): (on: Executor, values: Record<string, unknown>) => Promise<T> {
  let rendered: { params: unknown[] } | undefined;
  return (on, values) => {
    rendered ??= build(builder).prepare(undefined as unknown as string) as unknown as { params: unknown[] };
    // Drizzle's prepared query runs on its `client` with its `params`: the same rendering, on this
    // caller's connection, with the values filled in here.
    const run = Object.create(rendered) as { client: unknown; params: unknown[]; execute(v: Record<string, unknown>): Promise<T> };
    run.client = clientOf(on);
    run.params = rendered.params.map((p) => fill(p, values));
    return run.execute({});
  };
}

/**
 * `statement()` for a statement whose shape follows its input — the columns an insert or update
 * sets, the optional parts it has: one rendering per shape, keyed by `keyOf(shape)`. A caller with
 * unbounded shapes would keep renderings without end, so past `maxShapes` a shape is rendered for
 * its run only.
 */
export function shapedStatement<S, T>(build: (db: Orm, shape: S) => Preparable<T>, keyOf: (shape: S) => string, maxShapes = 64): (on: Executor, shape: S, values: Record<string, unknown>) => Promise<T> {
  const byShape = new Map<string, (on: Executor, values: Record<string, unknown>) => Promise<T>>();
  return (on, shape, values) => {
    const key = keyOf(shape);
    let run = byShape.get(key);
    if (!run) {
      run = statement((db) => build(db, shape));
      if (byShape.size < maxShapes) byShape.set(key, run);
    }
    return run(on, values);
  };
}

/**
 * One parameter of a rendered statement with its value. Drizzle's own filling passes null through a
 * column's encoder (a JSON column would get the JSON text `null`, a timestamp would throw); here null
 * is NULL, as in Drizzle's unprepared queries, and a value left out is an error naming it.
 */
function fill(p: unknown, values: Record<string, unknown>): unknown {
  const placeholder = is(p, Placeholder) ? p : is(p, Param) && is(p.value, Placeholder) ? (p.value as Placeholder) : undefined;
  if (!placeholder) return p;
  const v = values[placeholder.name];
  if (v === undefined) throw new Error(`statement(): no value for "${placeholder.name}"`);
  if (v === null || placeholder === p) return v;
  return (p as Param).encoder.mapToDriverValue(v);
}

/** `{ a: sql.placeholder('a'), … }`: the values of a `statement()`'s insert, filled in on each run. */
export function placeholders<K extends string>(...keys: K[]): { [P in K]: Placeholder<P> } {
  return rowPlaceholders('', keys) as { [P in K]: Placeholder<P> };
}

/**
 * The placeholders of one row of a many-row insert (`c0_id`, `c0_orgId`, …) and the values that
 * fill them: each row of a `shapedStatement()` keyed by its row count gets its own names.
 */
export function rowPlaceholders(prefix: string, keys: readonly string[]): Record<string, Placeholder> {
  return Object.fromEntries(keys.map((k) => [k, sql.placeholder(`${prefix}${k}`)]));
}
export function rowValues(prefix: string, row: object): Record<string, unknown> {
  return Object.fromEntries(Object.entries(row).map(([k, v]) => [`${prefix}${k}`, v]));
}

function clientOf(on: Executor): unknown {
  const client = (on as unknown as { session?: { client?: unknown } }).session?.client;
  if (!client) throw new Error('statement(): the executor has no connection');
  return client;
}

export interface CachedPlansOptions {
  /** 'auto' (default): by the tables' statistics, see `cachedPlansOpen`; 'on' / 'off': always / never. */
  cachedPlans?: 'auto' | 'on' | 'off';
  /** Rows a watched table's statistics must count before 'auto' opens (default 10,000). */
  matureRows?: number;
  /** How often 'auto' reads the statistics again, in ms (default one minute). */
  recheckMs?: number;
}

/** What `CachedPlansGate` reads from Postgres's statistics. */
export interface TableStatistics {
  /** Watched tables whose statistics (pg_class.reltuples, set by ANALYZE) count at least `matureRows`. */
  matureWatched: number;
  watched: number;
  /**
   * Tables of the schema that hold more than twice the rows their last ANALYZE counted, and over 1,000
   * more (never analysed: over 1,000 rows). Rows, not changes: a small table updated all the time (an
   * organisation's evidence head, its ticket counter) changes by thousands of rows between two
   * autovacuum runs without growing, and its plans stay right.
   */
  outgrown: number;
}

/**
 * Whether generic plans are safe now. A generic plan is made from the statistics of the moment and
 * kept until the table's next ANALYZE; made while a table is nearly empty (a new installation, a
 * new table, a shop's first sync) it can pick any `org_id`-led index and then scan a whole
 * organisation for each row it checks. So: every table the hot path grows through (registered by
 * its module) must have been analysed at a real size, and no table may have outgrown its statistics.
 */
export function cachedPlansOpen(s: TableStatistics): boolean {
  return s.watched > 0 && s.matureWatched === s.watched && s.outgrown === 0;
}

/**
 * Decides, from the tables' statistics read at most once per `recheckMs` (in the background: a
 * transaction never waits for it), whether transactions that ask for cached plans get them.
 */
export class CachedPlansGate {
  private readonly watched = new Set<string>();
  private open = false;
  /** How many transactions that asked for cached plans got them (`open`) and did not (`closed`). */
  readonly answers = { open: 0, closed: 0 };
  private checkedAt = Number.NEGATIVE_INFINITY;
  private checking: Promise<void> | null = null;
  private readonly mode: 'auto' | 'on' | 'off';
  private readonly matureRows: number;
  private readonly recheckMs: number;

  constructor(
    private readonly pool: pg.Pool,
    options: CachedPlansOptions,
  ) {
    this.mode = options.cachedPlans ?? 'auto';
    this.matureRows = options.matureRows ?? 10_000;
    this.recheckMs = options.recheckMs ?? 60_000;
  }

  /** A module's tables that grow with its hot path (by table name). */
  watch(tables: readonly string[]): void {
    for (const t of tables) this.watched.add(t);
  }

  /** The tables watched so far, sorted. */
  watching(): string[] {
    return [...this.watched].sort();
  }

  isOpen(): boolean {
    const open = this.answer();
    if (open) this.answers.open++;
    else this.answers.closed++;
    return open;
  }

  private answer(): boolean {
    if (this.mode !== 'auto') return this.mode === 'on';
    if (this.checking === null && performance.now() - this.checkedAt >= this.recheckMs) void this.check();
    return this.open;
  }

  /** Read the statistics now (the gate's next answer follows them). */
  check(): Promise<void> {
    this.checking ??= this.read()
      .then((s) => {
        this.open = cachedPlansOpen(s);
      })
      .catch(() => {
        this.open = false;
      })
      .finally(() => {
        this.checkedAt = performance.now();
        this.checking = null;
      });
    return this.checking;
  }

  private async read(): Promise<TableStatistics> {
    const names = [...this.watched];
    if (!names.length) return { watched: 0, matureWatched: 0, outgrown: 0 };
    const r = await this.pool.query<{ mature: number; outgrown: number }>(
      `select (select count(*) from pg_class c
                where c.relnamespace = current_schema()::regnamespace and c.relkind = 'r'
                  and c.relname = any($1::text[]) and c.reltuples >= $2) as mature,
              (select count(*) from pg_stat_user_tables s join pg_class c on c.oid = s.relid
                where s.schemaname = current_schema() and s.n_live_tup > c.reltuples + greatest(1000, c.reltuples)) as outgrown`,
      [names, this.matureRows],
    );
    return { watched: names.length, matureWatched: r.rows[0]!.mature, outgrown: r.rows[0]!.outgrown };
  }
}
