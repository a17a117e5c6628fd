/** Whether `a` is ascending (non-decreasing), ignoring nothing: a NaN makes it unsorted. */
export function isAscending(a: ArrayLike<number>): boolean {
  for (let i = 1; i < a.length; i++) if (!(a[i - 1] <= a[i])) return false;
  return a.length === 0 || !Number.isNaN(a[0]);
}

/**
 * The rows of a metric in step order: when `steps` is already ascending, the identity; otherwise
 * the row indices sorted stably by step, with NaN steps left out.
 */
export function stepOrder(steps: ArrayLike<number>): Uint32Array {
  const n = steps.length;
  const order = new Uint32Array(n);
  if (isAscending(steps)) {
    for (let i = 0; i < n; i++) order[i] = i;
    return order;
  }
  let k = 0;
  for (let i = 0; i < n; i++) if (!Number.isNaN(steps[i])) order[k++] = i;
  return Uint32Array.from(order.subarray(0, k)).sort((a, b) => steps[a] - steps[b] || a - b);
}

/**
 * For each target step, the row of the other metric at the largest step ≤ that step, or −1 when
 * there is none (docs/api.md#forward-fill). Among rows with equal steps the last in
 * append order wins. Linear when `targetSteps` and `metricSteps` are ascending (the normal case:
 * series are served in step order); otherwise unsorted metric rows are ordered stably by step
 * first and unsorted targets are looked up by binary search.
 */
export function forwardFillIndices(
  targetSteps: ArrayLike<number>,
  metricSteps: ArrayLike<number>,
): Int32Array {
  const n = targetSteps.length;
  const out = new Int32Array(n).fill(-1);
  const order = stepOrder(metricSteps);
  const m = order.length;
  if (m === 0) return out;

  if (isAscending(targetSteps)) {
    let j = -1;
    for (let i = 0; i < n; i++) {
      const t = targetSteps[i];
      while (j + 1 < m && metricSteps[order[j + 1]] <= t) j++;
      if (j >= 0) out[i] = order[j];
    }
    return out;
  }
  for (let i = 0; i < n; i++) {
    const t = targetSteps[i];
    if (Number.isNaN(t)) continue;
    // The first position whose step is > t; the row before it is the answer.
    let lo = 0;
    let hi = m;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (metricSteps[order[mid]] > t) hi = mid;
      else lo = mid + 1;
    }
    if (lo > 0) out[i] = order[lo - 1];
  }
  return out;
}

/**
 * `xs` for `x_metric` (docs/api.md#forward-fill): xs[i] is the other metric's value at the largest step
 * ≤ targetSteps[i], NaN when there is none. A NaN value of the other metric is carried as NaN;
 * use `forwardFillIndices` when the caller must tell "none" from a stored NaN or null.
 */
export function forwardFill(
  targetSteps: ArrayLike<number>,
  metricSteps: ArrayLike<number>,
  metricValues: ArrayLike<number>,
): Float64Array {
  if (metricValues.length !== metricSteps.length) {
    throw new RangeError(
      `metric steps have length ${metricSteps.length}, metric values have length ${metricValues.length}`,
    );
  }
  const rows = forwardFillIndices(targetSteps, metricSteps);
  const out = new Float64Array(rows.length);
  for (let i = 0; i < rows.length; i++) out[i] = rows[i] >= 0 ? metricValues[rows[i]] : Number.NaN;
  return out;
}
