/**
 * Live sync of a board's run folder (docs/sync.md#live-sync), seen from the board: a worker thread of its
 * own runs the sync core every `syncInterval` seconds, so log() never waits for the network. The thread is
 * unreferenced: it never keeps the process alive. `finish()` asks for a last sync and waits for it at most
 * `timeoutMs`, then says what is left.
 */
import { Worker } from 'node:worker_threads';
import type { LiveSyncInit, LiveSyncMessage } from './live-sync-worker.js';
import { countPendingRows } from './pending-rows.js';
import { resolveRunTarget } from './run-target.js';
import { readSyncState } from './sync-state.js';

const WORKER_URL = new URL('./live-sync-worker.js', import.meta.url);

/** How long finish() waits for the last sync (docs/sync.md#end-of-run). */
export const FINAL_SYNC_TIMEOUT_MS = 30_000;

export interface LiveSyncLog {
  info(message: string): void;
  warning(message: string): void;
  error(message: string): void;
}

export class LiveSync {
  private readonly worker: Worker;
  private finished: Promise<void> | null = null;
  private exited = false;

  constructor(
    private readonly init: LiveSyncInit,
    private readonly log: LiveSyncLog,
  ) {
    this.worker = new Worker(WORKER_URL, { workerData: init });
    this.worker.unref();
    this.worker.on('message', (m: LiveSyncMessage) => {
      if (m.type === 'warning') log.warning(m.message);
      else if (m.type === 'error') log.error(m.message);
    });
    this.worker.on('error', (err) => log.error(`The remote sync thread failed: ${err.message}`));
    this.worker.on('exit', () => {
      this.exited = true;
    });
  }

  /** The last sync, at most `timeoutMs`; never rejects. Logs the outcome and what stays unsent. */
  finish(timeoutMs = FINAL_SYNC_TIMEOUT_MS): Promise<void> {
    if (this.finished) return this.finished;
    this.finished = new Promise<void>((resolve) => {
      if (this.exited) return resolve();
      // The worker's own deadline aborts its requests; this one only guards against a thread that hangs.
      const guard = setTimeout(() => done(null), timeoutMs + 5000);
      const done = (m: Extract<LiveSyncMessage, { type: 'finished' }> | null) => {
        clearTimeout(guard);
        this.worker.off('message', onMessage);
        if (m?.ok) this.log.info(m.message);
        else
          this.log.warning(
            `Remote sync did not complete: ${m?.message ?? 'no answer in time'}; ${this.leftText()}`,
          );
        void this.worker.terminate();
        resolve();
      };
      const onMessage = (m: LiveSyncMessage) => {
        if (m.type === 'finished') done(m);
      };
      this.worker.on('message', onMessage);
      this.worker.postMessage({ type: 'finish', timeoutMs });
    });
    return this.finished;
  }

  /** Ends the thread at once (the exit hook, a dead writer): what is unsent stays in the run folder. */
  stop(): void {
    void this.worker.terminate();
  }

  private leftText(): string {
    try {
      const target = resolveRunTarget(this.init.runDir, this.init.project);
      const state = readSyncState(this.init.runDir, {
        remoteUrl: this.init.remoteUrl,
        project: target.project,
        runId: target.runId,
      });
      const rows = countPendingRows(this.init.runDir, state.cursors);
      return `${rows} rows are not on the server yet; they stay in ${this.init.runDir}, and \`kobo sync ${this.init.runDir} --to ${this.init.remoteUrl}\` uploads them later`;
    } catch {
      return `what is unsent stays in ${this.init.runDir}`;
    }
  }
}
