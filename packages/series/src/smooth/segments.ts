/**
 * The series is cut into segments at non-finite and missing values (docs/ui.md#smoothing,
 * docs/api.md#smoothing).
 *
 * A point breaks a segment when its value is NaN or ±Infinity, or when `kinds` is given and its
 * code is not 0 (docs/ui.md#series-and-x-axes: 0 finite, 1 NaN, 2 +Inf, 3 −Inf, 4 missing). Missing values
 * are usually stored as NaN, so `kinds` only matters when a caller stores them otherwise.
 */
export function isBreak(values: ArrayLike<number>, kinds: ArrayLike<number> | undefined, i: number): boolean {
  const v = values[i];
  return v - v !== 0 || (kinds !== undefined && kinds[i] !== 0);
}

/**
 * Calls `visit(start, end)` for every maximal run of smoothable points, `end` exclusive,
 * in index order.
 */
export function forEachSegment(
  values: ArrayLike<number>,
  kinds: ArrayLike<number> | undefined,
  visit: (start: number, end: number) => void,
): void {
  const n = values.length;
  let i = 0;
  while (i < n) {
    while (i < n && isBreak(values, kinds, i)) i++;
    const start = i;
    while (i < n && !isBreak(values, kinds, i)) i++;
    if (i > start) visit(start, i);
  }
}

/** A Float64Array of `n` NaN: the output of every smoother before its segments are filled in. */
export function nanArray(n: number): Float64Array {
  return new Float64Array(n).fill(Number.NaN);
}

/** Checks that `kinds`, when given, is parallel to `values`. */
export function checkKinds(values: ArrayLike<number>, kinds: ArrayLike<number> | undefined): void {
  if (kinds !== undefined && kinds.length !== values.length) {
    throw new RangeError(`kinds has length ${kinds.length}, values has length ${values.length}`);
  }
}

/** Throws when a smoothing value is NaN; every formula of docs/ui.md#smoothing needs a number. */
export function checkSmoothValue(value: number): void {
  if (typeof value !== 'number' || Number.isNaN(value)) {
    throw new RangeError(`smoothing value must be a number, got ${String(value)}`);
  }
}
