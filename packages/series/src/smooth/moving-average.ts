import { checkKinds, checkSmoothValue, forEachSegment, nanArray } from './segments.js';

/** W = max(1, ⌊v⌋). */
export function movingAverageWindow(value: number): number {
  checkSmoothValue(value);
  return Math.max(1, Math.floor(value));
}

/**
 * Trailing moving average (docs/ui.md#smoothing `ma`), per segment: s_i is the mean of y_max(0, i−W+1) … y_i,
 * a window that is shorter at the start of each segment.
 *
 * The running sum uses Neumaier compensation, so a long series does not drift.
 */
export function smoothMovingAverage(
  values: ArrayLike<number>,
  window: number,
  kinds?: ArrayLike<number>,
): Float64Array {
  checkKinds(values, kinds);
  const w = movingAverageWindow(window);
  const out = nanArray(values.length);
  forEachSegment(values, kinds, (start, end) => {
    if (w === 1) {
      for (let i = start; i < end; i++) out[i] = values[i];
      return;
    }
    let sum = 0;
    let comp = 0;
    const add = (x: number): void => {
      const t = sum + x;
      if (Math.abs(sum) >= Math.abs(x)) comp += sum - t + x;
      else comp += x - t + sum;
      sum = t;
    };
    for (let i = start; i < end; i++) {
      add(values[i]);
      const k = i - start;
      if (k >= w) add(-values[i - w]);
      out[i] = (sum + comp) / Math.min(k + 1, w);
    }
  });
  return out;
}
