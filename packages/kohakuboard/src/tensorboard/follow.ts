/**
 * Following a TensorBoard log directory for the viewer (docs/tensorboard.md#live-logs): the log directory is
 * imported into a cache folder outside it, then polled; what its event files gain is imported as it comes,
 * so the viewer (which notices changed run folders by itself) shows the charts growing. The log directory is
 * only read.
 */
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import envPaths from 'env-paths';
import { errorText } from '../util/error-text.js';
import { acquireImportLock, type ImportLock } from './import-lock.js';
import type { ImportTarget, ImportWarning, RunPassStats } from './import-report.js';
import { checkOutsideLogDir, defaultProject, pendingBytes, resolveLogDir } from './logdir-import.js';
import { findTensorBoardRuns } from './run-discovery.js';
import { RunImporter } from './run-importer.js';

/** How often the log directory is looked at. */
export const DEFAULT_POLL_MS = 250;
/** Events imported per run before the next run (and the server) get their turn. */
const SLICE_EVENTS = 20_000;
/** A slice of work longer than this lets the event loop run before going on. */
const SLICE_MS = 50;
/** A run without new events for this long has its files closed (they are reopened when it grows). */
const IDLE_CLOSE_MS = 30_000;

/** The cache folder for a log directory: under the user's cache directory, keyed by its real path. */
export function cacheDirFor(logDirReal: string): string {
  const key = createHash('sha256').update(logDirReal).digest('hex').slice(0, 16);
  const name =
    basename(logDirReal)
      .replace(/[^A-Za-z0-9._-]+/g, '_')
      .slice(0, 48) || 'logdir';
  return join(envPaths('kohakuboard', { suffix: '' }).cache, 'tensorboard', `${name}-${key}`);
}

export interface FollowOptions {
  /** Where the imported runs go (default: cacheDirFor the log directory). */
  dataDir?: string;
  pollMs?: number;
  warn(warning: ImportWarning): void;
  /** A failure of one look at the log directory (the next look tries again). */
  error?(err: unknown): void;
  /** Progress of the first import: bytes read of `totalBytes`, events read. */
  progress?(bytes: number, totalBytes: number, events: number): void;
  /** Per run, the kinds of data skipped, once per run and kind. */
  skipped?(run: string, kinds: Map<string, number>): void;
}

export interface TensorBoardFollow {
  logDir: string;
  /** The data directory to serve (it holds one project). */
  dataDir: string;
  project: string;
  /** Runs and events of the first import. */
  initial: { runs: number; events: number };
  close(): Promise<void>;
}

interface Followed {
  importer: RunImporter;
  lastEventMs: number;
  open: boolean;
  reportedSkips: Set<string>;
  /** The last failure's message, until a pass succeeds. */
  failure: string | null;
}

export async function followLogDir(logDir: string, options: FollowOptions): Promise<TensorBoardFollow> {
  const real = resolveLogDir(logDir);
  const dataDir = options.dataDir ?? cacheDirFor(real);
  checkOutsideLogDir(dataDir, real, 'the cache folder');
  const project = defaultProject(real);
  const projectDir = join(dataDir, project);
  mkdirSync(projectDir, { recursive: true });
  const lock = acquireImportLock(projectDir);
  const follower = new Follower({ logDir: real, project, projectDir }, options, lock);
  try {
    const initial = await follower.first();
    follower.start();
    return {
      logDir: real,
      dataDir,
      project,
      initial,
      close: () => follower.close(),
    };
  } catch (err) {
    await follower.close();
    throw err;
  }
}

class Follower {
  private readonly runs = new Map<string, Followed>();
  private timer: NodeJS.Timeout | null = null;
  private ticking: Promise<void> | null = null;
  private closed = false;
  private readonly pollMs: number;

  constructor(
    private readonly target: ImportTarget,
    private readonly options: FollowOptions,
    private readonly lock: ImportLock,
  ) {
    this.pollMs = options.pollMs ?? DEFAULT_POLL_MS;
  }

  /** The first import of everything, with progress. */
  async first(): Promise<{ runs: number; events: number }> {
    const runs = findTensorBoardRuns(this.target.logDir);
    const total = runs.reduce((n, r) => n + pendingBytes(this.target, r), 0);
    let done = { bytes: 0, events: 0 };
    for (const run of runs) {
      const f = this.followed(run.relPath);
      const base = done;
      f.importer.setProgress((bytes, events) =>
        this.options.progress?.(base.bytes + bytes, total, base.events + events),
      );
      const stats = f.importer.pass(run);
      f.importer.setProgress(undefined);
      this.noteSkips(f, stats);
      done = { bytes: base.bytes + stats.bytes, events: base.events + stats.events };
      await yieldToLoop();
    }
    return { runs: runs.length, events: done.events };
  }

  start(): void {
    this.schedule(this.pollMs);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.ticking;
    for (const f of this.runs.values()) await f.importer.close().catch((err) => this.options.error?.(err));
    this.runs.clear();
    this.lock.release();
  }

  private followed(relPath: string): Followed {
    let f = this.runs.get(relPath);
    if (!f) {
      f = {
        importer: new RunImporter(this.target, relPath, { warn: this.options.warn }),
        lastEventMs: Date.now(),
        open: true,
        reportedSkips: new Set(),
        failure: null,
      };
      this.runs.set(relPath, f);
    }
    return f;
  }

  private schedule(ms: number): void {
    if (this.closed) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.ticking = this.tick().finally(() => {
        this.ticking = null;
      });
    }, ms);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    let more = false;
    let slice = performance.now();
    for (const run of findTensorBoardRuns(this.target.logDir)) {
      if (this.closed) break;
      const f = this.followed(run.relPath);
      try {
        const stats = f.importer.pass(run, SLICE_EVENTS);
        f.failure = null;
        this.noteSkips(f, stats);
        const now = Date.now();
        if (stats.events > 0) {
          f.lastEventMs = now;
          f.open = true;
        } else if (f.open && now - f.lastEventMs > IDLE_CLOSE_MS) {
          f.open = false;
          await f.importer.close();
        }
        more ||= stats.more;
      } catch (err) {
        // Said once until the run imports again (a full disk would otherwise repeat it at every look).
        const message = errorText(err);
        if (f.failure !== message) this.options.error?.(err);
        f.failure = message;
      }
      if (performance.now() - slice > SLICE_MS) {
        await yieldToLoop();
        slice = performance.now();
      }
    }
    this.schedule(more ? 0 : this.pollMs);
  }

  private noteSkips(f: Followed, stats: RunPassStats): void {
    const fresh = new Map([...stats.skipped].filter(([kind]) => !f.reportedSkips.has(kind)));
    if (fresh.size === 0) return;
    for (const kind of fresh.keys()) f.reportedSkips.add(kind);
    this.options.skipped?.(stats.run, fresh);
  }
}

const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));
