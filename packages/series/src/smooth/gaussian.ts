import { checkKinds, checkSmoothValue, forEachSegment, isBreak, nanArray } from './segments.js';

/**
 * The largest Gaussian kernel size a server computes (docs/ui.md#smoothing offers 1–1000): the work per smoothed
 * point is the kernel size, so an unbounded value makes an unbounded request.
 */
export const MAX_GAUSSIAN_KERNEL = 1000;

/** K = max(3, ⌊v⌋), σ = K/6, h = ⌊K/2⌋ (docs/ui.md#smoothing `gaussian`). */
export function gaussianKernelParams(value: number): { size: number; sigma: number; halfWidth: number } {
  checkSmoothValue(value);
  const size = Math.max(3, Math.floor(value));
  return { size, sigma: size / 6, halfWidth: Math.floor(size / 2) };
}

/**
 * The weights g_0 … g_h of the centred kernel, g_j = exp(−j² / (2σ²)); the kernel is symmetric.
 * Taps beyond `maxTaps` can never touch a segment, so the list is cut there.
 */
export function gaussianWeights(value: number, maxTaps = Number.POSITIVE_INFINITY): Float64Array {
  const { sigma, halfWidth } = gaussianKernelParams(value);
  const h = Math.min(halfWidth, Math.max(0, maxTaps));
  const g = new Float64Array(h + 1);
  const twoSigma2 = 2 * sigma * sigma;
  for (let j = 0; j <= h; j++) g[j] = Math.exp(-(j * j) / twoSigma2);
  return g;
}

/** s_i over the taps lo … hi (inclusive), in index order: one summation order for every caller. */
function gaussianPoint(
  values: ArrayLike<number>,
  g: Float64Array,
  i: number,
  lo: number,
  hi: number,
): number {
  let num = 0;
  let den = 0;
  for (let k = lo; k <= hi; k++) {
    const wgt = g[k < i ? i - k : k - i];
    num += wgt * values[k];
    den += wgt;
  }
  return num / den;
}

/**
 * Centred Gaussian smoothing (docs/ui.md#smoothing `gaussian`), per segment:
 * s_i = Σ g_j·y_{i+j} / Σ g_j over j = −h … h with 0 ≤ i + j < n, so the weights are renormalised
 * at the segment edges. An even K gives K + 1 taps.
 */
export function smoothGaussian(
  values: ArrayLike<number>,
  kernelSize: number,
  kinds?: ArrayLike<number>,
): Float64Array {
  checkKinds(values, kinds);
  const g = gaussianWeights(kernelSize, values.length);
  const h = g.length - 1;
  const out = nanArray(values.length);
  forEachSegment(values, kinds, (start, end) => {
    for (let i = start; i < end; i++) {
      out[i] = gaussianPoint(values, g, i, Math.max(start, i - h), Math.min(end - 1, i + h));
    }
  });
  return out;
}

/**
 * smoothGaussian at the given indices only, with the same result bit for bit: the work is proportional to
 * the indices asked for times the kernel, not to the series (a downsampled response needs a few thousand
 * smoothed points of a series of millions). Returns a value per index, NaN where the point is a break.
 */
export function smoothGaussianAt(
  values: ArrayLike<number>,
  kernelSize: number,
  indices: ArrayLike<number>,
  kinds?: ArrayLike<number>,
): Float64Array {
  checkKinds(values, kinds);
  const g = gaussianWeights(kernelSize, values.length);
  const h = g.length - 1;
  const n = values.length;
  const out = nanArray(indices.length);
  for (let r = 0; r < indices.length; r++) {
    const i = indices[r];
    if (i < 0 || i >= n || isBreak(values, kinds, i)) continue;
    // The taps reach h points each way, or to the segment's end, whichever is nearer.
    let lo = i;
    while (lo > 0 && i - lo < h && !isBreak(values, kinds, lo - 1)) lo--;
    let hi = i;
    while (hi < n - 1 && hi - i < h && !isBreak(values, kinds, hi + 1)) hi++;
    out[r] = gaussianPoint(values, g, i, lo, hi);
  }
  return out;
}
