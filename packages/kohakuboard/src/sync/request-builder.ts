/**
 * One log sync request (docs/sync.md#log-sync-request) cut from what a run committed past the cursors, read
 * from its folder or from a memory-mode writer's databases (run-source.ts) and kept under a byte budget:
 * sources are filled in a fixed order (metadata, step rows, metrics, histograms, media, tables, tensors,
 * KDEs) until the budget is spent, and what did not fit waits for the next request. Rows are read in one
 * snapshot per file, so a run that is being written can be read too.
 */
import {
  histogramFileInfo,
  kvGet,
  metricRowCount,
  parseTolerantJson,
  readHistogramRows,
  readMetricSeries,
  readRowsAfter,
  readSteps,
  type SqliteDatabase,
} from '../storage/index.js';
import { byteSize, intOrNull, jsonText, scalarRowText } from './json-text.js';
import type { HeldDatabase, RunSource } from './run-source.js';
import type { SyncCursors } from './sync-state.js';

/** What the cursors become once the server has acknowledged the request. */
export interface Advance {
  /** By metric file stem: the metric's name and the row count sent up to. */
  metrics: Map<string, { name: string; to: number }>;
  /** By histogram file stem: the row count sent up to. */
  histograms: Map<string, number>;
  media: number | null;
  tables: number | null;
  tensors: number | null;
  kernel_density: number | null;
  steps: number | null;
  metadataHash: string | null;
  /** The largest step of anything sent. */
  maxStep: number | null;
}

export interface BuiltRequest {
  body: string;
  bytes: number;
  /** Data rows (scalar points, histograms, media, tables, tensors, KDEs); step rows not counted. */
  rows: number;
  advance: Advance;
}

export interface BuildOptions {
  maxBodyBytes: number;
  /** Send metadata.json even when its hash equals the acknowledged one (the first request of a run). */
  forceMetadata?: boolean;
}

const METRIC_CHUNK_ROWS = 65_536;
const ROW_PAGE = 256;
/** Room for the request's keys and brackets. */
const FRAME_BYTES = 512;

/** A byte budget that always admits a first item, so an item larger than the budget is still sent alone. */
class Budget {
  private used = FRAME_BYTES;
  private items = 0;
  full = false;
  constructor(private readonly max: number) {}
  take(bytes: number): boolean {
    if (this.full) return false;
    if (this.items > 0 && this.used + bytes + 1 > this.max) {
      this.full = true;
      return false;
    }
    this.used += bytes + 1;
    this.items++;
    return true;
  }
}

class StepRange {
  min: number | null = null;
  max: number | null = null;
  add(step: number): void {
    if (this.min === null || step < this.min) this.min = step;
    if (this.max === null || step > this.max) this.max = step;
  }
}

const finiteOrNull = (x: number | null | undefined) =>
  x === null || x === undefined || !Number.isFinite(x) ? null : x;
const parsed = (text: string | null, fallback: unknown) => (text ? parseTolerantJson(text) : fallback);

/** The next request, or null when nothing is past the cursors. */
export function buildLogRequest(
  source: RunSource,
  cursors: SyncCursors,
  options: BuildOptions,
): BuiltRequest | null {
  const budget = new Budget(options.maxBodyBytes);
  const range = new StepRange();
  const advance: Advance = {
    metrics: new Map(),
    histograms: new Map(),
    media: null,
    tables: null,
    tensors: null,
    kernel_density: null,
    steps: null,
    metadataHash: null,
    maxStep: null,
  };
  const sections: string[] = [];
  let rows = 0;

  const metadata = source.metadata();
  if (metadata && (options.forceMetadata || metadata.hash !== cursors.metadata_hash)) {
    const text = jsonText(parseTolerantJson(metadata.text, 'metadata.json'));
    budget.take(byteSize(text));
    sections.push(`"metadata":${text}`);
    advance.metadataHash = metadata.hash;
  }

  const metaDb = source.metadataDb();
  const kvFiles = new Map<string, HeldDatabase | null>();
  try {
    if (metaDb) sections.push(`"steps":[${stepRows(metaDb.db, cursors, budget, advance).join(',')}]`);

    const scalarOffsets: Record<string, number> = {};
    const metricParts: string[] = [];
    for (const m of source.metricFiles()) {
      if (budget.full) break;
      const stem = m.stem;
      const from = Math.max(cursors.metrics[stem] ?? 0, m.base);
      const texts = m.read((db, file) => metricRows(db, file, from - m.base, budget, range));
      if (!texts.length) continue;
      scalarOffsets[m.name] = from;
      metricParts.push(`${jsonText(m.name)}:[${texts.join(',')}]`);
      advance.metrics.set(stem, { name: m.name, to: from + texts.length });
      rows += texts.length;
    }
    sections.push(`"scalars":{${metricParts.join(',')}}`);

    const histogramOffsets: Record<string, number> = {};
    const histogramItems: string[] = [];
    for (const f of source.histogramFiles()) {
      if (budget.full) break;
      const stem = f.stem;
      const from = Math.max(cursors.histograms[stem] ?? 0, f.base);
      const texts = f.read((db, file) => histogramRows(db, file, stem, from - f.base, budget, range));
      if (!texts.length) continue;
      histogramOffsets[stem] = from;
      histogramItems.push(...texts);
      advance.histograms.set(stem, from + texts.length);
      rows += texts.length;
    }
    sections.push(`"histograms":[${histogramItems.join(',')}]`);

    const payloadOf = (kvFile: string, key: string): string => {
      if (!kvFiles.has(kvFile)) kvFiles.set(kvFile, source.tensorFile(kvFile));
      const bytes = kvFiles.get(kvFile)?.db ? kvGet(kvFiles.get(kvFile)!.db, key) : undefined;
      return bytes ? Buffer.from(bytes).toString('base64') : '';
    };

    for (const table of ['media', 'tables', 'tensors', 'kernel_density'] as const) {
      const items: string[] = [];
      if (metaDb) {
        let after = cursors[table];
        while (!budget.full) {
          const page = readRowsAfter(metaDb.db, table, after, ROW_PAGE);
          if (!page.length) break;
          for (const r of page) {
            const text = jsonText(rowItem(table, r as unknown as Record<string, unknown>, payloadOf));
            if (!budget.take(byteSize(text))) break;
            items.push(text);
            range.add(r.step);
            after = r.rowid;
            advance[table] = r.rowid;
          }
        }
      }
      rows += items.length;
      sections.push(`"${table}":[${items.join(',')}]`);
    }

    if (advance.steps !== null) range.add(advance.steps);
    advance.maxStep = range.max;
    if (rows === 0 && advance.steps === null && advance.metadataHash === null) return null;
    sections.unshift(`"sync_range":{"start_step":${range.min ?? 0},"end_step":${range.max ?? -1}}`);
    sections.push(
      `"offsets":{"scalars":${jsonText(scalarOffsets)},"histograms":${jsonText(histogramOffsets)}}`,
    );
    const body = `{${sections.join(',')}}`;
    return { body, bytes: byteSize(body), rows, advance };
  } finally {
    metaDb?.close();
    for (const h of kvFiles.values()) h?.close();
  }
}

function stepRows(db: SqliteDatabase, cursors: SyncCursors, budget: Budget, advance: Advance): string[] {
  const steps = readSteps(db, cursors.steps ?? undefined);
  const out: string[] = [];
  for (let i = 0; i < steps.step.length; i++) {
    const text = `{"step":${steps.step[i]},"global_step":${intOrNull(steps.globalStep[i])},"timestamp":${intOrNull(steps.timestamp[i])}}`;
    if (!budget.take(text.length)) break;
    out.push(text);
    advance.steps = steps.step[i];
  }
  return out;
}

function metricRows(
  db: SqliteDatabase,
  file: string,
  from: number,
  budget: Budget,
  range: StepRange,
): string[] {
  const count = metricRowCount(db, file);
  const out: string[] = [];
  for (let pos = from; pos < count && !budget.full; pos += METRIC_CHUNK_ROWS) {
    const s = readMetricSeries(db, file, pos, Math.min(count, pos + METRIC_CHUNK_ROWS));
    for (let i = 0; i < s.step.length; i++) {
      const text = scalarRowText(s.step[i], s.value[i], s.globalStep[i], s.timestamp[i]);
      if (!budget.take(text.length)) break;
      out.push(text);
      range.add(s.step[i]);
    }
  }
  return out;
}

/** K+1 uniform edges from min and max, as the clients send them. */
function edges(min: number, max: number, k: number): number[] {
  const out: number[] = [];
  for (let i = 0; i <= k; i++) out.push(i === k ? max : min + ((max - min) * i) / k);
  return out;
}

function histogramRows(
  db: SqliteDatabase,
  file: string,
  stem: string,
  from: number,
  budget: Budget,
  range: StepRange,
): string[] {
  const info = histogramFileInfo(db, stem, file);
  if (!info) return [];
  const h = readHistogramRows(db, file, info);
  const K = h.numBins;
  const out: string[] = [];
  for (let i = from; i < h.step.length; i++) {
    const text = jsonText({
      step: h.step[i],
      global_step: finiteOrNull(h.globalStep[i]),
      name: h.names[i],
      bins: edges(h.min[i], h.max[i], K),
      counts: Array.from(h.counts.subarray(i * K, (i + 1) * K)),
      precision: h.precision,
    });
    if (!budget.take(byteSize(text))) break;
    out.push(text);
    range.add(h.step[i]);
  }
  return out;
}

type Row = Record<string, unknown>;

function rowItem(
  table: 'media' | 'tables' | 'tensors' | 'kernel_density',
  r: Row,
  payloadOf: (kvFile: string, key: string) => string,
): Row {
  const base = { step: r.step, global_step: r.global_step ?? null, name: r.name };
  switch (table) {
    case 'media':
      return {
        id: r.id,
        media_hash: r.media_hash,
        format: r.format,
        ...base,
        caption: r.caption ?? null,
        type: r.type,
        width: r.width ?? null,
        height: r.height ?? null,
        size_bytes: r.size_bytes ?? null,
      };
    case 'tables':
      return {
        id: r.rowid,
        ...base,
        columns: parsed(r.columns as string | null, []),
        column_types: parsed(r.column_types as string | null, []),
        rows: parsed(r.rows as string | null, []),
      };
    case 'tensors':
      return {
        id: r.rowid,
        ...base,
        payload: payloadOf(String(r.kv_file), String(r.kv_key)),
        tensor_meta: {
          namespace: r.namespace,
          dtype: r.dtype,
          shape: parsed(r.shape as string | null, []),
          size_bytes: r.size_bytes,
          metadata: parsed(r.metadata as string | null, {}),
        },
      };
    case 'kernel_density':
      return {
        id: r.rowid,
        ...base,
        payload: payloadOf(String(r.kv_file), String(r.kv_key)),
        kde_meta: {
          kernel: r.kernel,
          bandwidth: r.bandwidth,
          sample_count: r.sample_count,
          range_min: r.range_min,
          range_max: r.range_max,
          num_points: r.num_points,
          metadata: parsed(r.metadata as string | null, {}),
        },
      };
  }
}

/** Moves the cursors past everything a request carried (what a server that stored all of it acknowledges). */
export function moveCursorsPast(c: SyncCursors, a: Advance): void {
  for (const [stem, { to }] of a.metrics) c.metrics[stem] = to;
  for (const [stem, to] of a.histograms) c.histograms[stem] = to;
  for (const table of ['media', 'tables', 'tensors', 'kernel_density'] as const) {
    const to = a[table];
    if (to !== null) c[table] = Math.max(c[table], to);
  }
  if (a.steps !== null) c.steps = Math.max(c.steps ?? a.steps, a.steps);
  if (a.metadataHash !== null) c.metadata_hash = a.metadataHash;
}
