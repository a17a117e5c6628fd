/**
 * What the run index needs from a run's step index (docs/format.md#row-meanings), from indexed queries only:
 * the last step, the first and last timestamps and whether any global_step is non-zero. has_global_step is
 * updated from the new rows only (docs/api.md#summary), so a growing run never rescans its whole step table.
 */
import {
  readSnapshot,
  readStepIndexEnds,
  type SqliteDatabase,
  stepIndexHasGlobalStep,
} from '../storage/index.js';

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

/**
 * Reads the summary. With `previous` (the summary of an earlier read of the same file) only rows after its
 * last step are searched for a non-zero global_step.
 */
export function readStepSummary(db: SqliteDatabase, previous?: StepSummary | null): StepSummary {
  return readSnapshot(db, () => {
    const ends = readStepIndexEnds(db);
    if (ends === null) return EMPTY_STEP_SUMMARY;
    let hasGlobalStep: boolean;
    if (previous?.hasGlobalStep) hasGlobalStep = true;
    else if (previous && previous.lastStep !== null && previous.lastStep <= ends.lastStep) {
      hasGlobalStep = stepIndexHasGlobalStep(db, previous.lastStep);
    } else {
      hasGlobalStep = stepIndexHasGlobalStep(db);
    }
    return {
      lastStep: ends.lastStep,
      firstTimestampMs: ends.firstTimestamp,
      lastTimestampMs: ends.lastTimestamp,
      hasGlobalStep,
    };
  });
}
