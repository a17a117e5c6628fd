/**
 * Metric summaries held on the event loop's side, per run and per version of the run's data
 * (docs/api.md#metric-summaries), so that a project's summaries are answered without a task once they
 * have been computed. A summary whose run has changed since is kept too: it is what the next computation
 * extends (only rows after it are read). Bounded: a least-recently-used map by the number of summaries held.
 */
import { LRUCache } from 'lru-cache';
import { stampTag } from '../../reader/file-stamp.js';
import type { MetricSummaryState } from '../../reader/metric-summary.js';
import type { RunRecord } from '../../reader/run-record.js';
import type { ReadIndex } from '../read-api/options.js';

/** One metric's summary, with the run version it was computed for. */
interface HeldSummary {
  version: string;
  state: MetricSummaryState | null;
}

export interface RunSummaries {
  /** The version `lastGlobalStep` and `names` were read at; null before the first computation. */
  version: string | null;
  lastGlobalStep: number | null;
  names: readonly string[];
  metrics: Map<string, HeldSummary>;
}

/** Summaries held over all runs (each is a few numbers): tens of MB at most. */
const MAX_HELD = 200_000;

/**
 * A text that changes whenever the run's data changes: the index's own when it has one, else the stamps
 * (size, modification time, inode) of the run's step index and its -wal, which every flush rewrites after
 * the metric files (docs/format.md#change-detection). A record without stamps (an index that keeps none)
 * falls back to its last step and the time of it.
 */
export function dataVersion(index: ReadIndex, run: RunRecord): string {
  if (index.dataVersion) return index.dataVersion(run);
  const s = run.probe.stamps;
  if (s.metadataDb) return `${stampTag(s.metadataDb)}|${stampTag(s.metadataDbWal)}`;
  return `${run.lastStep}|${run.updatedAtMs}`;
}

export class SummaryCache {
  private readonly runs = new LRUCache<string, RunSummaries>({
    maxSize: MAX_HELD,
    sizeCalculation: (r) => 1 + r.metrics.size,
  });
  /** Metric names are shared between runs: one string each. */
  private readonly interned = new Map<string, string>();

  /** What is held for a run (by folder), or an empty entry. */
  get(dir: string): RunSummaries {
    return this.runs.get(dir) ?? { version: null, lastGlobalStep: null, names: [], metrics: new Map() };
  }

  /** Whether `metric` (or, for null, the run's names) is held at `version`. */
  fresh(entry: RunSummaries, version: string, metric: string | null): boolean {
    if (metric === null) return entry.version === version;
    return entry.metrics.get(metric)?.version === version;
  }

  /** Stores what a computation at `version` found. */
  store(
    dir: string,
    version: string,
    found: {
      lastGlobalStep: number | null;
      names: string[];
      metrics: Record<string, MetricSummaryState | null>;
    },
  ): RunSummaries {
    const entry = this.get(dir);
    const metrics = new Map(entry.metrics);
    for (const [name, state] of Object.entries(found.metrics))
      metrics.set(this.intern(name), { version, state });
    const next: RunSummaries = {
      version,
      lastGlobalStep: found.lastGlobalStep,
      names: found.names.map((n) => this.intern(n)),
      metrics,
    };
    this.runs.set(dir, next);
    return next;
  }

  private intern(name: string): string {
    const held = this.interned.get(name);
    if (held !== undefined) return held;
    if (this.interned.size > MAX_HELD) this.interned.clear();
    this.interned.set(name, name);
    return name;
  }
}

const caches = new WeakMap<ReadIndex, SummaryCache>();

/** The cache of an index (each mounted read API has its own). */
export function summaryCacheOf(index: ReadIndex): SummaryCache {
  let cache = caches.get(index);
  if (!cache) {
    cache = new SummaryCache();
    caches.set(index, cache);
  }
  return cache;
}
