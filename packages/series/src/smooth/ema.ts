import { checkKinds, checkSmoothValue, forEachSegment, nanArray } from './segments.js';

/** The largest EMA weight: the original allowed α = 1, which produced NaN (docs/api.md#smoothing). */
export const MAX_EMA_ALPHA = 0.999;

/** α = min(v, 0.999), and at least 0. */
export function clampEmaAlpha(value: number): number {
  checkSmoothValue(value);
  return Math.min(Math.max(value, 0), MAX_EMA_ALPHA);
}

/**
 * The original's EMA (docs/ui.md#smoothing `ema`), per segment: s_0 = y_0, s_i = α·s_{i−1} + (1 − α)·y_i.
 * Non-finite and missing points give NaN.
 */
export function smoothEma(values: ArrayLike<number>, alpha: number, kinds?: ArrayLike<number>): Float64Array {
  checkKinds(values, kinds);
  const a = clampEmaAlpha(alpha);
  const b = 1 - a;
  const out = nanArray(values.length);
  forEachSegment(values, kinds, (start, end) => {
    let s = values[start];
    out[start] = s;
    for (let i = start + 1; i < end; i++) {
      s = a * s + b * values[i];
      out[i] = s;
    }
  });
  return out;
}
