/**
 * The writer thread's lifecycle as the board sees it: starting the worker, its reports (ready, durable,
 * closed, failed), its exit, and the one place that decides the writer is dead (it could not start, it
 * crashed, it exited unexpectedly, or the board stopped it after it made no progress).
 */
import { type TransferListItem, Worker } from 'node:worker_threads';
import { asError } from '../util/error-text.js';
import type { FromWriter, WriterErrorInfo, WriterInit, WriterSummary } from '../writer/messages.js';
import { Ctl, WRITER_STATE_NAMES, WriterState, wakeWriter } from '../writer/shared-state.js';
import type { BoardLogger } from './board-logger.js';

const WORKER_URL = new URL('../writer/worker.js', import.meta.url);
/** How long a stopped writer gets to leave SQLite (a busy wait lasts at most 5 s) and exit by itself. */
const STOP_GRACE_MS = 10_000;

/** What the rest of the link hears from the thread. */
export interface WriterThreadEvents {
  /** The writer committed (a 'durable' report) or closed. */
  onDurableOrClosed(): void;
  /** The writer is dead; `reason` says why. Called once. */
  onDead(reason: string): void;
  /** Messages handed over so far (the summary of a writer that closed without sending one). */
  handed(): number;
  /** Messages handed over but not yet committed. */
  notDurable(): number;
  /** The writer's commits began or stopped failing. */
  onTrouble(): void;
}

export class WriterThread {
  readonly ctl: Int32Array;
  private worker: Worker | null = null;
  /** Why the writer is dead, or null while it lives. */
  deadReason: string | null = null;
  /** The error the writer reported when it could not start or crashed (null until that report arrives). */
  private failure: Error | null = null;
  private failedAtStart = false;
  private readonly exited: Promise<void>;
  private onExited: () => void = () => {};
  private readonly failureWaiters: Array<() => void> = [];
  private closed = false;
  private ready = false;
  private readonly readyWaiters: Array<{ resolve: () => void; reject: (e: Error) => void }> = [];
  private readonly closeWaiters: Array<{ resolve: (s: WriterSummary) => void; reject: (e: Error) => void }> =
    [];
  /** True while something waits for the writer (a flush, finish): then the worker keeps the process alive. */
  private held = false;
  summary: WriterSummary | null = null;

  constructor(
    init: WriterInit,
    transferList: TransferListItem[],
    private readonly logger: BoardLogger,
    private readonly events: WriterThreadEvents,
  ) {
    this.ctl = new Int32Array(init.control);
    this.exited = new Promise((resolve) => {
      this.onExited = resolve;
    });
    try {
      const worker = new Worker(WORKER_URL, { workerData: init, transferList });
      worker.unref();
      worker.on('message', (m: FromWriter) => this.onMessage(m));
      worker.on('error', (err) => {
        this.failure ??= err;
        this.markDead(`the writer thread failed: ${err.message}`);
      });
      worker.on('exit', (code) => this.onExit(code));
      this.worker = worker;
    } catch (err) {
      this.failure = asError(err);
      this.failedAtStart = true;
      this.markDead(`the writer thread could not start: ${this.failure.message}`);
      this.onExited();
    }
  }

  get state(): string {
    return WRITER_STATE_NAMES[Atomics.load(this.ctl, Ctl.STATE)] ?? 'unknown';
  }

  /** True once the writer is dead (also when only the shared state says so: its report may come later). */
  isDead(): boolean {
    if (this.deadReason !== null) return true;
    if (Atomics.load(this.ctl, Ctl.STATE) === WriterState.CRASHED) {
      // Seen before the writer's report arrived (the event loop has not turned): the details come later.
      this.markDead('the writer crashed; see logs/writer.log');
      return true;
    }
    return false;
  }

  isClosed(): boolean {
    return this.closed || Atomics.load(this.ctl, Ctl.STATE) === WriterState.CLOSED;
  }

  /** Keeps the process alive for the writer while the board waits for it (`hold(false)` releases). */
  hold(on: boolean): void {
    this.held = on;
    if (on) this.worker?.ref();
    else if (this.ready || this.deadReason !== null) this.worker?.unref();
  }

  /** True while the writer has marked itself crashed but its report of the error has not arrived yet. */
  failureReportPending(): boolean {
    return (
      this.failure === null &&
      this.worker !== null &&
      Atomics.load(this.ctl, Ctl.STATE) === WriterState.CRASHED
    );
  }

  /**
   * Resolves once the writer's report of its failure has arrived or its thread has exited, at the latest
   * after `maxWaitMs` (its timer also keeps the event loop alive meanwhile).
   */
  whenFailureReported(maxWaitMs = 2000): Promise<void> {
    if (!this.failureReportPending()) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(done, maxWaitMs);
      this.failureWaiters.push(done);
      void this.exited.then(done);
    });
  }

  /**
   * The error finish() rejects with when the writer died: the start error itself when it could not start;
   * otherwise an error that says why and how many messages were not written.
   */
  deathError(notWritten: number): Error {
    if (this.failedAtStart && this.failure) return this.failure;
    return new Error(
      `The writer is not running (${this.deadReason ?? this.state}); ${notWritten} logged messages were not written`,
      this.failure ? { cause: this.failure } : undefined,
    );
  }

  whenReady(): Promise<void> {
    if (this.ready) return Promise.resolve();
    if (this.deadReason !== null) return Promise.reject(this.deathError(this.events.notDurable()));
    this.worker?.ref();
    return new Promise((resolve, reject) => this.readyWaiters.push({ resolve, reject }));
  }

  /** Resolves with the writer's summary when it has closed; rejects if it dies first. */
  whenClosed(): Promise<WriterSummary> {
    if (this.closed && this.summary) return Promise.resolve(this.summary);
    if (this.deadReason !== null || !this.worker)
      return Promise.reject(new Error(this.deadReason ?? 'the writer is not running'));
    this.worker.ref();
    return new Promise((resolve, reject) => this.closeWaiters.push({ resolve, reject }));
  }

  /** True while the worker thread has not exited. */
  hasThread(): boolean {
    return this.worker !== null;
  }

  markDead(reason: string): void {
    if (this.deadReason !== null) return;
    this.deadReason = reason;
    for (const w of this.readyWaiters.splice(0)) w.reject(this.deathError(this.events.notDurable()));
    // finish() waits for the close: it must settle now, not when (or if) the thread's exit is delivered.
    const err = new Error(reason);
    for (const w of this.closeWaiters.splice(0)) w.reject(err);
    this.events.onDead(reason);
    this.worker?.unref();
  }

  /** The writer's own report that it could not start or crashed. */
  private onFailed(phase: 'start' | 'run', info: WriterErrorInfo): void {
    const err = Object.assign(
      new Error(info.message),
      { name: info.name },
      info.code ? { code: info.code } : {},
    );
    if (info.stack) err.stack = info.stack;
    this.failure = err;
    this.failedAtStart = phase === 'start';
    for (const w of this.failureWaiters.splice(0)) w();
    const what = phase === 'start' ? 'could not start' : 'crashed';
    this.markDead(`the writer ${what}: ${info.name}: ${info.message}`);
    this.logger.error(
      phase === 'start'
        ? `The writer could not start: ${info.name}: ${info.message}; logged data will be dropped.`
        : `The writer crashed: ${info.name}: ${info.message} (the stack is in logs/writer.log); logged data is dropped from now on.`,
    );
  }

  private onMessage(m: FromWriter): void {
    switch (m.t) {
      case 'ready':
        this.ready = true;
        for (const w of this.readyWaiters.splice(0)) w.resolve();
        if (!this.held) this.worker?.unref();
        break;
      case 'durable':
        this.events.onDurableOrClosed();
        break;
      case 'closed':
        this.closed = true;
        this.summary = m.summary;
        this.events.onDurableOrClosed();
        for (const w of this.closeWaiters.splice(0)) w.resolve(m.summary);
        break;
      case 'failed':
        this.onFailed(m.phase, m.error);
        break;
      case 'trouble':
        this.events.onTrouble();
        break;
      case 'notice':
        this.logger.fileOnly(m.level, m.message);
        break;
    }
  }

  private onExit(code: number): void {
    if (!this.closed && Atomics.load(this.ctl, Ctl.STATE) === WriterState.CLOSED) {
      this.closed = true; // the 'closed' message may not have been delivered before the exit
    }
    if (!this.closed && this.deadReason === null) {
      this.markDead(`the writer thread exited with code ${code}`);
      this.logger.error(
        `The writer thread exited unexpectedly (code ${code}); logged data is dropped from now on.`,
      );
    }
    const err = new Error(this.deadReason ?? 'the writer thread exited');
    for (const w of this.closeWaiters.splice(0)) {
      if (this.closed)
        w.resolve(this.summary ?? { messages: this.events.handed(), droppedRows: 0, failedItems: 0 });
      else w.reject(err);
    }
    this.worker = null;
    this.onExited();
  }

  /**
   * Gives up on a writer that made no progress: marks it dead, so that finish() can reject at once, and asks
   * it to exit at its next check. It may be waiting inside SQLite (a lock held by another program), where
   * terminating its thread would abort the whole process; so it is terminated only if it has not exited
   * after STOP_GRACE_MS. Meanwhile it keeps the process alive.
   */
  stop(reason: string): void {
    this.markDead(reason);
    Atomics.store(this.ctl, Ctl.STOP, 1);
    wakeWriter(this.ctl);
    const worker = this.worker;
    if (!worker) return;
    worker.ref();
    const timer = setTimeout(() => void worker.terminate(), STOP_GRACE_MS);
    timer.unref();
    worker.once('exit', () => clearTimeout(timer));
  }

  /** The exit hook's stop: asks the writer to exit and blocks until it has (at most STOP_GRACE_MS). */
  stopBlocking(): void {
    Atomics.store(this.ctl, Ctl.STOP, 1);
    wakeWriter(this.ctl);
    const until = Date.now() + STOP_GRACE_MS;
    for (;;) {
      const state = Atomics.load(this.ctl, Ctl.STATE);
      const left = until - Date.now();
      if (state === WriterState.CLOSED || state === WriterState.CRASHED || left <= 0 || !this.worker) return;
      Atomics.wait(this.ctl, Ctl.STATE, state, Math.min(left, 100));
    }
  }
}
