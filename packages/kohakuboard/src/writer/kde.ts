/**
 * Kernel density estimates from raw samples (docs/client.md#kerneldensity), computed in float64 and returned
 * as float32: Scott's-rule bandwidth, a range from percentiles (or given bounds), an evenly spaced grid, and
 * either the exact Gaussian sum or the binned approximation.
 */
import { percentilesInPlace } from './select.js';

export interface KdeSettings {
  bandwidth: number | 'auto' | null;
  numPoints: number;
  percentileClip: [number, number];
  rangeMin: number | null;
  rangeMax: number | null;
  approximate: boolean;
  approximateBins: number | null;
}

export interface KdeResult {
  grid: Float32Array;
  density: Float32Array;
  bandwidth: number;
  sampleCount: number;
  rangeMin: number;
  rangeMax: number;
}

const SQRT_2PI = Math.sqrt(2 * Math.PI);

/** Scott's rule with the fallbacks of docs/client.md#kerneldensity step 2. `x` holds finite samples. */
export function autoBandwidth(x: Float64Array): number {
  const n = x.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += x[i];
  mean /= n;
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (x[i] - mean) ** 2;
  const sigma = Math.sqrt(ss / n);
  const bw = 1.06 * sigma * n ** -0.2;
  if (Number.isFinite(bw) && bw > 0) return bw;
  const fallback = Math.max(sigma, 1e-3);
  return fallback === 0 ? 1e-3 : fallback;
}

/** Evenly spaced points from lo to hi inclusive. */
export function linspace(lo: number, hi: number, count: number): Float64Array {
  const out = new Float64Array(count);
  if (count === 1) {
    out[0] = lo;
    return out;
  }
  const stepSize = (hi - lo) / (count - 1);
  for (let i = 0; i < count; i++) out[i] = lo + i * stepSize;
  out[count - 1] = hi;
  return out;
}

/**
 * Computes a KDE from `samples`, which it reorders and filters (the caller owns the buffer).
 * Returns null when there is no finite sample.
 */
export function computeKde(samples: Float64Array, s: KdeSettings): KdeResult | null {
  let n = 0;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < samples.length; i++) {
    const v = samples[i];
    if (v - v !== 0) continue;
    samples[n++] = v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (n === 0) return null;
  const x = samples.subarray(0, n);
  const bw = typeof s.bandwidth === 'number' ? s.bandwidth : autoBandwidth(x);

  let lo: number;
  let hi: number;
  if (s.rangeMin !== null && s.rangeMax !== null) {
    lo = s.rangeMin;
    hi = s.rangeMax;
  } else {
    const [pLo, pHi] = s.percentileClip;
    const wanted: number[] = [];
    if (pLo > 0) wanted.push(pLo);
    if (pHi < 100) wanted.push(pHi);
    const found = wanted.length ? percentilesInPlace(x, wanted) : [];
    lo = pLo <= 0 ? min : found[0];
    hi = pHi >= 100 ? max : found[found.length - 1];
    if (lo === hi) {
      lo -= 0.1;
      hi += 0.1;
    }
  }
  if (lo === hi) {
    lo -= 0.01;
    hi += 0.01;
  }

  const grid = linspace(lo, hi, s.numPoints);
  const density = s.approximate
    ? binnedDensity(x, grid, bw, lo, hi, Math.max(32, s.approximateBins ?? Math.max(s.numPoints, 256)))
    : exactDensity(x, grid, bw);
  return {
    grid: Float32Array.from(grid),
    density: Float32Array.from(density),
    bandwidth: bw,
    sampleCount: n,
    rangeMin: lo,
    rangeMax: hi,
  };
}

function exactDensity(x: Float64Array, grid: Float64Array, bw: number): Float64Array {
  const n = x.length;
  const out = new Float64Array(grid.length);
  const norm = 1 / (n * bw * SQRT_2PI);
  for (let j = 0; j < grid.length; j++) {
    const g = grid[j];
    let sum = 0;
    for (let i = 0; i < n; i++) {
      const z = (g - x[i]) / bw;
      sum += Math.exp(-0.5 * z * z);
    }
    out[j] = sum * norm;
  }
  return out;
}

/**
 * docs/client.md#kerneldensity step 6: counts in B bins over [lo, hi], smoothed at the bin centres,
 * interpolated onto the grid.
 */
function binnedDensity(
  x: Float64Array,
  grid: Float64Array,
  bw: number,
  lo: number,
  hi: number,
  B: number,
): Float64Array {
  const n = x.length;
  const counts = new Float64Array(B);
  const width = hi - lo;
  for (let i = 0; i < n; i++) {
    const v = x[i];
    if (v < lo || v > hi) continue; // outside the range: ignored, as in Python
    let b = Math.floor(((v - lo) / width) * B);
    if (b >= B) b = B - 1;
    counts[b]++;
  }
  const centres = new Float64Array(B);
  for (let k = 0; k < B; k++) centres[k] = lo + ((k + 0.5) * width) / B;
  const smooth = new Float64Array(B);
  const norm = 1 / (n * bw * SQRT_2PI);
  for (let k = 0; k < B; k++) {
    let sum = 0;
    for (let j = 0; j < B; j++) {
      if (counts[j] === 0) continue;
      const z = (centres[k] - centres[j]) / bw;
      sum += counts[j] * Math.exp(-0.5 * z * z);
    }
    smooth[k] = sum * norm;
  }
  return interpolate(grid, centres, smooth);
}

/** numpy.interp: linear interpolation of (xs, ys) at each point, holding the end values outside. */
export function interpolate(points: Float64Array, xs: Float64Array, ys: Float64Array): Float64Array {
  const out = new Float64Array(points.length);
  const last = xs.length - 1;
  let k = 0;
  for (let i = 0; i < points.length; i++) {
    const p = points[i];
    if (p <= xs[0]) {
      out[i] = ys[0];
      continue;
    }
    if (p >= xs[last]) {
      out[i] = ys[last];
      continue;
    }
    if (xs[k] > p) k = 0;
    while (xs[k + 1] < p) k++;
    const t = (p - xs[k]) / (xs[k + 1] - xs[k]);
    out[i] = ys[k] + t * (ys[k + 1] - ys[k]);
  }
  return out;
}
