/**
 * The rows of a run read from event files and not yet written: the step index, the rows of each metric
 * file and each histogram file, media blobs, and the media and table rows of data/metadata.db. Scalar rows
 * are kept in growable typed arrays (an import may hold hundreds of thousands of them).
 */
import type { HistogramRowInput, MediaRow, TableRow } from '../storage/index.js';

/** Columns of float64 that grow by doubling. */
export class Columns<K extends string> {
  n = 0;
  readonly cols: Record<K, Float64Array>;

  constructor(
    private readonly names: readonly K[],
    capacity = 256,
  ) {
    this.cols = Object.fromEntries(names.map((k) => [k, new Float64Array(capacity)])) as Record<
      K,
      Float64Array
    >;
  }

  /** Room for one more row; returns its index. */
  push(): number {
    const first = this.cols[this.names[0]];
    if (this.n === first.length) {
      for (const k of this.names) {
        const grown = new Float64Array(first.length * 2);
        grown.set(this.cols[k]);
        this.cols[k] = grown;
      }
    }
    return this.n++;
  }

  /** Column `k` up to the row count. */
  view(k: K): Float64Array {
    return this.cols[k].subarray(0, this.n);
  }
}

export type StepColumn = 'step' | 'globalStep' | 'timestamp';
export type MetricColumn = StepColumn | 'value';

const STEP_COLUMNS: readonly StepColumn[] = ['step', 'globalStep', 'timestamp'];
const METRIC_COLUMNS: readonly MetricColumn[] = ['step', 'globalStep', 'timestamp', 'value'];

export class ImportBatch {
  readonly steps = new Columns<StepColumn>(STEP_COLUMNS, 1024);
  readonly metrics = new Map<string, Columns<MetricColumn>>();
  /** By histogram file name: its bin count and rows. */
  readonly histograms = new Map<string, { numBins: number; rows: HistogramRowInput[] }>();
  /** Media bytes by blob key. */
  readonly blobs = new Map<string, Uint8Array>();
  readonly media: Array<Omit<MediaRow, 'id'>> = [];
  readonly tables: TableRow[] = [];
  /** Events read into this batch (with or without rows). */
  events = 0;
  blobBytes = 0;

  addStep(step: number, globalStep: number, timestamp: number): void {
    const i = this.steps.push();
    this.steps.cols.step[i] = step;
    this.steps.cols.globalStep[i] = globalStep;
    this.steps.cols.timestamp[i] = timestamp;
  }

  addScalar(name: string, step: number, globalStep: number, timestamp: number, value: number): void {
    let m = this.metrics.get(name);
    if (!m) {
      m = new Columns<MetricColumn>(METRIC_COLUMNS);
      this.metrics.set(name, m);
    }
    const i = m.push();
    m.cols.step[i] = step;
    m.cols.globalStep[i] = globalStep;
    m.cols.timestamp[i] = timestamp;
    m.cols.value[i] = value;
  }

  addHistogram(fileName: string, numBins: number, row: HistogramRowInput): void {
    let h = this.histograms.get(fileName);
    if (!h) {
      h = { numBins, rows: [] };
      this.histograms.set(fileName, h);
    }
    h.rows.push(row);
  }

  addBlob(key: string, bytes: Uint8Array): void {
    if (this.blobs.has(key)) return;
    this.blobs.set(key, bytes);
    this.blobBytes += bytes.length;
  }
}
