/**
 * dtype casts of TensorLog payloads (docs/client.md#tensorlog): float → integer truncates toward zero, NaN →
 * 0, ±Inf and out-of-range values clamp to the type's limits; → bool is "non-zero (NaN included)"; → float16
 * rounds to nearest even with overflow to ±Inf. Float16 payloads are carried as their 16-bit patterns.
 */
import { halfToFloat } from '../storage/index.js';
import type { TensorSourceData } from './messages.js';

export type TensorDtypeName =
  | 'float16'
  | 'float32'
  | 'float64'
  | 'int8'
  | 'uint8'
  | 'int16'
  | 'uint16'
  | 'int32'
  | 'uint32'
  | 'int64'
  | 'uint64'
  | 'bool';

export const TENSOR_DTYPES: readonly TensorDtypeName[] = [
  'float16',
  'float32',
  'float64',
  'int8',
  'uint8',
  'int16',
  'uint16',
  'int32',
  'uint32',
  'int64',
  'uint64',
  'bool',
];

const INT_LIMITS: Record<string, [number, number]> = {
  int8: [-128, 127],
  uint8: [0, 255],
  int16: [-32768, 32767],
  uint16: [0, 65535],
  int32: [-2147483648, 2147483647],
  uint32: [0, 4294967295],
};

const BIG_LIMITS: Record<string, [bigint, bigint]> = {
  int64: [-(2n ** 63n), 2n ** 63n - 1n],
  uint64: [0n, 2n ** 64n - 1n],
};

function allocate(dtype: TensorDtypeName, n: number): TensorSourceData {
  switch (dtype) {
    case 'float16':
      return new Uint16Array(n);
    case 'float32':
      return new Float32Array(n);
    case 'float64':
      return new Float64Array(n);
    case 'int8':
      return new Int8Array(n);
    case 'uint8':
    case 'bool':
      return new Uint8Array(n);
    case 'int16':
      return new Int16Array(n);
    case 'uint16':
      return new Uint16Array(n);
    case 'int32':
      return new Int32Array(n);
    case 'uint32':
      return new Uint32Array(n);
    case 'int64':
      return new BigInt64Array(n);
    case 'uint64':
      return new BigUint64Array(n);
  }
}

function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const d = x - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/** The IEEE half-precision bits of a number: round to nearest even, overflow to ±Infinity. */
export function float16Bits(value: number): number {
  if (Number.isNaN(value)) return 0x7e00;
  const sign = value < 0 || Object.is(value, -0) ? 0x8000 : 0;
  const v = Math.abs(value);
  if (v === Number.POSITIVE_INFINITY) return sign | 0x7c00;
  if (v < 2 ** -14) return sign | roundHalfEven(v / 2 ** -24); // subnormal (1024 becomes the smallest normal)
  let e = Math.floor(Math.log2(v));
  if (2 ** e > v) e--;
  else if (2 ** (e + 1) <= v) e++;
  let frac = roundHalfEven((v / 2 ** e - 1) * 1024);
  if (frac === 1024) {
    frac = 0;
    e++;
  }
  if (e > 15) return sign | 0x7c00;
  return sign | ((e + 15) << 10) | frac;
}

/** Element i of a source as a number (bigints converted, float16 decoded). */
function reader(data: TensorSourceData, dtype: string): (i: number) => number {
  if (dtype === 'float16') return (i) => halfToFloat(data[i] as number);
  if (data instanceof BigInt64Array || data instanceof BigUint64Array) return (i) => Number(data[i]);
  return (i) => data[i] as number;
}

/** Casts a payload to `to`. Returns the input when no cast is needed. */
export function castTensor(data: TensorSourceData, from: string, to: TensorDtypeName): TensorSourceData {
  if (from === to) return data;
  const n = data.length;
  const out = allocate(to, n);
  const get = reader(data, from);
  if (to === 'bool') {
    const o = out as Uint8Array;
    if (data instanceof BigInt64Array || data instanceof BigUint64Array) {
      for (let i = 0; i < n; i++) o[i] = data[i] !== 0n ? 1 : 0;
    } else {
      for (let i = 0; i < n; i++) {
        const v = get(i);
        o[i] = v !== 0 || Number.isNaN(v) ? 1 : 0;
      }
    }
    return out;
  }
  if (to === 'float16') {
    const o = out as Uint16Array;
    for (let i = 0; i < n; i++) o[i] = float16Bits(get(i));
    return out;
  }
  if (to === 'float32' || to === 'float64') {
    const o = out as Float32Array | Float64Array;
    for (let i = 0; i < n; i++) o[i] = get(i);
    return out;
  }
  if (to === 'int64' || to === 'uint64') {
    const [lo, hi] = BIG_LIMITS[to];
    const o = out as BigInt64Array | BigUint64Array;
    const bigSource = data instanceof BigInt64Array || data instanceof BigUint64Array;
    for (let i = 0; i < n; i++) {
      let b: bigint;
      if (bigSource) b = data[i] as bigint;
      else {
        const v = get(i);
        if (Number.isNaN(v)) b = 0n;
        else if (v >= 2 ** 64) b = hi;
        else if (v <= -(2 ** 63)) b = lo;
        else b = BigInt(Math.trunc(v));
      }
      o[i] = b < lo ? lo : b > hi ? hi : b;
    }
    return out;
  }
  const [lo, hi] = INT_LIMITS[to];
  const o = out as Exclude<TensorSourceData, BigInt64Array | BigUint64Array>;
  for (let i = 0; i < n; i++) {
    const v = get(i);
    o[i] = Number.isNaN(v) ? 0 : v <= lo ? lo : v >= hi ? hi : Math.trunc(v);
  }
  return out;
}

/** The little-endian bytes of a payload (a view, no copy, on little-endian machines). */
export function tensorBytes(data: TensorSourceData): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}
