/**
 * NPZ archives of KDE payloads (docs/format.md#npz): a ZIP of `grid.npy` and `density.npy`.
 * fflate reads member sizes from the central directory and understands ZIP64 extra fields, which numpy's
 * savez_compressed writes into every local header.
 */
import { unzipSync, zipSync } from 'fflate';
import { errorText } from '../util/error-text.js';
import { StorageError } from './errors.js';
import { decodeNpy, encodeNpy, type NpyArray } from './npy.js';

/** Reads every member of an NPZ archive as an NPY array, keyed by member name without `.npy`. */
export function decodeNpz(bytes: Uint8Array, file: string | null = null): Map<string, NpyArray> {
  let members: Record<string, Uint8Array>;
  try {
    members = unzipSync(bytes);
  } catch (err) {
    throw new StorageError('ECORRUPT', file, `not a readable NPZ archive: ${errorText(err)}`);
  }
  const out = new Map<string, NpyArray>();
  for (const [name, data] of Object.entries(members)) {
    out.set(name.replace(/\.npy$/, ''), decodeNpy(data, file ? `${file} (${name})` : name));
  }
  return out;
}

/** Encodes a KDE payload: grid.npy then density.npy, both 1-D float32 (docs/format.md#writing-npz). */
export function encodeKdeNpz(grid: Float32Array, density: Float32Array): Uint8Array {
  const asBytes = (a: Float32Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  // 1980-01-01 00:00 local time gives the DOS date 0x0021 and time 0x0000 that docs/format.md#writing-npz
  // names.
  const mtime = new Date(1980, 0, 1, 0, 0, 0);
  return zipSync(
    {
      'grid.npy': [encodeNpy('<f4', [grid.length], asBytes(grid)), { level: 6, mtime }],
      'density.npy': [encodeNpy('<f4', [density.length], asBytes(density)), { level: 6, mtime }],
    },
    { level: 6, mtime },
  );
}
