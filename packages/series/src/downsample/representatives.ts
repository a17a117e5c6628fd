/** How rows are bucketed: bucket id ⌊x / width⌋, stored at index id − base (0 … buckets − 1). */
export interface Bucketing {
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
  /** [first NaN, first +Infinity, first −Infinity] row per bucket: 3 entries per bucket. */
  markers: Int32Array;
}

export function emptyRepresentatives(buckets: number): BucketRepresentatives {
  return { reps: new Int32Array(buckets * 4).fill(-1), markers: new Int32Array(buckets * 3).fill(-1) };
}

/**
 * Keeps row i, whose value v is not finite, as its bucket's first NaN, +Infinity or −Infinity row.
 * A row coded 4 (missing, the API's `null`) in `kinds` is not a NaN marker.
 */
export function markNonFinite(
  markers: Int32Array,
  bucket: number,
  i: number,
  v: number,
  kinds: ArrayLike<number> | undefined,
): void {
  const slot = v > 0 ? 1 : v < 0 ? 2 : kinds !== undefined && kinds[i] === 4 ? -1 : 0;
  if (slot < 0) return;
  const m = bucket * 3 + slot;
  if (markers[m] < 0) markers[m] = i;
}
