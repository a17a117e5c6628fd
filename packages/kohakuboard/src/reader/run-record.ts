/**
 * The run index's record of one run (docs/api.md#run-index): everything the listings, /status and the
 * single-run record need, derived from a probe without opening any database. Records are immutable: a change
 * makes a new record, so caches can key on the object.
 */
import { relative, sep } from 'node:path';
import {
  deriveRunStatus,
  type JsonValue,
  parseIsoToMs,
  type RunLocation,
  type RunStatus,
} from '../storage/index.js';
import { flatConfigMap } from './config-flatten.js';
import type { RunProbe } from './run-probe.js';

export interface RunRecord {
  /** Unique within the index: the folder's path relative to the data directory, with `/`. */
  readonly key: string;
  readonly project: string;
  /** The folder name (`board_id`). */
  readonly folder: string;
  /** The folder's run_id part (docs/api.md#run-resolution). */
  readonly runIdPart: string;
  /**
   * The run_id listings report: the run_id part, or the folder name when the part is not unique
   * (docs/api.md#run-resolution).
   */
  readonly runId: string;
  readonly annotation: string | null;
  readonly dir: string;
  readonly layout: RunLocation['layout'];
  /** Parsed metadata.json (config left out when too large); null when it was never readable. */
  readonly metadata: Record<string, JsonValue> | null;
  readonly configOmitted: boolean;
  readonly name: string;
  readonly createdAt: string | null;
  readonly createdAtMs: number | null;
  readonly finishedAt: JsonValue;
  /** metadata.config, else {}; undefined when omitted from the index (too large). */
  readonly config: JsonValue | undefined;
  /** Flat config keys; null when the config is omitted. */
  readonly flatConfig: Map<string, JsonValue> | null;
  readonly lastStep: number | null;
  /** Time of the latest step (docs/api.md#run-records `updated_at`). */
  readonly updatedAtMs: number | null;
  readonly firstTimestampMs: number | null;
  readonly hasGlobalStep: boolean;
  /** docs/format.md#run-status last activity; null when unknown. */
  readonly lastActivityMs: number | null;
  readonly status: RunStatus;
  /** When the index last saw this run change (or first saw it). */
  readonly changedAtMs: number;
  readonly probe: RunProbe;
}

const isString = (v: unknown): v is string => typeof v === 'string';

/**
 * Last activity (docs/format.md#run-status): heartbeat, time of the last step and file modification
 * times.
 */
export function lastActivity(probe: RunProbe): number | null {
  const candidates = [
    parseIsoToMs(probe.metadata?.updated_at),
    probe.steps.lastTimestampMs,
    probe.fileActivityMs,
    probe.stamps.metadataJson ? Math.floor(probe.stamps.metadataJson.mtimeMs) : null,
  ];
  let best: number | null = null;
  for (const c of candidates) if (c !== null && Number.isFinite(c) && (best === null || c > best)) best = c;
  return best;
}

export function recordKey(baseDir: string, dir: string): string {
  return relative(baseDir, dir).split(sep).join('/');
}

export function buildRecord(
  baseDir: string,
  probe: RunProbe,
  runId: string,
  nowMs: number,
  staleAfterMs: number,
  changedAtMs: number,
): RunRecord {
  const loc = probe.location;
  const meta = probe.metadata;
  const activity = lastActivity(probe);
  const config = probe.configOmitted ? undefined : (meta?.config ?? {});
  return {
    key: recordKey(baseDir, loc.dir),
    project: loc.project,
    folder: loc.folder,
    runIdPart: loc.runId,
    runId,
    annotation: loc.annotation,
    dir: loc.dir,
    layout: loc.layout,
    metadata: meta,
    configOmitted: probe.configOmitted,
    name: isString(meta?.name) && meta.name !== '' ? meta.name : loc.folder,
    createdAt: isString(meta?.created_at) ? meta.created_at : null,
    createdAtMs: parseIsoToMs(meta?.created_at),
    finishedAt: meta?.finished_at ?? null,
    config,
    flatConfig: config === undefined ? null : flatConfigMap(config),
    lastStep: probe.steps.lastStep,
    updatedAtMs: probe.steps.lastTimestampMs,
    firstTimestampMs: probe.steps.firstTimestampMs,
    hasGlobalStep: probe.steps.hasGlobalStep,
    lastActivityMs: activity,
    status: meta ? deriveRunStatus(meta, activity, nowMs, staleAfterMs) : 'unknown',
    changedAtMs,
    probe,
  };
}

/** The same record with another listing run_id or status (no re-read). */
export function withRunId(record: RunRecord, runId: string): RunRecord {
  return record.runId === runId ? record : { ...record, runId };
}

export function withStatus(record: RunRecord, status: RunStatus): RunRecord {
  return record.status === status ? record : { ...record, status };
}

/** Whether two records differ in anything a listing or a run_updated event shows. */
export function visiblyDifferent(a: RunRecord, b: RunRecord): boolean {
  return (
    a.name !== b.name ||
    a.runId !== b.runId ||
    a.annotation !== b.annotation ||
    a.createdAt !== b.createdAt ||
    a.finishedAt !== b.finishedAt ||
    a.status !== b.status ||
    a.lastStep !== b.lastStep ||
    a.updatedAtMs !== b.updatedAtMs ||
    a.probe.stamps.metadataJson?.mtimeMs !== b.probe.stamps.metadataJson?.mtimeMs
  );
}
