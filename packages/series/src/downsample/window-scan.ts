/** The first and last rows whose x lies in [lo, hi] (a null x, NaN, never does); −1 when none. */
export function windowEnds(x: Float64Array, lo: number, hi: number): { first: number; last: number } {
  const len = x.length;
  let first = -1;
  for (let i = 0; i < len; i++) {
    const xi = x[i];
    if (xi >= lo && xi <= hi) {
      first = i;
      break;
    }
  }
  if (first < 0) return { first: -1, last: -1 };
  let last = first;
  for (let i = len - 1; i > first; i--) {
    const xi = x[i];
    if (xi >= lo && xi <= hi) {
      last = i;
      break;
    }
  }
  return { first, last };
}

/**
 * Over rows first … last, the number of rows whose x lies in [lo, hi] and the smallest and
 * largest such x (±Infinity when there is none).
 */
export function windowExtent(
  x: Float64Array,
  lo: number,
  hi: number,
  first: number,
  last: number,
): { count: number; xLo: number; xHi: number } {
  let count = 0;
  let xLo = Number.POSITIVE_INFINITY;
  let xHi = Number.NEGATIVE_INFINITY;
  for (let i = first; i <= last; i++) {
    const xi = x[i];
    if (xi >= lo && xi <= hi) {
      count++;
      if (xi < xLo) xLo = xi;
      if (xi > xHi) xHi = xi;
    }
  }
  return { count, xLo, xHi };
}

/**
 * Whether x[first … last] is non-decreasing with no null (NaN) x — true for x = step and,
 * normally, for timestamp. Then the window is the contiguous rows first … last and each bucket
 * is a contiguous range of rows.
 */
export function isNonDecreasing(x: Float64Array, first: number, last: number): boolean {
  let prev = x[first];
  if (Number.isNaN(prev)) return false;
  for (let i = first + 1; i <= last; i++) {
    const xi = x[i];
    if (!(xi >= prev)) return false;
    prev = xi;
  }
  return true;
}
