/**
 * Between a run folder, its row in `runs` and the read API's RunRecord. The scanner probes a folder with the
 * viewer's reader and stores the record's index values in the row; every process builds the same record
 * back from the row, so the values a listing shows are those `kobo open` shows for the same folder.
 */
import { join } from 'node:path';
import { buildRecord, flatConfigMap, type RunProbe, type RunRecord } from 'kohakuboard/read-api';
import {
  type JsonValue,
  parseIsoToMs,
  parseTolerantJson,
  splitRunFolderName,
  stringifyDialectJson,
} from 'kohakuboard/storage';
import type { RunRow, RunSource, RunVisibility } from '../db/schema.js';

/** Configs larger than this are not stored in the row (read from metadata.json when needed). */
export const MAX_ROW_CONFIG_BYTES = 64 * 1024;

/** The server's facts about a run, beside the read API's record. */
export interface RunFacts {
  pk: number;
  projectId: number;
  visibility: RunVisibility;
  source: RunSource;
  createdBy: number | null;
  dataVersion: number;
}

export interface ServerRun extends RunRecord {
  readonly facts: RunFacts;
}

export function isServerRun(r: RunRecord): r is ServerRun {
  return (r as Partial<ServerRun>).facts !== undefined;
}

/** The index columns of a run, from a probe of its folder. */
export type IndexColumns = Pick<
  RunRow,
  | 'name'
  | 'annotation'
  | 'created_at'
  | 'finished_at'
  | 'status'
  | 'last_activity_ms'
  | 'last_step'
  | 'first_ts_ms'
  | 'last_ts_ms'
  | 'has_global_step'
  | 'config_json'
>;

export function indexColumns(dataDir: string, probe: RunProbe, staleAfterMs: number): IndexColumns {
  const r = buildRecord(dataDir, probe, probe.location.runId, Date.now(), staleAfterMs, Date.now());
  let configJson: string | null = null;
  if (r.config !== undefined) {
    const text = stringifyDialectJson(r.config);
    if (Buffer.byteLength(text) <= MAX_ROW_CONFIG_BYTES) configJson = text;
  }
  return {
    name: r.name,
    annotation: r.annotation,
    created_at: r.createdAt,
    finished_at: typeof r.finishedAt === 'string' ? r.finishedAt : null,
    status: r.status,
    last_activity_ms: r.lastActivityMs,
    last_step: r.lastStep,
    first_ts_ms: r.firstTimestampMs,
    last_ts_ms: r.updatedAtMs,
    has_global_step: r.hasGlobalStep ? 1 : 0,
    config_json: configJson,
  };
}

/** Running and stale depend on the time since the last activity; other statuses are as stored. */
export function currentStatus(
  stored: string | null,
  lastActivityMs: number | null,
  now: number,
  staleAfterMs: number,
): RunRecord['status'] {
  if (stored === 'running' || stored === 'stale') {
    return lastActivityMs === null || now - lastActivityMs > staleAfterMs ? 'stale' : 'running';
  }
  return (stored ?? 'unknown') as RunRecord['status'];
}

function parseConfig(text: string | null): JsonValue | undefined {
  if (text === null) return undefined;
  try {
    return parseTolerantJson(text);
  } catch {
    return undefined;
  }
}

/** The read API's record of a run row. `projectKey` is `owner/name`. */
export function recordFromRow(
  row: RunRow,
  projectKey: string,
  dataDir: string,
  staleAfterMs: number,
  now = Date.now(),
): ServerRun {
  const folderName = row.folder.slice(row.folder.lastIndexOf('/') + 1);
  const { runId: runIdPart, annotation } = splitRunFolderName(folderName);
  const config = parseConfig(row.config_json);
  const dir = join(dataDir, ...row.folder.split('/'));
  const layout = row.folder.startsWith('users/') ? 'users' : row.folder.includes('/') ? 'project' : 'legacy';
  const location = {
    project: projectKey,
    dir,
    folder: folderName,
    runId: runIdPart,
    annotation,
    layout,
    owner: null,
  } as const;
  const steps = {
    lastStep: row.last_step,
    firstTimestampMs: row.first_ts_ms,
    lastTimestampMs: row.last_ts_ms,
    hasGlobalStep: row.has_global_step === 1,
  };
  // The reader's probe type is required by the record; the server keeps no stamps in it (the scanner has its own).
  const probe: RunProbe = {
    location,
    metadata: null,
    configOmitted: config === undefined,
    steps,
    stamps: { metadataJson: null, metadataDb: null, metadataDbWal: null },
    fileActivityMs: row.last_activity_ms,
    problem: null,
  };
  return {
    key: row.folder,
    project: projectKey,
    folder: folderName,
    runIdPart,
    runId: row.run_id,
    annotation,
    dir,
    layout,
    // Null: /metadata and the summary read metadata.json itself.
    metadata: null,
    configOmitted: config === undefined,
    name: row.name,
    createdAt: row.created_at,
    createdAtMs: parseIsoToMs(row.created_at),
    finishedAt: row.finished_at,
    config,
    flatConfig: config === undefined ? null : flatConfigMap(config),
    lastStep: row.last_step,
    updatedAtMs: row.last_ts_ms,
    firstTimestampMs: row.first_ts_ms,
    hasGlobalStep: row.has_global_step === 1,
    lastActivityMs: row.last_activity_ms,
    status: currentStatus(row.status, row.last_activity_ms, now, staleAfterMs),
    changedAtMs: now,
    probe,
    facts: {
      pk: row.id,
      projectId: row.project_id,
      visibility: row.visibility,
      source: row.source,
      createdBy: row.created_by,
      dataVersion: Number(row.data_version),
    },
  };
}
