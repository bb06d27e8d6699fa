import pg from 'pg';
import { drizzle, NodePgSession, NodePgTransaction, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import type { PgDialect } from 'drizzle-orm/pg-core';
import { currentShopScope, shopScopeSetting } from './scope.js';

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
  constructor(readonly pool: pg.Pool) {
    this.orm = drizzle(pool) as Orm;
    this.dialect = (this.orm as unknown as { dialect: PgDialect }).dialect;
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
  async tenant<T>(orgId: string, fn: (tx: Tx) => Promise<T>): Promise<T> {
    const shops = shopScopeSetting(currentShopScope());
    return this.transaction(`select set_config('app.org_id', ${pg.escapeLiteral(orgId)}, true), set_config('app.shop_ids', ${pg.escapeLiteral(shops)}, true)`, fn);
  }

  /**
   * Cross-tenant work that has no organisation yet: login by e-mail, session lookup, webhook
   * routing by shop id, workers claiming jobs. Kept explicit so it can be grepped and reviewed.
   */
  async system<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    return this.transaction(`select set_config('app.system', 'on', true)`, fn);
  }

  /**
   * A transaction whose BEGIN and settings travel in one round trip: both go as one simple-protocol
   * query (the values are escaped literals, never interpolated raw), where Drizzle's own
   * `transaction()` would send BEGIN and then the settings. The callback gets an ordinary Drizzle
   * transaction on the same connection (savepoints and `tx.rollback()` work as before).
   */
  private async transaction<T>(settings: string, fn: (tx: Tx) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    let broken: Error | undefined;
    try {
      try {
        await client.query(`begin; ${settings}`);
      } catch (e) {
        broken = e as Error;
        throw e;
      }
      const tx = new NodePgTransaction(this.dialect, new NodePgSession(client, this.dialect, undefined), undefined) as unknown as Tx;
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
    // planning (the write-path bench measured it: docs/ARCHITECTURE.md, issue 20) at this risk.
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
  });
  return pool;
}
