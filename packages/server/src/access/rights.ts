/**
 * Rights (docs/server.md#permissions): a principal's role for a project's owner is `owner` when it
 * owns the project or is a site admin, else its membership role in the owning organization. Reading needs a
 * role or public visibility; writing needs owner, admin or member; managing needs owner or admin. A token
 * restricted to one project acts as anonymous elsewhere. The checks are synchronous, over the index.
 */

import type { FastifyRequest } from 'fastify';
import type { AccessCheck, RunRecord } from 'kohakuboard/read-api';
import type { OrgRole } from '../db/schema.js';
import { parseProjectRef } from '../http/project-urls.js';
import { isServerRun, type ServerRun } from '../index/run-row.js';
import type { ProjectEntry, ServerIndex } from '../index/server-index.js';
import type { Principal } from './principal.js';

export type Role = OrgRole;

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
}

export class Rights implements AccessCheck {
  private readonly publicRuns = new WeakMap<readonly ServerRun[], boolean>();

  constructor(
    readonly index: ServerIndex,
    private readonly options: { noAnonymous: boolean },
  ) {}

  async principal(req: FastifyRequest): Promise<Principal | null> {
    return req.principal ?? null;
  }

  /** A project key from a URL segment or query value; a bare name is the caller's project. */
  projectKey(req: FastifyRequest, segment: string): string {
    const ref = parseProjectRef(segment);
    if ('key' in ref) return this.index.project(ref.key)?.key ?? ref.key;
    // An anonymous caller has no projects: a key no owner can have.
    const owner = req.principal?.username ?? ':anonymous';
    return this.index.project(`${owner}/${ref.bare}`)?.key ?? `${owner}/${ref.bare}`;
  }

  /** The principal as it acts on this project: a token restricted to another project acts as anonymous. */
  actingOn(p: Principal | null, project: ProjectEntry): Principal | null {
    if (p && p.projectId !== null && p.projectId !== project.id) return null;
    return p;
  }

  role(p: Principal | null, project: ProjectEntry): Role | null {
    const acting = this.actingOn(p, project);
    if (!acting) return null;
    if (acting.isAdmin || acting.userId === project.ownerId) return 'owner';
    return acting.roles.get(project.ownerId) ?? null;
  }

  private publicAllowed(p: Principal | null, project: ProjectEntry): boolean {
    return !this.options.noAnonymous || this.actingOn(p, project) !== null;
  }

  runVisibility(run: ServerRun, project: ProjectEntry): 'public' | 'private' {
    return run.facts.visibility === 'inherit' ? project.visibility : run.facts.visibility;
  }

  private hasPublicRun(project: ProjectEntry): boolean {
    const runs = this.index.runsOfProject(project.id);
    let v = this.publicRuns.get(runs);
    if (v === undefined) {
      v = runs.some((r) => r.facts.visibility === 'public');
      this.publicRuns.set(runs, v);
    }
    return v;
  }

  canReadProjectEntry(p: Principal | null, project: ProjectEntry): boolean {
    if (this.role(p, project)) return true;
    if (!this.publicAllowed(p, project)) return false;
    return project.visibility === 'public' || this.hasPublicRun(project);
  }

  canReadProject(p: Principal | null, projectKey: string): boolean {
    const project = this.index.project(projectKey);
    return project !== null && this.canReadProjectEntry(p, project);
  }

  canReadRun(p: Principal | null, run: RunRecord): boolean {
    if (!isServerRun(run)) return false;
    const project = this.index.projectById(run.facts.projectId);
    if (!project) return false;
    if (this.role(p, project)) return true;
    return this.publicAllowed(p, project) && this.runVisibility(run, project) === 'public';
  }

  canWriteProject(p: Principal | null, project: ProjectEntry): boolean {
    const role = this.role(p, project);
    return role === 'owner' || role === 'admin' || role === 'member';
  }

  canWriteRun(p: Principal | null, run: RunRecord): boolean {
    if (!isServerRun(run)) return false;
    const project = this.index.projectById(run.facts.projectId);
    return project !== null && this.canWriteProject(p, project) && (p?.scopes.has('write') ?? false);
  }

  canManageProject(p: Principal | null, project: ProjectEntry): boolean {
    const role = this.role(p, project);
    return role === 'owner' || role === 'admin';
  }

  /** Deleting a run: managers, and a member for the runs it created. */
  canDeleteRun(p: Principal | null, run: ServerRun, project: ProjectEntry): boolean {
    if (this.canManageProject(p, project)) return true;
    return this.role(p, project) === 'member' && p !== null && run.facts.createdBy === p.userId;
  }

  /** The access a principal has, for listings: manage, write or read. */
  access(p: Principal | null, project: ProjectEntry): 'manage' | 'write' | 'read' {
    if (this.canManageProject(p, project)) return 'manage';
    if (this.canWriteProject(p, project)) return 'write';
    return 'read';
  }
}
