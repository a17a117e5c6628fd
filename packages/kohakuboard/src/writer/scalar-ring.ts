/**
 * The ring that carries scalar-only logging calls from a board to its writer without one postMessage per
 * call (docs/client.md#transport). It is a SharedArrayBuffer of float64 words; the board appends records and
 * publishes its write position, the writer consumes them and publishes its read position (both in the control
 * block).
 *
 * Records never wrap: one that does not fit before the end of the ring is preceded by a PAD record that fills
 * the rest. Every record starts with a header word `lengthInWords * 8 + kind`.
 *
 *   DATA  [header, seq, step, globalStep, timestamp, id0, value0, id1, value1, …]
 *   NAME  [header, id, byteLength, UTF-8 bytes padded to whole words]   (a metric name, announced once)
 *   PAD   [header, …]                                                    (skip to the start of the ring)
 */
import { Ctl } from './shared-state.js';

export const RecordKind = { DATA: 1, NAME: 2, PAD: 3 } as const;

/** Words before the first (id, value) pair of a DATA record. */
export const DATA_HEADER_WORDS = 5;

/**
 * Ring size for a queue capacity: room for that many ten-scalar records, a power of two between 1 MiB and
 * 32 MiB. Calls with many more values per record may fill the ring before the message limit is reached.
 */
export function ringWordsFor(queueCapacity: number): number {
  const want = Math.max(1 << 17, Math.min(1 << 22, queueCapacity * (DATA_HEADER_WORDS + 20)));
  let words = 1 << 17;
  while (words < want) words *= 2;
  return words;
}

export function createRing(words: number): SharedArrayBuffer {
  return new SharedArrayBuffer(words * 8);
}

/** The largest record the ring takes; bigger calls travel by postMessage instead. */
export const maxRecordWords = (ringWords: number) => ringWords >>> 2;

const encoder = new TextEncoder();

/** The board's side: appends records. Not thread-safe; one board owns it. */
export class RingWriter {
  readonly words: Float64Array;
  private readonly bytes: Uint8Array;
  private readonly size: number;
  private readonly mask: number;
  /** Local write position; published to RING_HEAD by `publish`. */
  private head = 0;
  private tailSeen = 0;

  constructor(
    ring: SharedArrayBuffer,
    private readonly ctl: Int32Array,
  ) {
    this.words = new Float64Array(ring);
    this.bytes = new Uint8Array(ring);
    this.size = this.words.length;
    this.mask = this.size - 1;
  }

  /**
   * Reserves `len` contiguous words and returns the index of the first one, or -1 when the ring has no room
   * now. The caller fills the words and then calls `publish(len)`.
   */
  reserve(len: number): number {
    let idx = this.head & this.mask;
    const toEnd = this.size - idx;
    const need = len <= toEnd ? len : len + toEnd;
    if (this.size - ((this.head - this.tailSeen) | 0) < need) {
      this.tailSeen = Atomics.load(this.ctl, Ctl.RING_TAIL);
      if (this.size - ((this.head - this.tailSeen) | 0) < need) return -1;
    }
    if (len > toEnd) {
      this.words[idx] = toEnd * 8 + RecordKind.PAD;
      this.head = (this.head + toEnd) | 0;
      idx = 0;
    }
    return idx;
  }

  /** Makes the reserved record visible to the writer. */
  publish(len: number): void {
    this.head = (this.head + len) | 0;
    Atomics.store(this.ctl, Ctl.RING_HEAD, this.head);
  }

  /** Words a NAME record for `name` takes. */
  static nameRecordWords(nameBytes: Uint8Array): number {
    return 3 + Math.ceil(nameBytes.length / 8);
  }

  static encodeName(name: string): Uint8Array {
    return encoder.encode(name);
  }

  /** Writes a NAME record at a reserved index (see `reserve`). */
  writeName(idx: number, id: number, nameBytes: Uint8Array): number {
    const len = RingWriter.nameRecordWords(nameBytes);
    this.words[idx] = len * 8 + RecordKind.NAME;
    this.words[idx + 1] = id;
    this.words[idx + 2] = nameBytes.length;
    this.bytes.set(nameBytes, (idx + 3) * 8);
    return len;
  }

  get sizeMiB(): number {
    return (this.size * 8) / 1048576;
  }

  /** True when nothing published is left unread. */
  isDrained(): boolean {
    return Atomics.load(this.ctl, Ctl.RING_TAIL) === this.head;
  }
}

const decoder = new TextDecoder();

/** The writer's side: reads records in order. */
export class RingReader {
  readonly words: Float64Array;
  private readonly bytes: Uint8Array;
  private readonly size: number;
  private readonly mask: number;
  private tail = 0;
  private headSeen = 0;

  constructor(
    ring: SharedArrayBuffer,
    private readonly ctl: Int32Array,
  ) {
    this.words = new Float64Array(ring);
    this.bytes = new Uint8Array(ring);
    this.size = this.words.length;
    this.mask = this.size - 1;
  }

  /**
   * The index of the next unread record, skipping PAD records, or -1 when none is published. NAME records
   * are returned like any other; the caller looks at the kind.
   */
  next(): number {
    for (;;) {
      if (this.tail === this.headSeen) {
        this.headSeen = Atomics.load(this.ctl, Ctl.RING_HEAD);
        if (this.tail === this.headSeen) return -1;
      }
      const idx = this.tail & this.mask;
      const header = this.words[idx];
      if (header % 8 === RecordKind.PAD) {
        this.tail = (this.tail + Math.floor(header / 8)) | 0;
        continue;
      }
      return idx;
    }
  }

  static kind(header: number): number {
    return header % 8;
  }

  static length(header: number): number {
    return Math.floor(header / 8);
  }

  /** Reads a NAME record: [id, name]. */
  readName(idx: number): [number, string] {
    const id = this.words[idx + 1];
    const n = this.words[idx + 2];
    const start = (idx + 3) * 8;
    // Copy out of the shared buffer: TextDecoder does not accept views of shared memory.
    return [id, decoder.decode(this.bytes.slice(start, start + n))];
  }

  /** Consumes the record at the read position (of `len` words). */
  advance(len: number): void {
    this.tail = (this.tail + len) | 0;
  }

  /** Makes the consumed space available to the board again. */
  publishTail(): void {
    Atomics.store(this.ctl, Ctl.RING_TAIL, this.tail);
  }
}
