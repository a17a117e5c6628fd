/** The `normalize` values of docs/api.md#histogram-surface. */
export type SurfaceNormalize = 'none' | 'per-step' | 'global';

export const SURFACE_NORMALIZE_MODES: readonly SurfaceNormalize[] = ['none', 'per-step', 'global'];

export function isSurfaceNormalize(mode: unknown): mode is SurfaceNormalize {
  return typeof mode === 'string' && (SURFACE_NORMALIZE_MODES as readonly string[]).includes(mode);
}

export interface NormalizedMatrix {
  rows: Float64Array[];
  /** The largest value before normalization; 0 for an empty matrix. */
  rawMax: number;
}

function rowMax(row: ArrayLike<number>): number {
  let m = Number.NEGATIVE_INFINITY;
  for (let j = 0; j < row.length; j++) if (row[j] > m) m = row[j];
  return m;
}

/**
 * Normalizes a surface matrix (docs/api.md#histogram-surface step 7) into new rows: `per-step` divides each
 * row by its maximum (a maximum of 0 is treated as 1), `global` divides by the overall maximum when it is
 * > 0, `none` copies. `rawMax` is the maximum before normalization.
 */
export function normalizeMatrix(
  rows: ReadonlyArray<ArrayLike<number>>,
  mode: SurfaceNormalize,
): NormalizedMatrix {
  if (!isSurfaceNormalize(mode)) throw new RangeError(`unknown normalize mode ${String(mode)}`);
  let rawMax = Number.NEGATIVE_INFINITY;
  const maxima = rows.map(rowMax);
  for (const m of maxima) if (m > rawMax) rawMax = m;
  if (rawMax === Number.NEGATIVE_INFINITY) rawMax = 0;
  const out = rows.map((row, r) => {
    const copy = Float64Array.from(row);
    const divisor =
      mode === 'per-step' ? (maxima[r] > 0 ? maxima[r] : 1) : mode === 'global' && rawMax > 0 ? rawMax : 1;
    if (divisor !== 1) for (let j = 0; j < copy.length; j++) copy[j] /= divisor;
    return copy;
  });
  return { rows: out, rawMax };
}
