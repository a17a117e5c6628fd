import {
  type Bucketing,
  type BucketRepresentatives,
  emptyRepresentatives,
  markNonFinite,
} from './representatives.js';

/**
 * Steps 5 and 6 of docs/api.md#downsampling for any x (global_step need not be monotonic, and x may be null):
 * one pass over rows first … last; every row whose x lies in [lo, hi] goes to its bucket, which
 * keeps its first and last rows, the rows of the smallest and largest finite values
 * (ties → earliest), and its first NaN, +Infinity and −Infinity rows.
 *
 * Consecutive rows mostly share a bucket, so the current run of rows is tracked in locals and
 * merged into its bucket when the bucket changes; a bucket revisited later merges the same way.
 */
export function representativesAny(
  x: Float64Array,
  values: Float64Array,
  kinds: ArrayLike<number> | undefined,
  first: number,
  last: number,
  lo: number,
  hi: number,
  bucketing: Bucketing,
): BucketRepresentatives {
  const { width, base, buckets } = bucketing;
  const out = emptyRepresentatives(buckets);
  const { reps, markers } = out;
  const extremes = new Float64Array(buckets * 2); // [min, max] value per bucket

  let run = -1;
  let runFirst = -1;
  let runLast = -1;
  let runMinRow = -1;
  let runMaxRow = -1;
  let runMin = Number.POSITIVE_INFINITY;
  let runMax = Number.NEGATIVE_INFINITY;
  for (let i = first; i <= last; i++) {
    const xi = x[i];
    if (!(xi >= lo && xi <= hi)) continue;
    const b = Math.floor(xi / width) - base;
    if (b !== run) {
      if (run >= 0) mergeRun(reps, extremes, run, runFirst, runLast, runMinRow, runMaxRow, runMin, runMax);
      run = b;
      runFirst = i;
      runMinRow = -1;
      runMaxRow = -1;
      runMin = Number.POSITIVE_INFINITY;
      runMax = Number.NEGATIVE_INFINITY;
    }
    runLast = i;
    const v = values[i];
    if (v - v === 0) {
      if (v < runMin) {
        runMin = v;
        runMinRow = i;
      }
      if (v > runMax) {
        runMax = v;
        runMaxRow = i;
      }
    } else {
      markNonFinite(markers, b, i, v, kinds);
    }
  }
  if (run >= 0) mergeRun(reps, extremes, run, runFirst, runLast, runMinRow, runMaxRow, runMin, runMax);
  return out;
}

/**
 * Merges a run of consecutive rows of bucket `b` into the bucket's representatives. Rows merged
 * earlier come earlier in step order, so on equal values the stored row stays (ties → earliest).
 */
function mergeRun(
  reps: Int32Array,
  extremes: Float64Array,
  b: number,
  first: number,
  last: number,
  minRow: number,
  maxRow: number,
  min: number,
  max: number,
): void {
  const r = b << 2;
  const e = b << 1;
  if (reps[r] < 0) {
    reps[r] = first;
    reps[r + 2] = minRow;
    reps[r + 3] = maxRow;
    extremes[e] = min;
    extremes[e + 1] = max;
  } else {
    if (minRow >= 0 && (reps[r + 2] < 0 || min < extremes[e])) {
      reps[r + 2] = minRow;
      extremes[e] = min;
    }
    if (maxRow >= 0 && (reps[r + 3] < 0 || max > extremes[e + 1])) {
      reps[r + 3] = maxRow;
      extremes[e + 1] = max;
    }
  }
  reps[r + 1] = last;
}
