/**
 * Opening SQLite files of a run (docs/format.md#reading-safely). Readers open read-only through SQLite so
 * that the WAL is replayed, issue no writing SQL and never checkpoint; when a read-only location prevents
 * SQLite from creating its -shm file, the database and its companions are copied to a temporary directory and
 * read there. Writers open read-write with the pragmas of each file kind.
 */
import { copyFileSync, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import Database from 'better-sqlite3';
import { errorText } from '../util/error-text.js';
import { StorageError, withFile } from './errors.js';

export type SqliteDatabase = Database.Database;
export type SqliteStatement = Database.Statement<unknown[]>;

export interface ReadOnlyDatabase {
  readonly db: SqliteDatabase;
  /** The file that was asked for (not the temporary copy). */
  readonly path: string;
  /** True when the file had to be read from a temporary copy (read-only location). */
  readonly copied: boolean;
  close(): void;
}

const FALLBACK_CODES = new Set([
  'SQLITE_CANTOPEN',
  'SQLITE_READONLY',
  'SQLITE_READONLY_CANTINIT',
  'SQLITE_READONLY_CANTLOCK',
  'SQLITE_READONLY_RECOVERY',
  'SQLITE_READONLY_DIRECTORY',
  'SQLITE_READONLY_SHMMOVED',
  'SQLITE_IOERR_SHMOPEN',
  'SQLITE_IOERR_SHMSIZE',
]);

/** Called when a file had to be copied to be read; the viewer and the CLI hook a notice to it. */
let onCopiedForReading: ((path: string) => void) | null = null;
export function setReadOnlyCopyListener(listener: ((path: string) => void) | null): void {
  onCopiedForReading = listener;
}

/** Number of read-only opens in this thread so far (tests count them: listing runs opens no run database). */
let readOnlyOpens = 0;
export function readOnlyOpenCount(): number {
  return readOnlyOpens;
}

export interface ReadOnlyOptions {
  /** SQLite's page cache for this connection in KiB (a per-connection setting; it writes nothing). */
  cacheKib?: number;
}

function openAndProbe(path: string, options: ReadOnlyOptions): SqliteDatabase {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  readOnlyOpens++;
  try {
    // The open itself reads nothing; the first query maps the WAL index and fails where that is impossible.
    db.prepare('SELECT count(*) FROM sqlite_master').get();
    if (options.cacheKib !== undefined)
      db.pragma(`cache_size = -${Math.max(1, Math.floor(options.cacheKib))}`);
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}

/**
 * Opens an existing `.db` file for reading (docs/format.md#reading-safely). Throws StorageError naming the
 * file.
 */
export function openReadOnly(path: string, options: ReadOnlyOptions = {}): ReadOnlyDatabase {
  try {
    const db = openAndProbe(path, options);
    return { db, path, copied: false, close: () => db.close() };
  } catch (err) {
    const code = (err as { code?: string }).code ?? '';
    if (!existsSync(path)) throw new StorageError('EMISSING', path, 'the file does not exist');
    if (!FALLBACK_CODES.has(code)) throw withFile(err, path);
    return openCopy(path, err, options);
  }
}

function openCopy(path: string, original: unknown, options: ReadOnlyOptions): ReadOnlyDatabase {
  const dir = mkdtempSync(join(tmpdir(), 'kohakuboard-ro-'));
  const copy = join(dir, basename(path));
  try {
    for (const suffix of ['', '-wal', '-shm']) {
      if (existsSync(path + suffix)) copyFileSync(path + suffix, copy + suffix);
    }
    const db = openAndProbe(copy, options);
    onCopiedForReading?.(path);
    return {
      db,
      path,
      copied: true,
      close: () => {
        db.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    const first = errorText(original);
    throw new StorageError(
      'ESQLITE',
      path,
      `cannot be read: ${first}; reading a copy failed too: ${errorText(err)}`,
      { cause: err },
    );
  }
}

/** Runs fn with a read-only handle and closes it afterwards. */
export function withReadOnly<T>(
  path: string,
  fn: (db: SqliteDatabase) => T,
  options: ReadOnlyOptions = {},
): T {
  const handle = openReadOnly(path, options);
  try {
    return fn(handle.db);
  } catch (err) {
    throw withFile(err, path);
  } finally {
    handle.close();
  }
}

/** Runs fn inside one read transaction, so that every query it makes sees the same snapshot of the file. */
export function readSnapshot<T>(db: SqliteDatabase, fn: () => T): T {
  return db.transaction(fn)();
}

/**
 * True when the table exists (a missing table means "no data of that kind",
 * docs/format.md#reading-safely).
 */
export function hasTable(db: SqliteDatabase, table: string): boolean {
  return db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(table) !== undefined;
}

export type FileKind = 'metadata' | 'columnvault' | 'kvault';

export interface WriteOptions {
  /**
   * `delete`: a rollback journal instead of WAL, for a data dir that hosts on a shared file system write
   * (WAL needs memory shared by every user of a file, which only exists within one host).
   */
  journalMode?: 'wal' | 'delete';
}

/**
 * Opens (creating if needed) a file for writing with the pragmas of its kind:
 * docs/format.md#metadata-database-schema, docs/format.md#column-vault-schema, docs/format.md#kvault-files.
 * Returns the connection and whether the file was new.
 */
export function openForWriting(
  path: string,
  kind: FileKind,
  options: WriteOptions = {},
): { db: SqliteDatabase; created: boolean } {
  const created = !existsSync(path);
  const db = new Database(path);
  try {
    if (created && kind === 'kvault') db.pragma('page_size = 32768');
    // Switching a new, empty file to WAL goes through the rollback journal; syncing that costs two fsyncs
    // per file and protects nothing (no data is committed yet, and the first checkpoint syncs the file).
    if (created) db.pragma('synchronous = OFF');
    db.pragma(options.journalMode === 'delete' ? 'journal_mode = DELETE' : 'journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('busy_timeout = 5000');
    if (kind !== 'metadata') db.pragma('wal_autocheckpoint = 1000');
    if (kind === 'kvault') {
      db.pragma('mmap_size = 268435456');
      db.pragma('cache_size = -100000');
      db.pragma('temp_store = MEMORY');
    }
    if (kind === 'columnvault') db.pragma('cache_size = -1024');
    return { db, created };
  } catch (err) {
    db.close();
    throw withFile(err, path);
  }
}

/**
 * The bytes of an in-memory database as a file in WAL mode. `serialize()` gives the image of a rollback-mode
 * file; bytes 18 and 19 of the header (the file format's write and read versions) say 2 for WAL, which is
 * exactly what `PRAGMA journal_mode = WAL` writes there. SQLite then opens the file in WAL mode.
 */
export function serializeAsWalFile(db: SqliteDatabase): Buffer {
  const image = db.serialize();
  image[18] = 2;
  image[19] = 2;
  return image;
}

/** An in-memory database made from the bytes `serialize()` gave (another thread's in-memory database). */
export function openSerialized(bytes: Uint8Array): SqliteDatabase {
  return new Database(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
}

/**
 * Runs fn inside BEGIN IMMEDIATE … COMMIT; rolls back on error (docs/format.md#row-counts-and-transactions). Plain
 * statements rather than better-sqlite3's `transaction()`, which prepares some twenty statements the first
 * time it is used on a connection: a writer that opens thousands of short-lived connections would pay that on
 * each. Inside an open transaction, fn runs in a savepoint as `transaction()` would run it.
 */
export function inImmediateTransaction<T>(db: SqliteDatabase, fn: () => T): T {
  if (db.inTransaction) return db.transaction(fn)();
  db.exec('BEGIN IMMEDIATE');
  try {
    const result = fn();
    db.exec('COMMIT');
    return result;
  } catch (err) {
    // A failed COMMIT (busy, disk full) can leave the transaction open: end it.
    if (db.inTransaction) db.exec('ROLLBACK');
    throw err;
  }
}

/** fsyncs a file through libuv's thread pool, so that many run in parallel. A missing file is skipped. */
async function fsyncFile(path: string): Promise<void> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, 'r+');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Checkpoints and closes many WAL databases with the durability of synchronous=NORMAL, but with the fsyncs
 * of all files batched. SQLite's order per file is kept — sync the WAL, copy it into the database, sync
 * the database, then drop the WAL — but each sync step runs for every file at once instead of one file
 * after another (a run with a thousand metric files otherwise spends seconds in sequential fsyncs).
 * Errors of one file go to onError; the others are still closed.
 */
export async function checkpointAndCloseAll(
  files: ReadonlyArray<{ db: SqliteDatabase; path: string }>,
  onError: (path: string, err: unknown) => void,
): Promise<void> {
  const attempt = (path: string, fn: () => void) => {
    try {
      fn();
    } catch (err) {
      onError(path, err);
    }
  };
  const settle = (paths: string[]) =>
    Promise.all(paths.map((p) => fsyncFile(p).catch((err: unknown) => onError(p, err))));
  const walOf = (path: string) => `${path}-wal`;
  const hasWal = files.filter((f) => {
    try {
      return statSync(walOf(f.path)).size > 0;
    } catch {
      return false;
    }
  });
  // 1. Make every WAL durable.
  await settle(hasWal.map((f) => walOf(f.path)));
  // 2. Copy each WAL into its database without syncing (a reader's snapshot may keep part of it: PASSIVE).
  for (const f of hasWal) {
    attempt(f.path, () => {
      f.db.pragma('synchronous = OFF');
      f.db.pragma('wal_checkpoint(PASSIVE)');
      f.db.pragma('synchronous = NORMAL');
    });
  }
  // 3. Make every database durable.
  await settle(hasWal.map((f) => f.path));
  // 4. Truncate the WALs and close. Nothing is left to copy unless a reader held a snapshot in step 2; then
  //    SQLite's own synced checkpoint copies the rest.
  for (const f of files) {
    attempt(f.path, () => f.db.pragma('wal_checkpoint(TRUNCATE)'));
    attempt(f.path, () => f.db.close());
  }
}
