/**
 * X-axis choices of docs/ui.md#series-and-x-axes and how each maps onto a request (docs/api.md#downsampling)
 * and onto chart x values.
 */
import type { BucketAxis, ScalarSeries } from './scalar-series';

/** How an x axis is labelled and zoomed. */
export type XKind = 'step' | 'time' | 'relative' | 'metric';

export const AXIS_ONLY_NAMES = new Set(['step', 'global_step', 'timestamp', 'walltime', 'relative_walltime']);

export function xKindOf(xMetric: string): XKind {
  if (xMetric === 'step' || xMetric === 'global_step') return 'step';
  if (xMetric === 'timestamp' || xMetric === 'walltime') return 'time';
  if (xMetric === 'relative_walltime') return 'relative';
  return 'metric';
}

/**
 * The bucketing axis and x_metric of a full-view request. global_step buckets by step so tails work
 * (docs/api.md#incremental-fetch).
 */
export function requestAxis(xMetric: string): { x: BucketAxis; xMetric: string | null } {
  const kind = xKindOf(xMetric);
  if (kind === 'time' || kind === 'relative') return { x: 'timestamp', xMetric: null };
  if (kind === 'metric') return { x: 'step', xMetric };
  return { x: 'step', xMetric: null };
}

/** The axis a zoom window is sent on, or null when zoom is client-side only (x = another metric). */
export function zoomAxis(xMetric: string): BucketAxis | null {
  const kind = xKindOf(xMetric);
  if (kind === 'metric') return null;
  if (kind === 'time' || kind === 'relative') return 'timestamp';
  return xMetric === 'global_step' ? 'global_step' : 'step';
}

/** Converts a chart x window to request units: time axes are charted in seconds, sent in Unix ms. */
export function windowToRequest(
  xMetric: string,
  min: number,
  max: number,
  firstTimestampMs: number,
): { x_min: number; x_max: number } {
  const kind = xKindOf(xMetric);
  if (kind === 'time') return { x_min: Math.floor(min * 1000), x_max: Math.ceil(max * 1000) };
  if (kind === 'relative') {
    return {
      x_min: Math.floor(firstTimestampMs + min * 1000),
      x_max: Math.ceil(firstTimestampMs + max * 1000),
    };
  }
  return { x_min: Math.floor(min), x_max: Math.ceil(max) };
}

/**
 * The chart x values of a series. Time axes are in seconds (uPlot's time unit); relative walltime
 * counts from the run's first timestamp; any other metric uses the server's forward-filled `xs`.
 */
export function xValues(s: ScalarSeries, xMetric: string, firstTimestampMs: number): Float64Array {
  switch (xMetric) {
    case 'step':
      return s.steps;
    case 'global_step':
      return s.globalSteps;
    case 'timestamp':
    case 'walltime': {
      const out = new Float64Array(s.length);
      for (let i = 0; i < s.length; i++) out[i] = s.timestampsMs[i] / 1000;
      return out;
    }
    case 'relative_walltime': {
      const out = new Float64Array(s.length);
      for (let i = 0; i < s.length; i++) out[i] = (s.timestampsMs[i] - firstTimestampMs) / 1000;
      return out;
    }
    default:
      return s.xs ?? new Float64Array(s.length).fill(Number.NaN);
  }
}

/**
 * Points per request (docs/ui.md#points-and-zoom): clamp(4 × plot width, 256, 8000), or per the Downsample
 * Rate setting.
 */
export function pointsFor(
  plotWidthCss: number,
  downsampleRate: number,
  totalPoints: number | null,
): number | undefined {
  if (downsampleRate === 1) return undefined;
  if (downsampleRate > 1 && totalPoints !== null && totalPoints > 0) {
    return Math.min(100_000, Math.max(256, Math.ceil(totalPoints / downsampleRate)));
  }
  return Math.min(8000, Math.max(256, Math.round(4 * plotWidthCss)));
}

/** Points per series on the project page (docs/ui.md#comparison-charts). */
export function comparePointsFor(plotWidthCss: number, seriesInChart: number): number {
  const byBudget = Math.floor(200_000 / Math.max(1, seriesInChart));
  return Math.max(64, Math.min(byBudget, Math.round(4 * plotWidthCss)));
}

/** The x-axis title of a line chart, as TensorBoard and W&B name it. */
export function xAxisTitle(xMetric: string): string {
  switch (xMetric) {
    case 'step':
      return 'Step';
    case 'global_step':
      return 'Global step';
    case 'timestamp':
    case 'walltime':
      return 'Time';
    case 'relative_walltime':
      return 'Relative time';
    default:
      return xMetric;
  }
}
