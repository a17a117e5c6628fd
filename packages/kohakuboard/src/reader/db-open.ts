/**
 * Every database the reader opens goes through here, so that tests can count opens (API.md Part C2: listing
 * runs opens no run database).
 */
import { openReadOnly, type ReadOnlyDatabase, type SqliteDatabase, withFile } from '../storage/index.js';

let opens = 0;

/** Number of databases this thread's reader has opened so far. */
export function databaseOpenCount(): number {
  return opens;
}

/** Page cache per read handle: many handles stay open, and reads are mostly sequential blob scans. */
const CACHE_KIB = 512;

export function openDatabase(path: string): ReadOnlyDatabase {
  const handle = openReadOnly(path);
  opens++;
  // A per-connection setting; it writes nothing to the file.
  handle.db.pragma(`cache_size = -${CACHE_KIB}`);
  return handle;
}

/** Opens, runs fn, closes. */
export function withDatabase<T>(path: string, fn: (db: SqliteDatabase) => T): T {
  const handle = openDatabase(path);
  try {
    return fn(handle.db);
  } catch (err) {
    throw withFile(err, path);
  } finally {
    handle.close();
  }
}
