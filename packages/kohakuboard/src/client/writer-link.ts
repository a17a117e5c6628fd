/**
 * The board's side of the transport to its writer thread (CLIENT.md §9.1, §9.2, §10): it starts the worker,
 * writes scalar records into the shared ring, posts calls with large payloads (buffers transferred), applies
 * the queue bound with announced backpressure, and waits for durability or for the writer to close — either
 * asynchronously or, for flushSync() and the exit hook, by blocking with Atomics.wait, which needs no event
 * loop.
 */
import { MessageChannel, type MessagePort, Worker } from 'node:worker_threads';
import type { RunMetadata } from '../storage/index.js';
import type {
  FromWriter,
  LogMessage,
  ToWriter,
  WriterErrorInfo,
  WriterInit,
  WriterSummary,
} from '../writer/messages.js';
import {
  createRing,
  DATA_HEADER_WORDS,
  maxRecordWords,
  RecordKind,
  RingWriter,
  ringWordsFor,
} from '../writer/scalar-ring.js';
import {
  Ctl,
  createControlBlock,
  seqAtLeast,
  WRITER_STATE_NAMES,
  WriterState,
  wakeWriter,
} from '../writer/shared-state.js';
import type { BoardLogger } from './board-logger.js';

const WORKER_URL = new URL('../writer/worker.js', import.meta.url);
const WAIT_SLICE_MS = 100;
/** No progress for this long means the writer is stalled (§9.2 item 5, §10.3 step 5). */
export const DEFAULT_STALL_MS = 60_000;
const NOTICE_MS = 10_000;
/** How long a stopped writer gets to leave SQLite (a busy wait lasts at most 5 s) and exit by itself. */
const STOP_GRACE_MS = 10_000;

export interface WriterLinkOptions {
  runDir: string;
  memoryMode: boolean;
  captureOutput: boolean;
  flushIntervalMs: number;
  queueCapacity: number;
  queueMaxBytes: number;
  metadata: RunMetadata;
  startedAtMs: number;
  /** The no-progress limit (DEFAULT_STALL_MS unless a test hook shortens it). */
  stallTimeoutMs: number;
  /** Test hook: the writer crashes after taking this many messages. */
  crashAfterMessages?: number;
}

interface FlushWaiter {
  seq: number;
  resolve: () => void;
  reject: (err: Error) => void;
}

export class WriterLink {
  readonly ctl: Int32Array;
  private readonly ring: RingWriter;
  private readonly maxRecord: number;
  private readonly port: MessagePort;
  private worker: Worker | null = null;
  /** Last sequence number handed over (int32, wraps). */
  private seq = 0;
  /** Messages handed over (does not wrap). */
  handed = 0;
  private takenSeen = 0;
  private readonly capacity: number;
  private readonly softLimit: number;
  private readonly maxBytes: number;
  private bytesInFlight = 0;
  private readonly byteQueue: Array<[seq: number, bytes: number]> = [];
  private highWarned = false;
  /** A backpressure episode: from the first wait until the queue is below half full again. */
  private episode: { started: number; nextNotice: number } | null = null;
  private dropMode = false;
  private dropModeTaken = 0;
  private dropModeDropped = 0;
  private deadReason: string | null = null;
  private deadReported = false;
  /** The error the writer reported when it could not start or crashed (null until that report arrives). */
  private failure: Error | null = null;
  private failedAtStart = false;
  private readonly exited: Promise<void>;
  private onExited: () => void = () => {};
  private readonly failureWaiters: Array<() => void> = [];
  private closed = false;
  private finishPosted = false;
  private readonly flushWaiters: FlushWaiter[] = [];
  private closeWaiters: Array<{ resolve: (s: WriterSummary) => void; reject: (e: Error) => void }> = [];
  private readonly readyWaiters: Array<{ resolve: () => void; reject: (e: Error) => void }> = [];
  private ready = false;
  summary: WriterSummary | null = null;
  dropped = 0;
  blockedTimes = 0;
  blockedMs = 0;
  readonly stallTimeoutMs: number;

  constructor(
    options: WriterLinkOptions,
    private readonly logger: BoardLogger,
  ) {
    const control = createControlBlock();
    this.ctl = new Int32Array(control);
    const words = ringWordsFor(options.queueCapacity);
    const ring = createRing(words);
    this.ring = new RingWriter(ring, this.ctl);
    this.maxRecord = maxRecordWords(words);
    this.capacity = options.queueCapacity;
    this.softLimit = Math.max(1, Math.floor(options.queueCapacity * 0.8));
    this.maxBytes = options.queueMaxBytes;
    this.stallTimeoutMs = options.stallTimeoutMs;
    this.exited = new Promise((resolve) => {
      this.onExited = resolve;
    });
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    const init: WriterInit = {
      control,
      ring,
      port: port2,
      runDir: options.runDir,
      memoryMode: options.memoryMode,
      captureOutput: options.captureOutput,
      flushIntervalMs: options.flushIntervalMs,
      metadata: options.metadata,
      startedAtMs: options.startedAtMs,
      ...(options.crashAfterMessages !== undefined ? { crashAfterMessages: options.crashAfterMessages } : {}),
    };
    try {
      const worker = new Worker(WORKER_URL, { workerData: init, transferList: [port2] });
      worker.unref();
      worker.on('message', (m: FromWriter) => this.onMessage(m));
      worker.on('error', (err) => {
        this.failure ??= err;
        this.markDead(`the writer thread failed: ${err.message}`);
      });
      worker.on('exit', (code) => this.onExit(code));
      this.worker = worker;
    } catch (err) {
      this.failure = err instanceof Error ? err : new Error(String(err));
      this.failedAtStart = true;
      this.markDead(`the writer thread could not start: ${this.failure.message}`);
      this.onExited();
    }
  }

  // ------------------------------------------------------------------------------------------------------
  // Writer state

  get state(): string {
    return WRITER_STATE_NAMES[Atomics.load(this.ctl, Ctl.STATE)] ?? 'unknown';
  }

  isDead(): boolean {
    if (this.deadReason !== null) return true;
    if (Atomics.load(this.ctl, Ctl.STATE) === WriterState.CRASHED) {
      // Seen before the writer's report arrived (the event loop has not turned): the details come later.
      this.markDead('the writer crashed; see logs/writer.log');
      return true;
    }
    return false;
  }

  /**
   * Called once per logging call: false when the writer is dead, and the call's data is then counted as
   * dropped (§9.2 item 4). One atomic load while the writer lives.
   */
  acceptsData(): boolean {
    if (this.deadReason === null && Atomics.load(this.ctl, Ctl.STATE) !== WriterState.CRASHED) return true;
    this.isDead();
    return this.drop();
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
   * The error finish() rejects with when the writer died: the start error itself when it could not start
   * (§3.4 step 4); otherwise an error that says why and how many messages were not written.
   */
  deathError(notWritten: number): Error {
    if (this.failedAtStart && this.failure) return this.failure;
    return new Error(
      `The writer is not running (${this.deadReason ?? this.state}); ${notWritten} logged messages were not written`,
      this.failure ? { cause: this.failure } : undefined,
    );
  }

  isClosed(): boolean {
    return this.closed || Atomics.load(this.ctl, Ctl.STATE) === WriterState.CLOSED;
  }

  /** Messages handed over but not yet taken by the writer. */
  inFlight(): number {
    return (this.seq - Atomics.load(this.ctl, Ctl.TAKEN)) | 0;
  }

  /** Messages handed over but not yet committed. */
  notDurable(): number {
    return (this.seq - Atomics.load(this.ctl, Ctl.DURABLE)) | 0;
  }

  whenReady(): Promise<void> {
    if (this.ready) return Promise.resolve();
    if (this.deadReason !== null) return Promise.reject(this.deathError(this.notDurable()));
    this.worker?.ref();
    return new Promise((resolve, reject) => this.readyWaiters.push({ resolve, reject }));
  }

  private markDead(reason: string): void {
    if (this.deadReason !== null) return;
    this.deadReason = reason;
    for (const w of this.readyWaiters.splice(0)) w.reject(this.deathError(this.notDurable()));
    const lost = this.notDurable();
    for (const w of this.flushWaiters.splice(0)) {
      w.reject(new Error(`The writer stopped (${reason}); ${lost} logged messages were not written`));
    }
    this.worker?.unref();
  }

  /** The writer's own report that it could not start or crashed (§3.4 step 4, §9.4). */
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
        if (this.flushWaiters.length === 0 && !this.finishPosted) this.worker?.unref();
        break;
      case 'durable':
        this.settleFlushes();
        break;
      case 'closed':
        this.closed = true;
        this.summary = m.summary;
        this.settleFlushes();
        for (const w of this.closeWaiters.splice(0)) w.resolve(m.summary);
        break;
      case 'failed':
        this.onFailed(m.phase, m.error);
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
      if (this.closed) w.resolve(this.summary ?? { messages: this.handed, droppedRows: 0, failedItems: 0 });
      else w.reject(err);
    }
    this.worker = null;
    this.onExited();
  }

  // ------------------------------------------------------------------------------------------------------
  // Queue bound and backpressure (§9.2)

  private refreshTaken(): void {
    this.takenSeen = Atomics.load(this.ctl, Ctl.TAKEN);
    const q = this.byteQueue;
    let head = 0;
    while (head < q.length && seqAtLeast(this.takenSeen, q[head][0])) this.bytesInFlight -= q[head++][1];
    if (head > 0) q.splice(0, head);
  }

  private hasRoom(bytes: number): boolean {
    const inflight = (this.seq - this.takenSeen) | 0;
    return (
      inflight < this.capacity && (this.bytesInFlight === 0 || this.bytesInFlight + bytes <= this.maxBytes)
    );
  }

  /** Checks the queue bound for one more message; false means "drop it". */
  private admit(bytes: number): boolean {
    if (this.deadReason !== null) return this.drop();
    this.refreshTaken();
    const inflight = (this.seq - this.takenSeen) | 0;
    if (inflight >= this.softLimit || this.bytesInFlight + bytes >= this.maxBytes * 0.8) {
      if (!this.highWarned) {
        this.highWarned = true;
        const pct = Math.round(Math.max(inflight / this.capacity, this.bytesInFlight / this.maxBytes) * 100);
        this.logger.throttled(
          'queue-high',
          'WARNING',
          `Logging queue at ${inflight}/${this.capacity} messages (${pct}%): the writer is falling behind; consider logging less often.`,
        );
      }
    } else if (inflight < this.capacity / 2 && this.bytesInFlight < this.maxBytes / 2) {
      this.highWarned = false;
      this.endEpisode();
    }
    if (this.stillStalled()) return this.hasRoom(bytes) || this.drop();
    if (this.hasRoom(bytes)) return true;
    if (this.isDead()) return this.drop();
    return this.block(() => this.hasRoom(bytes));
  }

  /**
   * True in drop mode (§9.2 item 5) while the writer has taken nothing since it was declared stalled; the
   * first sign of progress ends drop mode. Room in the queue alone is not progress: a record may not fit the
   * ring although the message count has room.
   */
  private stillStalled(): boolean {
    if (!this.dropMode) return false;
    this.refreshTaken();
    if (this.takenSeen === this.dropModeTaken) return true;
    this.dropMode = false;
    this.logger.info(`Writer recovered; ${this.dropModeDropped} messages were dropped.`);
    this.dropModeDropped = 0;
    return false;
  }

  private drop(): false {
    this.dropped++;
    if (this.dropMode) this.dropModeDropped++;
    if (this.deadReason !== null && !this.deadReported) {
      this.deadReported = true;
      this.logger.error(`Writer is not running (${this.deadReason}); logged data is being dropped.`);
    }
    return false;
  }

  /**
   * Blocks until `room()` holds (§9.2 item 3). One WARNING when an episode of backpressure starts, a reminder
   * every 10 s while it lasts, one INFO when the queue is below half full again. False when it gave up.
   */
  private block(room: () => boolean): boolean {
    const started = Date.now();
    if (!this.episode) {
      this.episode = { started, nextNotice: started + NOTICE_MS };
      this.logger.throttled(
        'queue-full',
        'WARNING',
        `${this.fullText()}: log() is waiting for the writer (backpressure).`,
      );
    }
    const episode = this.episode;
    // Be woken once an eighth of what is in flight has been taken, not after every batch the writer takes.
    const wakeAt = () => {
      const inflight = (this.seq - this.takenSeen) | 0;
      Atomics.store(this.ctl, Ctl.WAKE_BOARD_AT, (this.takenSeen + Math.max(1, inflight >> 3)) | 0);
    };
    wakeAt();
    Atomics.store(this.ctl, Ctl.BOARD_WAITING, 1);
    wakeWriter(this.ctl);
    let lastTaken = this.takenSeen;
    let lastProgress = started;
    try {
      for (;;) {
        this.refreshTaken();
        if (room()) {
          this.blockedTimes++;
          this.blockedMs += Date.now() - started;
          return true;
        }
        if (this.isDead()) return this.drop();
        wakeAt();
        Atomics.wait(this.ctl, Ctl.TAKEN, this.takenSeen, WAIT_SLICE_MS);
        const now = Date.now();
        const taken = Atomics.load(this.ctl, Ctl.TAKEN);
        if (taken !== lastTaken) {
          lastTaken = taken;
          lastProgress = now;
        } else if (now - lastProgress >= this.stallTimeoutMs) {
          this.logger.error(
            `Writer made no progress for ${formatSeconds(this.stallTimeoutMs)}; dropping logged data until it recovers.`,
          );
          this.blockedTimes++;
          this.blockedMs += now - started;
          this.dropMode = true;
          this.dropModeTaken = taken;
          return this.drop();
        }
        if (now >= episode.nextNotice) {
          episode.nextNotice += NOTICE_MS;
          this.logger.warning(
            `${this.fullText()}: log() is waiting for the writer (backpressure), ${Math.round((now - episode.started) / 1000)} s so far.`,
          );
        }
      }
    } finally {
      Atomics.store(this.ctl, Ctl.BOARD_WAITING, 0);
    }
  }

  private fullText(): string {
    const inflight = (this.seq - this.takenSeen) | 0;
    if (inflight >= this.capacity) return `Logging queue full (${this.capacity} messages)`;
    if (this.bytesInFlight > 0 && this.bytesInFlight >= this.maxBytes * 0.5) {
      return `Logging queue full (${Math.round(this.bytesInFlight / 1048576)} MiB of payload in flight)`;
    }
    return `Logging queue full (${inflight} messages fill the ${this.ring.sizeMiB} MiB scalar ring)`;
  }

  private endEpisode(): void {
    if (!this.episode) return;
    this.logger.throttled(
      'queue-released',
      'INFO',
      `Backpressure released after ${Date.now() - this.episode.started} ms.`,
    );
    this.episode = null;
  }

  /** Reserves ring space, waiting for the writer while the ring is full. -1 means "drop". */
  private reserve(len: number): number {
    const idx = this.ring.reserve(len);
    if (idx >= 0) return idx;
    if (this.isDead() || this.stillStalled()) {
      this.drop();
      return -1;
    }
    let at = -1;
    const ok = this.block(() => {
      at = this.ring.reserve(len);
      return at >= 0;
    });
    return ok ? at : -1;
  }

  // ------------------------------------------------------------------------------------------------------
  // Handing messages over

  /** True when a scalar record of n values fits the ring (else it travels as a posted message). */
  fitsRing(n: number): boolean {
    return DATA_HEADER_WORDS + 2 * n <= this.maxRecord;
  }

  /** Announces a metric name once, before the first record that uses its id. False when it was dropped. */
  announceName(id: number, name: string): boolean {
    if (this.deadReason !== null) return false;
    const bytes = RingWriter.encodeName(name);
    const len = RingWriter.nameRecordWords(bytes);
    const idx = this.reserve(len);
    if (idx < 0) return false;
    this.ring.writeName(idx, id, bytes);
    this.ring.publish(len);
    return true;
  }

  /**
   * The hot path: one scalar-only call as a ring record. `ids` and `values` hold n entries.
   * Returns false when the record was dropped (writer dead or stalled).
   */
  sendScalars(
    step: number,
    globalStep: number,
    timestamp: number,
    ids: Float64Array,
    values: Float64Array,
    n: number,
  ): boolean {
    // The full check only near the limit, or while a warning or a backpressure episode is open: those end
    // when the queue is below half full again, which only admit() notices.
    if (
      ((this.seq - this.takenSeen) | 0) >= this.softLimit ||
      this.highWarned ||
      this.episode !== null ||
      this.deadReason !== null
    ) {
      if (!this.admit(0)) return false;
    }
    const len = DATA_HEADER_WORDS + 2 * n;
    const idx = this.reserve(len);
    if (idx < 0) return false;
    const seq = (this.seq + 1) | 0;
    this.seq = seq;
    this.handed++;
    const w = this.ring.words;
    w[idx] = len * 8 + RecordKind.DATA;
    w[idx + 1] = seq;
    w[idx + 2] = step;
    w[idx + 3] = globalStep;
    w[idx + 4] = timestamp;
    for (let i = 0, j = idx + DATA_HEADER_WORDS; i < n; i++, j += 2) {
      w[j] = ids[i];
      w[j + 1] = values[i];
    }
    this.ring.publish(len);
    // Every 1024 records, wake a sleeping writer so that a fast producer does not fill the ring first.
    if ((seq & 1023) === 0) this.nudge();
    return true;
  }

  /** One call with large payloads (or too many scalars for the ring), its buffers transferred. */
  postLog(message: Omit<LogMessage, 't' | 'seq'>, transfer: ArrayBuffer[], bytes: number): boolean {
    if (!this.admit(bytes)) return false;
    const seq = (this.seq + 1) | 0;
    const msg: LogMessage = { t: 'log', seq, ...message };
    this.port.postMessage(msg satisfies ToWriter, transfer);
    this.seq = seq;
    this.handed++;
    if (bytes > 0) {
      this.bytesInFlight += bytes;
      this.byteQueue.push([seq, bytes]);
    }
    Atomics.store(this.ctl, Ctl.POSTED, seq);
    wakeWriter(this.ctl);
    return true;
  }

  /** Captured output: never blocks, not counted in the queue (§9.2 item 6). */
  postOutput(stream: 'stdout' | 'stderr', data: string | Uint8Array): void {
    if (this.finishPosted || this.deadReason !== null) return;
    this.port.postMessage({ t: 'output', stream, data } satisfies ToWriter);
    wakeWriter(this.ctl);
  }

  private nudge(): void {
    Atomics.store(this.ctl, Ctl.POSTED, this.seq);
    if (Atomics.load(this.ctl, Ctl.WRITER_IDLE) !== 0) wakeWriter(this.ctl);
  }

  // ------------------------------------------------------------------------------------------------------
  // Flush and finish (§10)

  private requestFlush(): number {
    const seq = this.seq;
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
    if (this.isClosed()) return Promise.resolve();
    if (this.isDead()) {
      return Promise.reject(
        new Error(
          `The writer is not running (${this.deadReason}); ${this.notDurable()} logged messages were not written`,
        ),
      );
    }
    // Ask for a report before asking for the flush, so that the commit cannot slip between the two.
    Atomics.store(this.ctl, Ctl.ASYNC_FLUSH_WAITING, 1);
    const seq = this.requestFlush();
    if (this.isDurable(seq)) {
      if (this.flushWaiters.length === 0) Atomics.store(this.ctl, Ctl.ASYNC_FLUSH_WAITING, 0);
      return Promise.resolve();
    }
    this.worker?.ref();
    return new Promise((resolve, reject) => this.flushWaiters.push({ seq, resolve, reject }));
  }

  private settleFlushes(): void {
    const durable = Atomics.load(this.ctl, Ctl.DURABLE);
    const closed = this.isClosed();
    for (let i = 0; i < this.flushWaiters.length; ) {
      const w = this.flushWaiters[i];
      if (closed || seqAtLeast(durable, w.seq)) {
        this.flushWaiters.splice(i, 1);
        w.resolve();
      } else i++;
    }
    if (this.flushWaiters.length === 0) {
      Atomics.store(this.ctl, Ctl.ASYNC_FLUSH_WAITING, 0);
      if (!this.finishPosted && this.ready) this.worker?.unref();
    }
  }

  /** Blocks the thread until everything handed over so far is committed (§10.2). */
  flushSync(timeoutMs: number): void {
    if (this.isClosed()) return;
    const seq = this.requestFlush();
    const deadline = Date.now() + timeoutMs;
    Atomics.store(this.ctl, Ctl.BOARD_WAITING, 1);
    try {
      for (;;) {
        const durable = Atomics.load(this.ctl, Ctl.DURABLE);
        if (seqAtLeast(durable, seq) || this.isClosed()) return;
        if (this.isDead()) {
          throw new Error(
            `The writer is not running (${this.deadReason}); ${(seq - durable) | 0} logged messages were not written`,
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

  /** Posts the finish message (once). */
  postFinish(status: 'finished' | 'interrupted' | 'crashed', config: unknown): void {
    if (this.finishPosted || this.deadReason !== null) return;
    this.finishPosted = true;
    this.endEpisode();
    Atomics.store(this.ctl, Ctl.POSTED, this.seq);
    this.port.postMessage({ t: 'finish', lastSeq: this.seq, status, config } satisfies ToWriter);
    wakeWriter(this.ctl);
  }

  /** Resolves with the writer's summary when it has closed; rejects if it dies first. */
  whenClosed(): Promise<WriterSummary> {
    if (this.closed && this.summary) return Promise.resolve(this.summary);
    if (this.deadReason !== null || !this.worker)
      return Promise.reject(new Error(this.deadReason ?? 'the writer is not running'));
    this.worker.ref();
    return new Promise((resolve, reject) => this.closeWaiters.push({ resolve, reject }));
  }

  /** Seconds-since-start of the writer's last progress, for the finish watchdog. */
  progressMark(): string {
    return `${Atomics.load(this.ctl, Ctl.TAKEN)}/${Atomics.load(this.ctl, Ctl.DURABLE)}/${Atomics.load(this.ctl, Ctl.PROGRESS_S)}/${Atomics.load(this.ctl, Ctl.STATE)}`;
  }

  /**
   * Blocks until the writer has closed (the exit hook, §10.4), printing progress every 5 s through
   * `onProgress`. Returns false when the writer died or made no progress for 60 s.
   */
  waitClosedBlocking(onProgress: (notDurable: number) => void): boolean {
    let mark = this.progressMark();
    let lastProgress = Date.now();
    let nextNotice = lastProgress + 5000;
    for (;;) {
      const state = Atomics.load(this.ctl, Ctl.STATE);
      if (state === WriterState.CLOSED) return true;
      if (state === WriterState.CRASHED || this.deadReason !== null || !this.worker) return false;
      Atomics.wait(this.ctl, Ctl.STATE, state, WAIT_SLICE_MS);
      const now = Date.now();
      const m = this.progressMark();
      if (m !== mark) {
        mark = m;
        lastProgress = now;
      } else if (now - lastProgress >= this.stallTimeoutMs) return false;
      if (now >= nextNotice) {
        nextNotice += 5000;
        onProgress(this.notDurable());
      }
    }
  }

  /**
   * Gives up on a writer that made no progress (§10.3 step 5): marks it dead, so that finish() can reject at
   * once, and asks it to exit at its next check. It may be waiting inside SQLite (a lock held by another
   * program), where terminating its thread would abort the whole process; so it is terminated only if it has
   * not exited after STOP_GRACE_MS. Meanwhile it keeps the process alive.
   */
  stop(): void {
    this.markDead(`the writer made no progress for ${formatSeconds(this.stallTimeoutMs)} and was stopped`);
    Atomics.store(this.ctl, Ctl.STOP, 1);
    wakeWriter(this.ctl);
    const err = new Error(this.deadReason ?? 'the writer was stopped');
    for (const w of this.closeWaiters.splice(0)) w.reject(err);
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
      Atomics.wait(this.ctl, Ctl.STATE, state, Math.min(left, WAIT_SLICE_MS));
    }
  }
}

/** "60 s", "1.5 s": a no-progress limit as the messages state it. */
export function formatSeconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))} s`;
}
