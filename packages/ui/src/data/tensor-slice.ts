/**
 * Tensor payloads for the tensor viewer (docs/ui.md#tensor-cards): the nested JSON of a slice as a flat typed
 * array, a 2-D slice as displayed rows × columns, the value histogram, axis names from the tensor's
 * metadata, and the dtype note.
 */
import { linspaceEdges } from '@kohakuboard/series';
import { toNumber } from '../api/nonfinite';
import type { NestedData } from '../api/types';
import { finiteRange } from '../charts/heatmap-cells';

/** The nested arrays of `encoding=json` (C order) as values plus their dimensions. */
export function flattenNested(d: NestedData | undefined): { values: Float64Array; dims: number[] } {
  const dims: number[] = [];
  let probe: NestedData | undefined = d;
  while (Array.isArray(probe)) {
    dims.push(probe.length);
    probe = probe[0];
  }
  const out: number[] = [];
  const walk = (x: NestedData) => {
    if (Array.isArray(x)) for (const y of x) walk(y);
    else
      out.push(
        typeof x === 'boolean'
          ? Number(x)
          : typeof x === 'string'
            ? toNumber(x as never) || Number(x)
            : toNumber(x),
      );
  };
  if (d !== undefined) walk(d);
  return { values: Float64Array.from(out), dims };
}

/**
 * A 2-D slice (`dims0` × `dims1`, C order) as the displayed grid: transposed when the row axis is
 * the later tensor axis.
 */
export function sliceGrid(
  values: Float64Array,
  dims0: number,
  dims1: number,
  transpose: boolean,
): { values: Float64Array; rows: number; cols: number } {
  if (!transpose) return { values, rows: dims0, cols: dims1 };
  const out = new Float64Array(values.length);
  for (let i = 0; i < dims0; i++) for (let j = 0; j < dims1; j++) out[j * dims0 + i] = values[i * dims1 + j];
  return { values: out, rows: dims1, cols: dims0 };
}

/**
 * An axis described in a tensor's metadata (`rows` / `columns`): a string is the axis title, an
 * array of `length` strings names its indices (e.g. the classes of a confusion matrix).
 */
export function metadataAxis(
  value: unknown,
  length: number,
): { title: string | null; names: string[] | null } {
  if (typeof value === 'string') return { title: value, names: null };
  if (Array.isArray(value) && value.length === length && value.every((v) => typeof v === 'string'))
    return { title: null, names: value as string[] };
  return { title: null, names: null };
}

/** The value histogram the viewer shows beside the data: `bins` equal bins over the finite range. */
export function valueHistogram(
  values: Float64Array,
  bins = 64,
): { edges: number[]; counts: number[]; lo: number; hi: number } | null {
  const r = finiteRange(values);
  if (!r) return null;
  const lo = r.lo === r.hi ? r.lo - 0.5 : r.lo;
  const hi = r.lo === r.hi ? r.hi + 0.5 : r.hi;
  const counts = new Array<number>(bins).fill(0);
  for (let i = 0; i < values.length; i++) {
    const x = values[i];
    if (Number.isFinite(x)) counts[Math.min(bins - 1, Math.floor(((x - lo) / (hi - lo)) * bins))]++;
  }
  return { edges: Array.from(linspaceEdges(lo, hi, bins)), counts, lo, hi };
}

/** numpy's `<f4` style → `float32`, to compare with the recorded dtype. */
export function dtypeName(npy: string): string {
  const m = /^[<>|=]?([fiub])(\d+)$/.exec(npy);
  if (!m) return npy;
  const kind = { f: 'float', i: 'int', u: 'uint', b: 'bool' }[m[1] as 'f' | 'i' | 'u' | 'b'];
  return kind === 'bool' ? 'bool' : `${kind}${Number(m[2]) * 8}`;
}
