/**
 * Scalar conversion of log() values (CLIENT.md §6.2): numbers as they are (NaN and ±Infinity kept),
 * booleans as 1/0, bigints as Number (flagged when not safe), numpy-style `item()` wrappers, tfjs-style
 * one-element tensors and one-element arrays.
 */
export type ScalarLike =
  | { item(): number | bigint | boolean }
  | { dataSync(): ArrayLike<number>; size?: number };

export type ScalarResult = { value: number; unsafeBigint: boolean } | null;

function primitive(v: unknown): ScalarResult {
  if (typeof v === 'number') return { value: v, unsafeBigint: false };
  if (typeof v === 'boolean') return { value: v ? 1 : 0, unsafeBigint: false };
  if (typeof v === 'bigint') {
    const value = Number(v);
    return { value, unsafeBigint: !Number.isSafeInteger(value) || BigInt(value) !== v };
  }
  return null;
}

/** The stored value of a scalar entry, or null when it cannot be converted. Never throws. */
export function toScalar(v: unknown): ScalarResult {
  const p = primitive(v);
  if (p !== null || v === null || (typeof v !== 'object' && typeof v !== 'function')) return p;
  try {
    const o = v as { item?: unknown; dataSync?: unknown; length?: unknown };
    if (typeof o.item === 'function') return primitive((o.item as () => unknown).call(v));
    if (typeof o.dataSync === 'function') {
      const data = (o.dataSync as () => ArrayLike<unknown>).call(v);
      return data && data.length === 1 ? primitive(data[0]) : null;
    }
    if ((Array.isArray(v) || ArrayBuffer.isView(v)) && (v as ArrayLike<unknown>).length === 1) {
      return primitive((v as ArrayLike<unknown>)[0]);
    }
  } catch {
    return null;
  }
  return null;
}
