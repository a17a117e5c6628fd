import { linspace } from '../histogram/linspace.js';
import { type KdeGridEntry, type KdeRangeOptions, kdeSharedRange } from './shared-range.js';

/**
 * The top-level `grid` of a KDE response with `points` (docs/api.md#kernel-density): `points` evenly spaced
 * values over the docs/api.md#histograms range rule, overridable by the query's range_min / range_max.
 */
export function kdePointsGrid(
  entries: ReadonlyArray<KdeGridEntry>,
  points: number,
  options: KdeRangeOptions = {},
): Float64Array {
  if (!Number.isInteger(points) || points < 1)
    throw new RangeError(`points must be an integer >= 1, got ${points}`);
  const { min, max } = kdeSharedRange(entries, options);
  return linspace(min, max, points);
}
