import { checkKinds, checkSmoothValue, forEachSegment, nanArray } from './segments.js';

/** K = max(3, ⌊v⌋), σ = K/6, h = ⌊K/2⌋ (UI.md §6.3 `gaussian`). */
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

/**
 * Centred Gaussian smoothing (UI.md §6.3 `gaussian`), per segment:
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
      const lo = Math.max(start, i - h);
      const hi = Math.min(end - 1, i + h);
      let num = 0;
      let den = 0;
      for (let k = lo; k <= hi; k++) {
        const wgt = g[k < i ? i - k : k - i];
        num += wgt * values[k];
        den += wgt;
      }
      out[i] = num / den;
    }
  });
  return out;
}
