/**
 * The union of row lists, in ascending (step) order, without duplicates; negative entries (−1,
 * "none") are skipped. Sorts only the candidates (a few per bucket), never the rows.
 */
export function sortedUnion(lists: ReadonlyArray<ArrayLike<number>>): Uint32Array {
  let size = 0;
  for (const list of lists) size += list.length;
  const candidates = new Uint32Array(size);
  let c = 0;
  for (const list of lists) {
    for (let j = 0; j < list.length; j++) if (list[j] >= 0) candidates[c++] = list[j];
  }
  const sorted = candidates.subarray(0, c).sort();
  let k = 0;
  for (let j = 0; j < c; j++) if (k === 0 || sorted[j] !== sorted[k - 1]) sorted[k++] = sorted[j];
  return sorted.slice(0, k);
}
