/**
 * Histogram counts from raw values, the one rule used by both the writer and Histogram.computeBins()
 * (docs/client.md#histogram, docs/format.md#binning): non-finite values dropped; range [p1, p99] (or min..max
 * with range "full") with the degenerate-range fallbacks; K uniform bins; outliers counted into the edge
 * bins.
 */
import { percentilesInPlace } from './select.js';

export interface HistogramBins {
  /** Left edge of bin 0. */
  min: number;
  /** Right edge of bin K−1. */
  max: number;
  counts: Float64Array;
}

export type HistogramRange = 'percentile' | 'full';

/**
 * Bins `values`, which it reorders (the caller owns the buffer). Returns null when no value is finite.
 */
export function binValuesInPlace(
  values: Float64Array,
  numBins: number,
  range: HistogramRange,
): HistogramBins | null {
  let n = 0;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v - v !== 0) continue; // NaN and ±Infinity
    values[n++] = v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (n === 0) return null;
  const finite = values.subarray(0, n);
  let lo = min;
  let hi = max;
  if (range === 'percentile') {
    [lo, hi] = percentilesInPlace(finite, [1, 99]);
    if (hi - lo < 1e-6) {
      lo = min;
      hi = max;
    }
  }
  if (hi - lo < 1e-6) {
    lo = min - 0.5;
    hi = max + 0.5;
  }
  const K = numBins;
  const width = hi - lo;
  const counts = new Float64Array(K);
  for (let i = 0; i < n; i++) {
    let bin = Math.floor(((finite[i] - lo) / width) * K);
    if (bin < 0) bin = 0;
    else if (bin >= K) bin = K - 1;
    counts[bin]++;
  }
  return { min: lo, max: hi, counts };
}

/**
 * True when the edges deviate from uniform spacing by more than 1e-6 relative (docs/client.md#histogram
 * fromBins).
 */
export function edgesAreNonUniform(bins: ArrayLike<number>): boolean {
  const K = bins.length - 1;
  const lo = bins[0];
  const hi = bins[K];
  const span = Math.abs(hi - lo) || 1;
  for (let j = 1; j < K; j++) {
    const expected = lo + ((hi - lo) * j) / K;
    if (Math.abs(bins[j] - expected) > 1e-6 * span) return true;
  }
  return false;
}
