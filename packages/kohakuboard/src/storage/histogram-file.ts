/**
 * Histogram files `data/histograms/<ns>_<K>_<u8|i32>.db` (docs/format.md#histogram-files): a ColumnVault with
 * step, global_step, the var-size column name, counts (bytes:K or bytes:4K) and the range min/max (f64).
 */
import { decodeF64, decodeI64, encodeF64, encodeI64 } from './column-codec.js';
import {
  type ColumnSpec,
  ColumnVaultWriter,
  logicalRowCount,
  readColumnMetas,
  readFixedBytes,
  readVarColumn,
  requireColumn,
} from './column-vault.js';
import { StorageError } from './errors.js';
import { type HistogramPrecision, histogramNamespaceFromStem, parseHistogramStem } from './names.js';
import type { SqliteDatabase } from './sqlite.js';

export function histogramColumns(numBins: number, precision: HistogramPrecision): ColumnSpec[] {
  return [
    { name: 'step', dtype: 'i64' },
    { name: 'global_step', dtype: 'i64' },
    { name: 'name', dtype: 'var' },
    { name: 'counts', dtype: `bytes:${precision === 'u8' ? numBins : 4 * numBins}` },
    { name: 'min', dtype: 'f64' },
    { name: 'max', dtype: 'f64' },
  ];
}

export interface HistogramFileInfo {
  namespace: string;
  numBins: number;
  precision: HistogramPrecision;
}

/**
 * Namespace, K and precision of a histogram file: precision from the stem, K from the counts column
 * (docs/format.md#histogram-file-names). Returns null for a file that is not a histogram file.
 */
export function histogramFileInfo(db: SqliteDatabase, stem: string, file: string): HistogramFileInfo | null {
  const parsed = parseHistogramStem(stem);
  if (!parsed) return null;
  const counts = readColumnMetas(db, file).get('counts');
  if (!counts) return null;
  const m = /^bytes:(\d+)$/.exec(counts.dtype);
  if (!m) return null;
  const N = Number(m[1]);
  if (N === 0 || (parsed.precision === 'i32' && N % 4 !== 0)) return null;
  const numBins = parsed.precision === 'u8' ? N : N / 4;
  return {
    namespace: histogramNamespaceFromStem(parsed.group, numBins),
    numBins,
    precision: parsed.precision,
  };
}

export interface HistogramRows {
  step: Float64Array;
  globalStep: Float64Array;
  names: string[];
  /** K counts per row, row-major (u8 relative heights or exact i32 counts). */
  counts: Float64Array;
  min: Float64Array;
  max: Float64Array;
  numBins: number;
  precision: HistogramPrecision;
}

/** Every row of a histogram file in storage order, read in one snapshot. */
export function readHistogramRows(db: SqliteDatabase, file: string, info: HistogramFileInfo): HistogramRows {
  return db.transaction(() => {
    const metas = readColumnMetas(db, file);
    const n = logicalRowCount(metas, ['step', 'global_step', 'name', 'counts', 'min', 'max'], file);
    const fixed = (name: string) => readFixedBytes(db, requireColumn(metas, name, file), file, 0, n);
    const K = info.numBins;
    const countBytes = fixed('counts');
    const counts = new Float64Array(n * K);
    if (info.precision === 'u8') {
      for (let i = 0; i < n * K; i++) counts[i] = countBytes[i];
    } else {
      const view = new DataView(countBytes.buffer, countBytes.byteOffset, countBytes.byteLength);
      for (let i = 0; i < n * K; i++) counts[i] = view.getInt32(i * 4, true);
    }
    const decoder = new TextDecoder();
    return {
      step: decodeI64(fixed('step')),
      globalStep: decodeI64(fixed('global_step')),
      names: readVarColumn(db, metas, 'name', file, 0, n).map((b) => decoder.decode(b)),
      counts,
      min: decodeF64(fixed('min')),
      max: decodeF64(fixed('max')),
      numBins: K,
      precision: info.precision,
    };
  })();
}

/**
 * The row count of a histogram file and the distinct names of its rows from `fromRow` on (clipped to the
 * count), in one snapshot: what a change tracker needs to say which histograms grew.
 */
export function readHistogramNamesSince(
  db: SqliteDatabase,
  file: string,
  fromRow: number,
): { count: number; names: string[] } {
  return db.transaction(() => {
    const metas = readColumnMetas(db, file);
    const count = logicalRowCount(metas, ['step', 'global_step', 'name', 'counts', 'min', 'max'], file);
    const decoder = new TextDecoder();
    const names = readVarColumn(db, metas, 'name', file, Math.min(fromRow, count), count).map((b) =>
      decoder.decode(b),
    );
    return { count, names: [...new Set(names)] };
  })();
}

export interface HistogramRowInput {
  step: number;
  globalStep: number;
  name: string;
  /** K counts; i32 counts are clamped to 0..2^31−1, u8 values must already be quantised to 0..255. */
  counts: ArrayLike<number>;
  min: number;
  max: number;
}

/**
 * u8 relative heights: floor(count / maxCount · 255), all 0 when maxCount is 0
 * (docs/format.md#histogram-columns).
 */
export function quantizeU8(counts: ArrayLike<number>): Uint8Array {
  let max = 0;
  for (let i = 0; i < counts.length; i++) if (counts[i] > max) max = counts[i];
  const out = new Uint8Array(counts.length);
  if (max > 0) for (let i = 0; i < counts.length; i++) out[i] = Math.floor((counts[i] / max) * 255);
  return out;
}

export class HistogramFileWriter {
  readonly vault: ColumnVaultWriter;

  constructor(
    db: SqliteDatabase,
    readonly file: string,
    readonly numBins: number,
    readonly precision: HistogramPrecision,
  ) {
    this.vault = new ColumnVaultWriter(db, file, histogramColumns(numBins, precision));
  }

  /** Appends rows; call inside `vault.transaction` for one transaction per flush. */
  appendInTransaction(rows: readonly HistogramRowInput[]): void {
    const K = this.numBins;
    const width = this.precision === 'u8' ? K : 4 * K;
    const counts = new Uint8Array(rows.length * width);
    const view = new DataView(counts.buffer);
    rows.forEach((r, i) => {
      if (r.counts.length !== K) {
        throw new StorageError(
          'EINVALID',
          this.file,
          `histogram "${r.name}" has ${r.counts.length} counts, the file holds ${K}`,
        );
      }
      for (let j = 0; j < K; j++) {
        const c = r.counts[j];
        if (this.precision === 'u8') counts[i * width + j] = Math.max(0, Math.min(255, Math.floor(c)));
        else view.setInt32(i * width + 4 * j, Math.max(0, Math.min(2147483647, Math.round(c))), true);
      }
    });
    const encoder = new TextEncoder();
    this.vault.appendFixed('step', encodeI64(rows.map((r) => r.step)));
    this.vault.appendFixed('global_step', encodeI64(rows.map((r) => r.globalStep)));
    this.vault.appendVar(
      'name',
      rows.map((r) => encoder.encode(r.name)),
    );
    this.vault.appendFixed('counts', counts);
    this.vault.appendFixed('min', encodeF64(rows.map((r) => r.min)));
    this.vault.appendFixed('max', encodeF64(rows.map((r) => r.max)));
  }

  append(rows: readonly HistogramRowInput[]): void {
    this.vault.transaction(() => this.appendInTransaction(rows));
  }
}
