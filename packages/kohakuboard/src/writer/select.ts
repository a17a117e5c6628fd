/**
 * Order statistics by selection instead of a full sort (docs/format.md#binning): quickselect with a
 * median-of-three pivot and Hoare partitioning, which stays linear on inputs with many equal values.
 */

/**
 * Rearranges a[lo..hi] so that a[k] holds the value it would have after sorting, everything before it is
 * ≤ a[k] and everything after it is ≥ a[k]. Returns a[k].
 */
export function selectInPlace(a: Float64Array, k: number, lo = 0, hi = a.length - 1): number {
  let l = lo;
  let r = hi;
  while (r > l) {
    const mid = (l + r) >>> 1;
    // Median of three into a[mid].
    if (a[mid] < a[l]) swap(a, mid, l);
    if (a[r] < a[l]) swap(a, r, l);
    if (a[r] < a[mid]) swap(a, r, mid);
    const pivot = a[mid];
    let i = l;
    let j = r;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) {
        swap(a, i, j);
        i++;
        j--;
      }
    }
    if (k <= j) r = j;
    else if (k >= i) l = i;
    else break;
  }
  return a[k];
}

function swap(a: Float64Array, i: number, j: number): void {
  const t = a[i];
  a[i] = a[j];
  a[j] = t;
}

/**
 * Percentiles with linear interpolation between order statistics, as numpy's default does
 * (docs/format.md#binning): h = (n−1)·p/100, result s[⌊h⌋] + (h−⌊h⌋)·(s[⌊h⌋+1] − s[⌊h⌋]). `a` must hold
 * finite values and is rearranged. `ps` are in percent; the results come in the same order.
 */
export function percentilesInPlace(a: Float64Array, ps: readonly number[]): number[] {
  const n = a.length;
  if (n === 0) throw new RangeError('percentile of an empty array');
  const order = ps.map((p, i) => ({ p, i })).sort((x, y) => x.p - y.p);
  const out = new Array<number>(ps.length);
  let placed = -1; // a[placed] is in sorted position and everything after it is ≥ it
  for (const { p, i } of order) {
    const h = ((n - 1) * p) / 100;
    const f = Math.min(n - 1, Math.max(0, Math.floor(h)));
    const lower = selectInPlace(a, f, placed >= 0 && f >= placed ? placed : 0, n - 1);
    placed = f;
    if (f === n - 1) {
      out[i] = lower;
      continue;
    }
    let upper = a[f + 1];
    for (let j = f + 2; j < n; j++) if (a[j] < upper) upper = a[j];
    out[i] = lower + (h - f) * (upper - lower);
  }
  return out;
}
