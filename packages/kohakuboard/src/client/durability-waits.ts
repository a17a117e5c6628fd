/**
 * Waiting for the writer: flush() (a promise settled by the writer's reports), flushSync() and the exit
 * hook's drain (blocking the thread with Atomics.wait on the shared counters, which needs no event loop).
 */
import { Ctl, seqAtLeast, WriterState, wakeWriter } from '../writer/shared-state.js';
import type { WriteFailures } from './write-failures.js';
import type { WriterThread } from './writer-thread.js';

const WAIT_SLICE_MS = 100;
const PROGRESS_MS = 5000;

interface FlushWaiter {
  seq: number;
  resolve: () => void;
  reject: (err: Error) => void;
}

export class DurabilityWaits {
  private readonly waiters: FlushWaiter[] = [];
  /** Rows the writer had dropped when a flush last settled: a flush rejects if more were dropped since. */
  private droppedSettled = 0;

  constructor(
    private readonly ctl: Int32Array,
    private readonly thread: WriterThread,
    /** The last sequence number handed over. */
    private readonly lastSeq: () => number,
    /** True while the writer must keep the process alive for other reasons (finish posted). */
    private readonly finishing: () => boolean,
    private readonly failures: WriteFailures,
  ) {}

  /**
   * Settles the losses since the last settled flush: null when no rows were dropped, else the error the
   * flush rejects with. Every loss is reported by one flush.
   */
  private takeLosses(): Error | null {
    this.failures.check();
    const dropped = this.failures.droppedRows();
    const lost = dropped - this.droppedSettled;
    this.droppedSettled = dropped;
    return lost > 0 ? this.failures.lossError(lost) : null;
  }

  /** Messages handed over but not yet committed. */
  notDurable(): number {
    return (this.lastSeq() - Atomics.load(this.ctl, Ctl.DURABLE)) | 0;
  }

  /** Asks the writer to commit everything up to the last message handed over; returns that seq. */
  private requestFlush(): number {
    const seq = this.lastSeq();
    Atomics.store(this.ctl, Ctl.POSTED, seq);
    Atomics.store(this.ctl, Ctl.FLUSH_REQUEST, seq);
    wakeWriter(this.ctl);
    return seq;
  }

  private isDurable(seq: number): boolean {
    return seqAtLeast(Atomics.load(this.ctl, Ctl.DURABLE), seq);
  }

  /** Resolves when everything handed over so far is committed. */
  flush(): Promise<void> {
    if (this.thread.isClosed()) return Promise.resolve();
    if (this.thread.isDead()) {
      return Promise.reject(
        new Error(
          `The writer is not running (${this.thread.deadReason}); ${this.notDurable()} logged messages were not written`,
        ),
      );
    }
    // Ask for a report before asking for the flush, so that the commit cannot slip between the two.
    Atomics.store(this.ctl, Ctl.ASYNC_FLUSH_WAITING, 1);
    const seq = this.requestFlush();
    if (this.isDurable(seq)) {
      if (this.waiters.length === 0) Atomics.store(this.ctl, Ctl.ASYNC_FLUSH_WAITING, 0);
      const lost = this.takeLosses();
      return lost ? Promise.reject(lost) : Promise.resolve();
    }
    this.thread.hold(true);
    return new Promise((resolve, reject) => this.waiters.push({ seq, resolve, reject }));
  }

  /** Settles the flushes the writer's last commit (or its close) has made durable. */
  settle(): void {
    const durable = Atomics.load(this.ctl, Ctl.DURABLE);
    const closed = this.thread.isClosed();
    const done = this.waiters.filter((w) => closed || seqAtLeast(durable, w.seq));
    if (done.length > 0) {
      const lost = this.takeLosses();
      for (const w of done) {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        if (lost) w.reject(lost);
        else w.resolve();
      }
    } else this.failures.check();
    if (this.waiters.length === 0) {
      Atomics.store(this.ctl, Ctl.ASYNC_FLUSH_WAITING, 0);
      if (!this.finishing()) this.thread.hold(false);
    }
  }

  /** Rejects every waiting flush: the writer died. */
  rejectAll(reason: string): void {
    const lost = this.notDurable();
    for (const w of this.waiters.splice(0)) {
      w.reject(new Error(`The writer stopped (${reason}); ${lost} logged messages were not written`));
    }
  }

  /** Blocks the thread until everything handed over so far is committed; throws on timeout or death. */
  flushSync(timeoutMs: number): void {
    if (this.thread.isClosed()) return;
    const seq = this.requestFlush();
    const deadline = Date.now() + timeoutMs;
    Atomics.store(this.ctl, Ctl.BOARD_WAITING, 1);
    try {
      for (;;) {
        const durable = Atomics.load(this.ctl, Ctl.DURABLE);
        if (seqAtLeast(durable, seq) || this.thread.isClosed()) {
          const lost = this.takeLosses();
          if (lost) throw lost;
          return;
        }
        if (this.thread.isDead()) {
          throw new Error(
            `The writer is not running (${this.thread.deadReason}); ${(seq - durable) | 0} logged messages were not written`,
          );
        }
        const left = deadline - Date.now();
        if (left <= 0)
          throw new Error(
            `flushSync timed out after ${timeoutMs} ms with ${(seq - durable) | 0} messages not yet written`,
          );
        Atomics.wait(this.ctl, Ctl.DURABLE, durable, Math.min(WAIT_SLICE_MS, left));
      }
    } finally {
      Atomics.store(this.ctl, Ctl.BOARD_WAITING, 0);
    }
  }

  /** A mark that changes whenever the writer advances (for the no-progress watchdogs). */
  progressMark(): string {
    const c = this.ctl;
    return `${Atomics.load(c, Ctl.TAKEN)}/${Atomics.load(c, Ctl.DURABLE)}/${Atomics.load(c, Ctl.PROGRESS_S)}/${Atomics.load(c, Ctl.STATE)}`;
  }

  /**
   * Blocks until the writer has closed (the exit hook), calling `onProgress` every 5 s. Returns false when
   * the writer died or made no progress for `stallMs`.
   */
  waitClosedBlocking(stallMs: number, onProgress: (notDurable: number) => void): boolean {
    let mark = this.progressMark();
    let lastProgress = Date.now();
    let nextNotice = lastProgress + PROGRESS_MS;
    for (;;) {
      const state = Atomics.load(this.ctl, Ctl.STATE);
      if (state === WriterState.CLOSED) return true;
      if (state === WriterState.CRASHED || this.thread.deadReason !== null || !this.thread.hasThread())
        return false;
      Atomics.wait(this.ctl, Ctl.STATE, state, WAIT_SLICE_MS);
      const now = Date.now();
      const m = this.progressMark();
      if (m !== mark) {
        mark = m;
        lastProgress = now;
      } else if (now - lastProgress >= stallMs) return false;
      if (now >= nextNotice) {
        nextNotice += PROGRESS_MS;
        onProgress(this.notDurable());
      }
    }
  }
}
