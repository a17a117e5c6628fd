/**
 * The whole content of one run as a single strict-JSON document, in the shape of the fixtures'
 * `expected.json`: the project's own format check (`kobo dump`) and a debugging aid.
 *
 * Reading never writes to the run: every database is opened read-only through SQLite.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import {
  type ColumnMeta,
  decodeNpy,
  decodeNpz,
  encodeI64,
  histogramFileInfo,
  type JsonValue,
  kvEntries,
  kvGet,
  listDbFiles,
  listMetricFiles,
  mapNonFinite,
  metricRowCount,
  type NpyArray,
  nonFiniteName,
  npyValues,
  openReadOnly,
  parseTolerantJson,
  pythonState,
  readChunkLayout,
  readColumnMetas,
  readHistogramRows,
  readKernelDensityRows,
  readMediaRows,
  readMetadataJson,
  readMetricColumnBytes,
  readMetricSeries,
  readSnapshot,
  readSteps,
  readTableRows,
  readTensorRows,
  runPaths,
  StorageError,
  withReadOnly,
} from '../storage/index.js';

export interface DumpOptions {
  /** Only this metric in `metrics`. */
  metric?: string;
  /** Every point instead of 20 at each end for series longer than 5,000 points. */
  full?: boolean;
}

/** Series longer than this are shown as head and tail (as in the fixtures' expected.json). */
export const FULL_SERIES_LIMIT = 5000;
const HEAD_TAIL = 20;

const sha256 = (bytes: Uint8Array | string) => createHash('sha256').update(bytes).digest('hex');

/** Non-finite numbers as the fixtures write them: {"$nonfinite": "NaN" | "Infinity" | "-Infinity"}. */
export function toStrictJson(value: unknown): unknown {
  return mapNonFinite(value, (x) => ({ $nonfinite: nonFiniteName(x) }));
}

function parseJsonColumn(text: string | null, file: string, what: string): JsonValue | null {
  if (text === null) return null;
  try {
    return parseTolerantJson(text);
  } catch (err) {
    throw new StorageError(
      'ECORRUPT',
      file,
      `${what}: ${err instanceof StorageError ? err.problem : String(err)}`,
    );
  }
}

/** A series section: full arrays up to FULL_SERIES_LIMIT points, else head/tail, plus checksums. */
function seriesSection(
  file: string,
  columns: Array<[name: string, values: Float64Array, bytes: Uint8Array]>,
  full: boolean,
): Record<string, unknown> {
  const count = columns.length ? columns[0][1].length : 0;
  const out: Record<string, unknown> = { file, count };
  for (const [name, values] of columns) {
    if (full || count <= FULL_SERIES_LIMIT) {
      out[name] = Array.from(values);
    } else {
      out[`${name}_head`] = Array.from(values.subarray(0, HEAD_TAIL));
      out[`${name}_tail`] = Array.from(values.subarray(count - HEAD_TAIL));
    }
  }
  // Head/tail keys come in the fixtures' order: all heads and tails per column, then the checksums.
  out.sha256_le = Object.fromEntries(columns.map(([name, , bytes]) => [name, sha256(bytes)]));
  return out;
}

function dumpSteps(runDir: string, full: boolean): Record<string, unknown> | null {
  const path = runPaths(runDir).metadataDb;
  if (!existsSync(path)) return null;
  return withReadOnly(path, (db) => {
    const s = readSteps(db);
    return seriesSection(
      'data/metadata.db#steps',
      [
        ['step', s.step, encodeI64(s.step)],
        ['global_step', s.globalStep, encodeI64(s.globalStep)],
        ['timestamp', s.timestamp, encodeI64(s.timestamp)],
      ],
      full,
    );
  });
}

function dumpMetrics(runDir: string, options: DumpOptions): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const { name, file } of listMetricFiles(runDir)) {
    if (options.metric !== undefined && name !== options.metric) continue;
    out[name] = withReadOnly(file, (db) =>
      readSnapshot(db, () => {
        const count = metricRowCount(db, file);
        const series = readMetricSeries(db, file, 0, count);
        const bytes = (column: string) => readMetricColumnBytes(db, file, column, count);
        return seriesSection(
          relative(runDir, file).split('\\').join('/'),
          [
            ['step', series.step, bytes('step')],
            ['global_step', series.globalStep, bytes('global_step')],
            ['timestamp', series.timestamp, bytes('timestamp')],
            ['value', series.value, bytes('value')],
          ],
          options.full ?? false,
        );
      }),
    );
  }
  return out;
}

function dumpHistograms(runDir: string): Record<string, unknown> {
  const dir = runPaths(runDir).histogramsDir;
  const out: Record<string, unknown> = {};
  for (const name of listDbFiles(dir)) {
    const file = join(dir, name);
    const section = withReadOnly(file, (db) => {
      const info = histogramFileInfo(db, name.slice(0, -3), file);
      if (!info) return null;
      const rows = readHistogramRows(db, file, info);
      const K = info.numBins;
      return {
        namespace: info.namespace,
        num_bins: K,
        precision: info.precision,
        rows: rows.names.map((histName, i) => ({
          step: rows.step[i],
          global_step: rows.globalStep[i],
          name: histName,
          min: rows.min[i],
          max: rows.max[i],
          counts: Array.from(rows.counts.subarray(i * K, (i + 1) * K)),
        })),
      };
    });
    if (section) out[name] = section;
  }
  return out;
}

function npySummary(arr: NpyArray): Record<string, unknown> {
  let first: unknown[] = [];
  if (arr.dtype) {
    const values = npyValues(arr);
    if (arr.dtype.startsWith('complex')) {
      for (let i = 0; i < Math.min(8, arr.size); i++)
        first.push([Number(values[2 * i]), Number(values[2 * i + 1])]);
    } else {
      first = Array.from(values.subarray(0, 8) as ArrayLike<number | bigint>, (v) =>
        arr.dtype === 'bool' ? v !== 0 : Number(v),
      );
    }
  }
  return {
    descr: arr.descr,
    shape: arr.shape,
    fortran_order: arr.fortranOrder,
    size: arr.size,
    first_values: first,
    data_sha256: sha256(arr.rawData),
  };
}

/**
 * Payload blobs of tensors and KDEs, looked up through their rows
 * (docs/format.md#tensor-and-kde-payloads).
 */
function payloadReader(runDir: string) {
  const handles = new Map<string, ReturnType<typeof openReadOnly> | null>();
  return {
    get(kvFile: string, key: string): Buffer | undefined {
      const path = join(runPaths(runDir).tensorsDir, `${kvFile}.db`);
      if (!handles.has(kvFile)) handles.set(kvFile, existsSync(path) ? openReadOnly(path) : null);
      const h = handles.get(kvFile);
      return h ? kvGet(h.db, key) : undefined;
    },
    file(kvFile: string) {
      return join(runPaths(runDir).tensorsDir, `${kvFile}.db`);
    },
    close() {
      for (const h of handles.values()) h?.close();
    },
  };
}

function dumpMetadataRows(runDir: string) {
  const paths = runPaths(runDir);
  const empty = { media: [], tables: [], tensors: [], kernel_density: [] };
  if (!existsSync(paths.metadataDb)) return empty;
  const file = paths.metadataDb;
  const blobs = existsSync(paths.blobsDb) ? openReadOnly(paths.blobsDb) : null;
  const payloads = payloadReader(runDir);
  try {
    return withReadOnly(file, (db) => ({
      media: readMediaRows(db).map((m) => {
        const key = `${m.media_hash}.${m.format}`;
        const blob = blobs ? kvGet(blobs.db, key) : undefined;
        return { ...m, blob_key: key, blob_sha256: blob ? sha256(blob) : null };
      }),
      tables: readTableRows(db).map((t) => ({
        step: t.step,
        global_step: t.global_step,
        name: t.name,
        columns: parseJsonColumn(t.columns, file, `table "${t.name}" columns`) ?? [],
        column_types: parseJsonColumn(t.column_types, file, `table "${t.name}" column_types`) ?? [],
        rows: parseJsonColumn(t.rows, file, `table "${t.name}" rows`) ?? [],
        rows_text: t.rows,
      })),
      tensors: readTensorRows(db).map((t) => {
        const blob = payloads.get(t.kv_file, t.kv_key);
        return {
          ...t,
          shape: parseJsonColumn(t.shape, file, `tensor "${t.name}" shape`),
          metadata: parseJsonColumn(t.metadata, file, `tensor "${t.name}" metadata`),
          payload: blob ? npySummary(decodeNpy(blob, `${payloads.file(t.kv_file)} key ${t.kv_key}`)) : null,
        };
      }),
      kernel_density: readKernelDensityRows(db).map((k) => {
        const blob = payloads.get(k.kv_file, k.kv_key);
        let payload: Record<string, unknown> | null = null;
        if (blob) {
          const members = decodeNpz(blob, `${payloads.file(k.kv_file)} key ${k.kv_key}`);
          payload = Object.fromEntries([...members].map(([name, arr]) => [name, npySummary(arr)]));
        }
        return { ...k, metadata: parseJsonColumn(k.metadata, file, `KDE "${k.name}" metadata`), payload };
      }),
    }));
  } finally {
    blobs?.close();
    payloads.close();
  }
}

/** Every KVault value with its size and SHA-256, per file, keys in stored (memcmp) order. */
function dumpKVaults(runDir: string): Record<string, unknown> {
  const paths = runPaths(runDir);
  const files = [paths.blobsDb, ...listDbFiles(paths.tensorsDir).map((f) => join(paths.tensorsDir, f))];
  const out: Record<string, unknown> = {};
  for (const file of files) {
    if (!existsSync(file)) continue;
    out[relative(runDir, file).split('\\').join('/')] = withReadOnly(file, (db) => {
      const entries: Record<string, unknown> = {};
      for (const { key, value } of kvEntries(db))
        entries[key] = { size: value.length, sha256: sha256(value) };
      return entries;
    });
  }
  return out;
}

/** col_meta rows and chunk layout of every ColumnVault file. */
function dumpLayout(runDir: string): Record<string, unknown> {
  const paths = runPaths(runDir);
  const files = [
    ...listDbFiles(paths.metricsDir).map((f) => join(paths.metricsDir, f)),
    ...listDbFiles(paths.histogramsDir).map((f) => join(paths.histogramsDir, f)),
  ];
  const out: Record<string, unknown> = {};
  for (const file of files) {
    out[relative(runDir, file).split('\\').join('/')] = withReadOnly(file, (db) =>
      [...readColumnMetas(db, file).values()].map((c: ColumnMeta) => ({
        col_id: c.colId,
        name: c.name,
        dtype: c.dtype,
        elem_size: c.elemSize,
        length: c.length,
        chunk_bytes: c.chunkBytes,
        min_chunk_bytes: c.minChunkBytes,
        max_chunk_bytes: c.maxChunkBytes,
        chunks: readChunkLayout(db, c.colId),
      })),
    );
  }
  return out;
}

/** Non-empty -wal files: committed data that is not yet in the main database files. */
function walFiles(runDir: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    let entries: import('node:fs').Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.db-wal') && statSync(p).size > 0)
        out.push(relative(runDir, p).split('\\').join('/'));
    }
  };
  walk(runDir);
  return out.sort();
}

function dumpOutputLog(runDir: string): { sha256: string; text: string } | null {
  const path = runPaths(runDir).outputLog;
  if (!existsSync(path)) return null;
  const bytes = readFileSync(path);
  return { sha256: sha256(bytes), text: bytes.toString('utf8') };
}

/**
 * Builds the dump document of a run folder. Throws StorageError('ENOTRUN') for a folder without
 * metadata.json and StorageError('ECORRUPT' | 'EMISSING' | 'ESQLITE') naming the file for damaged data.
 * The result is strict JSON: non-finite numbers are tagged as {"$nonfinite": …}.
 */
export function dumpRun(runDir: string, options: DumpOptions = {}): Record<string, unknown> {
  const metadata = readMetadataJson(runDir);
  // Listed before any database is opened: opening may leave empty -wal files behind
  // (docs/format.md#reading-safely).
  const wal = walFiles(runDir);
  const rows = dumpMetadataRows(runDir);
  const doc = {
    format: 'kohakuboard-run-dump/1',
    board_id: runDir.split(/[\\/]/).filter(Boolean).pop() ?? runDir,
    metadata,
    state: pythonState(metadata),
    steps: dumpSteps(runDir, options.full ?? false),
    metrics: dumpMetrics(runDir, options),
    histogram_files: dumpHistograms(runDir),
    media: rows.media,
    tables: rows.tables,
    tensors: rows.tensors,
    kernel_density: rows.kernel_density,
    kvault: dumpKVaults(runDir),
    layout: dumpLayout(runDir),
    output_log: dumpOutputLog(runDir),
    wal_files: wal,
  };
  return toStrictJson(doc) as Record<string, unknown>;
}
