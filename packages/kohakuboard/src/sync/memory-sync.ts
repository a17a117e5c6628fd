/**
 * Memory mode with sync, seen from the board (docs/sync.md#memory-mode-with-sync): starts the sending thread
 * and hands the writer the port it posts its requests to. The thread is unreferenced: it never keeps the
 * process alive. `finish()` (after the writer has closed) waits for the last requests and the logs at most
 * `timeoutMs` and says plainly what did not reach the server: in memory mode nothing else holds it.
 */
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { FINAL_SYNC_TIMEOUT_MS, type LiveSyncLog } from './live-sync.js';
import type { MemorySyncInit } from './memory-sync-worker.js';
import { SyncThread } from './sync-thread.js';

const WORKER_URL = new URL('./memory-sync-worker.js', import.meta.url);

/** The packaging period in memory mode: `min(syncInterval, 0.25 s)`. */
export function memorySyncPeriodMs(syncIntervalS: number): number {
  return Math.min(syncIntervalS, 0.25) * 1000;
}

export class MemorySync {
  private readonly thread: SyncThread;
  /** The writer's end of the channel: pass it in the writer's start data (and its transfer list). */
  readonly writerPort: MessagePort;
  private readonly waiting: Int32Array;

  constructor(
    target: { runDir: string; remoteUrl: string; token: string; project: string; runId: string },
    private readonly log: LiveSyncLog,
    /** board.log's text so far (kept in memory), uploaded with the other logs at the end. */
    private readonly boardLog: () => string | null,
  ) {
    const { port1, port2 } = new MessageChannel();
    this.writerPort = port1;
    const waiting = new SharedArrayBuffer(8);
    this.waiting = new Int32Array(waiting);
    const init: MemorySyncInit = { ...target, port: port2, waiting };
    this.thread = new SyncThread(WORKER_URL, init, [port2], log);
  }

  /** The last sync, at most `timeoutMs`; never rejects. Logs the outcome and what did not arrive. */
  finish(timeoutMs = FINAL_SYNC_TIMEOUT_MS): Promise<void> {
    if (this.thread.exited && !this.thread.ending) {
      this.log.error(`Remote sync did not complete: its thread had ended; ${this.lostText()}`);
      return Promise.resolve();
    }
    return this.thread.finish({ timeoutMs, boardLog: this.boardLog() }, (m) => {
      if (m?.ok) this.log.info(m.message);
      else
        this.log.error(
          `Remote sync did not complete: ${m?.message ?? `no answer in time; ${this.lostText()}`}. ` +
            'In memory mode nothing else holds them: they are lost.',
        );
    });
  }

  /** Ends the thread at once (the exit hook, a dead writer), saying what is lost with it. */
  stop(): void {
    if (this.thread.ending) return;
    this.log.error(`The process ends without the final remote sync; ${this.lostText()} and are lost.`);
    this.thread.stop();
  }

  private lostText(): string {
    const rows = Atomics.load(this.waiting, 0);
    return `at least ${rows} rows had not reached the server`;
  }
}
