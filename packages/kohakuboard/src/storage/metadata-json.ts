/**
 * `metadata.json` (docs/format.md#run-metadata): the run's name, config, times and status.
 */
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  existsSync,
  ftruncateSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { threadId } from 'node:worker_threads';
import { StorageError } from './errors.js';
import { type JsonValue, parseTolerantJson, stringifyDialectJson } from './json-dialect.js';

export type StoredRunStatus = 'running' | 'finished' | 'interrupted' | 'crashed';
export type RunStatus = StoredRunStatus | 'stale' | 'unknown';
export const STORED_STATUSES: readonly StoredRunStatus[] = ['running', 'finished', 'interrupted', 'crashed'];

/** The metadata a TS writer produces, in the key order of docs/format.md#metadata-keys. */
export interface RunMetadata {
  name: string;
  config: unknown;
  created_at: string;
  project: string;
  finished_at: string | null;
  run_id: string;
  annotation: string | null;
  status: StoredRunStatus;
  version: string;
  updated_at: string;
}

export const METADATA_FILE = 'metadata.json';

/** Reads and parses metadata.json with the tolerant dialect parser. Throws ENOTRUN / ECORRUPT. */
export function readMetadataJson(runDir: string): Record<string, JsonValue> {
  const path = join(runDir, METADATA_FILE);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new StorageError('ENOTRUN', runDir, 'not a run folder: metadata.json is missing');
    }
    throw new StorageError('ECORRUPT', path, `cannot be read: ${(err as Error).message}`);
  }
  const value = parseTolerantJson(text, path);
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new StorageError('ECORRUPT', path, 'is not a JSON object');
  }
  return value;
}

/**
 * Serialises metadata as docs/format.md#json-dialect asks: indent 2, pure ASCII, bare non-finite tokens, no
 * trailing newline.
 */
export function serializeMetadataJson(metadata: object): string {
  return stringifyDialectJson(metadata, { indent: 2, ascii: true });
}

/**
 * Writes a file atomically through a unique temporary name in the same folder and a rename, so that a
 * reader finds the whole file or none.
 * Several threads and processes may rewrite metadata.json, so the temporary name carries the pid,
 * the thread id and random bytes.
 */
export function writeFileAtomic(path: string, text: string | Uint8Array): void {
  const tmp = `${path}.${process.pid}.${threadId}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    writeFileSync(tmp, text);
    renameWithRetry(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

function renameWithRetry(from: string, to: string): void {
  for (let attempt = 0; ; attempt++) {
    try {
      renameSync(from, to);
      return;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (process.platform !== 'win32' || attempt >= 5 || (code !== 'EPERM' && code !== 'EBUSY')) throw err;
      const until = Date.now() + 20 * (attempt + 1);
      while (Date.now() < until) {
        /* short synchronous back-off: Windows releases the handle within milliseconds */
      }
    }
  }
}

/**
 * Writes metadata.json atomically (docs/format.md#metadata-writes). On a full disk, where not even the small temporary file can be
 * created, it overwrites the existing file in place as a last resort: the run's status must still change
 * (to `crashed`, say), and the few bytes it needs fit in the block the file already holds.
 */
export function writeMetadataJson(runDir: string, metadata: object): void {
  const path = join(runDir, METADATA_FILE);
  const text = serializeMetadataJson(metadata);
  try {
    writeFileAtomic(path, text);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if ((code !== 'ENOSPC' && code !== 'EDQUOT') || !existsSync(path)) throw err;
    rewriteInPlace(path, text);
  }
}

/** Overwrites a file's content without allocating a new file: write from offset 0, then cut the rest. */
function rewriteInPlace(path: string, text: string): void {
  const fd = openSync(path, 'r+');
  try {
    const bytes = Buffer.from(text, 'utf8');
    writeSync(fd, bytes, 0, bytes.length, 0);
    ftruncateSync(fd, bytes.length);
  } finally {
    closeSync(fd);
  }
}

/** Python-compatible state of expected.json: finished / unfinished / unknown (legacy, no finished_at key). */
export function pythonState(metadata: Record<string, unknown>): 'finished' | 'unfinished' | 'unknown' {
  if (!('finished_at' in metadata) && !('status' in metadata)) return 'unknown';
  return metadata.finished_at === null || metadata.finished_at === undefined ? 'unfinished' : 'finished';
}

/**
 * The canonical run status (docs/format.md#run-status, docs/format.md#metadata-writes) from metadata and the
 * time of last activity. `staleAfterMs` is the reader's threshold (300 s by default).
 */
export function deriveRunStatus(
  metadata: Record<string, unknown>,
  lastActivityMs: number | null,
  nowMs: number,
  staleAfterMs = 300_000,
): RunStatus {
  const stored = metadata.status;
  const isStale = lastActivityMs === null || nowMs - lastActivityMs > staleAfterMs;
  if (typeof stored === 'string' && (STORED_STATUSES as readonly string[]).includes(stored)) {
    return stored === 'running' && isStale ? 'stale' : (stored as StoredRunStatus);
  }
  if (!('finished_at' in metadata)) return 'unknown';
  if (metadata.finished_at !== null && metadata.finished_at !== undefined) return 'finished';
  return isStale ? 'stale' : 'running';
}
