/**
 * What request handling needs to know about a run, as plain data that can be sent to a worker thread.
 */

import type { RunRecord } from '../reader/run-record.js';
import type { JsonValue, RunStatus } from '../storage/index.js';

export interface RunRef {
  dir: string;
  project: string;
  /** The folder's run_id part. */
  runIdPart: string;
  /** The run_id that listings report (the folder name when the part is not unique). */
  runId: string;
  folder: string;
  annotation: string | null;
  metadata: Record<string, JsonValue> | null;
  configOmitted: boolean;
  name: string;
  createdAt: string | null;
  createdAtMs: number | null;
  finishedAt: JsonValue;
  status: RunStatus;
  lastStep: number | null;
  hasGlobalStep: boolean;
  firstTimestampMs: number | null;
  updatedAtMs: number | null;
  lastActivityMs: number | null;
}

/**
 * The plain-data form of a record; `dir` is where the index says the run lies (docs/api.md#read-api-plugin
 * `runDir`).
 */
export function runRef(r: RunRecord, dir: string): RunRef {
  return {
    dir,
    project: r.project,
    runIdPart: r.runIdPart,
    runId: r.runId,
    folder: r.folder,
    annotation: r.annotation,
    metadata: r.metadata,
    configOmitted: r.configOmitted,
    name: r.name,
    createdAt: r.createdAt,
    createdAtMs: r.createdAtMs,
    finishedAt: r.finishedAt,
    status: r.status,
    lastStep: r.lastStep,
    hasGlobalStep: r.hasGlobalStep,
    firstTimestampMs: r.firstTimestampMs,
    updatedAtMs: r.updatedAtMs,
    lastActivityMs: r.lastActivityMs,
  };
}
