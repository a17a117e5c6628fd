/**
 * Histogram (docs/client.md#histogram): raw values (binned by the writer, or at once by computeBins() with
 * exactly the writer's rules), or precomputed edges and counts. `captureHistogram` copies the values at log
 * time into one typed array whose buffer is transferred to the writer (a Float64Array, or a Float32Array for
 * float32 input).
 */
import { binValuesInPlace, edgesAreNonUniform, type HistogramRange } from '../writer/histogram-bins.js';
import type { HistogramItem } from '../writer/messages.js';
import { refuseProblem, takeData } from './data-problem.js';
import { describeValue, errorText } from './errors.js';
import { looksNumeric, type NumericInput, toFloat64Array } from './numeric-input.js';

export interface HistogramOptions {
  /** Number of bins, an integer 1 … 65536 (default 64). */
  numBins?: number;
  /** 'exact' (int32 counts, default) or 'compact' (u8 relative heights). */
  precision?: 'exact' | 'compact';
  /** 'percentile' (p1..p99, outliers in the edge bins; default) or 'full' (min..max). */
  range?: HistogramRange;
}

const MAX_BINS = 65536;

function checkPrecision(precision: unknown): 'exact' | 'compact' {
  if (precision !== 'exact' && precision !== 'compact') {
    throw new TypeError(`Histogram precision must be "exact" or "compact", got ${describeValue(precision)}`);
  }
  return precision;
}

export class Histogram {
  readonly numBins: number;
  readonly precision: 'exact' | 'compact';
  readonly range: HistogramRange;
  private _bins?: Float64Array;
  private _counts?: Float64Array;
  private computed = false;
  private values: NumericInput | null;
  /**
   * @internal Null, or why log() skips this histogram: its values are not numbers. Recorded instead of
   * thrown, so that a mistake never ends a training loop.
   */
  problem: string | null = null;

  constructor(values: NumericInput, options: HistogramOptions = {}) {
    if (options === null || typeof options !== 'object')
      throw new TypeError('Histogram options must be an object');
    const { numBins = 64, precision = 'exact', range = 'percentile' } = options;
    if (!Number.isInteger(numBins) || numBins < 1 || numBins > MAX_BINS) {
      throw new TypeError(
        `Histogram numBins must be an integer from 1 to ${MAX_BINS}, got ${describeValue(numBins)}`,
      );
    }
    if (range !== 'percentile' && range !== 'full') {
      throw new TypeError(`Histogram range must be "percentile" or "full", got ${describeValue(range)}`);
    }
    this.numBins = numBins;
    this.precision = checkPrecision(precision);
    this.range = range;
    this.values = values;
    if (!looksNumeric(values)) {
      this.values = null;
      this.problem = `Histogram values must be an array of numbers or a typed array, got ${describeValue(values)}`;
    }
  }

  /** A histogram from K+1 edges and K counts; only the outer edges are stored (uniform bins). */
  static fromBins(
    bins: ArrayLike<number>,
    counts: ArrayLike<number>,
    options: { precision?: 'exact' | 'compact' } = {},
  ): Histogram {
    const precision = checkPrecision(options?.precision ?? 'exact');
    const { value, problem } = takeData(
      () => checkedBins(bins, counts),
      () => null,
    );
    const h = new Histogram([], { numBins: value ? value.counts.length : 1, precision });
    h.computed = true;
    h.values = null;
    h.problem = problem;
    if (value) {
      h._bins = value.edges;
      h._counts = value.counts;
    }
    return h;
  }

  /** Computes edges and counts now, on this thread, with the writer's rules. */
  computeBins(): this {
    if (this.computed || this.problem !== null) return this;
    let copy: Float64Array;
    try {
      copy = toFloat64Array(this.values, 'Histogram values');
    } catch (err) {
      this.problem = errorText(err); // reported by log(), like a problem found at construction
      this.values = null;
      return this;
    }
    const result = binValuesInPlace(copy, this.numBins, this.range);
    this.computed = true;
    this.values = null;
    if (result) {
      const K = this.numBins;
      this._counts = result.counts;
      this._bins = new Float64Array(K + 1);
      for (let j = 0; j <= K; j++) this._bins[j] = result.min + ((result.max - result.min) * j) / K;
      this._bins[K] = result.max;
    }
    return this;
  }

  isComputed(): boolean {
    return this.computed;
  }

  /** K+1 edges once computed. */
  get bins(): Float64Array | undefined {
    return this._bins;
  }

  /** K counts once computed. */
  get counts(): Float64Array | undefined {
    return this._counts;
  }

  /** @internal The raw values, until computed. */
  rawValues(): NumericInput | null {
    return this.values;
  }
}

/** The transferable form of a histogram, copied now. */
export function captureHistogram(h: Histogram, name: string): HistogramItem {
  refuseProblem(h.problem);
  const base = {
    kind: 'histogram' as const,
    name,
    numBins: h.numBins,
    precision: h.precision,
    range: h.range,
  };
  if (h.isComputed()) {
    const bins = h.bins;
    const counts = h.counts;
    if (!bins || !counts) return { ...base, computed: 'empty' };
    return {
      ...base,
      computed: {
        min: bins[0],
        max: bins[bins.length - 1],
        counts: new Float64Array(counts),
        nonUniformEdges: edgesAreNonUniform(bins),
      },
    };
  }
  const raw = h.rawValues();
  // Float32 weights are copied as they are (a plain memory copy); the writer widens them exactly.
  return {
    ...base,
    values: raw instanceof Float32Array ? raw.slice() : toFloat64Array(raw, 'Histogram values'),
  };
}

/** K+1 finite ascending edges and K finite non-negative counts (rounded), or a TypeError saying what is wrong. */
function checkedBins(bins: unknown, counts: unknown): { edges: Float64Array; counts: Float64Array } {
  const edges = toFloat64Array(bins, 'Histogram bins');
  const c = toFloat64Array(counts, 'Histogram counts');
  if (c.length < 1 || edges.length !== c.length + 1) {
    throw new TypeError(
      `Histogram.fromBins needs K+1 edges for K ≥ 1 counts, got ${edges.length} edges and ${c.length} counts`,
    );
  }
  if (c.length > MAX_BINS) throw new TypeError(`Histogram.fromBins takes at most ${MAX_BINS} bins`);
  for (let i = 0; i < edges.length; i++) {
    if (!Number.isFinite(edges[i]) || (i > 0 && !(edges[i] > edges[i - 1]))) {
      throw new TypeError('Histogram.fromBins needs finite, ascending edges');
    }
  }
  for (let i = 0; i < c.length; i++) {
    if (!Number.isFinite(c[i]) || c[i] < 0)
      throw new TypeError('Histogram.fromBins needs finite, non-negative counts');
    c[i] = Math.round(c[i]);
  }
  return { edges, counts: c };
}

/** False for a histogram item with nothing to bin: no values, or none of them finite. */
export function histogramHasData(item: HistogramItem): boolean {
  if (item.computed !== undefined) return item.computed !== 'empty';
  const v = item.values;
  if (!v) return false;
  for (let i = 0; i < v.length; i++) if (Number.isFinite(v[i])) return true;
  return false;
}
