/**
 * The live sync's own thread (docs/sync.md#live-sync): runs the sync core on the run folder every
 * `intervalS` seconds, so that the training thread never waits for it. A failed cycle is tried again after
 * 1, 2, 4, 8 and 16 s, then every 30 s; log files go at most once a minute. `finish` runs a last sync
 * bounded by its deadline, logs included, and reports.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { errorText } from '../util/error-text.js';
import { SyncError } from './errors.js';
import { DEFAULT_RETRY_DELAYS_MS } from './http-client.js';
import { syncRun } from './sync-run.js';
import type { SyncThreadMessage } from './sync-thread.js';

export interface LiveSyncInit {
  runDir: string;
  remoteUrl: string;
  token: string;
  project: string;
  intervalS: number;
}

const init = workerData as LiveSyncInit;
const port = parentPort!;
let failures = 0;
let stopped = false;
let timer: NodeJS.Timeout | null = null;
let current: Promise<void> = Promise.resolve();
let cycleAbort = new AbortController();
let lastError: string | null = null;
/** Log files are uploaded at most once a minute while the run goes on, and at the end. */
const LOG_UPLOAD_EVERY_MS = 60_000;
let lastLogUpload = 0;

const post = (m: SyncThreadMessage) => port.postMessage(m);

async function cycle(): Promise<void> {
  cycleAbort = new AbortController();
  try {
    await syncRun(init.runDir, {
      remoteUrl: init.remoteUrl,
      token: init.token,
      project: init.project,
      maxRetries: 0,
      signal: cycleAbort.signal,
      onWarning: (message) => post({ type: 'warning', message }),
      uploadLogs: Date.now() - lastLogUpload >= LOG_UPLOAD_EVERY_MS,
    });
    if (Date.now() - lastLogUpload >= LOG_UPLOAD_EVERY_MS) lastLogUpload = Date.now();
    failures = 0;
    lastError = null;
  } catch (err) {
    if (err instanceof SyncError && err.code === 'aborted') return;
    failures++;
    const message = errorText(err);
    // One line per new problem, not one per retry.
    if (message !== lastError) post({ type: 'warning', message: `Remote sync failed: ${message}` });
    lastError = message;
    if (err instanceof SyncError && err.serverCode === 'run_id_conflict') {
      post({ type: 'error', message: `Remote sync stops: ${message}` });
      stopped = true;
    }
  }
}

function schedule(): void {
  if (stopped) return;
  const waitMs = failures
    ? DEFAULT_RETRY_DELAYS_MS[Math.min(failures - 1, DEFAULT_RETRY_DELAYS_MS.length - 1)]
    : init.intervalS * 1000;
  timer = setTimeout(() => {
    current = cycle().then(schedule);
  }, waitMs);
}

port.on('message', async (m: { type: 'finish'; timeoutMs: number }) => {
  if (m.type !== 'finish') return;
  stopped = true;
  if (timer) clearTimeout(timer);
  const deadline = AbortSignal.timeout(m.timeoutMs);
  const onDeadline = () => cycleAbort.abort();
  deadline.addEventListener('abort', onDeadline, { once: true });
  await current;
  try {
    const report = await syncRun(init.runDir, {
      remoteUrl: init.remoteUrl,
      token: init.token,
      project: init.project,
      maxRetries: Number.POSITIVE_INFINITY,
      signal: deadline,
      onWarning: (message) => post({ type: 'warning', message }),
    });
    post({
      type: 'finished',
      ok: report.missingMedia.length === 0,
      message: `Remote sync complete: ${report.rows} rows in ${report.requests} requests to ${init.remoteUrl}${report.missingMedia.length ? `; ${report.missingMedia.length} blobs still missing` : ''}`,
      rowsLeft: 0,
    });
  } catch (err) {
    const message = errorText(err);
    post({ type: 'finished', ok: false, message, rowsLeft: null });
  } finally {
    deadline.removeEventListener('abort', onDeadline);
  }
});

current = cycle().then(schedule);
