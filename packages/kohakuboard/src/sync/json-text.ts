/**
 * JSON text of upload requests in the run-folder dialect (docs/sync.md#log-sync-request): non-finite
 * numbers as the bare tokens NaN, Infinity and -Infinity. Scalar rows, by far the most numerous, are
 * written by hand; everything else goes through the storage library's dialect writer.
 */
import { stringifyDialectJson } from '../storage/index.js';

/** A number as JSON of the dialect; -0 keeps its sign. */
export function numberText(x: number): string {
  if (Number.isFinite(x)) return Object.is(x, -0) ? '-0.0' : String(x);
  return Number.isNaN(x) ? 'NaN' : x > 0 ? 'Infinity' : '-Infinity';
}

/** An integer column value stored as NaN when SQL NULL: null then. */
export function intOrNull(x: number): string {
  return Number.isFinite(x) ? String(x) : 'null';
}

export function scalarRowText(step: number, value: number, globalStep: number, timestamp: number): string {
  return `{"step":${step},"value":${numberText(value)},"global_step":${intOrNull(globalStep)},"timestamp":${intOrNull(timestamp)}}`;
}

export const jsonText = (value: unknown): string => stringifyDialectJson(value);

/** Bytes of a fragment in UTF-8 (ASCII fragments: their length). */
export function byteSize(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}
