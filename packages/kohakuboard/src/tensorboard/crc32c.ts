/**
 * The masked CRC-32C that TFRecord framing stores after the length and after the data of every record
 * (docs/tensorboard.md#event-files): the CRC rotated right by 15 bits plus a constant, so that a CRC computed
 * over data that itself holds CRCs does not come out trivially.
 */
import { crc32c } from '@node-rs/crc32';

const MASK_DELTA = 0xa282ead8;

export function maskedCrc32c(bytes: Uint8Array): number {
  const crc = crc32c(bytes);
  return (((crc >>> 15) | (crc << 17)) + MASK_DELTA) >>> 0;
}
