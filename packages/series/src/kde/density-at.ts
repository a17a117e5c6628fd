import { interpolateAt } from '../histogram/interpolate.js';

/**
 * The tolerance by which a point may lie outside an entry's own [range_min, range_max] and still
 * get a density: max((range_max − range_min)·1e-6, 1e-9) (docs/api.md#kde-as-histograms).
 */
export function kdeRangeTolerance(rangeMin: number, rangeMax: number): number {
  return Math.max((rangeMax - rangeMin) * 1e-6, 1e-9);
}

/** An entry's density function, ready to be sampled at many points. */
export type DensitySampler = (t: number) => number;

/**
 * A sampler of an entry's density: linear interpolation of (grid, density), 0 outside the grid,
 * and 0 where t lies outside [rangeMin, rangeMax] by more than the tolerance. A missing range end
 * is not checked. `grid` must be ascending.
 */
export function densitySampler(
  grid: ArrayLike<number>,
  density: ArrayLike<number>,
  rangeMin?: number | null,
  rangeMax?: number | null,
): DensitySampler {
  if (grid.length !== density.length) {
    throw new RangeError(`grid has length ${grid.length}, density has length ${density.length}`);
  }
  const n = grid.length;
  const gridLo = n > 0 ? grid[0] : Number.NaN;
  const gridHi = n > 0 ? grid[n - 1] : Number.NaN;
  const hasMin = typeof rangeMin === 'number' && Number.isFinite(rangeMin);
  const hasMax = typeof rangeMax === 'number' && Number.isFinite(rangeMax);
  const lo = hasMin ? (rangeMin as number) : gridLo;
  const hi = hasMax ? (rangeMax as number) : gridHi;
  const tol = kdeRangeTolerance(lo, hi);
  const rangeLo = hasMin ? lo - tol : Number.NEGATIVE_INFINITY;
  const rangeHi = hasMax ? hi + tol : Number.POSITIVE_INFINITY;
  return (t: number): number => {
    if (n === 0 || !(t >= gridLo && t <= gridHi) || t < rangeLo || t > rangeHi) return 0;
    return interpolateAt(grid, density, t);
  };
}
