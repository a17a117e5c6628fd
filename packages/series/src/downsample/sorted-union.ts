/**
 * The union of row lists, in ascending (step) order, without duplicates; −1 entries are skipped.
 * Sorts only the candidates (a few per bucket), never the rows.
 */
export function sortedUnion(
  lists: ReadonlyArray<ArrayLike<number> | null>,
  extra: ArrayLike<number>,
): Uint32Array {
  let size = extra.length;
  for (const list of lists) if (list !== null) size += list.length;
  const candidates = new Uint32Array(size);
  let c = 0;
  for (const list of lists) {
    if (list === null) continue;
    for (let j = 0; j < list.length; j++) if (list[j] >= 0) candidates[c++] = list[j];
  }
  for (let j = 0; j < extra.length; j++) if (extra[j] >= 0) candidates[c++] = extra[j];
  const sorted = candidates.subarray(0, c).sort();
  let k = 0;
  for (let j = 0; j < c; j++) if (k === 0 || sorted[j] !== sorted[k - 1]) sorted[k++] = sorted[j];
  return sorted.slice(0, k);
}
