/**
 * `kobo ls [DIR]`: the runs of a data directory, found and described by the viewer's own run index (every
 * layout, the same status and last-step rules), plus each run's size on disk (docs/export.md#ls).
 */
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { RunIndex } from '../reader/run-index.js';
import type { RunRecord } from '../reader/run-record.js';
import { diskUsage } from './disk-usage.js';
import { HousekeepingError } from './errors.js';
import { DEFAULT_STALE_AFTER_MS } from './run-state.js';

export interface RunListing {
  project: string;
  runId: string;
  folder: string;
  name: string;
  status: string;
  /** Number of steps taken (last step + 1); 0 without steps. */
  steps: number;
  createdAt: string | null;
  /** Time of the latest step (else the last activity), ms. */
  updatedAtMs: number | null;
  size: number;
  path: string;
}

export const SORT_KEYS = ['project', 'run', 'name', 'status', 'steps', 'updated', 'created', 'size'] as const;
export type SortKey = (typeof SORT_KEYS)[number];

function listing(r: RunRecord): RunListing {
  return {
    project: r.project,
    runId: r.runId,
    folder: r.folder,
    name: r.name,
    status: r.status,
    steps: r.lastStep === null ? 0 : r.lastStep + 1,
    createdAt: r.createdAt,
    updatedAtMs: r.updatedAtMs ?? r.lastActivityMs,
    size: diskUsage(r.dir),
    path: r.dir,
  };
}

const text = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Sorting: names ascending; steps, sizes and times descending (biggest, newest first). */
export function compareBy(key: SortKey): (a: RunListing, b: RunListing) => number {
  const num = (x: number | null) => x ?? Number.NEGATIVE_INFINITY;
  switch (key) {
    case 'project':
      return (a, b) => text(a.project, b.project) || text(a.folder, b.folder);
    case 'run':
      return (a, b) => text(a.runId, b.runId) || text(a.project, b.project);
    case 'name':
      return (a, b) => text(a.name, b.name);
    case 'status':
      return (a, b) => text(a.status, b.status);
    case 'steps':
      return (a, b) => b.steps - a.steps;
    case 'size':
      return (a, b) => b.size - a.size;
    case 'updated':
      return (a, b) => num(b.updatedAtMs) - num(a.updatedAtMs);
    case 'created':
      return (a, b) => num(Date.parse(b.createdAt ?? '')) - num(Date.parse(a.createdAt ?? ''));
  }
}

export async function listRuns(
  dir: string,
  options: { sort?: SortKey; reverse?: boolean; staleAfterMs?: number } = {},
): Promise<RunListing[]> {
  const base = resolve(dir);
  try {
    if (!statSync(base).isDirectory()) throw new HousekeepingError('ENOTRUN', `${dir}: not a directory`);
  } catch (err) {
    if (err instanceof HousekeepingError) throw err;
    throw new HousekeepingError('ENOTRUN', `${dir}: no such directory`);
  }
  const index = new RunIndex(base, {
    watch: false,
    staleAfterMs: options.staleAfterMs ?? DEFAULT_STALE_AFTER_MS,
  });
  try {
    index.start();
    await index.ready;
    const rows = [...index.records()].map(listing);
    const cmp = compareBy(options.sort ?? 'project');
    rows.sort((a, b) => cmp(a, b) || text(a.path, b.path));
    if (options.reverse) rows.reverse();
    return rows;
  } finally {
    index.close();
  }
}
