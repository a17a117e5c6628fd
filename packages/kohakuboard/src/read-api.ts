/**
 * `kohakuboard/read-api`: what a server needs to mount the viewer's read API behind its own index and access
 * check (docs/server.md#read-api): the plugin and its option types, the run record and the reader
 * pieces that build records from run folders, the task executor, the reader context and the event hub.
 */

export { flatConfigMap } from './reader/config-flatten.js';
export { RunActivityTracker, type RunDataChange } from './reader/run-activity.js';
export { compareDefault, type ProjectInfo, summarizeProject } from './reader/run-index.js';
export { probeRun, type RunProbe, type RunStamps, runStamps } from './reader/run-probe.js';
export { buildRecord, type RunRecord } from './reader/run-record.js';
export type { ReaderContext } from './reader/scalar-source.js';
export { ApiError, errorBody } from './viewer/api-error.js';
export { FEATURES } from './viewer/app.js';
export { EventHub } from './viewer/events/event-hub.js';
export { serverTiming } from './viewer/http/server-timing.js';
export { defaultUiDir, isUiDir, spaFallback, staticUi } from './viewer/http/static-ui.js';
export {
  type AccessCheck,
  ALLOW_ALL,
  type Principal,
  type ReadApiOptions,
  type ReadIndex,
} from './viewer/read-api/options.js';
export { readApiPlugin } from './viewer/read-api/plugin.js';
export { createExecutor, type Executor } from './viewer/worker-pool/executor.js';
export { createReaderContext } from './viewer/worker-pool/tasks.js';
