/**
 * Importing a whole TensorBoard log directory into a KohakuBoard data directory (docs/tensorboard.md): one
 * run folder per run directory, in one project, each continued from where the last import stopped.
 * The log directory is only read.
 */
import { mkdirSync, realpathSync, statSync } from 'node:fs';
import { basename, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { sanitizeProject } from '../storage/index.js';
import { acquireImportLock } from './import-lock.js';
import type { ImportTarget, ImportWarning, RunPassStats } from './import-report.js';
import { readImportState } from './import-state.js';
import { findTensorBoardRuns, type TensorBoardRun } from './run-discovery.js';
import { RunImporter, runIdFor } from './run-importer.js';

export class TensorBoardImportError extends Error {
  constructor(
    readonly code: 'ENOLOGDIR' | 'EINSIDE',
    message: string,
  ) {
    super(message);
    this.name = 'TensorBoardImportError';
  }
}

export interface LogDirImportOptions {
  /** The data directory to import into (created when missing). */
  to: string;
  /** The project (default: the log directory's name). */
  project?: string;
  warn(warning: ImportWarning): void;
  /** Progress over the whole import: bytes read of `totalBytes`, and events read. */
  progress?(bytes: number, totalBytes: number, events: number): void;
  now?(): number;
}

export interface LogDirImportResult {
  logDir: string;
  project: string;
  projectDir: string;
  runs: RunPassStats[];
  events: number;
  bytes: number;
}

/** True when `child` is `parent` or lies below it. */
function isInside(child: string, parent: string): boolean {
  const rel = relative(parent, child);
  return rel === '' || !(rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel));
}

/** The real path of an existing log directory; throws TensorBoardImportError naming it otherwise. */
export function resolveLogDir(logDir: string): string {
  let real: string;
  try {
    real = realpathSync(logDir);
  } catch {
    throw new TensorBoardImportError('ENOLOGDIR', `${logDir}: no such directory`);
  }
  if (!statSync(real).isDirectory())
    throw new TensorBoardImportError('ENOLOGDIR', `${logDir}: not a directory`);
  return real;
}

/** Refuses a destination inside the log directory: reading a log directory never writes into it. */
export function checkOutsideLogDir(dest: string, logDirReal: string, what: string): void {
  let real = resolve(dest);
  // The destination may not exist yet: resolve its nearest existing ancestor.
  for (let d = real; ; d = resolve(d, '..')) {
    try {
      real = join(realpathSync(d), relative(d, real));
      break;
    } catch {
      if (resolve(d, '..') === d) break;
    }
  }
  if (isInside(real, logDirReal)) {
    throw new TensorBoardImportError(
      'EINSIDE',
      `${what} ${dest} is inside the log directory ${logDirReal}; the log directory is never written to`,
    );
  }
}

export const defaultProject = (logDirReal: string) => sanitizeProject(basename(logDirReal));

/** Bytes of a run's event files not imported yet (from its saved state). */
export function pendingBytes(target: ImportTarget, run: TensorBoardRun): number {
  const state = readImportState(join(target.projectDir, runIdFor(run.relPath)));
  let n = 0;
  for (const f of run.files) n += Math.max(0, f.size - (state?.files[f.name]?.offset ?? 0));
  return n;
}

/** Imports everything new in the log directory. */
export async function importLogDir(
  logDir: string,
  options: LogDirImportOptions,
): Promise<LogDirImportResult> {
  const real = resolveLogDir(logDir);
  checkOutsideLogDir(options.to, real, 'the destination');
  const project = sanitizeProject(options.project ?? basename(real));
  const projectDir = join(resolve(options.to), project);
  mkdirSync(projectDir, { recursive: true });
  const lock = acquireImportLock(projectDir);
  try {
    const target: ImportTarget = { logDir: real, project, projectDir };
    const runs = findTensorBoardRuns(real);
    const total = runs.reduce((n, r) => n + pendingBytes(target, r), 0);
    const result: LogDirImportResult = { logDir: real, project, projectDir, runs: [], events: 0, bytes: 0 };
    for (const run of runs) {
      const before = { bytes: result.bytes, events: result.events };
      const importer = new RunImporter(target, run.relPath, {
        warn: options.warn,
        now: options.now,
        progress: (bytes, events) => options.progress?.(before.bytes + bytes, total, before.events + events),
      });
      try {
        const stats = importer.pass(run);
        result.runs.push(stats);
        result.events += stats.events;
        result.bytes += stats.bytes;
      } finally {
        await importer.close();
      }
    }
    return result;
  } finally {
    lock.release();
  }
}
