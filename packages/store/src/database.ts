import { mkdir } from 'node:fs/promises';
import type { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { migrate } from './migrate.js';

/** What every repository needs: one parameterised statement at a time. */
export interface Queryable {
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
}

export interface Database extends Queryable {
  readonly driver: 'pg' | 'pglite';
  /**
   * Runs `fn` in one transaction on one connection: committed when `fn` resolves, rolled back
   * when it throws. Inside `fn`, use `tx` only — on PGlite a query on the database itself waits
   * for the transaction to end, so it would never return.
   */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** A transaction that can also run a multi-statement script (migrations). */
export interface ScriptSession extends Queryable {
  exec(sql: string): Promise<void>;
}

/** What the migration runner needs of a database. */
export interface ScriptRunner {
  transaction<T>(fn: (tx: ScriptSession) => Promise<T>): Promise<T>;
}

export interface OpenDatabaseOptions {
  /** PostgreSQL connection string. When set, the `pg` driver is used; otherwise PGlite. */
  url?: string;
  /**
   * Schema that holds every table, created if missing. Lower-case letters, digits and `_`.
   * Default: the connection's own search_path (usually `public`).
   */
  schema?: string;
  /** PGlite data directory; `memory://` keeps everything in memory. Default `./data/pglite`. */
  dataDir?: string;
  /** Connections in the `pg` pool. Default 10. */
  poolSize?: number;
  /**
   * Called when an idle pooled connection fails (a server restart, a network cut). The pool
   * drops that connection and opens a new one on demand, so by default this is ignored.
   */
  onIdleError?: (error: Error) => void;
}

export const DEFAULT_PGLITE_DIR = './data/pglite';

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
const INT8_OID = 20;
const BYTEA_OID = 17;

/** Opens the database named by `opts` and brings its schema up to date. */
export async function openDatabase(opts: OpenDatabaseOptions = {}): Promise<Database> {
  if (opts.schema !== undefined && !SCHEMA_NAME.test(opts.schema)) {
    throw new Error(`invalid database schema name ${JSON.stringify(opts.schema)}: use lower-case letters, digits and _`);
  }
  const db = opts.url ? await openPg(opts.url, opts) : await openPglite(opts);
  try {
    await migrate(db);
  } catch (error) {
    await db.close();
    throw error;
  }
  return db;
}

async function openPg(url: string, opts: OpenDatabaseOptions): Promise<PgDatabase> {
  const pool = new pg.Pool({
    connectionString: url,
    max: opts.poolSize ?? 10,
    // Setting search_path at connection start (not per query) keeps every pooled connection,
    // including ones opened later, in the schema.
    ...(opts.schema ? { options: `-c search_path=${opts.schema}` } : {}),
  });
  pool.on('error', (error) => opts.onIdleError?.(error));
  const db = new PgDatabase(pool);
  if (opts.schema) {
    try {
      await createSchema(db, opts.schema);
    } catch (error) {
      await db.close();
      throw error;
    }
  }
  return db;
}

async function openPglite(opts: OpenDatabaseOptions): Promise<PgliteDatabase> {
  // Loaded only when used: services on a server never load the WebAssembly build.
  const { PGlite: Pglite } = await import('@electric-sql/pglite');
  const dataDir = opts.dataDir ?? DEFAULT_PGLITE_DIR;
  if (!dataDir.includes('://')) await mkdir(dataDir, { recursive: true });
  const client = await Pglite.create(dataDir, {
    parsers: {
      // int8 as strings, as `pg` does: ids are bigint and must not lose precision.
      [INT8_OID]: (value: string) => value,
      // PGlite's own bytea codec goes a byte at a time in JavaScript; a batch of signatures
      // took longer to encode than to insert.
      [BYTEA_OID]: (value: string) => Buffer.from(value.slice(2), 'hex'),
    },
    serializers: { [BYTEA_OID]: serializeBytea },
  });
  const db = new PgliteDatabase(client);
  if (opts.schema) {
    try {
      await createSchema(db, opts.schema);
      await client.exec(`SET search_path TO ${opts.schema}`);
    } catch (error) {
      await db.close();
      throw error;
    }
  }
  return db;
}

function serializeBytea(value: unknown): string {
  if (!(value instanceof Uint8Array)) throw new TypeError('a bytea parameter must be a Uint8Array');
  return `\\x${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex')}`;
}

/** Concurrent `CREATE SCHEMA IF NOT EXISTS` can still collide; the lock serialises services starting together. */
async function createSchema(db: ScriptRunner, schema: string): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.query(`SELECT pg_advisory_xact_lock(hashtext('undertow.schema'), hashtext($1))`, [schema]);
    await tx.exec(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
  });
}

class PgDatabase implements Database, ScriptRunner {
  readonly driver = 'pg' as const;

  constructor(private readonly pool: pg.Pool) {}

  async query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]> {
    const result = await this.pool.query(sql, params);
    return result.rows as T[];
  }

  async transaction<T>(fn: (tx: ScriptSession) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      const result = await fn({
        query: async <R>(sql: string, params?: unknown[]) => (await client.query(sql, params)).rows as R[],
        exec: async (sql: string) => {
          await client.query(sql);
        },
      });
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch((rollbackError: unknown) => {
        broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
      });
      throw error;
    } finally {
      // A connection whose rollback failed is in an unknown state: the pool must not reuse it.
      client.release(broken);
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

class PgliteDatabase implements Database, ScriptRunner {
  readonly driver = 'pglite' as const;

  constructor(private readonly client: PGlite) {}

  async query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]> {
    return (await this.client.query<T>(sql, params)).rows;
  }

  async transaction<T>(fn: (tx: ScriptSession) => Promise<T>): Promise<T> {
    return this.client.transaction((tx) =>
      fn({
        query: async <R>(sql: string, params?: unknown[]) => (await tx.query<R>(sql, params)).rows,
        exec: async (sql: string) => {
          await tx.exec(sql);
        },
      }),
    );
  }

  async close(): Promise<void> {
    if (!this.client.closed) await this.client.close();
  }
}
