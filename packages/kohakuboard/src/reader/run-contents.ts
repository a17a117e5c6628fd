/**
 * What a run holds, by kind (docs/api.md#summary `available_data`): metric names from `data/metrics/`, media,
 * table, tensor and KDE names from `data/metadata.db`, classic histogram names from `data/histograms/`.
 * Directory listings and DISTINCT queries only; no series is read.
 */
import { existsSync } from 'node:fs';
import { listMetricFiles, readDistinctNames, runPaths } from '../storage/index.js';
import { cacheSet } from './decoded-cache.js';
import { fileStamp, stampTag } from './file-stamp.js';
import { histogramNames } from './histogram-source.js';
import type { ReaderContext } from './scalar-source.js';

export interface RowNames {
  media: string[];
  tables: string[];
  tensors: string[];
  kernelDensity: string[];
}

export interface RunContents extends RowNames {
  metrics: string[];
  histograms: string[];
}

const NO_ROWS: RowNames = { media: [], tables: [], tensors: [], kernelDensity: [] };

/** Names of the rows of metadata.db, cached until the file or its -wal changes. */
export function rowNames(ctx: ReaderContext, runDir: string): RowNames {
  const file = runPaths(runDir).metadataDb;
  const st = fileStamp(file);
  if (!st) return NO_ROWS;
  const tag = `${stampTag(st)}|${stampTag(fileStamp(`${file}-wal`))}`;
  const key = `n:${file}`;
  const cached = ctx.cache.get(key) as { tag: string; value: RowNames } | undefined;
  if (cached && cached.tag === tag) return cached.value;
  const value = ctx.handles.use(file, (db) => ({
    media: readDistinctNames(db, 'media'),
    tables: readDistinctNames(db, 'tables'),
    tensors: readDistinctNames(db, 'tensors'),
    kernelDensity: readDistinctNames(db, 'kernel_density'),
  }));
  const bytes =
    256 + 64 * (value.media.length + value.tables.length + value.tensors.length + value.kernelDensity.length);
  cacheSet(ctx.cache, key, { tag, value }, bytes);
  return value;
}

/** Metric names from the file names of `data/metrics/` (a folder that links out of the data directory is refused). */
export function metricNames(ctx: ReaderContext, runDir: string): string[] {
  ctx.handles.root.check(runPaths(runDir).metricsDir);
  return [...new Set(listMetricFiles(runDir).map((m) => m.name))];
}

export function readRunContents(ctx: ReaderContext, runDir: string): RunContents {
  return {
    metrics: metricNames(ctx, runDir),
    histograms: histogramNames(ctx, runDir),
    ...(existsSync(runPaths(runDir).metadataDb) ? rowNames(ctx, runDir) : NO_ROWS),
  };
}
