/**
 * `kobo info RUN`: one run's summary — metadata and status, config, metrics with their counts and last
 * values, histograms, media, tables, tensors and kernel densities by name, size on disk, and the tail of
 * the writer's log (docs/export.md#info). Reads only.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  histogramFileInfo,
  type JsonValue,
  listDbFiles,
  listMetricFiles,
  readDistinctNames,
  readHistogramNamesSince,
  readMediaNameSummaries,
  readMetricEnds,
  runPaths,
  withReadOnly,
} from '../storage/index.js';
import { diskUsage } from './disk-usage.js';
import { DEFAULT_STALE_AFTER_MS, requireRunDir, runRecord } from './run-state.js';

export interface RunInfo {
  path: string;
  project: string;
  folder: string;
  name: string;
  status: string;
  createdAt: string | null;
  finishedAt: JsonValue;
  lastStep: number | null;
  updatedAtMs: number | null;
  lastActivityMs: number | null;
  config: JsonValue;
  metrics: Array<
    | {
        name: string;
        count: number;
        firstStep: number | null;
        lastStep: number | null;
        lastValue: number | null;
      }
    | { name: string; error: string }
  >;
  histograms: Array<
    | { file: string; names: string[]; rows: number; bins: number; precision: string }
    | { file: string; error: string }
  >;
  media: Array<{ name: string; type: string; count: number; firstStep: number; lastStep: number }>;
  tables: string[];
  tensors: string[];
  kernelDensity: string[];
  size: { total: number; data: number; media: number; logs: number };
  log: { file: string; tail: string[] } | null;
  problems: string[];
}

const LOG_CANDIDATES = ['board.log', 'writer.log'];

function logTail(runDir: string, lines: number): RunInfo['log'] {
  for (const name of LOG_CANDIDATES) {
    const path = join(runPaths(runDir).logsDir, name);
    if (!existsSync(path)) continue;
    const text = readFileSync(path, 'utf8');
    const all = text.split('\n');
    if (all[all.length - 1] === '') all.pop();
    return { file: `logs/${name}`, tail: all.slice(-lines) };
  }
  return null;
}

export function runInfo(given: string, options: { logLines?: number; staleAfterMs?: number } = {}): RunInfo {
  const dir = requireRunDir(given);
  const record = runRecord(dir, options.staleAfterMs ?? DEFAULT_STALE_AFTER_MS);
  const problems: string[] = [];
  const paths = runPaths(dir);
  const metrics: RunInfo['metrics'] = listMetricFiles(dir).map(({ name, file }) => {
    try {
      const e = withReadOnly(file, (db) => readMetricEnds(db, file));
      return { name, ...e };
    } catch (err) {
      problems.push((err as Error).message);
      return { name, error: (err as Error).message };
    }
  });
  const histograms: RunInfo['histograms'] = listDbFiles(paths.histogramsDir).map((f) => {
    const file = join(paths.histogramsDir, f);
    try {
      return withReadOnly(file, (db) => {
        const info = histogramFileInfo(db, f.slice(0, -3), file);
        const { count, names } = readHistogramNamesSince(db, file, 0);
        return {
          file: `data/histograms/${f}`,
          names: names.sort(),
          rows: count,
          bins: info?.numBins ?? 0,
          precision: info?.precision ?? '?',
        };
      });
    } catch (err) {
      problems.push((err as Error).message);
      return { file: `data/histograms/${f}`, error: (err as Error).message };
    }
  });
  let media: RunInfo['media'] = [];
  let names = { tables: [] as string[], tensors: [] as string[], kernelDensity: [] as string[] };
  if (existsSync(paths.metadataDb)) {
    try {
      withReadOnly(paths.metadataDb, (db) => {
        media = readMediaNameSummaries(db).map((m) => ({
          name: m.name,
          type: m.type,
          count: m.count,
          firstStep: m.first_step,
          lastStep: m.last_step,
        }));
        names = {
          tables: readDistinctNames(db, 'tables'),
          tensors: readDistinctNames(db, 'tensors'),
          kernelDensity: readDistinctNames(db, 'kernel_density'),
        };
      });
    } catch (err) {
      problems.push((err as Error).message);
    }
  }
  return {
    path: dir,
    project: record.project,
    folder: record.folder,
    name: record.name,
    status: record.status,
    createdAt: record.createdAt,
    finishedAt: record.finishedAt,
    lastStep: record.lastStep,
    updatedAtMs: record.updatedAtMs,
    lastActivityMs: record.lastActivityMs,
    config: record.metadata?.config ?? {},
    metrics,
    histograms,
    media,
    ...names,
    size: {
      total: diskUsage(dir),
      data: diskUsage(paths.dataDir),
      media: diskUsage(paths.mediaDir),
      logs: diskUsage(paths.logsDir),
    },
    log: logTail(dir, options.logLines ?? 10),
    problems,
  };
}
