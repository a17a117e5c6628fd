/**
 * The pool's side of `metric_summaries` (docs/api.md#metric-summaries): for a batch of runs, each run's metric
 * names, the global_step of its last step and the summary of each metric asked for, extending the summaries
 * the caller held from an earlier version of the run. Results are plain data; the caller caches them per
 * run version.
 */

import { lastGlobalStep, type MetricSummaryState, summarizeMetric } from '../../reader/metric-summary.js';
import { metricNames } from '../../reader/run-contents.js';
import type { ReaderContext } from '../../reader/scalar-source.js';
import { isStorageError } from '../../storage/index.js';
import { type ErrorDetail, storageFailure } from '../api-error.js';
import { checkpoint } from '../worker-pool/cancellation.js';

export interface RunSummaryRequest {
  dir: string;
  metrics: string[];
  /** Summaries of an earlier version of the run, by metric: only rows after them are read. */
  previous: Record<string, MetricSummaryState | null>;
}

export interface RunSummaryResult {
  lastGlobalStep: number | null;
  /** Metric names of the run (from its metric files). */
  names: string[];
  /** By metric asked for: its summary, or null when the run has no such metric. */
  metrics: Record<string, MetricSummaryState | null>;
  /** The first damaged or unreadable file met; its metrics are left out of `metrics`. */
  error: ErrorDetail | null;
}

function detailOf(err: unknown): ErrorDetail {
  if (isStorageError(err)) return storageFailure(err).detail;
  return { error: err instanceof Error ? err.message : String(err), code: 'internal_error' };
}

function summarizeRun(ctx: ReaderContext, req: RunSummaryRequest): RunSummaryResult {
  const out: RunSummaryResult = { lastGlobalStep: null, names: [], metrics: {}, error: null };
  const fail = (err: unknown) => {
    out.error ??= detailOf(err);
  };
  try {
    out.lastGlobalStep = lastGlobalStep(ctx, req.dir);
    out.names = metricNames(ctx, req.dir);
  } catch (err) {
    fail(err);
  }
  for (const name of req.metrics) {
    try {
      out.metrics[name] = summarizeMetric(ctx, req.dir, name, req.previous[name] ?? null);
    } catch (err) {
      fail(err);
    }
  }
  return out;
}

/** Summaries of several runs, in request order; a client that has gone stops the batch between runs. */
export function summarizeRuns(ctx: ReaderContext, runs: RunSummaryRequest[]): RunSummaryResult[] {
  return runs.map((req) => {
    checkpoint();
    return summarizeRun(ctx, req);
  });
}
