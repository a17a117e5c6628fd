/** Remote sync of run folders (docs/sync.md): the core that `kobo sync` runs. */
export * from './errors.js';
export { DEFAULT_RETRY_DELAYS_MS, type FetchLike } from './http-client.js';
export { resolveRunTarget } from './run-target.js';
export {
  DEFAULT_MAX_BODY_BYTES,
  type SyncProgress,
  type SyncReport,
  type SyncRunOptions,
  syncRun,
} from './sync-run.js';
export { readSyncState, SYNC_STATE_FILE, type SyncState } from './sync-state.js';
