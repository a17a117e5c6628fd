/**
 * Tensor and KDE payloads (docs/format.md#tensor-and-kde-payloads, docs/format.md#npy, docs/format.md#npz),
 * looked up through their metadata rows. The KVault file comes from a database value, so it is joined and
 * checked to stay inside `data/tensors/`.
 */
import { resolve, sep } from 'node:path';
import { decodeNpz, kvGet, type NpyArray, npyValues, runPaths } from '../storage/index.js';
import { fileStamp } from './file-stamp.js';
import type { ReaderContext } from './scalar-source.js';

/** The KVault file of a kv_file value, or null when it would lie outside `data/tensors/`. */
export function tensorFile(runDir: string, kvFile: string): string | null {
  const dir = resolve(runPaths(runDir).tensorsDir);
  const file = resolve(dir, `${kvFile}.db`);
  return file.startsWith(dir + sep) ? file : null;
}

/** The raw payload bytes, or null when the file or key is missing ("payload lost"). */
export function readPayload(ctx: ReaderContext, runDir: string, kvFile: string, key: string): Buffer | null {
  const file = tensorFile(runDir, kvFile);
  if (!file || !fileStamp(file)) return null;
  return ctx.handles.use(file, (db) => kvGet(db, key)) ?? null;
}

export interface KdePayload {
  grid: Float64Array;
  density: Float64Array;
}

function asFloat64(arr: NpyArray | undefined): Float64Array | null {
  if (!arr?.dtype || arr.dtype === 'bool' || arr.dtype.startsWith('complex')) return null;
  const values = npyValues(arr) as ArrayLike<number | bigint>;
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = Number(values[i]);
  return out;
}

/** Decodes a KDE payload; null when it cannot be decoded or its grid and density lengths differ. */
export function decodeKdePayload(bytes: Uint8Array): KdePayload | null {
  try {
    const members = decodeNpz(bytes);
    const grid = asFloat64(members.get('grid'));
    const density = asFloat64(members.get('density'));
    if (!grid || !density || grid.length !== density.length) return null;
    return { grid, density };
  } catch {
    return null;
  }
}
