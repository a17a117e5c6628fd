/** The default `target_rows` of a histogram surface (docs/api.md#histogram-surface). */
export const DEFAULT_TARGET_ROWS = 180;

/** The automatic stride ⌈n / targetRows⌉, at least 1 (docs/api.md#histogram-surface `downsample=-1`). */
export function autoStride(n: number, targetRows: number = DEFAULT_TARGET_ROWS): number {
  if (!(targetRows >= 1)) throw new RangeError(`targetRows must be >= 1, got ${targetRows}`);
  return Math.max(1, Math.ceil(n / targetRows));
}

/**
 * The stride for a surface's `downsample` parameter (docs/api.md#histogram-surface): −1 (or any negative) is
 * automatic, 0 and 1 mean no sampling, k > 1 is stride k.
 */
export function surfaceStride(
  n: number,
  downsample: number,
  targetRows: number = DEFAULT_TARGET_ROWS,
): number {
  if (downsample < 0) return autoStride(n, targetRows);
  return Math.max(1, Math.floor(downsample));
}

/**
 * Row indices 0, s, 2s, … below n, plus n − 1 when the stride skipped it: the last entry is
 * always included (docs/api.md#histogram-surface step 3).
 */
export function strideSample(n: number, stride: number): Uint32Array {
  if (n <= 0) return new Uint32Array(0);
  const s = Math.max(1, Math.floor(stride));
  const count = Math.ceil(n / s);
  const lastSampled = (count - 1) * s;
  const extra = lastSampled === n - 1 ? 0 : 1;
  const out = new Uint32Array(count + extra);
  for (let i = 0; i < count; i++) out[i] = i * s;
  if (extra) out[count] = n - 1;
  return out;
}
