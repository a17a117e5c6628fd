/**
 * Scalar conversion of log() values (docs/client.md#scalar-values): numbers as they are (NaN, ±Infinity and -0 kept),
 * booleans as 1/0, bigints as Number (flagged when not safe), numpy-style `item()` wrappers, tfjs-style
 * one-element tensors and one-element arrays. A conversion that changes what was given carries a note, which
 * the board reports once per name.
 */
export type ScalarLike =
  | { item(): number | bigint | boolean }
  | { dataSync(): ArrayLike<number>; size?: number };

/** A conversion worth telling the user about. */
export type ScalarNote = 'boolean' | 'bigint' | 'unsafe-bigint' | 'negative-zero';

export type ScalarResult = { value: number; unsafeBigint: boolean; note: ScalarNote | null } | null;

function primitive(v: unknown): ScalarResult {
  if (typeof v === 'number') {
    // -0 is stored as it is, but JSON (the viewer's API, `kobo dump`) cannot tell it from 0.
    if (v === 0 && 1 / v < 0) return { value: v, unsafeBigint: false, note: 'negative-zero' };
    return { value: v, unsafeBigint: false, note: null };
  }
  if (typeof v === 'boolean') return { value: v ? 1 : 0, unsafeBigint: false, note: 'boolean' };
  if (typeof v === 'bigint') {
    const value = Number(v);
    const unsafe = !Number.isSafeInteger(value) || BigInt(value) !== v;
    return { value, unsafeBigint: unsafe, note: unsafe ? 'unsafe-bigint' : 'bigint' };
  }
  return null;
}

/** What a note says, after the quoted name. */
export function scalarNoteText(note: ScalarNote, value: number): string {
  switch (note) {
    case 'boolean':
      return 'booleans are stored as the numbers 1 and 0';
    case 'bigint':
      return 'bigints are stored as float64 numbers';
    case 'unsafe-bigint':
      return `the bigint is not a safe integer; it is stored as the nearest float64 (${value})`;
    case 'negative-zero':
      return '-0 is stored as -0, but JSON (the viewer, kobo dump) shows it as 0';
  }
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
