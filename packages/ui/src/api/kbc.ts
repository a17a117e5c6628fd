/**
 * Decoder for the binary columnar format `kbc` (docs/api.md#kbc-frames): frames of a JSON header and
 * 8-byte-aligned little-endian column bodies. A stream of frames is decoded as its bytes arrive.
 */

export interface KbcColumnSpec {
  name: string;
  dtype: 'i64' | 'f64' | 'u8';
  offset: number;
}

export interface KbcHeader {
  version: number;
  run_id?: string;
  metric?: string;
  count: number;
  byte_length: number;
  columns: KbcColumnSpec[];
  meta?: Record<string, unknown>;
  error?: { error: string; code: string } | null;
}

export interface KbcFrame {
  header: KbcHeader;
  /** i64 and f64 columns as Float64Array (i64 converted with Number()); u8 as Uint8Array. */
  columns: Record<string, Float64Array | Uint8Array>;
}

const MAGIC = [0x4b, 0x42, 0x43, 0x31];
const utf8 = new TextDecoder();

function readU32(bytes: Uint8Array, at: number): number {
  return (bytes[at] | (bytes[at + 1] << 8) | (bytes[at + 2] << 16) | (bytes[at + 3] << 24)) >>> 0;
}

function checkMagic(bytes: Uint8Array, at: number): void {
  for (let i = 0; i < 4; i++) {
    if (bytes[at + i] !== MAGIC[i]) throw new Error('kbc: bad frame magic');
  }
}

/** Reads the header of the frame starting at `at`, or null when its bytes have not all arrived. */
function peekHeader(bytes: Uint8Array, at: number, end: number): KbcHeader | null {
  if (end - at < 8) return null;
  checkMagic(bytes, at);
  const h = readU32(bytes, at + 4);
  if (end - at < 8 + h) return null;
  return JSON.parse(utf8.decode(bytes.subarray(at + 8, at + 8 + h))) as KbcHeader;
}

/** Decodes one complete frame held in `frame` (which starts at the frame's first byte). */
export function decodeFrame(frame: Uint8Array, header?: KbcHeader): KbcFrame {
  const head = header ?? peekHeader(frame, 0, frame.length);
  if (!head) throw new Error('kbc: truncated frame');
  // Typed-array views need aligned offsets: copy when the frame is not 8-aligned in its buffer.
  const aligned = frame.byteOffset % 8 === 0 ? frame : frame.slice();
  const buf = aligned.buffer;
  const base = aligned.byteOffset;
  const n = head.count;
  const columns: Record<string, Float64Array | Uint8Array> = {};
  for (const col of head.columns) {
    if (col.dtype === 'u8') {
      columns[col.name] = new Uint8Array(buf, base + col.offset, n).slice();
    } else if (col.dtype === 'f64') {
      columns[col.name] = new Float64Array(buf, base + col.offset, n).slice();
    } else {
      const src = new BigInt64Array(buf, base + col.offset, n);
      const out = new Float64Array(n);
      for (let i = 0; i < n; i++) out[i] = Number(src[i]);
      columns[col.name] = out;
    }
  }
  return { header: head, columns };
}

/** Decodes every frame of a complete buffer. */
export function decodeFrames(bytes: Uint8Array): KbcFrame[] {
  const out: KbcFrame[] = [];
  let at = 0;
  while (at < bytes.length) {
    const header = peekHeader(bytes, at, bytes.length);
    if (!header || at + header.byte_length > bytes.length) throw new Error('kbc: truncated frame');
    out.push(decodeFrame(bytes.subarray(at, at + header.byte_length), header));
    at += header.byte_length;
  }
  return out;
}

/** Incremental decoder: push network chunks, get each frame as soon as all its bytes are in. */
export class KbcStreamDecoder {
  private buf = new Uint8Array(64 * 1024);
  private start = 0;
  private end = 0;

  constructor(private readonly onFrame: (frame: KbcFrame) => void) {}

  push(chunk: Uint8Array): void {
    this.ensure(chunk.length);
    this.buf.set(chunk, this.end);
    this.end += chunk.length;
    for (;;) {
      const header = peekHeader(this.buf, this.start, this.end);
      if (!header || this.end - this.start < header.byte_length) break;
      const frame = this.buf.subarray(this.start, this.start + header.byte_length);
      this.start += header.byte_length;
      this.onFrame(decodeFrame(frame, header));
    }
  }

  /** Throws when bytes of an incomplete frame remain at the end of the stream. */
  finish(): void {
    if (this.end !== this.start) throw new Error('kbc: stream ended inside a frame');
  }

  private ensure(extra: number): void {
    if (this.end + extra <= this.buf.length) return;
    const live = this.end - this.start;
    if (live + extra <= this.buf.length && this.start > 0) {
      this.buf.copyWithin(0, this.start, this.end);
    } else {
      const next = new Uint8Array(Math.max(this.buf.length * 2, live + extra));
      next.set(this.buf.subarray(this.start, this.end));
      this.buf = next;
    }
    this.start = 0;
    this.end = live;
  }
}
