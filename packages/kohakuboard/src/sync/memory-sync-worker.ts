/**
 * Memory mode with sync, the sending half (docs/sync.md#memory-mode-with-sync): the thread that receives the
 * writer's hand-overs (images of its databases), cuts them into requests one at a time as they are sent, in
 * order, uploads the blobs the server lacks from those the request's rows name, and drops a hand-over once
 * the server has acknowledged all of it. A failed send is retried (1, 2, 4, 8, 16 s, then every 30 s) until
 * the server takes it or the run's final sync runs out of time; the server's deduplication makes sending a
 * request twice harmless. The logs kept in memory are uploaded when they changed, at most once a minute and
 * at the end.
 */
import { type MessagePort, parentPort, workerData } from 'node:worker_threads';
import { parseTolerantJson } from '../storage/index.js';
import { errorText } from '../util/error-text.js';
import type { HandOverMessage, MemorySnapshot } from '../writer/memory-hand-over.js';
import { SyncError } from './errors.js';
import { SyncHttp } from './http-client.js';
import { jsonText } from './json-text.js';
import { type OpenSnapshot, type OutboxBatch, SnapshotPackager } from './memory-packager.js';
import { sha256Hex } from './run-source.js';
import type { SyncThreadMessage } from './sync-thread.js';

export interface MemorySyncInit {
  /** The run folder the writer's paths stand for (nothing is read or written there). */
  runDir: string;
  remoteUrl: string;
  token: string;
  project: string;
  runId: string;
  /** The writer's side posts OutboxMessages here. */
  port: MessagePort;
  /** Int32Array view: [rows waiting, requests waiting], read by the board when it cannot wait. */
  waiting: SharedArrayBuffer;
}

/** Waiting data above this many bytes gets one warning (the server is away and memory grows). */
const WAITING_WARN_BYTES = 512 * 1024 * 1024;
const LOG_UPLOAD_EVERY_MS = 60_000;

const init = workerData as MemorySyncInit;
const board = parentPort as NonNullable<typeof parentPort>;
const waiting = new Int32Array(init.waiting);
const post = (m: SyncThreadMessage) => board.postMessage(m);

/** Snapshots waiting for their turn, with the rows and bytes they bring. */
const queue: Array<{ snapshot: MemorySnapshot; rows: number; bytes: number }> = [];
/** The snapshot being cut into requests, and the request sent until the server acknowledges it. */
let current: { open: OpenSnapshot; rowsLeft: number; bytes: number } | null = null;
let inflight: OutboxBatch | null = null;
let waitingBytes = 0;
let warnedBytes = false;
let ended = false;
/** Set when the server refused for good: nothing more is sent. */
let stoppedBy: string | null = null;
const abort = new AbortController();
abort.signal.addEventListener('abort', () => wake?.());
let wake: (() => void) | null = null;
const logs = new Map<string, string>();
const sentLogHashes = new Map<string, string>();
let serverLogHashes: Record<string, string> = {};
let lastLogUpload = 0;
let lastWarning: string | null = null;
let requests = 0;
let rowsSent = 0;

const http = new SyncHttp({
  remoteUrl: init.remoteUrl,
  token: init.token,
  project: init.project,
  runId: init.runId,
  maxRetries: Number.POSITIVE_INFINITY,
  signal: abort.signal,
  onRetry: (_what, reason) => warnOnce(`Remote sync failed: ${reason}; retrying`),
});

function warnOnce(message: string): void {
  if (message === lastWarning) return;
  lastWarning = message;
  post({ type: 'warning', message });
}

/** Rows not acknowledged yet, and how many hand-overs hold them. */
function waitingRows(): { rows: number; handOvers: number } {
  let rows = current?.rowsLeft ?? 0;
  for (const q of queue) rows += q.rows;
  return { rows, handOvers: queue.length + (current ? 1 : 0) };
}

function publishWaiting(): void {
  const w = waitingRows();
  Atomics.store(waiting, 0, Math.min(w.rows, 0x7fffffff));
  Atomics.store(waiting, 1, w.handOvers);
}

const packager = new SnapshotPackager(init.runDir);

init.port.on('message', (m: HandOverMessage) => {
  if (m.t === 'snapshot') {
    let rows: number;
    try {
      rows = packager.countRows(m);
    } catch (err) {
      post({
        type: 'error',
        message: `Remote sync could not read what the writer handed over: ${errorText(err)}`,
      });
      return;
    }
    const bytes = m.files.reduce((n, f) => n + f.bytes.byteLength, m.metadataDb.byteLength);
    queue.push({ snapshot: m, rows, bytes });
    waitingBytes += bytes;
    if (waitingBytes > WAITING_WARN_BYTES && !warnedBytes) {
      warnedBytes = true;
      post({
        type: 'warning',
        message: `${Math.round(waitingBytes / 2 ** 20)} MiB of logged data wait in memory for ${init.remoteUrl}`,
      });
    }
    publishWaiting();
  } else if (m.t === 'logs') {
    for (const [file, text] of Object.entries(m.files)) logs.set(file, text);
  } else if (m.t === 'end') {
    ended = true;
    init.port.close();
  }
  wake?.();
});

const EMPTY_REQUEST =
  '"sync_range":{"start_step":0,"end_step":-1},"steps":[],"scalars":{},"media":[],"tables":[],"histograms":[],"kernel_density":[],"tensors":[]';

/** Sends one request; the server lost the run (`metadata_required`): creates it again once, then resends. */
async function send(batch: OutboxBatch): Promise<void> {
  let answer: Awaited<ReturnType<SyncHttp['postLog']>>;
  try {
    answer = await http.postLog(batch.body);
  } catch (err) {
    if (!(err instanceof SyncError && err.serverCode === 'metadata_required' && packager.lastMetadata))
      throw err;
    await http.postLog(`{${EMPTY_REQUEST},"metadata":${jsonText(parseTolerantJson(packager.lastMetadata))}}`);
    answer = await http.postLog(batch.body);
  }
  const json = answer.json ?? {};
  if (answer.status !== 200)
    throw new SyncError('invalid_answer', `POST /log to ${init.remoteUrl}: answer ${answer.status}`);
  for (const r of json.rejected ?? [])
    post({
      type: 'warning',
      message: `The server refused ${r.source}${r.name ? ` "${r.name}"` : ''}: ${r.code}: ${r.message}`,
    });
  if (json.log_hashes && typeof json.log_hashes === 'object') serverLogHashes = json.log_hashes;
  const missing = new Set<string>(Array.isArray(json.missing_media) ? json.missing_media : []);
  const files = batch.blobs.filter((b) => missing.has(b.hash));
  if (files.length) await http.postMedia(files);
  requests++;
  rowsSent += batch.rows;
}

async function uploadLogs(): Promise<void> {
  lastLogUpload = Date.now();
  for (const [file, text] of logs) {
    const bytes = Buffer.from(text, 'utf8');
    const hash = sha256Hex(bytes);
    if (sentLogHashes.get(file) === hash || serverLogHashes[file] === hash) continue;
    await http.putLog(file, bytes);
    sentLogHashes.set(file, hash);
  }
}

let finishing = false;

/**
 * The request to send next: the one not yet acknowledged, else the next one cut from the current snapshot,
 * else from the next snapshot in the queue; null when nothing waits.
 */
function nextBatch(): OutboxBatch | null {
  if (inflight) return inflight;
  for (;;) {
    if (!current) {
      const q = queue.shift();
      if (!q) return null;
      current = { open: packager.open(q.snapshot), rowsLeft: q.rows, bytes: q.bytes };
    }
    const batch = packager.next(current.open);
    if (batch) return batch;
    packager.close(current.open);
    waitingBytes -= current.bytes;
    current = null;
  }
}

/** Sends until nothing waits and the writer has ended (when finishing), or the sync is stopped. */
async function run(): Promise<void> {
  while (!stoppedBy && !abort.signal.aborted) {
    const batch = nextBatch();
    if (batch) {
      inflight = batch;
      await send(batch);
      inflight = null;
      if (current) current.rowsLeft = Math.max(0, current.rowsLeft - batch.rows);
      publishWaiting();
      lastWarning = null;
      continue;
    }
    if (finishing && ended) return;
    if (logs.size && Date.now() - lastLogUpload >= LOG_UPLOAD_EVERY_MS) {
      await uploadLogs();
      continue;
    }
    await new Promise<void>((resolve) => {
      wake = resolve;
      // Wakes for the next log upload too.
      const t = setTimeout(resolve, LOG_UPLOAD_EVERY_MS);
      t.unref();
    });
    wake = null;
  }
}

const running: Promise<void> = run().catch(onFailure);

function onFailure(err: unknown): void {
  if (err instanceof SyncError && err.code === 'aborted') return;
  stoppedBy = errorText(err);
  post({ type: 'error', message: `Remote sync stops: ${stoppedBy}` });
}

board.on('message', async (m: { type: 'finish'; timeoutMs: number; boardLog: string | null }) => {
  if (m.type !== 'finish') return;
  finishing = true;
  if (m.boardLog !== null) logs.set('board.log', m.boardLog);
  const timer = setTimeout(() => abort.abort(), m.timeoutMs);
  wake?.();
  await running;
  let ok = !stoppedBy && !abort.signal.aborted && ended && waitingRows().handOvers === 0 && inflight === null;
  if (ok) {
    try {
      await uploadLogs();
    } catch (err) {
      if (!(err instanceof SyncError && err.code === 'aborted')) onFailure(err);
      ok = false;
    }
  }
  clearTimeout(timer);
  const left = waitingRows();
  const rowsLeft = left.rows;
  const why =
    stoppedBy ??
    (abort.signal.aborted ? `no answer within ${m.timeoutMs / 1000} s` : 'the logs were not uploaded');
  post({
    type: 'finished',
    ok,
    rowsLeft,
    message: ok
      ? `Remote sync complete: ${rowsSent} rows in ${requests} requests to ${init.remoteUrl}`
      : `${why}; ${rowsLeft} rows${ended ? '' : ' (and whatever the writer had not handed over)'} did not reach ${init.remoteUrl}`,
  });
});
