/** Anything thrown, as text or as an Error: JavaScript lets code throw values that are not Errors. */

/** The message of anything thrown. */
export function errorText(err: unknown): string {
  if (err instanceof Error) return err.message;
  try {
    return String(err);
  } catch {
    return 'an unprintable error';
  }
}

/** Anything thrown, as an Error (a thrown string or object becomes the message of a new one). */
export function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(errorText(err));
}

/** The stack of anything thrown (its message when it has none), for logs that help find a bug. */
export function errorStack(err: unknown): string {
  return err instanceof Error ? (err.stack ?? err.message) : errorText(err);
}
