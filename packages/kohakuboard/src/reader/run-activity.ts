/**
 * What grew in hot runs (docs/api.md#event-change-detection `run_data`): for each running or recently changed
 * run, the stamps of its data files are compared with the last look; only files that changed are opened, to
 * read their new row counts, names or sizes. The cost per tick is proportional to the hot runs, not to all
 * runs.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  fileStemToLogName,
  type MetadataRowTable,
  readHistogramNamesSince,
  readMaxRowId,
  readMetricEnd,
  readNamesAfterRowId,
  runPaths,
} from '../storage/index.js';
import { fileStamp, stampTag } from './file-stamp.js';
import type { RunIndex } from './run-index.js';
import type { RunRecord } from './run-record.js';
import type { ReaderContext } from './scalar-source.js';
import { readStepSummary, type StepSummary } from './step-summary.js';
import { WatchSet } from './watch-set.js';

export interface RunDataChange {
  record: RunRecord;
  lastStep: number | null;
  updatedAtMs: number | null;
  scalars: Map<string, { lastStep: number | null; count: number }>;
  newScalars: string[];
  media: string[];
  tables: string[];
  histograms: string[];
  tensors: string[];
  kernelDensity: string[];
  logs: Map<string, number>;
}

interface Snapshot {
  stamps: Map<string, string>;
  metricCounts: Map<string, number>;
  histogramCounts: Map<string, number>;
  rowIds: Record<MetadataRowTable, number>;
  steps: StepSummary | null;
  logSizes: Map<string, number>;
  lastEmitMs: number;
}

const TABLES: MetadataRowTable[] = ['media', 'tables', 'tensors', 'kernel_density'];
const LOG_RE = /^[A-Za-z0-9._-]+\.log$/;

function listDir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** Stamps of every file whose change means new data, keyed by path (companion -wal included). */
function dataStamps(runDir: string): Map<string, string> {
  const p = runPaths(runDir);
  const out = new Map<string, string>();
  const add = (path: string) => {
    const s = fileStamp(path);
    if (s) out.set(path, stampTag(s));
  };
  for (const dir of [p.metricsDir, p.histogramsDir]) {
    for (const name of listDir(dir))
      if (name.endsWith('.db') || name.endsWith('.db-wal')) add(join(dir, name));
  }
  add(p.metadataDb);
  add(`${p.metadataDb}-wal`);
  for (const name of listDir(p.logsDir)) if (LOG_RE.test(name)) add(join(p.logsDir, name));
  return out;
}

function changed(prev: Map<string, string>, next: Map<string, string>, path: string): boolean {
  return prev.get(path) !== next.get(path) || prev.get(`${path}-wal`) !== next.get(`${path}-wal`);
}

export interface ActivityOptions {
  /** `--event-interval`: at most one run_data per run per interval (default 1 s). */
  intervalMs?: number;
  /** Whether anyone listens; without listeners nothing is looked at (default: always). */
  active?: () => boolean;
  watch?: boolean;
  onData: (change: RunDataChange) => void;
}

export class RunActivityTracker {
  private readonly snapshots = new Map<string, Snapshot>();
  private readonly intervalMs: number;
  private timer: NodeJS.Timeout | null = null;
  private readonly soon = new Map<string, NodeJS.Timeout>();
  private readonly watchers: WatchSet;
  private readonly watchEnabled: boolean;

  constructor(
    private readonly index: RunIndex,
    private readonly reader: ReaderContext,
    private readonly options: ActivityOptions,
  ) {
    this.intervalMs = options.intervalMs ?? 1000;
    this.watchEnabled = options.watch ?? true;
    this.watchers = new WatchSet((dir) => this.onNotify(dir), 512);
  }

  start(): this {
    this.timer = setInterval(() => this.tick(), this.intervalMs);
    this.timer.unref();
    return this;
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    for (const t of this.soon.values()) clearTimeout(t);
    this.soon.clear();
    this.watchers.close();
  }

  /** One look at every hot run. Public for tests. */
  tick(): void {
    if (this.options.active && !this.options.active()) {
      this.snapshots.clear();
      this.watchers.sync([]);
      return;
    }
    const hot = this.index.hotRecords();
    const keys = new Set(hot.map((r) => r.key));
    for (const key of [...this.snapshots.keys()]) if (!keys.has(key)) this.snapshots.delete(key);
    for (const r of hot) this.check(r);
    if (this.watchEnabled) {
      const dirs: string[] = [];
      for (const r of hot.slice(0, 64)) {
        const p = runPaths(r.dir);
        dirs.push(p.dataDir, p.metricsDir, p.histogramsDir, p.logsDir);
      }
      this.watchers.sync(dirs);
    }
  }

  private onNotify(dir: string): void {
    const record = this.index.hotRecords().find((r) => dir.startsWith(r.dir));
    if (!record || this.soon.has(record.key)) return;
    const snap = this.snapshots.get(record.key);
    const wait = snap ? Math.max(20, snap.lastEmitMs + this.intervalMs - Date.now()) : 20;
    const t = setTimeout(() => {
      this.soon.delete(record.key);
      const current = this.index.get(record.key);
      if (current) this.check(current);
    }, wait);
    t.unref();
    this.soon.set(record.key, t);
  }

  /** Compares a run with its last look; publishes what grew (at most once per interval). */
  check(record: RunRecord): void {
    const prev = this.snapshots.get(record.key);
    const now = Date.now();
    if (prev && now - prev.lastEmitMs < this.intervalMs - 5) return;
    const stamps = dataStamps(record.dir);
    if (!prev) {
      this.snapshots.set(record.key, this.baseline(record, stamps));
      return;
    }
    let any = stamps.size !== prev.stamps.size;
    for (const [k, v] of stamps) if (prev.stamps.get(k) !== v) any = true;
    if (!any) return;
    const prevLastStep = prev.steps?.lastStep ?? null;
    const change: RunDataChange = {
      record,
      lastStep: prev.steps?.lastStep ?? record.lastStep,
      updatedAtMs: prev.steps?.lastTimestampMs ?? record.updatedAtMs,
      scalars: new Map(),
      newScalars: [],
      media: [],
      tables: [],
      histograms: [],
      tensors: [],
      kernelDensity: [],
      logs: new Map(),
    };
    const p = runPaths(record.dir);
    // The step index first: metric rows past its last step are not served yet (scalar-source.ts
    // committedLastStep), so they are announced only once it covers them.
    if (changed(prev.stamps, stamps, p.metadataDb)) this.metadataChanges(record, prev, change);
    const committed = prev.steps?.lastStep ?? null;
    for (const name of listDir(p.metricsDir)) {
      if (!name.endsWith('.db')) continue;
      const path = join(p.metricsDir, name);
      if (!changed(prev.stamps, stamps, path)) continue;
      const metric = fileStemToLogName(name.slice(0, -3));
      const info = this.metricInfo(path);
      if (!info) continue;
      if (committed !== null && info.lastStep !== null && info.lastStep > committed) {
        // Looked at again on the next change: its stamps are left as they were.
        for (const f of [path, `${path}-wal`]) {
          const old = prev.stamps.get(f);
          if (old === undefined) stamps.delete(f);
          else stamps.set(f, old);
        }
        continue;
      }
      const before = prev.metricCounts.get(metric);
      if (before === undefined) change.newScalars.push(metric);
      if (before === undefined || info.count !== before) change.scalars.set(metric, info);
      prev.metricCounts.set(metric, info.count);
    }
    for (const name of listDir(p.histogramsDir)) {
      if (!name.endsWith('.db')) continue;
      const path = join(p.histogramsDir, name);
      if (!changed(prev.stamps, stamps, path)) continue;
      const names = this.newHistogramNames(path, prev.histogramCounts);
      for (const n of names) if (!change.histograms.includes(n)) change.histograms.push(n);
    }
    for (const name of listDir(p.logsDir)) {
      const path = join(p.logsDir, name);
      if (!LOG_RE.test(name) || prev.stamps.get(path) === stamps.get(path)) continue;
      try {
        const size = statSync(path).size;
        if (prev.logSizes.get(name) !== size) change.logs.set(name, size);
        prev.logSizes.set(name, size);
      } catch {
        /* removed meanwhile */
      }
    }
    prev.stamps = stamps;
    change.histograms.sort();
    const grew =
      change.scalars.size > 0 ||
      change.media.length + change.tables.length + change.histograms.length > 0 ||
      change.tensors.length + change.kernelDensity.length > 0 ||
      change.logs.size > 0 ||
      change.lastStep !== prevLastStep;
    if (!grew) return;
    prev.lastEmitMs = now;
    this.options.onData(change);
  }

  private baseline(record: RunRecord, stamps: Map<string, string>): Snapshot {
    const p = runPaths(record.dir);
    const snap: Snapshot = {
      stamps,
      metricCounts: new Map(),
      histogramCounts: new Map(),
      rowIds: { media: 0, tables: 0, tensors: 0, kernel_density: 0 },
      steps: null,
      logSizes: new Map(),
      lastEmitMs: 0,
    };
    for (const name of listDir(p.metricsDir)) {
      if (!name.endsWith('.db')) continue;
      const info = this.metricInfo(join(p.metricsDir, name));
      if (info) snap.metricCounts.set(fileStemToLogName(name.slice(0, -3)), info.count);
    }
    for (const name of listDir(p.histogramsDir)) {
      if (name.endsWith('.db')) this.newHistogramNames(join(p.histogramsDir, name), snap.histogramCounts);
    }
    if (fileStamp(p.metadataDb)) {
      try {
        this.reader.handles.use(p.metadataDb, (db) => {
          for (const t of TABLES) snap.rowIds[t] = readMaxRowId(db, t);
          snap.steps = readStepSummary(db);
        });
      } catch {
        /* not readable yet */
      }
    }
    for (const name of listDir(p.logsDir)) {
      if (!LOG_RE.test(name)) continue;
      try {
        snap.logSizes.set(name, statSync(join(p.logsDir, name)).size);
      } catch {
        /* removed meanwhile */
      }
    }
    return snap;
  }

  private metricInfo(path: string): { lastStep: number | null; count: number } | null {
    try {
      return this.reader.handles.use(path, (db) => readMetricEnd(db, path));
    } catch {
      return null;
    }
  }

  /** Names of the rows added to a histogram file since the count remembered for it. */
  private newHistogramNames(path: string, counts: Map<string, number>): string[] {
    try {
      const grown = this.reader.handles.use(path, (db) =>
        readHistogramNamesSince(db, path, counts.get(path) ?? 0),
      );
      counts.set(path, grown.count);
      return grown.names;
    } catch {
      return [];
    }
  }

  private metadataChanges(record: RunRecord, snap: Snapshot, change: RunDataChange): void {
    const file = runPaths(record.dir).metadataDb;
    try {
      this.reader.handles.use(file, (db) => {
        const lists: Record<MetadataRowTable, string[]> = {
          media: change.media,
          tables: change.tables,
          tensors: change.tensors,
          kernel_density: change.kernelDensity,
        };
        for (const t of TABLES) {
          lists[t].push(...readNamesAfterRowId(db, t, snap.rowIds[t]));
          snap.rowIds[t] = readMaxRowId(db, t);
        }
        snap.steps = readStepSummary(db, snap.steps);
        change.lastStep = snap.steps.lastStep;
        change.updatedAtMs = snap.steps.lastTimestampMs;
      });
    } catch {
      /* the next look retries */
    }
  }
}
