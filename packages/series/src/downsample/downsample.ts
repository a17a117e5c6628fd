import { bucketCount, bucketWidth } from './bucket-width.js';
import { resolveWindow } from './window.js';

export interface DownsampleOptions {
  /** N, the target maximum number of rows; null, undefined or 0 turns selection off. */
  points?: number | null;
  /** Inclusive x window; an absent (null, undefined, non-finite) bound is unbounded. */
  xMin?: number | null;
  xMax?: number | null;
  /**
   * Optional UI.md §6.1 point codes parallel to `values`. A row coded 4 (missing, the API's
   * `null`) is never kept as a NaN marker; without `kinds`, every NaN value is a NaN marker.
   */
  kinds?: ArrayLike<number>;
}

export interface Downsampled {
  /** Kept row indices, in step (array) order, without duplicates. */
  indices: Uint32Array;
  /** w, in x units; null when selection is off or the window is empty. */
  bucketWidth: number | null;
  /** B; null when selection is off or the window is empty. */
  buckets: number | null;
  /** n = |R|, the rows whose x lies in the window. */
  windowPoints: number;
  returnedPoints: number;
  /** The window as requested (null when absent). */
  xMin: number | null;
  xMax: number | null;
  /** Index of the first and last row of R, −1 when R is empty. */
  firstWindowRow: number;
  lastWindowRow: number;
}

/**
 * The deterministic selection of API.md §B.1.
 *
 * `x` is the bucketing axis (step, global_step or timestamp in ms) with NaN for a null x; `values`
 * is the metric, with NaN/±Infinity as data; row order is step order. Per bucket of width w the
 * first, last, minimum-finite and maximum-finite rows are kept (ties → earliest), plus the first
 * NaN, +Infinity and −Infinity rows; the first and last rows of the window are kept, and with a
 * window also the rows just before and just after it. Two linear passes over the window, no
 * per-row allocation; only the kept candidates (at most 7B + 4) are sorted into step order.
 */
export function downsample(
  x: Float64Array,
  values: Float64Array,
  options: DownsampleOptions = {},
): Downsampled {
  const len = x.length;
  if (values.length !== len) {
    throw new RangeError(`x has length ${len}, values has length ${values.length}`);
  }
  const kinds = options.kinds;
  if (kinds !== undefined && kinds.length !== len) {
    throw new RangeError(`kinds has length ${kinds.length}, values has length ${len}`);
  }
  const points = options.points ?? 0;
  if (!(points >= 0)) throw new RangeError(`points must be >= 0, got ${points}`);
  const window = resolveWindow(options.xMin, options.xMax);
  const wLo = window.lo;
  const wHi = window.hi;

  // Pass 1: the window R — its size, first and last rows, and x range.
  let n = 0;
  let first = -1;
  let last = -1;
  let xLo = Number.POSITIVE_INFINITY;
  let xHi = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < len; i++) {
    const xi = x[i];
    if (!(xi >= wLo && xi <= wHi)) continue;
    if (first < 0) first = i;
    last = i;
    n++;
    if (xi < xLo) xLo = xi;
    if (xi > xHi) xHi = xi;
  }

  const result = (indices: Uint32Array, width: number | null, buckets: number | null): Downsampled => ({
    indices,
    bucketWidth: width,
    buckets,
    windowPoints: n,
    returnedPoints: indices.length,
    xMin: Number.isFinite(wLo) ? wLo : null,
    xMax: Number.isFinite(wHi) ? wHi : null,
    firstWindowRow: first,
    lastWindowRow: last,
  });

  if (n === 0) return result(new Uint32Array(0), null, null);

  const before = window.bounded && first > 0 ? first - 1 : -1;
  const after = window.bounded && last + 1 < len ? last + 1 : -1;

  const selecting = points > 0;
  const buckets = selecting ? bucketCount(points) : 0;
  const lo = Number.isFinite(wLo) ? wLo : xLo;
  const hi = Number.isFinite(wHi) ? wHi : xHi;
  const width = selecting ? bucketWidth(lo, hi, buckets) : 0;

  // Small series (step 2): every row of R, plus the window's neighbours.
  if (!selecting || n <= points) {
    const out = new Uint32Array(n + (before >= 0 ? 1 : 0) + (after >= 0 ? 1 : 0));
    let k = 0;
    if (before >= 0) out[k++] = before;
    for (let i = first; i <= last; i++) {
      const xi = x[i];
      if (xi >= wLo && xi <= wHi) out[k++] = i;
    }
    if (after >= 0) out[k++] = after;
    return result(out, selecting ? width : null, selecting ? buckets : null);
  }

  // Pass 2: representatives per bucket (steps 5 and 6).
  const base = Math.floor(lo / width);
  // [first, last, min, max] row per bucket, and [min, max] value per bucket.
  const reps = new Int32Array(buckets * 4).fill(-1);
  const extremes = new Float64Array(buckets * 2);
  for (let b = 0; b < buckets; b++) {
    extremes[2 * b] = Number.POSITIVE_INFINITY;
    extremes[2 * b + 1] = Number.NEGATIVE_INFINITY;
  }
  // [NaN, +Infinity, −Infinity] marker row per bucket; allocated on the first non-finite value.
  let markers: Int32Array | null = null;

  for (let i = first; i <= last; i++) {
    const xi = x[i];
    if (!(xi >= wLo && xi <= wHi)) continue;
    const b = Math.floor(xi / width) - base;
    const r = b << 2;
    if (reps[r] < 0) reps[r] = i;
    reps[r + 1] = i;
    const v = values[i];
    if (v - v === 0) {
      const e = b << 1;
      if (v < extremes[e]) {
        extremes[e] = v;
        reps[r + 2] = i;
      }
      if (v > extremes[e + 1]) {
        extremes[e + 1] = v;
        reps[r + 3] = i;
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

  // Union (steps 7 and 8): collect candidates, sort them into step order, drop duplicates.
  const candidates = new Uint32Array(buckets * 7 + 4);
  let c = 0;
  for (let r = 0; r < reps.length; r++) {
    const i = reps[r];
    if (i >= 0) candidates[c++] = i;
  }
  if (markers !== null) {
    for (let m = 0; m < markers.length; m++) {
      const i = markers[m];
      if (i >= 0) candidates[c++] = i;
    }
  }
  candidates[c++] = first;
  candidates[c++] = last;
  if (before >= 0) candidates[c++] = before;
  if (after >= 0) candidates[c++] = after;
  const sorted = candidates.subarray(0, c).sort();
  let k = 0;
  for (let j = 0; j < c; j++) {
    if (k === 0 || sorted[j] !== sorted[k - 1]) sorted[k++] = sorted[j];
  }
  return result(sorted.slice(0, k), width, buckets);
}
