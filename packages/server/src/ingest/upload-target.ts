/**
 * Which run an upload writes (docs/server.md#log-upload): the project its URL names, if the caller may
 * write it (or may create it in its owner), and the run of that id, read from the database so that a run
 * another process created a moment ago is found. A new run is created with its project, its row and its
 * folder `users/<owner>/<project>/<run_id>[_<annotation>]`; two runs that drew one id are told apart by the
 * creator and the metadata's creation time.
 */
import { mkdirSync, realpathSync } from 'node:fs';
import { join, sep } from 'node:path';
import { runFolderName, sanitizeAnnotation } from 'kohakuboard/storage';
import type { Principal } from '../access/principal.js';
import { checkProjectName, isValidRunId } from '../auth/names.js';
import { ownerByName } from '../db/accounts.js';
import { ensureProject, insertRun, normalizeRun } from '../db/catalog.js';
import type { RunRow } from '../db/schema.js';
import { apiError, forbidden, invalidName, projectNotFound, runNotFound } from '../http/api-error.js';
import type { ServerContext } from '../http/context.js';
import { parseProjectRef } from '../http/project-urls.js';

export interface UploadProject {
  /** Null while the project does not exist yet. */
  id: number | null;
  ownerId: number;
  ownerName: string;
  name: string;
  /** `owner/name`. */
  key: string;
}

export const runConflict = () =>
  apiError(409, 'run_id_conflict', 'Another run with this id exists on the server');
export const runIsDropped = () =>
  apiError(409, 'run_is_dropped', 'This run was copied into the data directory; uploads cannot write it');

/** The project of an upload URL segment; 404 when the caller may not read it, 403 when it may not write it. */
export async function uploadProject(
  ctx: ServerContext,
  p: Principal,
  segment: string,
  bareName: (req: string) => string,
): Promise<UploadProject> {
  const ref = parseProjectRef(segment);
  const key = 'key' in ref ? ref.key : bareName(ref.bare);
  const slash = key.indexOf('/');
  const ownerName = key.slice(0, slash);
  const name = key.slice(slash + 1);
  const existing = ctx.index.project(key);
  if (existing) {
    if (!ctx.rights.canReadProjectEntry(p, existing)) throw projectNotFound();
    if (!ctx.rights.canWriteProject(p, existing)) throw forbidden();
    return {
      id: existing.id,
      ownerId: existing.ownerId,
      ownerName: existing.ownerName,
      name: existing.name,
      key: existing.key,
    };
  }
  const owner = await ownerByName(ctx.db, ownerName);
  if (!owner || p.projectId !== null) throw projectNotFound();
  const ownerId = Number(owner.id);
  const role = p.isAdmin || ownerId === p.userId ? 'owner' : (p.roles.get(ownerId) ?? null);
  if (role === null) throw projectNotFound();
  if (role === 'viewer') throw forbidden();
  checkProjectName(name);
  // The project may exist already (made by another process a moment ago): ensureProject finds it.
  const row = await ctx.db.k
    .selectFrom('projects')
    .select(['id', 'name'])
    .where('owner_id', '=', ownerId)
    .where('name_key', '=', name.toLowerCase())
    .executeTakeFirst();
  const stored = row?.name ?? name;
  return {
    id: row ? Number(row.id) : null,
    ownerId,
    ownerName: owner.name,
    name: stored,
    key: `${owner.name}/${stored}`,
  };
}

export function checkRunId(runId: string): string {
  if (!isValidRunId(runId)) throw invalidName('Run ids are 1–64 letters and digits');
  return runId;
}

/** The live run of a project with this id, from the database. */
export async function findRun(
  ctx: ServerContext,
  projectId: number | null,
  runId: string,
): Promise<RunRow | null> {
  if (projectId === null) return null;
  const row = await ctx.db.k
    .selectFrom('runs')
    .selectAll()
    .where('project_id', '=', projectId)
    .where('run_id_key', '=', runId.toLowerCase())
    .where('deleted_ms', 'is', null)
    .executeTakeFirst();
  return row ? normalizeRun(row) : null;
}

/** A known run may take this caller's upload: not dropped, created by the caller, the same fingerprint. */
export function checkKnownRun(run: RunRow, p: Principal, createdAt: string | null): void {
  if (run.source === 'dropped') throw runIsDropped();
  if (run.created_by !== p.userId) throw runConflict();
  if (createdAt !== null && run.fingerprint !== null && createdAt !== run.fingerprint) throw runConflict();
}

/** An existing run for /media and /logs uploads (404 when there is none). */
export async function existingRun(
  ctx: ServerContext,
  p: Principal,
  project: UploadProject,
  runId: string,
): Promise<RunRow> {
  const run = await findRun(ctx, project.id, runId);
  if (!run) throw runNotFound();
  checkKnownRun(run, p, null);
  return run;
}

/** The absolute folder of a run row. */
export function runDirOf(ctx: ServerContext, run: RunRow): string {
  return join(ctx.index.dataDir, ...run.folder.split('/'));
}

function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string; message?: string };
  return (
    e.code === '23505' || e.code === 'SQLITE_CONSTRAINT_UNIQUE' || /UNIQUE constraint/.test(e.message ?? '')
  );
}

/**
 * Creates the run (and its project when missing) for the first upload: the row and the folder, in one
 * transaction. Another process creating the same run at the same moment wins; its row is returned then.
 */
export async function createRun(
  ctx: ServerContext,
  p: Principal,
  project: UploadProject,
  runId: string,
  meta: { createdAt: string | null; annotation: string | null; name: string | null },
  logError: (message: string) => void,
): Promise<{ run: RunRow; created: boolean }> {
  const folderName = runFolderName(runId, sanitizeAnnotation(meta.annotation));
  const folder = `users/${project.ownerName}/${project.name}/${folderName}`;
  const parent = join(ctx.index.dataDir, 'users', project.ownerName, project.name);
  try {
    const pk = await ctx.db.k.transaction().execute(async (tx) => {
      const { id: projectId } = await ensureProject(tx, {
        ownerId: project.ownerId,
        name: project.name,
        visibility: ctx.config.defaultVisibility,
      });
      const pk = await insertRun(tx, {
        project_id: projectId,
        run_id: runId,
        run_id_key: runId.toLowerCase(),
        folder,
        source: 'sync',
        visibility: 'inherit',
        created_by: p.userId,
        fingerprint: meta.createdAt,
        name: meta.name ?? runId,
        annotation: sanitizeAnnotation(meta.annotation),
        created_at: meta.createdAt,
        finished_at: null,
        status: 'running',
        last_activity_ms: Date.now(),
        last_step: null,
        first_ts_ms: null,
        last_ts_ms: null,
        has_global_step: 0,
        config_json: null,
        log_hashes: '{}',
        pending_media: '[]',
        data_version: 0,
        deleted_ms: null,
      });
      mkdirSync(parent, { recursive: true });
      const real = realpathSync(parent);
      if (!real.startsWith(ctx.index.dataDir + sep)) {
        logError(`upload folder ${folder} resolves outside the data dir; refused`);
        throw invalidName('Invalid run folder');
      }
      try {
        mkdirSync(join(real, folderName));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw runConflict();
        throw err;
      }
      return pk;
    });
    const row = await ctx.db.k.selectFrom('runs').selectAll().where('id', '=', pk).executeTakeFirstOrThrow();
    project.id = Number(row.project_id);
    return { run: normalizeRun(row), created: true };
  } catch (err) {
    if (!isUniqueViolation(err)) throw err;
    const stored = await ctx.db.k
      .selectFrom('projects')
      .select('id')
      .where('owner_id', '=', project.ownerId)
      .where('name_key', '=', project.name.toLowerCase())
      .executeTakeFirst();
    project.id = stored ? Number(stored.id) : null;
    const run = await findRun(ctx, project.id, runId);
    if (!run) throw err;
    checkKnownRun(run, p, meta.createdAt);
    return { run, created: false };
  }
}
