/**
 * The board's side of the transport to its writer thread (CLIENT.md §9.1, §9.2, §10): it starts the worker,
 * writes scalar records into the shared ring, posts calls with large payloads (buffers transferred), applies
 * the queue bound with announced backpressure, and waits for durability or for the writer to close — either
 * asynchronously or, for flushSync() and the exit hook, by blocking with Atomics.wait, which needs no event
 * loop.
 */
import { MessageChannel, type MessagePort, Worker } from 'node:worker_threads';
import type { RunMetadata } from '../storage/index.js';
import type { FromWriter, LogMessage, ToWriter, WriterInit, WriterSummary } from '../writer/messages.js';
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
const STALL_MS = 60_000;
const NOTICE_MS = 10_000;

export interface WriterLinkOptions {
  runDir: string;
  memoryMode: boolean;
  captureOutput: boolean;
  flushIntervalMs: number;
  queueCapacity: number;
  queueMaxBytes: number;
  metadata: RunMetadata;
  startedAtMs: number;
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
  /** Called once when the writer is found dead (crashed or failed to start). */
  onDead: ((reason: string) => void) | null = null;

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
    };
    try {
      const worker = new Worker(WORKER_URL, { workerData: init, transferList: [port2] });
      worker.unref();
      worker.on('message', (m: FromWriter) => this.onMessage(m));
      worker.on('error', (err) => this.markDead(`the writer thread failed: ${err.stack ?? err.message}`));
      worker.on('exit', (code) => this.onExit(code));
      this.worker = worker;
    } catch (err) {
      this.markDead(`the writer thread could not start: ${(err as Error).message}`);
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
      this.markDead('the writer crashed (see logs/writer.log)');
      return true;
    }
    return false;
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
    if (this.deadReason !== null) return Promise.reject(new Error(this.deadReason));
    this.worker?.ref();
    return new Promise((resolve, reject) => this.readyWaiters.push({ resolve, reject }));
  }

  private markDead(reason: string): void {
    if (this.deadReason !== null) return;
    this.deadReason = reason;
    for (const w of this.readyWaiters.splice(0)) w.reject(new Error(reason));
    const lost = this.notDurable();
    for (const w of this.flushWaiters.splice(0)) {
      w.reject(new Error(`The writer stopped (${reason}); ${lost} logged messages were not written`));
    }
    this.worker?.unref();
    this.onDead?.(reason);
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
        this.markDead(`the writer crashed: ${m.message}`);
        break;
    }
  }

  private onExit(code: number): void {
    if (!this.closed && Atomics.load(this.ctl, Ctl.STATE) === WriterState.CLOSED) {
      this.closed = true; // the 'closed' message may not have been delivered before the exit
    }
    if (!this.closed) this.markDead(`the writer thread exited with code ${code}`);
    const err = new Error(this.deadReason ?? 'the writer thread exited');
    for (const w of this.closeWaiters.splice(0)) {
      if (this.closed) w.resolve(this.summary ?? { messages: this.handed, droppedRows: 0, failedItems: 0 });
      else w.reject(err);
    }
    this.worker = null;
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
        this.logger.warning(
          `Logging queue at ${inflight}/${this.capacity} messages (${pct}%): the writer is falling behind; consider logging less often.`,
        );
      }
    } else if (inflight < this.capacity / 2 && this.bytesInFlight < this.maxBytes / 2) {
      this.highWarned = false;
      this.endEpisode();
    }
    if (this.hasRoom(bytes)) {
      if (this.dropMode) this.leaveDropMode();
      return true;
    }
    if (this.isDead()) return this.drop();
    if (this.dropMode) {
      if (this.takenSeen === this.dropModeTaken) return this.drop();
      this.leaveDropMode();
    }
    return this.block(() => this.hasRoom(bytes));
  }

  private leaveDropMode(): void {
    this.dropMode = false;
    this.logger.info(`Writer recovered; ${this.dropModeDropped} messages were dropped.`);
    this.dropModeDropped = 0;
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
      this.logger.warning(`${this.fullText()}: log() is waiting for the writer (backpressure).`);
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
        } else if (now - lastProgress >= STALL_MS) {
          this.logger.error('Writer made no progress for 60 s; dropping logged data until it recovers.');
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
    this.logger.info(`Backpressure released after ${Date.now() - this.episode.started} ms.`);
    this.episode = null;
  }

  /** Reserves ring space, waiting for the writer while the ring is full. -1 means "drop". */
  private reserve(len: number): number {
    const idx = this.ring.reserve(len);
    if (idx >= 0) return idx;
    if (this.isDead()) {
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
    if (((this.seq - this.takenSeen) | 0) >= this.softLimit || this.deadReason !== null) {
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
    if (this.deadReason !== null) {
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
      } else if (now - lastProgress >= STALL_MS) return false;
      if (now >= nextNotice) {
        nextNotice += 5000;
        onProgress(this.notDurable());
      }
    }
  }

  /** Stops a writer that made no progress (finish watchdog). */
  terminate(): void {
    this.markDead('the writer made no progress for 60 s and was stopped');
    void this.worker?.terminate();
  }
}
