/**
 * What a sync client sends for a run folder: its content read back through the storage readers, then cut
 * into log sync requests the way this project's client sends them (per-source positions: `offsets` and
 * `id`s) or the way the Python sync worker does (a step range, its field order and shapes).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import {
  histogramFileInfo,
  kvGet,
  listDbFiles,
  listMetricFiles,
  logNameToFileStem,
  parseTolerantJson,
  readHistogramRows,
  readMetadataJson,
  readMetricSeries,
  readSteps,
  runPaths,
  withReadOnly,
} from 'kohakuboard/storage';

export interface MetricRows {
  step: number[];
  globalStep: number[];
  timestamp: number[];
  value: number[];
}

export interface HistRow {
  step: number;
  global_step: number;
  name: string;
  counts: number[];
  min: number;
  max: number;
  precision: 'u8' | 'i32';
}

// biome-ignore lint/suspicious/noExplicitAny: rows of metadata.db as SQLite returns them
type Row = Record<string, any>;

export interface RunContent {
  metadata: Record<string, unknown>;
  steps: Array<{ step: number; global_step: number; timestamp: number }>;
  metrics: Map<string, MetricRows>;
  /** By file stem `<ns>_<K>_<prec>`, in file order. */
  histograms: Map<string, HistRow[]>;
  media: Row[];
  /** With `rowid`. */
  tables: Row[];
  tensors: Row[];
  kde: Row[];
  payloads: Map<string, Buffer>;
}

export function readRunContent(runDir: string): RunContent {
  const p = runPaths(runDir);
  const metrics = new Map<string, MetricRows>();
  for (const m of listMetricFiles(runDir)) {
    const s = withReadOnly(m.file, (db) => readMetricSeries(db, m.file));
    metrics.set(m.name, {
      step: [...s.step],
      globalStep: [...s.globalStep],
      timestamp: [...s.timestamp],
      value: [...s.value],
    });
  }
  const histograms = new Map<string, HistRow[]>();
  for (const f of listDbFiles(p.histogramsDir)) {
    const file = join(p.histogramsDir, f);
    const stem = f.slice(0, -3);
    const rows = withReadOnly(file, (db) => {
      const info = histogramFileInfo(db, stem, file);
      if (!info) throw new Error(`${file} is not a histogram file`);
      return readHistogramRows(db, file, info);
    });
    const out: HistRow[] = [];
    for (let i = 0; i < rows.step.length; i++) {
      out.push({
        step: rows.step[i],
        global_step: rows.globalStep[i],
        name: rows.names[i],
        counts: [...rows.counts.subarray(i * rows.numBins, (i + 1) * rows.numBins)],
        min: rows.min[i],
        max: rows.max[i],
        precision: rows.precision,
      });
    }
    histograms.set(stem, out);
  }
  const db = new Database(p.metadataDb, { readonly: true });
  const steps = readSteps(db);
  const all = (sql: string) => db.prepare(sql).all() as Row[];
  const content: RunContent = {
    metadata: readMetadataJson(runDir) as Record<string, unknown>,
    steps: [...steps.step].map((s, i) => ({
      step: s,
      global_step: steps.globalStep[i],
      timestamp: steps.timestamp[i],
    })),
    metrics,
    histograms,
    media: all('SELECT * FROM media ORDER BY id'),
    tables: all('SELECT rowid, * FROM tables ORDER BY rowid'),
    tensors: all('SELECT rowid, * FROM tensors ORDER BY rowid'),
    kde: all('SELECT rowid, * FROM kernel_density ORDER BY rowid'),
    payloads: new Map(),
  };
  db.close();
  for (const r of [...content.tensors, ...content.kde]) {
    const file = join(p.tensorsDir, `${r.kv_file}.db`);
    if (!existsSync(file)) continue;
    const bytes = withReadOnly(file, (kv) => kvGet(kv, r.kv_key));
    if (bytes) content.payloads.set(`${r.kv_file}/${r.kv_key}`, bytes);
  }
  return content;
}

const parsed = (text: string | null) => (text ? JSON.parse(text) : null);

/** K+1 uniform edges from min and max, as the clients send them. */
function edges(min: number, max: number, k: number): number[] {
  const out: number[] = [];
  for (let i = 0; i <= k; i++) out.push(i === k ? max : min + ((max - min) * i) / k);
  return out;
}

function mediaItem(m: Row) {
  return {
    id: m.id,
    media_hash: m.media_hash,
    format: m.format,
    step: m.step,
    global_step: m.global_step,
    name: m.name,
    caption: m.caption,
    type: m.type,
    width: m.width,
    height: m.height,
    size_bytes: m.size_bytes,
  };
}

function tableItem(t: Row, withId: boolean) {
  return {
    ...(withId ? { id: t.rowid } : {}),
    step: t.step,
    global_step: t.global_step,
    name: t.name,
    columns: parsed(t.columns) ?? [],
    column_types: parsed(t.column_types) ?? [],
    rows: parseDialect(t.rows) ?? [],
  };
}

/** Table rows may hold bare NaN tokens. */
const parseDialect = (text: string | null): unknown => (text ? parseTolerantJson(text) : null);

function tensorItem(c: RunContent, t: Row, withId: boolean) {
  return {
    ...(withId ? { id: t.rowid } : {}),
    step: t.step,
    global_step: t.global_step,
    name: t.name,
    payload: c.payloads.get(`${t.kv_file}/${t.kv_key}`)?.toString('base64') ?? '',
    tensor_meta: {
      dtype: t.dtype,
      shape: parsed(t.shape) ?? [],
      size_bytes: t.size_bytes,
      metadata: parsed(t.metadata) ?? {},
    },
  };
}

function kdeItem(c: RunContent, k: Row, withId: boolean) {
  return {
    ...(withId ? { id: k.rowid } : {}),
    step: k.step,
    global_step: k.global_step,
    name: k.name,
    payload: c.payloads.get(`${k.kv_file}/${k.kv_key}`)?.toString('base64') ?? '',
    kde_meta: {
      kernel: k.kernel,
      bandwidth: k.bandwidth,
      sample_count: k.sample_count,
      range_min: k.range_min,
      range_max: k.range_max,
      num_points: k.num_points,
      metadata: parsed(k.metadata) ?? {},
    },
  };
}

/**
 * This project's client: the rows of steps [from, to] of every source, with the index of each file's first
 * row sent (`offsets`), ids on row tables and step and time on every scalar row.
 */
export function tsRequest(
  c: RunContent,
  from: number,
  to: number,
  options: { metadata?: boolean } = {},
): Record<string, unknown> {
  const inRange = (s: number) => s >= from && s <= to;
  const scalars: Record<string, unknown[]> = {};
  const scalarOffsets: Record<string, number> = {};
  for (const [name, m] of c.metrics) {
    const idx = m.step.map((s, i) => (inRange(s) ? i : -1)).filter((i) => i >= 0);
    if (!idx.length) continue;
    scalarOffsets[name] = idx[0];
    scalars[name] = idx.map((i) => ({
      step: m.step[i],
      value: m.value[i],
      global_step: m.globalStep[i],
      timestamp: m.timestamp[i],
    }));
  }
  const histograms: unknown[] = [];
  const histogramOffsets: Record<string, number> = {};
  for (const [stem, rows] of c.histograms) {
    rows.forEach((r, i) => {
      if (!inRange(r.step)) return;
      histogramOffsets[stem] ??= i;
      histograms.push({
        step: r.step,
        global_step: r.global_step,
        name: r.name,
        bins: edges(r.min, r.max, r.counts.length),
        counts: r.counts,
        precision: r.precision,
      });
    });
  }
  return {
    sync_range: { start_step: from, end_step: to },
    steps: c.steps.filter((s) => inRange(s.step)),
    scalars,
    media: c.media.filter((m) => inRange(m.step)).map(mediaItem),
    tables: c.tables.filter((t) => inRange(t.step)).map((t) => tableItem(t, true)),
    histograms,
    kernel_density: c.kde.filter((k) => inRange(k.step)).map((k) => kdeItem(c, k, true)),
    tensors: c.tensors.filter((t) => inRange(t.step)).map((t) => tensorItem(c, t, true)),
    ...(options.metadata ? { metadata: c.metadata } : {}),
    offsets: { scalars: scalarOffsets, histograms: histogramOffsets },
  };
}

/**
 * The Python sync worker's request for steps [start, end], field for field in its order: scalars as
 * {step, value}, media and tables by step range, histograms with their edges, tensors and KDEs after a rowid
 * (`afterRowid`), metadata on the first sync only.
 */
export function pythonRequest(
  c: RunContent,
  start: number,
  end: number,
  options: { metadata?: boolean; afterTensorRowid?: number; afterKdeRowid?: number; logHashes?: object } = {},
): Record<string, unknown> {
  const inRange = (s: number) => s >= start && s <= end;
  const scalars: Record<string, unknown[]> = {};
  for (const [name, m] of c.metrics) {
    const rows = m.step.map((s, i) => ({ step: s, value: m.value[i] })).filter((r) => inRange(r.step));
    if (rows.length) scalars[name] = rows;
  }
  const histograms: unknown[] = [];
  for (const rows of c.histograms.values())
    for (const r of rows)
      if (inRange(r.step))
        histograms.push({
          step: r.step,
          global_step: r.global_step,
          name: r.name,
          bins: edges(r.min, r.max, r.counts.length),
          counts: r.counts,
          precision: r.precision,
        });
  const body: Record<string, unknown> = {
    sync_range: { start_step: start, end_step: end },
    steps: c.steps.filter((s) => inRange(s.step)),
    scalars,
    media: c.media.filter((m) => inRange(m.step)).map(mediaItem),
    tables: c.tables.filter((t) => inRange(t.step)).map((t) => tableItem(t, false)),
    histograms,
    kernel_density: c.kde
      .filter((k) => k.rowid > (options.afterKdeRowid ?? -1))
      .map((k) => kdeItem(c, k, false)),
    tensors: c.tensors
      .filter((t) => t.rowid > (options.afterTensorRowid ?? -1))
      .map((t) => tensorItem(c, t, false)),
  };
  if (options.metadata) body.metadata = c.metadata;
  body.log_hashes = options.logHashes ?? {};
  return body;
}

/** The Python worker's first request: no data, the metadata, and its unknown `log_files` key. */
export function pythonInitialRequest(c: RunContent): Record<string, unknown> {
  return {
    sync_range: { start_step: 0, end_step: -1 },
    steps: [],
    scalars: {},
    media: [],
    tables: [],
    histograms: [],
    kernel_density: [],
    metadata: c.metadata,
    log_files: {},
  };
}

/** JSON as Python writes it with non-finite numbers as bare tokens (`bare`) or as null (orjson). */
export function toWireJson(value: unknown, nonFinite: 'bare' | 'null' = 'bare'): string {
  const marks = new Map<string, string>();
  const text = JSON.stringify(value, (_k, v) => {
    if (typeof v === 'number' && !Number.isFinite(v)) {
      const token =
        nonFinite === 'null' ? 'null' : Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity';
      const mark = `@@nf${marks.size}@@`;
      marks.set(mark, token);
      return mark;
    }
    return v;
  });
  return text.replace(/"@@nf\d+@@"/g, (m) => marks.get(m.slice(1, -1)) ?? m);
}

export { logNameToFileStem };
