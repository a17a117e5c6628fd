/**
 * Reading what the run index keeps about one run folder: metadata.json, the step summary, the stamps of the
 * files whose change means "re-read" and the last file activity (docs/format.md#run-status). A probe is plain
 * data so that worker threads can build it.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  type JsonValue,
  type RunLocation,
  readMetadataJson,
  runPaths,
  type SqliteDatabase,
  StorageError,
  withReadOnly,
} from '../storage/index.js';
import { errorText } from '../util/error-text.js';
import { type DataRoot, NO_ROOT } from './data-root.js';
import { type FileStamp, fileStamp } from './file-stamp.js';
import { EMPTY_STEP_SUMMARY, readStepSummary, type StepSummary } from './step-summary.js';

/** Configs larger than this are not kept in the index (docs/api.md#run-index). */
export const MAX_INDEXED_CONFIG_BYTES = 64 * 1024;

export interface RunStamps {
  metadataJson: FileStamp | null;
  metadataDb: FileStamp | null;
  metadataDbWal: FileStamp | null;
}

export interface RunProbe {
  location: RunLocation;
  /** Parsed metadata.json; null when it could not be parsed (a Python writer may be rewriting it). */
  metadata: Record<string, JsonValue> | null;
  /** True when metadata.config was left out of `metadata` because it is too large to index. */
  configOmitted: boolean;
  steps: StepSummary;
  stamps: RunStamps;
  /** Max mtime of metadata.json and every *.db / *.db-wal of the run; only when `activity` was asked for. */
  fileActivityMs: number | null;
  /** Why the step index could not be read, if it could not. */
  problem: string | null;
}

export type DbRunner = <T>(path: string, fn: (db: SqliteDatabase) => T) => T;

export interface ProbeOptions {
  /** The previous probe of the same run: has_global_step is then updated from new rows only. */
  previous?: RunProbe | null;
  /** How to run a query on a file (default: open read-only, run, close). */
  withDb?: DbRunner;
  /** Compute fileActivityMs even when the status does not depend on it. */
  activity?: boolean;
  /** The data directory the run's files must resolve into (default: no check). */
  root?: DataRoot;
}

export function runStamps(runDir: string): RunStamps {
  const p = runPaths(runDir);
  return {
    metadataJson: fileStamp(p.metadataJson),
    metadataDb: fileStamp(p.metadataDb),
    metadataDbWal: fileStamp(`${p.metadataDb}-wal`),
  };
}

/**
 * Opening a WAL database read-only creates an empty `-wal` (and `-shm`) when none exists
 * (docs/format.md#reading-safely). That is this reader's doing, not new data, so a `-wal` that appeared empty
 * during the probe is taken into the stamps; otherwise the next look would see a "change" in every run.
 */
function afterOwnOpen(dir: string, before: RunStamps): RunStamps {
  if (before.metadataDbWal !== null || before.metadataDb === null) return before;
  const wal = fileStamp(`${runPaths(dir).metadataDb}-wal`);
  return wal !== null && wal.size === 0 ? { ...before, metadataDbWal: wal } : before;
}

/** Whether a run's derived status depends on its last activity (docs/format.md#run-status). */
export function statusNeedsActivity(metadata: Record<string, unknown> | null): boolean {
  if (!metadata) return false;
  if (typeof metadata.status === 'string') return metadata.status === 'running';
  return 'finished_at' in metadata && (metadata.finished_at === null || metadata.finished_at === undefined);
}

function maxMtime(dir: string, acc: number): number {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return acc;
  }
  for (const name of names) {
    if (!name.endsWith('.db') && !name.endsWith('.db-wal')) continue;
    try {
      const m = statSync(join(dir, name)).mtimeMs;
      if (m > acc) acc = m;
    } catch {
      /* removed meanwhile */
    }
  }
  return acc;
}

/** Max mtime of metadata.json and of every *.db and *.db-wal file of a run (docs/format.md#run-status). */
export function fileActivity(runDir: string): number | null {
  const p = runPaths(runDir);
  let acc = fileStamp(p.metadataJson)?.mtimeMs ?? 0;
  for (const dir of [p.dataDir, p.metricsDir, p.histogramsDir, p.tensorsDir, p.mediaDir])
    acc = maxMtime(dir, acc);
  return acc > 0 ? Math.floor(acc) : null;
}

function withoutLargeConfig(
  metadata: Record<string, JsonValue>,
  fileSize: number,
): { metadata: Record<string, JsonValue>; omitted: boolean } {
  if (fileSize <= MAX_INDEXED_CONFIG_BYTES || metadata.config === undefined)
    return { metadata, omitted: false };
  if (JSON.stringify(metadata.config).length <= MAX_INDEXED_CONFIG_BYTES) return { metadata, omitted: false };
  const copy = { ...metadata };
  delete copy.config;
  return { metadata: copy, omitted: true };
}

/** Probes one run folder. Throws StorageError('ENOTRUN') when metadata.json is gone. */
export function probeRun(location: RunLocation, options: ProbeOptions = {}): RunProbe {
  const dir = location.dir;
  const root = options.root ?? NO_ROOT;
  const stamps = runStamps(dir);
  if (stamps.metadataJson === null) throw new StorageError('ENOTRUN', dir, 'metadata.json is missing');
  // A folder or metadata.json that links out of the data directory is not a run of it.
  if (!root.contains(dir) || !root.contains(runPaths(dir).metadataJson)) {
    throw new StorageError('ENOTRUN', root.name(dir), 'the run folder links outside the data directory');
  }
  let metadata: Record<string, JsonValue> | null = null;
  let configOmitted = false;
  let problem: string | null = null;
  try {
    const parsed = withoutLargeConfig(readMetadataJson(dir), stamps.metadataJson.size);
    metadata = parsed.metadata;
    configOmitted = parsed.omitted;
  } catch (err) {
    if (err instanceof StorageError && err.code === 'ENOTRUN') throw err;
    problem = errorText(err);
    // A half-written metadata.json: keep what the previous probe knew until the next change.
    metadata = options.previous?.metadata ?? null;
    configOmitted = options.previous?.configOmitted ?? false;
  }
  let steps = EMPTY_STEP_SUMMARY;
  if (stamps.metadataDb !== null) {
    try {
      const run: DbRunner =
        options.withDb ??
        (<T>(path: string, fn: (db: SqliteDatabase) => T): T => {
          root.checkDatabase(path);
          return withReadOnly(path, fn);
        });
      steps = run(runPaths(dir).metadataDb, (db) => readStepSummary(db, options.previous?.steps));
    } catch (err) {
      problem = errorText(err);
      steps = options.previous?.steps ?? EMPTY_STEP_SUMMARY;
    }
  }
  const fileActivityMs = options.activity || statusNeedsActivity(metadata) ? fileActivity(dir) : null;
  return {
    location,
    metadata,
    configOmitted,
    steps,
    stamps: afterOwnOpen(dir, stamps),
    fileActivityMs,
    problem,
  };
}
