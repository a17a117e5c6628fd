/**
 * Live sync of a board's run folder (docs/sync.md#live-sync), seen from the board: a worker thread of its
 * own runs the sync core every `syncInterval` seconds, so log() never waits for the network. The thread is
 * unreferenced: it never keeps the process alive. `finish()` asks for a last sync and waits for it at most
 * `timeoutMs`, then says what is left.
 */
import type { LiveSyncInit } from './live-sync-worker.js';
import { countPendingRows } from './pending-rows.js';
import { resolveRunTarget } from './run-target.js';
import { readSyncState } from './sync-state.js';
import { SyncThread, type SyncThreadLog } from './sync-thread.js';

const WORKER_URL = new URL('./live-sync-worker.js', import.meta.url);

/** How long finish() waits for the last sync (docs/sync.md#end-of-run). */
export const FINAL_SYNC_TIMEOUT_MS = 30_000;

export type LiveSyncLog = SyncThreadLog;

export class LiveSync {
  private readonly thread: SyncThread;

  constructor(
    private readonly init: LiveSyncInit,
    private readonly log: LiveSyncLog,
  ) {
    this.thread = new SyncThread(WORKER_URL, init, [], log);
  }

  /** The last sync, at most `timeoutMs`; never rejects. Logs the outcome and what stays unsent. */
  finish(timeoutMs = FINAL_SYNC_TIMEOUT_MS): Promise<void> {
    // A thread that had already ended says nothing: what is unsent stays in the run folder, as after stop().
    if (this.thread.exited) return Promise.resolve();
    return this.thread.finish({ timeoutMs }, (m) => {
      if (m?.ok) this.log.info(m.message);
      else
        this.log.warning(
          `Remote sync did not complete: ${m?.message ?? 'no answer in time'}; ${this.leftText()}`,
        );
    });
  }

  /** Ends the thread at once (the exit hook, a dead writer): what is unsent stays in the run folder. */
  stop(): void {
    this.thread.stop();
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
