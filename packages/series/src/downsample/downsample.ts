import { bucketCount, bucketWidth } from './bucket-width.js';
import { representativesAny } from './representatives-any.js';
import { representativesSorted } from './representatives-sorted.js';
import { sortedUnion } from './sorted-union.js';
import { resolveWindow } from './window.js';
import { isNonDecreasing, windowEnds, windowExtent } from './window-scan.js';

export interface DownsampleOptions {
  /** N, the target maximum number of rows; null, undefined or 0 turns selection off. */
  points?: number | null;
  /** Inclusive x window; an absent (null, undefined, non-finite) bound is unbounded. */
  xMin?: number | null;
  xMax?: number | null;
  /**
   * Optional docs/ui.md#series-and-x-axes point codes parallel to `values`. A row coded 4 (missing, the API's
   * `null`) is never kept as a NaN marker; without `kinds`, every NaN value is a NaN marker.
   */
  kinds?: ArrayLike<number>;
}

export interface Downsampled {
  /** Kept row indices, in step (array) order, without duplicates. */
  indices: Uint32Array;
  /**
   * w, in x units. Computed whenever `points` is given and the window is not empty — also when
   * the series is small enough to be returned whole, so that docs/api.md#incremental-fetch splicing works at
   * any size. Null when selection is off or the window is empty.
   */
  bucketWidth: number | null;
  /** B; null exactly when `bucketWidth` is. */
  buckets: number | null;
  /** n = |R|, the rows whose x lies in the window. */
  windowPoints: number;
  returnedPoints: number;
  /** The window as requested; null when absent. */
  xMin: number | null;
  xMax: number | null;
  /** Index of the first and last row of R; −1 when R is empty. */
  firstWindowRow: number;
  lastWindowRow: number;
}

/**
 * The deterministic selection of docs/api.md#downsampling.
 *
 * `x` is the bucketing axis (step, global_step, or timestamp in ms) with NaN for a null x;
 * `values` is the metric, with NaN and ±Infinity as data; array order is step order. With
 * `points` = N and more than N rows in the window: B = max(2, ⌊N/4⌋) buckets of power-of-two width
 * w aligned to 0, and per bucket the first, last, minimum-finite and maximum-finite rows
 * (ties → earliest) plus the first NaN, +Infinity and −Infinity rows. Always the first and last
 * rows of the window, and with a window also the rows just before and just after it. The output
 * is the union in step order.
 *
 * Linear, with no allocation per row and no sort of the rows: when x is non-decreasing over the
 * window (x = step; timestamps normally), buckets are found by binary search and only the values
 * are scanned; otherwise one pass buckets every row.
 */
export function downsample(
  x: Float64Array,
  values: Float64Array,
  options: DownsampleOptions = {},
): Downsampled {
  const len = x.length;
  if (values.length !== len) throw new RangeError(`x has length ${len}, values has length ${values.length}`);
  const kinds = options.kinds;
  if (kinds !== undefined && kinds.length !== len) {
    throw new RangeError(`kinds has length ${kinds.length}, values has length ${len}`);
  }
  const points = options.points ?? 0;
  if (!(points >= 0)) throw new RangeError(`points must be >= 0, got ${points}`);
  const window = resolveWindow(options.xMin, options.xMax);
  const { first, last } = windowEnds(x, window.lo, window.hi);

  const result = (
    indices: Uint32Array,
    n: number,
    width: number | null,
    buckets: number | null,
  ): Downsampled => ({
    indices,
    bucketWidth: width,
    buckets,
    windowPoints: n,
    returnedPoints: indices.length,
    xMin: Number.isFinite(window.lo) ? window.lo : null,
    xMax: Number.isFinite(window.hi) ? window.hi : null,
    firstWindowRow: first,
    lastWindowRow: last,
  });
  if (first < 0) return result(new Uint32Array(0), 0, null, null);

  // Step 7: with a window, the rows just outside it in step order.
  const before = window.bounded && first > 0 ? first - 1 : -1;
  const after = window.bounded && last + 1 < len ? last + 1 : -1;

  // Step 1: R. With x non-decreasing, R is exactly the rows first … last.
  const sorted = isNonDecreasing(x, first, last);
  const extent = sorted
    ? { count: last - first + 1, xLo: x[first], xHi: x[last] }
    : windowExtent(x, window.lo, window.hi, first, last);
  const n = extent.count;
  const wholeWindow = (width: number | null, buckets: number | null): Downsampled =>
    result(windowRows(x, window.lo, window.hi, first, last, n, before, after), n, width, buckets);
  if (!(points > 0)) return wholeWindow(null, null);

  // Steps 3 and 4. The width is reported for small series too, so that docs/api.md#incremental-fetch splicing
  // works at any size.
  const buckets = bucketCount(points);
  const lo = Number.isFinite(window.lo) ? window.lo : extent.xLo;
  const hi = Number.isFinite(window.hi) ? window.hi : extent.xHi;
  const width = bucketWidth(lo, hi, buckets);
  if (n <= points) return wholeWindow(width, buckets); // step 2

  // Steps 5 to 8.
  const bucketing = { width, base: Math.floor(lo / width), buckets };
  const { reps, markers } = sorted
    ? representativesSorted(x, values, kinds, first, last, bucketing)
    : representativesAny(x, values, kinds, first, last, window.lo, window.hi, bucketing);
  return result(sortedUnion([reps, markers, [first, last, before, after]]), n, width, buckets);
}

/** Step 2, small series: every row of R in step order, with the window's neighbours when they exist. */
function windowRows(
  x: Float64Array,
  lo: number,
  hi: number,
  first: number,
  last: number,
  n: number,
  before: number,
  after: number,
): Uint32Array {
  const out = new Uint32Array(n + (before >= 0 ? 1 : 0) + (after >= 0 ? 1 : 0));
  let k = 0;
  if (before >= 0) out[k++] = before;
  for (let i = first; i <= last; i++) {
    const xi = x[i];
    if (xi >= lo && xi <= hi) out[k++] = i;
  }
  if (after >= 0) out[k++] = after;
  return out;
}
