/** Why a sync of a run failed: a code the caller can act on and a message that names the run or server. */
export type SyncErrorCode =
  | 'not_a_run'
  | 'invalid_run_id'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'too_large'
  | 'bad_request'
  | 'server_error'
  | 'network'
  | 'invalid_answer'
  | 'aborted';

export class SyncError extends Error {
  constructor(
    readonly code: SyncErrorCode,
    message: string,
    /** The HTTP status when the server answered, and the server's own error code. */
    readonly status: number | null = null,
    readonly serverCode: string | null = null,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'SyncError';
  }
}

export const isSyncError = (err: unknown): err is SyncError => err instanceof SyncError;
