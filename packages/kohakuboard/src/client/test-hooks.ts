/**
 * Test hooks: two internal switches that let the failure-path tests (CLIENT.md §9.2, §9.4, §10.3) run in
 * seconds. They are not part of the API: index.ts does not export this module and package.json "exports"
 * exposes only "." and "./storage", so applications cannot import it; tests import the built file by its
 * path. A board reads the hooks once, in its constructor.
 */
export interface TestHooks {
  /**
   * Replaces the 60 s no-progress limit: a log() call blocked that long enters drop mode (§9.2 item 5), and
   * finish() or the exit hook stops such a writer (§10.3 step 5, §10.4).
   */
  stallTimeoutMs?: number;
  /** The writer's loop throws once it has taken this many logging messages: a writer crash (§9.4). */
  writerCrashAfterMessages?: number;
}

let current: Readonly<TestHooks> = {};

/** Sets the hooks for boards created from now on; `{}` restores the defaults. */
export function setTestHooks(hooks: TestHooks): void {
  current = { ...hooks };
}

export function testHooks(): Readonly<TestHooks> {
  return current;
}
