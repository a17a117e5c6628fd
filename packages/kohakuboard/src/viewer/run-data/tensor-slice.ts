/**
 * Tensor slicing, statistics and JSON encoding (docs/api.md#tensor-slices). A slice is `part,part,…`, one
 * part per leading dimension: `i` (negative from the end; removes the dimension), `a:b`, `a:b:s` (s ≥ 1) or
 * `:`.
 */
import { invalidParameter } from '../api-error.js';

interface DimSlice {
  start: number;
  step: number;
  count: number;
  keep: boolean;
}

function parseIndex(text: string, what: string): number {
  if (!/^[-+]?\d+$/.test(text.trim()))
    throw invalidParameter('slice', `slice part "${what}" is not an integer`);
  return Number(text);
}

/** The per-dimension selection of a slice spec over `shape`; 400 invalid_parameter on a bad spec. */
export function parseSlice(spec: string | null, shape: readonly number[]): DimSlice[] {
  const parts = spec === null || spec.trim() === '' ? [] : spec.split(',');
  if (parts.length > shape.length)
    throw invalidParameter('slice', `slice has ${parts.length} parts for ${shape.length} dimensions`);
  return shape.map((dim, d) => {
    const part = (parts[d] ?? ':').trim();
    if (!part.includes(':')) {
      let i = parseIndex(part, part);
      if (i < 0) i += dim;
      if (i < 0 || i >= dim)
        throw invalidParameter('slice', `index ${part} is out of range for dimension ${d} of size ${dim}`);
      return { start: i, step: 1, count: 1, keep: false };
    }
    const pieces = part.split(':');
    if (pieces.length > 3) throw invalidParameter('slice', `slice part "${part}" has too many colons`);
    const step = pieces[2] !== undefined && pieces[2].trim() !== '' ? parseIndex(pieces[2], part) : 1;
    if (step < 1) throw invalidParameter('slice', `slice stride must be >= 1 in "${part}"`);
    const bound = (t: string | undefined, fallback: number) => {
      if (t === undefined || t.trim() === '') return fallback;
      let v = parseIndex(t, part);
      if (v < 0) v += dim;
      return Math.min(Math.max(v, 0), dim);
    };
    const a = bound(pieces[0], 0);
    const b = bound(pieces[1], dim);
    const count = b > a ? Math.ceil((b - a) / step) : 0;
    return { start: a, step, count, keep: true };
  });
}

export function sliceShape(slices: DimSlice[]): number[] {
  return slices.filter((s) => s.keep).map((s) => s.count);
}

export function sliceCount(slices: DimSlice[]): number {
  return slices.reduce((n, s) => n * s.count, 1);
}

/** Source element indices of the slice, in C order of the result. */
export function sliceIndices(
  slices: DimSlice[],
  shape: readonly number[],
  fortranOrder: boolean,
): Float64Array {
  const nd = shape.length;
  const strides = new Array<number>(nd);
  if (fortranOrder) {
    let s = 1;
    for (let d = 0; d < nd; d++) {
      strides[d] = s;
      s *= shape[d];
    }
  } else {
    let s = 1;
    for (let d = nd - 1; d >= 0; d--) {
      strides[d] = s;
      s *= shape[d];
    }
  }
  const total = sliceCount(slices);
  const out = new Float64Array(total);
  if (total === 0) return out;
  const idx = new Array<number>(nd).fill(0);
  for (let k = 0; k < total; k++) {
    let off = 0;
    for (let d = 0; d < nd; d++) off += (slices[d].start + idx[d] * slices[d].step) * strides[d];
    out[k] = off;
    for (let d = nd - 1; d >= 0; d--) {
      if (++idx[d] < slices[d].count) break;
      idx[d] = 0;
    }
  }
  return out;
}

export interface TensorStats {
  numel: number;
  min: number | null;
  max: number | null;
  mean: number | null;
  std: number | null;
  nan_count: number;
  inf_count: number;
  zero_count: number;
}

/** Statistics over the finite values; NaN and ±Infinity are counted instead. */
export function tensorStats(values: ArrayLike<number>): TensorStats {
  let n = 0;
  let nan = 0;
  let inf = 0;
  let zero = 0;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  let mean = 0;
  let m2 = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (Number.isNaN(v)) nan++;
    else if (!Number.isFinite(v)) inf++;
    else {
      if (v === 0) zero++;
      if (v < min) min = v;
      if (v > max) max = v;
      n++;
      const d = v - mean;
      mean += d / n;
      m2 += d * (v - mean);
    }
  }
  return {
    numel: values.length,
    min: n ? min : null,
    max: n ? max : null,
    mean: n ? mean : null,
    std: n ? Math.sqrt(m2 / n) : null,
    nan_count: nan,
    inf_count: inf,
    zero_count: zero,
  };
}

/** Nested arrays in C order of `shape`, from a flat list of JSON-ready leaves. */
export function nest(flat: unknown[], shape: readonly number[]): unknown {
  if (shape.length === 0) return flat[0];
  let level: unknown[] = flat;
  for (let d = shape.length - 1; d >= 1; d--) {
    const size = shape[d];
    const next: unknown[] = [];
    for (let i = 0; i < level.length; i += size) next.push(level.slice(i, i + size));
    if (size === 0) {
      const outer = shape.slice(0, d).reduce((a, b) => a * b, 1);
      level = Array.from({ length: outer }, () => []);
    } else level = next;
  }
  return level;
}
