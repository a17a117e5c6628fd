/**
 * Syncs one run folder to a server: requests cut from what lies past the cursors are sent one at a time,
 * the blobs the server lacks follow each answer, the changed log files come last, and the cursors are
 * saved in `sync_state.json` after every acknowledged request (docs/sync.md#cursors). Running it again on
 * an unchanged run sends nothing.
 */

import { SyncError } from './errors.js';
import { type Answer, DEFAULT_RETRY_DELAYS_MS, type FetchLike, SyncHttp } from './http-client.js';
import { uploadChangedLogs } from './log-upload.js';
import { uploadMissingMedia } from './media-upload.js';
import { countPendingRows } from './pending-rows.js';
import { type BuiltRequest, buildLogRequest, moveCursorsPast } from './request-builder.js';
import { diskRunSource } from './run-source.js';
import { resolveRunTarget } from './run-target.js';
import { freshSyncState, readSyncState, type SyncState, writeSyncState } from './sync-state.js';

export const DEFAULT_MAX_BODY_BYTES = 16 * 1024 * 1024;
const MIN_BODY_BYTES = 64 * 1024;

export interface SyncRunOptions {
  remoteUrl: string;
  token: string;
  /** `owner/name` or a bare name (the caller's project); default: the run's own project. */
  project?: string | null;
  maxBodyBytes?: number;
  maxRetries?: number;
  retryDelaysMs?: number[];
  fetch?: FetchLike;
  signal?: AbortSignal;
  onProgress?: (progress: SyncProgress) => void;
  onWarning?: (message: string) => void;
  /** Upload the changed log files too (default true; the live sync does so at most once a minute). */
  uploadLogs?: boolean;
}

export interface SyncProgress {
  rowsSent: number;
  /** Rows that were past the cursors when the sync began (rows logged meanwhile are sent too). */
  rowsTotal: number;
  bytesSent: number;
  requests: number;
}

export interface SyncReport {
  runDir: string;
  project: string;
  runId: string;
  /** `/log` requests sent. */
  requests: number;
  rows: number;
  /** Bytes of every request body sent (log bodies, blobs, log files). */
  bytes: number;
  mediaUploaded: number;
  logsUploaded: string[];
  /** Items the server refused for good (`rejected` of its answers). */
  rejected: string[];
  /** Blobs still missing on the server. */
  missingMedia: string[];
}

/** Syncs a run folder; throws SyncError when a request fails for good (what was acknowledged stays saved). */
export async function syncRun(runDir: string, options: SyncRunOptions): Promise<SyncReport> {
  const remoteUrl = options.remoteUrl.replace(/\/+$/, '');
  const target = resolveRunTarget(runDir, options.project ?? null);
  const stateTarget = { remoteUrl, project: target.project, runId: target.runId };
  let state = readSyncState(target.runDir, stateTarget);
  const http = new SyncHttp({
    remoteUrl,
    token: options.token,
    project: target.project,
    runId: target.runId,
    maxRetries: options.maxRetries ?? DEFAULT_RETRY_DELAYS_MS.length,
    retryDelaysMs: options.retryDelaysMs,
    fetch: options.fetch,
    signal: options.signal,
    onRetry: (what, reason, waitMs) =>
      options.onWarning?.(`${reason}; trying ${what} again in ${(waitMs / 1000).toFixed(0)} s`),
  });
  const report: SyncReport = {
    runDir: target.runDir,
    project: target.project,
    runId: target.runId,
    requests: 0,
    rows: 0,
    bytes: 0,
    mediaUploaded: 0,
    logsUploaded: [],
    rejected: [],
    missingMedia: [],
  };
  const rowsTotal = countPendingRows(target.runDir, state.cursors);
  const progress = () =>
    options.onProgress?.({
      rowsSent: report.rows,
      rowsTotal,
      bytesSent: report.bytes,
      requests: report.requests,
    });
  const save = () => writeSyncState(target.runDir, state);
  let maxBody = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const triedMedia = new Set<string>();
  let serverLogHashes: Record<string, string> = {};
  let restarted = false;

  const uploadMedia = async (hashes: string[]) => {
    const fresh = hashes.filter((h) => !triedMedia.has(h));
    for (const h of fresh) triedMedia.add(h);
    const r = await uploadMissingMedia(http, target.runDir, fresh);
    report.mediaUploaded += r.uploaded;
    report.bytes += r.bytes;
    for (const p of r.problems) options.onWarning?.(`${target.runDir}: ${p}`);
    const failed = new Set(r.failed);
    state.cursors.missing_media = [
      ...new Set([...state.cursors.missing_media.filter((h) => !fresh.includes(h)), ...failed]),
    ];
  };

  const source = diskRunSource(target.runDir);
  for (;;) {
    const built = buildLogRequest(source, state.cursors, {
      maxBodyBytes: maxBody,
      forceMetadata: !state.metadata_synced,
    });
    if (!built) break;
    let answer: Answer;
    try {
      answer = await http.postLog(built.body);
    } catch (err) {
      if (err instanceof SyncError && err.code === 'too_large' && maxBody > MIN_BODY_BYTES) {
        maxBody = Math.max(MIN_BODY_BYTES, Math.floor(maxBody / 2));
        options.onWarning?.(`the server refused a request as too large; sending at most ${maxBody} bytes`);
        continue;
      }
      // The server lost the run (or another server took its address): send it whole once more.
      if (err instanceof SyncError && err.serverCode === 'metadata_required' && !restarted) {
        restarted = true;
        state = freshSyncState(stateTarget);
        continue;
      }
      throw err;
    }
    if (answer.status !== 200 || typeof answer.json !== 'object' || answer.json === null)
      throw new SyncError('invalid_answer', `POST /log to ${remoteUrl}: unexpected answer ${answer.status}`);
    report.requests++;
    report.rows += built.rows;
    report.bytes += built.bytes;
    const before = JSON.stringify(state.cursors);
    applyAnswer(state, built, answer.json, report, options.onWarning);
    const moved = JSON.stringify(state.cursors) !== before;
    const missing = Array.isArray(answer.json.missing_media) ? (answer.json.missing_media as string[]) : [];
    // Saved with the cursors that pass their media rows: a sync cut off before the blobs are uploaded
    // still knows them, and the next one sends them.
    state.cursors.missing_media = [
      ...new Set([...state.cursors.missing_media, ...missing.filter((h) => !triedMedia.has(h))]),
    ];
    save();
    if (!moved)
      throw new SyncError(
        'invalid_answer',
        `${target.runDir}: the server's answer moved no cursor; stopping`,
      );
    if (answer.json.log_hashes && typeof answer.json.log_hashes === 'object')
      serverLogHashes = answer.json.log_hashes;
    await uploadMedia(missing);
    save();
    progress();
  }
  // Blobs a previous sync could not upload.
  if (state.cursors.missing_media.length) {
    await uploadMedia([...state.cursors.missing_media]);
    save();
  }
  if (options.uploadLogs !== false) {
    const logs = await uploadChangedLogs(http, target.runDir, state, serverLogHashes, save);
    report.logsUploaded = logs.uploaded;
    report.bytes += logs.bytes;
  }
  report.missingMedia = [...state.cursors.missing_media];
  progress();
  return report;
}

type AnswerJson = {
  cursors?: { scalars?: Record<string, number>; histograms?: Record<string, number> } | null;
  rejected?: Array<{ source: string; name: string | null; code: string; message: string; expected?: number }>;
  errors?: string[] | null;
};

/**
 * Moves the cursors past what was sent, or to the server's own cursor where it is further on (rows it
 * already held), or back to what it expects on an `offset_gap`. Items refused for good are passed over:
 * sending them again cannot help.
 */
function applyAnswer(
  state: SyncState,
  built: BuiltRequest,
  json: AnswerJson,
  report: SyncReport,
  onWarning?: (message: string) => void,
): void {
  const c = state.cursors;
  const a = built.advance;
  const gaps = new Map<string, number>();
  for (const r of json.rejected ?? []) {
    if (r.code === 'offset_gap' && typeof r.expected === 'number')
      gaps.set(`${r.source}:${r.name}`, r.expected);
    else {
      const line = `${r.source}${r.name ? ` "${r.name}"` : ''}: ${r.code}: ${r.message}`;
      report.rejected.push(line);
      onWarning?.(`the server refused ${line}`);
    }
  }
  if (!json.rejected) for (const e of json.errors ?? []) report.rejected.push(e);
  moveCursorsPast(c, a);
  const server = json.cursors ?? null;
  for (const [stem, { name, to }] of a.metrics) {
    const gap = gaps.get(`scalars:${name}`);
    const stored = server?.scalars?.[name];
    c.metrics[stem] = gap ?? (typeof stored === 'number' ? Math.max(stored, to) : to);
  }
  for (const [stem, to] of a.histograms) {
    const gap = gaps.get(`histograms:${stem}`);
    const stored = server?.histograms?.[stem];
    c.histograms[stem] = gap ?? (typeof stored === 'number' ? Math.max(stored, to) : to);
  }
  if (a.metadataHash !== null) state.metadata_synced = true;
  if (a.maxStep !== null) state.last_synced_step = Math.max(state.last_synced_step, a.maxStep);
  state.last_tensor_rowid = c.tensors > 0 ? c.tensors : -1;
  state.last_kernel_density_rowid = c.kernel_density > 0 ? c.kernel_density : -1;
  state.last_sync_at = new Date().toISOString();
}
