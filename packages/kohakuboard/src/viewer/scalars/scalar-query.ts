/**
 * The parameters of a scalar series request (docs/api.md#scalars, docs/api.md#downsampling,
 * docs/api.md#kbc-frames), from a URL query or from a batch/scalars body, validated into one normalized
 * shape.
 */
import { isSmoothMode, MAX_GAUSSIAN_KERNEL, type SmoothMode } from '@kohakuboard/series';
import { invalidParameter } from '../api-error.js';
import { checkName } from '../path-safety.js';
import { enumParam, floatParam, intParam, limitParam, type Query } from '../query-params.js';

export type XAxis = 'step' | 'global_step' | 'timestamp';
export type OutputFormat = 'json' | 'kbc';

export interface ScalarQuery {
  limit: number | null;
  points: number | null;
  x: XAxis;
  xMin: number | null;
  xMax: number | null;
  xMetric: string | null;
  smooth: SmoothMode | null;
  smoothValue: number | null;
  timeUnit: 's' | 'ms';
  afterStep: number | null;
  format: OutputFormat;
}

const X_AXES: readonly XAxis[] = ['step', 'global_step', 'timestamp'];
const DEFAULT_SMOOTH_VALUE: Record<SmoothMode, number> = { ema: 0.9, ema_debiased: 0.9, ma: 10, gaussian: 9 };

/** `points`: 8–100,000; 0 or absent turns selection off. */
function checkPoints(points: number | null): number | null {
  if (points === null || points === 0) return null;
  if (!Number.isInteger(points) || points < 8 || points > 100_000) {
    throw invalidParameter('points', 'points must be an integer from 8 to 100000, or 0');
  }
  return points;
}

function checkSmooth(
  smooth: string | null,
  value: number | null,
): { smooth: SmoothMode | null; value: number | null } {
  if (smooth === null || smooth === '') return { smooth: null, value: null };
  if (!isSmoothMode(smooth))
    throw invalidParameter('smooth', 'smooth must be one of ema, ema_debiased, ma, gaussian');
  const v = value ?? DEFAULT_SMOOTH_VALUE[smooth];
  const bad = (range: string) =>
    invalidParameter('smooth_value', `smooth_value for ${smooth} must be ${range}`);
  if (smooth === 'ema' || smooth === 'ema_debiased') {
    if (!(v >= 0 && v <= 1)) throw bad('from 0 to 1 (above 0.999 counts as 0.999)');
  } else if (smooth === 'ma') {
    if (!(v >= 1)) throw bad('>= 1');
  } else if (!(v >= 3 && v <= MAX_GAUSSIAN_KERNEL)) throw bad(`from 3 to ${MAX_GAUSSIAN_KERNEL}`);
  // ma: a window longer than the series averages all of it; its work does not grow with the window.
  return { smooth, value: v };
}

export function scalarQueryFromUrl(q: Query): ScalarQuery {
  const sm = checkSmooth(q.get('smooth'), floatParam(q, 'smooth_value'));
  return {
    limit: limitParam(q),
    points: checkPoints(intParam(q, 'points', { min: 0 })),
    x: enumParam(q, 'x', X_AXES, 'step'),
    xMin: floatParam(q, 'x_min'),
    xMax: floatParam(q, 'x_max'),
    xMetric: q.get('x_metric') ? checkName(q.get('x_metric')!, 'x_metric') : null,
    smooth: sm.smooth,
    smoothValue: sm.value,
    timeUnit: enumParam(q, 'time_unit', ['s', 'ms'] as const, 's'),
    afterStep: intParam(q, 'after_step'),
    format: enumParam(q, 'format', ['json', 'kbc'] as const, 'json'),
  };
}

type Body = Record<string, unknown>;

function bodyNumber(body: Body, name: string, integer = false): number | null {
  const v = body[name];
  if (v === undefined || v === null) return null;
  if (typeof v !== 'number' || !Number.isFinite(v) || (integer && !Number.isSafeInteger(v))) {
    throw invalidParameter(name, `${name} must be ${integer ? 'an integer' : 'a number'}`);
  }
  return v;
}

function bodyEnum<T extends string>(body: Body, name: string, values: readonly T[], fallback: T): T {
  const v = body[name];
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'string' || !(values as readonly string[]).includes(v)) {
    throw invalidParameter(name, `${name} must be one of ${values.join(', ')}`);
  }
  return v as T;
}

/**
 * The shared parameters of batch/scalars (docs/api.md#batch-scalars); after_step may be a number or a per-run
 * object.
 */
export function scalarQueryFromBody(
  body: Body,
  formatOverride: OutputFormat | null,
): {
  query: ScalarQuery;
  afterStepByRun: Record<string, number> | null;
} {
  const limit = bodyNumber(body, 'limit', true);
  if (limit !== null && limit < 0) throw invalidParameter('limit', 'limit must be >= 0');
  const smoothRaw = body.smooth;
  if (smoothRaw !== undefined && smoothRaw !== null && typeof smoothRaw !== 'string') {
    throw invalidParameter('smooth', 'smooth must be a string');
  }
  const sm = checkSmooth((smoothRaw as string | null | undefined) ?? null, bodyNumber(body, 'smooth_value'));
  const xMetric = body.x_metric;
  if (xMetric !== undefined && xMetric !== null && typeof xMetric !== 'string') {
    throw invalidParameter('x_metric', 'x_metric must be a string');
  }
  let afterStep: number | null = null;
  let afterStepByRun: Record<string, number> | null = null;
  const a = body.after_step;
  if (a !== undefined && a !== null) {
    if (typeof a === 'number' && Number.isSafeInteger(a)) afterStep = a;
    else if (typeof a === 'object' && !Array.isArray(a)) {
      afterStepByRun = {};
      for (const [k, v] of Object.entries(a as Body)) {
        if (typeof v !== 'number' || !Number.isSafeInteger(v)) {
          throw invalidParameter('after_step', 'after_step values must be integers');
        }
        afterStepByRun[k] = v;
      }
    } else throw invalidParameter('after_step', 'after_step must be an integer or an object of integers');
  }
  return {
    query: {
      limit: limit === 0 ? null : limit,
      points: checkPoints(bodyNumber(body, 'points', true)),
      x: bodyEnum(body, 'x', X_AXES, 'step'),
      xMin: bodyNumber(body, 'x_min'),
      xMax: bodyNumber(body, 'x_max'),
      xMetric: xMetric ? checkName(xMetric as string, 'x_metric') : null,
      smooth: sm.smooth,
      smoothValue: sm.value,
      timeUnit: bodyEnum(body, 'time_unit', ['s', 'ms'] as const, 's'),
      afterStep,
      format: formatOverride ?? bodyEnum(body, 'format', ['json', 'kbc'] as const, 'json'),
    },
    afterStepByRun,
  };
}

/** A stable text of the query, for ETags. */
export function normalizedQueryText(q: ScalarQuery): string {
  return JSON.stringify([
    q.limit,
    q.points,
    q.x,
    q.xMin,
    q.xMax,
    q.xMetric,
    q.smooth,
    q.smoothValue,
    q.timeUnit,
    q.afterStep,
    q.format,
  ]);
}
