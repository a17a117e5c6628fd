/**
 * Board (docs/client.md#board): the logging API. Each call validates cheaply, assigns its step
 * (docs/client.md#steps), copies its payload and hands one message to the writer thread: a scalar-only call
 * as a record in the shared ring, any other call as one posted message with its buffers transferred. log()
 * never throws after construction: a bad entry is skipped and reported once per key, and the call's step is
 * consumed all the same.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import {
  checkItemName,
  checkLogName,
  formatPythonIso,
  friendlyRunName,
  logNameWarning,
  type RunMetadata,
  runFolderName,
  shownName,
  writeMetadataJson,
} from '../storage/index.js';
import { LiveSync } from '../sync/live-sync.js';
import { MemorySync, memorySyncPeriodMs } from '../sync/memory-sync.js';
import { asError, errorText } from '../util/error-text.js';
import { VERSION } from '../version.js';
import type { LogItem } from '../writer/messages.js';
import { BoardEnding } from './board-ending.js';
import { BoardLogger } from './board-logger.js';
import { type BoardOptions, resolveBoardOptions } from './board-options.js';
import { describeValue } from './errors.js';
import { publishHeapEvery } from './heap-publisher.js';
import { captureHistogram, Histogram, type HistogramOptions, histogramHasData } from './histogram.js';
import { internalHooksOf } from './internal-hooks.js';
import { captureKde, type KdeData, type KdeOptions, KernelDensity } from './kernel-density.js';
import { captureMedia, type ImageInput, Media } from './media.js';
import type { NumericInput } from './numeric-input.js';
import { addOutputSink, type OutputSink, removeOutputSink } from './output-capture.js';
import { transferListOf } from './payloads.js';
import { type EndStatus, type HookedBoard, registerBoard, unregisterBoard } from './process-hooks.js';
import { claimRunFolder, createRunSubfolders } from './run-folder.js';
import { type ScalarLike, scalarNoteText, toScalar } from './scalar-value.js';
import { captureTable, Table, type TableCell } from './table.js';
import { captureTensor, type TensorDType, type TensorInput, TensorLog } from './tensor.js';
import { DEFAULT_STALL_MS, WriterLink } from './writer-link.js';

export type LogValue =
  | number
  | boolean
  | bigint
  | ScalarLike
  | ArrayLike<number>
  | Media
  | Table
  | Histogram
  | TensorLog
  | KernelDensity;

/** A metric name that failed the name rules (docs/format.md#log-names). */
const INVALID = -1;

export class Board implements HookedBoard {
  readonly name: string;
  readonly project: string;
  readonly runId: string;
  readonly annotation: string | null;
  readonly boardId: string;
  readonly boardDir: string;
  readonly config: Record<string, unknown>;
  readonly createdAt: Date;
  readonly memoryMode: boolean;
  readonly handlesSignals: boolean;

  private _step = -1;
  private _globalStep = 0;
  private readonly logger: BoardLogger;
  private readonly link: WriterLink;
  private readonly metadata: RunMetadata;
  private readonly metricIds = new Map<string, number>();
  private nextMetricId = 0;
  private scratchIds = new Float64Array(64);
  private scratchValues = new Float64Array(64);
  /**
   * The keys of the last call that took the hot path, in order; scratchIds still holds their ids. A training
   * loop logs the same keys call after call, so a key is usually compared with one string, not hashed.
   */
  private readonly hotKeys: string[] = [];
  private outputSink: OutputSink | null = null;
  private readonly ending: BoardEnding;
  /** Remote sync (docs/sync.md): of the run folder, or of a memory-mode writer's rows. */
  private remoteSync: LiveSync | MemorySync | null = null;
  private warnedAfterFinish = false;

  constructor(options?: BoardOptions) {
    // 1. Everything is validated before anything touches the disk.
    const o = resolveBoardOptions(options);
    this.config = o.config;
    this.project = o.project;
    this.annotation = o.annotation;
    this.memoryMode = o.memoryMode;
    this.handlesSignals = o.handleSignals;
    this.name = o.name ?? friendlyRunName();
    this.createdAt = new Date();
    const projectDir = join(o.baseDir, o.project);

    // 2–3. The run id and the folder (claimed with an exclusive mkdir), board.log and metadata.json.
    const { runId, runDir } = claimRunFolder(projectDir, o.runId, o.annotation, !o.memoryMode);
    this.runId = runId;
    this.boardId = runFolderName(runId, o.annotation);
    this.boardDir = runDir;
    const created = formatPythonIso(this.createdAt);
    this.metadata = {
      name: this.name,
      config: o.configSnapshot,
      created_at: created,
      project: o.project,
      finished_at: null,
      run_id: runId,
      annotation: o.annotation,
      status: 'running',
      version: VERSION,
      updated_at: created,
    };
    let logger: BoardLogger | undefined;
    try {
      if (!o.memoryMode) createRunSubfolders(runDir);
      logger = new BoardLogger(o.memoryMode ? null : join(runDir, 'logs', 'board.log'));
      if (!o.memoryMode) writeMetadataJson(runDir, this.metadata);
    } catch (err) {
      logger?.close();
      if (!o.memoryMode) removeRunFolder(runDir);
      throw err;
    }
    this.logger = logger;

    // 4. The writer thread (in memory mode with sync, the sync thread it hands its rows to first).
    const hooks = internalHooksOf(options);
    const { remoteUrl, remoteToken, remoteProject, syncEnabled, syncInterval } = o.sync;
    const syncOn = syncEnabled && remoteUrl !== null && remoteToken !== null;
    const memorySync =
      syncOn && o.memoryMode
        ? new MemorySync(
            { runDir, remoteUrl, token: remoteToken, project: remoteProject, runId },
            logger,
            () => logger.memoryText(),
          )
        : null;
    this.link = new WriterLink(
      {
        runDir,
        memoryMode: o.memoryMode,
        captureOutput: o.captureOutput,
        flushIntervalMs: o.flushIntervalMs,
        queueCapacity: o.queueCapacity,
        queueMaxBytes: o.queueMaxBytes,
        metadata: this.metadata,
        startedAtMs: this.createdAt.getTime(),
        stallTimeoutMs: hooks.stallTimeoutMs ?? DEFAULT_STALL_MS,
        crashAfterMessages: hooks.writerCrashAfterMessages,
        diskFullWhileFileExists: hooks.diskFullWhileFileExists,
        ...(memorySync
          ? { sync: { port: memorySync.writerPort, periodMs: memorySyncPeriodMs(syncInterval) } }
          : {}),
        ...(o.systemMetrics
          ? {
              systemMetrics: {
                intervalMs: o.systemMetricsIntervalMs,
                commandLine: [process.execPath, ...process.argv.slice(1)],
                cwd: process.cwd(),
              },
            }
          : {}),
      },
      logger,
    );
    const stopHeap = o.systemMetrics ? publishHeapEvery(this.link.ctl, o.systemMetricsIntervalMs) : () => {};

    // 5–7. Output capture, the process hooks, and the creation lines.
    if (o.captureOutput) {
      this.outputSink = (stream, data) => this.link.postOutput(stream, data);
      addOutputSink(this.outputSink);
    }
    this.ending = new BoardEnding({
      name: this.name,
      boardDir: runDir,
      memoryMode: o.memoryMode,
      metadata: this.metadata,
      config: this.config,
      link: this.link,
      logger,
      stopCapture: () => {
        stopHeap();
        if (this.outputSink) removeOutputSink(this.outputSink);
        this.outputSink = null;
      },
      onEnded: () => {
        stopHeap();
        unregisterBoard(this);
      },
      finalSync: () => this.remoteSync?.finish(hooks.finalSyncTimeoutMs) ?? Promise.resolve(),
      stopSync: () => this.remoteSync?.stop(),
    });
    if (memorySync) {
      this.remoteSync = memorySync;
      logger.info(
        `Remote sync to ${remoteUrl} (project ${remoteProject}) every ${memorySyncPeriodMs(syncInterval) / 1000} s; memory mode: the server holds the only copy`,
      );
    } else if (syncOn) {
      this.remoteSync = new LiveSync(
        { runDir, remoteUrl, token: remoteToken, project: remoteProject, intervalS: syncInterval },
        logger,
      );
      logger.info(`Remote sync to ${remoteUrl} (project ${remoteProject}) every ${syncInterval} s`);
    }
    registerBoard(this);
    for (const w of o.warnings) logger.warning(w);
    if (o.memoryMode && !memorySync) {
      logger.warning(
        'Memory mode without remote sync: everything logged will be lost when the process exits.',
      );
    }
    logger.info(`Board created: ${this.name} (run_id: ${runId}, annotation: ${o.annotation ?? '—'})`);
    logger.info(o.memoryMode ? 'Board directory: none (memory mode)' : `Board directory: ${runDir}`);
  }

  /** Like the constructor, but resolves only when the writer has created its files. */
  static async create(options?: BoardOptions): Promise<Board> {
    const board = new Board(options);
    await board.link.whenReady();
    return board;
  }

  /** The internal step: the id of the last logging call (−1 before the first). */
  get currentStep(): number {
    return this._step;
  }

  /** The user's training step, moved by step(). */
  get globalStep(): number {
    return this._globalStep;
  }

  /**
   * Moves the global step (once per optimizer update). The increment must be a safe integer (0 and negative
   * values are accepted); anything else, such as 1.5, is ignored with one warning.
   */
  step(increment = 1): void {
    if (!Number.isSafeInteger(increment)) {
      this.logger.warnOnce(
        'step()',
        `step() takes a safe integer increment, got ${describeValue(increment)}; ignored`,
      );
      return;
    }
    this._globalStep += increment;
  }

  // ------------------------------------------------------------------------------------------------------
  // log()

  /**
   * Logs values at one step: scalars, Media, Table, Histogram, TensorLog and KernelDensity may be mixed.
   * Returns the step used. Never throws: a bad entry is skipped with one warning per key (console and
   * logs/board.log). After finish() has started, calls are dropped with one warning; once the board has
   * finished, that warning goes to the console only, because board.log is closed.
   */
  log(values: Record<string, LogValue>, options?: { autoStep?: boolean }): number {
    if (this.ending.started) return this.afterFinish();
    const step = autoStepOf(options) ? ++this._step : this._step;
    if (!this.link.acceptsData()) return step;
    try {
      this.logValues(values, step);
    } catch (err) {
      // Not expected (every entry is checked on its own), but the training loop must never die of logging.
      this.logger.warnOnce('log()', `log() failed at step ${step}: ${errorText(err)}`);
    }
    return step;
  }

  private logValues(values: Record<string, LogValue>, step: number): void {
    if (values === null || typeof values !== 'object' || Array.isArray(values)) {
      this.logger.warnOnce(
        'log()',
        `log() takes an object of name → value, got ${describeValue(values)}; the call was ignored`,
      );
      return;
    }
    const timestamp = Date.now();
    // The hot path: numbers under names seen before go straight into the ring.
    const ids = this.scratchIds;
    const vals = this.scratchValues;
    const hotKeys = this.hotKeys;
    let n = 0;
    let general = false;
    try {
      for (const key in values) {
        const v = values[key];
        // -0 takes the general path, which says once per name how it reads back.
        if (typeof v !== 'number' || n === ids.length || (v === 0 && 1 / v < 0)) {
          general = true;
          break;
        }
        if (key !== hotKeys[n]) {
          const id = this.metricIds.get(key);
          if (id === undefined || id === INVALID) {
            general = true;
            break;
          }
          ids[n] = id;
          hotKeys[n] = key;
        }
        vals[n] = v;
        n++;
      }
    } catch {
      general = true; // a getter that throws: the general path reads each entry on its own
    }
    if (general) {
      hotKeys.length = 0; // the general path reuses scratchIds
      this.logEntries(values, step, timestamp);
    } else if (n > 0) {
      if (hotKeys.length > n) hotKeys.length = n;
      this.link.sendScalars(step, this._globalStep, timestamp, ids, vals, n);
    }
  }

  /**
   * The general path of log(): classifies every entry (docs/client.md#logging) and hands the call over as one
   * message.
   */
  private logEntries(values: Record<string, unknown>, step: number, timestamp: number): void {
    const names: string[] = [];
    const numbers: number[] = [];
    const items: LogItem[] = [];
    for (const key of Object.keys(values)) {
      let v: unknown;
      try {
        v = values[key];
      } catch (err) {
        this.logger.warnOnce(key, `Skipped "${shownName(key)}": reading it threw ${errorText(err)}`);
        continue;
      }
      if (v instanceof TensorLog || v instanceof KernelDensity || v instanceof Histogram) {
        if (!this.fileNameOk(key)) continue;
        this.captureInto(items, key, () =>
          v instanceof TensorLog
            ? captureTensor(v, key)
            : v instanceof KernelDensity
              ? captureKde(v, key)
              : this.captureHistogramItem(v, key),
        );
      } else if (v instanceof Table) {
        if (!this.itemNameOk(key)) continue;
        this.captureInto(items, key, () => this.captureTableItem(v, key));
      } else if (v instanceof Media) {
        if (!this.itemNameOk(key)) continue;
        this.captureInto(items, key, () => captureMedia(v, key));
      } else {
        const s = toScalar(v);
        if (s === null) {
          this.logger.warnOnce(
            key,
            `Cannot convert value of "${shownName(key)}" to a number (${describeValue(v)}); skipped`,
          );
          continue;
        }
        if (this.metricId(key) === INVALID) continue;
        if (s.note !== null) {
          this.logger.warnOnce(`note:${key}`, `"${shownName(key)}": ${scalarNoteText(s.note, s.value)}`);
        }
        names.push(key);
        numbers.push(s.value);
      }
    }
    this.handOver(step, timestamp, names, numbers, items);
  }

  /** Sends what remains of a call: as a ring record when it is scalars only, else as one posted message. */
  private handOver(
    step: number,
    timestamp: number,
    names: string[],
    numbers: number[],
    items: LogItem[],
  ): void {
    if (names.length === 0 && items.length === 0) return;
    if (items.length === 0 && this.link.fitsRing(names.length)) {
      if (this.scratchIds.length < names.length) {
        this.scratchIds = new Float64Array(names.length * 2);
        this.scratchValues = new Float64Array(names.length * 2);
      }
      for (let i = 0; i < names.length; i++) {
        this.scratchIds[i] = this.metricId(names[i]);
        this.scratchValues[i] = numbers[i];
      }
      this.link.sendScalars(
        step,
        this._globalStep,
        timestamp,
        this.scratchIds,
        this.scratchValues,
        names.length,
      );
      return;
    }
    const { transfer, bytes } = transferListOf(items);
    try {
      this.link.postLog(
        {
          step,
          globalStep: this._globalStep,
          timestamp,
          scalarNames: names,
          scalarValues: Float64Array.from(numbers),
          items,
        },
        transfer,
        bytes,
      );
    } catch (err) {
      this.logger.warnOnce(
        `step ${step}`,
        `Could not hand the call at step ${step} to the writer: ${errorText(err)}`,
      );
    }
  }

  /** The id of a scalar metric, announcing new names to the writer; INVALID for names that break the rules. */
  private metricId(key: string): number {
    const known = this.metricIds.get(key);
    if (known !== undefined) return known;
    if (!this.fileNameOk(key)) {
      this.metricIds.set(key, INVALID);
      return INVALID;
    }
    const id = this.nextMetricId;
    // A name the writer did not get (it is not running) is announced again next time.
    if (!this.link.announceName(id, key)) return INVALID;
    this.nextMetricId++;
    this.metricIds.set(key, id);
    return id;
  }

  /** The file-name rules of docs/format.md#log-names for metric, histogram, tensor and KDE names. */
  private fileNameOk(key: string): boolean {
    const problem = checkLogName(key);
    if (problem) {
      this.logger.warnOnce(key, `Skipped "${shownName(key)}": ${problem}`);
      return false;
    }
    const note = logNameWarning(key);
    if (note) this.logger.warnOnce(`name:${key}`, `Logging "${shownName(key)}": ${note}`);
    return true;
  }

  /** The names of media and tables: rows of metadata.db, which the viewer must be able to show. */
  private itemNameOk(key: string): boolean {
    const problem = checkItemName(key);
    if (problem) {
      this.logger.warnOnce(key, `Skipped "${shownName(key)}": ${problem}`);
      return false;
    }
    return true;
  }

  /** Captures a histogram; one with nothing to bin is sent all the same (its step counts) but said once. */
  private captureHistogramItem(h: Histogram, key: string): LogItem {
    const item = captureHistogram(h, key);
    if (!histogramHasData(item)) {
      this.logger.warnOnce(
        `empty:${key}`,
        `Histogram "${shownName(key)}" has no finite values at step ${this._step}; nothing is stored for it (said once per name)`,
      );
    }
    return item;
  }

  /** Runs a capture; a failure is reported once per key and skips the item. */
  private capture(key: string, fn: () => LogItem | LogItem[]): LogItem[] | null {
    try {
      const r = fn();
      return Array.isArray(r) ? r : [r];
    } catch (err) {
      this.logger.warnOnce(key, `Skipped "${shownName(key)}": ${errorText(err)}`);
      return null;
    }
  }

  private captureInto(items: LogItem[], key: string, fn: () => LogItem): void {
    const captured = this.capture(key, fn);
    if (captured) items.push(...captured);
  }

  private captureTableItem(table: Table, key: string): LogItem {
    return captureTable(table, key, (cell, problem) =>
      this.logger.warnOnce(
        cell,
        `Table "${shownName(key)}": media cell "${shownName(cell)}" skipped: ${problem}`,
      ),
    );
  }

  private afterFinish(): number {
    if (!this.warnedAfterFinish) {
      this.warnedAfterFinish = true;
      this.logger.warning('Logging after finish() has started: the data is dropped.');
    }
    return this._step;
  }

  // ------------------------------------------------------------------------------------------------------
  // The other log* methods (docs/client.md#other-logging-methods): each always takes a new step.

  /** One media row per image, all at one step. */
  logImages(name: string, images: ImageInput | ImageInput[], caption?: string): number {
    return this.logBuilt(name, () => {
      const list = Array.isArray(images) ? images : [images];
      return list.map((img) =>
        captureMedia(
          img instanceof Media ? img : new Media(img, { caption: caption ?? '', mediaType: 'image' }),
          name,
        ),
      );
    });
  }

  logVideo(
    name: string,
    video: string | Uint8Array,
    options?: { caption?: string; format?: string },
  ): number {
    return this.logMediaFile(name, video, 'video', options);
  }

  logAudio(
    name: string,
    audio: string | Uint8Array,
    options?: { caption?: string; format?: string },
  ): number {
    return this.logMediaFile(name, audio, 'audio', options);
  }

  /** logVideo and logAudio: a file path or encoded bytes of that media type. */
  private logMediaFile(
    name: string,
    data: string | Uint8Array,
    mediaType: 'video' | 'audio',
    options: { caption?: string; format?: string } | undefined,
  ): number {
    return this.logBuilt(name, () =>
      captureMedia(
        new Media(data, { caption: options?.caption ?? '', format: options?.format, mediaType }),
        name,
      ),
    );
  }

  logTable(name: string, table: Table | Array<Record<string, TableCell>>): number {
    return this.logBuilt(name, () =>
      this.captureTableItem(table instanceof Table ? table : new Table(table), name),
    );
  }

  logHistogram(name: string, values: NumericInput, options?: HistogramOptions): number {
    return this.logBuilt(name, () => this.captureHistogramItem(new Histogram(values, options), name), true);
  }

  logTensor(
    name: string,
    values: TensorInput,
    options?: { dtype?: TensorDType; shape?: number[]; metadata?: Record<string, unknown> },
  ): number {
    return this.logBuilt(name, () => captureTensor(new TensorLog(values, options), name), true);
  }

  logKernelDensity(name: string, data: KdeData, options?: KdeOptions): number {
    return this.logBuilt(name, () => captureKde(new KernelDensity(data, options), name), true);
  }

  private logBuilt(name: string, build: () => LogItem | LogItem[], fileName = false): number {
    if (this.ending.started) return this.afterFinish();
    const step = ++this._step;
    if (!this.link.acceptsData()) return step;
    const timestamp = Date.now();
    if (typeof name !== 'string') {
      this.logger.warnOnce(String(name), `Skipped an entry whose name is ${describeValue(name)}`);
      return step;
    }
    if (!(fileName ? this.fileNameOk(name) : this.itemNameOk(name))) return step;
    const items = this.capture(name, build);
    try {
      if (items) this.handOver(step, timestamp, [], [], items);
    } catch (err) {
      this.logger.warnOnce(name, `Skipped "${shownName(name)}": ${errorText(err)}`);
    }
    return step;
  }

  // ------------------------------------------------------------------------------------------------------
  // flush, finish (docs/client.md#endings)

  /** Resolves when everything logged before the call is committed to disk. */
  flush(): Promise<void> {
    if (this.ending.ended) return Promise.resolve();
    return this.link.flush();
  }

  /** Blocks the thread until everything logged before the call is committed; throws on timeout. */
  flushSync(timeoutMs = Number.POSITIVE_INFINITY): void {
    if (this.ending.ended) return;
    this.link.flushSync(timeoutMs);
  }

  /**
   * Resolves on setImmediate, so that a synchronous training loop lets signals through
   * (docs/client.md#signals).
   */
  yield(): Promise<void> {
    return new Promise((resolve) => setImmediate(resolve));
  }

  /** Drains everything, closes the run (status "finished") and resolves when it is on disk. */
  finish(): Promise<void> {
    return this.finishWithStatus('finished');
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.finish();
  }

  /** @internal The hooks' entry: finish with a status (idempotent). */
  finishWithStatus(status: EndStatus, reason?: string): Promise<void> {
    return this.ending.finish(status, reason);
  }

  // ------------------------------------------------------------------------------------------------------
  // HookedBoard (process hooks, docs/client.md#process-exit, docs/client.md#signals)

  /** @internal */
  isFinishing(): boolean {
    return this.ending.started;
  }

  /** @internal */
  isFinished(): boolean {
    return this.ending.ended;
  }

  /** @internal The exit hook: drain synchronously, blocking this thread until the writer has closed. */
  finishBlocking(status: EndStatus): void {
    this.ending.finishBlocking(status);
  }

  /** @internal */
  recordCrash(err: unknown, origin: string): void {
    const e = asError(err);
    const head = `${e.name}: ${e.message}`;
    const stack = e.stack ?? '';
    // A stack normally starts with "Name: message"; then it says everything once.
    this.logger.fileOnly(
      'ERROR',
      `Uncaught exception (${origin}): ${stack.startsWith(head) ? stack : `${head}\n${stack}`}`.trimEnd(),
    );
  }

  /** @internal */
  forceCrashed(reason: string): number {
    return this.ending.forceCrashed(reason);
  }

  /** @internal */
  warn(message: string): void {
    this.logger.warning(message);
  }

  /** @internal */
  error(message: string): void {
    this.logger.error(message);
  }
}

/** False only for `{ autoStep: false }`; a strange options object never makes log() throw. */
function autoStepOf(options: unknown): boolean {
  try {
    return (options as { autoStep?: unknown } | undefined)?.autoStep !== false;
  } catch {
    return true;
  }
}

function removeRunFolder(runDir: string): void {
  try {
    rmSync(runDir, { recursive: true, force: true });
  } catch {
    /* best effort: the original error is what the caller needs to see */
  }
}
