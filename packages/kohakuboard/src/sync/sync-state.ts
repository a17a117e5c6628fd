/**
 * `sync_state.json` in a run folder (docs/sync.md#sync-state): what the server has acknowledged, per
 * source. Written atomically after every acknowledged request, so an interrupted sync resumes there.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../storage/index.js';

export const SYNC_STATE_FILE = 'sync_state.json';

export interface SyncCursors {
  /** Rows acknowledged per metric file stem. */
  metrics: Record<string, number>;
  /** Rows acknowledged per histogram file stem. */
  histograms: Record<string, number>;
  media: number;
  tables: number;
  tensors: number;
  kernel_density: number;
  /** The highest step row sent, or null. */
  steps: number | null;
  /** SHA-256 of the `metadata.json` text last acknowledged. */
  metadata_hash: string | null;
  /** Blobs the server still lacks after the last attempt (`<hash>`). */
  missing_media: string[];
}

export interface SyncState {
  last_synced_step: number;
  metadata_synced: boolean;
  last_sync_at: string | null;
  remote_url: string;
  project: string;
  run_id: string;
  last_tensor_rowid: number;
  last_kernel_density_rowid: number;
  cursors: SyncCursors;
  [logHash: `log_hash_${string}`]: string;
}

export interface SyncTarget {
  remoteUrl: string;
  project: string;
  runId: string;
}

export function freshSyncState(target: SyncTarget): SyncState {
  return {
    last_synced_step: -1,
    metadata_synced: false,
    last_sync_at: null,
    remote_url: target.remoteUrl,
    project: target.project,
    run_id: target.runId,
    last_tensor_rowid: -1,
    last_kernel_density_rowid: -1,
    cursors: {
      metrics: {},
      histograms: {},
      media: 0,
      tables: 0,
      tensors: 0,
      kernel_density: 0,
      steps: null,
      metadata_hash: null,
      missing_media: [],
    },
  };
}

const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const num = (v: unknown, fallback: number) =>
  typeof v === 'number' && Number.isSafeInteger(v) ? v : fallback;

function counts(v: unknown): Record<string, number> {
  const out: Record<string, number> = {};
  if (isObj(v)) for (const [k, n] of Object.entries(v)) if (typeof n === 'number' && n >= 0) out[k] = n;
  return out;
}

/**
 * The state of a run for a target. A missing or unreadable file, or one written for another server, project
 * or run id, starts afresh: cursors of another server say nothing about this one.
 */
export function readSyncState(runDir: string, target: SyncTarget): SyncState {
  const fresh = freshSyncState(target);
  const file = join(runDir, SYNC_STATE_FILE);
  if (!existsSync(file)) return fresh;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return fresh;
  }
  if (
    !isObj(raw) ||
    raw.remote_url !== target.remoteUrl ||
    raw.project !== target.project ||
    raw.run_id !== target.runId
  )
    return fresh;
  const c = isObj(raw.cursors) ? raw.cursors : {};
  const state: SyncState = {
    ...fresh,
    last_synced_step: num(raw.last_synced_step, -1),
    metadata_synced: raw.metadata_synced === true,
    last_sync_at: typeof raw.last_sync_at === 'string' ? raw.last_sync_at : null,
    last_tensor_rowid: num(raw.last_tensor_rowid, -1),
    last_kernel_density_rowid: num(raw.last_kernel_density_rowid, -1),
    cursors: {
      metrics: counts(c.metrics),
      histograms: counts(c.histograms),
      media: num(c.media, 0),
      tables: num(c.tables, 0),
      tensors: num(c.tensors, 0),
      kernel_density: num(c.kernel_density, 0),
      steps: typeof c.steps === 'number' ? c.steps : null,
      metadata_hash: typeof c.metadata_hash === 'string' ? c.metadata_hash : null,
      missing_media: Array.isArray(c.missing_media)
        ? c.missing_media.filter((h): h is string => typeof h === 'string')
        : [],
    },
  };
  for (const [k, v] of Object.entries(raw))
    if (k.startsWith('log_hash_') && typeof v === 'string') state[k as `log_hash_${string}`] = v;
  return state;
}

export function writeSyncState(runDir: string, state: SyncState): void {
  writeFileAtomic(join(runDir, SYNC_STATE_FILE), `${JSON.stringify(state, null, 2)}\n`);
}
