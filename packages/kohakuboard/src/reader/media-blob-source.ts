/**
 * Media blobs in `media/blobs.db` (docs/format.md#media-blobs): the size of a blob and byte ranges of it. The
 * storage library cuts ranges out in SQLite, so that a range request copies only the bytes asked for.
 */
import { kvGet, kvGetRange, kvValueLength, runPaths } from '../storage/index.js';
import { fileStamp } from './file-stamp.js';
import type { ReaderContext } from './scalar-source.js';

/** The blob's size, or null when the file, the table or the key is missing. */
export function mediaBlobSize(ctx: ReaderContext, runDir: string, key: string): number | null {
  const file = runPaths(runDir).blobsDb;
  if (!fileStamp(file)) return null;
  return ctx.handles.use(file, (db) => kvValueLength(db, key)) ?? null;
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
  const value = ctx.handles.use(file, (db) =>
    range ? kvGetRange(db, key, range.start, range.end - range.start + 1) : kvGet(db, key),
  );
  if (value === undefined || value === null) return null;
  // A value stored as TEXT by some other writer comes back as a string.
  return Buffer.isBuffer(value) ? value : Buffer.from(String(value));
}
