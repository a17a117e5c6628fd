import { type BinGrid, binGrid } from '../histogram/canonical-grid.js';
import { type KdeGridEntry, type KdeRangeOptions, kdeSharedRange } from './shared-range.js';

export interface KdeGridOptions extends KdeRangeOptions {
  /** The query's `bins`; the bin-count rule applies when absent. */
  bins?: number | null;
}

/**
 * The default KDE bin count of docs/api.md#kde-as-histograms: max(P − 1, 32), where
 * P = max(min(min over entries of num_points, 256), 32); num_points defaults to the grid's length.
 */
export function kdeDefaultBins(entries: ReadonlyArray<KdeGridEntry>): number {
  let fewest = Number.POSITIVE_INFINITY;
  for (const entry of entries) {
    const p =
      typeof entry.numPoints === 'number' && Number.isFinite(entry.numPoints)
        ? entry.numPoints
        : entry.grid.length;
    if (p < fewest) fewest = p;
  }
  const p = Math.max(Math.min(fewest, 256), 32);
  return Math.max(p - 1, 32);
}

/**
 * The grid that every KDE entry of a name shares when served through the histogram routes
 * (docs/api.md#kde-as-histograms): the range rule of `kdeSharedRange`, `bins` or the default bin count, and
 * bins + 1 evenly spaced edges.
 */
export function kdeSharedGrid(entries: ReadonlyArray<KdeGridEntry>, options: KdeGridOptions = {}): BinGrid {
  const { min, max } = kdeSharedRange(entries, options);
  const bins = options.bins ?? kdeDefaultBins(entries);
  if (!Number.isInteger(bins) || bins < 1) throw new RangeError(`bins must be an integer >= 1, got ${bins}`);
  return binGrid(min, max, bins);
}
