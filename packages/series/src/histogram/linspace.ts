/**
 * `count` evenly spaced values from `start` to `stop`, both included, computed as numpy's
 * `linspace` does (start + i·step, with the last value set to `stop` exactly), so that edges
 * match the Python original's `np.linspace` bit for bit.
 */
export function linspace(start: number, stop: number, count: number): Float64Array {
  if (!Number.isInteger(count) || count < 0)
    throw new RangeError(`count must be an integer >= 0, got ${count}`);
  const out = new Float64Array(count);
  if (count === 0) return out;
  out[0] = start;
  if (count === 1) return out;
  const div = count - 1;
  const delta = stop - start;
  const step = delta / div;
  if (step === 0) {
    for (let i = 1; i < count; i++) out[i] = (i / div) * delta + start;
  } else {
    for (let i = 1; i < count; i++) out[i] = i * step + start;
  }
  out[div] = stop;
  return out;
}

/**
 * K + 1 evenly spaced bin edges from `min` to `max`, with edge[K] = max exactly (docs/api.md#histograms,
 * classic entries: `counts.length + 1` edges from the stored min to max, in float64).
 */
export function linspaceEdges(min: number, max: number, bins: number): Float64Array {
  if (!Number.isInteger(bins) || bins < 1) throw new RangeError(`bins must be an integer >= 1, got ${bins}`);
  return linspace(min, max, bins + 1);
}

/** The midpoints of consecutive edges: (e_i + e_{i+1}) / 2. */
export function binCenters(edges: ArrayLike<number>): Float64Array {
  const k = Math.max(0, edges.length - 1);
  const out = new Float64Array(k);
  for (let i = 0; i < k; i++) out[i] = (edges[i] + edges[i + 1]) / 2;
  return out;
}

/** The widths of the bins: e_{i+1} − e_i. */
export function binWidths(edges: ArrayLike<number>): Float64Array {
  const k = Math.max(0, edges.length - 1);
  const out = new Float64Array(k);
  for (let i = 0; i < k; i++) out[i] = edges[i + 1] - edges[i];
  return out;
}
