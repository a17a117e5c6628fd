/**
 * Every read that may be slow, as a named task on plain data: the same code runs in a worker thread (the
 * pool of docs/api.md#work-off-the-event-loop) or, without workers, in the calling thread. Each task returns
 * an encoded result.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DataRoot } from '../../reader/data-root.js';
import { createDecodedCache } from '../../reader/decoded-cache.js';
import { HandlePool } from '../../reader/handle-pool.js';
import { readMediaBlob } from '../../reader/media-blob-source.js';
import { probeRun, type RunProbe } from '../../reader/run-probe.js';
import type { ReaderContext } from '../../reader/scalar-source.js';
import type { RunLocation } from '../../storage/index.js';
import { errorText } from '../../util/error-text.js';
import { configJson } from '../run-data/config.js';
import {
  type HistogramQuery,
  histogramList,
  histogramResponse,
  type SurfaceQuery,
  surfaceResponse,
} from '../run-data/histograms.js';
import { type KdeQuery, kdeList, kdeResponse } from '../run-data/kde.js';
import { type LogQuery, logList, logResult } from '../run-data/logs.js';
import { mediaEntries, mediaList } from '../run-data/media.js';
import {
  type RunSummaryRequest,
  type RunSummaryResult,
  summarizeRuns,
} from '../run-data/metric-summaries.js';
import { metadataObject } from '../run-data/run-metadata.js';
import { batchSeriesPiece, metricDetails, scalarNames, scalarSeriesResult } from '../run-data/scalars.js';
import { summaryObject } from '../run-data/summary.js';
import { tableEntries, tableList } from '../run-data/tables.js';
import { type TensorQuery, tensorList, tensorResult } from '../run-data/tensors.js';
import type { RunRef } from '../run-ref.js';
import type { SeriesKind } from '../run-routes.js';
import type { ScalarQuery } from '../scalars/scalar-query.js';
import { checkpoint, recordTaskTime, withCancelFlag } from './cancellation.js';
import { type BodyEncoding, compressLargeBody } from './compress-body.js';
import {
  errorResult,
  JSON_TYPE,
  jsonResult,
  resultOfError,
  type TaskResult,
  withBodyEtag,
} from './task-result.js';

export type TaskInput =
  | { task: 'probe'; locations: RunLocation[] }
  | { task: 'summary'; run: RunRef; excludePrefixes?: string[] | null }
  | { task: 'list'; run: RunRef; of: SeriesKind | 'logs'; details: boolean }
  | { task: 'scalar'; run: RunRef; name: string; query: ScalarQuery; ifNoneMatch: string | null }
  | { task: 'batchSeries'; run: RunRef; name: string; query: ScalarQuery; afterStep: number | null }
  | { task: 'media'; run: RunRef; name: string; limit: number | null; afterStep: number | null }
  | {
      task: 'table';
      run: RunRef;
      name: string;
      limit: number | null;
      afterStep: number | null;
      resolveMedia: boolean;
      ifNoneMatch?: string | null;
    }
  | { task: 'histogram'; run: RunRef; name: string; query: HistogramQuery; ifNoneMatch?: string | null }
  | { task: 'surface'; run: RunRef; name: string; query: SurfaceQuery; ifNoneMatch?: string | null }
  | { task: 'tensor'; run: RunRef; name: string; query: TensorQuery }
  | { task: 'kde'; run: RunRef; name: string; query: KdeQuery }
  | { task: 'log'; run: RunRef; name: string; query: LogQuery }
  | { task: 'config'; run: RunRef }
  | { task: 'metadata'; run: RunRef }
  | { task: 'metricSummaries'; runs: RunSummaryRequest[] }
  | { task: 'mediaBlob'; runDir: string; key: string; range: ByteSpan | null };

/** Bytes start..end of a blob, both inclusive. */
export interface ByteSpan {
  start: number;
  end: number;
}

/**
 * A task with, for those that answer a request, the encoding its large body may be compressed with, and the
 * flag that tells it its client has gone (set by the executor; cancellation.ts).
 */
export type TaskRequest = TaskInput & { encoding?: BodyEncoding | null; cancel?: Int32Array };

export type ProbeOutcome = RunProbe | { error: string };
export type TaskOutput =
  | TaskResult
  | string
  | Uint8Array
  | ProbeOutcome[]
  | RunSummaryResult[]
  | Record<string, unknown>;

export interface ContextOptions {
  cacheBytes: number;
  maxHandles: number;
  idleMs?: number;
  /** The data directory every file read must resolve into (null: no check). */
  dataDir: string | null;
}

export function createReaderContext(o: ContextOptions): ReaderContext {
  return {
    handles: new HandlePool({ maxHandles: o.maxHandles, idleMs: o.idleMs, root: new DataRoot(o.dataDir) }),
    cache: createDecodedCache(o.cacheBytes),
  };
}

function probeAll(ctx: ReaderContext, locations: RunLocation[]): ProbeOutcome[] {
  return locations.map((loc) => {
    try {
      return probeRun(loc, { root: ctx.handles.root });
    } catch (err) {
      return { error: errorText(err) };
    }
  });
}

function listResult(ctx: ReaderContext, run: RunRef, of: SeriesKind | 'logs', details: boolean): TaskResult {
  switch (of) {
    case 'scalars':
      return jsonResult(
        details
          ? { metrics: scalarNames(ctx, run), details: metricDetails(ctx, run) }
          : { metrics: scalarNames(ctx, run) },
      );
    case 'media':
      return jsonResult(mediaList(ctx, run, details));
    case 'tables':
      return jsonResult(tableList(ctx, run));
    case 'histograms':
      return jsonResult(histogramList(ctx, run));
    case 'tensors':
      return jsonResult(tensorList(ctx, run));
    case 'kernel_density':
      return jsonResult(kdeList(ctx, run));
    case 'logs':
      return jsonResult(logList(ctx, run), { 'cache-control': 'no-store' });
  }
}

/**
 * docs/api.md#metadata: metadata.json with run_id, annotation and board_id; 404 metadata_not_found without
 * the file.
 */
function metadataResult(ctx: ReaderContext, run: RunRef): TaskResult {
  if (!existsSync(join(run.dir, 'metadata.json'))) {
    return errorResult(404, { error: 'metadata.json not found', code: 'metadata_not_found' });
  }
  return jsonResult(metadataObject(ctx, run), { 'cache-control': 'no-store' });
}

/** A media blob (or a range of it) as the body of a result; 404 when it is missing. */
function blobResult(ctx: ReaderContext, runDir: string, key: string, range: ByteSpan | null): TaskResult {
  const bytes = readMediaBlob(ctx, runDir, key, range ?? undefined);
  if (!bytes) return errorResult(404, { error: 'Media file not found', code: 'media_not_found' });
  return { status: 200, type: 'application/octet-stream', body: bytes };
}

const isTaskResult = (out: TaskOutput): out is TaskResult =>
  typeof out === 'object' &&
  out !== null &&
  !Array.isArray(out) &&
  !(out instanceof Uint8Array) &&
  'status' in out;

/** Runs a task; a large compressible result is compressed here, in the thread that built it. */
export function runTask(ctx: ReaderContext, input: TaskRequest): TaskOutput {
  const started = performance.now();
  try {
    return withCancelFlag(input.cancel, () => {
      const out = runTaskUncompressed(ctx, input);
      if (!input.encoding || !isTaskResult(out)) return out;
      try {
        checkpoint();
        return compressLargeBody(out, input.encoding);
      } catch (err) {
        return resultOfError(err);
      }
    });
  } finally {
    recordTaskTime(input.cancel, performance.now() - started);
  }
}

function runTaskUncompressed(ctx: ReaderContext, input: TaskInput): TaskOutput {
  try {
    checkpoint();
    switch (input.task) {
      case 'probe':
        return probeAll(ctx, input.locations);
      case 'summary':
        return jsonResult(summaryObject(ctx, input.run, { excludePrefixes: input.excludePrefixes }), {
          'cache-control': 'no-store',
        });
      case 'list':
        return listResult(ctx, input.run, input.of, input.details);
      case 'scalar':
        return scalarSeriesResult(ctx, input.run, input.name, input.query, input.ifNoneMatch);
      case 'batchSeries':
        return batchSeriesPiece(ctx, input.run, input.name, input.query, input.afterStep);
      case 'media':
        return jsonResult(mediaEntries(ctx, input.run, input.name, input.limit, input.afterStep));
      case 'table':
        return withBodyEtag(
          jsonResult(
            tableEntries(ctx, input.run, input.name, input.limit, input.afterStep, input.resolveMedia),
          ),
          input.ifNoneMatch,
        );
      case 'histogram':
        return withBodyEtag(
          jsonResult(histogramResponse(ctx, input.run, input.name, input.query)),
          input.ifNoneMatch,
        );
      case 'surface':
        return withBodyEtag(
          jsonResult(surfaceResponse(ctx, input.run, input.name, input.query)),
          input.ifNoneMatch,
        );
      case 'tensor':
        return tensorResult(ctx, input.run, input.name, input.query);
      case 'kde':
        return jsonResult(kdeResponse(ctx, input.run, input.name, input.query));
      case 'log':
        return logResult(ctx, input.run, input.name, input.query);
      case 'config':
        return { status: 200, type: JSON_TYPE, body: configJson(ctx, input.run) };
      case 'metadata':
        return metadataResult(ctx, input.run);
      case 'metricSummaries':
        return summarizeRuns(ctx, input.runs);
      case 'mediaBlob':
        return blobResult(ctx, input.runDir, input.key, input.range);
    }
  } catch (err) {
    return resultOfError(err);
  }
}
