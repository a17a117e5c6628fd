/**
 * Creating a run folder (docs/client.md#what-the-constructor-does step 3, docs/format.md#run-ids): the run id
 * is chosen against the project directory (case-insensitively) and claimed with an exclusive mkdir; then the
 * sub-folders.
 */
import { mkdirSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { generateRunId, runFolderName, runPaths, splitRunFolderName } from '../storage/index.js';
import { RunExistsError, RunFolderError } from './errors.js';

const MAX_DRAWS = 1024;

/** Lower-cased run ids and entry names of a project directory (empty when it does not exist). */
function takenIds(projectDir: string): Set<string> {
  const taken = new Set<string>();
  let entries: import('node:fs').Dirent[];
  try {
    entries = readdirSync(projectDir, { withFileTypes: true });
  } catch {
    return taken;
  }
  for (const e of entries) {
    taken.add(e.name.toLowerCase());
    if (e.isDirectory()) taken.add(splitRunFolderName(e.name).runId.toLowerCase());
  }
  return taken;
}

/**
 * Chooses the run id and, in disk mode, creates `<projectDir>/<runId>[_<annotation>]` with its
 * sub-folders. Returns the id and the folder. A supplied id that is taken throws RunExistsError.
 */
export function claimRunFolder(
  projectDir: string,
  supplied: string | null,
  annotation: string | null,
  createOnDisk: boolean,
): { runId: string; runDir: string } {
  if (createOnDisk) makeFolders(projectDir);
  for (let draw = 0; draw < MAX_DRAWS; draw++) {
    const runId = supplied ?? generateRunId();
    const taken = takenIds(projectDir);
    const runDir = join(projectDir, runFolderName(runId, annotation));
    const isTaken =
      taken.has(runId.toLowerCase()) || taken.has(runFolderName(runId, annotation).toLowerCase());
    if (!isTaken) {
      if (!createOnDisk) return { runId, runDir };
      try {
        mkdirSync(runDir); // not recursive: EEXIST means another board took it first
        return { runId, runDir };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw new RunFolderError(runDir, err);
      }
    }
    if (supplied !== null) throw new RunExistsError(runId, projectDir);
  }
  throw new Error(`Could not find a free run id in ${projectDir} after ${MAX_DRAWS} tries`);
}

/**
 * data/, data/metrics/, data/histograms/, data/tensors/, media/ and logs/
 * (docs/format.md#folder-contents).
 */
export function createRunSubfolders(runDir: string): void {
  const p = runPaths(runDir);
  for (const dir of [p.dataDir, p.metricsDir, p.histogramsDir, p.tensorsDir, p.mediaDir, p.logsDir]) {
    makeFolder(dir);
  }
}

/** mkdir of one folder; an existing one is fine, anything else is a RunFolderError naming it. */
function makeFolder(dir: string): void {
  try {
    mkdirSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw new RunFolderError(dir, err);
  }
}

/**
 * `mkdir -p`, one folder at a time from the deepest one that exists. Node's recursive mkdir reports a
 * read-only file system as ENOENT of the folder asked for, and under /proc it never returns; here each step
 * is one plain mkdir, and its error names the folder and the reason.
 */
function makeFolders(dir: string): void {
  const missing: string[] = [];
  let at = resolve(dir);
  for (;;) {
    try {
      if (statSync(at).isDirectory()) break;
      throw Object.assign(new Error(`${at} is a file`), { code: 'ENOTDIR' });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT') throw new RunFolderError(at, err);
    }
    missing.push(at);
    const parent = dirname(at);
    if (parent === at) break;
    at = parent;
  }
  for (const d of missing.reverse()) makeFolder(d);
}
