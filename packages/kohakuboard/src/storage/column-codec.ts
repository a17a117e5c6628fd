/**
 * Element encodings of ColumnVault columns (docs/format.md#element-encodings): i64 and f64, little-endian, on
 * typed arrays. i64 values are handled as two 32-bit halves, which is exact for every safe integer and avoids
 * BigInt.
 */
import { endianness } from 'node:os';

const LITTLE_ENDIAN = endianness() === 'LE';
const TWO_32 = 4294967296;

/** Encodes safe integers as i64 LE. Non-integral input is truncated toward zero. */
export function encodeI64(values: ArrayLike<number>): Uint8Array {
  const n = values.length;
  const out = new Uint8Array(n * 8);
  if (LITTLE_ENDIAN) {
    const u32 = new Uint32Array(out.buffer);
    for (let i = 0; i < n; i++) {
      const v = Math.trunc(values[i]);
      const hi = Math.floor(v / TWO_32);
      u32[2 * i] = v - hi * TWO_32;
      u32[2 * i + 1] = hi >>> 0;
    }
  } else {
    const view = new DataView(out.buffer);
    for (let i = 0; i < n; i++) view.setBigInt64(i * 8, BigInt(Math.trunc(values[i])), true);
  }
  return out;
}

/** Decodes i64 LE elements into numbers (exact within ±2^53). `bytes` must be 8-byte aligned. */
export function decodeI64(bytes: Uint8Array): Float64Array {
  const n = bytes.byteLength >>> 3;
  const out = new Float64Array(n);
  if (LITTLE_ENDIAN && bytes.byteOffset % 4 === 0) {
    const u32 = new Uint32Array(bytes.buffer, bytes.byteOffset, n * 2);
    const i32 = new Int32Array(bytes.buffer, bytes.byteOffset, n * 2);
    for (let i = 0; i < n; i++) out[i] = i32[2 * i + 1] * TWO_32 + u32[2 * i];
  } else {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let i = 0; i < n; i++) out[i] = Number(view.getBigInt64(i * 8, true));
  }
  return out;
}

/**
 * Encodes f64 LE, writing every NaN as the canonical quiet NaN 00 00 00 00 00 00 F8 7F
 * (docs/format.md#non-finite-scalars): a plain Float64Array copy would keep NaN payloads.
 */
export function encodeF64(values: ArrayLike<number>): Uint8Array {
  const n = values.length;
  const out = new Uint8Array(n * 8);
  if (LITTLE_ENDIAN) {
    const f64 = new Float64Array(out.buffer);
    const u32 = new Uint32Array(out.buffer);
    for (let i = 0; i < n; i++) {
      const v = values[i];
      if (Number.isNaN(v)) {
        u32[2 * i] = 0;
        u32[2 * i + 1] = 0x7ff80000;
      } else {
        f64[i] = v;
      }
    }
  } else {
    const view = new DataView(out.buffer);
    for (let i = 0; i < n; i++) {
      const v = values[i];
      if (Number.isNaN(v)) {
        view.setUint32(i * 8, 0, true);
        view.setUint32(i * 8 + 4, 0x7ff80000, true);
      } else {
        view.setFloat64(i * 8, v, true);
      }
    }
  }
  return out;
}

/** Decodes f64 LE elements. Zero-copy when `bytes` is 8-byte aligned on a little-endian machine. */
export function decodeF64(bytes: Uint8Array): Float64Array {
  const n = bytes.byteLength >>> 3;
  if (LITTLE_ENDIAN && bytes.byteOffset % 8 === 0) return new Float64Array(bytes.buffer, bytes.byteOffset, n);
  const out = new Float64Array(n);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < n; i++) out[i] = view.getFloat64(i * 8, true);
  return out;
}

/** Reads the i32 LE at `offset`. */
export function readI32(bytes: Uint8Array, offset: number): number {
  return bytes[offset] | (bytes[offset + 1] << 8) | (bytes[offset + 2] << 16) | (bytes[offset + 3] << 24) | 0;
}

/** Writes the i32 LE at `offset`. */
export function writeI32(bytes: Uint8Array, offset: number, value: number): void {
  bytes[offset] = value & 0xff;
  bytes[offset + 1] = (value >>> 8) & 0xff;
  bytes[offset + 2] = (value >>> 16) & 0xff;
  bytes[offset + 3] = (value >>> 24) & 0xff;
}
