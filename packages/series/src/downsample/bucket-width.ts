/** B = max(2, ⌊N/4⌋): the bucket count for a request of N points (docs/api.md#downsampling step 3). */
export function bucketCount(points: number): number {
  return Math.max(2, Math.floor(points / 4));
}

/**
 * The smallest power of two w = 2^k, k ≥ 0, with ⌊hi/w⌋ − ⌊lo/w⌋ + 1 ≤ buckets
 * (docs/api.md#downsampling step 4). Buckets are aligned to multiples of w from 0, so they do not move while
 * a live series grows, until the span forces w to double.
 */
export function bucketWidth(lo: number, hi: number, buckets: number): number {
  if (!Number.isFinite(lo) || !Number.isFinite(hi) || lo > hi) {
    throw new RangeError(`bucket range must be finite with lo <= hi, got [${lo}, ${hi}]`);
  }
  if (!(buckets >= 1)) throw new RangeError(`bucket count must be >= 1, got ${buckets}`);
  let w = 1;
  // The bucket count at 2w is at most the count at w, so the first fit is the smallest.
  while (Math.floor(hi / w) - Math.floor(lo / w) + 1 > buckets) w *= 2;
  return w;
}

/** Bucket id = ⌊x / w⌋; NaN for a null x. */
export function bucketId(x: number, width: number): number {
  return Math.floor(x / width);
}
