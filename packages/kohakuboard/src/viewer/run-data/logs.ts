/**
 * Run logs (docs/api.md#following-a-log): the list of `logs/*.log`, and chunks of one file for tail, follow
 * (`offset`) and "load earlier" (`before`) reads. Chunks start at line boundaries, never split a UTF-8
 * sequence, and `next_offset` stops after the last `\n`, so an unterminated last line is sent again on the
 * next call.
 */
import { closeSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import { type DataRoot, NO_ROOT } from '../../reader/data-root.js';
import type { ReaderContext } from '../../reader/scalar-source.js';
import { formatIsoMicros, runPaths } from '../../storage/index.js';
import { ApiError, invalidName } from '../api-error.js';
import { apiJson } from '../json-encode.js';
import { existingFileInside, joinInside } from '../path-safety.js';
import type { RunRef } from '../run-ref.js';
import { JSON_TYPE, type TaskResult } from '../worker-pool/task-result.js';

export const LOG_NAME_RE = /^[A-Za-z0-9._-]+\.log$/;
const NL = 0x0a;

export interface LogQuery {
  offset: number | null;
  before: number | null;
  tail: number;
  maxBytes: number;
  stripAnsi: boolean;
  format: 'json' | 'text';
}

export interface LogChunk {
  name: string;
  size: number;
  offset: number;
  next_offset: number;
  eof: boolean;
  reset: boolean;
  content: string;
}

/** Plain log files of `logs/`; a folder or a file that links out of the data directory is not listed. */
export function logList(ctx: ReaderContext, run: RunRef): Record<string, unknown> {
  const dir = runPaths(run.dir).logsDir;
  const root = ctx.handles.root;
  let names: string[] = [];
  try {
    names = root.contains(dir)
      ? readdirSync(dir, { withFileTypes: true })
          .filter((e) => e.isFile() && LOG_NAME_RE.test(e.name))
          .map((e) => e.name)
      : [];
  } catch {
    names = [];
  }
  names.sort((a, b) => (a === 'output.log' ? -1 : b === 'output.log' ? 1 : a < b ? -1 : a > b ? 1 : 0));
  const files = names.flatMap((name) => {
    try {
      const st = statSync(joinInside(dir, name));
      const ms = Math.floor(st.mtimeMs);
      return [{ name, size: st.size, modified_at: formatIsoMicros(ms), modified_at_ms: ms }];
    } catch {
      return [];
    }
  });
  return { run_id: run.runIdPart, project: run.project, files };
}

function readRange(fd: number, start: number, end: number): Buffer {
  const buf = Buffer.allocUnsafe(Math.max(0, end - start));
  let got = 0;
  while (got < buf.length) {
    const n = readSync(fd, buf, got, buf.length - got, start + got);
    if (n === 0) break;
    got += n;
  }
  return buf.subarray(0, got);
}

function forwardUtf8(buf: Buffer, i: number): number {
  let k = i;
  while (k < buf.length && (buf[k] & 0xc0) === 0x80) k++;
  return k;
}

/** The length of `buf` without a UTF-8 sequence cut off at its end. */
function completeUtf8End(buf: Buffer): number {
  const n = buf.length;
  let j = n - 1;
  while (j > 0 && n - j < 4 && (buf[j] & 0xc0) === 0x80) j--;
  if (j < 0) return n;
  const lead = buf[j];
  const size = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
  return j + size > n ? j : n;
}

/** The last `lines` lines that end at `end` (at most maxBytes bytes), starting at a line boundary. */
function tailChunk(
  fd: number,
  end: number,
  lines: number,
  maxBytes: number,
): { start: number; bytes: Buffer } {
  const from = Math.max(0, end - maxBytes);
  const buf = readRange(fd, from, end);
  let count = 0;
  let i = buf.length - 1;
  if (i >= 0 && buf[i] === NL) i--; // the terminator of the last line
  let start = -1;
  for (; i >= 0; i--) {
    if (buf[i] === NL) {
      count++;
      if (count >= lines) {
        start = i + 1;
        break;
      }
    }
  }
  if (start < 0) {
    if (from === 0) start = 0;
    else {
      // The window begins inside a line: start after its first newline, unless one line fills it.
      const nl = buf.indexOf(NL);
      start = nl >= 0 && nl + 1 < buf.length ? nl + 1 : forwardUtf8(buf, 0);
    }
  }
  return { start: from + start, bytes: buf.subarray(start) };
}

/** Whether `offset` starts a line, or continues a line longer than maxBytes (docs/api.md#logs reset rule). */
function startsLine(fd: number, offset: number, maxBytes: number): boolean {
  if (offset === 0) return true;
  const from = Math.max(0, offset - maxBytes);
  const before = readRange(fd, from, offset);
  if (before[before.length - 1] === NL) return true;
  // Where the line that holds `offset` began; it continues an over-long line if that is maxBytes or more back.
  const nl = before.lastIndexOf(NL);
  const lineStart = nl >= 0 ? from + nl + 1 : from === 0 ? 0 : Number.NEGATIVE_INFINITY;
  return lineStart <= offset - maxBytes;
}

const ANSI_CSI = /\u001b\[[0-?]*[ -/]*[@-~]/g;

function chunkResult(
  name: string,
  size: number,
  offset: number,
  bytes: Buffer,
  eof: boolean,
  reset: boolean,
  q: LogQuery,
): LogChunk {
  const lastNl = bytes.lastIndexOf(NL);
  let next: number;
  if (lastNl >= 0) next = offset + lastNl + 1;
  else next = eof ? offset : offset + bytes.length;
  let content = new TextDecoder('utf-8').decode(bytes);
  if (q.stripAnsi) content = content.replace(ANSI_CSI, '');
  return { name, size, offset, next_offset: next, eof, reset, content };
}

export function readLogChunk(run: RunRef, name: string, q: LogQuery, root: DataRoot = NO_ROOT): LogChunk {
  if (!LOG_NAME_RE.test(name)) throw invalidName('Invalid log name');
  // Resolved through links: a log that is a link out of logs/ is refused (docs/api.md#names-in-paths), and so
  // is a logs/ folder (or run folder) that links out of the data directory.
  const logsDir = runPaths(run.dir).logsDir;
  if (!root.contains(logsDir)) throw invalidName('Path outside the data directory');
  const path = existingFileInside(logsDir, name);
  let fd: number;
  try {
    if (path === null || !statSync(path).isFile()) throw new Error('not a file');
    fd = openSync(path, 'r');
  } catch {
    throw new ApiError(404, 'log_not_found', 'Log not found');
  }
  try {
    const size = statSync(path).size;
    const tail = (reset: boolean) => {
      const { start, bytes } = tailChunk(fd, size, q.tail, q.maxBytes);
      return chunkResult(name, size, start, bytes, true, reset, q);
    };
    if (q.offset !== null) {
      if (q.offset > size || !startsLine(fd, q.offset, q.maxBytes)) return tail(true);
      const end = Math.min(size, q.offset + q.maxBytes);
      let bytes = readRange(fd, q.offset, end);
      const eof = q.offset + bytes.length >= size;
      if (!eof) {
        const lastNl = bytes.lastIndexOf(NL);
        bytes = lastNl >= 0 ? bytes.subarray(0, lastNl + 1) : bytes.subarray(0, completeUtf8End(bytes));
      }
      return chunkResult(name, size, q.offset, bytes, eof, false, q);
    }
    if (q.before !== null) {
      const end = Math.min(q.before, size);
      const { start, bytes } = tailChunk(fd, end, q.tail, q.maxBytes);
      return chunkResult(name, size, start, bytes, end >= size, false, q);
    }
    return tail(false);
  } finally {
    closeSync(fd);
  }
}

export function logResult(ctx: ReaderContext, run: RunRef, name: string, q: LogQuery): TaskResult {
  const chunk = readLogChunk(run, name, q, ctx.handles.root);
  const headers = { 'cache-control': 'no-store' };
  if (q.format === 'text') {
    return {
      status: 200,
      type: 'text/plain; charset=utf-8',
      body: chunk.content,
      headers: {
        ...headers,
        'x-log-size': String(chunk.size),
        'x-log-offset': String(chunk.offset),
        'x-log-next-offset': String(chunk.next_offset),
        'x-log-eof': String(chunk.eof),
      },
    };
  }
  return { status: 200, type: JSON_TYPE, body: apiJson(chunk), headers };
}
