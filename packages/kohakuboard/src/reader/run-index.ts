/**
 * The run index (docs/api.md#run-index): one in-memory record per run, so that listings, /status and the
 * single-run record never open a run database.
 *
 * Refresh, with a per-tick cost proportional to projects plus hot runs (docs/api.md#event-change-detection):
 * - every tick, the folders that hold runs are stat-ed (RunTree), and the three files whose change means
 *   "re-read" (metadata.json, data/metadata.db, its -wal) of every hot run: running, recently changed, or
 *   recently stale;
 * - a slow sweep stats those three files of every other run, spread over time;
 * - file-system notifications on those folders and on hot runs only make the next tick come sooner.
 */
import { DEFAULT_PROJECT, deriveRunStatus, type RunLocation, StorageError } from '../storage/index.js';
import { asError } from '../util/error-text.js';
import { DataRoot } from './data-root.js';
import { sameStamp } from './file-stamp.js';
import { type DbRunner, probeRun, type RunProbe, type RunStamps, runStamps } from './run-probe.js';
import {
  buildRecord,
  lastActivity,
  type RunRecord,
  visiblyDifferent,
  withRunId,
  withStatus,
} from './run-record.js';
import { RunTree } from './run-tree.js';
import { WatchSet } from './watch-set.js';

export type IndexChange =
  | { type: 'added'; record: RunRecord }
  | { type: 'removed'; record: RunRecord }
  | { type: 'updated'; record: RunRecord; previous: RunRecord };

/** Probes many runs, possibly in worker threads; an entry is an Error when that run could not be probed. */
export type ProbeBatch = (locations: RunLocation[]) => Promise<Array<RunProbe | Error>>;

export interface RunIndexOptions {
  /** `--stale-after`, in ms (default 300 s). */
  staleAfterMs?: number;
  /** Tick period: containers and hot runs are stat-ed this often (default 1 s). */
  pollIntervalMs?: number;
  /** Period of the sweep over every run (default 60 s). */
  sweepIntervalMs?: number;
  /** How long a changed run stays hot (default 120 s). */
  hotWindowMs?: number;
  /** Use file-system notifications (default true). */
  watch?: boolean;
  /** Probes for the first scan and for runs that appear later (default: in this thread, yielding). */
  probeBatch?: ProbeBatch;
  /** How re-probes of changed runs run their queries (default: open, query, close). */
  withDb?: DbRunner;
  /** Called when a run goes away, so that its open handles can be closed. */
  onRunGone?: (dir: string) => void;
}

export interface ProjectInfo {
  name: string;
  runCount: number;
  /** The earliest created_at (as stored), compared as instants. */
  createdAt: string | null;
  /** The latest run updated_at (time of its latest step), in ms. */
  updatedAtMs: number | null;
}

const STALE_HOT_WINDOW_MS = 3_600_000;
const PROBE_BATCH_SIZE = 128;
const PROBE_LANES = 3;
const SWEEP_SLICE_MS = 8;

class ProjectRuns {
  readonly records = new Map<string, RunRecord>();
  readonly byRunIdPart = new Map<string, Set<string>>();
  private sortedCache: RunRecord[] | null = null;
  private infoCache: ProjectInfo | null = null;

  constructor(readonly name: string) {}

  invalidate(): void {
    this.sortedCache = null;
    this.infoCache = null;
  }

  /**
   * Runs in the default order: created_at descending (missing last), ties by run_id ascending
   * (docs/api.md#run-records).
   */
  sorted(): RunRecord[] {
    if (!this.sortedCache) this.sortedCache = [...this.records.values()].sort(compareDefault);
    return this.sortedCache;
  }

  info(): ProjectInfo {
    this.infoCache ??= summarizeProject(this.name, this.records.values());
    return this.infoCache;
  }
}

/**
 * A project's entry of docs/api.md#projects from its runs: count, earliest created_at (as instants), latest
 * step time.
 */
export function summarizeProject(name: string, runs: Iterable<RunRecord>): ProjectInfo {
  let count = 0;
  let created: RunRecord | null = null;
  let updated: number | null = null;
  for (const r of runs) {
    count++;
    if (r.createdAtMs !== null && (created === null || r.createdAtMs < created.createdAtMs!)) created = r;
    if (r.updatedAtMs !== null && (updated === null || r.updatedAtMs > updated)) updated = r.updatedAtMs;
  }
  return { name, runCount: count, createdAt: created?.createdAt ?? null, updatedAtMs: updated };
}

export function compareDefault(a: RunRecord, b: RunRecord): number {
  if (a.createdAtMs !== b.createdAtMs) {
    if (a.createdAtMs === null) return 1;
    if (b.createdAtMs === null) return -1;
    return b.createdAtMs - a.createdAtMs;
  }
  return a.runId < b.runId ? -1 : a.runId > b.runId ? 1 : 0;
}

/** Probes in this thread, yielding to the event loop between runs once a few milliseconds have passed. */
export function inlineProbeBatch(withDb?: DbRunner, root?: DataRoot): ProbeBatch {
  return async (locations) => {
    const out: Array<RunProbe | Error> = [];
    let sliceStart = performance.now();
    for (const loc of locations) {
      try {
        out.push(probeRun(loc, { withDb, root }));
      } catch (err) {
        out.push(asError(err));
      }
      if (performance.now() - sliceStart > 8) {
        await new Promise<void>((r) => setImmediate(r));
        sliceStart = performance.now();
      }
    }
    return out;
  };
}

export class RunIndex {
  readonly baseDir: string;
  readonly staleAfterMs: number;
  private readonly options: Required<
    Pick<RunIndexOptions, 'pollIntervalMs' | 'sweepIntervalMs' | 'hotWindowMs' | 'watch'>
  >;
  private readonly tree: RunTree;
  /** Every file a probe reads must resolve inside the data directory. */
  private readonly root: DataRoot;
  private readonly byKey = new Map<string, RunRecord>();
  private readonly byDir = new Map<string, string>();
  private readonly projectsByName = new Map<string, ProjectRuns>();
  private readonly hot = new Set<string>();
  private readonly listeners = new Set<(change: IndexChange) => void>();
  private readonly probeBatch: ProbeBatch;
  private readonly withDb?: DbRunner;
  private readonly onRunGone?: (dir: string) => void;
  private readonly watchers: WatchSet;
  private projectsCache: ProjectInfo[] | null = null;
  private timer: NodeJS.Timeout | null = null;
  private sweepTimer: NodeJS.Timeout | null = null;
  private soonTimer: NodeJS.Timeout | null = null;
  /** The tick and the sweep in progress; a caller that asks for another waits for it first. */
  private ticking: Promise<void> | null = null;
  private sweeping: Promise<void> | null = null;
  private closed = false;
  private initialScan = true;
  private pendingProbes = 0;
  private readyResolve!: () => void;
  /** Resolves when the first scan has indexed every run found. */
  readonly ready: Promise<void>;

  constructor(baseDir: string, options: RunIndexOptions = {}) {
    this.baseDir = baseDir;
    this.staleAfterMs = options.staleAfterMs ?? 300_000;
    this.options = {
      pollIntervalMs: options.pollIntervalMs ?? 1000,
      sweepIntervalMs: options.sweepIntervalMs ?? 60_000,
      hotWindowMs: options.hotWindowMs ?? 120_000,
      watch: options.watch ?? true,
    };
    this.tree = new RunTree(baseDir);
    this.root = new DataRoot(baseDir);
    this.withDb = options.withDb;
    this.probeBatch = options.probeBatch ?? inlineProbeBatch(options.withDb, this.root);
    this.onRunGone = options.onRunGone;
    this.watchers = new WatchSet(() => this.tickSoon(), 2048);
    this.ready = new Promise((resolve) => {
      this.readyResolve = resolve;
    });
  }

  /** Starts the first scan and the refresh timers. */
  start(): this {
    const { added } = this.tree.scan();
    this.enqueueProbes(added).finally(() => {
      this.initialScan = false;
      this.readyResolve();
    });
    this.timer = setInterval(() => {
      if (!this.ticking) void this.tick();
    }, this.options.pollIntervalMs);
    this.timer.unref();
    this.sweepTimer = setInterval(() => {
      if (!this.sweeping) void this.sweep();
    }, this.options.sweepIntervalMs);
    this.sweepTimer.unref();
    this.syncWatchers();
    return this;
  }

  /**
   * True while the first scan is still running: listings may be incomplete (docs/api.md#run-listing
   * `indexing`).
   */
  get indexing(): boolean {
    return this.initialScan;
  }

  get size(): number {
    return this.byKey.size;
  }

  onChange(listener: (change: IndexChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Projects with at least one run, by name in code-point order. */
  projects(): ProjectInfo[] {
    if (!this.projectsCache) {
      this.projectsCache = [...this.projectsByName.values()]
        .filter((p) => p.records.size > 0)
        .map((p) => p.info())
        .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    }
    return this.projectsCache;
  }

  /** The runs of a project in the default order; null for an unknown project (`default` always exists). */
  runs(project: string): readonly RunRecord[] | null {
    const p = this.projectsByName.get(project);
    if (p && p.records.size > 0) return p.sorted();
    return project === DEFAULT_PROJECT ? [] : null;
  }

  hasProject(project: string): boolean {
    return this.runs(project) !== null;
  }

  /** The folder of a run on disk. */
  runDir(run: RunRecord): string {
    return run.dir;
  }

  /** Folders named exactly `id`, by key. */
  private withFolderName(p: ProjectRuns, id: string): RunRecord[] {
    const out: RunRecord[] = [];
    for (const r of p.records.values()) if (r.folder === id) out.push(r);
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  /** Folders whose run_id part is `id`, by folder name, then key. */
  private withRunIdPart(p: ProjectRuns, id: string): RunRecord[] {
    const out = [...(p.byRunIdPart.get(id) ?? [])].map((key) => p.records.get(key)!);
    return out.sort((a, b) =>
      a.folder !== b.folder ? (a.folder < b.folder ? -1 : 1) : a.key < b.key ? -1 : a.key > b.key ? 1 : 0,
    );
  }

  /**
   * docs/api.md#run-resolution: a folder named exactly `id`, else the smallest folder whose run_id part is
   * `id`.
   */
  resolve(project: string, id: string): RunRecord | null {
    const p = this.projectsByName.get(project);
    if (!p) return null;
    return this.withFolderName(p, id)[0] ?? this.withRunIdPart(p, id)[0] ?? null;
  }

  /**
   * docs/api.md#media-by-id: over projects in name order, the first folder named `board`, else the first
   * whose run_id part is `board`; only runs that `visible` accepts count (a team server hides what the caller
   * cannot read).
   */
  findBoard(board: string, visible: (run: RunRecord) => boolean = () => true): RunRecord | null {
    const projects = [...this.projectsByName.keys()].sort().map((name) => this.projectsByName.get(name)!);
    for (const p of projects) for (const r of this.withFolderName(p, board)) if (visible(r)) return r;
    for (const p of projects) for (const r of this.withRunIdPart(p, board)) if (visible(r)) return r;
    return null;
  }

  get(key: string): RunRecord | undefined {
    return this.byKey.get(key);
  }

  records(): IterableIterator<RunRecord> {
    return this.byKey.values();
  }

  /** Runs that are running, changed recently, or went stale recently. */
  hotRecords(): RunRecord[] {
    return [...this.hot].map((k) => this.byKey.get(k)).filter((r): r is RunRecord => r !== undefined);
  }

  /** Re-reads one run now (after this process changed it). Returns the new record, or null if it is gone. */
  refreshRun(key: string): RunRecord | null {
    const record = this.byKey.get(key);
    if (!record) return null;
    this.reprobe(record, Date.now());
    return this.byKey.get(key) ?? null;
  }

  /** A run folder renamed by this process: moves the record and reports it as updated. */
  renameRun(key: string, newDir: string, newFolder: string): RunRecord | null {
    const record = this.byKey.get(key);
    if (!record) return null;
    const loc = this.tree.rename(record.dir, newDir, newFolder);
    if (!loc) return null;
    this.onRunGone?.(record.dir);
    let probe: RunProbe;
    try {
      probe = probeRun(loc, { previous: record.probe, withDb: this.withDb, root: this.root });
    } catch {
      return null;
    }
    this.removeRecord(record, false);
    const added = this.insertProbe(probe, Date.now(), false);
    this.emit({ type: 'updated', record: added, previous: record });
    return added;
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    if (this.soonTimer) clearTimeout(this.soonTimer);
    this.watchers.close();
  }

  /** Makes the next tick happen soon (a notification arrived). */
  tickSoon(): void {
    if (this.soonTimer || this.closed) return;
    this.soonTimer = setTimeout(() => {
      this.soonTimer = null;
      if (!this.ticking) void this.tick();
    }, 25);
    this.soonTimer.unref();
  }

  /** One refresh tick, after any tick in progress. Public for tests, which drive it without timers. */
  async tick(): Promise<void> {
    while (this.ticking) await this.ticking;
    if (this.closed) return;
    this.ticking = this.runTick().finally(() => {
      this.ticking = null;
    });
    return this.ticking;
  }

  private async runTick(): Promise<void> {
    const now = Date.now();
    const { added, removed } = this.tree.refresh();
    for (const dir of removed) {
      const key = this.byDir.get(dir);
      const record = key ? this.byKey.get(key) : undefined;
      if (record) this.removeRecord(record, true);
    }
    for (const key of [...this.hot]) {
      const record = this.byKey.get(key);
      if (!record) {
        this.hot.delete(key);
        continue;
      }
      this.checkRecord(record, now);
    }
    if (added.length) await this.enqueueProbes(added);
    this.syncWatchers();
  }

  /** The slow sweep over every run: three stats each, in time slices, after any sweep in progress. */
  async sweep(): Promise<void> {
    while (this.sweeping) await this.sweeping;
    if (this.closed) return;
    this.sweeping = this.runSweep().finally(() => {
      this.sweeping = null;
    });
    return this.sweeping;
  }

  private async runSweep(): Promise<void> {
    const keys = [...this.byKey.keys()];
    let slice = performance.now();
    for (const key of keys) {
      const record = this.byKey.get(key);
      if (record && !this.hot.has(key)) this.checkRecord(record, Date.now());
      // A changed run is re-read here, which costs more than a stat: yield often.
      if (performance.now() - slice > SWEEP_SLICE_MS) {
        await new Promise<void>((r) => setImmediate(r));
        if (this.closed) return;
        slice = performance.now();
      }
    }
  }

  // -------------------------------------------------------------------------------------------------------

  private emit(change: IndexChange): void {
    for (const l of this.listeners) {
      try {
        l(change);
      } catch {
        /* a listener's failure is its own */
      }
    }
  }

  private syncWatchers(): void {
    if (!this.options.watch) return;
    const dirs = this.tree.containerPaths();
    // Hot runs: their folder only (metadata.json rewrites); data growth is the activity tracker's concern.
    for (const r of this.hotRecords()) dirs.push(r.dir);
    this.watchers.sync(dirs);
  }

  private isHot(record: RunRecord, now: number): boolean {
    if (record.status === 'running') return true;
    if (now - record.changedAtMs < this.options.hotWindowMs) return true;
    return (
      record.status === 'stale' &&
      record.lastActivityMs !== null &&
      now - record.lastActivityMs < STALE_HOT_WINDOW_MS
    );
  }

  /** Stats a run's three files; re-probes when one changed; re-derives an activity-dependent status. */
  private checkRecord(record: RunRecord, now: number): void {
    const stamps = runStamps(record.dir);
    if (stamps.metadataJson === null) {
      this.tree.demote(record.dir);
      this.removeRecord(record, true);
      return;
    }
    if (!stampsEqual(stamps, record.probe.stamps)) {
      this.reprobe(record, now);
      return;
    }
    if (record.status === 'running' || record.status === 'stale') {
      const status = record.metadata
        ? deriveRunStatus(record.metadata, lastActivity(record.probe), now, this.staleAfterMs)
        : record.status;
      if (status !== record.status) this.replace(record, withStatus(record, status));
    }
    if (!this.isHot(record, now)) this.hot.delete(record.key);
  }

  private reprobe(record: RunRecord, now: number): void {
    let probe: RunProbe;
    try {
      probe = probeRun(record.probe.location, {
        previous: record.probe,
        withDb: this.withDb,
        activity: true,
        root: this.root,
      });
    } catch (err) {
      if (err instanceof StorageError && err.code === 'ENOTRUN') {
        this.tree.demote(record.dir);
        this.removeRecord(record, true);
      }
      return;
    }
    const next = buildRecord(this.baseDir, probe, record.runId, now, this.staleAfterMs, now);
    this.replace(record, next);
  }

  private replace(previous: RunRecord, next: RunRecord): void {
    const p = this.projectsByName.get(previous.project);
    if (!p || p.records.get(previous.key) !== previous) return;
    p.records.set(next.key, next);
    this.byKey.set(next.key, next);
    p.invalidate();
    this.projectsCache = null;
    if (this.isHot(next, Date.now())) this.hot.add(next.key);
    if (visiblyDifferent(previous, next)) this.emit({ type: 'updated', record: next, previous });
  }

  /** Probes runs in batches, a few batches in flight (worker threads stay busy), and indexes the results. */
  private async enqueueProbes(locations: RunLocation[]): Promise<void> {
    this.pendingProbes += locations.length;
    const batches: RunLocation[][] = [];
    for (let i = 0; i < locations.length; i += PROBE_BATCH_SIZE)
      batches.push(locations.slice(i, i + PROBE_BATCH_SIZE));
    let next = 0;
    const lane = async () => {
      while (next < batches.length && !this.closed) {
        const batch = batches[next++];
        let results: Array<RunProbe | Error>;
        try {
          results = await this.probeBatch(batch);
        } catch (err) {
          results = batch.map(() => asError(err));
        }
        if (this.closed) return;
        const now = Date.now();
        for (const result of results) {
          if (result instanceof Error) continue; // not (or no longer) a readable run; the tree retries later
          if (this.byDir.has(result.location.dir)) continue;
          const record = this.insertProbe(result, now, !this.initialScan);
          this.emit({ type: 'added', record });
        }
      }
    };
    try {
      await Promise.all(Array.from({ length: Math.min(PROBE_LANES, batches.length) }, lane));
    } finally {
      this.pendingProbes -= locations.length;
    }
  }

  private insertProbe(probe: RunProbe, now: number, markChanged: boolean): RunRecord {
    const project = probe.location.project;
    let p = this.projectsByName.get(project);
    if (!p) {
      p = new ProjectRuns(project);
      this.projectsByName.set(project, p);
    }
    const part = probe.location.runId;
    // Runs found by the first scan count as unchanged; those that appear later are hot for a while.
    const changedAt = markChanged ? now : 0;
    let record = buildRecord(this.baseDir, probe, part, now, this.staleAfterMs, changedAt);
    p.records.set(record.key, record);
    this.byKey.set(record.key, record);
    this.byDir.set(record.dir, record.key);
    let group = p.byRunIdPart.get(part);
    if (!group) {
      group = new Set();
      p.byRunIdPart.set(part, group);
    }
    group.add(record.key);
    this.fixRunIds(p, part, record.key);
    record = this.byKey.get(record.key)!;
    p.invalidate();
    this.projectsCache = null;
    if (this.isHot(record, now)) this.hot.add(record.key);
    return record;
  }

  private removeRecord(record: RunRecord, report: boolean): void {
    const p = this.projectsByName.get(record.project);
    if (!p || p.records.get(record.key) !== record) return;
    p.records.delete(record.key);
    this.byKey.delete(record.key);
    this.byDir.delete(record.dir);
    this.hot.delete(record.key);
    const group = p.byRunIdPart.get(record.runIdPart);
    group?.delete(record.key);
    if (group && group.size === 0) p.byRunIdPart.delete(record.runIdPart);
    else this.fixRunIds(p, record.runIdPart);
    if (p.records.size === 0) this.projectsByName.delete(record.project);
    p.invalidate();
    this.projectsCache = null;
    this.onRunGone?.(record.dir);
    if (report) this.emit({ type: 'removed', record });
  }

  /**
   * docs/api.md#run-resolution: a run_id part shared by several folders is reported as the full folder
   * name.
   */
  private fixRunIds(p: ProjectRuns, part: string, inserted?: string): void {
    const group = p.byRunIdPart.get(part);
    if (!group) return;
    for (const key of group) {
      const r = p.records.get(key)!;
      const id = group.size > 1 ? r.folder : r.runIdPart;
      if (r.runId !== id) {
        const next = withRunId(r, id);
        p.records.set(key, next);
        this.byKey.set(key, next);
        if (!this.initialScan && key !== inserted) this.emit({ type: 'updated', record: next, previous: r });
      }
    }
  }
}

function stampsEqual(a: RunStamps, b: RunStamps): boolean {
  return (
    sameStamp(a.metadataJson, b.metadataJson) &&
    sameStamp(a.metadataDb, b.metadataDb) &&
    sameStamp(a.metadataDbWal, b.metadataDbWal)
  );
}
