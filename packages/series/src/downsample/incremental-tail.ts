import type { Downsampled } from './downsample.js';
import { resolveWindow } from './window.js';

export interface IncrementalTail {
  /** The kept rows of buckets with id ≥ the splice bucket, in step order. */
  indices: Uint32Array;
  /** That bucket id × bucket width, in x units; null when no windowed row has step > afterStep. */
  fromBucketX: number | null;
  /** The splice bucket id; null with `fromBucketX`. */
  fromBucketId: number | null;
}

/** The first index with steps[i] > s, by binary search; `steps` is ascending (docs/api.md#scalars). */
export function firstIndexAfterStep(steps: ArrayLike<number>, s: number): number {
  let lo = 0;
  let hi = steps.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (steps[mid] > s) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * The incremental form of a selection for `after_step = S` (docs/api.md#incremental-fetch), for x = step or
 * timestamp: the kept rows whose bucket id is ≥ the bucket id of the first windowed row with
 * step > S, and `fromBucketX` = that bucket id × width. The client drops its cached rows with
 * x ≥ fromBucketX and appends these. `x` and `steps` are the arrays the selection was made from;
 * `steps` must be ascending. Kept rows with a null x (NaN) are never part of a tail.
 *
 * When the selection has no bucket width (selection off), the tail is every kept row with
 * step > S and `fromBucketX` is null. For x = global_step the incremental form is not defined;
 * the caller answers as if after_step were absent.
 */
export function incrementalTail(
  selection: Downsampled,
  x: Float64Array,
  steps: ArrayLike<number>,
  afterStep: number,
): IncrementalTail {
  if (steps.length !== x.length) {
    throw new RangeError(`x has length ${x.length}, steps has length ${steps.length}`);
  }
  const kept = selection.indices;
  const width = selection.bucketWidth;
  const none: IncrementalTail = { indices: new Uint32Array(0), fromBucketX: null, fromBucketId: null };

  if (width === null) {
    let k = 0;
    const out = new Uint32Array(kept.length);
    for (let j = 0; j < kept.length; j++) if (steps[kept[j]] > afterStep) out[k++] = kept[j];
    return { indices: out.slice(0, k), fromBucketX: null, fromBucketId: null };
  }

  const window = resolveWindow(selection.xMin, selection.xMax);
  let i = firstIndexAfterStep(steps, afterStep);
  while (i < x.length && !(x[i] >= window.lo && x[i] <= window.hi)) i++;
  if (i >= x.length) return none;

  const fromBucketId = Math.floor(x[i] / width);
  const threshold = fromBucketId * width + 0; // + 0 turns −0 into 0
  const out = new Uint32Array(kept.length);
  let k = 0;
  for (let j = 0; j < kept.length; j++) {
    const row = kept[j];
    // Math.floor(x / w) >= id  ⇔  x >= id · w, exactly, since w is a power of two.
    if (x[row] >= threshold) out[k++] = row;
  }
  return { indices: out.slice(0, k), fromBucketX: threshold, fromBucketId };
}
