/**
 * The server's run index (docs/server.md#read-api): the read API's index interface over the `runs`
 * table. Each process loads the live runs and projects once, then follows `run_changes` every 500 ms, so
 * that a change made by any process (the scanner, an upload, a PATCH) reaches every process's listings and
 * event stream. A gap in the sequence (PostgreSQL commits sequence values out of order) is waited for up to
 * 5 s before it is skipped.
 */
import { realpathSync } from 'node:fs';
import { sep } from 'node:path';
import {
  compareDefault,
  type ProjectInfo,
  probeRun,
  type ReadIndex,
  type RunRecord,
  summarizeProject,
} from 'kohakuboard/read-api';
import { formatIsoMicros, splitRunFolderName } from 'kohakuboard/storage';
import {
  allProjects,
  type ChangeRow,
  changesAfter,
  liveRuns,
  maxChangeSeq,
  type ProjectWithOwner,
  recentChanges,
  runByPk,
  updateRun,
} from '../db/catalog.js';
import type { Database } from '../db/database.js';
import type { RunRow, Visibility } from '../db/schema.js';
import { invalidName } from '../http/api-error.js';
import type { SequencedEventHub } from './change-events.js';
import { currentStatus, indexColumns, isServerRun, recordFromRow, type ServerRun } from './run-row.js';

export interface ProjectEntry {
  id: number;
  /** `owner/name`. */
  key: string;
  ownerId: number;
  ownerName: string;
  ownerKind: 'user' | 'org';
  name: string;
  visibility: Visibility;
  description: string | null;
  createdMs: number;
}

class ProjectRuns {
  readonly byPk = new Map<number, ServerRun>();
  private sortedCache: ServerRun[] | null = null;
  sorted(): ServerRun[] {
    this.sortedCache ??= [...this.byPk.values()].sort(compareDefault);
    return this.sortedCache;
  }
  invalidate(): void {
    this.sortedCache = null;
  }
}

export interface ServerIndexOptions {
  dataDir: string;
  staleAfterMs: number;
  pollMs?: number;
  events?: SequencedEventHub | null;
  log?: (level: 'warn' | 'error', message: string) => void;
}

const GAP_WAIT_MS = 5000;
/** How long changes stay in run_changes (the hourly purge), so how far back a stream can replay. */
const CHANGES_KEPT_MS = 15 * 60_000;

export class ServerIndex implements ReadIndex {
  readonly indexing = false;
  private readonly realDataDir: string;
  private readonly projectsById = new Map<number, ProjectEntry>();
  private readonly projectsByKey = new Map<string, ProjectEntry>();
  private readonly runsByProject = new Map<number, ProjectRuns>();
  private readonly runsByPk = new Map<number, ServerRun>();
  private readonly runsByFolder = new Map<string, ServerRun>();
  private seq = 0;
  private gapSince: number | null = null;
  private timer: NodeJS.Timeout | null = null;
  private polling: Promise<void> | null = null;
  private lastStaleCheck = 0;
  private projectsCache: ProjectInfo[] | null = null;

  constructor(
    private readonly db: Database,
    private readonly options: ServerIndexOptions,
  ) {
    this.realDataDir = realpathSync(options.dataDir);
  }

  get dataDir(): string {
    return this.realDataDir;
  }

  async load(): Promise<this> {
    const seq = await maxChangeSeq(this.db);
    const recent = (await recentChanges(this.db, Date.now() - CHANGES_KEPT_MS)).filter((c) => c.seq <= seq);
    await this.reloadProjects();
    for (const row of await liveRuns(this.db)) this.place(row);
    this.seq = seq;
    // Recent changes are replayed to streams that reconnect with an older Last-Event-ID (as far as the
    // table holds them), announced with the runs as they are now.
    const hub = this.options.events;
    if (hub) {
      hub.startAt(recent.length ? recent[0].seq - 1 : seq);
      for (const c of recent) {
        const run = this.runsByPk.get(c.run_pk) ?? null;
        if (c.kind !== 'project' && run) this.publish(c, run, c.kind === 'removed' ? null : run);
      }
      hub.advanceTo(seq);
    }
    return this;
  }

  start(): this {
    this.timer = setInterval(() => {
      void this.poll();
    }, this.options.pollMs ?? 500);
    this.timer.unref();
    return this;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Reads new changes now (tests and the routes that changed something use it to see their change at once). */
  poll(): Promise<void> {
    this.polling ??= this.pollOnce().finally(() => {
      this.polling = null;
    });
    return this.polling;
  }

  private async pollOnce(): Promise<void> {
    try {
      const rows = await changesAfter(this.db, this.seq);
      const ready: ChangeRow[] = [];
      let expected = this.seq + 1;
      for (const c of rows) {
        if (c.seq !== expected) {
          this.gapSince ??= Date.now();
          if (Date.now() - this.gapSince < GAP_WAIT_MS) break;
        }
        this.gapSince = null;
        ready.push(c);
        expected = c.seq + 1;
      }
      if (ready.length) this.seq = ready[ready.length - 1].seq;
      await this.apply(ready);
      this.refreshStale();
    } catch (err) {
      this.options.log?.('error', `run index: cannot read changes: ${(err as Error).message}`);
    }
  }

  private async apply(changes: ChangeRow[]): Promise<void> {
    if (changes.some((c) => c.kind === 'project')) {
      await this.reloadProjects();
      // Runs show the project key: rebuild those of projects that changed owner or name.
      for (const r of [...this.runsByPk.values()]) {
        const p = this.projectsById.get(r.facts.projectId);
        if (!p || p.key !== r.project) {
          const row = await runByPk(this.db, r.facts.pk);
          if (row) this.place(row);
        }
      }
    }
    const rows = new Map<number, RunRow | null>();
    for (const c of changes) {
      if (c.kind === 'project' || rows.has(c.run_pk)) continue;
      rows.set(c.run_pk, await runByPk(this.db, c.run_pk));
    }
    for (const c of changes) {
      if (c.kind === 'project') continue;
      const row = rows.get(c.run_pk) ?? null;
      const before = this.runsByPk.get(c.run_pk) ?? null;
      const after = row && row.deleted_ms === null ? this.place(row) : this.remove(c.run_pk);
      this.publish(c, before, after);
    }
  }

  private publish(c: ChangeRow, before: ServerRun | null, after: ServerRun | null): void {
    const hub = this.options.events;
    if (!hub) return;
    if (c.kind === 'removed' || (!after && before)) {
      if (before)
        hub.publishAt(c.seq, 'run_removed', { project: before.project, run_id: before.runId }, before);
      return;
    }
    if (!after) return;
    if (c.kind === 'added') {
      hub.publishAt(
        c.seq,
        'run_added',
        {
          project: after.project,
          run_id: after.runId,
          name: after.name,
          annotation: after.annotation,
          created_at: after.createdAt,
          status: after.status,
        },
        after,
      );
    } else if (c.kind === 'updated') {
      hub.publishAt(
        c.seq,
        'run_updated',
        {
          project: after.project,
          run_id: after.runId,
          name: after.name,
          annotation: after.annotation,
          finished_at: after.finishedAt,
          status: after.status,
        },
        after,
      );
    } else if (c.kind === 'data') {
      let summary: Record<string, unknown> = {};
      try {
        summary = JSON.parse(c.summary) as Record<string, unknown>;
      } catch {
        /* an empty summary */
      }
      hub.publishAt(
        c.seq,
        'run_data',
        {
          ...summary,
          project: after.project,
          run_id: after.runId,
          last_step: after.lastStep,
          updated_at: after.updatedAtMs === null ? null : formatIsoMicros(after.updatedAtMs),
          updated_at_ms: after.updatedAtMs,
        },
        after,
      );
    }
  }

  private async reloadProjects(): Promise<void> {
    const rows = await allProjects(this.db);
    this.projectsById.clear();
    this.projectsByKey.clear();
    for (const p of rows) {
      const e = toEntry(p);
      this.projectsById.set(e.id, e);
      this.projectsByKey.set(e.key.toLowerCase(), e);
    }
    this.projectsCache = null;
  }

  private place(row: RunRow): ServerRun | null {
    const project = this.projectsById.get(row.project_id);
    if (!project) return null;
    this.remove(row.id);
    const rec = recordFromRow(row, project.key, this.realDataDir, this.options.staleAfterMs);
    this.runsByPk.set(row.id, rec);
    this.runsByFolder.set(rec.key, rec);
    let list = this.runsByProject.get(row.project_id);
    if (!list) {
      list = new ProjectRuns();
      this.runsByProject.set(row.project_id, list);
    }
    list.byPk.set(row.id, rec);
    list.invalidate();
    this.projectsCache = null;
    return rec;
  }

  private remove(pk: number): null {
    const old = this.runsByPk.get(pk);
    if (!old) return null;
    this.runsByPk.delete(pk);
    if (this.runsByFolder.get(old.key) === old) this.runsByFolder.delete(old.key);
    const list = this.runsByProject.get(old.facts.projectId);
    if (list) {
      list.byPk.delete(pk);
      list.invalidate();
    }
    this.projectsCache = null;
    return null;
  }

  /** Running runs turn stale with time alone: replaced by new records (listings cache per record list). */
  private refreshStale(now = Date.now()): void {
    if (now - this.lastStaleCheck < 5000) return;
    this.lastStaleCheck = now;
    for (const r of this.runsByPk.values()) {
      if (r.status !== 'running') continue;
      const status = currentStatus(r.status, r.lastActivityMs, now, this.options.staleAfterMs);
      if (status === r.status) continue;
      const next: ServerRun = { ...r, status };
      this.runsByPk.set(r.facts.pk, next);
      this.runsByFolder.set(next.key, next);
      const list = this.runsByProject.get(r.facts.projectId);
      list?.byPk.set(r.facts.pk, next);
      list?.invalidate();
    }
  }

  // ---- project catalog (the access check and the server's routes) ----

  project(key: string): ProjectEntry | null {
    return this.projectsByKey.get(key.toLowerCase()) ?? null;
  }

  projectById(id: number): ProjectEntry | null {
    return this.projectsById.get(id) ?? null;
  }

  allProjects(): ProjectEntry[] {
    return [...this.projectsById.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  runsOfProject(projectId: number): readonly ServerRun[] {
    return this.runsByProject.get(projectId)?.sorted() ?? [];
  }

  runByPk(pk: number): ServerRun | null {
    return this.runsByPk.get(pk) ?? null;
  }

  runByFolder(folder: string): ServerRun | null {
    return this.runsByFolder.get(folder) ?? null;
  }

  get size(): number {
    return this.runsByPk.size;
  }

  // ---- the read API's index interface ----

  projects(): ProjectInfo[] {
    this.projectsCache ??= this.allProjects()
      .filter((p) => (this.runsByProject.get(p.id)?.byPk.size ?? 0) > 0)
      .map((p) => summarizeProject(p.key, this.runsOfProject(p.id)));
    return this.projectsCache;
  }

  runs(projectKey: string): readonly RunRecord[] | null {
    const p = this.project(projectKey);
    return p ? this.runsOfProject(p.id) : null;
  }

  resolve(projectKey: string, runIdOrFolder: string): RunRecord | null {
    const p = this.project(projectKey);
    if (!p) return null;
    const runs = this.runsOfProject(p.id);
    let best: ServerRun | null = null;
    for (const r of runs) if (r.folder === runIdOrFolder && (!best || r.key < best.key)) best = r;
    if (best) return best;
    for (const r of runs) {
      if (r.runIdPart !== runIdOrFolder && r.runId !== runIdOrFolder) continue;
      if (!best || r.folder < best.folder || (r.folder === best.folder && r.key < best.key)) best = r;
    }
    return best;
  }

  /** The run's folder, resolved through symbolic links; outside the data dir it is refused (400, logged). */
  runDir(run: RunRecord): string {
    let real: string;
    try {
      real = realpathSync(run.dir);
    } catch {
      return run.dir;
    }
    if (!real.startsWith(this.realDataDir + sep)) {
      this.options.log?.('error', `run folder ${run.key} resolves outside the data dir; refused`);
      throw invalidName('Invalid run folder');
    }
    return real;
  }

  findBoard(board: string, visible: (run: RunRecord) => boolean): RunRecord | null {
    for (const p of this.allProjects()) {
      const runs = this.runsOfProject(p.id).filter(visible);
      const exact = runs.filter((r) => r.folder === board).sort((a, b) => (a.key < b.key ? -1 : 1))[0];
      if (exact) return exact;
      const part = runs
        .filter((r) => r.runIdPart === board)
        .sort((a, b) => (a.folder < b.folder ? -1 : 1))[0];
      if (part) return part;
    }
    return null;
  }

  /** After PATCH rewrote metadata.json: re-read the folder now, store the new values for every process. */
  refreshRun(key: string): RunRecord | null {
    const old = this.runsByFolder.get(key);
    if (!old) return null;
    return this.reprobe(old, old.key);
  }

  /** After PATCH renamed the folder (a new annotation). */
  renameRun(key: string, newDir: string, newFolder: string): RunRecord | null {
    const old = this.runsByFolder.get(key);
    if (!old) return null;
    const parent = key.includes('/') ? key.slice(0, key.lastIndexOf('/') + 1) : '';
    void newDir;
    return this.reprobe(old, `${parent}${newFolder}`);
  }

  private reprobe(old: ServerRun, folder: string): ServerRun {
    const folderName = folder.slice(folder.lastIndexOf('/') + 1);
    const { runId, annotation } = splitRunFolderName(folderName);
    const dir = `${this.realDataDir}/${folder}`;
    const probe = probeRun({
      project: old.project,
      dir,
      folder: folderName,
      runId,
      annotation,
      layout: old.layout,
      owner: null,
    });
    const cols = indexColumns(this.realDataDir, probe, this.options.staleAfterMs);
    const row = this.rowOf(old, folder, cols);
    const rec = this.place(row) ?? old;
    updateRun(this.db.k, old.facts.pk, { ...cols, folder }, 'updated').catch((err: Error) =>
      this.options.log?.('error', `run index: cannot store run ${folder}: ${err.message}`),
    );
    return rec;
  }

  private rowOf(old: ServerRun, folder: string, cols: ReturnType<typeof indexColumns>): RunRow {
    return {
      id: old.facts.pk,
      project_id: old.facts.projectId,
      run_id: old.runId,
      run_id_key: old.runId.toLowerCase(),
      folder,
      source: old.facts.source,
      visibility: old.facts.visibility,
      created_by: old.facts.createdBy,
      fingerprint: null,
      log_hashes: '{}',
      pending_media: '[]',
      data_version: old.facts.dataVersion,
      deleted_ms: null,
      ...cols,
    };
  }
}

function toEntry(p: ProjectWithOwner): ProjectEntry {
  return {
    id: p.id,
    key: `${p.owner_name}/${p.name}`,
    ownerId: p.owner_id,
    ownerName: p.owner_name,
    ownerKind: p.owner_kind,
    name: p.name,
    visibility: p.visibility,
    description: p.description,
    createdMs: Number(p.created_ms),
  };
}

export { isServerRun };
