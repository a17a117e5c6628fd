/**
 * JSON as the API writes it (docs/api.md#json-encoding): non-finite floats as the strings "NaN", "Infinity",
 * "-Infinity"; a missing value as null. Typed-array helpers write large numeric columns without building
 * arrays of boxed values.
 */
import { mapNonFinite, nonFiniteName } from '../storage/index.js';

/** Whether a JSON-like value holds a NaN or an infinity anywhere. */
function hasNonFinite(value: unknown): boolean {
  if (typeof value === 'number') return !Number.isFinite(value);
  if (value === null || typeof value !== 'object') return false;
  if (Array.isArray(value)) {
    for (const v of value) if (hasNonFinite(v)) return true;
    return false;
  }
  for (const v of Object.values(value)) if (hasNonFinite(v)) return true;
  return false;
}

/**
 * JSON text of any value, with non-finite numbers as their API strings. The value is copied with the
 * strings in place only when it holds a non-finite number: the common case allocates nothing extra.
 */
export function apiJson(value: unknown): string {
  return JSON.stringify(hasNonFinite(value) ? mapNonFinite(value, nonFiniteName) : value);
}

/**
 * The values of a column (or of the rows `indices`), each mapped by `special` when not finite. All-finite
 * columns go through JSON.stringify of a packed double array, several times faster than concatenation.
 */
function columnJson(
  values: ArrayLike<number>,
  indices: ArrayLike<number> | null | undefined,
  special: (v: number) => string | null,
  map?: (v: number) => number,
): string {
  const n = indices ? indices.length : values.length;
  const picked = new Float64Array(n);
  let allFinite = true;
  for (let k = 0; k < n; k++) {
    const v = values[indices ? indices[k] : k];
    picked[k] = v;
    if (!Number.isFinite(v)) allFinite = false;
  }
  if (map) for (let k = 0; k < n; k++) if (Number.isFinite(picked[k])) picked[k] = map(picked[k]);
  if (allFinite) return JSON.stringify(Array.from(picked));
  const mixed: Array<number | string | null> = new Array(n);
  for (let k = 0; k < n; k++) {
    const v = picked[k];
    mixed[k] = Number.isFinite(v) ? v : special(v);
  }
  return JSON.stringify(mixed);
}

/** A float column: numbers, and "NaN" / "Infinity" / "-Infinity" for non-finite values. */
export function floatsJson(values: ArrayLike<number>, indices?: ArrayLike<number> | null): string {
  return columnJson(values, indices, nonFiniteName);
}

/** A column where NaN means null (base columns, smoothed, xs). */
export function nullableJson(values: ArrayLike<number>, indices?: ArrayLike<number> | null): string {
  return columnJson(values, indices, () => null);
}

/** Integer seconds (truncated) of ms timestamps; null where missing. */
export function secondsJson(ms: ArrayLike<number>, indices?: ArrayLike<number> | null): string {
  return columnJson(
    ms,
    indices,
    () => null,
    (v) => Math.trunc(v / 1000),
  );
}
