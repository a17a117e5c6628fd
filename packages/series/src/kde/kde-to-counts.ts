import { densitySampler } from './density-at.js';

/** What `kdeToCounts` reads from a KDE entry. */
export interface KdeDensityEntry {
  grid: ArrayLike<number>;
  density: ArrayLike<number>;
  rangeMin?: number | null;
  rangeMax?: number | null;
  /** Multiplies the counts; 1 when missing. */
  sampleCount?: number | null;
}

/**
 * A KDE entry as histogram counts on shared bin edges (docs/api.md#kde-as-histograms): at each bin centre the
 * entry's density is interpolated linearly (0 outside its grid, and 0 outside its own
 * [range_min, range_max] beyond the tolerance), multiplied by the bin width and by sample_count
 * (1 when missing), and clipped below at 0 (a NaN count becomes 0).
 */
export function kdeToCounts(entry: KdeDensityEntry, edges: ArrayLike<number>): Float64Array {
  const sample = densitySampler(entry.grid, entry.density, entry.rangeMin, entry.rangeMax);
  const multiplier =
    typeof entry.sampleCount === 'number' && Number.isFinite(entry.sampleCount) ? entry.sampleCount : 1;
  const bins = Math.max(0, edges.length - 1);
  const out = new Float64Array(bins);
  for (let i = 0; i < bins; i++) {
    const a = edges[i];
    const b = edges[i + 1];
    const c = sample((a + b) / 2) * (b - a) * multiplier;
    out[i] = Number.isNaN(c) || c < 0 ? 0 : c; // clip below at 0; NaN counts as 0
  }
  return out;
}
