/**
 * The media content hash (docs/format.md#media-hash): SHA3-224 folded to 112 bits, in base 36, 22 characters.
 */
import { createHash } from 'node:crypto';

export function mediaHash(bytes: Uint8Array): string {
  const hex = createHash('sha3-224').update(bytes).digest('hex');
  const a = BigInt(`0x${hex.slice(0, 28)}`);
  const b = BigInt(`0x${hex.slice(28, 56)}`);
  return (a ^ b).toString(36).padStart(22, '0');
}

export const MEDIA_HASH_RE = /^[0-9a-z]{22}$/;

/** The blob key of a media item: `<media_hash>.<format>` (docs/format.md#media-keys-and-formats). */
export function mediaBlobKey(hash: string, format: string): string {
  return `${hash}.${format}`;
}
