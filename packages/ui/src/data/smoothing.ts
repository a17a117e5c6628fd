/**
 * Which smoothed values a chart draws (docs/ui.md#smoothing): computed here from the shared series module
 * when the card holds the whole series, taken from the server (`smoothed`) when it holds a downsampled one.
 */
import { isSmoothMode, type SmoothMode, smooth } from '@kohakuboard/series';
import { holdsWholeSeries, type ScalarSeries } from './scalar-series';

export type SmoothingMode = 'disabled' | SmoothMode;

export const SMOOTHING_OPTIONS: Array<{ value: SmoothingMode; label: string }> = [
  { value: 'disabled', label: 'Disabled' },
  { value: 'ema', label: 'EMA' },
  { value: 'ema_debiased', label: 'Debiased EMA' },
  { value: 'ma', label: 'Moving Average' },
  { value: 'gaussian', label: 'Gaussian' },
];

export function isSmoothingOn(mode: string): mode is SmoothMode {
  return isSmoothMode(mode);
}

/** The smoothing value's input range for a mode (docs/ui.md#tab-settings). */
export function smoothingRange(mode: SmoothingMode): { min: number; max: number; step: number } {
  return mode === 'ma' || mode === 'gaussian'
    ? { min: 1, max: 1000, step: 1 }
    : { min: 0, max: 0.999, step: 0.01 };
}

/** Keeps a value inside its mode's range; switching between EMA-like and window modes picks a sane default. */
export function normalizeSmoothingValue(mode: SmoothingMode, value: number): number {
  const r = smoothingRange(mode);
  if (!Number.isFinite(value)) return mode === 'ma' || mode === 'gaussian' ? 10 : 0.9;
  if ((mode === 'ma' || mode === 'gaussian') && value < 1) return 10;
  return Math.min(r.max, Math.max(r.min, value));
}

/**
 * The smoothed series to draw, or null when smoothing is off. `serverMatches` says whether `s.smoothed`
 * was computed with the current settings.
 */
export function smoothedFor(
  s: ScalarSeries,
  mode: string,
  value: number,
  serverMatches: boolean,
): Float64Array | null {
  if (!isSmoothingOn(mode)) return null;
  if (!holdsWholeSeries(s) && serverMatches && s.smoothed) return s.smoothed;
  return smooth(s.values, mode, value, s.kinds);
}
