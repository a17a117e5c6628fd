/** The bucketing of one pass: rows with x in [lo, hi] go to bucket ⌊x / width⌋ − base. */
export interface BucketRange {
  /** The x range that is bucketed; every x in it has a bucket in 0 … buckets − 1. */
  lo: number;
  hi: number;
  /** The request window (±Infinity where unbounded); rows in it but outside [lo, hi] are counted. */
  windowLo: number;
  windowHi: number;
  /** w, a power of two. */
  width: number;
  /** ⌊lo / w⌋. */
  base: number;
  buckets: number;
}

/** The representatives of every bucket, as row indices (−1 where a bucket has none). */
export interface BucketRepresentatives {
  /** [first, last, min finite, max finite] row per bucket: 4 entries per bucket. */
  reps: Int32Array;
  /** [first NaN, first +Infinity, first −Infinity] row per bucket; null when no row is non-finite. */
  markers: Int32Array | null;
  /** Rows bucketed. */
  inside: number;
  /** Rows in the request window but outside [lo, hi], which were not bucketed. */
  outside: number;
}

/**
 * Steps 5 and 6 of API.md §B.1 in one pass over rows first … last: for every row whose x lies in
 * [lo, hi], keep per bucket the first and last rows, the rows of the smallest and largest finite
 * values (ties → earliest), and the first NaN, +Infinity and −Infinity rows. A row coded 4
 * (missing) in `kinds` is not a NaN marker.
 *
 * Rows in the request window but outside [lo, hi] are only counted (`outside`): a caller that
 * guessed [lo, hi] from the window's end rows retries with the true range when that count is not 0.
 *
 * Consecutive rows mostly share a bucket, so the current run of rows is tracked in locals and
 * merged into its bucket when the bucket changes; a bucket revisited later (x need not be
 * monotonic) merges the same way. No allocation per row.
 */
export function bucketRepresentatives(
  x: Float64Array,
  values: Float64Array,
  kinds: ArrayLike<number> | undefined,
  first: number,
  last: number,
  range: BucketRange,
): BucketRepresentatives {
  const { lo, hi, windowLo, windowHi, base, buckets } = range;
  const inverse = 1 / range.width; // exact: the width is a power of two
  const reps = new Int32Array(buckets * 4).fill(-1);
  const extremes = new Float64Array(buckets * 2); // [min, max] value per bucket
  let markers: Int32Array | null = null;
  let inside = 0;
  let outside = 0;

  let run = -1;
  let runFirst = -1;
  let runLast = -1;
  let runMinRow = -1;
  let runMaxRow = -1;
  let runMin = Number.POSITIVE_INFINITY;
  let runMax = Number.NEGATIVE_INFINITY;
  for (let i = first; i <= last; i++) {
    const xi = x[i];
    if (!(xi >= lo && xi <= hi)) {
      if (xi >= windowLo && xi <= windowHi) outside++;
      continue;
    }
    inside++;
    const b = Math.floor(xi * inverse) - base;
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
      const slot = v > 0 ? 1 : v < 0 ? 2 : kinds !== undefined && kinds[i] === 4 ? -1 : 0;
      if (slot >= 0) {
        if (markers === null) markers = new Int32Array(buckets * 3).fill(-1);
        const m = b * 3 + slot;
        if (markers[m] < 0) markers[m] = i;
      }
    }
  }
  if (run >= 0) mergeRun(reps, extremes, run, runFirst, runLast, runMinRow, runMaxRow, runMin, runMax);
  return { reps, markers, inside, outside };
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
