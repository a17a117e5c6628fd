/**
 * What an export reads: each target is a run folder, a project folder or a whole data directory
 * (docs/export.md#targets). Data directories are listed with the reader's run tree, so every layout the
 * viewer knows (projects, legacy runs at the top, users/<owner>/<project>) is exported the same way.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { RunTree } from '../reader/run-tree.js';
import {
  listProjectRuns,
  METADATA_FILE,
  type RunLocation,
  readMetadataJson,
  splitRunFolderName,
} from '../storage/index.js';
import { ExportError } from './errors.js';

export interface ExportRun {
  dir: string;
  project: string;
  folder: string;
  /** The run id shown in exports: the folder's run id, or the whole folder name when that is not unique. */
  runId: string;
  /** metadata.json's name, else the folder name. */
  name: string;
}

const isRunDir = (dir: string) => existsSync(join(dir, METADATA_FILE));

function subdirs(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name)
      .sort();
  } catch {
    return [];
  }
}

/** A folder whose sub-folders are runs and nothing deeper: a project folder. */
function isProjectDir(dir: string): boolean {
  const names = subdirs(dir);
  if (names.includes('users')) return false;
  let runs = 0;
  for (const name of names) {
    const sub = join(dir, name);
    if (isRunDir(sub)) runs++;
    else if (subdirs(sub).some((n) => isRunDir(join(sub, n)))) return false;
  }
  return runs > 0;
}

function locationsOf(target: string): RunLocation[] {
  const dir = resolve(target);
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(dir);
  } catch {
    throw new ExportError('ENOTRUN', `${target}: no such directory`);
  }
  if (!st.isDirectory()) throw new ExportError('ENOTRUN', `${target}: not a directory`);
  if (isRunDir(dir)) {
    const folder = basename(dir);
    const { runId, annotation } = splitRunFolderName(folder);
    return [
      { project: basename(dirname(dir)), dir, folder, runId, annotation, layout: 'project', owner: null },
    ];
  }
  if (isProjectDir(dir)) return listProjectRuns(dir, basename(dir));
  const runs = new RunTree(dir).scan().added;
  if (runs.length === 0) {
    throw new ExportError(
      'ENOTRUN',
      `${target}: not a run, a project or a data directory (no metadata.json in it or below it)`,
    );
  }
  return runs;
}

function runName(loc: RunLocation): { name: string; project: string | null } {
  try {
    const meta = readMetadataJson(loc.dir);
    return {
      name: typeof meta.name === 'string' && meta.name !== '' ? meta.name : loc.folder,
      project: typeof meta.project === 'string' && meta.project !== '' ? meta.project : null,
    };
  } catch {
    return { name: loc.folder, project: null };
  }
}

/**
 * The runs of all targets, each once, in target order (a data directory's runs by project, then folder).
 * A lone run folder takes its project from metadata.json, else from its parent folder's name.
 */
export function resolveExportRuns(targets: readonly string[]): ExportRun[] {
  const seen = new Set<string>();
  const runs: Array<ExportRun & { runIdPart: string }> = [];
  for (const target of targets) {
    const locs = locationsOf(target).sort((a, b) =>
      a.project === b.project ? (a.folder < b.folder ? -1 : 1) : a.project < b.project ? -1 : 1,
    );
    const single = locs.length === 1 && isRunDir(resolve(target));
    for (const loc of locs) {
      if (seen.has(loc.dir)) continue;
      seen.add(loc.dir);
      const { name, project } = runName(loc);
      runs.push({
        dir: loc.dir,
        project: single ? (project ?? loc.project) : loc.project,
        folder: loc.folder,
        runId: loc.runId,
        runIdPart: loc.runId,
        name,
      });
    }
  }
  const count = new Map<string, number>();
  const keyOf = (r: { project: string; runIdPart: string }) => `${r.project}\u0000${r.runIdPart}`;
  for (const r of runs) count.set(keyOf(r), (count.get(keyOf(r)) ?? 0) + 1);
  return runs.map(({ runIdPart, ...r }) => ({
    ...r,
    runId: (count.get(keyOf({ project: r.project, runIdPart })) ?? 0) > 1 ? r.folder : runIdPart,
  }));
}
