/**
 * Reading TensorBoard log directories (docs/tensorboard.md): a one-shot import into a data directory, and
 * following a log directory live for the viewer.
 */
export {
  cacheDirFor,
  DEFAULT_POLL_MS,
  type FollowOptions,
  followLogDir,
  type TensorBoardFollow,
} from './follow.js';
export { ImportLockedError } from './import-lock.js';
export type { ImportWarning, ImportWarningCode, RunPassStats } from './import-report.js';
export {
  defaultProject,
  importLogDir,
  type LogDirImportOptions,
  type LogDirImportResult,
  resolveLogDir,
  TensorBoardImportError,
} from './logdir-import.js';
export { findTensorBoardRuns, holdsEventFiles } from './run-discovery.js';
export type { MappedKind } from './summary-mapping.js';
