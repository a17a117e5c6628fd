/**
 * The masked CRC-32C that TFRecord framing stores after the length and after the data of every record
 * (docs/tensorboard.md#event-files): the CRC rotated right by 15 bits plus a constant, so that a CRC computed
 * over data that itself holds CRCs does not come out trivially.
 *
 * Long inputs go to @node-rs/crc32 (SIMD). Most records of an event file are 20 to 60 bytes, where a call
 * into native code costs ten times the whole computation, so inputs below SHORT_INPUT_BYTES are computed
 * here with a slicing-by-8 table.
 */
import { crc32c as nativeCrc32c } from '@node-rs/crc32';

const MASK_DELTA = 0xa282ead8;
const POLYNOMIAL = 0x82f63b78; // Castagnoli, reflected
export const SHORT_INPUT_BYTES = 512;

/** TABLE[k * 256 + b]: the CRC of byte b followed by k zero bytes. */
const TABLE = (() => {
  const t = new Int32Array(8 * 256);
  for (let b = 0; b < 256; b++) {
    let c = b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLYNOMIAL : c >>> 1;
    t[b] = c;
  }
  for (let k = 1; k < 8; k++) {
    for (let b = 0; b < 256; b++) {
      const prev = t[(k - 1) * 256 + b];
      t[k * 256 + b] = (prev >>> 8) ^ t[prev & 0xff];
    }
  }
  return t;
})();

/** CRC-32C of bytes [start, end), eight bytes per step. */
export function crc32cTable(b: Uint8Array, start: number, end: number): number {
  let c = -1;
  let i = start;
  for (; i + 8 <= end; i += 8) {
    const a = c ^ (b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24));
    c =
      TABLE[1792 + (a & 0xff)] ^
      TABLE[1536 + ((a >>> 8) & 0xff)] ^
      TABLE[1280 + ((a >>> 16) & 0xff)] ^
      TABLE[1024 + (a >>> 24)] ^
      TABLE[768 + b[i + 4]] ^
      TABLE[512 + b[i + 5]] ^
      TABLE[256 + b[i + 6]] ^
      TABLE[b[i + 7]];
  }
  for (; i < end; i++) c = (c >>> 8) ^ TABLE[(c ^ b[i]) & 0xff];
  return (c ^ -1) >>> 0;
}

export function crc32c(bytes: Uint8Array, start = 0, end = bytes.length): number {
  if (end - start < SHORT_INPUT_BYTES) return crc32cTable(bytes, start, end);
  return nativeCrc32c(start === 0 && end === bytes.length ? bytes : bytes.subarray(start, end)) >>> 0;
}

/** The masked CRC-32C of bytes [start, end). */
export function maskedCrc32c(bytes: Uint8Array, start = 0, end = bytes.length): number {
  const crc = crc32c(bytes, start, end);
  return (((crc >>> 15) | (crc << 17)) + MASK_DELTA) >>> 0;
}
