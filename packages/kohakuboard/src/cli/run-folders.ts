/**
 * The run folders named by a command's arguments: a run folder stands for itself; a project folder or a
 * whole data folder (any layout of docs/format.md#base-directory) stands for every run inside, so that
 * `kobo sync kohakuboard/ --to URL` uploads all of them.
 */
import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { listProjectRuns, listRuns, METADATA_FILE } from '../storage/index.js';

export interface ExpandedFolder {
  /** The argument as given. */
  given: string;
  /** The run folders it stands for (the argument itself when it is a run, or holds no run at all). */
  runs: string[];
  kind: 'run' | 'project' | 'data' | 'unknown';
}

export function expandRunFolder(given: string): ExpandedFolder {
  if (existsSync(join(given, METADATA_FILE))) return { given, runs: [given], kind: 'run' };
  const inside = listRuns(given);
  // Runs only directly inside: a project folder (listRuns calls them legacy top-level runs).
  if (inside.length > 0 && inside.every((r) => r.layout === 'legacy')) {
    const runs = listProjectRuns(given, basename(given)).map((r) => r.dir);
    return { given, runs, kind: 'project' };
  }
  if (inside.length > 0) return { given, runs: inside.map((r) => r.dir), kind: 'data' };
  return { given, runs: [given], kind: 'unknown' };
}
