/**
 * Where things are: run folders under a base directory (docs/format.md#base-directory) and files inside a run
 * (docs/format.md#folder-contents).
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { METADATA_FILE } from './metadata-json.js';
import { fileStemToLogName, splitRunFolderName } from './names.js';

export type RunLayoutKind = 'project' | 'legacy' | 'users';

export interface RunLocation {
  /** Project name: the folder, `default` for a legacy top-level run, `<project>` for the users layout. */
  project: string;
  /** Absolute (or base-relative, as given) path of the run folder. */
  dir: string;
  /** The folder name (`board_id`). */
  folder: string;
  runId: string;
  annotation: string | null;
  layout: RunLayoutKind;
  /** The owner for the users layout. */
  owner: string | null;
}

export const DEFAULT_PROJECT = 'default';

function isRunDir(dir: string): boolean {
  return existsSync(join(dir, METADATA_FILE));
}

function subdirs(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isDirectory() || (e.isSymbolicLink() && safeIsDir(join(dir, e.name))))
      .map((e) => e.name)
      .sort();
  } catch {
    return [];
  }
}

function safeIsDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function location(
  project: string,
  dir: string,
  folder: string,
  layout: RunLayoutKind,
  owner: string | null,
): RunLocation {
  const { runId, annotation } = splitRunFolderName(folder);
  return { project, dir, folder, runId, annotation, layout, owner };
}

/** The runs of one project folder (`<baseDir>/<project>/<run>`). */
export function listProjectRuns(projectDir: string, project: string): RunLocation[] {
  return subdirs(projectDir)
    .filter((name) => isRunDir(join(projectDir, name)))
    .map((name) => location(project, join(projectDir, name), name, 'project', null));
}

/**
 * Every run under a base directory in the three layouts of docs/format.md#base-directory: `<project>/<run>`,
 * a legacy run directly under the base (project `default`), and `users/<owner>/<project>/<run>`.
 */
export function listRuns(baseDir: string): RunLocation[] {
  const out: RunLocation[] = [];
  for (const name of subdirs(baseDir)) {
    const dir = join(baseDir, name);
    if (isRunDir(dir)) {
      out.push(location(DEFAULT_PROJECT, dir, name, 'legacy', null));
    } else if (name === 'users') {
      for (const owner of subdirs(dir)) {
        for (const project of subdirs(join(dir, owner))) {
          for (const run of listProjectRuns(join(dir, owner, project), project)) {
            out.push({ ...run, layout: 'users', owner });
          }
        }
      }
    } else {
      out.push(...listProjectRuns(dir, name));
    }
  }
  return out;
}

/** Paths of the files of a run folder (docs/format.md#folder-contents). */
export function runPaths(runDir: string) {
  return {
    metadataJson: join(runDir, METADATA_FILE),
    dataDir: join(runDir, 'data'),
    metadataDb: join(runDir, 'data', 'metadata.db'),
    metricsDir: join(runDir, 'data', 'metrics'),
    histogramsDir: join(runDir, 'data', 'histograms'),
    tensorsDir: join(runDir, 'data', 'tensors'),
    mediaDir: join(runDir, 'media'),
    blobsDb: join(runDir, 'media', 'blobs.db'),
    logsDir: join(runDir, 'logs'),
    outputLog: join(runDir, 'logs', 'output.log'),
  };
}

/** `.db` files of a folder (companions -wal/-shm and *.tmp excluded), sorted by name; [] when missing. */
export function listDbFiles(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isFile() && e.name.endsWith('.db'))
      .map((e) => e.name)
      .sort();
  } catch {
    return [];
  }
}

/** Metric names of a run with their files (docs/format.md#metric-files), sorted by name. */
export function listMetricFiles(runDir: string): Array<{ name: string; file: string }> {
  const dir = runPaths(runDir).metricsDir;
  return listDbFiles(dir)
    .map((f) => ({ name: fileStemToLogName(f.slice(0, -3)), file: join(dir, f) }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
