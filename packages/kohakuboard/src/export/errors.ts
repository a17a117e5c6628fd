/**
 * Errors of the export, with a code the command line maps to its exit code: a target or an option the
 * user got wrong (EUSAGE, ENOTRUN: exit 2), or a failure while reading or writing (EREAD, EWRITE: exit 1).
 */
import { errorText } from '../util/error-text.js';
export type ExportErrorCode = 'EUSAGE' | 'ENOTRUN' | 'EREAD' | 'EWRITE';

export class ExportError extends Error {
  constructor(
    readonly code: ExportErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ExportError';
  }

  get exitCode(): number {
    return this.code === 'EUSAGE' || this.code === 'ENOTRUN' ? 2 : 1;
  }
}

/** A short description of a file-system error: "no space left on device (ENOSPC)". */
export function describeIoError(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  const text: Record<string, string> = {
    ENOSPC: 'no space left on device',
    EACCES: 'permission denied',
    EPERM: 'operation not permitted',
    ENOENT: 'no such file or directory',
    EISDIR: 'is a directory',
    ENOTDIR: 'a parent is not a directory',
    EROFS: 'read-only file system',
    EDQUOT: 'disk quota exceeded',
    EPIPE: 'the output was closed',
  };
  if (e && typeof e.code === 'string' && text[e.code]) return `${text[e.code]} (${e.code})`;
  return errorText(err);
}
