/**
 * Errors of the housekeeping commands, with the exit code the command line uses: a path that is not a run
 * or an option the user got wrong (EUSAGE, ENOTRUN: 2), a run that may not be touched now (EBUSY: 1) or a
 * failure while changing files (EFAIL: 1).
 */
export type HousekeepingErrorCode = 'EUSAGE' | 'ENOTRUN' | 'EBUSY' | 'EFAIL';

export class HousekeepingError extends Error {
  constructor(
    readonly code: HousekeepingErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'HousekeepingError';
  }

  get exitCode(): number {
    return this.code === 'EUSAGE' || this.code === 'ENOTRUN' ? 2 : 1;
  }
}
