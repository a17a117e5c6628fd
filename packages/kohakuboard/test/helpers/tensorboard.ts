/**
 * TensorBoard log directories for tests: the fixtures written by the real writers (with what TensorBoard
 * itself reads from them), events built as TensorBoard's writers build them, and snapshots of a directory's
 * bytes and modification times.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { deflateSync } from 'node:zlib';
import { HParamsPluginDataType } from '../../src/tensorboard/proto-schema.js';
import { EventFileWriter } from '../../src/tensorboard/record-writer.js';
import { REPO_ROOT } from './fixtures.js';

export const TB_FIXTURES = join(REPO_ROOT, 'test', 'fixtures', 'tensorboard');
export const TB_LOGS = join(TB_FIXTURES, 'logs');

export type NonFinite = { $nonfinite: 'NaN' | 'Infinity' | '-Infinity' };

export interface TbExpectedRun {
  scalars: Record<
    string,
    { count: number; steps: number[]; wall_time_ms: number[]; values: Array<number | NonFinite> }
  >;
  histograms: Record<
    string,
    Array<{ step: number; left: number[]; right: number[]; counts: number[]; total: number }>
  >;
  images: Record<
    string,
    Array<{ step: number; width: number; height: number; sha256: string; bytes: number }>
  >;
  text: Record<string, Array<{ step: number; text: string }>>;
  audio: Record<string, Array<{ step: number; sha256: string; bytes: number }>>;
  other: Record<string, { count: number; plugin: string }>;
}

export function tbExpected(): { runs: Record<string, TbExpectedRun> } {
  return JSON.parse(readFileSync(join(TB_FIXTURES, 'expected.json'), 'utf8'));
}

export const expectedNumber = (v: number | NonFinite): number =>
  typeof v === 'number'
    ? v
    : v.$nonfinite === 'NaN'
      ? Number.NaN
      : v.$nonfinite === 'Infinity'
        ? Number.POSITIVE_INFINITY
        : Number.NEGATIVE_INFINITY;

export const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** Every file below `dir` with the SHA-256 of its bytes, its size and its modification time. */
export function snapshotTree(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) {
        out.set(`${relative(dir, p)}/`, String(statSync(p).mtimeMs));
        walk(p);
      } else {
        const st = statSync(p);
        out.set(relative(dir, p), `${sha256(readFileSync(p))} ${st.size} ${st.mtimeMs}`);
      }
    }
  };
  walk(dir);
  return out;
}

// ------------------------------------------------------------------------------------------------------------
// Events as the writers make them (plain objects in the Event message's shape)

export const fileVersionEvent = (wallTime: number) => ({ wallTime, fileVersion: 'brain.Event:2' });

export const scalarEvent = (tag: string, step: number, value: number, wallTime = 1_700_000_000 + step) => ({
  wallTime,
  step,
  summary: { value: [{ tag, simpleValue: value }] },
});

/** TF2 style: a float32 scalar tensor marked by the scalars plugin. */
export const tensorScalarEvent = (
  tag: string,
  step: number,
  value: number,
  wallTime = 1_700_000_000 + step,
) => {
  const content = Buffer.alloc(4);
  content.writeFloatLE(value);
  return {
    wallTime,
    step,
    summary: {
      value: [
        {
          tag,
          metadata: { pluginData: { pluginName: 'scalars' } },
          tensor: { dtype: 1, tensorShape: {}, tensorContent: content },
        },
      ],
    },
  };
};

export const textEvent = (tag: string, step: number, text: string, wallTime = 1_700_000_000 + step) => ({
  wallTime,
  step,
  summary: {
    value: [
      {
        tag,
        metadata: { pluginData: { pluginName: 'text' } },
        tensor: { dtype: 7, tensorShape: {}, stringVal: [Buffer.from(text, 'utf8')] },
      },
    ],
  },
});

export const pluginEvent = (tag: string, plugin: string, step: number, wallTime = 1_700_000_000 + step) => ({
  wallTime,
  step,
  summary: {
    value: [
      {
        tag,
        metadata: { pluginData: { pluginName: plugin, content: Buffer.from([8, 1]) } },
        tensor: { dtype: 1, tensorShape: {}, floatVal: [1] },
      },
    ],
  },
});

/** A PNG of a solid colour (a real PNG: signature, IHDR, IDAT, IEND). */
export function solidPng(width: number, height: number, rgb: [number, number, number]): Buffer {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (b: Buffer) => {
    let c = 0xffffffff;
    for (const x of b) c = crcTable[(c ^ x) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const c = Buffer.alloc(4);
    c.writeUInt32BE(crc(body));
    return Buffer.concat([len, body, c]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8;
  ihdr[9] = 2;
  const row = Buffer.concat([Buffer.from([0]), Buffer.from(Array.from({ length: width }, () => rgb).flat())]);
  const raw = Buffer.concat(Array.from({ length: height }, () => row));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

export const imageEvent = (tag: string, step: number, png: Buffer, wallTime = 1_700_000_000 + step) => ({
  wallTime,
  step,
  summary: { value: [{ tag, image: { width: 0, height: 0, colorspace: 3, encodedImageString: png } }] },
});

/** PyTorch style: a HistogramProto with bucket limits and counts. */
export const histoEvent = (
  tag: string,
  step: number,
  h: { min: number; max: number; limits: number[]; counts: number[] },
  wallTime = 1_700_000_000 + step,
) => ({
  wallTime,
  step,
  summary: {
    value: [
      {
        tag,
        histo: {
          min: h.min,
          max: h.max,
          num: h.counts.reduce((a, b) => a + b, 0),
          bucketLimit: h.limits,
          bucket: h.counts,
        },
      },
    ],
  },
});

/** The hparams plugin's session_start_info record, as PyTorch's add_hparams and TensorFlow's hp API write it. */
export function hparamsEvent(values: Record<string, number | string | boolean>, wallTime = 1_700_000_000) {
  const hparams = Object.fromEntries(
    Object.entries(values).map(([k, v]) => [
      k,
      typeof v === 'number'
        ? { numberValue: v }
        : typeof v === 'string'
          ? { stringValue: v }
          : { boolValue: v },
    ]),
  );
  const content = HParamsPluginDataType.encode({ version: 0, sessionStartInfo: { hparams } }).finish();
  return {
    wallTime,
    step: 0,
    summary: {
      value: [
        { tag: '_hparams_/session_start_info', metadata: { pluginData: { pluginName: 'hparams', content } } },
      ],
    },
  };
}

/** Appends events to an event file (created when missing). */
export function appendEvents(path: string, ...events: object[]): void {
  const w = new EventFileWriter(path);
  try {
    w.write(...events);
  } finally {
    w.close();
  }
}

// ------------------------------------------------------------------------------------------------------------
// The parts of `kobo dump`'s document (dumpRun with full: true) that the TensorBoard tests read

export interface DumpSeries {
  count: number;
  step: number[];
  global_step: number[];
  timestamp: number[];
  value: Array<number | NonFinite>;
}

export interface DumpRun {
  metadata: { name: string; project: string; config: Record<string, unknown>; status: string };
  steps: { count: number; step: number[]; global_step: number[]; timestamp: number[] } | null;
  metrics: Record<string, DumpSeries>;
  histogram_files: Record<
    string,
    {
      precision: string;
      num_bins: number;
      rows: Array<{
        step: number;
        global_step: number;
        name: string;
        min: number;
        max: number;
        counts: number[];
      }>;
    }
  >;
  media: Array<{
    name: string;
    type: string;
    format: string;
    step: number;
    global_step: number;
    size_bytes: number;
    width: number | null;
    height: number | null;
    caption: string;
    blob_sha256: string | null;
  }>;
  tables: Array<{
    name: string;
    step: number;
    global_step: number;
    columns: string[];
    column_types: string[];
    rows: unknown[][];
  }>;
}
