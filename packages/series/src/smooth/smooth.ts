import { smoothEma } from './ema.js';
import { smoothEmaDebiased } from './ema-debiased.js';
import { smoothGaussian, smoothGaussianAt } from './gaussian.js';
import { smoothMovingAverage } from './moving-average.js';

/** The `smooth` values of docs/api.md#smoothing. */
export type SmoothMode = 'ema' | 'ema_debiased' | 'ma' | 'gaussian';

export const SMOOTH_MODES: readonly SmoothMode[] = ['ema', 'ema_debiased', 'ma', 'gaussian'];

export function isSmoothMode(mode: unknown): mode is SmoothMode {
  return typeof mode === 'string' && (SMOOTH_MODES as readonly string[]).includes(mode);
}

/**
 * Smooths a series with one of the modes of docs/ui.md#smoothing / docs/api.md#smoothing.
 *
 * `values` holds the series in step order, with NaN for missing values; `kinds` (optional) is the
 * docs/ui.md#series-and-x-axes coding. The series is cut at every non-finite or missing point and each
 * segment is smoothed on its own, by index. The result is parallel to `values`, with NaN wherever the input
 * was non-finite or missing (the caller writes those as `null`).
 */
export function smooth(
  values: ArrayLike<number>,
  mode: SmoothMode,
  value: number,
  kinds?: ArrayLike<number>,
): Float64Array {
  switch (mode) {
    case 'ema':
      return smoothEma(values, value, kinds);
    case 'ema_debiased':
      return smoothEmaDebiased(values, value, kinds);
    case 'ma':
      return smoothMovingAverage(values, value, kinds);
    case 'gaussian':
      return smoothGaussian(values, value, kinds);
    default:
      throw new RangeError(`unknown smoothing mode ${String(mode)}`);
  }
}

/**
 * smooth(), read at the given indices only (ascending or not): `out[r] = smooth(…)[indices[r]]`. For a few
 * indices the Gaussian is computed at those points alone, so its work is the indices times the kernel rather
 * than the whole series times the kernel; the recursive modes are linear in the series anyway.
 */
export function smoothAt(
  values: ArrayLike<number>,
  mode: SmoothMode,
  value: number,
  indices: ArrayLike<number>,
  kinds?: ArrayLike<number>,
): Float64Array {
  // Point by point pays a segment scan per point; for many points the whole series is cheaper.
  if (mode === 'gaussian' && indices.length * 8 < values.length) {
    return smoothGaussianAt(values, value, indices, kinds);
  }
  const full = smooth(values, mode, value, kinds);
  const out = new Float64Array(indices.length);
  for (let r = 0; r < indices.length; r++) out[r] = full[indices[r]];
  return out;
}
