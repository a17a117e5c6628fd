/**
 * Scalar metric files `data/metrics/<metricFile>.db` (docs/format.md#metric-files): a ColumnVault with the
 * columns step, global_step, timestamp (i64) and value (f64).
 */

import Database from 'better-sqlite3';
import { decodeF64, decodeI64, encodeF64, encodeI64 } from './column-codec.js';
import {
  type ColumnSpec,
  ColumnVaultWriter,
  logicalRowCount,
  readColumnMetas,
  readFixedBytes,
  requireColumn,
} from './column-vault.js';
import { type SqliteDatabase, serializeAsWalFile } from './sqlite.js';

export const METRIC_COLUMNS: ColumnSpec[] = [
  { name: 'step', dtype: 'i64' },
  { name: 'global_step', dtype: 'i64' },
  { name: 'timestamp', dtype: 'i64' },
  { name: 'value', dtype: 'f64' },
];

export interface MetricSeries {
  step: Float64Array;
  globalStep: Float64Array;
  timestamp: Float64Array;
  value: Float64Array;
}

/**
 * The number of readable rows: min(length) of the four columns
 * (docs/format.md#row-counts-and-transactions).
 */
export function metricRowCount(db: SqliteDatabase, file: string): number {
  const metas = readColumnMetas(db, file);
  return logicalRowCount(metas, ['step', 'global_step', 'timestamp', 'value'], file);
}

/**
 * The row count and the step of the last row, in one snapshot, reading one chunk of the step column (what a
 * change tracker needs to say how far a metric grew).
 */
export function readMetricEnd(db: SqliteDatabase, file: string): { count: number; lastStep: number | null } {
  return db.transaction(() => {
    const metas = readColumnMetas(db, file);
    const count = logicalRowCount(metas, ['step', 'global_step', 'timestamp', 'value'], file);
    if (count === 0) return { count, lastStep: null };
    const last = decodeI64(readFixedBytes(db, requireColumn(metas, 'step', file), file, count - 1, count));
    return { count, lastStep: last[0] };
  })();
}

/** What a metric holds at its ends: row count, first and last step, last value (nulls when empty). */
export interface MetricEnds {
  count: number;
  firstStep: number | null;
  lastStep: number | null;
  lastValue: number | null;
}

/** The ends of a metric file in one snapshot, reading only the chunks that hold its first and last rows. */
export function readMetricEnds(db: SqliteDatabase, file: string): MetricEnds {
  return db.transaction(() => {
    const metas = readColumnMetas(db, file);
    const count = logicalRowCount(metas, ['step', 'global_step', 'timestamp', 'value'], file);
    if (count === 0) return { count, firstStep: null, lastStep: null, lastValue: null };
    const at = (column: string, row: number) =>
      readFixedBytes(db, requireColumn(metas, column, file), file, row, row + 1);
    return {
      count,
      firstStep: decodeI64(at('step', 0))[0],
      lastStep: decodeI64(at('step', count - 1))[0],
      lastValue: decodeF64(at('value', count - 1))[0],
    };
  })();
}

/** Rows [start, end) of a metric file (all rows by default). Read inside one transaction: one snapshot. */
export function readMetricSeries(db: SqliteDatabase, file: string, start = 0, end?: number): MetricSeries {
  return db.transaction(() => {
    const metas = readColumnMetas(db, file);
    const n = logicalRowCount(metas, ['step', 'global_step', 'timestamp', 'value'], file);
    const stop = Math.min(end ?? n, n);
    const from = Math.min(start, stop);
    const col = (name: string) => readFixedBytes(db, requireColumn(metas, name, file), file, from, stop);
    return {
      step: decodeI64(col('step')),
      globalStep: decodeI64(col('global_step')),
      timestamp: decodeI64(col('timestamp')),
      value: decodeF64(col('value')),
    };
  })();
}

/** Raw little-endian bytes of one column's first `count` elements (for checksums and bulk transfer). */
export function readMetricColumnBytes(
  db: SqliteDatabase,
  file: string,
  column: string,
  count: number,
): Uint8Array {
  const metas = readColumnMetas(db, file);
  return readFixedBytes(db, requireColumn(metas, column, file), file, 0, count);
}

/** The rows of a metric file as MetricFileWriter.append takes them. */
export interface MetricRowsInput {
  step: ArrayLike<number>;
  globalStep: ArrayLike<number>;
  timestamp: ArrayLike<number>;
  value: ArrayLike<number>;
}

/**
 * New metric files, built whole in memory (docs/format.md#new-metric-files): an empty metric file (schema,
 * `schema_version`, the four columns) lives in one in-memory database; each new file is that database with
 * its first rows appended by the same append algorithm, serialised as a file in WAL mode, after which the
 * rows are deleted again (secure_delete: no file carries bytes of another). Writing those bytes and renaming
 * them into place creates the file with its first commit in it, with no journal, no WAL and no fsync of its
 * own: a run that starts ten thousand metrics pays one small file write for each.
 */
const MAX_FREE_PAGES = 16;

export class NewMetricFiles {
  private work: SqliteDatabase | null = null;

  /** The bytes of a complete metric file holding `rows`. */
  build(file: string, rows: MetricRowsInput): Buffer {
    const db = this.work ?? emptyMetricDatabase();
    this.work = db;
    try {
      new MetricFileWriter(db, file).append(rows);
      return serializeAsWalFile(db);
    } finally {
      db.exec('DELETE FROM col_chunks; UPDATE col_meta SET length = 0');
      // The pages a large first commit needed stay in the database as free pages, and would be part of
      // every later file: start again from an empty database then.
      if ((db.pragma('freelist_count', { simple: true }) as number) > MAX_FREE_PAGES) this.close();
    }
  }

  close(): void {
    this.work?.close();
    this.work = null;
  }
}

function emptyMetricDatabase(): SqliteDatabase {
  const db = new Database(':memory:');
  db.pragma('secure_delete = ON');
  new MetricFileWriter(db, ':memory:');
  return db;
}

/** Appends rows to a metric file; the caller wraps calls of one flush in `writer.transaction`. */
export class MetricFileWriter {
  readonly vault: ColumnVaultWriter;

  constructor(db: SqliteDatabase, file: string) {
    this.vault = new ColumnVaultWriter(db, file, METRIC_COLUMNS);
  }

  get length(): number {
    return this.vault.length('value');
  }

  /**
   * Appends rows (all arrays of equal length) in one transaction. NaN is canonicalised
   * (docs/format.md#non-finite-scalars).
   */
  append(rows: {
    step: ArrayLike<number>;
    globalStep: ArrayLike<number>;
    timestamp: ArrayLike<number>;
    value: ArrayLike<number>;
  }): void {
    this.vault.transaction(() => this.appendInTransaction(rows));
  }

  appendInTransaction(rows: {
    step: ArrayLike<number>;
    globalStep: ArrayLike<number>;
    timestamp: ArrayLike<number>;
    value: ArrayLike<number>;
  }): void {
    this.vault.appendFixed('step', encodeI64(rows.step));
    this.vault.appendFixed('global_step', encodeI64(rows.globalStep));
    this.vault.appendFixed('timestamp', encodeI64(rows.timestamp));
    this.vault.appendFixed('value', encodeF64(rows.value));
  }
}
