/**
 * The rows of a run's `data/metadata.db` (docs/format.md#metadata-database) that a request needs: those of
 * one name, a few ids, per-name summaries, step timestamps. The queries are the storage library's; this
 * module only opens the file through the reader's handle pool. A run without metadata.db has no rows.
 */
import {
  type KernelDensityRow,
  type MediaNameSummary,
  type MediaRow,
  readKernelDensityRowsByName,
  readMediaNameSummaries,
  readMediaRowById,
  readMediaRowsByIds,
  readMediaRowsByName,
  readStepTimestamps,
  readTableRowsByName,
  readTensorRowsByName,
  runPaths,
  type SqliteDatabase,
  type TableRow,
  type TensorRow,
} from '../storage/index.js';
import { fileStamp } from './file-stamp.js';
import type { ReaderContext } from './scalar-source.js';

function onMetadataDb<T>(ctx: ReaderContext, runDir: string, none: T, fn: (db: SqliteDatabase) => T): T {
  const file = runPaths(runDir).metadataDb;
  return fileStamp(file) ? ctx.handles.use(file, fn) : none;
}

/** Media rows of a name, by step and id (docs/api.md#media). */
export function mediaRowsOf(ctx: ReaderContext, runDir: string, name: string): MediaRow[] {
  return onMetadataDb(ctx, runDir, [], (db) => readMediaRowsByName(db, name));
}

export function mediaRowOfId(ctx: ReaderContext, runDir: string, id: number): MediaRow | null {
  return onMetadataDb(ctx, runDir, null, (db) => readMediaRowById(db, id));
}

export function mediaRowsOfIds(ctx: ReaderContext, runDir: string, ids: readonly number[]): MediaRow[] {
  if (ids.length === 0) return [];
  return onMetadataDb(ctx, runDir, [], (db) => readMediaRowsByIds(db, ids));
}

/** Per media name: count, step range and type (docs/api.md#scalars `details`). */
export function mediaSummariesOf(ctx: ReaderContext, runDir: string): MediaNameSummary[] {
  return onMetadataDb(ctx, runDir, [], (db) => readMediaNameSummaries(db));
}

/** Table rows of a name, by step and append order (docs/api.md#tables). */
export function tableRowsOf(ctx: ReaderContext, runDir: string, name: string): TableRow[] {
  return onMetadataDb(ctx, runDir, [], (db) => readTableRowsByName(db, name));
}

export function tensorRowsOf(ctx: ReaderContext, runDir: string, name: string): TensorRow[] {
  return onMetadataDb(ctx, runDir, [], (db) => readTensorRowsByName(db, name));
}

export function kdeRowsOf(ctx: ReaderContext, runDir: string, name: string): KernelDensityRow[] {
  return onMetadataDb(ctx, runDir, [], (db) => readKernelDensityRowsByName(db, name));
}

/** The step-index timestamp (ms) of each of `steps` that has one. */
export function stepTimestampsOf(
  ctx: ReaderContext,
  runDir: string,
  steps: readonly number[],
): Map<number, number> {
  if (steps.length === 0) return new Map();
  return onMetadataDb(ctx, runDir, new Map<number, number>(), (db) => readStepTimestamps(db, steps));
}
