import { isStorageError } from '../storage/errors.js';
import { errorText } from '../util/error-text.js';

/** An error the CLI reports as one line, with its exit code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** Maps any error to the one line the user sees and the exit code (2 for usage and "not a run"). */
export function describeCliError(err: unknown): { line: string; exitCode: number } {
  if (err instanceof CliError) return { line: err.message, exitCode: err.exitCode };
  if (isStorageError(err)) return { line: err.message, exitCode: err.code === 'ENOTRUN' ? 2 : 1 };
  const message = errorText(err);
  return { line: message, exitCode: 1 };
}
