import { binCenters, linspaceEdges } from './linspace.js';
import { type HistogramEdgesSource, isHistogramRange } from './resample-histogram.js';

/** A shared grid of bins: `edges` has bins + 1 values, `centers` bins values. */
export interface BinGrid {
  min: number;
  max: number;
  bins: number;
  edges: Float64Array;
  centers: Float64Array;
}

/** A grid of `bins` evenly spaced bins over [min, max]. */
export function binGrid(min: number, max: number, bins: number): BinGrid {
  const edges = linspaceEdges(min, max, bins);
  return { min, max, bins, edges, centers: binCenters(edges) };
}

/**
 * The canonical grid of a histogram surface (docs/api.md#histogram-surface step 2): min = the smallest first
 * edge, max = the largest last edge over all entries (max = min + 1 when min ≥ max), and `bins` evenly
 * spaced bins. Entries are given by their edges or by their stored {min, max}; non-finite ends
 * are ignored. Throws a RangeError when no entry has a finite range (the caller's 400).
 */
export function canonicalGrid(entries: ReadonlyArray<HistogramEdgesSource>, bins: number): BinGrid {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const entry of entries) {
    let first: number;
    let last: number;
    if (isHistogramRange(entry)) {
      first = entry.min;
      last = entry.max;
    } else {
      if (entry.length === 0) continue;
      first = entry[0];
      last = entry[entry.length - 1];
    }
    if (Number.isFinite(first) && first < min) min = first;
    if (Number.isFinite(last) && last > max) max = last;
  }
  if (!Number.isFinite(min) && !Number.isFinite(max)) {
    throw new RangeError('no histogram entry has a finite range');
  }
  if (!Number.isFinite(min)) min = max - 1;
  if (!Number.isFinite(max) || min >= max) max = min + 1;
  return binGrid(min, max, bins);
}
