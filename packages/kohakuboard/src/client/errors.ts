/**
 * Errors the client raises itself: a TypeError for misuse (it names the option or the argument), and the
 * error for a run id that is already taken.
 */
export function optionError(option: string, problem: string): TypeError {
  return new TypeError(`Board option "${option}" ${problem}`);
}

export function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') {
    const name = v.constructor?.name;
    if (!name || name === 'Object') return 'an object';
    return `${/^[AEIOU]/.test(name) ? 'an' : 'a'} ${name}`;
  }
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  return `${typeof v} ${String(v)}`;
}

export class RunExistsError extends Error {
  readonly code = 'ERUN_EXISTS';
  constructor(
    readonly runId: string,
    readonly projectDir: string,
  ) {
    super(`Run id "${runId}" is already taken in ${projectDir}; runs cannot be resumed`);
    this.name = 'RunExistsError';
  }
}

/** The message of anything thrown. */
export function errorText(err: unknown): string {
  if (err instanceof Error) return err.message;
  try {
    return String(err);
  } catch {
    return 'an unprintable error';
  }
}
