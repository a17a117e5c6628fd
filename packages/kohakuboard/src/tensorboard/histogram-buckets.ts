/**
 * TensorBoard histograms as KohakuBoard histograms (docs/tensorboard.md#histograms). TensorBoard holds a
 * histogram as buckets (left edge, right edge, count); KohakuBoard stores K uniform bins between a min and a
 * max. Uniform, contiguous buckets are kept as they are; others are re-binned into uniform bins over the same
 * range, each bucket's count spread over the bins it overlaps, with the total count kept exactly.
 */
import { edgesAreNonUniform } from '../writer/histogram-bins.js';
import type { HistogramMessage } from './proto-schema.js';

/** Bins of a re-binned histogram (the project's default bin count). */
export const REBIN_BINS = 64;

export interface Buckets {
  left: Float64Array;
  right: Float64Array;
  count: Float64Array;
}

export interface UniformHistogram {
  min: number;
  max: number;
  /** Whole counts; their sum is the total count of the buckets, rounded. */
  counts: Float64Array;
  /** True when the buckets were not uniform and were spread over REBIN_BINS bins. */
  rebinned: boolean;
}

/**
 * The buckets of a legacy HistogramProto as TensorBoard reads them: empty buckets at both ends dropped, the
 * first left edge the histogram's min and the last right edge its max, the inner edges the bucket limits.
 */
export function legacyBuckets(h: HistogramMessage): Buckets {
  const counts = h.bucket;
  const n = counts.length;
  let start = 0;
  while (start < n && !(counts[start] > 0)) start++;
  let end = n - 1;
  while (end >= 0 && !(counts[end] > 0)) end--;
  if (start > end)
    return { left: new Float64Array(0), right: new Float64Array(0), count: new Float64Array(0) };
  const k = end - start + 1;
  const out: Buckets = { left: new Float64Array(k), right: new Float64Array(k), count: new Float64Array(k) };
  for (let i = 0; i < k; i++) {
    out.left[i] = i === 0 ? h.min : h.bucketLimit[start + i - 1];
    out.right[i] = i === k - 1 ? h.max : h.bucketLimit[start + i];
    out.count[i] = counts[start + i];
  }
  return out;
}

/** The buckets of a `[k, 3]` histogram tensor (left edge, right edge, count per row), or null for another shape. */
export function tensorBuckets(values: Float64Array, shape: number[]): Buckets | null {
  if (shape.length !== 2 || shape[1] !== 3 || values.length !== shape[0] * 3) return null;
  const k = shape[0];
  const out: Buckets = { left: new Float64Array(k), right: new Float64Array(k), count: new Float64Array(k) };
  for (let i = 0; i < k; i++) {
    out.left[i] = values[3 * i];
    out.right[i] = values[3 * i + 1];
    out.count[i] = values[3 * i + 2];
  }
  return out;
}

/**
 * Whole counts with the same (rounded) total: each bin gets the difference of the rounded running sums, so
 * the running total never strays more than half a count from the exact one and no mass moves far.
 */
export function wholeCounts(weights: Float64Array): Float64Array {
  const out = new Float64Array(weights.length);
  let sum = 0;
  let rounded = 0;
  for (let i = 0; i < weights.length; i++) {
    if (weights[i] > 0) sum += weights[i]; // NaN and negative weights count as 0
    const next = Math.round(sum);
    out[i] = Math.max(0, next - rounded);
    rounded += out[i];
  }
  return out;
}

function isUniform(b: Buckets): boolean {
  const k = b.count.length;
  const span = Math.abs(b.right[k - 1] - b.left[0]) || 1;
  for (let i = 0; i + 1 < k; i++) {
    if (Math.abs(b.right[i] - b.left[i + 1]) > 1e-6 * span) return false;
  }
  const edges = new Float64Array(k + 1);
  edges.set(b.left);
  edges[k] = b.right[k - 1];
  return !edgesAreNonUniform(edges);
}

/**
 * The histogram as uniform bins, or null when it has no buckets or a range that is not finite. A range of
 * zero width (every value equal) is widened by 0.5 on each side, as the project does for its own histograms.
 */
export function toUniformHistogram(b: Buckets): UniformHistogram | null {
  const k = b.count.length;
  if (k === 0) return null;
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < k; i++) {
    lo = Math.min(lo, b.left[i], b.right[i]);
    hi = Math.max(hi, b.left[i], b.right[i]);
  }
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return null;
  if (hi === lo) {
    return {
      min: lo - 0.5,
      max: hi + 0.5,
      counts: wholeCounts(Float64Array.of(sumOf(b.count))),
      rebinned: k > 1,
    };
  }
  if (b.left[0] === lo && b.right[k - 1] === hi && isUniform(b)) {
    return { min: lo, max: hi, counts: wholeCounts(b.count), rebinned: false };
  }
  return { min: lo, max: hi, counts: wholeCounts(spread(b, lo, hi, REBIN_BINS)), rebinned: true };
}

const sumOf = (a: Float64Array) => a.reduce((s, x) => s + Math.max(x, 0), 0);

/** Each bucket's count spread over the uniform bins it overlaps, in proportion to the overlap. */
function spread(b: Buckets, lo: number, hi: number, bins: number): Float64Array {
  const out = new Float64Array(bins);
  const width = (hi - lo) / bins;
  const binOf = (x: number) => Math.min(bins - 1, Math.max(0, Math.floor((x - lo) / width)));
  for (let i = 0; i < b.count.length; i++) {
    const c = b.count[i];
    if (!(c > 0)) continue;
    const l = Math.min(b.left[i], b.right[i]);
    const r = Math.max(b.left[i], b.right[i]);
    if (r === l) {
      out[binOf(l)] += c;
      continue;
    }
    const first = binOf(l);
    const last = binOf(r);
    for (let j = first; j <= last; j++) {
      const from = Math.max(l, lo + j * width);
      const to = j === bins - 1 ? Math.min(r, hi) : Math.min(r, lo + (j + 1) * width);
      if (to > from) out[j] += (c * (to - from)) / (r - l);
    }
  }
  return out;
}
