/**
 * Data a logging type cannot take (a ragged or empty table, bytes of no known format, values that are not
 * numbers) is a mistake the training loop must survive (docs/client.md#bad-values): the constructors of
 * Table, Media, Histogram, TensorLog and KernelDensity record it instead of throwing, and log() skips the
 * value with one warning per name. Options that are wrong in themselves still throw a TypeError at once.
 */
import { errorText } from './errors.js';

/** Runs the data part of a constructor; returns its result, or the fallback with what went wrong. */
export function takeData<T>(parse: () => T, fallback: () => T): { value: T; problem: string | null } {
  try {
    return { value: parse(), problem: null };
  } catch (err) {
    return { value: fallback(), problem: errorText(err) };
  }
}

/** Throws the recorded problem (inside log(), which reports it and skips the value). */
export function refuseProblem(problem: string | null): void {
  if (problem !== null) throw new Error(problem);
}
