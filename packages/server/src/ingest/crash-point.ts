/**
 * The crash tests' kill switch: with KOBO_TEST_INGEST_KILL_AFTER=<stage> set (payloads, scalars, histograms,
 * metadata.db), the process kills itself with SIGKILL as soon as that stage of an upload has committed, so
 * that a test can show what a re-send does after a crash at exactly that point.
 */
const stage = process.env.KOBO_TEST_INGEST_KILL_AFTER ?? null;

export function committed(name: string): void {
  if (stage !== null && stage === name) process.kill(process.pid, 'SIGKILL');
}
