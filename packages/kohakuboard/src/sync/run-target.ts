/**
 * Where a run folder goes on the server: its run id (the local one, never the annotation) and the project
 * (`--project`, else the run's own project, which the server reads as `<caller>/<name>`).
 */
import { existsSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { readMetadataJson, runPaths, sanitizeProject, splitRunFolderName } from '../storage/index.js';
import { SyncError } from './errors.js';

const RUN_ID_RE = /^[A-Za-z0-9]{1,64}$/;

export interface RunTarget {
  runDir: string;
  runId: string;
  /** `owner/name` or a bare name. */
  project: string;
}

export function resolveRunTarget(runDir: string, project: string | null): RunTarget {
  const dir = resolve(runDir);
  if (!existsSync(runPaths(dir).metadataJson))
    throw new SyncError('not_a_run', `${runDir} is not a run folder (it has no metadata.json)`);
  const metadata = readMetadataJson(dir);
  const fromMetadata = typeof metadata.run_id === 'string' ? metadata.run_id : null;
  const runId = fromMetadata ?? splitRunFolderName(basename(dir)).runId;
  if (!RUN_ID_RE.test(runId))
    throw new SyncError(
      'invalid_run_id',
      `${runDir}: the run id "${runId}" cannot be uploaded (a server takes 1 to 64 letters and digits)`,
    );
  const local = typeof metadata.project === 'string' ? metadata.project : null;
  return { runDir: dir, runId, project: project ?? sanitizeProject(local) };
}

/** The project as one URL path segment: `owner%2Fname` or the bare name. */
export function projectSegment(project: string): string {
  return encodeURIComponent(project);
}
