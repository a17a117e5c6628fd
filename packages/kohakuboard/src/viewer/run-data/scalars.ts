/**
 * `…/scalars` (docs/api.md#scalars details) and `…/scalars/{metric}` (docs/api.md#scalars,
 * docs/api.md#downsampling, docs/api.md#kbc-frames).
 */
import { fnv1a32 } from '@kohakuboard/series';
import { metricNames } from '../../reader/run-contents.js';
import {
  EMPTY_SERIES,
  metricEndsOf,
  type ReaderContext,
  readScalarSeries,
} from '../../reader/scalar-source.js';
import type { RunRef } from '../run-ref.js';
import { KBC_CONTENT_TYPE, seriesFrame } from '../scalars/kbc-frame.js';
import { scalarJson, seriesJsonBody } from '../scalars/scalar-json.js';
import { normalizedQueryText, type ScalarQuery } from '../scalars/scalar-query.js';
import { selectRows } from '../scalars/scalar-selection.js';
import { etagMatches, JSON_TYPE, type TaskResult } from '../worker-pool/task-result.js';

const BASE = ['step', 'global_step', 'timestamp'];

export function scalarNames(ctx: ReaderContext, run: RunRef): string[] {
  return [
    ...BASE,
    ...metricNames(ctx, run.dir)
      .filter((m) => !BASE.includes(m))
      .sort(),
  ];
}

export interface MetricDetail {
  name: string;
  count: number;
  first_step: number | null;
  last_step: number | null;
  last_value: number | null;
}

export function metricDetails(ctx: ReaderContext, run: RunRef): MetricDetail[] {
  const out: MetricDetail[] = [];
  for (const name of metricNames(ctx, run.dir)
    .filter((m) => !BASE.includes(m))
    .sort()) {
    try {
      const ends = metricEndsOf(ctx, run.dir, name);
      if (!ends) continue;
      out.push({
        name,
        count: ends.count,
        first_step: ends.firstStep,
        last_step: ends.lastStep,
        last_value: ends.lastValue,
      });
    } catch {
      /* damaged file: left out of details */
    }
  }
  return out;
}

function etagOf(sourceTag: string, parts: string[]): string {
  return `W/"${sourceTag}-${fnv1a32(parts.join('|')).toString(36)}"`;
}

export function scalarSeriesResult(
  ctx: ReaderContext,
  run: RunRef,
  name: string,
  q: ScalarQuery,
  ifNoneMatch: string | null,
): TaskResult {
  const series = readScalarSeries(ctx, run.dir, name) ?? EMPTY_SERIES;
  const xMetric = q.xMetric !== null ? (readScalarSeries(ctx, run.dir, q.xMetric) ?? EMPTY_SERIES) : null;
  const etag = etagOf(series.tag, [xMetric?.tag ?? '', normalizedQueryText(q)]);
  const headers = { etag, 'cache-control': 'no-cache' };
  if (etagMatches(ifNoneMatch, etag)) return { status: 304, type: JSON_TYPE, body: '', headers };
  const sel = selectRows(series, q, xMetric);
  if (q.format === 'kbc') {
    return { status: 200, type: KBC_CONTENT_TYPE, body: seriesFrame(run.runId, name, series, sel), headers };
  }
  return { status: 200, type: JSON_TYPE, body: scalarJson(name, series, sel, q), headers };
}

/** One series of batch/scalars: the JSON object (no `metric` key) or a kbc frame. */
export function batchSeriesPiece(
  ctx: ReaderContext,
  run: RunRef,
  name: string,
  q: ScalarQuery,
  afterStep: number | null,
): string | Uint8Array {
  const series = readScalarSeries(ctx, run.dir, name) ?? EMPTY_SERIES;
  const xMetric = q.xMetric !== null ? (readScalarSeries(ctx, run.dir, q.xMetric) ?? EMPTY_SERIES) : null;
  const query = { ...q, afterStep };
  const sel = selectRows(series, query, xMetric);
  if (q.format === 'kbc') return seriesFrame(run.runId, name, series, sel);
  const extended =
    query.points !== null ||
    query.afterStep !== null ||
    query.xMin !== null ||
    query.xMax !== null ||
    query.smooth !== null ||
    query.xMetric !== null ||
    query.timeUnit === 'ms';
  return seriesJsonBody(series, sel, query, extended);
}
