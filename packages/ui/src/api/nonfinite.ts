import type { JsonFloat } from './types';

/** Point codes of docs/ui.md#series-and-x-axes. */
export const KIND_FINITE = 0;
export const KIND_NAN = 1;
export const KIND_POS_INF = 2;
export const KIND_NEG_INF = 3;
export const KIND_MISSING = 4;

/** A JSON float (docs/api.md#json-encoding) as a number: strings become NaN/±Infinity, null becomes NaN. */
export function toNumber(v: JsonFloat | undefined): number {
  if (typeof v === 'number') return v;
  if (v === 'Infinity') return Number.POSITIVE_INFINITY;
  if (v === '-Infinity') return Number.NEGATIVE_INFINITY;
  return Number.NaN;
}

/** The docs/ui.md#series-and-x-axes code of a JSON float. */
export function kindOf(v: JsonFloat | undefined): number {
  if (v === null || v === undefined) return KIND_MISSING;
  if (typeof v === 'number')
    return Number.isFinite(v)
      ? KIND_FINITE
      : Number.isNaN(v)
        ? KIND_NAN
        : v > 0
          ? KIND_POS_INF
          : KIND_NEG_INF;
  if (v === 'NaN') return KIND_NAN;
  if (v === 'Infinity') return KIND_POS_INF;
  if (v === '-Infinity') return KIND_NEG_INF;
  return KIND_MISSING;
}

/** The code of a number that may be non-finite (binary columns). */
export function kindOfNumber(v: number): number {
  if (Number.isFinite(v)) return KIND_FINITE;
  if (Number.isNaN(v)) return KIND_NAN;
  return v > 0 ? KIND_POS_INF : KIND_NEG_INF;
}

/** How a non-finite value reads in tooltips and tables. */
export function formatNonFinite(kind: number): string {
  switch (kind) {
    case KIND_NAN:
      return 'NaN';
    case KIND_POS_INF:
      return '+Inf';
    case KIND_NEG_INF:
      return '\u2212Inf';
    default:
      return '\u2014';
  }
}

/** True for the strings the API uses for non-finite numbers. */
export function isNonFiniteString(v: unknown): v is 'NaN' | 'Infinity' | '-Infinity' {
  return v === 'NaN' || v === 'Infinity' || v === '-Infinity';
}
