/**
 * The read API for a server that mounts it (`kohakuboard/read-api`, docs/server.md#read-api): the Fastify
 * plugin and the options it is given (a run index, an access check, the system info, the services it reads
 * with), the route schemas and response types, and the reader pieces a server needs to build run records
 * from run folders, the task executor, the reader context and the event hub.
 */
export { flatConfigMap } from '../../reader/config-flatten.js';
export { RunActivityTracker, type RunDataChange } from '../../reader/run-activity.js';
export { compareDefault, type ProjectInfo, summarizeProject } from '../../reader/run-index.js';
export { probeRun, type RunProbe, type RunStamps, runStamps } from '../../reader/run-probe.js';
export { buildRecord, type RunRecord } from '../../reader/run-record.js';
export type { ReaderContext } from '../../reader/scalar-source.js';
export { ApiError, errorBody } from '../api-error.js';
export { FEATURES } from '../app.js';
export { EventHub } from '../events/event-hub.js';
export { serverTiming } from '../http/server-timing.js';
export { defaultUiDir, isUiDir, spaFallback, staticUi } from '../http/static-ui.js';
export { createExecutor, type Executor } from '../worker-pool/executor.js';
export { createReaderContext } from '../worker-pool/tasks.js';
export type * from './api-types.js';
export {
  type AccessCheck,
  ALLOW_ALL,
  type Principal,
  type ReadApiOptions,
  type ReadIndex,
} from './options.js';
export { readApiPlugin } from './plugin.js';
export * as schemas from './schemas.js';
