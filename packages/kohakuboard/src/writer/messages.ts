/**
 * What travels between a board and its writer besides the ring: the worker's start data, logging calls that
 * carry large payloads (their buffers transferred, never cloned), captured output, control messages, and the
 * writer's reports. docs/client.md#transport.
 */
import type { MessagePort } from 'node:worker_threads';
import type { NpyTypedArray, RunMetadata } from '../storage/index.js';

export interface WriterInit {
  control: SharedArrayBuffer;
  ring: SharedArrayBuffer;
  /** The port the board posts to; the writer pulls from it with receiveMessageOnPort. */
  port: MessagePort;
  runDir: string;
  memoryMode: boolean;
  captureOutput: boolean;
  flushIntervalMs: number;
  /** metadata.json as written at start (status running). */
  metadata: RunMetadata;
  /** Date.now() when the board was created; PROGRESS_S counts seconds from it. */
  startedAtMs: number;
  /** Internal hook (client/internal-hooks.ts): the loop throws once this many logging messages are taken. */
  crashAfterMessages?: number;
  /** Internal hook: every transaction fails as on a full disk while this file exists. */
  diskFullWhileFileExists?: string;
  /** Present when system metrics are on (docs/client.md#system-metrics). */
  systemMetrics?: SystemMetricsInit;
  /** Memory mode with sync: the port to the sync thread and the packaging period (docs/sync.md#memory-mode-with-sync). */
  sync?: { port: MessagePort; periodMs: number };
}

export interface SystemMetricsInit {
  intervalMs: number;
  /** The process's command line (process.execPath and process.argv of the board's thread). */
  commandLine: string[];
  /** The working directory, whose git commit the machine description records. */
  cwd: string;
}

/** A pixel array as captured from a RawImage: interleaved HWC after any CHW transpose. */
export interface RawPixels {
  data: Uint8Array | Float32Array | Float64Array;
  width: number;
  height: number;
  channels: 1 | 2 | 3 | 4;
  /** True for float data (Float32/Float64 arrays, or number[] with a non-integer value). */
  isFloat: boolean;
}

export interface MediaItem {
  kind: 'media';
  name: string;
  caption: string;
  mediaType: 'image' | 'video' | 'audio';
  /** Stored bytes (a file's bytes or encoded bytes) with their format; absent for pixels. */
  bytes?: Uint8Array;
  format?: string;
  pixels?: RawPixels;
}

export interface TableItem {
  kind: 'table';
  name: string;
  columns: string[];
  columnTypes: string[];
  /** Each cell as a JSON text in the run-folder dialect, or a media cell (index into `media`). */
  rows: Array<Array<string | { media: number }>>;
  /** Media cells, stored as items named `<table>_r<r>_c<c>`; null where capturing failed. */
  media: Array<MediaItem | null>;
  /** Cells that were written as String(value) (docs/client.md#table), for writer.log. */
  fallbacks: string[];
}

export interface HistogramItem {
  kind: 'histogram';
  name: string;
  numBins: number;
  precision: 'exact' | 'compact';
  range: 'percentile' | 'full';
  /**
   * Raw values, binned by the writer: one copy made at log time. A Float32Array input is copied as float32
   * (half the bytes to allocate on the training thread; widening to float64 in the writer is exact).
   */
  values?: Float64Array | Float32Array;
  /** Precomputed: the range and the K counts. */
  computed?: { min: number; max: number; counts: Float64Array; nonUniformEdges: boolean } | 'empty';
}

/** The typed arrays a tensor's elements travel in: those an NPY payload decodes to. */
export type TensorSourceData = NpyTypedArray;

export interface TensorItem {
  kind: 'tensor';
  name: string;
  /** The source elements in their own dtype (`bool` as a Uint8Array of 0/1, `float16` as its bit patterns). */
  data: TensorSourceData;
  sourceDtype: string;
  /** The dtype to store; differs from sourceDtype when the caller asked for a cast. */
  dtype: string;
  shape: number[];
  /** metadata JSON text. */
  metadata: string;
}

export interface KdeItem {
  kind: 'kde';
  name: string;
  values?: Float64Array;
  grid?: Float32Array;
  density?: Float32Array;
  bandwidth: number | 'auto' | null;
  numPoints: number;
  percentileClip: [number, number];
  rangeMin: number | null;
  rangeMax: number | null;
  sampleCount: number | null;
  approximate: boolean;
  approximateBins: number | null;
  /** metadata JSON text. */
  metadata: string;
}

export type LogItem = MediaItem | TableItem | HistogramItem | TensorItem | KdeItem;

/** A logging call with large payloads (or one too large for the ring). */
export interface LogMessage {
  t: 'log';
  seq: number;
  step: number;
  globalStep: number;
  timestamp: number;
  scalarNames: string[];
  scalarValues: Float64Array;
  items: LogItem[];
}

export interface OutputMessage {
  t: 'output';
  stream: 'stdout' | 'stderr';
  data: string | Uint8Array;
}

export interface FinishMessage {
  t: 'finish';
  /** The last sequence number the board handed over; the writer takes everything up to it. */
  lastSeq: number;
  status: 'finished' | 'interrupted' | 'crashed';
  /** The re-serialised config (a plain JSON value), or undefined to keep the snapshot. */
  config?: unknown;
}

export type ToWriter = LogMessage | OutputMessage | FinishMessage;

export interface WriterSummary {
  messages: number;
  /** Rows and blobs dropped after repeated transaction failures. */
  droppedRows: number;
  /** Why the last transaction failed, when rows were dropped (for the board's final report). */
  dropCause?: string;
  /** Items that could not be processed (bad image bytes, KDE without samples, …). */
  failedItems: number;
}

/** An error that ended the writer, as plain data (an Error does not keep its class across threads). */
export interface WriterErrorInfo {
  name: string;
  message: string;
  code?: string;
  stack?: string;
}

export type FromWriter =
  | { t: 'ready' }
  | { t: 'durable'; seq: number }
  | { t: 'closed'; summary: WriterSummary }
  /** The writer could not start (creating its files failed) or its loop threw; its thread then exits. */
  | { t: 'failed'; phase: 'start' | 'run'; error: WriterErrorInfo }
  /** Commit trouble began or ended (the details are in the shared state: Ctl.TROUBLE and its text). */
  | { t: 'trouble' }
  /** A line for logs/board.log only (a system-metric probe that stopped, say). */
  | { t: 'notice'; level: 'INFO' | 'WARNING'; message: string };
