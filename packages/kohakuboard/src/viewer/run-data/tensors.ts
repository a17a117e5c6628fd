/**
 * `…/tensors` and `…/tensors/{name}` (docs/api.md#tensors): entries by step, with the payload's own dtype and
 * shape (the NPY header is trusted over the recorded dtype), optional statistics, slicing and JSON or base64
 * data.
 */

import { parseJsonObject } from '../../reader/kde-source.js';
import { tensorRowsOf } from '../../reader/metadata-rows.js';
import { readPayload } from '../../reader/payload-source.js';
import { rowNames } from '../../reader/run-contents.js';
import type { ReaderContext } from '../../reader/scalar-source.js';
import { decodeNpy, type NpyArray, nonFiniteName, npyValues } from '../../storage/index.js';
import { ApiError, invalidParameter } from '../api-error.js';
import { apiJson } from '../json-encode.js';
import type { RunRef } from '../run-ref.js';
import { JSON_TYPE, type TaskResult } from '../worker-pool/task-result.js';
import { trimEntries } from './media.js';
import { nest, parseSlice, sliceCount, sliceIndices, sliceShape, tensorStats } from './tensor-slice.js';

export interface TensorQuery {
  step: number | null;
  limit: number | null;
  afterStep: number | null;
  includeData: boolean;
  encoding: 'npy_base64' | 'json';
  slice: string | null;
  maxElements: number;
  stats: boolean;
  format: 'json' | 'npy';
}

const JSON_DTYPES = new Set([
  'bool',
  'int8',
  'int16',
  'int32',
  'int64',
  'uint8',
  'uint16',
  'uint32',
  'uint64',
  'float16',
  'float32',
  'float64',
]);
const MAX_SAFE = Number.MAX_SAFE_INTEGER;

export function tensorList(ctx: ReaderContext, run: RunRef): Record<string, unknown> {
  return { tensors: rowNames(ctx, run.dir).tensors };
}

/** Numbers for statistics (bool as 0/1, 64-bit integers through Number). */
function numericView(arr: NpyArray): ArrayLike<number> {
  const v = npyValues(arr) as ArrayLike<number | bigint>;
  if (typeof v[0] !== 'bigint') return v as ArrayLike<number>;
  return Float64Array.from(v as ArrayLike<bigint>, (x) => Number(x));
}

function jsonLeaf(arr: NpyArray): (v: number | bigint) => unknown {
  if (arr.dtype === 'bool') return (v) => v !== 0;
  if (arr.dtype === 'int64' || arr.dtype === 'uint64') {
    return (v) => {
      const big = v as bigint;
      return big > BigInt(MAX_SAFE) || big < -BigInt(MAX_SAFE) ? big.toString() : Number(big);
    };
  }
  return (v) => (Number.isFinite(v as number) ? v : nonFiniteName(v as number));
}

function entryData(arr: NpyArray, q: TensorQuery, out: Record<string, unknown>, raw: Buffer): void {
  if (q.includeData && q.encoding === 'npy_base64') {
    out.data_dtype = arr.descr;
    out.data_shape = arr.shape;
    if (q.stats && arr.dtype && !arr.dtype.startsWith('complex')) out.stats = tensorStats(numericView(arr));
    out.encoding = 'npy_base64';
    out.data_base64 = raw.toString('base64');
    return;
  }
  const slices = parseSlice(q.slice, arr.shape);
  const shape = sliceShape(slices);
  out.data_dtype = arr.descr;
  out.data_shape = shape;
  const needValues = q.stats || q.includeData;
  if (!needValues) return;
  if (!arr.dtype || !JSON_DTYPES.has(arr.dtype)) {
    throw new ApiError(400, 'unsupported_dtype', `Tensors of dtype ${arr.descr} cannot be encoded as JSON`);
  }
  const count = sliceCount(slices);
  if (q.includeData && count > q.maxElements) {
    throw new ApiError(
      413,
      'too_large',
      `The tensor has ${count} elements; max_elements is ${q.maxElements}`,
    );
  }
  const values = npyValues(arr) as ArrayLike<number | bigint>;
  const indices = sliceIndices(slices, arr.shape, arr.fortranOrder);
  if (q.stats) {
    const nums = new Float64Array(count);
    for (let i = 0; i < count; i++) nums[i] = Number(values[indices[i]]);
    out.stats = tensorStats(nums);
  }
  if (q.includeData) {
    const leaf = jsonLeaf(arr);
    const flat = new Array<unknown>(count);
    for (let i = 0; i < count; i++) flat[i] = leaf(values[indices[i]]);
    out.encoding = 'json';
    out.data = nest(flat, shape);
  }
}

function readRows(ctx: ReaderContext, run: RunRef, name: string) {
  const rows = tensorRowsOf(ctx, run.dir, name);
  if (rows.length === 0) throw new ApiError(404, 'tensor_not_found', 'Tensor not found');
  return rows;
}

export function tensorResult(ctx: ReaderContext, run: RunRef, name: string, q: TensorQuery): TaskResult {
  const rows = readRows(ctx, run, name);
  if (q.format === 'npy') {
    if (q.step === null) throw invalidParameter('step', 'format=npy needs step');
    const row = [...rows].reverse().find((r) => r.step === q.step);
    if (!row) throw new ApiError(404, 'tensor_not_found', 'Tensor not found');
    const raw = readPayload(ctx, run.dir, row.kv_file, row.kv_key);
    if (!raw) throw new ApiError(404, 'tensor_not_found', 'Tensor payload not found');
    const filename = `${name.replace(/\//g, '__')}_${q.step}.npy`;
    return {
      status: 200,
      type: 'application/octet-stream',
      body: new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength),
      headers: { 'content-disposition': `attachment; filename="${filename.replace(/["\\\r\n]/g, '_')}"` },
    };
  }
  const picked = trimEntries(
    q.step === null ? rows : rows.filter((r) => r.step === q.step),
    q.afterStep,
    q.limit,
  );
  const readPayloadNeeded = q.includeData || q.stats;
  const entries = picked.map((r) => {
    let shape: unknown = null;
    try {
      shape = r.shape === null ? null : JSON.parse(r.shape);
    } catch {
      shape = r.shape;
    }
    const out: Record<string, unknown> = {
      step: r.step,
      global_step: r.global_step,
      namespace: r.namespace,
      dtype: r.dtype,
      shape,
      size_bytes: r.size_bytes,
      metadata: parseJsonObject(r.metadata),
    };
    if (readPayloadNeeded) {
      const raw = readPayload(ctx, run.dir, r.kv_file, r.kv_key);
      if (!raw) {
        out.data_dtype = null;
        out.data_shape = null;
      } else {
        entryData(decodeNpy(raw), q, out, raw);
      }
    }
    return out;
  });
  return {
    status: 200,
    type: JSON_TYPE,
    body: apiJson({ experiment_id: run.runIdPart, tensor_name: name, entries }),
  };
}
