/**
 * Media blobs in `media/blobs.db` (STORAGE.md §10): the size of a blob and byte ranges of it, read with
 * SQLite's substr() so that a range request copies only the bytes asked for. Keys are UTF-8 BLOBs (§8.3).
 */
import { hasTable, runPaths } from '../storage/index.js';
import { fileStamp } from './file-stamp.js';
import type { ReaderContext } from './scalar-source.js';

const keyBlob = (key: string) => Buffer.from(key, 'utf8');

/** The blob's size, or null when the file, the table or the key is missing. */
export function mediaBlobSize(ctx: ReaderContext, runDir: string, key: string): number | null {
  const file = runPaths(runDir).blobsDb;
  if (!fileStamp(file)) return null;
  return ctx.handles.use(file, (db) => {
    if (!hasTable(db, 'kv')) return null;
    const n = db.prepare('SELECT length(value) FROM kv WHERE key = ?').pluck().get(keyBlob(key));
    return n === undefined || n === null ? null : Number(n);
  });
}

/** Bytes [start, end] (inclusive) of a blob, or the whole blob; null when missing. */
export function readMediaBlob(
  ctx: ReaderContext,
  runDir: string,
  key: string,
  range?: { start: number; end: number },
): Buffer | null {
  const file = runPaths(runDir).blobsDb;
  if (!fileStamp(file)) return null;
  return ctx.handles.use(file, (db) => {
    if (!hasTable(db, 'kv')) return null;
    const row = range
      ? db
          .prepare('SELECT substr(value, ?, ?) FROM kv WHERE key = ?')
          .pluck()
          .get(range.start + 1, range.end - range.start + 1, keyBlob(key))
      : db.prepare('SELECT value FROM kv WHERE key = ?').pluck().get(keyBlob(key));
    if (row === undefined || row === null) return null;
    return Buffer.isBuffer(row) ? row : Buffer.from(String(row));
  });
}
