/**
 * Everything the writer has taken but not yet committed, grouped by target file (docs/client.md#commits):
 * blobs for media/blobs.db and data/tensors/*.db, rows for data/histograms/*.db and data/metrics/*.db, and the
 * ordered rows of data/metadata.db.
 */
import type { HistogramRowInput, KernelDensityRow, MediaRow, TensorRow } from '../storage/index.js';

/** A new typed array of `capacity` elements holding the first `n` elements of `a`. */
function regrow<T extends Float64Array | Uint32Array>(a: T, n: number, capacity: number): T {
  const b = new (a.constructor as new (length: number) => T)(capacity);
  b.set(a.subarray(0, Math.min(n, capacity)));
  return b;
}

/** Arrays much larger than what the last batch used give their memory back when emptied. */
const shrinkTo = (used: number, capacity: number, floor: number) =>
  capacity > 4096 && used * 4 < capacity ? Math.max(floor, used) : capacity;

/**
 * The rows of the steps table: one per logging message, in the order taken. The rows of the metric files
 * point into them, so that a call's step, global step and timestamp are kept once, not once per value.
 */
export class StepRows {
  n = 0;
  step: Float64Array;
  globalStep: Float64Array;
  timestamp: Float64Array;

  constructor(capacity = 1024) {
    this.step = new Float64Array(capacity);
    this.globalStep = new Float64Array(capacity);
    this.timestamp = new Float64Array(capacity);
  }

  /** Appends the row of one message; returns its index. */
  add(step: number, globalStep: number, timestamp: number): number {
    if (this.n === this.step.length) this.resize(this.n * 2);
    const i = this.n++;
    this.step[i] = step;
    this.globalStep[i] = globalStep;
    this.timestamp[i] = timestamp;
    return i;
  }

  /** Empties the rows (only once no metric row points into them any more). */
  clear(): void {
    const capacity = shrinkTo(this.n, this.step.length, 1024);
    if (capacity !== this.step.length) this.resize(capacity);
    this.n = 0;
  }

  private resize(capacity: number): void {
    this.step = regrow(this.step, this.n, capacity);
    this.globalStep = regrow(this.globalStep, this.n, capacity);
    this.timestamp = regrow(this.timestamp, this.n, capacity);
  }
}

/** The four columns of a metric file's rows, as MetricFileWriter.append takes them. */
export interface MetricColumns {
  step: Float64Array;
  globalStep: Float64Array;
  timestamp: Float64Array;
  value: Float64Array;
}

/**
 * Rows of one metric file: each row's value and the index of its message's row in StepRows, in typed
 * arrays that grow by doubling (12 bytes per value).
 */
export class MetricRows {
  n = 0;
  stepRow: Uint32Array;
  value: Float64Array;

  constructor(
    readonly name: string,
    capacity = 64,
  ) {
    this.stepRow = new Uint32Array(capacity);
    this.value = new Float64Array(capacity);
  }

  push(stepRow: number, value: number): void {
    if (this.n === this.value.length) this.resize(this.n * 2);
    const i = this.n++;
    this.stepRow[i] = stepRow;
    this.value[i] = value;
  }

  /** The rows as four columns; step, global step and timestamp are gathered into `scratch` (reused). */
  columns(steps: StepRows, scratch: ScratchColumns): MetricColumns {
    const n = this.n;
    const { step, globalStep, timestamp } = scratch.ensure(n);
    const rows = this.stepRow;
    for (let i = 0; i < n; i++) {
      const r = rows[i];
      step[i] = steps.step[r];
      globalStep[i] = steps.globalStep[r];
      timestamp[i] = steps.timestamp[r];
    }
    return {
      step: step.subarray(0, n),
      globalStep: globalStep.subarray(0, n),
      timestamp: timestamp.subarray(0, n),
      value: this.value.subarray(0, n),
    };
  }

  /** Empties the rows; gives memory back when the arrays are much larger than what was used. */
  clear(): void {
    const capacity = shrinkTo(this.n, this.value.length, 64);
    if (capacity !== this.value.length) this.resize(capacity);
    this.n = 0;
  }

  private resize(capacity: number): void {
    this.stepRow = regrow(this.stepRow, this.n, capacity);
    this.value = regrow(this.value, this.n, capacity);
  }
}

/**
 * Rows of a metric whose values come from no logging call (the system samples of
 * docs/client.md#system-metrics): each row carries its own step, global step and timestamp, and none of them
 * goes into the steps table.
 */
export class SampledMetricRows extends MetricRows {
  private readonly own = new StepRows(16);

  pushSample(step: number, globalStep: number, timestamp: number, value: number): void {
    this.push(this.own.add(step, globalStep, timestamp), value);
  }

  override columns(_steps: StepRows, scratch: ScratchColumns): MetricColumns {
    return super.columns(this.own, scratch);
  }

  override clear(): void {
    super.clear();
    this.own.clear();
  }
}

/** Reusable arrays into which MetricRows.columns gathers step, global step and timestamp. */
export class ScratchColumns {
  private arrays = {
    step: new Float64Array(0),
    globalStep: new Float64Array(0),
    timestamp: new Float64Array(0),
  };

  ensure(n: number) {
    if (this.arrays.step.length < n) {
      const capacity = Math.max(n, this.arrays.step.length * 2, 1024);
      this.arrays = {
        step: new Float64Array(capacity),
        globalStep: new Float64Array(capacity),
        timestamp: new Float64Array(capacity),
      };
    }
    return this.arrays;
  }
}

export interface MediaOp {
  op: 'media';
  row: Omit<MediaRow, 'id'>;
  /** The key in media/blobs.db. */
  blobKey: string;
  /** Set by the commit: the media row's id. */
  id?: number;
  dropped?: boolean;
}

export interface TableOp {
  op: 'table';
  step: number;
  globalStep: number;
  name: string;
  columns: string;
  columnTypes: string;
  rows: Array<Array<string | { media: number }>>;
  /** The media rows of its media cells (null where the cell failed). */
  media: Array<MediaOp | null>;
}

export interface TensorOp {
  op: 'tensor';
  row: TensorRow;
  dropped?: boolean;
}

export interface KdeOp {
  op: 'kde';
  row: KernelDensityRow;
  dropped?: boolean;
}

export type MetadataOp = MediaOp | TableOp | TensorOp | KdeOp;

export interface PendingBlob {
  bytes: Uint8Array;
  /** media type for media.log, or 'tensor' / 'kde'. */
  kind: string;
}

export interface PendingHistogramFile {
  numBins: number;
  precision: 'u8' | 'i32';
  rows: HistogramRowInput[];
}

export class PendingData {
  /** media/blobs.db: key → blob (a key is written once, docs/client.md#durability). */
  readonly mediaBlobs = new Map<string, PendingBlob>();
  /**
   * data/tensors/<kvFile>.db: kvFile → key → payload (upsert: the last one wins,
   * docs/client.md#the-writer).
   */
  readonly tensorBlobs = new Map<string, Map<string, PendingBlob>>();
  /** data/histograms/<file>: file name → rows. */
  readonly histograms = new Map<string, PendingHistogramFile>();
  /** data/metrics: the metrics with rows since the last commit. */
  readonly touched = new Set<MetricRows>();
  /** The steps rows of metadata.db, one per message; metric rows point into them. */
  readonly steps = new StepRows();
  ops: MetadataOp[] = [];

  /**
   * Messages and payload bytes since the last successful commit (the flush thresholds of
   * docs/client.md#commits).
   */
  messages = 0;
  bytes = 0;
  /** Log time of the oldest uncommitted message (for the flush interval), or null. */
  oldestTimestamp: number | null = null;

  noteMessage(timestamp: number, bytes: number): void {
    this.messages++;
    this.noteRows(timestamp, bytes);
  }

  /** Rows that belong to no message (system samples): due by the flush interval like a message. */
  noteRows(timestamp: number, bytes: number): void {
    this.bytes += bytes;
    if (this.oldestTimestamp === null) this.oldestTimestamp = timestamp;
  }

  isEmpty(): boolean {
    return (
      this.touched.size === 0 &&
      this.steps.n === 0 &&
      this.ops.length === 0 &&
      this.mediaBlobs.size === 0 &&
      this.tensorBlobs.size === 0 &&
      this.histograms.size === 0
    );
  }

  /** After a complete commit. */
  resetCounters(): void {
    this.messages = 0;
    this.bytes = 0;
    this.oldestTimestamp = null;
  }
}
