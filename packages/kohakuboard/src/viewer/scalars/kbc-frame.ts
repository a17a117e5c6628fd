/**
 * The binary columnar frame `KBC1` (docs/api.md#kbc-frames): magic, u32 header length, header JSON, space
 * padding to 8, then 8-byte-aligned column bodies. Timestamps are always milliseconds.
 */

import type { ScalarSeries } from '../../reader/scalar-source.js';
import { encodeI64 } from '../../storage/index.js';
import type { ErrorDetail } from '../api-error.js';
import { downsamplingObject } from './scalar-json.js';
import type { Selection } from './scalar-selection.js';

export const KBC_CONTENT_TYPE = 'application/x-kohakuboard-kbc';
export const KBC_STREAM_CONTENT_TYPE = 'application/x-kohakuboard-kbc-stream';

interface Column {
  name: string;
  dtype: 'i64' | 'f64' | 'u8';
  bytes: Uint8Array;
}

const pad8 = (n: number) => Math.ceil(n / 8) * 8;

function gatherF64(values: Float64Array, rows: Uint32Array): Float64Array {
  const out = new Float64Array(rows.length);
  for (let i = 0; i < rows.length; i++) out[i] = values[rows[i]];
  return out;
}

function i64Of(values: Float64Array, rows: Uint32Array): Uint8Array {
  const g = gatherF64(values, rows);
  for (let i = 0; i < g.length; i++) if (!Number.isFinite(g[i])) g[i] = 0;
  return encodeI64(g);
}

const bytesOf = (a: Float64Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/** Assembles one frame from its header fields and columns. */
export function kbcFrame(
  head: Record<string, unknown>,
  columns: Column[],
  meta: unknown,
  error: ErrorDetail | null,
): Uint8Array {
  const count = (head.count as number) ?? 0;
  // Offsets depend on the header length, which depends on the offsets: iterate until stable.
  let headerText = '';
  let offsets: number[] = [];
  let start = 0;
  for (let attempt = 0; attempt < 4; attempt++) {
    let at = start;
    offsets = columns.map((c) => {
      const o = at;
      at += pad8(c.bytes.length);
      return o;
    });
    const header = {
      version: 1,
      ...head,
      count,
      byte_length: at,
      columns: columns.map((c, i) => ({ name: c.name, dtype: c.dtype, offset: offsets[i] })),
      meta,
      error,
    };
    headerText = JSON.stringify(header);
    const next = pad8(8 + Buffer.byteLength(headerText));
    if (next === start) break;
    start = next;
  }
  const total = columns.length
    ? offsets[offsets.length - 1] + pad8(columns[columns.length - 1].bytes.length)
    : start;
  const out = new Uint8Array(Math.max(total, start));
  out.set([0x4b, 0x42, 0x43, 0x31], 0);
  const headerBytes = Buffer.from(headerText);
  new DataView(out.buffer).setUint32(4, headerBytes.length, true);
  out.set(headerBytes, 8);
  out.fill(0x20, 8 + headerBytes.length, start);
  columns.forEach((c, i) => {
    out.set(c.bytes, offsets[i]);
  });
  return out;
}

/** The frame of one selected series. */
export function seriesFrame(runId: string, metric: string, series: ScalarSeries, sel: Selection): Uint8Array {
  const r = sel.rows;
  const values = gatherF64(series.values, r);
  const columns: Column[] = [
    { name: 'steps', dtype: 'i64', bytes: i64Of(series.steps, r) },
    { name: 'global_steps', dtype: 'i64', bytes: i64Of(series.globalSteps, r) },
    { name: 'timestamps_ms', dtype: 'i64', bytes: i64Of(series.timestampsMs, r) },
    { name: 'values', dtype: 'f64', bytes: bytesOf(values) },
  ];
  if (series.valuesNullable) {
    const present = new Uint8Array(r.length);
    let missing = false;
    for (let i = 0; i < r.length; i++) {
      present[i] = Number.isNaN(values[i]) ? 0 : 1;
      if (!present[i]) missing = true;
    }
    if (missing) columns.push({ name: 'present', dtype: 'u8', bytes: present });
  }
  if (sel.smoothed) columns.push({ name: 'smoothed', dtype: 'f64', bytes: bytesOf(sel.smoothed) });
  if (sel.xs) columns.push({ name: 'xs', dtype: 'f64', bytes: bytesOf(sel.xs) });
  const meta: Record<string, unknown> = { total_points: sel.totalPoints, last_step: sel.lastStep };
  if (sel.downsampling) meta.downsampling = downsamplingObject(sel.downsampling);
  return kbcFrame({ run_id: runId, metric, count: r.length }, columns, meta, null);
}

/** A frame with no rows that carries an error (an unresolvable run in a batch stream). */
export function errorFrame(runId: string, metric: string, error: ErrorDetail): Uint8Array {
  return kbcFrame({ run_id: runId, metric, count: 0 }, [], null, error);
}
