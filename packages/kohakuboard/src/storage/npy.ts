/**
 * NPY payloads (docs/format.md#npy): read versions 1.0–3.0, write version 1.0 (little-endian, C order).
 */
import { StorageError } from './errors.js';

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];

/** dtype names of the format (docs/client.md#tensorlog) with their NPY kind letter and item size. */
export const NPY_DTYPES = {
  float16: { kind: 'f', size: 2 },
  float32: { kind: 'f', size: 4 },
  float64: { kind: 'f', size: 8 },
  int8: { kind: 'i', size: 1 },
  uint8: { kind: 'u', size: 1 },
  int16: { kind: 'i', size: 2 },
  uint16: { kind: 'u', size: 2 },
  int32: { kind: 'i', size: 4 },
  uint32: { kind: 'u', size: 4 },
  int64: { kind: 'i', size: 8 },
  uint64: { kind: 'u', size: 8 },
  bool: { kind: 'b', size: 1 },
  complex64: { kind: 'c', size: 8 },
  complex128: { kind: 'c', size: 16 },
} as const;
export type NpyDtypeName = keyof typeof NPY_DTYPES;

/** `<f4`, `|u1`, … for a dtype name. */
export function npyDescr(dtype: NpyDtypeName): string {
  const { kind, size } = NPY_DTYPES[dtype];
  return `${size === 1 ? '|' : '<'}${kind}${size}`;
}

/** The dtype name of a descr, or null when it is not a supported plain dtype. */
export function dtypeOfDescr(descr: string): NpyDtypeName | null {
  const m = /^([<>|=])([fiubc])(\d+)$/.exec(descr);
  if (!m) return null;
  const [, , kind, sizeText] = m;
  const size = Number(sizeText);
  for (const [name, spec] of Object.entries(NPY_DTYPES)) {
    if (spec.kind === kind && spec.size === size) return name as NpyDtypeName;
  }
  return null;
}

function shapeText(shape: readonly number[]): string {
  if (shape.length === 0) return '()';
  if (shape.length === 1) return `(${shape[0]},)`;
  return `(${shape.join(', ')})`;
}

/** Encodes an NPY v1.0 file from raw little-endian element bytes (docs/format.md#writing-npy). */
export function encodeNpy(descr: string, shape: readonly number[], data: Uint8Array): Uint8Array {
  const dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeText(shape)}, }`;
  const pad = (64 - ((10 + dict.length + 1) % 64)) % 64;
  const headerLen = dict.length + pad + 1;
  const out = new Uint8Array(10 + headerLen + data.length);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  out[8] = headerLen & 0xff;
  out[9] = headerLen >> 8;
  const header = `${dict}${' '.repeat(pad)}\n`;
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  out.set(data, 10 + headerLen);
  return out;
}

export interface NpyArray {
  version: number;
  descr: string;
  /** The supported dtype, or null for a descr this reader does not decode (structured, U, S, O, M8, …). */
  dtype: NpyDtypeName | null;
  fortranOrder: boolean;
  shape: number[];
  /** product(shape). */
  size: number;
  /** The raw element bytes exactly as stored (size · itemsize bytes), in a fresh aligned buffer. */
  rawData: Uint8Array;
}

/**
 * Parses an NPY file's header and slices its data (docs/format.md#reading-npy). Throws ECORRUPT /
 * EUNSUPPORTED.
 */
export function decodeNpy(bytes: Uint8Array, file: string | null = null): NpyArray {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) {
    throw new StorageError('ECORRUPT', file, 'not an NPY payload (bad magic)');
  }
  const version = bytes[6];
  if (version < 1 || version > 3)
    throw new StorageError('EUNSUPPORTED', file, `NPY version ${version}.${bytes[7]} is not supported`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerStart = version === 1 ? 10 : 12;
  if (bytes.length < headerStart) throw new StorageError('ECORRUPT', file, 'NPY header is truncated');
  const headerLen = version === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  if (headerStart + headerLen > bytes.length)
    throw new StorageError('ECORRUPT', file, 'NPY header is truncated');
  const headerBytes = bytes.subarray(headerStart, headerStart + headerLen);
  const header = Buffer.from(headerBytes.buffer, headerBytes.byteOffset, headerBytes.byteLength).toString(
    version === 3 ? 'utf8' : 'latin1',
  );
  const { descr, fortranOrder, shape } = parseHeaderDict(header, file);
  const dtype = dtypeOfDescr(descr);
  const size = shape.reduce((a, b) => a * b, 1);
  const itemsize = dtype ? NPY_DTYPES[dtype].size : Number(/\d+$/.exec(descr)?.[0] ?? 0);
  const dataStart = headerStart + headerLen;
  const need = size * itemsize;
  if (dtype && bytes.length - dataStart < need) {
    throw new StorageError(
      'ECORRUPT',
      file,
      `NPY data is truncated: ${bytes.length - dataStart} of ${need} bytes`,
    );
  }
  // Copy into an aligned buffer: the data offset in the source need not be aligned
  // (docs/format.md#reading-npy).
  const raw = new Uint8Array(new ArrayBuffer(Math.ceil(Math.max(need, 0) / 8) * 8), 0, Math.max(need, 0));
  raw.set(bytes.subarray(dataStart, dataStart + need));
  return { version, descr, dtype, fortranOrder, shape, size, rawData: raw };
}

function parseHeaderDict(
  header: string,
  file: string | null,
): { descr: string; fortranOrder: boolean; shape: number[] } {
  const descrMatch = /'descr'\s*:\s*'([^']*)'/.exec(header);
  const fortranMatch = /'fortran_order'\s*:\s*(True|False)/.exec(header);
  const shapeMatch = /'shape'\s*:\s*\(([^)]*)\)/.exec(header);
  if (!descrMatch || !fortranMatch || !shapeMatch) {
    // A structured dtype is a list, not a quoted string: report it as unsupported rather than corrupt.
    if (/'descr'\s*:\s*\[/.test(header)) {
      throw new StorageError('EUNSUPPORTED', file, 'NPY payload has a structured dtype');
    }
    throw new StorageError('ECORRUPT', file, 'NPY header is not a valid dict');
  }
  const parts = shapeMatch[1]
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  const shape = parts.map((p) => {
    const n = Number(p.replace(/L$/, ''));
    if (!Number.isSafeInteger(n) || n < 0)
      throw new StorageError('ECORRUPT', file, `NPY shape has a bad dimension "${p}"`);
    return n;
  });
  return { descr: descrMatch[1], fortranOrder: fortranMatch[1] === 'True', shape };
}

export type NpyTypedArray =
  | Float32Array
  | Float64Array
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array;

/** Decodes float16 bits to float32. */
export function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * f * 2 ** -24;
  if (e === 31) return f ? Number.NaN : s * Number.POSITIVE_INFINITY;
  return s * (1 + f / 1024) * 2 ** (e - 15);
}

/**
 * The elements as a typed array: float16 → Float32Array, bool → Uint8Array (0/1), complex → interleaved
 * (re, im) floats, 64-bit integers → BigInt arrays. Big-endian data is byte-swapped.
 */
export function npyValues(arr: NpyArray): NpyTypedArray {
  if (!arr.dtype) throw new StorageError('EUNSUPPORTED', null, `NPY dtype "${arr.descr}" is not supported`);
  const { size: itemsize } = NPY_DTYPES[arr.dtype];
  let raw = arr.rawData;
  if (arr.descr.startsWith('>') && itemsize > 1) {
    raw = raw.slice();
    const unit = arr.dtype.startsWith('complex') ? itemsize / 2 : itemsize;
    for (let i = 0; i < raw.length; i += unit) raw.subarray(i, i + unit).reverse();
  }
  const buf = raw.buffer;
  const off = raw.byteOffset;
  const n = arr.size;
  switch (arr.dtype) {
    case 'float16': {
      const u16 = new Uint16Array(buf, off, n);
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = halfToFloat(u16[i]);
      return out;
    }
    case 'float32':
      return new Float32Array(buf, off, n);
    case 'float64':
      return new Float64Array(buf, off, n);
    case 'int8':
      return new Int8Array(buf, off, n);
    case 'uint8':
      return new Uint8Array(buf, off, n);
    case 'bool': {
      const out = new Uint8Array(n);
      const src = new Uint8Array(buf, off, n);
      for (let i = 0; i < n; i++) out[i] = src[i] ? 1 : 0;
      return out;
    }
    case 'int16':
      return new Int16Array(buf, off, n);
    case 'uint16':
      return new Uint16Array(buf, off, n);
    case 'int32':
      return new Int32Array(buf, off, n);
    case 'uint32':
      return new Uint32Array(buf, off, n);
    case 'int64':
      return new BigInt64Array(buf, off, n);
    case 'uint64':
      return new BigUint64Array(buf, off, n);
    case 'complex64':
      return new Float32Array(buf, off, 2 * n);
    case 'complex128':
      return new Float64Array(buf, off, 2 * n);
  }
}
