/**
 * One run as the housekeeping commands see it: its folder, its project, and its status decided exactly as
 * the viewer decides it (the reader's probe and record: stored status, heartbeat, last step and the
 * modification times of its files, with the staleness threshold). A run whose status is `running` has a
 * live writer, and nothing may change its files (docs/export.md#running-runs).
 */
import { existsSync, lstatSync, realpathSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { fileActivity, probeRun } from '../reader/run-probe.js';
import { buildRecord, type RunRecord } from '../reader/run-record.js';
import {
  deriveRunStatus,
  METADATA_FILE,
  parseIsoToMs,
  type RunLocation,
  type RunStatus,
  readMetadataJson,
  StorageError,
  splitRunFolderName,
} from '../storage/index.js';
import { HousekeepingError } from './errors.js';

export const DEFAULT_STALE_AFTER_MS = 300_000;

/** A run folder given on the command line: resolved, checked to be a run. */
export function requireRunDir(given: string): string {
  const dir = resolve(given);
  let st: ReturnType<typeof lstatSync>;
  try {
    st = lstatSync(dir);
  } catch {
    throw new HousekeepingError('ENOTRUN', `${given}: no such directory`);
  }
  if (!st.isDirectory() && !st.isSymbolicLink())
    throw new HousekeepingError('ENOTRUN', `${given}: not a directory`);
  if (!existsSync(resolve(dir, METADATA_FILE))) {
    throw new HousekeepingError('ENOTRUN', `${given}: not a run folder: metadata.json is missing`);
  }
  return dir;
}

function locationOf(dir: string): RunLocation {
  const folder = basename(dir);
  const { runId, annotation } = splitRunFolderName(folder);
  return { project: basename(dirname(dir)), dir, folder, runId, annotation, layout: 'project', owner: null };
}

/** The reader's record of one run (status, last step, last activity), without any index. */
export function runRecord(dir: string, staleAfterMs = DEFAULT_STALE_AFTER_MS, now = Date.now()): RunRecord {
  const loc = locationOf(dir);
  const probe = probeRun(loc, { activity: true });
  return buildRecord(dirname(dirname(dir)), probe, loc.runId, now, staleAfterMs, now);
}

/**
 * The run's status from metadata.json and file times only — no database is opened, so checking a run
 * leaves it byte for byte as it was: the stored status (or finished_at for Python runs), and as last
 * activity the newest of the heartbeat and the modification times of metadata.json and every database
 * file and -wal (the reader's own rule), against the staleness threshold.
 */
export function liveStatus(
  dir: string,
  staleAfterMs = DEFAULT_STALE_AFTER_MS,
  now = Date.now(),
): { status: RunStatus; lastActivityMs: number | null } {
  let metadata: Record<string, unknown>;
  try {
    metadata = readMetadataJson(dir);
  } catch (err) {
    if (err instanceof StorageError && err.code === 'ENOTRUN') throw err;
    // A metadata.json being rewritten right now: treat the run as live.
    return { status: 'running', lastActivityMs: now };
  }
  const candidates = [parseIsoToMs(metadata.updated_at), fileActivity(dir)];
  const activity = candidates.reduce<number | null>(
    (a, c) => (c !== null && (a === null || c > a) ? c : a),
    null,
  );
  return { status: deriveRunStatus(metadata, activity, now, staleAfterMs), lastActivityMs: activity };
}

/**
 * Refuses a run with a live writer (status `running`: a fresh heartbeat or recent activity). A run that
 * stopped without saying so is `stale` once it has been quiet for staleAfterMs, and may be changed.
 */
export function refuseIfRunning(
  dir: string,
  given: string,
  what: string,
  staleAfterMs = DEFAULT_STALE_AFTER_MS,
): void {
  const { status, lastActivityMs } = liveStatus(dir, staleAfterMs);
  if (status === 'running') {
    const ago =
      lastActivityMs === null
        ? 'unknown'
        : `${Math.max(0, Math.round((Date.now() - lastActivityMs) / 1000))} s ago`;
    throw new HousekeepingError(
      'EBUSY',
      `${given}: the run is being written (status running, last activity ${ago}); ${what} refused until it ends or has been quiet for ${Math.round(staleAfterMs / 1000)} s (--stale-after)`,
    );
  }
}

/** Whether `inner` is `outer` or below it, comparing real paths (symbolic links resolved). */
export function isInside(outer: string, inner: string): boolean {
  const o = realpathSync(outer);
  const i = realpathSync(inner);
  return i === o || i.startsWith(o.endsWith('/') ? o : `${o}/`);
}
