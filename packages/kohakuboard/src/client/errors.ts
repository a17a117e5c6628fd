/**
 * Errors the client raises itself: a TypeError for misuse (it names the option or the argument), the error
 * for a run id that is already taken, and the error for a run folder that cannot be made.
 */
import { dirname } from 'node:path';

export function optionError(option: string, problem: string): TypeError {
  return new TypeError(`Board option "${option}" ${problem}`);
}

export function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') {
    const name = v.constructor?.name;
    if (!name || name === 'Object') return 'an object';
    return `${/^[AEIOU]/.test(name) ? 'an' : 'a'} ${name}`;
  }
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  return `${typeof v} ${String(v)}`;
}

export class RunExistsError extends Error {
  readonly code = 'ERUN_EXISTS';
  constructor(
    readonly runId: string,
    readonly projectDir: string,
  ) {
    super(`Run id "${runId}" is already taken in ${projectDir}; runs cannot be resumed`);
    this.name = 'RunExistsError';
  }
}

import { errorText } from '../util/error-text.js';

export { errorText };

/** Why a folder could not be made, in words (the code is kept on the error). */
function folderProblem(code: string | undefined, parent: string, message: string): string {
  switch (code) {
    case 'EROFS':
      return 'the file system is read-only (EROFS)';
    case 'EACCES':
    case 'EPERM':
      return `permission denied (${code})`;
    case 'ENOSPC':
    case 'EDQUOT':
      return `the disk is full (${code})`;
    case 'ENOTDIR':
      return 'a part of the path is a file, not a folder (ENOTDIR)';
    case 'ENOENT':
      return `${parent} does not accept new folders (ENOENT)`;
    default:
      return message;
  }
}

/** The run folder (or a folder above it) could not be created: `code` is the system's error code. */
export class RunFolderError extends Error {
  readonly code: string;
  constructor(
    readonly path: string,
    cause: unknown,
  ) {
    const err = cause as NodeJS.ErrnoException;
    super(
      `Cannot create the folder ${path} for the run: ${folderProblem(err?.code, dirname(path), errorText(cause))}`,
      { cause },
    );
    this.name = 'RunFolderError';
    this.code = err?.code ?? 'ERUNFOLDER';
  }
}
