/**
 * Scalar series of a run (docs/api.md#scalars): metric files and the three base columns of the step index,
 * decoded into typed arrays, in step order, and cached. A cached series is validated by the stamps of its
 * file and -wal (no query when nothing changed) and extended by reading only the new rows when the file grew.
 */
import { join } from 'node:path';
import { stepOrder } from '@kohakuboard/series';
import {
  logNameToFileStem,
  type MetricEnds,
  metricRowCount,
  readMetricEnds,
  readMetricSeries,
  readStepIndexEnds,
  readSteps,
  runPaths,
  type SqliteDatabase,
} from '../storage/index.js';
import { cacheSet, type DecodedCache } from './decoded-cache.js';
import { fileStamp, stampTag } from './file-stamp.js';
import type { HandlePool } from './handle-pool.js';

export const BASE_COLUMNS: readonly string[] = ['step', 'global_step', 'timestamp'];

export interface ScalarSeries {
  readonly length: number;
  readonly steps: Float64Array;
  /** NaN where the stored value is null. */
  readonly globalSteps: Float64Array;
  /** Unix ms; NaN where the stored value is null. */
  readonly timestampsMs: Float64Array;
  readonly values: Float64Array;
  /** True for base columns: a NaN value there means a null, not a stored NaN. */
  readonly valuesNullable: boolean;
  /** Identity of the data source and its row count, for ETags. */
  readonly tag: string;
}

/** What reading needs: open handles and the decoded-series cache of this thread. */
export interface ReaderContext {
  handles: HandlePool;
  cache: DecodedCache;
}

interface Columns {
  steps: Float64Array;
  globalSteps: Float64Array;
  timestampsMs: Float64Array;
  values: Float64Array;
}

interface CachedColumns {
  stamps: string;
  ino: number;
  n: number;
  /** Rows as stored, with spare capacity for appends. */
  raw: Columns;
  /** True while the stored rows are in step order. */
  ordered: boolean;
  /** The rows in step order (views of raw when ordered). */
  view: Columns;
}

const bytesOf = (c: CachedColumns) => c.raw.steps.length * 32 + (c.ordered ? 0 : c.view.steps.length * 32);

function allocate(capacity: number): Columns {
  return {
    steps: new Float64Array(capacity),
    globalSteps: new Float64Array(capacity),
    timestampsMs: new Float64Array(capacity),
    values: new Float64Array(capacity),
  };
}

function viewOf(c: Columns, n: number): Columns {
  return {
    steps: c.steps.subarray(0, n),
    globalSteps: c.globalSteps.subarray(0, n),
    timestampsMs: c.timestampsMs.subarray(0, n),
    values: c.values.subarray(0, n),
  };
}

/** Appends `add` (rows n…) to the cached raw arrays, growing the capacity by doubling. */
function append(entry: CachedColumns | null, add: Columns, extra: number): CachedColumns {
  const n0 = entry?.n ?? 0;
  const n = n0 + extra;
  let raw = entry?.raw ?? allocate(Math.max(16, n));
  if (raw.steps.length < n) {
    const grown = allocate(Math.max(n, raw.steps.length * 2));
    grown.steps.set(raw.steps.subarray(0, n0));
    grown.globalSteps.set(raw.globalSteps.subarray(0, n0));
    grown.timestampsMs.set(raw.timestampsMs.subarray(0, n0));
    grown.values.set(raw.values.subarray(0, n0));
    raw = grown;
  }
  raw.steps.set(add.steps, n0);
  raw.globalSteps.set(add.globalSteps, n0);
  raw.timestampsMs.set(add.timestampsMs, n0);
  raw.values.set(add.values, n0);
  let ordered = entry?.ordered ?? true;
  if (ordered) {
    const s = raw.steps;
    for (let i = Math.max(1, n0); i < n; i++) {
      if (!(s[i - 1] <= s[i])) {
        ordered = false;
        break;
      }
    }
  }
  const rawView = viewOf(raw, n);
  const view = ordered ? rawView : gather(rawView, stepOrder(rawView.steps));
  return { stamps: entry?.stamps ?? '', ino: entry?.ino ?? 0, n, raw, ordered, view };
}

/** The rows in a stable step order (storage is normally in step order already; docs/api.md#scalars). */
function gather(c: Columns, order: Uint32Array): Columns {
  const out = allocate(order.length);
  for (let i = 0; i < order.length; i++) {
    const j = order[i];
    out.steps[i] = c.steps[j];
    out.globalSteps[i] = c.globalSteps[j];
    out.timestampsMs[i] = c.timestampsMs[j];
    out.values[i] = c.values[j];
  }
  return out;
}

function stampsOf(file: string): { tag: string; ino: number } | null {
  const db = fileStamp(file);
  if (!db) return null;
  return { tag: `${stampTag(db)}|${stampTag(fileStamp(`${file}-wal`))}`, ino: db.ino };
}

/** The metric file of a name (`/` → `__`, docs/format.md#metric-files). */
export function metricFile(runDir: string, name: string): string {
  return join(runPaths(runDir).metricsDir, `${logNameToFileStem(name)}.db`);
}

/**
 * The ends of a metric (count, first and last step, last value) as served, that is up to the committed step
 * (committedLastStep); null when the metric does not exist.
 */
export function metricEndsOf(ctx: ReaderContext, runDir: string, name: string): MetricEnds | null {
  const file = metricFile(runDir, name);
  if (!fileStamp(file)) return null;
  const committed = committedLastStep(ctx, runDir);
  const ends = ctx.handles.use(file, (db) => readMetricEnds(db, file));
  if (committed === null || ends.lastStep === null || ends.lastStep <= committed) return ends;
  // Rows past the commit: the ends of what is served come from the (cached) series.
  const s = readScalarSeries(ctx, runDir, name);
  if (!s || s.length === 0) return { count: 0, firstStep: null, lastStep: null, lastValue: null };
  return {
    count: s.length,
    firstStep: s.steps[0],
    lastStep: s.steps[s.length - 1],
    lastValue: s.values[s.length - 1],
  };
}

/**
 * The last step of the step index, which is what every flush commits last (data/metadata.db comes after the
 * metric files), so that rows of a metric beyond it belong to a flush that has not finished committing, or
 * never will (a writer killed between the two commits). Metric rows past it are not served: every series
 * then agrees with the summary's total_steps and last_step, which come from the step index too. Null when
 * the run has no step index or it cannot be read; then nothing is cut. Cached until the file changes.
 */
export function committedLastStep(ctx: ReaderContext, runDir: string): number | null {
  const file = runPaths(runDir).metadataDb;
  const st = stampsOf(file);
  if (!st) return null;
  const key = `k:${file}`;
  const cached = ctx.cache.get(key) as { tag: string; lastStep: number | null } | undefined;
  if (cached && cached.tag === st.tag) return cached.lastStep;
  let lastStep: number | null = null;
  try {
    lastStep = ctx.handles.use(file, (db) => readStepIndexEnds(db)?.lastStep ?? null);
  } catch {
    return null;
  }
  cacheSet(ctx.cache, key, { tag: st.tag, lastStep }, 64);
  return lastStep;
}

/** How many rows of ascending `steps` are at or before `step`. */
function rowsThrough(steps: Float64Array, step: number): number {
  let lo = 0;
  let hi = steps.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (steps[mid] <= step) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function readMetricColumns(ctx: ReaderContext, file: string): CachedColumns | null {
  const st = stampsOf(file);
  if (!st) return null;
  const key = `m:${file}`;
  let entry = ctx.cache.get(key) as CachedColumns | undefined;
  if (entry && entry.stamps === st.tag) return entry;
  const next = ctx.handles.use(file, (db: SqliteDatabase) => {
    const count = metricRowCount(db, file);
    if (entry && (entry.ino !== st.ino || count < entry.n)) entry = undefined;
    const from = entry?.n ?? 0;
    if (entry && count === from) return entry;
    const rows = readMetricSeries(db, file, from, count);
    const added = rows.step.length;
    return append(
      entry ?? null,
      { steps: rows.step, globalSteps: rows.globalStep, timestampsMs: rows.timestamp, values: rows.value },
      added,
    );
  });
  next.stamps = st.tag;
  next.ino = st.ino;
  cacheSet(ctx.cache, key, next, bytesOf(next));
  return next;
}

function readStepColumns(ctx: ReaderContext, runDir: string): CachedColumns | null {
  const file = runPaths(runDir).metadataDb;
  const st = stampsOf(file);
  if (!st) return null;
  const key = `s:${file}`;
  let entry = ctx.cache.get(key) as CachedColumns | undefined;
  if (entry && entry.stamps === st.tag) return entry;
  const next = ctx.handles.use(file, (db) => {
    if (entry && entry.ino !== st.ino) entry = undefined;
    // Step rows are written with INSERT OR REPLACE: the last cached step may have been rewritten.
    const keep = entry && entry.n > 0 ? entry.n - 1 : 0;
    const after = entry && entry.n > 0 ? entry.raw.steps[entry.n - 1] - 1 : undefined;
    const rows = readSteps(db, after);
    const base = entry ? { ...entry, n: keep } : null;
    return append(
      base,
      { steps: rows.step, globalSteps: rows.globalStep, timestampsMs: rows.timestamp, values: rows.step },
      rows.step.length,
    );
  });
  next.stamps = st.tag;
  next.ino = st.ino;
  cacheSet(ctx.cache, key, next, bytesOf(next));
  return next;
}

const EMPTY = new Float64Array(0);

/** A series with no rows (an unknown metric answers with empty arrays, docs/api.md#scalars). */
export const EMPTY_SERIES: ScalarSeries = {
  length: 0,
  steps: EMPTY,
  globalSteps: EMPTY,
  timestampsMs: EMPTY,
  values: EMPTY,
  valuesNullable: false,
  tag: 'empty',
};

/**
 * The series `name` of a run, in step order: a base column of the step index for `step`, `global_step` and
 * `timestamp` (values in ms for timestamp), else the metric file. Null when the metric does not exist.
 */
export function readScalarSeries(ctx: ReaderContext, runDir: string, name: string): ScalarSeries | null {
  if (BASE_COLUMNS.includes(name)) {
    const c = readStepColumns(ctx, runDir);
    if (!c) return { ...EMPTY_SERIES, valuesNullable: true };
    const v = c.view;
    const values = name === 'step' ? v.steps : name === 'global_step' ? v.globalSteps : v.timestampsMs;
    return { length: c.n, ...v, values, valuesNullable: true, tag: `${c.ino.toString(36)}-${c.n}` };
  }
  // The commit first: the metric then holds at least the rows it covers (it is committed before).
  const committed = committedLastStep(ctx, runDir);
  const c = readMetricColumns(ctx, metricFile(runDir, name));
  if (!c) return null;
  const v = c.view;
  const n = v.steps.length;
  const served =
    committed === null || n === 0 || v.steps[n - 1] <= committed ? n : rowsThrough(v.steps, committed);
  const rows = served === n ? v : viewOf(v, served);
  return { length: served, ...rows, valuesNullable: false, tag: `${c.ino.toString(36)}-${served}` };
}
