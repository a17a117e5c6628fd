/**
 * Looking after run folders: list them, describe one, prune rows beyond a step, remove to a trash and
 * restore (docs/export.md#housekeeping).
 */
export { diskUsage, formatBytes } from './disk-usage.js';
export { HousekeepingError, type HousekeepingErrorCode } from './errors.js';
export { type PruneFileChange, type PruneOptions, type PruneReport, pruneRun } from './prune.js';
export { finishInterruptedPrune, STAGING_DIR } from './prune-journal.js';
export { type RunInfo, runInfo } from './run-info.js';
export { listRuns, type RunListing, SORT_KEYS, type SortKey } from './run-list.js';
export { DEFAULT_STALE_AFTER_MS, refuseIfRunning, requireRunDir, runRecord } from './run-state.js';
export {
  dataDirOf,
  listTrash,
  type RemoveOptions,
  removeRun,
  removeTree,
  restoreRun,
  TRASH_DIR,
  type TrashEntry,
} from './trash.js';
