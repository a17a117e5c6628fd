/**
 * NumericInput (docs/client.md#exports): plain number arrays, typed arrays (BigInt ones included) and nested
 * plain arrays flattened in row-major order.
 */
export type NestedNumberArray = Array<number | NestedNumberArray>;
export type NumericInput = ArrayLike<number> | BigInt64Array | BigUint64Array | NestedNumberArray;

export function isTypedArray(v: unknown): v is ArrayBufferView & ArrayLike<number | bigint> {
  return ArrayBuffer.isView(v) && !(v instanceof DataView);
}

/** True for values that can be a NumericInput (checked shallowly; elements are checked when flattened). */
export function looksNumeric(v: unknown): boolean {
  if (isTypedArray(v) || Array.isArray(v)) return true;
  return (
    v !== null &&
    typeof v === 'object' &&
    typeof (v as { length?: unknown }).length === 'number' &&
    typeof v !== 'function'
  );
}

/**
 * A fresh Float64Array with the values (its own buffer, safe to transfer). Throws TypeError naming `what`
 * for an element that is not a number (booleans count as 1 and 0).
 */
export function toFloat64Array(input: unknown, what: string): Float64Array {
  if (input instanceof BigInt64Array || input instanceof BigUint64Array) {
    const out = new Float64Array(input.length);
    for (let i = 0; i < input.length; i++) out[i] = Number(input[i]);
    return out;
  }
  if (isTypedArray(input)) return new Float64Array(input as ArrayLike<number>);
  if (!looksNumeric(input)) throw new TypeError(`${what} must be an array of numbers or a typed array`);
  const src = input as ArrayLike<unknown>;
  const out = new Float64Array(src.length);
  for (let i = 0; i < src.length; i++) {
    const v = src[i];
    if (typeof v === 'number') out[i] = v;
    else return flattenNested(src, what);
  }
  return out;
}

function flattenNested(src: ArrayLike<unknown>, what: string): Float64Array {
  const values: number[] = [];
  const walk = (a: ArrayLike<unknown>, depth: number) => {
    if (depth > 64) throw new TypeError(`${what} is nested too deeply`);
    for (let i = 0; i < a.length; i++) {
      const v = a[i];
      if (typeof v === 'number') values.push(v);
      else if (typeof v === 'boolean') values.push(v ? 1 : 0);
      else if (typeof v === 'bigint') values.push(Number(v));
      else if (Array.isArray(v) || isTypedArray(v)) walk(v as ArrayLike<unknown>, depth + 1);
      else throw new TypeError(`${what} holds a ${v === null ? 'null' : typeof v} where a number belongs`);
    }
  };
  walk(src, 0);
  return Float64Array.from(values);
}

/** A fresh Float32Array (for KDE grids and densities). */
export function toFloat32Array(input: unknown, what: string): Float32Array {
  if (input instanceof Float32Array) return new Float32Array(input);
  return Float32Array.from(toFloat64Array(input, what));
}
