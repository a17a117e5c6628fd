/**
 * `GET /api/projects/{project}/metric_summaries` (docs/api.md#metric-summaries): for every run of a project
 * the caller may read, the last step and last global step, and for each metric asked for its row count,
 * last value and step, min and max. Summaries are held per run version (runs/summary-cache.ts); only runs
 * that changed, or metrics not asked for before, are computed, in batches in the task pool, extending what
 * was held. The answer is written a chunk at a time with turns of the event loop between.
 */
import type { FastifyReply } from 'fastify';
import { compareCodePoints } from '../../../reader/config-flatten.js';
import type { MetricSummary } from '../../../reader/metric-summary.js';
import type { RunRecord } from '../../../reader/run-record.js';
import { invalidParameter } from '../../api-error.js';
import { checkName } from '../../path-safety.js';
import type { RunSummaryRequest, RunSummaryResult } from '../../run-data/metric-summaries.js';
import { dataVersion, type RunSummaries, summaryCacheOf } from '../../runs/summary-cache.js';
import { TaskCancelled } from '../../worker-pool/cancellation.js';
import { requestTaskContext } from '../../worker-pool/request-context.js';
import { LoopBudget } from '../../worker-pool/slices.js';
import { errorDetailOf, JSON_TYPE, type TaskResult } from '../../worker-pool/task-result.js';
import type { RouteContext } from '../route-context.js';
import { sendChunks } from '../send.js';
import { readableRuns } from './listing.js';

/** Metrics per request: each one is a summary per run. */
export const MAX_SUMMARY_METRICS = 16;
/** Runs per task: large enough that a task's overhead is small, small enough to spread over the shards. */
const RUNS_PER_TASK = 64;
/** Runs per body chunk. */
const RUNS_PER_CHUNK = 500;

export function summaryMetrics(values: readonly string[] | undefined): string[] {
  const metrics = [...new Set((values ?? []).map((m) => checkName(m, 'metric name')))];
  if (metrics.length > MAX_SUMMARY_METRICS) {
    throw invalidParameter('metric', `at most ${MAX_SUMMARY_METRICS} metrics`);
  }
  return metrics;
}

interface Stale {
  run: RunRecord;
  version: string;
  request: RunSummaryRequest;
}

/** Runs whose names or asked-for metrics are not held at their current version. */
async function staleRuns(c: RouteContext, runs: readonly RunRecord[], metrics: string[]): Promise<Stale[]> {
  const cache = summaryCacheOf(c.h.index);
  const budget = new LoopBudget();
  const out: Stale[] = [];
  for (let i = 0; i < runs.length; i++) {
    const run = runs[i];
    const version = dataVersion(c.h.index, run);
    const entry = cache.get(run.dir);
    const missing = metrics.filter((m) => !cache.fresh(entry, version, m));
    if (missing.length > 0 || !cache.fresh(entry, version, null)) {
      const previous: RunSummaryRequest['previous'] = {};
      for (const m of missing) previous[m] = entry.metrics.get(m)?.state ?? null;
      out.push({ run, version, request: { dir: c.h.index.runDir(run), metrics: missing, previous } });
    }
    if ((i & 255) === 255 && budget.exhausted()) await budget.yield();
  }
  return out;
}

/** Computes the stale runs in the pool, a few batches in flight; errors are kept by run key. */
async function compute(c: RouteContext, stale: Stale[]): Promise<Map<string, RunSummaryResult['error']>> {
  const cache = summaryCacheOf(c.h.index);
  const errors = new Map<string, RunSummaryResult['error']>();
  const batches: Stale[][] = [];
  for (let i = 0; i < stale.length; i += RUNS_PER_TASK) batches.push(stale.slice(i, i + RUNS_PER_TASK));
  const context = requestTaskContext(c.req, c.reply);
  let next = 0;
  const lane = async () => {
    while (next < batches.length) {
      const batch = batches[next++];
      const out = await c.h.executor.run<RunSummaryResult[] | TaskResult>(
        { task: 'metricSummaries', runs: batch.map((s) => s.request) },
        batch[0].request.dir,
        context,
      );
      if (!Array.isArray(out)) {
        const detail = errorDetailOf(out);
        for (const s of batch) errors.set(s.run.key, detail);
        continue;
      }
      out.forEach((result, i) => {
        const s = batch[i];
        // A run that could not be read is not held: it is tried again next time.
        if (result.error) errors.set(s.run.key, result.error);
        else cache.store(s.request.dir, s.version, result);
      });
    }
  };
  const lanes = Math.max(2, 2 * c.h.executor.threads);
  await Promise.all(Array.from({ length: Math.min(lanes, batches.length) }, lane));
  if (context.signal?.aborted) throw new TaskCancelled();
  return errors;
}

/** A float as the API writes it: non-finite values as their strings (docs/api.md#json-encoding). */
function floatJson(v: number | null): string {
  if (v === null) return 'null';
  if (Number.isFinite(v)) return String(v);
  return Number.isNaN(v) ? '"NaN"' : v > 0 ? '"Infinity"' : '"-Infinity"';
}

function summaryJson(s: MetricSummary): string {
  return (
    `{"count":${s.count},"last":${floatJson(s.last)},"last_step":${s.lastStep === null ? 'null' : s.lastStep},` +
    `"min":${floatJson(s.min)},"max":${floatJson(s.max)}}`
  );
}

function runJson(run: RunRecord, entry: RunSummaries, metrics: string[], error: unknown): string {
  const parts: string[] = [];
  for (const m of metrics) {
    const state = entry.metrics.get(m)?.state;
    if (state && state.count > 0) parts.push(`${JSON.stringify(m)}:${summaryJson(state)}`);
  }
  const globalStep = entry.version === null ? 'null' : String(entry.lastGlobalStep);
  return (
    `${JSON.stringify(run.runId)}:{"last_step":${run.lastStep === null ? 'null' : run.lastStep},` +
    `"last_global_step":${globalStep},"metrics":{${parts.join(',')}}` +
    `${error ? `,"error":${JSON.stringify(error)}` : ''}}`
  );
}

/** The union of the runs' metric names, in code-point order. */
function namesOf(entries: readonly RunSummaries[]): string[] {
  const set = new Set<string>();
  for (const e of entries) for (const n of e.names) set.add(n);
  return [...set].sort(compareCodePoints);
}

export async function sendMetricSummaries(
  c: RouteContext,
  query: { metric?: string[] },
): Promise<FastifyReply> {
  const metrics = summaryMetrics(query.metric);
  const runs = readableRuns(c.h, c.principal, c.project);
  const indexing = c.h.index.indexing;
  const stale = await staleRuns(c, runs, metrics);
  const errors = stale.length > 0 ? await compute(c, stale) : new Map();
  const cache = summaryCacheOf(c.h.index);
  const budget = new LoopBudget();
  const entries = runs.map((r) => cache.get(r.dir));
  const chunks: Buffer[] = [
    Buffer.from(
      `{"project":${JSON.stringify(c.project)},"metrics":${JSON.stringify(metrics)},"indexing":${indexing},"runs":{`,
    ),
  ];
  for (let from = 0; from < runs.length; from += RUNS_PER_CHUNK) {
    if (budget.exhausted()) await budget.yield();
    const parts: string[] = [];
    for (let i = from; i < Math.min(runs.length, from + RUNS_PER_CHUNK); i++) {
      parts.push(runJson(runs[i], entries[i], metrics, errors.get(runs[i].key)));
    }
    chunks.push(Buffer.from(from > 0 ? `,${parts.join(',')}` : parts.join(',')));
  }
  chunks.push(Buffer.from(`},"names":${JSON.stringify(namesOf(entries))}}`));
  c.reply.header('cache-control', 'no-store').type(JSON_TYPE);
  return sendChunks(c.reply, chunks);
}
