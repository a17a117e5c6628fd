/**
 * The summary of one metric of a run (docs/api.md#metric-summaries): how many rows it has, its last value and
 * step, and its smallest and largest value over the whole series, over exactly the rows the scalar route
 * serves (those up to the step index's last step). The metric file is read in chunks and the series is
 * never held; given the summary of an earlier read of the same file, only the rows after it are read, so a
 * growing run costs its new tail, not its whole series.
 *
 * Values: NaN is left out of min and max (a series of NaN only has null min and max) but is the last value
 * when the last row holds it; +Infinity and -Infinity are values like any other for all three.
 */
import {
  metricRowCount,
  readLastStepRow,
  readMetricSeries,
  runPaths,
  type SqliteDatabase,
} from '../storage/index.js';
import { fileStamp } from './file-stamp.js';
import { committedLastStep, metricFile, type ReaderContext } from './scalar-source.js';

export interface MetricSummary {
  /** Rows summarized: the rows the scalar route serves. */
  count: number;
  /** The value of the last row in step order (equal steps: the one logged last); null without rows. */
  last: number | null;
  lastStep: number | null;
  /** Smallest and largest value that is not NaN; null when there is none. */
  min: number | null;
  max: number | null;
}

/** A summary with what extending it needs: the file it was read from and how far. */
export interface MetricSummaryState extends MetricSummary {
  /** Inode of the metric file: another inode (a rewritten file) means reading it again from the start. */
  ino: number;
  /** Leading rows of the file read so far; rows past the step index's last step are read later. */
  rows: number;
}

/** Rows decoded at a time: the memory a summary needs whatever the length of the series. */
const CHUNK_ROWS = 65_536;

const emptyState = (ino: number): MetricSummaryState => ({
  ino,
  rows: 0,
  count: 0,
  last: null,
  lastStep: null,
  min: null,
  max: null,
});

/** Folds rows [from, total) of a metric file into `s`, stopping at the first row past `committed`. */
function foldRows(
  db: SqliteDatabase,
  file: string,
  s: MetricSummaryState,
  total: number,
  committed: number | null,
): void {
  while (s.rows < total) {
    const chunk = readMetricSeries(db, file, s.rows, Math.min(total, s.rows + CHUNK_ROWS));
    const steps = chunk.step;
    const values = chunk.value;
    const n = steps.length;
    if (n === 0) return;
    for (let i = 0; i < n; i++) {
      const step = steps[i];
      // Rows of a flush whose step index has not been committed are not served yet (scalar-source.ts).
      if (committed !== null && step > committed) {
        s.rows += i;
        return;
      }
      const v = values[i];
      s.count++;
      if (s.lastStep === null || step >= s.lastStep) {
        s.lastStep = step;
        s.last = v;
      }
      if (!Number.isNaN(v)) {
        if (s.min === null || v < s.min) s.min = v;
        if (s.max === null || v > s.max) s.max = v;
      }
    }
    s.rows += n;
  }
}

/**
 * The summary of metric `name` of a run, extending `previous` (an earlier summary of the same metric) when
 * the file is the same one and has not shrunk. Null when the run has no such metric.
 */
export function summarizeMetric(
  ctx: ReaderContext,
  runDir: string,
  name: string,
  previous: MetricSummaryState | null = null,
): MetricSummaryState | null {
  const file = metricFile(runDir, name);
  const stamp = fileStamp(file);
  if (!stamp) return null;
  const committed = committedLastStep(ctx, runDir);
  return ctx.handles.use(file, (db) => {
    const total = metricRowCount(db, file);
    const resume = previous !== null && previous.ino === stamp.ino && previous.rows <= total;
    const s = resume ? { ...previous } : emptyState(stamp.ino);
    foldRows(db, file, s, total, committed);
    return s;
  });
}

/** The global_step of the step index's last row (the training step a run has reached); null without one. */
export function lastGlobalStep(ctx: ReaderContext, runDir: string): number | null {
  const file = runPaths(runDir).metadataDb;
  if (!fileStamp(file)) return null;
  return ctx.handles.use(file, (db) => readLastStepRow(db)?.globalStep ?? null);
}
