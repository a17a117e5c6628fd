/**
 * The board's side of the transport to its writer thread (docs/client.md#transport): it hands logging calls
 * over — scalar records into the shared ring, calls with large payloads as posted messages with their buffers
 * transferred — strictly numbered, and brings together the parts that do the rest: the writer thread's
 * lifecycle (writer-thread.ts), the queue bound with its backpressure (queue-bound.ts) and the waits for
 * durability and for the close (durability-waits.ts).
 */
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import type { RunMetadata } from '../storage/index.js';
import type {
  LogMessage,
  SystemMetricsInit,
  ToWriter,
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
import { Ctl, createControlBlock, WriterState, wakeWriter } from '../writer/shared-state.js';
import type { BoardLogger } from './board-logger.js';
import { DurabilityWaits } from './durability-waits.js';
import { formatSeconds, QueueBound } from './queue-bound.js';
import { WriteFailures } from './write-failures.js';
import { WriterThread } from './writer-thread.js';

export { formatSeconds };

/** No progress for this long means the writer is stalled. */
export const DEFAULT_STALL_MS = 60_000;

export interface WriterLinkOptions {
  runDir: string;
  memoryMode: boolean;
  captureOutput: boolean;
  flushIntervalMs: number;
  queueCapacity: number;
  queueMaxBytes: number;
  metadata: RunMetadata;
  startedAtMs: number;
  /** The no-progress limit (DEFAULT_STALL_MS unless an internal hook shortens it). */
  stallTimeoutMs: number;
  /** Internal hook: the writer crashes after taking this many messages. */
  crashAfterMessages?: number;
  /** Internal hook: the writer's transactions fail as on a full disk while this file exists. */
  diskFullWhileFileExists?: string;
  /** System metrics (docs/client.md#system-metrics); absent when they are off. */
  systemMetrics?: SystemMetricsInit;
  /** Memory mode with sync: where the writer hands its rows (docs/sync.md#memory-mode-with-sync). */
  sync?: { port: MessagePort; periodMs: number };
}

export class WriterLink {
  readonly ctl: Int32Array;
  private readonly thread: WriterThread;
  private readonly bound: QueueBound;
  private readonly waits: DurabilityWaits;
  readonly failures: WriteFailures;
  private readonly ring: RingWriter;
  private readonly maxRecord: number;
  private readonly port: MessagePort;
  /** Last sequence number handed over (int32, wraps). */
  private seq = 0;
  /** Messages handed over (does not wrap). */
  handed = 0;
  private finishPosted = false;
  readonly stallTimeoutMs: number;

  constructor(options: WriterLinkOptions, logger: BoardLogger) {
    const control = createControlBlock();
    this.ctl = new Int32Array(control);
    const words = ringWordsFor(options.queueCapacity);
    const ring = createRing(words);
    this.ring = new RingWriter(ring, this.ctl);
    this.maxRecord = maxRecordWords(words);
    this.stallTimeoutMs = options.stallTimeoutMs;
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
      ...(options.diskFullWhileFileExists !== undefined
        ? { diskFullWhileFileExists: options.diskFullWhileFileExists }
        : {}),
      ...(options.systemMetrics !== undefined ? { systemMetrics: options.systemMetrics } : {}),
      ...(options.sync !== undefined ? { sync: options.sync } : {}),
    };
    const transfer = options.sync ? [port2, options.sync.port] : [port2];
    this.thread = new WriterThread(init, transfer, logger, {
      onDurableOrClosed: () => this.waits?.settle(),
      onDead: (reason) => this.waits?.rejectAll(reason),
      handed: () => this.handed,
      notDurable: () => this.notDurable(),
      onTrouble: () => this.failures?.check(),
    });
    this.failures = new WriteFailures(control, this.ctl, logger);
    this.bound = new QueueBound(
      this.ctl,
      {
        capacity: options.queueCapacity,
        maxBytes: options.queueMaxBytes,
        stallTimeoutMs: options.stallTimeoutMs,
      },
      this.ring,
      this.thread,
      logger,
    );
    this.waits = new DurabilityWaits(
      this.ctl,
      this.thread,
      () => this.seq,
      () => this.finishPosted,
      this.failures,
    );
  }

  // ------------------------------------------------------------------------------------------------------
  // The writer's state

  get state(): string {
    return this.thread.state;
  }

  isDead(): boolean {
    return this.thread.isDead();
  }

  isClosed(): boolean {
    return this.thread.isClosed();
  }

  /**
   * Called once per logging call: false when the writer is dead, and the call's data is then counted as
   * dropped. Two atomic loads while the writer lives (its state, and whether its commits began or stopped
   * failing, which is then reported).
   */
  acceptsData(): boolean {
    if (this.thread.deadReason === null && Atomics.load(this.ctl, Ctl.STATE) !== WriterState.CRASHED) {
      if (Atomics.load(this.ctl, Ctl.TROUBLE) !== this.failures.seen) this.failures.check();
      return true;
    }
    this.thread.isDead();
    return this.bound.drop();
  }

  /** Messages handed over but not yet taken by the writer. */
  inFlight(): number {
    return (this.seq - Atomics.load(this.ctl, Ctl.TAKEN)) | 0;
  }

  /** Messages handed over but not yet committed. */
  notDurable(): number {
    return this.waits.notDurable();
  }

  get dropped(): number {
    return this.bound.dropped;
  }

  get blockedTimes(): number {
    return this.bound.blockedTimes;
  }

  get blockedMs(): number {
    return this.bound.blockedMs;
  }

  get summary(): WriterSummary | null {
    return this.thread.summary;
  }

  whenReady(): Promise<void> {
    return this.thread.whenReady();
  }

  failureReportPending(): boolean {
    return this.thread.failureReportPending();
  }

  whenFailureReported(maxWaitMs?: number): Promise<void> {
    return this.thread.whenFailureReported(maxWaitMs);
  }

  deathError(notWritten: number): Error {
    return this.thread.deathError(notWritten);
  }

  // ------------------------------------------------------------------------------------------------------
  // Handing messages over

  /** True when a scalar record of n values fits the ring (else it travels as a posted message). */
  fitsRing(n: number): boolean {
    return DATA_HEADER_WORDS + 2 * n <= this.maxRecord;
  }

  /** Announces a metric name once, before the first record that uses its id. False when it was dropped. */
  announceName(id: number, name: string): boolean {
    if (this.thread.deadReason !== null) return false;
    const bytes = RingWriter.encodeName(name);
    const len = RingWriter.nameRecordWords(bytes);
    const idx = this.bound.reserve(this.seq, len);
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
    // The full check only near the limit, while a warning or backpressure episode is open, or when dead.
    if (!this.bound.quiet(this.seq) || this.thread.deadReason !== null) {
      if (!this.bound.admit(this.seq, 0)) return false;
    }
    const len = DATA_HEADER_WORDS + 2 * n;
    const idx = this.bound.reserve(this.seq, len);
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
    if (!this.bound.admit(this.seq, bytes)) return false;
    const seq = (this.seq + 1) | 0;
    const msg: LogMessage = { t: 'log', seq, ...message };
    this.port.postMessage(msg satisfies ToWriter, transfer);
    this.seq = seq;
    this.handed++;
    this.bound.addBytes(seq, bytes);
    Atomics.store(this.ctl, Ctl.POSTED, seq);
    wakeWriter(this.ctl);
    return true;
  }

  /** Captured output: never blocks, not counted in the queue. */
  postOutput(stream: 'stdout' | 'stderr', data: string | Uint8Array): void {
    if (this.finishPosted || this.thread.deadReason !== null) return;
    this.port.postMessage({ t: 'output', stream, data } satisfies ToWriter);
    wakeWriter(this.ctl);
  }

  private nudge(): void {
    Atomics.store(this.ctl, Ctl.POSTED, this.seq);
    if (Atomics.load(this.ctl, Ctl.WRITER_IDLE) !== 0) wakeWriter(this.ctl);
  }

  // ------------------------------------------------------------------------------------------------------
  // Flush and finish

  /** Resolves when everything handed over so far is committed. */
  flush(): Promise<void> {
    return this.waits.flush();
  }

  /** Blocks the thread until everything handed over so far is committed. */
  flushSync(timeoutMs: number): void {
    this.waits.flushSync(timeoutMs);
  }

  /** Posts the finish message (once). */
  postFinish(status: 'finished' | 'interrupted' | 'crashed', config: unknown): void {
    if (this.finishPosted || this.thread.deadReason !== null) return;
    this.finishPosted = true;
    this.thread.hold(true);
    this.bound.endEpisode();
    Atomics.store(this.ctl, Ctl.POSTED, this.seq);
    this.port.postMessage({ t: 'finish', lastSeq: this.seq, status, config } satisfies ToWriter);
    wakeWriter(this.ctl);
  }

  /** Resolves with the writer's summary when it has closed; rejects if it dies first. */
  whenClosed(): Promise<WriterSummary> {
    return this.thread.whenClosed();
  }

  /** A mark that changes whenever the writer advances, for the finish watchdog. */
  progressMark(): string {
    return this.waits.progressMark();
  }

  /**
   * Blocks until the writer has closed (the exit hook), reporting progress every 5 s through `onProgress`.
   * Returns false when the writer died or made no progress for the no-progress limit.
   */
  waitClosedBlocking(onProgress: (notDurable: number) => void): boolean {
    return this.waits.waitClosedBlocking(this.stallTimeoutMs, onProgress);
  }

  /** Gives up on a writer that made no progress: it is marked dead and asked to exit. */
  stop(): void {
    this.thread.stop(`the writer made no progress for ${formatSeconds(this.stallTimeoutMs)} and was stopped`);
  }

  /** The exit hook's stop: asks the writer to exit and blocks until it has. */
  stopBlocking(): void {
    this.thread.stopBlocking();
  }
}
