/**
 * The values of a TensorProto: numbers (float64) or byte strings, with the shape. A tensor keeps its elements
 * either in `tensor_content` (raw little-endian bytes) or in the repeated field of its dtype.
 */
import { int64ToNumber, type TensorMessage } from './proto-schema.js';

/** TensorFlow's DataType numbers (the values of its DataType enum) that this importer decodes. */
export const DType = {
  FLOAT: 1,
  DOUBLE: 2,
  INT32: 3,
  UINT8: 4,
  INT16: 5,
  INT8: 6,
  STRING: 7,
  INT64: 9,
  BOOL: 10,
  BFLOAT16: 14,
  UINT16: 17,
  HALF: 19,
  UINT32: 22,
  UINT64: 23,
} as const;

export function tensorShape(t: TensorMessage): number[] {
  return (t.tensorShape?.dim ?? []).map((d) => int64ToNumber(d.size));
}

const elementCount = (shape: number[]) => shape.reduce((n, d) => n * d, 1);

/** IEEE half precision bits to a number. */
function halfToNumber(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exp = (bits >> 10) & 0x1f;
  const frac = bits & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

const bfloat16ToNumber = (bits: number) => {
  const f = new Float32Array(1);
  new Uint32Array(f.buffer)[0] = (bits & 0xffff) << 16;
  return f[0];
};

/** Element size in tensor_content for each numeric dtype, and how to read one element. */
const CONTENT_READERS: Record<number, [number, (v: DataView, at: number) => number]> = {
  [DType.FLOAT]: [4, (v, at) => v.getFloat32(at, true)],
  [DType.DOUBLE]: [8, (v, at) => v.getFloat64(at, true)],
  [DType.INT32]: [4, (v, at) => v.getInt32(at, true)],
  [DType.UINT8]: [1, (v, at) => v.getUint8(at)],
  [DType.INT16]: [2, (v, at) => v.getInt16(at, true)],
  [DType.INT8]: [1, (v, at) => v.getInt8(at)],
  [DType.INT64]: [8, (v, at) => Number(v.getBigInt64(at, true))],
  [DType.BOOL]: [1, (v, at) => (v.getUint8(at) ? 1 : 0)],
  [DType.BFLOAT16]: [2, (v, at) => bfloat16ToNumber(v.getUint16(at, true))],
  [DType.UINT16]: [2, (v, at) => v.getUint16(at, true)],
  [DType.HALF]: [2, (v, at) => halfToNumber(v.getUint16(at, true))],
  [DType.UINT32]: [4, (v, at) => v.getUint32(at, true)],
  [DType.UINT64]: [8, (v, at) => Number(v.getBigUint64(at, true))],
};

/** The repeated field that holds the elements of each numeric dtype when tensor_content is empty. */
function repeatedValues(t: TensorMessage): number[] | null {
  switch (t.dtype) {
    case DType.FLOAT:
      return t.floatVal;
    case DType.DOUBLE:
      return t.doubleVal;
    case DType.INT32:
    case DType.UINT8:
    case DType.INT16:
    case DType.INT8:
    case DType.UINT16:
      return t.intVal;
    case DType.INT64:
      return t.int64Val.map(int64ToNumber);
    case DType.BOOL:
      return t.boolVal.map((b) => (b ? 1 : 0));
    case DType.HALF:
      return t.halfVal.map(halfToNumber);
    case DType.BFLOAT16:
      return t.halfVal.map(bfloat16ToNumber);
    case DType.UINT32:
      return t.uint32Val;
    case DType.UINT64:
      return t.uint64Val.map(int64ToNumber);
    default:
      return null;
  }
}

/**
 * The elements of a numeric tensor as float64, in row-major order, or null when its dtype is not numeric or
 * it holds fewer elements than its shape says. A repeated field with a single element for a larger shape is
 * TensorFlow's short form of a tensor filled with that value.
 */
export function tensorNumbers(t: TensorMessage): Float64Array | null {
  const shape = tensorShape(t);
  const n = elementCount(shape);
  const content = t.tensorContent;
  if (content && content.length > 0) {
    const reader = CONTENT_READERS[t.dtype];
    if (!reader) return null;
    const [size, read] = reader;
    if (content.length < n * size) return null;
    const view = new DataView(content.buffer, content.byteOffset, content.byteLength);
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = read(view, i * size);
    return out;
  }
  const values = repeatedValues(t);
  if (values === null) return null;
  if (values.length === n) return Float64Array.from(values);
  if (values.length === 1) return new Float64Array(n).fill(values[0]);
  if (values.length === 0 && n === 0) return new Float64Array(0);
  return null;
}

/** The elements of a string tensor (raw bytes), or null when it is not one. */
export function tensorStrings(t: TensorMessage): Uint8Array[] | null {
  if (t.dtype !== DType.STRING) return null;
  const n = elementCount(tensorShape(t));
  const values = t.stringVal;
  if (values.length === n) return values;
  if (values.length === 1) return new Array<Uint8Array>(n).fill(values[0]);
  return null;
}
