/**
 * When a command that takes one run folder is given a project folder or a whole data folder instead, the
 * error names the runs inside and the command that would work, rather than only "metadata.json is missing".
 */
import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { listProjectRuns, listRuns, METADATA_FILE } from '../storage/index.js';

const SHOWN = 5;

function someNames(names: string[]): string {
  const shown = names.slice(0, SHOWN).join(', ');
  return names.length > SHOWN ? `${shown}, … (${names.length - SHOWN} more)` : shown;
}

/** Null when `dir` is a run folder (or holds no runs at all); else one line saying what it is. */
export function notARunHint(dir: string, given: string, command: string): string | null {
  if (existsSync(join(dir, METADATA_FILE))) return null;
  const runs = listRuns(dir);
  // Runs only directly inside: a project folder (listRuns calls them legacy top-level runs).
  const projectRuns = runs.some((r) => r.layout !== 'legacy') ? [] : listProjectRuns(dir, basename(dir));
  if (projectRuns.length > 0) {
    const n = projectRuns.length;
    return (
      `${given} is a project folder, not a run: it holds ${n} run${n === 1 ? '' : 's'} (${someNames(projectRuns.map((r) => r.folder))}). ` +
      `Give one of them, e.g. kobo ${command} ${join(given, projectRuns[0].folder)}`
    );
  }
  if (runs.length > 0) {
    const projects = [...new Set(runs.map((r) => r.project))];
    const first = runs[0];
    const firstPath = join(given, first.dir.slice(dir.length + 1));
    return (
      `${given} is a data folder, not a run: it holds ${runs.length} run${runs.length === 1 ? '' : 's'} in ` +
      `${projects.length} project${projects.length === 1 ? '' : 's'} (${someNames(projects)}). ` +
      `Give one run folder, e.g. kobo ${command} ${firstPath}`
    );
  }
  return null;
}
