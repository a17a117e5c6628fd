import { type BinGrid, canonicalGrid } from './canonical-grid.js';
import { normalizeMatrix, type SurfaceNormalize } from './normalize-matrix.js';
import { type HistogramEdgesSource, resampleHistogram } from './resample-histogram.js';
import { DEFAULT_TARGET_ROWS, strideSample, surfaceStride } from './stride.js';

/** One usable histogram entry: its edges (or stored range) and counts. */
export interface SurfaceEntry {
  edges: HistogramEdgesSource;
  counts: ArrayLike<number>;
}

export interface SurfaceOptions {
  /** Target bin count; default the first entry's bin count, clamped to 8–1024. */
  bins?: number | null;
  /** −1 (default): automatic; 0 or 1: none; k > 1: stride k. */
  downsample?: number | null;
  /** Target row count for the automatic stride; default 180. */
  targetRows?: number | null;
  normalize?: SurfaceNormalize;
}

export interface Surface {
  grid: BinGrid;
  /** Indices into the entries of the sampled rows, ascending; the last entry is always there. */
  sampled: Uint32Array;
  /** One resampled (and normalized) row per sampled entry. */
  matrix: Float64Array[];
  rawMaxValue: number;
  downsampleRate: number;
  originalEntries: number;
  sampledEntries: number;
}

/**
 * The default target bin count: the first entry's bin count, clamped to 8–1024
 * (docs/api.md#histogram-surface).
 */
export function defaultSurfaceBins(firstEntryBins: number): number {
  return Math.min(1024, Math.max(8, Math.floor(firstEntryBins) || 8));
}

/**
 * Steps 2–4 and 7–8 of the histogram surface (docs/api.md#histogram-surface): the canonical grid over every
 * entry, stride sampling that keeps the last entry, resampling of each sampled entry onto the grid, and
 * normalization. The axis values (step 5) are the caller's: pick them with `sampled`.
 * Entries are in step order and already filtered to those with edges and counts.
 */
export function buildSurface(entries: ReadonlyArray<SurfaceEntry>, options: SurfaceOptions = {}): Surface {
  if (entries.length === 0) throw new RangeError('a surface needs at least one histogram entry');
  const bins = options.bins ?? defaultSurfaceBins(entries[0].counts.length);
  const grid = canonicalGrid(
    entries.map((e) => e.edges),
    bins,
  );
  const rate = surfaceStride(
    entries.length,
    options.downsample ?? -1,
    options.targetRows ?? DEFAULT_TARGET_ROWS,
  );
  const sampled = strideSample(entries.length, rate);
  const raw = Array.from(sampled, (i) => resampleHistogram(entries[i].edges, entries[i].counts, grid.edges));
  const { rows, rawMax } = normalizeMatrix(raw, options.normalize ?? 'none');
  return {
    grid,
    sampled,
    matrix: rows,
    rawMaxValue: rawMax,
    downsampleRate: rate,
    originalEntries: entries.length,
    sampledEntries: sampled.length,
  };
}
