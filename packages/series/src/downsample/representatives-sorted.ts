import {
  type Bucketing,
  type BucketRepresentatives,
  emptyRepresentatives,
  markNonFinite,
} from './representatives.js';

/** The first index in [lo, hi) with x ≥ t, or hi; x is non-decreasing there. */
function firstAtLeast(x: Float64Array, lo: number, hi: number, t: number): number {
  let a = lo;
  let b = hi;
  while (a < b) {
    const mid = (a + b) >>> 1;
    if (x[mid] >= t) b = mid;
    else a = mid + 1;
  }
  return a;
}

/**
 * Steps 5 and 6 of docs/api.md#downsampling when x[first … last] is non-decreasing (x = step, and normally
 * timestamp): every bucket is a contiguous range of rows, found by binary search, so its first and
 * last rows are the range's ends and only `values` is scanned, for the smallest and largest finite
 * values (ties → earliest) and the first NaN, +Infinity and −Infinity rows.
 */
export function representativesSorted(
  x: Float64Array,
  values: Float64Array,
  kinds: ArrayLike<number> | undefined,
  first: number,
  last: number,
  bucketing: Bucketing,
): BucketRepresentatives {
  const { width, base, buckets } = bucketing;
  const out = emptyRepresentatives(buckets);
  const { reps, markers } = out;
  const end = last + 1;
  let start = first;
  while (start < end) {
    const id = Math.floor(x[start] / width);
    const stop = firstAtLeast(x, start + 1, end, (id + 1) * width);
    const b = id - base;
    let min = Number.POSITIVE_INFINITY;
    let max = Number.NEGATIVE_INFINITY;
    let minRow = -1;
    let maxRow = -1;
    for (let i = start; i < stop; i++) {
      const v = values[i];
      if (v - v === 0) {
        if (v < min) {
          min = v;
          minRow = i;
        }
        if (v > max) {
          max = v;
          maxRow = i;
        }
      } else {
        markNonFinite(markers, b, i, v, kinds);
      }
    }
    const r = b << 2;
    reps[r] = start;
    reps[r + 1] = stop - 1;
    reps[r + 2] = minRow;
    reps[r + 3] = maxRow;
    start = stop;
  }
  return out;
}
