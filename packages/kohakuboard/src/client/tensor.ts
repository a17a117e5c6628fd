/**
 * TensorLog (docs/client.md#tensorlog): typed arrays, plain and nested arrays, { data, shape } and tfjs-style
 * tensors, stored as NPY with an optional dtype cast. The constructor works out the source dtype and the
 * shape and validates them; `captureTensor` copies the elements at log time (the cast and the NPY encoding
 * happen in the writer).
 */
import { stringifyDialectJson } from '../storage/index.js';
import type { TensorItem, TensorSourceData } from '../writer/messages.js';
import { TENSOR_DTYPES, type TensorDtypeName } from '../writer/tensor-cast.js';
import { refuseProblem, takeData } from './data-problem.js';
import { describeValue } from './errors.js';
import type { NestedNumberArray } from './numeric-input.js';

export type TensorDType = TensorDtypeName;
export type TensorInput =
  | Float32Array
  | Float64Array
  | Int8Array
  | Uint8Array
  | Uint8ClampedArray
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array
  | number[]
  | boolean[]
  | NestedNumberArray
  | { data: ArrayLike<number> | BigInt64Array | BigUint64Array; shape: number[] }
  | { dataSync(): ArrayLike<number>; shape: number[]; dtype?: string };

export interface TensorOptions {
  dtype?: TensorDType;
  shape?: number[];
  metadata?: Record<string, unknown>;
}

type Float16ArrayLike = ArrayLike<number> & ArrayBufferView;
const Float16ArrayCtor = (globalThis as { Float16Array?: new (n: number) => Float16ArrayLike }).Float16Array;

/** The dtype of a typed array, or null. */
function typedDtype(a: unknown): TensorDtypeName | null {
  if (a instanceof Float32Array) return 'float32';
  if (a instanceof Float64Array) return 'float64';
  if (a instanceof Int8Array) return 'int8';
  if (a instanceof Uint8Array || a instanceof Uint8ClampedArray) return 'uint8';
  if (a instanceof Int16Array) return 'int16';
  if (a instanceof Uint16Array) return 'uint16';
  if (a instanceof Int32Array) return 'int32';
  if (a instanceof Uint32Array) return 'uint32';
  if (a instanceof BigInt64Array) return 'int64';
  if (a instanceof BigUint64Array) return 'uint64';
  if (Float16ArrayCtor && a instanceof Float16ArrayCtor) return 'float16';
  return null;
}

type Source =
  | { kind: 'typed'; array: ArrayBufferView & ArrayLike<number | bigint>; dtype: TensorDtypeName }
  | { kind: 'numbers'; array: ArrayLike<number> }
  | { kind: 'nested'; array: unknown[]; dtype: 'float64' | 'bool' }
  | { kind: 'tfjs'; tensor: { dataSync(): ArrayLike<number> }; dtype: TensorDtypeName };

const isShape = (s: unknown): s is number[] =>
  Array.isArray(s) && s.every((d) => Number.isSafeInteger(d) && (d as number) >= 0);

export class TensorLog {
  readonly dtype: TensorDType;
  readonly shape: number[];
  readonly sourceDtype: TensorDType;
  /** metadata as JSON text. */
  readonly metadataJson: string;
  private readonly source: Source | null;
  private readonly size: number;
  /**
   * @internal Null, or why log() skips this tensor (a ragged array, a shape that does not match, …).
   * Recorded instead of thrown, so that a mistake never ends a training loop.
   */
  readonly problem: string | null;

  constructor(values: TensorInput, options: TensorOptions = {}) {
    if (options === null || typeof options !== 'object')
      throw new TypeError('TensorLog options must be an object');
    const { dtype, shape, metadata } = options;
    if (dtype !== undefined && !TENSOR_DTYPES.includes(dtype)) {
      throw new TypeError(
        `TensorLog dtype must be one of ${TENSOR_DTYPES.join(', ')}, got ${describeValue(dtype)}`,
      );
    }
    if (shape !== undefined && !isShape(shape)) {
      throw new TypeError(
        `TensorLog shape must be an array of non-negative integers, got ${describeValue(shape)}`,
      );
    }
    if (
      metadata !== undefined &&
      (metadata === null || typeof metadata !== 'object' || Array.isArray(metadata))
    ) {
      throw new TypeError(`TensorLog metadata must be an object, got ${describeValue(metadata)}`);
    }
    try {
      this.metadataJson = stringifyDialectJson(metadata ?? {});
    } catch (err) {
      throw new TypeError(`TensorLog metadata cannot be serialised: ${(err as Error).message}`);
    }
    // Options wrong in themselves threw above; what is wrong with the data is recorded for log() to report.
    const { value, problem } = takeData(
      () => parseTensor(values, shape),
      () => null,
    );
    this.problem = problem;
    this.source = value?.source ?? null;
    this.shape = value?.shape ?? [];
    this.size = value?.size ?? 0;
    this.sourceDtype = !value || value.source.kind === 'numbers' ? 'float64' : value.source.dtype;
    this.dtype = dtype ?? this.sourceDtype;
  }

  /** @internal Copies the elements (at log time). */
  copyData(): TensorSourceData {
    refuseProblem(this.problem);
    const s = this.source as Source;
    switch (s.kind) {
      case 'numbers':
        return Float64Array.from(s.array);
      case 'nested': {
        const flat = s.array.flat(Number.POSITIVE_INFINITY) as Array<number | boolean>;
        return s.dtype === 'bool'
          ? Uint8Array.from(flat, (b) => (b ? 1 : 0))
          : Float64Array.from(flat as number[]);
      }
      case 'tfjs': {
        const data = s.tensor.dataSync();
        if (data.length !== this.size)
          throw new Error(`the tensor holds ${data.length} elements, its shape says ${this.size}`);
        if (s.dtype === 'bool') return Uint8Array.from(data, (x) => (x ? 1 : 0));
        return s.dtype === 'int32' ? Int32Array.from(data) : Float32Array.from(data);
      }
      case 'typed':
        return copyTyped(s.array, s.dtype);
    }
  }
}

/** The source, shape and size of a tensor's data, or a TypeError saying why it cannot be stored. */
function parseTensor(
  values: unknown,
  shape: number[] | undefined,
): { source: Source; shape: number[]; size: number } {
  let naturalShape: number[];
  let source: Source;
  const v = values as unknown;
  const dt = typedDtype(v);
  if (dt) {
    source = { kind: 'typed', array: v as ArrayBufferView & ArrayLike<number>, dtype: dt };
    naturalShape = [(v as ArrayLike<number>).length];
  } else if (Array.isArray(v)) {
    const { shape: s, dtype: d, flat } = nestedShape(v);
    source =
      flat && d === 'float64'
        ? { kind: 'numbers', array: v as number[] }
        : { kind: 'nested', array: v, dtype: d };
    naturalShape = s;
  } else if (
    v !== null &&
    typeof v === 'object' &&
    typeof (v as { dataSync?: unknown }).dataSync === 'function'
  ) {
    const t = v as { dataSync(): ArrayLike<number>; shape: unknown; dtype?: unknown };
    if (!isShape(t.shape)) throw new TypeError('TensorLog: the tensor has no valid shape');
    const tfDtype = t.dtype ?? 'float32';
    if (tfDtype !== 'float32' && tfDtype !== 'int32' && tfDtype !== 'bool') {
      throw new TypeError(`TensorLog: tensors of dtype ${describeValue(tfDtype)} cannot be stored`);
    }
    source = { kind: 'tfjs', tensor: t, dtype: tfDtype };
    naturalShape = [...t.shape];
  } else if (v !== null && typeof v === 'object' && 'data' in v && 'shape' in v) {
    const { data, shape: s } = v as { data: unknown; shape: unknown };
    if (!isShape(s))
      throw new TypeError(
        `TensorLog shape must be an array of non-negative integers, got ${describeValue(s)}`,
      );
    const d = typedDtype(data);
    if (d) source = { kind: 'typed', array: data as ArrayBufferView & ArrayLike<number>, dtype: d };
    else if (Array.isArray(data) && data.every((x) => typeof x === 'number'))
      source = { kind: 'numbers', array: data };
    else throw new TypeError('TensorLog { data, shape }: data must be a typed array or an array of numbers');
    naturalShape = [...s];
    const n = (data as ArrayLike<number>).length;
    if (product(naturalShape) !== n) {
      throw new TypeError(`TensorLog shape [${naturalShape.join(', ')}] does not match ${n} elements`);
    }
  } else {
    throw new TypeError(
      `TensorLog takes a typed array, a (nested) array, { data, shape } or a tensor, got ${describeValue(v)}`,
    );
  }
  const count = source.kind === 'tfjs' ? product(naturalShape) : countOf(source);
  const finalShape = shape ? [...shape] : naturalShape;
  if (product(finalShape) !== count) {
    throw new TypeError(`TensorLog shape [${finalShape.join(', ')}] does not match ${count} elements`);
  }
  return { source, shape: finalShape, size: count };
}

function copyTyped(
  a: ArrayBufferView & ArrayLike<number | bigint>,
  dtype: TensorDtypeName,
): TensorSourceData {
  if (dtype === 'float16') {
    return new Uint16Array(a.buffer.slice(a.byteOffset, a.byteOffset + a.byteLength) as ArrayBuffer);
  }
  switch (dtype) {
    case 'float32':
      return new Float32Array(a as Float32Array);
    case 'float64':
      return new Float64Array(a as Float64Array);
    case 'int8':
      return new Int8Array(a as Int8Array);
    case 'uint8':
      return new Uint8Array(a as Uint8Array);
    case 'int16':
      return new Int16Array(a as Int16Array);
    case 'uint16':
      return new Uint16Array(a as Uint16Array);
    case 'int32':
      return new Int32Array(a as Int32Array);
    case 'uint32':
      return new Uint32Array(a as Uint32Array);
    case 'int64':
      return new BigInt64Array(a as BigInt64Array);
    case 'uint64':
      return new BigUint64Array(a as BigUint64Array);
    default:
      throw new TypeError(`unexpected dtype ${dtype}`);
  }
}

function product(shape: readonly number[]): number {
  let p = 1;
  for (const d of shape) p *= d;
  return p;
}

function countOf(s: Exclude<Source, { kind: 'tfjs' }>): number {
  if (s.kind === 'nested') return (s.array.flat(Number.POSITIVE_INFINITY) as unknown[]).length;
  return s.array.length;
}

/** The rectangular shape and element type of a (nested) plain array; ragged or mixed arrays throw. */
function nestedShape(a: unknown[]): { shape: number[]; dtype: 'float64' | 'bool'; flat: boolean } {
  const shape: number[] = [];
  let level: unknown = a;
  while (Array.isArray(level)) {
    shape.push(level.length);
    level = level[0];
  }
  let kind: 'number' | 'boolean' | null = null;
  const walk = (x: unknown, depth: number) => {
    if (depth === shape.length) {
      const k = typeof x;
      if (k !== 'number' && k !== 'boolean')
        throw new TypeError(`TensorLog values hold ${describeValue(x)} where a number belongs`);
      if (kind === null) kind = k;
      else if (kind !== k) throw new TypeError('TensorLog values mix numbers and booleans');
      return;
    }
    if (!Array.isArray(x) || x.length !== shape[depth]) {
      throw new TypeError(
        'TensorLog values are a ragged array: every row of a level must have the same length',
      );
    }
    for (const y of x) walk(y, depth + 1);
  };
  walk(a, 0);
  return { shape, dtype: kind === 'boolean' ? 'bool' : 'float64', flat: shape.length === 1 };
}

export function captureTensor(t: TensorLog, name: string): TensorItem {
  return {
    kind: 'tensor',
    name,
    data: t.copyData(),
    sourceDtype: t.sourceDtype,
    dtype: t.dtype,
    shape: [...t.shape],
    metadata: t.metadataJson,
  };
}
