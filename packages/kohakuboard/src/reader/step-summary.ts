/**
 * What the run index needs from a run's step index (STORAGE.md §4.4), from indexed queries only: the last
 * step, the first and last timestamps and whether any global_step is non-zero. has_global_step is updated
 * from the new rows only (API.md §A.7), so a growing run never rescans its whole step table.
 */
import { hasTable, type SqliteDatabase } from '../storage/index.js';

export interface StepSummary {
  lastStep: number | null;
  firstTimestampMs: number | null;
  lastTimestampMs: number | null;
  hasGlobalStep: boolean;
}

export const EMPTY_STEP_SUMMARY: StepSummary = {
  lastStep: null,
  firstTimestampMs: null,
  lastTimestampMs: null,
  hasGlobalStep: false,
};

const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

/**
 * Reads the summary. With `previous` (the summary of an earlier read of the same file) only rows after its
 * last step are searched for a non-zero global_step.
 */
export function readStepSummary(db: SqliteDatabase, previous?: StepSummary | null): StepSummary {
  if (!hasTable(db, 'steps')) return EMPTY_STEP_SUMMARY;
  return db.transaction(() => {
    const lastStep = num(db.prepare('SELECT max(step) FROM steps').pluck().get());
    if (lastStep === null) return EMPTY_STEP_SUMMARY;
    const first = num(db.prepare('SELECT timestamp FROM steps ORDER BY step LIMIT 1').pluck().get());
    const last = num(db.prepare('SELECT timestamp FROM steps ORDER BY step DESC LIMIT 1').pluck().get());
    let hasGlobalStep: boolean;
    if (previous?.hasGlobalStep) hasGlobalStep = true;
    else if (previous && previous.lastStep !== null && previous.lastStep <= lastStep) {
      hasGlobalStep =
        db
          .prepare('SELECT 1 FROM steps WHERE step > ? AND global_step != 0 LIMIT 1')
          .get(previous.lastStep) !== undefined;
    } else {
      hasGlobalStep = db.prepare('SELECT 1 FROM steps WHERE global_step != 0 LIMIT 1').get() !== undefined;
    }
    return { lastStep, firstTimestampMs: first, lastTimestampMs: last, hasGlobalStep };
  })();
}
