/**
 * Projects and the visibility and deletion of runs (docs/server.md#permissions). Reached through the
 * URL rewrite of project-urls.ts: `/api/projects` is `/api/server/projects`, `/api/projects/{P}` is
 * `/api/server/project/{P}`. What the caller may not read answers exactly like what does not exist.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { formatIsoMicros } from 'kohakuboard/storage';
import type { Principal } from '../../access/principal.js';
import { checkProjectName } from '../../auth/names.js';
import { audit, ownerByName } from '../../db/accounts.js';
import { addChange, ensureProject, markRunDeleted, updateRun } from '../../db/catalog.js';
import { LeaseBusyError } from '../../db/leases.js';
import type { RunVisibility, Visibility } from '../../db/schema.js';
import type { ServerRun } from '../../index/run-row.js';
import type { ProjectEntry } from '../../index/server-index.js';
import { apiError, forbidden, notAuthenticated, projectNotFound, runNotFound } from '../api-error.js';
import type { ServerContext } from '../context.js';
import { bodyOf, iso, optStr, requireSession, requireUser, str } from '../guards.js';

function visibilityOf(v: unknown, allowInherit: boolean): RunVisibility {
  if (v === 'public' || v === 'private' || (allowInherit && v === 'inherit')) return v;
  throw apiError(
    400,
    'invalid_body',
    `"visibility" must be ${allowInherit ? 'inherit, ' : ''}public or private`,
  );
}

export function projectRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const { db, index, rights } = ctx;

  /** The project a URL segment names, if the caller may read it; else 404 as for a missing one. */
  function readableProject(req: FastifyRequest): ProjectEntry {
    const seg = (req.params as { seg: string }).seg;
    const key = rights.projectKey(req, seg);
    const project = index.project(key);
    if (!project || !rights.canReadProjectEntry(req.principal, project)) throw projectNotFound();
    return project;
  }

  function readableRun(req: FastifyRequest, project: ProjectEntry): ServerRun {
    const id = (req.params as { id: string }).id;
    const run = index.resolve(project.key, decodeURIComponent(id)) as ServerRun | null;
    if (!run || !rights.canReadRun(req.principal, run)) throw runNotFound();
    return run;
  }

  function readableRuns(p: Principal | null, project: ProjectEntry): ServerRun[] {
    return index.runsOfProject(project.id).filter((r) => rights.canReadRun(p, r));
  }

  function projectBody(p: Principal | null, project: ProjectEntry) {
    return {
      project: project.key,
      owner: project.ownerName,
      owner_kind: project.ownerKind,
      name: project.name,
      visibility: project.visibility,
      description: project.description,
      created_at: iso(project.createdMs),
      run_count: readableRuns(p, project).length,
      access: rights.access(p, project),
    };
  }

  app.get('/api/server/projects', async (req, reply) => {
    if (req.principal?.via === 'token' && !req.principal.scopes.has('read')) requireUser(req, 'read');
    const p = req.principal;
    const projects = [];
    for (const project of index.allProjects()) {
      if (!rights.canReadProjectEntry(p, project)) continue;
      const runs = readableRuns(p, project);
      let created: ServerRun | null = null;
      let updated: number | null = null;
      for (const r of runs) {
        if (r.createdAtMs !== null && (created === null || r.createdAtMs < created.createdAtMs!)) created = r;
        if (r.updatedAtMs !== null && (updated === null || r.updatedAtMs > updated)) updated = r.updatedAtMs;
      }
      projects.push({
        name: project.key,
        display_name: project.key,
        run_count: runs.length,
        created_at: created?.createdAt ?? null,
        updated_at: updated === null ? null : formatIsoMicros(updated),
        updated_at_ms: updated,
        owner: project.ownerName,
        owner_kind: project.ownerKind,
        project: project.name,
        visibility: project.visibility,
        access: rights.access(p, project),
      });
    }
    reply.header('cache-control', 'no-store');
    return { projects };
  });

  app.post('/api/server/projects', async (req, reply) => {
    const p = requireUser(req, 'write');
    const b = bodyOf(req);
    const ownerName = str(b, 'owner');
    const name = checkProjectName(b.name);
    const owner = await ownerByName(db, ownerName);
    const role =
      owner &&
      (p.isAdmin || Number(owner.id) === p.userId ? 'owner' : (p.roles.get(Number(owner.id)) ?? null));
    if (!owner || !role) throw apiError(404, 'not_found', 'Owner not found');
    if (role === 'viewer' || p.projectId !== null) throw forbidden();
    const visibility =
      b.visibility === undefined
        ? ctx.config.defaultVisibility
        : (visibilityOf(b.visibility, false) as Visibility);
    const { id, created } = await ensureProject(db.k, {
      ownerId: Number(owner.id),
      name,
      visibility,
      description: optStr(b, 'description'),
    });
    if (!created) throw apiError(409, 'name_taken', 'The owner already has a project of that name');
    await audit(db, {
      actorId: p.userId,
      action: 'project_create',
      target: `${owner.name}/${name}`,
      ip: req.ip,
    });
    await index.poll();
    const project = index.projectById(id);
    if (!project) throw new Error('project not indexed');
    return reply.code(201).send(projectBody(p, project));
  });

  app.get('/api/server/project/:seg', async (req, reply) => {
    const project = readableProject(req);
    reply.header('cache-control', 'no-store');
    return projectBody(req.principal, project);
  });

  app.patch('/api/server/project/:seg', async (req) => {
    const p = req.principal;
    if (!p) throw notAuthenticated();
    const project = readableProject(req);
    requireSession(req);
    if (!rights.canManageProject(p, project)) throw forbidden();
    const b = bodyOf(req);
    const set: { visibility?: Visibility; description?: string | null } = {};
    if (b.visibility !== undefined) set.visibility = visibilityOf(b.visibility, false) as Visibility;
    if (b.description !== undefined) set.description = optStr(b, 'description');
    if (Object.keys(set).length === 0) throw apiError(400, 'no_update_fields', 'No update fields provided');
    await db.k.transaction().execute(async (tx) => {
      await tx.updateTable('projects').set(set).where('id', '=', project.id).execute();
      await addChange(tx, project.id, 'project', { project_id: project.id });
    });
    await audit(db, {
      actorId: p.userId,
      action: 'project_update',
      target: project.key,
      ip: req.ip,
      detail: set,
    });
    await index.poll();
    return projectBody(p, index.projectById(project.id) ?? project);
  });

  app.delete('/api/server/project/:seg', async (req, reply) => {
    const p = req.principal;
    if (!p) throw notAuthenticated();
    const project = readableProject(req);
    requireSession(req);
    if (!rights.canManageProject(p, project)) throw forbidden();
    const runs = index.runsOfProject(project.id);
    for (const run of runs)
      if (run.status === 'running') throw apiError(409, 'run_busy', 'A run of the project is running');
    for (const run of runs) await trashRun(run);
    await db.k.transaction().execute(async (tx) => {
      // Deleted runs keep their rows (marked deleted) for the audit trail; the project row goes.
      await tx
        .deleteFrom('runs')
        .where('project_id', '=', project.id)
        .where('deleted_ms', 'is not', null)
        .execute();
      await tx.deleteFrom('projects').where('id', '=', project.id).execute();
      await addChange(tx, project.id, 'project', { project_id: project.id, deleted: true });
    });
    await audit(db, { actorId: p.userId, action: 'project_delete', target: project.key, ip: req.ip });
    await index.poll();
    return reply.code(204).send();
  });

  app.put('/api/server/project/:seg/runs/:id/visibility', async (req) => {
    const p = req.principal;
    if (!p) throw notAuthenticated();
    const project = readableProject(req);
    const run = readableRun(req, project);
    requireSession(req);
    if (!rights.canManageProject(p, project)) throw forbidden();
    const visibility = visibilityOf(bodyOf(req).visibility, true);
    await updateRun(db.k, run.facts.pk, { visibility }, 'updated');
    await audit(db, {
      actorId: p.userId,
      action: 'run_visibility',
      target: `${project.key}/${run.runId}`,
      ip: req.ip,
      detail: { visibility },
    });
    await index.poll();
    const after = (index.runByPk(run.facts.pk) ?? run) as ServerRun;
    return {
      project: project.key,
      run_id: run.runId,
      visibility,
      effective_visibility: rights.runVisibility(after, project),
    };
  });

  /** Moves a run folder to .kobo/trash/<utc time>-<random>/ and marks its row deleted. */
  async function trashRun(run: ServerRun): Promise<void> {
    await ctx.leases
      .withLease(`run:${run.facts.pk}`, { waitMs: 0 }, async () => {
        const trash = join(
          index.dataDir,
          '.kobo',
          'trash',
          `${new Date().toISOString().replace(/[:.]/g, '-')}-${randomBytes(4).toString('hex')}`,
        );
        mkdirSync(trash, { recursive: true });
        renameSync(index.runDir(run), join(trash, run.folder));
        await db.k.transaction().execute((tx) => markRunDeleted(tx, run.facts.pk));
      })
      .catch((err) => {
        if (err instanceof LeaseBusyError)
          throw apiError(409, 'run_busy', 'The run is being written', { 'retry-after': '5' });
        throw err;
      });
  }

  app.delete('/api/server/project/:seg/runs/:id', async (req, reply) => {
    const p = req.principal;
    if (!p) throw notAuthenticated();
    const project = readableProject(req);
    const run = readableRun(req, project);
    requireSession(req);
    if (!rights.canDeleteRun(p, run, project)) throw forbidden();
    if (run.status === 'running')
      throw apiError(409, 'run_busy', 'The run is running', { 'retry-after': '5' });
    await trashRun(run);
    await audit(db, {
      actorId: p.userId,
      action: 'run_delete',
      target: `${project.key}/${run.runId}`,
      ip: req.ip,
    });
    await index.poll();
    return reply.code(204).send();
  });

  app.post('/api/server/project/:seg/sync', async () => {
    throw apiError(
      410,
      'legacy_sync_unsupported',
      'The full-folder sync of old clients is not supported; upgrade the client',
    );
  });
}
