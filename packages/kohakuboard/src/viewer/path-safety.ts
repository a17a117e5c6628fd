/**
 * Names from URLs (docs/api.md#names-in-paths): raw-path
 * segment splitting, percent-decoding, validation, and a containment check after joining paths.
 */
import { realpathSync } from 'node:fs';
import { resolve, sep } from 'node:path';
import { invalidName } from './api-error.js';

/** Longest name accepted from a URL; longer ones cannot name a file and are refused. */
export const MAX_NAME_LENGTH = 1024;

/** The path part of a raw request URL, split at literal `/` (before any decoding). */
export function rawSegments(rawUrl: string): string[] {
  const q = rawUrl.indexOf('?');
  const path = q < 0 ? rawUrl : rawUrl.slice(0, q);
  return path.split('/').slice(1);
}

/** The raw query string (without `?`), or ''. */
export function rawQuery(rawUrl: string): string {
  const q = rawUrl.indexOf('?');
  return q < 0 ? '' : rawUrl.slice(q + 1);
}

/** Percent-decodes one segment; malformed escapes are 400 invalid_name. */
export function decodeSegment(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw invalidName('Invalid percent-encoding in the path');
  }
}

// NUL, backslash and the other C0 control characters, and DEL.
const FORBIDDEN = /[\u0000-\u001f\u007f\\]/;

/**
 * Checks a decoded name (docs/api.md#names-in-paths): not empty, no NUL, `\` or control character, no `.`,
 * `..` or empty segment (so not absolute), not longer than MAX_NAME_LENGTH. Throws 400 invalid_name.
 */
export function checkName(name: string, what = 'name'): string {
  if (name === '') throw invalidName(`Empty ${what}`);
  if (name.length > MAX_NAME_LENGTH) throw invalidName(`The ${what} is too long`);
  if (FORBIDDEN.test(name)) throw invalidName(`Invalid ${what}`);
  for (const part of name.split('/')) {
    // `.`/`..` could climb directories; an empty part means a leading, trailing or doubled `/`.
    if (part === '.' || part === '..' || part === '') throw invalidName(`Invalid ${what}`);
  }
  return name;
}

/** A name made of several raw segments (`{name:path}`): each decoded, joined with `/`, then checked. */
export function pathName(rawParts: string[], what = 'name'): string {
  return checkName(rawParts.map(decodeSegment).join('/'), what);
}

/** A single-segment name (project, run_id, file): decoded and checked; a decoded `/` is refused. */
export function segmentName(raw: string, what = 'name'): string {
  const name = checkName(decodeSegment(raw), what);
  if (name.includes('/')) throw invalidName(`Invalid ${what}`);
  return name;
}

/**
 * An existing file under `root`, resolved through symbolic links: a link that leads out of `root` is refused
 * like a name that climbs out of it (400 invalid_name). Null when the file does not exist.
 */
export function existingFileInside(root: string, ...parts: string[]): string | null {
  const path = joinInside(root, ...parts);
  let real: string;
  let realRoot: string;
  try {
    real = realpathSync(path);
    realRoot = realpathSync(root);
  } catch {
    return null;
  }
  if (!real.startsWith(realRoot + sep)) throw invalidName('Path outside the run directory');
  return real;
}

/** Joins `parts` under `root` and refuses any result outside it (checked after joining). */
export function joinInside(root: string, ...parts: string[]): string {
  const base = resolve(root);
  const full = resolve(base, ...parts);
  if (full !== base && !full.startsWith(base + sep)) throw invalidName('Path outside the run directory');
  return full;
}
