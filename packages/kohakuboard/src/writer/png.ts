/**
 * Pixel arrays to PNG (docs/client.md#media, RawImage steps 1–5): float data whose maximum is ≤ 1 scaled by
 * 255, every value clamped to [0, 255] and truncated, then encoded by fast-png (8-bit, not interlaced, zlib
 * IDAT). fast-png is deterministic, so equal pixels give equal bytes and deduplicate in blobs.db.
 */
import { encode } from 'fast-png';
import type { RawPixels } from './messages.js';

/** 8-bit samples of a pixel array. */
export function pixelsToBytes(p: RawPixels): Uint8Array {
  const src = p.data;
  if (src instanceof Uint8Array) return src;
  let scale = 1;
  if (p.isFloat) {
    let max = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < src.length; i++) if (src[i] > max) max = src[i];
    if (max <= 1) scale = 255;
  }
  const out = new Uint8Array(src.length);
  for (let i = 0; i < src.length; i++) {
    const v = src[i] * scale;
    // NaN fails both comparisons and stays 0.
    out[i] = v >= 255 ? 255 : v > 0 ? Math.trunc(v) : 0;
  }
  return out;
}

export function encodePixelsAsPng(p: RawPixels): Uint8Array {
  return encode({ width: p.width, height: p.height, data: pixelsToBytes(p), channels: p.channels, depth: 8 });
}
