/**
 * The sweep for runs copied into the data dir by hand (docs/server.md#dropped-runs). One process at
 * a time sweeps: the holder of the `scanner` lease, at startup, every --scan-interval and on request. New
 * folders get a row (source `dropped`, owned by --dropped-owner or by `users/<owner>/`) and an `added`
 * change; changed folders (metadata.json, data/metadata.db or its -wal) get new index values, running runs
 * every 2 s; a folder missing from two sweeps is marked deleted.
 */
import { join } from 'node:path';
import { probeRun, runStamps } from 'kohakuboard/read-api';
import { splitRunFolderName } from 'kohakuboard/storage';
import { isValidProjectName } from '../auth/names.js';
import type { ServerConfig } from '../config/resolve.js';
import { getSetting, ownerByName } from '../db/accounts.js';
import { addChange, ensureProject, insertRun, liveRuns, markRunDeleted, updateRun } from '../db/catalog.js';
import type { Database } from '../db/database.js';
import type { Leases } from '../db/leases.js';
import type { RunRow } from '../db/schema.js';
import { type IndexColumns, indexColumns, recordFromRow } from '../index/run-row.js';
import { RunGrowth } from './run-growth.js';
import { DataDirWalker, type FoundRun } from './walk.js';

const RUNNING_REFRESH_MS = 2000;

function stampKey(dir: string): string {
  const s = runStamps(dir);
  const f = (x: { size: number; mtimeMs: number; ino: number } | null) =>
    x ? `${x.ino}.${x.size}.${x.mtimeMs}` : '-';
  return `${f(s.metadataJson)}|${f(s.metadataDb)}|${f(s.metadataDbWal)}`;
}

const VISIBLE: Array<keyof IndexColumns> = ['name', 'annotation', 'finished_at', 'status', 'created_at'];
const DATA: Array<keyof IndexColumns> = ['last_step', 'last_ts_ms', 'first_ts_ms', 'has_global_step'];

export interface ScannerOptions {
  db: Database;
  leases: Leases;
  config: ServerConfig;
  realDataDir: string;
  log: (level: 'info' | 'warn' | 'error', message: string) => void;
}

export class Scanner {
  private readonly walker: DataDirWalker;
  private readonly missing = new Map<string, number>();
  private readonly stamps = new Map<string, string>();
  private readonly warned = new Set<string>();
  private sweepTimer: NodeJS.Timeout | null = null;
  private runningTimer: NodeJS.Timeout | null = null;
  private busy: Promise<void> | null = null;
  private holding: number | null = null;
  private readonly growth: RunGrowth;

  constructor(private readonly o: ScannerOptions) {
    this.walker = new DataDirWalker(o.realDataDir, (m) => this.warnOnce(m));
    this.growth = new RunGrowth(o.realDataDir);
  }

  private warnOnce(message: string): void {
    if (this.warned.has(message)) return;
    this.warned.add(message);
    this.o.log('warn', message);
  }

  start(): this {
    void this.requestSweep();
    this.sweepTimer = setInterval(() => void this.requestSweep(), this.o.config.scanIntervalS * 1000);
    this.sweepTimer.unref();
    this.runningTimer = setInterval(() => void this.refreshRunning(), RUNNING_REFRESH_MS);
    this.runningTimer.unref();
    return this;
  }

  async stop(): Promise<void> {
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    if (this.runningTimer) clearInterval(this.runningTimer);
    await this.busy;
    if (this.holding !== null) await this.o.leases.release('scanner', this.holding).catch(() => undefined);
    this.holding = null;
  }

  /** A sweep now, unless one is running (then that one's end). */
  requestSweep(): Promise<void> {
    this.busy ??= this.sweepIfHolder().finally(() => {
      this.busy = null;
    });
    return this.busy;
  }

  /** Holds (or renews) the scanner lease; false when another process holds it. */
  private async hold(): Promise<boolean> {
    const ttl = Math.max(30_000, this.o.config.scanIntervalS * 3000);
    const epoch = await this.o.leases.tryAcquire('scanner', ttl);
    if (epoch === null) {
      this.holding = null;
      return false;
    }
    // Another process swept in between: what this one remembers about folders is stale.
    if (this.holding === null || epoch !== this.holding + 1) {
      this.stamps.clear();
      this.missing.clear();
    }
    this.holding = epoch;
    return true;
  }

  private async sweepIfHolder(): Promise<void> {
    try {
      if (!(await this.hold())) return;
      await this.sweep();
    } catch (err) {
      this.o.log('error', `scanner: ${(err as Error).message}`);
    }
  }

  private async droppedOwner(): Promise<{ id: number; name: string } | null> {
    const name = this.o.config.noAuth
      ? 'local'
      : (this.o.config.droppedOwner ?? (await getSetting(this.o.db, 'dropped_owner')));
    if (!name) return null;
    const owner = await ownerByName(this.o.db, name);
    if (!owner) {
      this.warnOnce(`dropped runs wait: the owner "${name}" does not exist`);
      return null;
    }
    return { id: Number(owner.id), name: owner.name };
  }

  async sweep(): Promise<void> {
    const { db } = this.o;
    const found = this.walker.walk();
    const rows = new Map((await liveRuns(db)).map((r) => [r.folder, r]));
    const dropped = await this.droppedOwner();
    const owners = new Map<string, number | null>();
    const ownerId = async (f: FoundRun): Promise<number | null> => {
      if (f.owner === null) return dropped?.id ?? null;
      if (!owners.has(f.owner))
        owners.set(f.owner, Number((await ownerByName(db, f.owner))?.id ?? NaN) || null);
      return owners.get(f.owner) ?? null;
    };
    const seen = new Set<string>();
    for (const f of found) {
      seen.add(f.folder);
      this.missing.delete(f.folder);
      const row = rows.get(f.folder);
      try {
        if (row) {
          await this.refresh(row);
          if (row.source === 'dropped' && f.owner === null && dropped)
            await this.takeOver(row, f, dropped.id);
        } else {
          const owner = await ownerId(f);
          if (owner !== null) await this.add(f, owner);
        }
      } catch (err) {
        this.o.log('error', `scanner: ${f.folder}: ${(err as Error).message}`);
      }
    }
    for (const [folder, row] of rows) {
      if (seen.has(folder)) continue;
      const n = (this.missing.get(folder) ?? 0) + 1;
      this.missing.set(folder, n);
      if (n >= 2) {
        await db.k.transaction().execute((tx) => markRunDeleted(tx, row.id));
        this.missing.delete(folder);
        this.stamps.delete(folder);
      }
    }
  }

  private async add(f: FoundRun, ownerId: number): Promise<void> {
    if (!isValidProjectName(f.project)) {
      this.warnOnce(`skipping ${f.folder}: "${f.project}" is not a valid project name`);
      return;
    }
    const { db, config } = this.o;
    const dir = join(this.o.realDataDir, ...f.folder.split('/'));
    const { runId: runIdPart, annotation } = splitRunFolderName(f.name);
    const stamp = stampKey(dir);
    const probe = probeRun({
      project: f.project,
      dir,
      folder: f.name,
      runId: runIdPart,
      annotation,
      layout: f.layout,
      owner: f.owner,
    });
    const cols = indexColumns(this.o.realDataDir, probe, config.staleAfterS * 1000);
    await db.k.transaction().execute(async (tx) => {
      const { id: projectId } = await ensureProject(tx, {
        ownerId,
        name: f.project,
        visibility: config.droppedVisibility,
      });
      const taken = async (id: string) =>
        (await tx
          .selectFrom('runs')
          .select('id')
          .where('project_id', '=', projectId)
          .where('run_id_key', '=', id.toLowerCase())
          .where('deleted_ms', 'is', null)
          .executeTakeFirst()) !== undefined;
      let runId = runIdPart;
      if (await taken(runId)) runId = f.name;
      if (await taken(runId)) {
        this.warnOnce(`skipping ${f.folder}: its run id is taken in ${f.project}`);
        return;
      }
      await insertRun(tx, {
        project_id: projectId,
        run_id: runId,
        run_id_key: runId.toLowerCase(),
        folder: f.folder,
        source: 'dropped',
        visibility: 'inherit',
        created_by: null,
        fingerprint: null,
        log_hashes: '{}',
        pending_media: '[]',
        data_version: 0,
        deleted_ms: null,
        ...cols,
      });
    });
    this.stamps.set(f.folder, stamp);
  }

  /**
   * Re-reads a run whose files changed since the last look; stores new values with their change kinds: an
   * `updated` change when what listings show changed, a `data` change saying what grew. Uploaded runs are
   * left to the uploads, which store their rows and announce what they wrote themselves.
   */
  private async refresh(row: RunRow): Promise<void> {
    if (row.source === 'sync') return;
    const dir = join(this.o.realDataDir, ...row.folder.split('/'));
    const stamp = stampKey(dir);
    if (this.stamps.get(row.folder) === stamp) return;
    const folderName = row.folder.slice(row.folder.lastIndexOf('/') + 1);
    const { runId, annotation } = splitRunFolderName(folderName);
    const layout = row.folder.startsWith('users/')
      ? 'users'
      : row.folder.includes('/')
        ? 'project'
        : 'legacy';
    const probe = probeRun({ project: '', dir, folder: folderName, runId, annotation, layout, owner: null });
    const staleAfterMs = this.o.config.staleAfterS * 1000;
    const cols = indexColumns(this.o.realDataDir, probe, staleAfterMs);
    this.stamps.set(row.folder, stamp);
    const grown = this.growth.look(recordFromRow({ ...row, ...cols }, '', this.o.realDataDir, staleAfterMs));
    const visible = VISIBLE.some((k) => cols[k] !== row[k]) || cols.config_json !== row.config_json;
    const data = DATA.some((k) => cols[k] !== row[k]);
    const activity = cols.last_activity_ms !== row.last_activity_ms;
    if (!visible && !data && !activity && !grown) return;
    await this.o.db.k.transaction().execute(async (tx) => {
      await updateRun(
        tx,
        row.id,
        { ...cols, data_version: Number(row.data_version) + (data || grown ? 1 : 0) },
        visible ? 'updated' : 'data',
        visible ? {} : (grown ?? {}),
      );
      if (visible && (data || grown)) await addChange(tx, row.id, 'data', grown ?? {});
    });
  }

  /** A new --dropped-owner takes over the dropped runs outside users/. */
  private async takeOver(row: RunRow, f: FoundRun, ownerId: number): Promise<void> {
    const project = await this.o.db.k
      .selectFrom('projects')
      .select(['owner_id', 'name'])
      .where('id', '=', row.project_id)
      .executeTakeFirst();
    if (!project || Number(project.owner_id) === ownerId) return;
    await this.o.db.k.transaction().execute(async (tx) => {
      const { id } = await ensureProject(tx, {
        ownerId,
        name: f.project,
        visibility: this.o.config.droppedVisibility,
      });
      await updateRun(tx, row.id, { project_id: id }, 'updated');
    });
  }

  /** Running runs are re-read every 2 s (by the scanner lease's holder). */
  private async refreshRunning(): Promise<void> {
    if (this.holding === null || this.busy) return;
    try {
      const rows = await this.o.db.k
        .selectFrom('runs')
        .selectAll()
        .where('deleted_ms', 'is', null)
        .where('status', 'in', ['running', 'stale'])
        .execute();
      for (const r of rows) await this.refresh({ ...r, id: Number(r.id), project_id: Number(r.project_id) });
    } catch (err) {
      this.o.log('error', `scanner: ${(err as Error).message}`);
    }
  }
}
