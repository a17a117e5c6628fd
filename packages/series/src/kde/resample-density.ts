import { densitySampler } from './density-at.js';

/**
 * An entry's density on a shared grid of points (docs/api.md#kernel-density with `points`): linear
 * interpolation of (grid, density) at each target point, 0 outside the entry's grid and outside
 * its [rangeMin, rangeMax] beyond the docs/api.md#histograms tolerance. Values stay densities, not counts.
 */
export function resampleDensity(
  grid: ArrayLike<number>,
  density: ArrayLike<number>,
  targetGrid: ArrayLike<number>,
  rangeMin?: number | null,
  rangeMax?: number | null,
): Float64Array {
  const sample = densitySampler(grid, density, rangeMin, rangeMax);
  const out = new Float64Array(targetGrid.length);
  for (let i = 0; i < targetGrid.length; i++) out[i] = sample(targetGrid[i]);
  return out;
}
