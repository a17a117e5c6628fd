/**
 * `kobo … | head`: when the reader of stdout goes away, the command ends quietly instead of printing an
 * EPIPE stack trace.
 */
let installed = false;

export function isClosedPipe(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  return code === 'EPIPE' || code === 'ERR_STREAM_DESTROYED';
}

export function endQuietlyOnClosedStdout(): void {
  if (installed) return;
  installed = true;
  process.stdout.on('error', (err) => {
    if (isClosedPipe(err)) process.exit(process.exitCode ?? 0);
    throw err;
  });
}
