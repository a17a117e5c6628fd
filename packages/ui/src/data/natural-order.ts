/**
 * Natural order for names: runs of digits compare as numbers, so `r2` comes before `r10` and
 * `layer9/w` before `layer10/w`. The rest compares by code unit, so the order is the same in
 * every browser and locale.
 */

const CHUNK = /(\d+)/;

export function naturalCompare(a: string, b: string): number {
  const pa = a.split(CHUNK);
  const pb = b.split(CHUNK);
  const n = Math.min(pa.length, pb.length);
  for (let i = 0; i < n; i++) {
    const x = pa[i];
    const y = pb[i];
    if (x === y) continue;
    // split() with a capturing group puts the digit runs at odd indices.
    if (i % 2 === 1) {
      const byValue = Number(x) - Number(y);
      if (byValue !== 0) return byValue;
      // Equal values ("7" and "007"): the shorter spelling first, so the order stays total.
      return x.length - y.length;
    }
    return x < y ? -1 : 1;
  }
  return pa.length - pb.length;
}

/** A sorted copy of `names` in natural order. */
export function naturalSorted(names: readonly string[]): string[] {
  return [...names].sort(naturalCompare);
}
