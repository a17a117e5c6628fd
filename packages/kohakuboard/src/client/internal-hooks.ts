/**
 * Internal switches that let the failure-path tests run in seconds. They are not part of the API: a board
 * takes them from a symbol-keyed entry of its options object, which `BoardOptions` does not declare, index.ts
 * does not export and `Object.keys` does not list. There is no process-wide setter, so nothing in the
 * published entry point can switch them on for other boards. A board reads them once, in its constructor.
 */
export const INTERNAL_HOOKS: unique symbol = Symbol.for('kohakuboard.internalHooks') as never;

export interface InternalHooks {
  /**
   * Replaces the 60 s no-progress limit: a log() call blocked that long enters drop mode, and finish() or the
   * exit hook stops such a writer.
   */
  stallTimeoutMs?: number;
  /** The writer's loop throws once it has taken this many logging messages: a writer crash. */
  writerCrashAfterMessages?: number;
  /**
   * While this file exists, every SQLite transaction the writer starts fails as on a full disk
   * (SQLITE_FULL); removing it is space coming back.
   */
  diskFullWhileFileExists?: string;
  /** Replaces the 30 s limit of the last remote sync at finish(). */
  finalSyncTimeoutMs?: number;
}

/** The hooks of an options object, or `{}`; anything malformed is ignored. */
export function internalHooksOf(options: unknown): Readonly<InternalHooks> {
  if (options === null || typeof options !== 'object') return {};
  const raw = (options as { [INTERNAL_HOOKS]?: unknown })[INTERNAL_HOOKS];
  if (raw === null || typeof raw !== 'object') return {};
  const h = raw as Record<string, unknown>;
  const positive = (v: unknown) => (typeof v === 'number' && v > 0 ? v : undefined);
  return {
    stallTimeoutMs: positive(h.stallTimeoutMs),
    writerCrashAfterMessages: positive(h.writerCrashAfterMessages),
    finalSyncTimeoutMs: positive(h.finalSyncTimeoutMs),
    diskFullWhileFileExists:
      typeof h.diskFullWhileFileExists === 'string' && h.diskFullWhileFileExists !== ''
        ? h.diskFullWhileFileExists
        : undefined,
  };
}
