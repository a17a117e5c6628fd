/**
 * Names in a run folder (docs/format.md#names, docs/format.md#metric-files,
 * docs/format.md#histogram-file-names, docs/format.md#tensor-and-kde-payloads): project and annotation
 * sanitisers, run ids, folder names, and the file names derived from log names.
 */
import { randomInt } from 'node:crypto';

/** docs/format.md#project-names. */
export function sanitizeProject(input: string | null | undefined): string {
  if (input === undefined || input === null || input === '') return 'default';
  let s = input.trim();
  s = s.replace(/[^\p{L}\p{N}_.-]+/gu, '-');
  s = s.replace(/^[-_.]+/, '').replace(/[-_.]+$/, '');
  if (s === '') return 'default';
  if (s === 'users') return 'users-';
  return s;
}

/** docs/format.md#annotations: the result matches [a-z0-9_-]+, or is null. */
export function sanitizeAnnotation(input: string | null | undefined): string | null {
  if (input === undefined || input === null) return null;
  let s = input.trim().toLowerCase();
  s = s.replace(/ /g, '_');
  s = s.replace(/[^a-z0-9_-]+/g, '_');
  s = s.replace(/_+/g, '_').replace(/-+/g, '-');
  s = s.replace(/^[_-]+/, '').replace(/[_-]+$/, '');
  return s === '' ? null : s;
}

export const RUN_ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
export const RUN_ID_LENGTH = 8;
const SUPPLIED_RUN_ID_RE = /^[A-Za-z0-9]{4,32}$/;

/** A fresh run id: 8 characters of [a-z0-9] from a cryptographic source (docs/format.md#run-ids). */
export function generateRunId(length = RUN_ID_LENGTH): string {
  let id = '';
  for (let i = 0; i < length; i++) id += RUN_ID_ALPHABET[randomInt(RUN_ID_ALPHABET.length)];
  return id;
}

/** A caller-supplied run id after trimming, or null when it breaks ^[A-Za-z0-9]{4,32}$. */
export function normalizeSuppliedRunId(input: string): string | null {
  const s = input.trim();
  return SUPPLIED_RUN_ID_RE.test(s) ? s : null;
}

/** docs/format.md#run-folder-names. */
export function runFolderName(runId: string, annotation: string | null): string {
  return annotation ? `${runId}_${annotation}` : runId;
}

/** Splits a run folder name at its first `_` (docs/format.md#run-folder-names). */
export function splitRunFolderName(folder: string): { runId: string; annotation: string | null } {
  const i = folder.indexOf('_');
  if (i < 0) return { runId: folder, annotation: null };
  const annotation = folder.slice(i + 1);
  return { runId: folder.slice(0, i), annotation: annotation === '' ? null : annotation };
}

/** `train/loss` → `train__loss` (docs/format.md#metric-files). */
export function logNameToFileStem(name: string): string {
  return name.replace(/\//g, '__');
}

/** `train__loss` → `train/loss`. A name that itself contained `__` comes back with `/`. */
export function fileStemToLogName(stem: string): string {
  return stem.replace(/__/g, '/');
}

/** The namespace of a log name: the part before its first `/`, or the whole name. */
export function namespaceOf(name: string): string {
  const i = name.indexOf('/');
  return i < 0 ? name : name.slice(0, i);
}

const MAX_FILE_NAME_BYTES = 255;
const WINDOWS_FORBIDDEN = /[<>:"|?*\u0000-\u001f]/;
/** The longest name the viewer accepts (docs/api.md#names-in-paths), in UTF-16 code units. */
export const MAX_NAME_LENGTH = 1024;
// C0 control characters and DEL: the viewer refuses them in names.
const CONTROL = /[\u0000-\u001f\u007f]/;

/**
 * What the viewer refuses in any name besides its length (docs/api.md#names-in-paths): control characters, and an
 * empty, `.` or `..` part between slashes (so a leading, trailing or doubled `/`). A name it refuses could be
 * stored but never shown, so the client refuses it when it is logged.
 */
function viewerProblem(name: string): string | null {
  if (CONTROL.test(name)) return 'the name contains a control character';
  for (const part of name.split('/')) {
    if (part === '') return "the name has an empty part (a leading, trailing or doubled '/')";
    if (part === '.' || part === '..') return `the name has a '${part}' part`;
  }
  return null;
}

/**
 * The writer-side name rules for metric, histogram, tensor and KDE names (docs/format.md#log-names),
 * plus the names the viewer refuses. Returns a description of the problem, or null when the name is acceptable.
 */
export function checkLogName(name: unknown, platform: NodeJS.Platform = process.platform): string | null {
  if (typeof name !== 'string') return 'the name must be a string';
  if (name === '') return 'the name is empty';
  if (name.includes('\u0000')) return 'the name contains a NUL character';
  if (name.includes('\\')) return 'the name contains a backslash';
  if (name.startsWith('/')) return "the name starts with '/'";
  const fileName = `${logNameToFileStem(name)}.db`;
  if (fileName === '.db' || fileName === '..db') return 'the name gives an invalid file name';
  if (Buffer.byteLength(fileName, 'utf8') > MAX_FILE_NAME_BYTES) {
    return `the file name would be longer than ${MAX_FILE_NAME_BYTES} bytes`;
  }
  const problem = viewerProblem(name);
  if (problem) return problem;
  if (platform === 'win32' && WINDOWS_FORBIDDEN.test(name)) {
    return 'the name contains a character Windows does not allow in file names';
  }
  return null;
}

/**
 * The rules for names that are rows of metadata.db, not files (media and table names): those the viewer
 * accepts. Returns a description of the problem, or null.
 */
export function checkItemName(name: unknown): string | null {
  if (typeof name !== 'string') return 'the name must be a string';
  if (name === '') return 'the name is empty';
  if (name.includes('\u0000')) return 'the name contains a NUL character';
  if (name.includes('\\')) return 'the name contains a backslash';
  if (name.length > MAX_NAME_LENGTH) return `the name is longer than ${MAX_NAME_LENGTH} characters`;
  return viewerProblem(name);
}

const SHOWN_NAME_LENGTH = 80;
// C0 and C1 control characters and DEL: never written to a console or a log file as they are.
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f]/g;
const ESCAPES: Record<string, string> = { '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/**
 * A name as log messages show it: control characters escaped (`\t`, `\u0000`), and a long name cut to its
 * first characters with its length. Every message that quotes a logged name uses it, so that a name of a
 * megabyte or one with a NUL never reaches a console or log file as it is.
 */
export function shownName(name: string): string {
  const cut = name.length > SHOWN_NAME_LENGTH;
  const text = (cut ? name.slice(0, SHOWN_NAME_LENGTH - 16) : name).replace(
    UNPRINTABLE,
    (c) => ESCAPES[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  return cut ? `${text}… (${name.length} characters)` : text;
}

/** Names that are accepted but deserve a one-time warning (docs/format.md#log-names). */
export function logNameWarning(name: string): string | null {
  if (name.includes('__')) {
    return `the name "${shownName(name)}" contains "__", which reads back as "/" (it shares a file with "${shownName(fileStemToLogName(name))}")`;
  }
  if (name === 'step' || name === 'global_step' || name === 'timestamp') {
    return `the name "${name}" is shadowed in the viewer by the run's own ${name} column`;
  }
  return null;
}

export type HistogramPrecision = 'u8' | 'i32';

/** `<ns>_<K>_<u8|i32>.db` (docs/format.md#histogram-file-names). */
export function histogramFileName(name: string, numBins: number, precision: HistogramPrecision): string {
  return `${namespaceOf(name)}_${numBins}_${precision}.db`;
}

/** First step of parsing a histogram file name; K comes from col_meta (see histogramNamespaceFromStem). */
export function parseHistogramStem(stem: string): { group: string; precision: HistogramPrecision } | null {
  const m = /^(.*)_(u8|i32)$/s.exec(stem);
  if (!m) return null;
  return { group: m[1], precision: m[2] as HistogramPrecision };
}

/**
 * The namespace of a histogram file, given the K read from its counts column
 * (docs/format.md#histogram-file-names step 3).
 */
export function histogramNamespaceFromStem(group: string, numBins: number): string {
  const suffix = `_${numBins}`;
  return group.endsWith(suffix) ? group.slice(0, -suffix.length) : group;
}

/** Where a tensor or KDE payload lives (docs/format.md#tensor-and-kde-payloads). */
export function tensorLocation(name: string, step: number): { kvFile: string; key: string } {
  const i = name.indexOf('/');
  const ns = i < 0 ? name : name.slice(0, i);
  const rest = i < 0 ? '' : name.slice(i + 1);
  const sub = rest === '' ? 'value' : rest.replace(/\//g, '__');
  return { kvFile: logNameToFileStem(ns), key: `${sub}:${step}` };
}
