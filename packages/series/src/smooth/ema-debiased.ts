import { clampEmaAlpha } from './ema.js';
import { checkKinds, forEachSegment, nanArray } from './segments.js';

/**
 * TensorBoard-style debiased EMA (docs/ui.md#smoothing `ema_debiased`), per segment:
 * m ← α·m + (1 − α)·y with m = 0 at the segment start, s_k = m / (1 − α^k).
 *
 * Computed in the equivalent running-mean form s_k = s_{k−1} + (1 − α)·(y_k − s_{k−1}) / (1 − α^k),
 * s_1 = y_1, so that a constant segment gives exactly its constant (the formula's promise), with
 * no rounding drift.
 */
export function smoothEmaDebiased(
  values: ArrayLike<number>,
  alpha: number,
  kinds?: ArrayLike<number>,
): Float64Array {
  checkKinds(values, kinds);
  const a = clampEmaAlpha(alpha);
  const b = 1 - a;
  const out = nanArray(values.length);
  forEachSegment(values, kinds, (start, end) => {
    let s = values[start];
    out[start] = s;
    let power = a; // α^k for the point just smoothed, k = 1
    for (let i = start + 1; i < end; i++) {
      power *= a;
      s += (b * (values[i] - s)) / (1 - power);
      out[i] = s;
    }
  });
  return out;
}
