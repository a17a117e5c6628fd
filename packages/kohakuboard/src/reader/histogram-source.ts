/**
 * Classic histograms of a run (docs/format.md#histogram-files): every file of `data/histograms/`, decoded and
 * cached per file (validated by the stamps of the file and its -wal). The entries of a name are merged from
 * every file of its namespace and ordered by step, stably (docs/api.md#histograms).
 */
import { join } from 'node:path';
import {
  type HistogramFileInfo,
  type HistogramRows,
  histogramFileInfo,
  isStorageError,
  listDbFiles,
  namespaceOf,
  readHistogramRows,
  runPaths,
} from '../storage/index.js';
import { cacheSet } from './decoded-cache.js';
import { fileStamp, stampTag } from './file-stamp.js';
import { committedLastStep, type ReaderContext } from './scalar-source.js';

export interface HistogramFile {
  file: string;
  info: HistogramFileInfo;
  rows: HistogramRows;
  names: Set<string>;
}

export interface HistogramEntry {
  step: number;
  globalStep: number | null;
  min: number;
  max: number;
  counts: Float64Array;
  precision: 'u8' | 'i32';
}

function readFile(ctx: ReaderContext, file: string): HistogramFile | null {
  const db = fileStamp(file);
  if (!db) return null;
  const tag = `${stampTag(db)}|${stampTag(fileStamp(`${file}-wal`))}`;
  const key = `h:${file}`;
  const cached = ctx.cache.get(key) as { tag: string; value: HistogramFile | null } | undefined;
  if (cached && cached.tag === tag) return cached.value;
  const stem = file.slice(file.lastIndexOf('/') + 1, -3);
  const value = ctx.handles.use(file, (conn) => {
    const info = histogramFileInfo(conn, stem, file);
    if (!info) return null;
    const rows = readHistogramRows(conn, file, info);
    return { file, info, rows, names: new Set(rows.names) };
  });
  const bytes = value ? value.rows.counts.byteLength + value.rows.step.length * 32 + 1024 : 64;
  cacheSet(ctx.cache, key, { tag, value }, bytes);
  return value;
}

/** Every readable histogram file of a run, in file-name order. Unreadable files are skipped. */
export function histogramFiles(ctx: ReaderContext, runDir: string): HistogramFile[] {
  const dir = runPaths(runDir).histogramsDir;
  ctx.handles.root.check(dir);
  const out: HistogramFile[] = [];
  for (const name of listDbFiles(dir)) {
    try {
      const f = readFile(ctx, join(dir, name));
      if (f) out.push(f);
    } catch (err) {
      // A damaged or half-created file (a writer may be creating it): no data of it. A link out of the data
      // directory is never a passing state: it is reported.
      if (isStorageError(err) && err.code === 'EOUTSIDE') throw err;
    }
  }
  return out;
}

export function histogramNames(ctx: ReaderContext, runDir: string): string[] {
  const names = new Set<string>();
  for (const f of histogramFiles(ctx, runDir)) for (const n of f.names) names.add(n);
  return [...names].sort();
}

/**
 * The classic entries of `name`, from every file of its namespace, in step order (stable). Entries past the
 * step index's last step belong to a commit that has not finished (or never will): not served, as for
 * scalars (scalar-source.ts `committedLastStep`).
 */
export function histogramEntries(ctx: ReaderContext, runDir: string, name: string): HistogramEntry[] {
  const ns = namespaceOf(name);
  const last = committedLastStep(ctx, runDir);
  const out: HistogramEntry[] = [];
  for (const f of histogramFiles(ctx, runDir)) {
    if (f.info.namespace !== ns || !f.names.has(name)) continue;
    const r = f.rows;
    const K = r.numBins;
    for (let i = 0; i < r.names.length; i++) {
      if (r.names[i] !== name || (last !== null && r.step[i] > last)) continue;
      out.push({
        step: r.step[i],
        globalStep: Number.isNaN(r.globalStep[i]) ? null : r.globalStep[i],
        min: r.min[i],
        max: r.max[i],
        counts: r.counts.subarray(i * K, (i + 1) * K),
        precision: r.precision,
      });
    }
  }
  // Array.prototype.sort is stable.
  return out.sort((a, b) => a.step - b.step);
}
