/**
 * A reader that goes away (`kobo dump RUN | head`) closes our stdout: later writes fail with EPIPE, which
 * Node raises as an unhandled 'error' event with a stack trace. Unix tools end quietly instead; so do we.
 */
export function endQuietlyOnClosedPipe(stream: NodeJS.WriteStream = process.stdout): void {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
}
