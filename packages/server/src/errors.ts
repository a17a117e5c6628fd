/**
 * Errors as values: a code and a message that names the option, file or resource. `UsageError` ends the
 * command with exit code 2 (a wrong flag or a refused configuration), `ServerError` with 1.
 */
export class ServerError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'ServerError';
  }
}

export class UsageError extends ServerError {
  constructor(code: string, message: string) {
    super(code, message, 2);
    this.name = 'UsageError';
  }
}
