/**
 * TFRecord framing (docs/tensorboard.md#event-files): each record is a u64 length, the masked CRC-32C of those
 * 8 bytes, the data, and the masked CRC-32C of the data, all little-endian.
 *
 * Reading starts at a cursor and goes as far as the file holds complete records. A short last record, or a
 * last record whose data does not match its CRC, ends the reading without being consumed: a writer may still
 * be writing it (or crashed while writing it), and it is read again once it is complete. Damage with more
 * data behind it is reported once and stepped over: a record whose data CRC is wrong is skipped (its length
 * was vouched for by the header CRC), and after a damaged header the reader looks for the next position where
 * a complete, valid record starts. The file is only ever opened for reading.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { maskedCrc32c } from './crc32c.js';

const HEADER_BYTES = 12;
const FOOTER_BYTES = 4;
/** Bytes read per step; a record longer than this is read whole by itself. */
const CHUNK_BYTES = 4 << 20;
/** Longer length fields are taken as damage: no summary written by TensorBoard's writers comes near this. */
export const MAX_RECORD_BYTES = 1 << 30;

/** Where reading of one file stands: the next byte to read, and whether it is inside damaged data. */
export interface FileCursor {
  offset: number;
  /** True while looking for the next valid record after damage (no new warning is due for it). */
  resync: boolean;
}

export interface RecordDamage {
  /** Byte offset where the damage starts. */
  offset: number;
  problem: string;
  /** Where reading resumed, or null when no valid record follows (yet). */
  resumedAt: number | null;
}

export interface RecordVisitor {
  /**
   * One complete record: its data is `buf[dataStart, dataEnd)` (a read buffer: copy what is kept), `offset`
   * is where its header starts in the file and `end` where the next record starts. Returning false stops
   * reading after this record.
   */
  record(buf: Uint8Array, dataStart: number, dataEnd: number, offset: number, end: number): boolean;
  damage(damage: RecordDamage): void;
}

export interface ReadResult {
  cursor: FileCursor;
  /** True when the visitor stopped the reading before the end of the complete records. */
  stopped: boolean;
}

const u32 = (b: Uint8Array, at: number) =>
  (b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (b[at + 3] << 24)) >>> 0;

/** The record length in a header at `at`, or -1 when its high word makes it absurd. */
function lengthField(b: Uint8Array, at: number): number {
  return u32(b, at + 4) === 0 ? u32(b, at) : -1;
}

type HeaderCheck = { ok: true; length: number } | { ok: false; problem: string };

function checkHeader(b: Uint8Array, at: number): HeaderCheck {
  if (maskedCrc32c(b, at, at + 8) !== u32(b, at + 8)) {
    return { ok: false, problem: 'the record length does not match its CRC' };
  }
  const length = lengthField(b, at);
  if (length < 0 || length > MAX_RECORD_BYTES) {
    const text = ((BigInt(u32(b, at + 4)) << 32n) | BigInt(u32(b, at))).toString();
    return { ok: false, problem: `the record length ${text} is beyond ${MAX_RECORD_BYTES} bytes` };
  }
  return { ok: true, length };
}

/** Whether the data of the record whose header is at `at` matches its CRC. */
function dataIsValid(b: Uint8Array, at: number, length: number): boolean {
  const start = at + HEADER_BYTES;
  return maskedCrc32c(b, start, start + length) === u32(b, start + length);
}

/**
 * A read-only window over a file: `buf` holds the file's bytes from `start` on, read in chunks as ranges are
 * asked for. A refill reads into a new buffer, so bytes handed out earlier stay valid.
 */
class FileWindow {
  buf: Uint8Array = new Uint8Array(0);
  start = 0;

  constructor(
    private readonly fd: number,
    readonly size: number,
  ) {}

  /** Makes [position, position + length) available in `buf`; false when the file ends before. */
  ensure(position: number, length: number): boolean {
    if (position + length > this.size) return false;
    const at = position - this.start;
    if (at >= 0 && at + length <= this.buf.length) return true;
    const want = Math.min(Math.max(CHUNK_BYTES, length), this.size - position);
    const buf = Buffer.allocUnsafe(want);
    let got = 0;
    while (got < want) {
      const n = readSync(this.fd, buf, got, want - got, position + got);
      if (n === 0) break;
      got += n;
    }
    if (got < length) return false; // the file shrank while being read
    this.buf = got < want ? buf.subarray(0, got) : buf;
    this.start = position;
    return true;
  }
}

/**
 * Reads the complete records of `path` from `cursor` on (up to the byte offset `until`, when given), handing
 * each to the visitor. Returns the cursor to continue from next time.
 */
export function readRecords(
  path: string,
  cursor: FileCursor,
  visitor: RecordVisitor,
  until = Number.POSITIVE_INFINITY,
): ReadResult {
  const fd = openSync(path, 'r');
  try {
    return scan(new FileWindow(fd, Math.min(fstatSync(fd).size, until)), cursor, visitor);
  } finally {
    closeSync(fd);
  }
}

function scan(file: FileWindow, cursor: FileCursor, visitor: RecordVisitor): ReadResult {
  let pos = cursor.offset;
  let resync = cursor.resync;
  let stopped = false;
  // Damage found in this call, reported once it is known where reading resumes.
  let pending: { offset: number; problem: string } | null = null;
  const report = (resumedAt: number | null) => {
    if (pending) visitor.damage({ ...pending, resumedAt });
    pending = null;
  };
  while (true) {
    if (resync) {
      const found = findRecordStart(file, pos);
      pos = found.position;
      if (!found.valid) break;
      resync = false;
      report(pos);
    }
    if (!file.ensure(pos, HEADER_BYTES)) break; // a short header ends the file for now
    const header = checkHeader(file.buf, pos - file.start);
    if (!header.ok) {
      pending ??= { offset: pos, problem: header.problem };
      resync = true;
      pos += 1;
      continue;
    }
    const total = HEADER_BYTES + header.length + FOOTER_BYTES;
    if (!file.ensure(pos, total)) break; // a short record ends the file for now
    const at = pos - file.start;
    if (!dataIsValid(file.buf, at, header.length)) {
      // The last record may still be being written, or was cut by a crash: it is read again later.
      if (pos + total === file.size) break;
      visitor.damage({
        offset: pos,
        problem: 'the record data does not match its CRC; the record is skipped',
        resumedAt: pos + total,
      });
      pos += total;
      continue;
    }
    const go = visitor.record(
      file.buf,
      at + HEADER_BYTES,
      at + HEADER_BYTES + header.length,
      pos,
      pos + total,
    );
    pos += total;
    if (!go) {
      stopped = true;
      break;
    }
  }
  report(null);
  return { cursor: { offset: pos, resync }, stopped };
}

/**
 * The first position from `from` on where a complete record with valid CRCs starts (valid), or the first
 * position that cannot be tested yet because the file ends (not valid: reading continues there later).
 */
function findRecordStart(file: FileWindow, from: number): { position: number; valid: boolean } {
  for (let p = from; ; p++) {
    if (!file.ensure(p, HEADER_BYTES)) return { position: p, valid: false };
    // The length test is cheap and rejects most positions before a CRC is computed.
    const length = lengthField(file.buf, p - file.start);
    if (length < 0 || length > MAX_RECORD_BYTES) continue;
    if (!checkHeader(file.buf, p - file.start).ok) continue;
    if (!file.ensure(p, HEADER_BYTES + length + FOOTER_BYTES)) return { position: p, valid: false };
    if (dataIsValid(file.buf, p - file.start, length)) return { position: p, valid: true };
  }
}

/** The data of the file's first record when it is complete and valid, else null. */
export function readFirstRecord(path: string): Uint8Array | null {
  const fd = openSync(path, 'r');
  try {
    const file = new FileWindow(fd, fstatSync(fd).size);
    if (!file.ensure(0, HEADER_BYTES)) return null;
    const header = checkHeader(file.buf, 0);
    if (!header.ok || !file.ensure(0, HEADER_BYTES + header.length + FOOTER_BYTES)) return null;
    if (!dataIsValid(file.buf, 0, header.length)) return null;
    return file.buf.subarray(HEADER_BYTES, HEADER_BYTES + header.length);
  } finally {
    closeSync(fd);
  }
}
