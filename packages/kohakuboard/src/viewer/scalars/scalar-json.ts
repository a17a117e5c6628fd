/**
 * The JSON body of a scalar series (docs/api.md#scalars plus the extension keys of docs/api.md#downsampling):
 * four parallel arrays, then total_points, last_step, downsampling, smoothed and xs.
 */
import type { ScalarSeries } from '../../reader/scalar-source.js';
import { floatsJson, nullableJson, secondsJson } from '../json-encode.js';
import type { ScalarQuery } from './scalar-query.js';
import type { DownsamplingInfo, Selection } from './scalar-selection.js';

export function downsamplingObject(info: DownsamplingInfo): Record<string, unknown> {
  const ms = info.x === 'timestamp';
  return {
    method: info.method,
    points_requested: info.points_requested,
    x: info.x,
    [ms ? 'bucket_width_ms' : 'bucket_width']: info.bucketWidth,
    buckets: info.buckets,
    window_points: info.window_points,
    returned_points: info.returned_points,
    x_min: info.x_min,
    x_max: info.x_max,
    [ms ? 'from_bucket_x_ms' : 'from_bucket_x']: info.fromBucketX,
  };
}

/** Whether any extension key goes into the body (the original's exact shape otherwise). */
export function hasExtensions(q: ScalarQuery): boolean {
  return (
    q.points !== null ||
    q.afterStep !== null ||
    q.xMin !== null ||
    q.xMax !== null ||
    q.smooth !== null ||
    q.xMetric !== null ||
    q.timeUnit === 'ms'
  );
}

/** The series object without the `metric` key (batch/scalars shape), as JSON text. */
export function seriesJsonBody(
  series: ScalarSeries,
  sel: Selection,
  q: ScalarQuery,
  extended: boolean,
): string {
  const r = sel.rows;
  const timestamps =
    q.timeUnit === 'ms' ? nullableJson(series.timestampsMs, r) : secondsJson(series.timestampsMs, r);
  let values: string;
  if (!series.valuesNullable) values = floatsJson(series.values, r);
  else if (series.values === series.timestampsMs && q.timeUnit === 's')
    values = secondsJson(series.values, r);
  else values = nullableJson(series.values, r);
  let s = `"steps":${nullableJson(series.steps, r)},"global_steps":${nullableJson(series.globalSteps, r)},"timestamps":${timestamps},"values":${values}`;
  if (extended) {
    s += `,"total_points":${sel.totalPoints},"last_step":${sel.lastStep === null ? 'null' : sel.lastStep}`;
    if (sel.downsampling) s += `,"downsampling":${JSON.stringify(downsamplingObject(sel.downsampling))}`;
    if (sel.smoothed) s += `,"smoothed":${nullableJson(sel.smoothed)}`;
    if (sel.xs) s += `,"xs":${nullableJson(sel.xs)}`;
  }
  return `{${s}}`;
}

/** The docs/api.md#scalars object of one metric. */
export function scalarJson(metric: string, series: ScalarSeries, sel: Selection, q: ScalarQuery): string {
  const body = seriesJsonBody(series, sel, q, hasExtensions(q));
  return `{"metric":${JSON.stringify(metric)},${body.slice(1)}`;
}
