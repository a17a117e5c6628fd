/**
 * Linear interpolation of the points (xp, fp) at t, as numpy's `interp`: `xp` ascending; below
 * xp[0] the result is fp[0] and above the last point it is the last fp (flat hold). Callers
 * that need 0 outside a range check the range themselves.
 */
export function interpolateAt(xp: ArrayLike<number>, fp: ArrayLike<number>, t: number): number {
  const n = xp.length;
  if (n === 0 || Number.isNaN(t)) return Number.NaN;
  if (t <= xp[0]) return fp[0];
  if (t >= xp[n - 1]) return fp[n - 1];
  // The last j with xp[j] <= t; then xp[j] <= t < xp[j + 1].
  let lo = 0;
  let hi = n - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >>> 1;
    if (xp[mid] <= t) lo = mid;
    else hi = mid;
  }
  const x0 = xp[lo];
  const x1 = xp[hi];
  if (x1 === x0) return fp[hi];
  const slope = (fp[hi] - fp[lo]) / (x1 - x0);
  return slope * (t - x0) + fp[lo];
}
