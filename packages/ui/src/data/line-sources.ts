/**
 * Where a line card's series come from: one run's metrics (`GET …/scalars/{metric}`, docs/ui.md#run-page) or
 * many runs at once (`POST batch/scalars` with `format=kbc`, chunks of ≤ 50 runs,
 * docs/ui.md#comparison-charts).
 */
import { getScalarJson, getScalarKbc, postBatchScalarsJson, postBatchScalarsKbc } from '../api/endpoints';
import { hasFeature } from '../state/system';
import { type BucketAxis, type ScalarSeries, seriesFromFrame, seriesFromJson } from './scalar-series';

export interface LineRequest {
  runIds: string[];
  metrics: string[];
  /** Undefined: full resolution. */
  points: number | undefined;
  x: BucketAxis;
  xMetric: string | null;
  xMin?: number;
  xMax?: number;
  smooth?: string;
  smoothValue?: number;
  /** Per-run cursor for tails (docs/api.md#incremental-fetch). */
  afterStep?: Record<string, number>;
  priority: number;
}

export type SeriesSink = (runId: string, metric: string, series: ScalarSeries) => void;

export interface LineSource {
  fetch(req: LineRequest, signal: AbortSignal, sink: SeriesSink): Promise<void>;
}

const BATCH_RUNS = 50;

/** The metrics of one run: one request per metric, all through the page's limiter. */
export function runSource(project: string): LineSource {
  return {
    async fetch(req, signal, sink) {
      const tasks: Promise<void>[] = [];
      for (const runId of req.runIds) {
        for (const metric of req.metrics) {
          const after = req.afterStep?.[runId];
          const q = {
            points: hasFeature('downsample') ? req.points : undefined,
            x: req.x,
            x_min: req.xMin,
            x_max: req.xMax,
            x_metric: req.xMetric,
            after_step: hasFeature('after_step') ? after : undefined,
            smooth: hasFeature('smooth') ? req.smooth : undefined,
            smooth_value: req.smoothValue,
          };
          const useKbc = hasFeature('kbc') && (q.points === undefined || q.points > 20_000);
          const opts = { signal, priority: req.priority };
          tasks.push(
            (useKbc
              ? getScalarKbc(project, runId, metric, q, opts).then(seriesFromFrame)
              : getScalarJson(project, runId, metric, q, opts).then(seriesFromJson)
            ).then((s) => sink(runId, metric, s)),
          );
        }
      }
      const results = await Promise.allSettled(tasks);
      const failed = results.find((r) => r.status === 'rejected');
      if (failed && failed.status === 'rejected') throw failed.reason;
    },
  };
}

/** Many runs: `batch/scalars`, streamed kbc frames handed over as they arrive. */
export function batchSource(project: string): LineSource {
  return {
    async fetch(req, signal, sink) {
      const chunks: string[][] = [];
      for (let i = 0; i < req.runIds.length; i += BATCH_RUNS)
        chunks.push(req.runIds.slice(i, i + BATCH_RUNS));
      const tasks = chunks.map(async (runIds) => {
        const body = {
          run_ids: runIds,
          metrics: req.metrics,
          points: hasFeature('downsample') ? req.points : undefined,
          x: req.x,
          x_min: req.xMin ?? null,
          x_max: req.xMax ?? null,
          x_metric: req.xMetric,
          smooth: hasFeature('smooth') ? (req.smooth ?? null) : null,
          smooth_value: req.smooth ? (req.smoothValue ?? null) : null,
          after_step: req.afterStep && hasFeature('after_step') ? pick(req.afterStep, runIds) : null,
        };
        const opts = { signal, priority: req.priority };
        if (hasFeature('kbc')) {
          await postBatchScalarsKbc(
            project,
            body,
            (frame) => {
              if (frame.header.error || !frame.header.run_id || !frame.header.metric) return;
              sink(frame.header.run_id, frame.header.metric, seriesFromFrame(frame));
            },
            opts,
          );
        } else {
          const res = await postBatchScalarsJson(project, body, opts);
          for (const [runId, metrics] of Object.entries(res)) {
            for (const [metric, s] of Object.entries(metrics)) sink(runId, metric, seriesFromJson(s));
          }
        }
      });
      const results = await Promise.allSettled(tasks);
      const failed = results.find((r) => r.status === 'rejected');
      if (failed && failed.status === 'rejected') throw failed.reason;
    },
  };
}

function pick(map: Record<string, number>, keys: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of keys) if (k in map) out[k] = map[k];
  return out;
}
