import { interpolateAt } from './interpolate.js';
import { binCenters, linspaceEdges } from './linspace.js';

/** A histogram's value range: its stored min and max, edges evenly spaced between them. */
export interface HistogramRange {
  min: number;
  max: number;
}

/** Edges given as an array, or as a stored range with `bins` evenly spaced bins between. */
export type HistogramEdgesSource = ArrayLike<number> | HistogramRange;

/**
 * The smallest bin width used when a count is turned into a density (docs/api.md#histogram-surface step
 * 4).
 */
export const MIN_BIN_WIDTH = 1e-9;

export function isHistogramRange(source: HistogramEdgesSource): source is HistogramRange {
  return (
    typeof (source as HistogramRange).min === 'number' && typeof (source as HistogramRange).max === 'number'
  );
}

/** The edges of a source: the array itself, or `bins + 1` evenly spaced edges over min … max. */
export function sourceEdges(source: HistogramEdgesSource, bins: number): ArrayLike<number> {
  return isHistogramRange(source) ? linspaceEdges(source.min, source.max, bins) : source;
}

/**
 * Resamples one histogram onto other bin edges (docs/api.md#histogram-surface step 4):
 * density = count / max(width, 1e-9) at the source bin centres; that density is interpolated
 * linearly at the target bin centres, and is 0 where a target centre lies outside the source
 * range [first edge, last edge]; the result is density × target bin width.
 *
 * Between the first edge and the first centre (and the last centre and the last edge) the
 * density is held flat, so a target grid that covers the source conserves its total count up to
 * interpolation error. Edges must be ascending.
 */
export function resampleHistogram(
  source: HistogramEdgesSource,
  counts: ArrayLike<number>,
  targetEdges: ArrayLike<number>,
): Float64Array {
  const k = counts.length;
  const edges = sourceEdges(source, k);
  if (edges.length !== k + 1) {
    throw new RangeError(`a histogram of ${k} counts needs ${k + 1} edges, got ${edges.length}`);
  }
  const targetBins = Math.max(0, targetEdges.length - 1);
  const out = new Float64Array(targetBins);
  if (k === 0) return out;
  const centres = binCenters(edges);
  const density = new Float64Array(k);
  for (let j = 0; j < k; j++) density[j] = counts[j] / Math.max(edges[j + 1] - edges[j], MIN_BIN_WIDTH);
  const lo = edges[0];
  const hi = edges[k];
  for (let i = 0; i < targetBins; i++) {
    const a = targetEdges[i];
    const b = targetEdges[i + 1];
    const t = (a + b) / 2;
    out[i] = t < lo || t > hi ? 0 : interpolateAt(centres, density, t) * (b - a);
  }
  return out;
}
