/**
 * The one module that knows the SQL dialect (docs/server.md#database): it opens Kysely over
 * better-sqlite3 or over a pg Pool, runs the migrations compiled into the package, and offers the few
 * expressions that differ between the two (the database's clock). Everything else builds portable queries.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import {
  Kysely,
  type Migration,
  Migrator,
  PostgresDialect,
  type RawBuilder,
  SqliteDialect,
  sql,
} from 'kysely';
import pg from 'pg';
import type { DbTarget } from '../config/resolve.js';
import { ServerError } from '../errors.js';
import { init } from './migrations/0001_init.js';
import type { Schema } from './schema.js';

export interface Database {
  readonly k: Kysely<Schema>;
  readonly backend: DbTarget['backend'];
  /** The database's clock in Unix ms (leases use it, so that hosts need not agree to the millisecond). */
  nowMs(): RawBuilder<number>;
  /** After rows were inserted with explicit ids: the next generated id follows the largest one. */
  resetIdentity(q: Kysely<Schema>, table: keyof Schema, column: string): Promise<void>;
  close(): Promise<void>;
}

export interface OpenOptions {
  poolSize?: number;
  /** Told about pool errors; never given the URL. */
  onError?: (message: string) => void;
}

const INT8_OID = 20;

function postgresDialect(url: string, options: OpenOptions): PostgresDialect {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? 10,
    // bigint columns hold Unix ms and counters, all far below 2^53: read them as numbers.
    types: {
      getTypeParser: ((oid: number, format?: string) =>
        oid === INT8_OID ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format as 'text')) as never,
    },
  });
  pool.on('error', (err) => options.onError?.(`PostgreSQL connection error: ${err.message}`));
  return new PostgresDialect({ pool });
}

function sqliteDialect(path: string): SqliteDialect {
  mkdirSync(dirname(path), { recursive: true });
  return new SqliteDialect({
    database: async () => {
      const db = new SqliteDatabase(path);
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.pragma('foreign_keys = ON');
      db.pragma('busy_timeout = 5000');
      // Integers in bigint columns come back as numbers (ms and counters are far below 2^53).
      return db;
    },
  });
}

export function openDatabase(target: DbTarget, options: OpenOptions = {}): Database {
  const dialect =
    target.backend === 'postgres' ? postgresDialect(target.url, options) : sqliteDialect(target.sqlitePath!);
  const k = new Kysely<Schema>({ dialect });
  const nowExpr =
    target.backend === 'postgres'
      ? () => sql<number>`(floor(extract(epoch from clock_timestamp()) * 1000))::bigint`
      : () => sql<number>`cast((julianday('now') - 2440587.5) * 86400000 as integer)`;
  return {
    k,
    backend: target.backend,
    nowMs: nowExpr,
    // SQLite's AUTOINCREMENT follows the largest id by itself; PostgreSQL's identity has a sequence.
    resetIdentity: async (q, table, column) => {
      if (target.backend !== 'postgres') return;
      await sql`select setval(pg_get_serial_sequence(${table}, ${column}), coalesce((select max(${sql.ref(column)}) from ${sql.table(table)}), 0) + 1, false)`.execute(
        q,
      );
    },
    close: () => k.destroy(),
  };
}

/** The migrations compiled into this package, by name in order. */
export function migrations(backend: DbTarget['backend']): Record<string, Migration> {
  return { '0001_init': init(backend) };
}

/**
 * Brings the schema up to date under Kysely's lock. A database migrated by a newer release (a migration
 * this package does not know) stops startup.
 */
export async function migrate(db: Database): Promise<string[]> {
  const migrator = new Migrator({
    db: db.k,
    provider: { getMigrations: async () => migrations(db.backend) },
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new ServerError('migration_failed', `database migration failed: ${message}`);
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/** Whether every known migration has run and no unknown one has (GET /health/ready). */
export async function migrationsCurrent(db: Database): Promise<boolean> {
  const migrator = new Migrator({
    db: db.k,
    provider: { getMigrations: async () => migrations(db.backend) },
  });
  const list = await migrator.getMigrations();
  return list.every((m) => m.executedAt !== undefined);
}
