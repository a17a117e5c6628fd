/**
 * Stores a checked log sync request in a run folder (docs/server.md#log-upload), one transaction per file
 * in the client's commit order — tensor and KDE payloads, metric files, histogram files, then
 * `data/metadata.db` — so that a metadata row never points at a missing payload, then `metadata.json`.
 *
 * Nothing is stored twice (docs/server.md#deduplication): the watermarks come from the files themselves
 * (row counts of metric and histogram files, the last stored step, the ids of metadata rows), so a request
 * sent again, alone or inside a larger one, adds no row, even after a failure half-way.
 */
import {
  type JsonValue,
  type KernelDensityRow,
  logNameToFileStem,
  namespaceOf,
  readMaxRowId,
  readStepIndexEnds,
  stringifyDialectJson,
  type TensorRow,
  tensorLocation,
  writeMetadataJson,
} from 'kohakuboard/storage';
import { committed } from './crash-point.js';
import type { StepColumns } from './log-body.js';
import type { HistogramIn, LogRequest, MetricIn, PayloadIn, Rejection } from './log-request.js';
import type { RunFiles } from './run-files.js';

/** What a run_data event says about one upload (docs/api.md#event-types). */
export interface RunDataSummary {
  scalars: Record<string, { last_step: number | null; count: number }>;
  new_scalars: string[];
  media: string[];
  tables: string[];
  histograms: string[];
  tensors: string[];
  kernel_density: string[];
  logs: Record<string, number>;
}

export interface Cursors {
  scalars: Record<string, number>;
  histograms: Record<string, number>;
  media: number;
  tables: number;
  tensors: number;
  kernel_density: number;
  last_step: number | null;
}

export interface ApplyContext {
  /** The run folder's name and its annotation (metadata.json gets them). */
  folder: string;
  annotation: string | null;
  receivedAtMs: number;
}

export type ApplyResult =
  | {
      ok: true;
      cursors: Cursors;
      rejected: Rejection[];
      /** `<hash>.<format>` of this request's media whose blob is not stored. */
      missingMedia: string[];
      summary: RunDataSummary;
      metadataWritten: boolean;
    }
  | { ok: false; code: 'no_space' | 'io_error'; message: string; applied: string[] };

export function emptySummary(): RunDataSummary {
  return {
    scalars: {},
    new_scalars: [],
    media: [],
    tables: [],
    histograms: [],
    tensors: [],
    kernel_density: [],
    logs: {},
  };
}

class StageFailure extends Error {
  constructor(
    readonly stage: string,
    override readonly cause: unknown,
  ) {
    super(cause instanceof Error ? cause.message : String(cause));
  }
}

function stage<T>(name: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw new StageFailure(name, err);
  }
}

function isNoSpace(err: unknown): boolean {
  const code = (err as { code?: string })?.code;
  return code === 'ENOSPC' || code === 'SQLITE_FULL' || code === 'EDQUOT';
}

/** Global step and time of rows that carry none: the request's step row, else the stored one, else the step itself and the receive time. */
class StepFacts {
  /** Row index of each sent step (the last row of a step wins), built when first asked. */
  private sent: Map<number, number> | null = null;
  constructor(
    private readonly steps: StepColumns,
    private readonly files: RunFiles,
    private readonly receivedAtMs: number,
  ) {}

  private sentRow(step: number): number | undefined {
    if (!this.sent) {
      this.sent = new Map();
      const s = this.steps.step;
      for (let i = 0; i < s.length; i++) this.sent.set(s[i], i);
    }
    return this.sent.get(step);
  }

  private stored(step: number) {
    return this.files.metadataDb().rows.stepRowOf(step);
  }

  globalStep(step: number): number {
    const i = this.sentRow(step);
    const s = i === undefined ? Number.NaN : this.steps.globalStep[i];
    if (!Number.isNaN(s)) return s;
    return this.stored(step)?.globalStep ?? step;
  }

  timestamp(step: number): number {
    const i = this.sentRow(step);
    const s = i === undefined ? Number.NaN : this.steps.timestamp[i];
    if (!Number.isNaN(s)) return s;
    return this.stored(step)?.timestamp ?? this.receivedAtMs;
  }
}

function metaText(v: JsonValue | undefined): string | null {
  if (v === undefined || v === null) return null;
  if (typeof v === 'string') return v;
  return stringifyDialectJson(v);
}

const str = (v: JsonValue | undefined): string | null => (typeof v === 'string' ? v : null);
const num = (v: JsonValue | undefined): number | null => (typeof v === 'number' ? v : null);
const int = (v: JsonValue | undefined): number | null =>
  typeof v === 'number' && Number.isSafeInteger(v) ? v : null;

function bandwidthText(v: JsonValue | undefined): string | null {
  if (typeof v === 'string') return v;
  if (typeof v !== 'number' || !Number.isFinite(v)) return null;
  return Number.isInteger(v) ? `${v}.0` : String(v);
}

export function applyLogRequest(
  files: RunFiles,
  request: LogRequest,
  rejectedBefore: Rejection[],
  ctx: ApplyContext,
): ApplyResult {
  const rejected = [...rejectedBefore];
  const summary = emptySummary();
  const applied: string[] = [];
  const facts = new StepFacts(request.steps, files, ctx.receivedAtMs);
  const cursorsScalars: Record<string, number> = {};
  const cursorsHistograms: Record<string, number> = {};
  try {
    const payloads = stage('payloads', () => writePayloads(files, request.payloads));
    applied.push('payloads');
    committed('payloads');
    stage('scalars', () => {
      for (const m of request.metrics) writeMetric(files, m, facts, rejected, summary, cursorsScalars);
    });
    applied.push('scalars');
    committed('scalars');
    stage('histograms', () => {
      for (const [stem, group] of request.histograms)
        writeHistograms(files, stem, group, facts, rejected, summary, cursorsHistograms);
    });
    applied.push('histograms');
    committed('histograms');
    stage('metadata.db', () => writeMetadataRows(files, request, payloads, summary));
    applied.push('metadata.db');
    committed('metadata.db');
    let metadataWritten = false;
    if (request.metadata) {
      stage('metadata.json', () => writeRunMetadata(files.dir, request.metadata!, ctx));
      applied.push('metadata.json');
      metadataWritten = true;
    }
    const cursors = stage('cursors', () => readCursors(files, cursorsScalars, cursorsHistograms));
    const missingMedia = stage('media', () => missingBlobs(files, request));
    for (const k of Object.keys(summary) as Array<keyof RunDataSummary>) {
      const v = summary[k];
      if (Array.isArray(v)) v.sort();
    }
    return { ok: true, cursors, rejected, missingMedia, summary, metadataWritten };
  } catch (err) {
    const cause = err instanceof StageFailure ? err.cause : err;
    const where = err instanceof StageFailure ? err.stage : 'ingest';
    return {
      ok: false,
      code: isNoSpace(cause) ? 'no_space' : 'io_error',
      message: `${where}: ${cause instanceof Error ? cause.message : String(cause)}`,
      applied,
    };
  }
}

/** Tensor and KDE payloads, one transaction per KVault file. Returns the payloads whose rows are to be written. */
function writePayloads(files: RunFiles, payloads: PayloadIn[]): PayloadIn[] {
  if (payloads.length === 0) return [];
  const rows = files.metadataDb().rows;
  const todo = payloads.filter((p) => p.id === null || !rows.hasRowId(p.kind, p.id));
  const byFile = new Map<string, Array<{ key: string; bytes: Buffer }>>();
  for (const p of todo) {
    const { kvFile, key } = tensorLocation(p.name, p.step);
    let list = byFile.get(kvFile);
    if (!list) {
      list = [];
      byFile.set(kvFile, list);
    }
    list.push({ key, bytes: p.bytes });
  }
  for (const [kvFile, list] of byFile) {
    const kv = files.kvault(kvFile);
    kv.db
      .transaction(() => {
        for (const { key, bytes } of list) kv.put(key, bytes);
      })
      .immediate();
  }
  return todo;
}

/** The rows of a metric not yet stored: by offset (this project's client) or by step (Python's). */
function writeMetric(
  files: RunFiles,
  m: MetricIn,
  facts: StepFacts,
  rejected: Rejection[],
  summary: RunDataSummary,
  cursors: Record<string, number>,
): void {
  const h = files.metric(logNameToFileStem(m.name));
  const stored = h.writer.length;
  const n = m.step.length;
  // The rows to store: with an offset, those past the stored count, a tail of the sent rows that is stored
  // from the request's own columns; without, those after the last stored step, usually a tail too.
  let from: number;
  if (m.offset !== null) {
    if (m.offset > stored) {
      rejected.push({
        source: 'scalars',
        name: m.name,
        index: 0,
        code: 'offset_gap',
        message: `rows from ${m.offset} were sent, but ${stored} are stored: rows ${stored}..${m.offset - 1} are missing`,
        expected: stored,
      });
      cursors[m.name] = stored;
      return;
    }
    from = Math.min(n, stored - m.offset);
  } else {
    const last = h.lastStep;
    const keep: number[] = [];
    for (let i = 0; i < n; i++) if (last === null || m.step[i] > last) keep.push(i);
    const k = keep.length;
    if (k > 0 && (keep[k - 1] !== n - 1 || keep[k - 1] - keep[0] + 1 !== k)) {
      writeMetricRows(h, m, keep, facts, summary, stored, cursors);
      return;
    }
    from = k > 0 ? keep[0] : n;
  }
  if (from < n) {
    const steps = m.step.subarray(from);
    appendMetricRows(
      h,
      m.name,
      {
        step: steps,
        value: m.value.subarray(from),
        globalStep: filled(m.globalStep.subarray(from), steps, (s) => facts.globalStep(s)),
        timestamp: filled(m.timestamp.subarray(from), steps, (s) => facts.timestamp(s)),
      },
      summary,
      stored,
    );
  }
  cursors[m.name] = h.writer.length;
}

type MetricHandle = ReturnType<RunFiles['metric']>;
type MetricColumns = {
  step: Float64Array;
  value: Float64Array;
  globalStep: Float64Array;
  timestamp: Float64Array;
};

/** `col` with each NaN (none sent) replaced by `fill(step)`: the column itself when it has none. */
function filled(col: Float64Array, steps: Float64Array, fill: (step: number) => number): Float64Array {
  let out: Float64Array | null = null;
  for (let i = 0; i < col.length; i++) {
    if (!Number.isNaN(col[i])) continue;
    out ??= col.slice();
    out[i] = fill(steps[i]);
  }
  return out ?? col;
}

/** The rows at `keep` (not a tail of the sent rows), copied out. */
function writeMetricRows(
  h: MetricHandle,
  m: MetricIn,
  keep: number[],
  facts: StepFacts,
  summary: RunDataSummary,
  stored: number,
  cursors: Record<string, number>,
): void {
  const pick = (col: Float64Array) => Float64Array.from(keep, (i) => col[i]);
  const step = pick(m.step);
  appendMetricRows(
    h,
    m.name,
    {
      step,
      value: pick(m.value),
      globalStep: filled(pick(m.globalStep), step, (s) => facts.globalStep(s)),
      timestamp: filled(pick(m.timestamp), step, (s) => facts.timestamp(s)),
    },
    summary,
    stored,
  );
  cursors[m.name] = h.writer.length;
}

function appendMetricRows(
  h: MetricHandle,
  name: string,
  cols: MetricColumns,
  summary: RunDataSummary,
  stored: number,
): void {
  h.writer.append(cols);
  h.lastStep = cols.step[cols.step.length - 1];
  if (stored === 0) summary.new_scalars.push(name);
  summary.scalars[name] = { last_step: h.lastStep, count: h.writer.length };
}

function writeHistograms(
  files: RunFiles,
  stem: string,
  group: { offset: number | null; rows: HistogramIn[] },
  facts: StepFacts,
  rejected: Rejection[],
  summary: RunDataSummary,
  cursors: Record<string, number>,
): void {
  const first = group.rows[0];
  const h = files.histogram(stem, first.numBins, first.precision);
  const stored = h.writer.vault.length('step');
  let keep: HistogramIn[];
  if (group.offset !== null) {
    if (group.offset > stored) {
      rejected.push({
        source: 'histograms',
        name: stem,
        index: 0,
        code: 'offset_gap',
        message: `rows from ${group.offset} were sent, but ${stored} are stored: rows ${stored}..${group.offset - 1} are missing`,
        expected: stored,
      });
      cursors[stem] = stored;
      return;
    }
    keep = group.rows.slice(stored - group.offset);
  } else {
    const last = files.histogramSteps(stem, h);
    keep = group.rows.filter((r) => {
      const s = last.get(r.name);
      return s === undefined || r.step > s;
    });
  }
  if (keep.length > 0) {
    h.writer.append(
      keep.map((r) => ({
        step: r.step,
        globalStep: r.globalStep ?? facts.globalStep(r.step),
        name: r.name,
        counts: r.counts,
        min: r.min,
        max: r.max,
      })),
    );
    if (h.lastStepByName) {
      for (const r of keep)
        if (!(h.lastStepByName.get(r.name)! >= r.step)) h.lastStepByName.set(r.name, r.step);
    }
    for (const r of keep) if (!summary.histograms.includes(r.name)) summary.histograms.push(r.name);
  }
  cursors[stem] = h.writer.vault.length('step');
}

/** Step rows, media, tables, tensors and KDEs in one transaction of data/metadata.db. */
function writeMetadataRows(
  files: RunFiles,
  request: LogRequest,
  payloads: PayloadIn[],
  summary: RunDataSummary,
): void {
  const { steps, media, tables } = request;
  if (steps.step.length + media.length + tables.length + payloads.length === 0) return;
  const md = files.metadataDb();
  const added = (list: string[], name: string) => {
    if (!list.includes(name)) list.push(name);
  };
  md.db
    .transaction(() => {
      if (steps.step.length) md.steps.steps(steps.step, steps.globalStep, steps.timestamp);
      for (const m of media) {
        const isNew = md.rows.media({
          id: m.id,
          media_hash: m.hash,
          format: m.format,
          step: m.step,
          global_step: m.globalStep,
          name: m.name,
          caption: m.caption,
          type: m.type,
          size_bytes: m.sizeBytes,
          width: m.width,
          height: m.height,
        });
        if (isNew) added(summary.media, m.name);
      }
      // Rows sent without an id (Python's client) are new when their step is after the name's last stored step.
      const lastTableStep = new Map<string, number | null>();
      for (const t of tables) {
        if (t.id === null) {
          if (!lastTableStep.has(t.name)) lastTableStep.set(t.name, md.rows.lastStepOf('tables', t.name));
          const last = lastTableStep.get(t.name);
          if (last !== null && last !== undefined && t.step <= last) continue;
        }
        const isNew = md.rows.table(t.id, {
          step: t.step,
          global_step: t.globalStep,
          name: t.name,
          columns: t.columns,
          column_types: t.columnTypes,
          rows: t.rows,
        });
        if (isNew) added(summary.tables, t.name);
      }
      for (const p of payloads) {
        const { kvFile, key } = tensorLocation(p.name, p.step);
        if (p.kind === 'tensors') {
          const row: TensorRow = {
            step: p.step,
            global_step: p.globalStep,
            name: p.name,
            namespace: str(p.meta.namespace) ?? namespaceOf(p.name),
            kv_file: kvFile,
            kv_key: key,
            dtype: str(p.meta.dtype),
            shape: Array.isArray(p.meta.shape) ? JSON.stringify(p.meta.shape) : str(p.meta.shape),
            size_bytes: p.bytes.length,
            metadata: metaText(p.meta.metadata),
          };
          if (md.rows.tensor(p.id, row)) added(summary.tensors, p.name);
        } else {
          const row: KernelDensityRow = {
            step: p.step,
            global_step: p.globalStep,
            name: p.name,
            kv_file: kvFile,
            kv_key: key,
            kernel: str(p.meta.kernel),
            bandwidth: bandwidthText(p.meta.bandwidth),
            sample_count: int(p.meta.sample_count),
            range_min: num(p.meta.range_min),
            range_max: num(p.meta.range_max),
            num_points: int(p.meta.num_points),
            metadata: metaText(p.meta.metadata),
          };
          if (md.rows.kernelDensity(p.id, row)) added(summary.kernel_density, p.name);
        }
      }
    })
    .immediate();
}

/** metadata.json as sent, without `run_id`, with the folder's annotation and `board_id` = the folder. */
function writeRunMetadata(dir: string, metadata: Record<string, JsonValue>, ctx: ApplyContext): void {
  const doc: Record<string, JsonValue> = {};
  for (const [k, v] of Object.entries(metadata)) if (k !== 'run_id' && k !== 'board_id') doc[k] = v;
  doc.annotation = ctx.annotation;
  doc.board_id = ctx.folder;
  writeMetadataJson(dir, doc);
}

function readCursors(
  files: RunFiles,
  scalars: Record<string, number>,
  histograms: Record<string, number>,
): Cursors {
  const db = files.metadataDb().db;
  return {
    scalars,
    histograms,
    media: readMaxRowId(db, 'media'),
    tables: readMaxRowId(db, 'tables'),
    tensors: readMaxRowId(db, 'tensors'),
    kernel_density: readMaxRowId(db, 'kernel_density'),
    last_step: readStepIndexEnds(db)?.lastStep ?? null,
  };
}

function missingBlobs(files: RunFiles, request: LogRequest): string[] {
  if (request.media.length === 0) return [];
  const keys = [...new Set(request.media.map((m) => `${m.hash}.${m.format}`))];
  if (!files.hasBlobFile()) return keys;
  const kv = files.kvault(null);
  return keys.filter((k) => !kv.has(k));
}
