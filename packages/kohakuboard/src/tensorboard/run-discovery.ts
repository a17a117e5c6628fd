/**
 * The runs of a TensorBoard log directory, found as TensorBoard finds them: every directory (the log
 * directory itself included) that holds event files, i.e. files whose name contains `tfevents`. A run's event
 * files are read in name order. Directories are only listed, never changed.
 */
import { type Dirent, readdirSync, realpathSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

export interface EventFileInfo {
  name: string;
  path: string;
  size: number;
  mtimeMs: number;
}

export interface TensorBoardRun {
  /** The run's path relative to the log directory, with `/` separators; `.` for the log directory. */
  relPath: string;
  dir: string;
  /** Event files in name order. */
  files: EventFileInfo[];
  /** Kinds of data beside the event files that are not imported (embeddings, profiles), by kind. */
  unmappedFiles: string[];
}

export const isEventFileName = (name: string) => name.includes('tfevents');

function listDir(dir: string): Dirent[] {
  try {
    return readdirSync(dir, { withFileTypes: true }).sort((a, b) =>
      a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
    );
  } catch {
    return [];
  }
}

function statOrNull(path: string) {
  try {
    return statSync(path);
  } catch {
    return null;
  }
}

/** Runs in relative-path order. Symbolic links to directories are followed once (no loops). */
export function findTensorBoardRuns(logDir: string): TensorBoardRun[] {
  const runs: TensorBoardRun[] = [];
  const seen = new Set<string>();
  const visit = (dir: string) => {
    let real: string;
    try {
      real = realpathSync(dir);
    } catch {
      return;
    }
    if (seen.has(real)) return;
    seen.add(real);
    const files: EventFileInfo[] = [];
    const unmapped: string[] = [];
    const subdirs: string[] = [];
    for (const e of listDir(dir)) {
      const path = join(dir, e.name);
      const st = e.isSymbolicLink() ? statOrNull(path) : null;
      const isDir = e.isDirectory() || st?.isDirectory() === true;
      const isFile = e.isFile() || st?.isFile() === true;
      if (isDir) {
        if (e.name === 'plugins' && listDir(path).some((p) => p.name === 'profile')) unmapped.push('profile');
        subdirs.push(path);
      } else if (isFile && isEventFileName(e.name)) {
        const s = st ?? statOrNull(path);
        if (s) files.push({ name: e.name, path, size: s.size, mtimeMs: s.mtimeMs });
      } else if (isFile && e.name === 'projector_config.pbtxt') {
        unmapped.push('embeddings');
      }
    }
    if (files.length > 0) {
      const rel = relative(logDir, dir).split(sep).join('/');
      runs.push({ relPath: rel === '' ? '.' : rel, dir, files, unmappedFiles: unmapped });
    }
    for (const sub of subdirs) visit(sub);
  };
  visit(logDir);
  return runs.sort((a, b) => (a.relPath < b.relPath ? -1 : a.relPath > b.relPath ? 1 : 0));
}

/** True when the directory or one below it (up to `maxDirs` directories looked at) holds an event file. */
export function holdsEventFiles(dir: string, maxDirs = 2000): boolean {
  const queue = [dir];
  for (let looked = 0; queue.length > 0 && looked < maxDirs; looked++) {
    const d = queue.shift()!;
    for (const e of listDir(d)) {
      if (e.isFile() && isEventFileName(e.name)) return true;
      if (e.isDirectory()) queue.push(join(d, e.name));
    }
  }
  return false;
}
