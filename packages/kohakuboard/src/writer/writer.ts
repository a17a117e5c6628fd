/**
 * The writer (docs/client.md#the-writer): one worker thread per board that owns every file of the run. Its
 * loop never needs the event loop: it drains the scalar ring and pulls posted messages synchronously with
 * receiveMessageOnPort, takes them strictly in sequence-number order, commits on a timer, on thresholds and
 * on request, and sleeps with Atomics.wait when idle. So a training loop that never yields still has its
 * data written while it runs.
 */
import { type MessagePort, receiveMessageOnPort } from 'node:worker_threads';
import {
  createMetadataTables,
  logNameToFileStem,
  MetadataDbWriter,
  openForWriting,
  runPaths,
  type SqliteDatabase,
  serializeMetadataJson,
  withFile,
} from '../storage/index.js';
import { errorStack, errorText } from '../util/error-text.js';
import { Committer } from './commit.js';
import { CommitTroubleState } from './commit-trouble.js';
import { processItem } from './items.js';
import { LogFile } from './log-file.js';
import { MemoryHandOver } from './memory-hand-over.js';
import type {
  FinishMessage,
  FromWriter,
  LogMessage,
  ToWriter,
  WriterInit,
  WriterSummary,
} from './messages.js';
import { OpenFiles } from './open-files.js';
import { OutputLog } from './output-log.js';
import { MetricRows, PendingData, SampledMetricRows } from './pending.js';
import { RunMetadataFile } from './run-metadata.js';
import { DATA_HEADER_WORDS, RecordKind, RingReader } from './scalar-ring.js';
import { Ctl, seqAtLeast, WriterState } from './shared-state.js';
import { SystemMetrics } from './system-metrics.js';

/** Commit when this many messages or payload bytes are pending (docs/client.md#commits). */
export const COMMIT_MESSAGES = 10_000;
export const COMMIT_BYTES = 64 * 1024 * 1024;
/**
 * While more messages wait to be taken (the writer is behind), one commit takes up to this many. Each
 * commit rewrites the partly filled last chunk of every column it appends to
 * (docs/format.md#fixed-size-columns) and pays a transaction per file, so a writer that falls behind catches
 * up with larger batches instead of the smallest. COMMIT_BYTES and the flush interval still apply.
 */
export const COMMIT_MESSAGES_BEHIND = 100_000;
/** How long finish() waits for git to describe the working directory of a short run. */
const GIT_WAIT_AT_FINISH_MS = 2000;
/** Memory mode with sync: the logs kept in memory go to the sync thread at most this often. */
const LOGS_POST_MS = 60_000;
/** Pending bytes counted per scalar value (its value and row index) and per message (its steps row). */
const SCALAR_ROW_BYTES = 12;
const MESSAGE_ROW_BYTES = 24;
/** Messages taken between publications of TAKEN and the ring position. */
const PUBLISH_EVERY = 2048;

/** Thrown inside the writer when the board has asked it to stop (Ctl.STOP). */
export class WriterStopped extends Error {
  constructor() {
    super('the board stopped the writer, which had made no progress');
    this.name = 'WriterStopped';
  }
}

export class Writer {
  private readonly ctl: Int32Array;
  private readonly ring: RingReader;
  private readonly port: MessagePort;
  private readonly paths;
  private readonly logs: { writer: LogFile; storage: LogFile; media: LogFile };
  private readonly pending = new PendingData();
  private readonly metricsById: MetricRows[] = [];
  private readonly metricsByStem = new Map<string, MetricRows>();
  private readonly posted: LogMessage[] = [];
  private postedHead = 0;
  private nextSeq = 1;
  private lastTaken = 0;
  private durable = 0;
  private taken = 0;
  /** When the last commit ended: data that waited for it is given a full interval from then. */
  private lastCommitEnd = 0;
  private failedItems = 0;
  private finishRequest: FinishMessage | null = null;
  /** Test hook: throw after taking this many messages (-1: never). */
  private readonly crashAfterMessages: number;
  private files!: OpenFiles;
  private committer!: Committer;
  private metadataDb!: SqliteDatabase;
  private output: OutputLog | null = null;
  private readonly meta: RunMetadataFile;
  private trouble!: CommitTroubleState;
  /** System metrics (docs/client.md#system-metrics), or null when they are off. */
  private system: SystemMetrics | null = null;
  private readonly systemRows = new Map<string, SampledMetricRows>();
  /** The step and global step of the last message taken: system samples are stored at them. */
  private lastStep = 0;
  private lastGlobalStep = 0;
  /** Memory mode with sync: hands committed rows to the sync thread (docs/sync.md#memory-mode-with-sync). */
  private memorySync: MemoryHandOver | null = null;
  private nextLogsPostAt = 0;

  constructor(
    private readonly init: WriterInit,
    private readonly report: (message: FromWriter) => void,
  ) {
    this.ctl = new Int32Array(init.control);
    this.ring = new RingReader(init.ring, this.ctl);
    this.port = init.port;
    this.paths = runPaths(init.runDir);
    const logPath = (name: string) => (init.memoryMode ? null : `${this.paths.logsDir}/${name}`);
    this.logs = {
      writer: new LogFile('WRITER', logPath('writer.log')),
      storage: new LogFile('STORAGE', logPath('storage.log')),
      media: new LogFile('MEDIA', logPath('media.log')),
    };
    this.meta = new RunMetadataFile(init.memoryMode ? null : init.runDir, init.metadata, init.startedAtMs);
    this.crashAfterMessages = init.crashAfterMessages ?? -1;
  }

  /**
   * Creates data/metadata.db with every table and an empty output.log, then reports ready
   * (docs/client.md#what-the-constructor-does step 4).
   */
  start(): void {
    let db: SqliteDatabase;
    try {
      db = openForWriting(this.init.memoryMode ? ':memory:' : this.paths.metadataDb, 'metadata').db;
      createMetadataTables(db);
    } catch (err) {
      throw withFile(err, 'data/metadata.db');
    }
    this.metadataDb = db;
    this.logs.storage.debug(`Created ${this.paths.metadataDb}`);
    this.files = new OpenFiles(this.init.runDir, this.init.memoryMode, this.logs.storage);
    this.committer = new Committer(this.files, db, new MetadataDbWriter(db), this.logs);
    this.trouble = new CommitTroubleState(this.init.control, this.ctl, this.logs.writer, () =>
      this.report({ t: 'trouble' }),
    );
    if (this.init.captureOutput)
      this.output = new OutputLog(this.init.memoryMode ? null : this.paths.outputLog);
    if (this.init.memoryMode && this.init.sync) {
      this.memorySync = new MemoryHandOver(
        {
          metadataDb: db,
          metadataText: () => serializeMetadataJson(this.meta.current),
          files: () => this.files.memoryFiles(),
          forgetFiles: () => this.files.forgetMemoryFiles(),
        },
        this.init.sync.port,
        this.init.sync.periodMs,
      );
      this.nextLogsPostAt = Date.now() + LOGS_POST_MS;
    }
    Atomics.store(this.ctl, Ctl.STATE, WriterState.RUNNING);
    Atomics.notify(this.ctl, Ctl.STATE);
    this.logs.writer.info(`Writer started for ${this.init.runDir}`);
    this.report({ t: 'ready' });
  }

  /** The writer's loop; resolves when the run is finished and every file is closed. */
  async run(): Promise<void> {
    this.startSystemMetrics();
    for (;;) {
      this.checkStop();
      const took = this.drain();
      const now = Date.now();
      if (this.system?.isDue(now)) await this.sampleSystem(now);
      this.maybeCommit(now);
      this.useOutput((o) => o.refresh(now, false));
      if (!this.init.memoryMode) this.heartbeat(now);
      if (this.memorySync) this.feedMemorySync(now);
      if (this.finishRequest && seqAtLeast(this.lastTaken, this.finishRequest.lastSeq)) {
        return this.finish(this.finishRequest);
      }
      if (took === 0) this.sleep(now);
    }
  }

  // ------------------------------------------------------------------------------------------------------
  // Taking messages in sequence order

  /** Pulls every message waiting on the port; returns how many there were. */
  private pullPort(): number {
    for (let count = 0; ; count++) {
      const m = receiveMessageOnPort(this.port);
      if (m === undefined) return count;
      const msg = m.message as ToWriter;
      switch (msg.t) {
        case 'log':
          this.posted.push(msg);
          break;
        case 'output':
          this.useOutput((o) => o.write(msg.stream, msg.data));
          break;
        case 'finish':
          this.finishRequest = msg;
          Atomics.store(this.ctl, Ctl.STATE, WriterState.FINISHING);
          break;
      }
    }
  }

  /** Takes every message available in order. Returns how many were taken. */
  private drain(): number {
    this.pullPort();
    const words = this.ring.words;
    let count = 0;
    let sincePublish = 0;
    for (;;) {
      const idx = this.ring.next();
      if (idx >= 0) {
        const header = words[idx];
        const len = RingReader.length(header);
        if (RingReader.kind(header) === RecordKind.NAME) {
          const [id, name] = this.ring.readName(idx);
          this.metricsById[id] = this.metricRows(name);
          this.ring.advance(len);
          continue;
        }
        if (words[idx + 1] === this.nextSeq) {
          this.takeRecord(words, idx, len);
          this.ring.advance(len);
          count++;
          if (++sincePublish === PUBLISH_EVERY) {
            sincePublish = 0;
            this.publishTaken();
            if (this.commitThresholdReached()) break;
          }
          continue;
        }
      }
      // The next message is not in the ring (or the ring is empty): it may have been posted.
      if (this.postedHead === this.posted.length) this.pullPort();
      const next = this.posted[this.postedHead];
      if (next !== undefined && next.seq === this.nextSeq) {
        this.posted[this.postedHead++] = undefined as unknown as LogMessage;
        if (this.postedHead > 1024 && this.postedHead * 2 > this.posted.length) {
          this.posted.splice(0, this.postedHead);
          this.postedHead = 0;
        }
        this.takePosted(next);
        count++;
        // Posted messages carry heavy items: report progress after each, and commit once enough is pending.
        this.publishTaken();
        if (this.commitThresholdReached()) break;
        continue;
      }
      break;
    }
    if (count > 0) this.publishTaken();
    return count;
  }

  private metricRows(name: string): MetricRows {
    const stem = logNameToFileStem(name);
    let rows = this.metricsByStem.get(stem);
    if (!rows) {
      rows = new MetricRows(stem);
      this.metricsByStem.set(stem, rows);
    }
    return rows;
  }

  private takeRecord(words: Float64Array, idx: number, len: number): void {
    const step = words[idx + 2];
    const globalStep = words[idx + 3];
    this.lastStep = step;
    this.lastGlobalStep = globalStep;
    const timestamp = words[idx + 4];
    const touched = this.pending.touched;
    const row = this.pending.steps.add(step, globalStep, timestamp);
    const end = idx + len;
    for (let j = idx + DATA_HEADER_WORDS; j < end; j += 2) {
      const rows = this.metricsById[words[j]];
      if (rows === undefined) continue; // never announced: the board drops such values, so this is defensive
      if (rows.n === 0) touched.add(rows);
      rows.push(row, words[j + 1]);
    }
    this.pending.noteMessage(
      timestamp,
      MESSAGE_ROW_BYTES + ((len - DATA_HEADER_WORDS) >> 1) * SCALAR_ROW_BYTES,
    );
    this.advanceSeq();
  }

  private takePosted(m: LogMessage): void {
    this.lastStep = m.step;
    this.lastGlobalStep = m.globalStep;
    let bytes = MESSAGE_ROW_BYTES + m.scalarNames.length * SCALAR_ROW_BYTES;
    const row = this.pending.steps.add(m.step, m.globalStep, m.timestamp);
    for (let i = 0; i < m.scalarNames.length; i++) {
      const rows = this.metricRows(m.scalarNames[i]);
      if (rows.n === 0) this.pending.touched.add(rows);
      rows.push(row, m.scalarValues[i]);
    }
    const ctx = { step: m.step, globalStep: m.globalStep, pending: this.pending, log: this.logs.writer };
    for (const item of m.items) {
      bytes += itemBytes(item);
      if (!processItem(item, ctx)) this.failedItems++;
    }
    this.pending.noteMessage(m.timestamp, bytes);
    this.advanceSeq();
  }

  private advanceSeq(): void {
    this.lastTaken = this.nextSeq;
    this.nextSeq = (this.nextSeq + 1) | 0;
    if (++this.taken === this.crashAfterMessages) {
      throw new Error(`Injected writer crash after ${this.taken} messages (test hook)`);
    }
  }

  private publishTaken(): void {
    this.ring.publishTail();
    Atomics.store(this.ctl, Ctl.TAKEN, this.lastTaken);
    Atomics.store(this.ctl, Ctl.PROGRESS_S, Math.floor((Date.now() - this.init.startedAtMs) / 1000));
    if (
      Atomics.load(this.ctl, Ctl.BOARD_WAITING) !== 0 &&
      seqAtLeast(this.lastTaken, Atomics.load(this.ctl, Ctl.WAKE_BOARD_AT))
    ) {
      Atomics.notify(this.ctl, Ctl.TAKEN);
    }
  }

  // ------------------------------------------------------------------------------------------------------
  // Commits

  private commitThresholdReached(): boolean {
    const { messages, bytes } = this.pending;
    if (bytes >= COMMIT_BYTES || messages >= COMMIT_MESSAGES_BEHIND) return true;
    return messages >= COMMIT_MESSAGES && !this.moreWaiting();
  }

  /** True when a message is waiting to be taken (in the ring, or posted and already pulled from the port). */
  private moreWaiting(): boolean {
    return this.ring.next() >= 0 || this.postedHead < this.posted.length;
  }

  private flushRequested(): boolean {
    const wanted = Atomics.load(this.ctl, Ctl.FLUSH_REQUEST);
    return !seqAtLeast(this.durable, wanted);
  }

  /**
   * When the pending data is due by the flush interval: flushIntervalMs after the oldest uncommitted message
   * was logged, or — for data that arrived while the writer was busy committing (the writer is behind) —
   * flushIntervalMs after that commit ended. A writer that keeps up thus commits everything within the
   * interval of its logging; one that falls behind commits in larger batches instead of in the smallest.
   */
  private intervalDueAt(): number | null {
    const oldest = this.pending.oldestTimestamp;
    if (oldest === null) return null;
    return Math.max(oldest, this.lastCommitEnd) + this.init.flushIntervalMs;
  }

  private commitDue(now: number): boolean {
    if (this.commitThresholdReached() || this.flushRequested() || this.finishRequest) return true;
    if (this.memorySync?.isDue(now, true)) return true;
    const due = this.intervalDueAt();
    if (due !== null && now >= due) return true;
    const retry = this.committer.retryAt();
    return retry !== null && now >= retry;
  }

  private maybeCommit(now: number): boolean {
    if (this.durable === this.lastTaken && this.pending.isEmpty()) return true;
    if (!this.commitDue(now)) return false;
    if (this.pending.isEmpty()) {
      this.markDurable(this.lastTaken);
      return true;
    }
    const seq = this.lastTaken;
    const messages = this.pending.messages;
    const started = performance.now();
    const done = this.committer.commit(this.pending, now);
    const c = this.committer;
    this.trouble.update(c.roundFailures > 0, done, c.droppedRows, c.lastFailure);
    if (!done) return false;
    this.pending.resetCounters();
    this.lastCommitEnd = Date.now();
    this.logs.writer.debug(
      `Committed ${messages} messages in ${(performance.now() - started).toFixed(1)} ms`,
    );
    this.markDurable(seq);
    this.memorySync?.markCommitted();
    this.useOutput((o) => o.refresh(now, true));
    return true;
  }

  private markDurable(seq: number): void {
    this.durable = seq;
    Atomics.store(this.ctl, Ctl.DURABLE, seq);
    Atomics.store(this.ctl, Ctl.PROGRESS_S, Math.floor((Date.now() - this.init.startedAtMs) / 1000));
    Atomics.notify(this.ctl, Ctl.DURABLE);
    if (Atomics.load(this.ctl, Ctl.ASYNC_FLUSH_WAITING) !== 0) this.report({ t: 'durable', seq });
  }

  // ------------------------------------------------------------------------------------------------------
  // Sleeping

  private sleep(now: number): void {
    let until = now + this.init.flushIntervalMs;
    const consider = (t: number | null) => {
      if (t !== null && t < until) until = t;
    };
    consider(this.intervalDueAt());
    consider(this.committer.retryAt());
    consider(this.output?.dueAt() ?? null);
    consider(this.system?.dueAt() ?? null);
    if (!this.init.memoryMode) consider(this.meta.dueAt());
    if (this.memorySync) {
      consider(this.memorySync.dueAt(!this.pending.isEmpty()));
      consider(this.nextLogsPostAt);
    }
    const timeout = Math.max(0, until - now);
    if (timeout === 0) return;
    const wake = Atomics.load(this.ctl, Ctl.WAKE);
    Atomics.store(this.ctl, Ctl.WRITER_IDLE, 1);
    // Look once more after announcing the sleep, so that a message posted just now is not left waiting.
    if (this.ring.next() < 0 && this.postedHead === this.posted.length && this.pullPort() === 0) {
      Atomics.wait(this.ctl, Ctl.WAKE, wake, timeout);
    }
    Atomics.store(this.ctl, Ctl.WRITER_IDLE, 0);
  }

  // ------------------------------------------------------------------------------------------------------
  // Memory mode with sync (docs/sync.md#memory-mode-with-sync)

  /** Packages what is committed when due (everything taken must be committed first), and the logs. */
  private feedMemorySync(now: number): void {
    const sync = this.memorySync as MemoryHandOver;
    if (this.durable === this.lastTaken && sync.isDue(now, false)) this.handOverToSync(now, false);
    if (now >= this.nextLogsPostAt) {
      this.nextLogsPostAt = now + LOGS_POST_MS;
      sync.postLogs(this.memoryLogTexts());
    }
  }

  private handOverToSync(now: number, final: boolean): void {
    try {
      const bytes = (this.memorySync as MemoryHandOver).handOver(now, final);
      this.logs.writer.debug(`Handed ${bytes} bytes of databases to the remote sync`);
    } catch (err) {
      this.logs.writer.error(`Handing rows to the remote sync failed: ${errorStack(err)}`);
    }
  }

  private memoryLogTexts(): Record<string, string> {
    const files: Record<string, string> = {
      'writer.log': this.logs.writer.memory.join(''),
      'storage.log': this.logs.storage.memory.join(''),
      'media.log': this.logs.media.memory.join(''),
    };
    if (this.output) files['output.log'] = this.output.text();
    return files;
  }

  // ------------------------------------------------------------------------------------------------------
  // Finish (docs/client.md#finishing step 4)

  private async finish(request: FinishMessage): Promise<void> {
    await this.stopSystemMetrics();
    // Commit everything; a failing file is retried (1 s, 2 s) and then dropped, so this ends.
    while (!this.maybeCommit(Date.now())) {
      this.checkStop();
      const retry = this.committer.retryAt() ?? Date.now() + 100;
      Atomics.wait(this.ctl, Ctl.WAKE, Atomics.load(this.ctl, Ctl.WAKE), Math.max(1, retry - Date.now()));
      this.pullPort();
    }
    this.checkStop();
    this.useOutput((o) => o.finish());
    // A run that lost data is recorded as crashed, whatever ended it.
    const dropped = this.committer.droppedRows;
    const status = dropped > 0 ? 'crashed' : request.status;
    if (dropped > 0) {
      this.logs.writer.error(
        `${dropped} rows could not be written (${this.trouble.lastCause ?? 'failed transactions'}); the run is recorded as crashed.`,
      );
    }
    this.meta.finalize(status, Date.now(), request.config);
    if (this.memorySync) this.handOverToSync(Date.now(), true);
    const closing = performance.now();
    const closed = await this.files.closeAll([{ db: this.metadataDb, path: this.paths.metadataDb }]);
    this.logs.storage.debug(
      `Checkpointed and closed ${closed} files in ${(performance.now() - closing).toFixed(0)} ms`,
    );
    try {
      this.meta.write();
    } catch (err) {
      this.logs.writer.error(`The final metadata.json could not be written: ${errorText(err)}`);
    }
    this.useOutput((o) => o.close());
    const summary: WriterSummary = {
      messages: this.taken,
      droppedRows: dropped,
      failedItems: this.failedItems,
      ...(dropped > 0 && this.trouble.lastCause ? { dropCause: this.trouble.lastCause } : {}),
    };
    this.logs.writer.info(
      `Writer finished: ${summary.messages} messages, ${summary.failedItems} failed items, ${summary.droppedRows} dropped rows`,
    );
    if (this.memorySync) {
      this.memorySync.postLogs(this.memoryLogTexts());
      this.memorySync.end();
    }
    for (const log of Object.values(this.logs)) log.close();
    Atomics.store(this.ctl, Ctl.STATE, WriterState.CLOSED);
    Atomics.notify(this.ctl, Ctl.STATE);
    Atomics.notify(this.ctl, Ctl.DURABLE);
    this.report({ t: 'closed', summary });
  }

  /**
   * Runs an output.log operation. Captured output is not logged data: when its file cannot be written (a
   * full disk, say), capture stops for this run with an ERROR in writer.log instead of ending the writer.
   */
  private useOutput(fn: (output: OutputLog) => void): void {
    if (this.output === null) return;
    try {
      fn(this.output);
    } catch (err) {
      this.logs.writer.error(
        `logs/output.log could not be written (${errorText(err)}); output capture stopped`,
      );
      try {
        this.output.close();
      } catch {
        /* already failing */
      }
      this.output = null;
    }
  }

  /**
   * The 30 s rewrite of metadata.json (docs/client.md#heartbeat); a failed write is logged and tried again at
   * the next one.
   */
  private heartbeat(now: number): void {
    try {
      this.meta.heartbeat(now);
    } catch (err) {
      this.logs.writer.error(`The heartbeat could not rewrite metadata.json: ${errorText(err)}`);
    }
  }

  // ------------------------------------------------------------------------------------------------------
  // System metrics (docs/client.md#system-metrics)

  /**
   * Describes the machine into metadata.json and starts the sampler. This runs after the writer reported
   * ready, so that the child processes it waits for (git, nvidia-smi) delay neither the board nor its thread.
   */
  private startSystemMetrics(): void {
    const init = this.init.systemMetrics;
    if (!init) return;
    let machine: unknown;
    try {
      this.system = new SystemMetrics(init, this.ctl, (level, message) =>
        this.report({ t: 'notice', level, message }),
      );
      machine = this.system.start(Date.now());
    } catch (err) {
      this.logs.writer.error(`System metrics could not start: ${errorText(err)}`);
      this.report({ t: 'notice', level: 'WARNING', message: `System metrics are off: ${errorText(err)}` });
      this.system?.stop();
      this.system = null;
      return;
    }
    this.writeMachine(machine);
  }

  /** Takes one sample and adds its values as rows at the last step taken, with the sample's wall time. */
  private async sampleSystem(now: number): Promise<void> {
    if (!this.system) return;
    const step = this.lastStep;
    const globalStep = this.lastGlobalStep;
    let count = 0;
    await this.system.sample(now, (name, value) => {
      let rows = this.systemRows.get(name);
      if (!rows) {
        rows = new SampledMetricRows(logNameToFileStem(name));
        this.systemRows.set(name, rows);
      }
      if (rows.n === 0) this.pending.touched.add(rows);
      rows.pushSample(step, globalStep, now, value);
      count++;
    });
    if (count > 0) this.pending.noteRows(now, count * MESSAGE_ROW_BYTES);
    this.writeMachine(this.system.takeDescription());
  }

  /** Writes metadata.json with the machine description; a failure waits for the heartbeat's next write. */
  private writeMachine(machine: unknown): void {
    // A board that gave up on this writer has recorded the run as crashed: the file is no longer the writer's.
    if (machine === null || Atomics.load(this.ctl, Ctl.STOP) !== 0) return;
    try {
      this.meta.addMachine(machine);
    } catch (err) {
      this.logs.writer.error(
        `metadata.json could not be written with the machine description: ${errorText(err)}`,
      );
    }
  }

  /** A last sample when enough time has passed since the previous one, then the GPU process ends. */
  private async stopSystemMetrics(): Promise<void> {
    if (!this.system) return;
    const now = Date.now();
    try {
      await this.system.settle(GIT_WAIT_AT_FINISH_MS);
      if (this.system.finalSampleWorthIt(now)) await this.sampleSystem(now);
      else this.writeMachine(this.system.takeDescription());
    } finally {
      const cost = this.system.stop();
      this.system = null;
      if (cost) this.logs.writer.info(cost);
    }
  }

  private checkStop(): void {
    if (Atomics.load(this.ctl, Ctl.STOP) !== 0) throw new WriterStopped();
  }

  /** Called when start() or the loop threw: the error goes to writer.log (docs/client.md#writer-failures). */
  failed(err: unknown, phase: 'start' | 'run'): void {
    this.system?.stop();
    this.system = null;
    if (err instanceof WriterStopped) {
      this.logs.writer.error(`Writer stopped: ${err.message}; what was not committed is lost`);
    } else {
      const what = phase === 'start' ? 'Writer could not start' : 'Writer crashed';
      this.logs.writer.error(`${what}: ${errorStack(err)}`);
    }
    for (const log of Object.values(this.logs)) log.close();
  }
}

function itemBytes(item: LogMessage['items'][number]): number {
  switch (item.kind) {
    case 'media':
      return item.bytes?.byteLength ?? item.pixels?.data.byteLength ?? 0;
    case 'histogram':
      return item.values?.byteLength ?? 0;
    case 'tensor':
      return item.data.byteLength;
    case 'kde':
      return (item.values?.byteLength ?? 0) + (item.grid?.byteLength ?? 0) + (item.density?.byteLength ?? 0);
    case 'table':
      return item.rows.length * item.columns.length * 16;
  }
}
