/**
 * Everything the writer has taken but not yet committed, grouped by target file (CLIENT.md §9.3):
 * blobs for media/blobs.db and data/tensors/*.db, rows for data/histograms/*.db and data/metrics/*.db, and the
 * ordered rows of data/metadata.db.
 */
import type { HistogramRowInput, KernelDensityRow, MediaRow, TensorRow } from '../storage/index.js';

/** Rows of one metric file, in typed arrays that grow by doubling. */
export class MetricRows {
  n = 0;
  step: Float64Array;
  globalStep: Float64Array;
  timestamp: Float64Array;
  value: Float64Array;

  constructor(
    readonly name: string,
    capacity = 64,
  ) {
    this.step = new Float64Array(capacity);
    this.globalStep = new Float64Array(capacity);
    this.timestamp = new Float64Array(capacity);
    this.value = new Float64Array(capacity);
  }

  push(step: number, globalStep: number, timestamp: number, value: number): void {
    if (this.n === this.step.length) this.resize(this.n * 2);
    const i = this.n++;
    this.step[i] = step;
    this.globalStep[i] = globalStep;
    this.timestamp[i] = timestamp;
    this.value[i] = value;
  }

  view() {
    return {
      step: this.step.subarray(0, this.n),
      globalStep: this.globalStep.subarray(0, this.n),
      timestamp: this.timestamp.subarray(0, this.n),
      value: this.value.subarray(0, this.n),
    };
  }

  /** Empties the rows; gives memory back when the arrays are much larger than what was used. */
  clear(): void {
    if (this.step.length > 4096 && this.n * 4 < this.step.length) this.resize(Math.max(64, this.n));
    this.n = 0;
  }

  private resize(capacity: number): void {
    const grow = (a: Float64Array) => {
      const b = new Float64Array(capacity);
      b.set(a.subarray(0, Math.min(this.n, capacity)));
      return b;
    };
    this.step = grow(this.step);
    this.globalStep = grow(this.globalStep);
    this.timestamp = grow(this.timestamp);
    this.value = grow(this.value);
  }
}

/** The step index rows (steps table), in order. */
export class StepRows extends MetricRows {
  constructor() {
    super('steps', 1024);
  }
  add(step: number, globalStep: number, timestamp: number): void {
    this.push(step, globalStep, timestamp, 0);
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
  /** media/blobs.db: key → blob (a key is written once, §10.2). */
  readonly mediaBlobs = new Map<string, PendingBlob>();
  /** data/tensors/<kvFile>.db: kvFile → key → payload (upsert: the last one wins, §9). */
  readonly tensorBlobs = new Map<string, Map<string, PendingBlob>>();
  /** data/histograms/<file>: file name → rows. */
  readonly histograms = new Map<string, PendingHistogramFile>();
  /** data/metrics: metric id → rows; only metrics with rows since the last commit are listed in `touched`. */
  readonly metrics: MetricRows[] = [];
  readonly touched = new Set<MetricRows>();
  readonly steps = new StepRows();
  ops: MetadataOp[] = [];

  /** Messages and payload bytes since the last successful commit (the flush thresholds of §9.3). */
  messages = 0;
  bytes = 0;
  /** Log time of the oldest uncommitted message (for the flush interval), or null. */
  oldestTimestamp: number | null = null;

  noteMessage(timestamp: number, bytes: number): void {
    this.messages++;
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
