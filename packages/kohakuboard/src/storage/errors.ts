/**
 * Errors raised by the storage layer. Every error names the file (or option) and the problem,
 * and carries a stable code so that callers (CLI, viewer) can map it without parsing text.
 */
import { errorText } from '../util/error-text.js';
export type StorageErrorCode =
  /** The directory is not a run folder (no metadata.json). */
  | 'ENOTRUN'
  /** A file exists but its content breaks the format (truncated blob, bad header, invalid JSON, ...). */
  | 'ECORRUPT'
  /** A required table or column is missing from a file that otherwise exists. */
  | 'EMISSING'
  /** SQLite refused to open or read a file. */
  | 'ESQLITE'
  /** A value passed to a writer breaks the format's rules. */
  | 'EINVALID'
  /** A payload uses a feature this implementation does not decode (an NPY dtype, an NPZ compression method). */
  | 'EUNSUPPORTED'
  /** A file or folder is a link that leads out of the directory a reader was given. */
  | 'EOUTSIDE';

export class StorageError extends Error {
  readonly code: StorageErrorCode;
  /** The file the problem is about (absolute or run-relative path), or null when it is about a value. */
  readonly file: string | null;
  readonly problem: string;

  constructor(code: StorageErrorCode, file: string | null, problem: string, options?: { cause?: unknown }) {
    super(file ? `${file}: ${problem}` : problem, options);
    this.name = 'StorageError';
    this.code = code;
    this.file = file;
    this.problem = problem;
  }
}

export function isStorageError(err: unknown): err is StorageError {
  return err instanceof StorageError;
}

/** Adds the file name to an error thrown by a decoder that did not know which file it was reading. */
export function withFile(err: unknown, file: string): StorageError {
  if (err instanceof StorageError) {
    return err.file ? err : new StorageError(err.code, file, err.problem, { cause: err });
  }
  const message = errorText(err);
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && code.startsWith('SQLITE_')) {
    return new StorageError('ESQLITE', file, `${message} (${code})`, { cause: err });
  }
  return new StorageError('ECORRUPT', file, message, { cause: err });
}
