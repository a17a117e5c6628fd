/** What the range and bin rules of docs/api.md#kde-as-histograms read from a KDE entry. */
export interface KdeGridEntry {
  grid: ArrayLike<number>;
  rangeMin?: number | null;
  rangeMax?: number | null;
  /** The stored grid size; the grid's length when missing. */
  numPoints?: number | null;
}

export interface KdeRangeOptions {
  /** The query's overrides. */
  rangeMin?: number | null;
  rangeMax?: number | null;
}

/** The half-width added on each side when every entry has the same single value range. */
export const KDE_RANGE_WIDEN = 0.005;

function finite(v: number | null | undefined): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

/** The smallest and largest finite values of a grid; ±Infinity when it has none. */
export function gridExtent(grid: ArrayLike<number>): { min: number; max: number } {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < grid.length; i++) {
    const g = grid[i];
    if (g < min) min = g;
    if (g > max) max = g;
  }
  return { min, max };
}

/**
 * The shared KDE range of docs/api.md#kde-as-histograms: from the minimum over entries of (range_min, or the
 * grid's minimum) to the maximum over entries of (range_max, or the grid's maximum); equal ends are
 * widened by ±0.005; the query's range_min / range_max then override either end, and if the
 * result is empty, max = min + 1. Throws a RangeError when no entry gives a finite end and the
 * query does not give both.
 */
export function kdeSharedRange(
  entries: ReadonlyArray<KdeGridEntry>,
  options: KdeRangeOptions = {},
): { min: number; max: number } {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const entry of entries) {
    const extent = finite(entry.rangeMin) && finite(entry.rangeMax) ? null : gridExtent(entry.grid);
    const lo = finite(entry.rangeMin) ? entry.rangeMin : (extent?.min ?? Number.NaN);
    const hi = finite(entry.rangeMax) ? entry.rangeMax : (extent?.max ?? Number.NaN);
    if (lo < min) min = lo;
    if (hi > max) max = hi;
  }
  if (min === max) {
    min -= KDE_RANGE_WIDEN;
    max += KDE_RANGE_WIDEN;
  }
  if (finite(options.rangeMin)) min = options.rangeMin;
  if (finite(options.rangeMax)) max = options.rangeMax;
  if (!Number.isFinite(min) && !Number.isFinite(max)) throw new RangeError('no KDE entry has a finite range');
  if (!Number.isFinite(min)) min = max - 1;
  if (!Number.isFinite(max) || min >= max) max = min + 1;
  return { min, max };
}
