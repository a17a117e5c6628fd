/**
 * Writing TensorBoard event files: TFRecord framing of encoded Event messages. The importer never writes
 * event files; tests and the benchmark use this to make log directories as TensorBoard's writers do.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { maskedCrc32c } from './crc32c.js';
import { EventType } from './proto-schema.js';

/** Length, masked CRC of the length, the data, masked CRC of the data (docs/tensorboard.md#event-files). */
export function frameRecord(data: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(data.length + 16);
  out.writeBigUInt64LE(BigInt(data.length), 0);
  out.writeUInt32LE(maskedCrc32c(out.subarray(0, 8)), 8);
  out.set(data, 12);
  out.writeUInt32LE(maskedCrc32c(data), 12 + data.length);
  return out;
}

/**
 * Encodes an Event given as a plain object with the message's field names in camelCase, e.g.
 * `{ wallTime, step, summary: { value: [{ tag, simpleValue }] } }`.
 */
export function encodeEvent(event: object): Uint8Array {
  return EventType.encode(event).finish();
}

/** Appends framed events to a file (created, or appended to when it exists). */
export class EventFileWriter {
  private fd: number | null;

  constructor(readonly path: string) {
    this.fd = openSync(path, 'a');
  }

  /** Writes events; each write reaches the file before this returns. */
  write(...events: object[]): void {
    if (this.fd === null) throw new Error(`${this.path}: the event file is closed`);
    const buf = Buffer.concat(events.map((e) => frameRecord(encodeEvent(e))));
    writeSync(this.fd, buf);
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}
