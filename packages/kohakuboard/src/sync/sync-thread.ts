/**
 * The board's side of a remote-sync thread (live-sync.ts, memory-sync.ts): an unreferenced worker whose
 * warnings and errors go to the board's log, and the last sync at finish — asked for with one message, waited
 * for at most its deadline plus a margin (a thread that hangs), then the thread is ended.
 */
import { type TransferListItem, Worker } from 'node:worker_threads';

export interface SyncThreadLog {
  info(message: string): void;
  warning(message: string): void;
  error(message: string): void;
}

/** What a sync thread posts: notices, and the outcome of the last sync. */
export type SyncThreadMessage =
  | { type: 'warning'; message: string }
  | { type: 'error'; message: string }
  | { type: 'finished'; ok: boolean; message: string; rowsLeft: number | null };

export type FinishedMessage = Extract<SyncThreadMessage, { type: 'finished' }>;

export class SyncThread {
  private readonly worker: Worker;
  private finished: Promise<void> | null = null;
  /** True once the thread has ended (on its own, or ended here). */
  exited = false;

  constructor(url: URL, workerData: unknown, transferList: TransferListItem[], log: SyncThreadLog) {
    this.worker = new Worker(url, { workerData, transferList });
    this.worker.unref();
    this.worker.on('message', (m: SyncThreadMessage) => {
      if (m.type === 'warning') log.warning(m.message);
      else if (m.type === 'error') log.error(m.message);
    });
    this.worker.on('error', (err) => log.error(`The remote sync thread failed: ${err.message}`));
    this.worker.on('exit', () => {
      this.exited = true;
    });
  }

  /**
   * Posts `request` (the thread's finish message, carrying `timeoutMs`) and calls `outcome` once with the
   * thread's answer, or with null when it gave none in time or had already ended. Never rejects.
   */
  finish(
    request: { timeoutMs: number; [key: string]: unknown },
    outcome: (m: FinishedMessage | null) => void,
  ): Promise<void> {
    if (this.finished) return this.finished;
    this.finished = new Promise<void>((resolve) => {
      if (this.exited) {
        outcome(null);
        return resolve();
      }
      // The thread's own deadline aborts its requests; this one only guards against a thread that hangs.
      const guard = setTimeout(() => done(null), request.timeoutMs + 5000);
      const done = (m: FinishedMessage | null) => {
        clearTimeout(guard);
        this.worker.off('message', onMessage);
        outcome(m);
        void this.worker.terminate();
        resolve();
      };
      const onMessage = (m: SyncThreadMessage) => {
        if (m.type === 'finished') done(m);
      };
      this.worker.on('message', onMessage);
      this.worker.postMessage({ type: 'finish', ...request });
    });
    return this.finished;
  }

  /** True once finish() or stop() was called. */
  get ending(): boolean {
    return this.finished !== null;
  }

  /** Ends the thread at once, without a last sync. */
  stop(): void {
    this.finished ??= Promise.resolve();
    void this.worker.terminate();
  }
}
