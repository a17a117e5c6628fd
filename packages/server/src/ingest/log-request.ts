/**
 * A log sync request, checked item by item (docs/server.md#log-upload). The request's frame (an object
 * whose sources have the right kinds) must hold, else nothing is written (400); an item that breaks a rule is
 * left out and reported, and the rest is stored. Unknown keys are ignored. Both clients are accepted: the
 * Python sync worker's fields, and this project's `offsets`, `id`s and per-row `global_step`/`timestamp`.
 */
import {
  checkLogName,
  type JsonValue,
  MEDIA_HASH_RE,
  namespaceOf,
  startsWithKvHeaderMagic,
  stringifyDialectJson,
} from 'kohakuboard/storage';
import { type BodyValue, ScalarColumns, StepColumns } from './log-body.js';

export type Source = 'steps' | 'scalars' | 'media' | 'tables' | 'histograms' | 'tensors' | 'kernel_density';

export interface Rejection {
  source: Source | 'metadata';
  name: string | null;
  index: number | null;
  code: string;
  message: string;
  expected?: number;
}

export interface MetricIn {
  name: string;
  /** The 0-based index in the client's file of the first row (this project's client), or null. */
  offset: number | null;
  step: Float64Array;
  value: Float64Array;
  /** NaN where the row has none. */
  globalStep: Float64Array;
  timestamp: Float64Array;
}

export interface MediaIn {
  id: number;
  hash: string;
  format: string;
  step: number;
  globalStep: number | null;
  name: string;
  caption: string | null;
  type: string;
  width: number | null;
  height: number | null;
  sizeBytes: number | null;
}

export interface TableIn {
  id: number | null;
  step: number;
  globalStep: number | null;
  name: string;
  columns: string;
  columnTypes: string;
  rows: string;
}

export interface HistogramIn {
  step: number;
  globalStep: number | null;
  name: string;
  numBins: number;
  precision: 'u8' | 'i32';
  counts: number[];
  min: number;
  max: number;
}

export interface PayloadIn {
  kind: 'tensors' | 'kernel_density';
  id: number | null;
  step: number;
  globalStep: number | null;
  name: string;
  bytes: Buffer;
  /** tensor_meta or kde_meta. */
  meta: Record<string, JsonValue>;
}

export interface LogRequest {
  syncRange: { start_step: number; end_step: number };
  /** The valid step rows, NaN where global_step or timestamp is null. */
  steps: StepColumns;
  metrics: MetricIn[];
  media: MediaIn[];
  tables: TableIn[];
  /** By histogram file stem `<ns>_<K>_<prec>`, rows in request order, with the stem's offset. */
  histograms: Map<string, { offset: number | null; rows: HistogramIn[] }>;
  payloads: PayloadIn[];
  metadata: Record<string, JsonValue> | null;
}

export interface ValidateOptions {
  maxItemBytes: number;
}

export class FrameError extends Error {
  constructor(message: string) {
    super(message);
  }
}

const MAX_BINS = 65_536;
const NPY_MAGIC = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]);
const ZIP_MAGIC = Buffer.from([0x50, 0x4b, 0x03, 0x04]);
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const FORMAT_RE = /^[0-9a-z]{1,8}$/;
const MEDIA_TYPES = new Set(['image', 'video', 'audio']);

type Obj = Record<string, JsonValue>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);
const optInt = (v: unknown): number | null | undefined =>
  v === undefined || v === null ? null : isInt(v) ? v : undefined;

/** A scalar value: a number, null (NaN, as orjson writes it) or one of the strings NaN, Infinity, -Infinity. */
function scalarValue(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (v === null) return Number.NaN;
  if (v === 'NaN') return Number.NaN;
  if (v === 'Infinity') return Number.POSITIVE_INFINITY;
  if (v === '-Infinity') return Number.NEGATIVE_INFINITY;
  return undefined;
}

function listOf(body: Obj, key: string): JsonValue[] {
  const v = body[key];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new FrameError(`"${key}" must be a list`);
  return v;
}

function offsetsOf(body: Obj, key: 'scalars' | 'histograms'): Obj {
  const o = body.offsets;
  if (o === undefined || o === null) return {};
  if (!isObj(o)) throw new FrameError('"offsets" must be an object');
  const v = o[key];
  if (v === undefined || v === null) return {};
  if (!isObj(v)) throw new FrameError(`"offsets.${key}" must be an object`);
  return v;
}

/**
 * Checks a request; throws FrameError when its frame is wrong (nothing may be written then). Step and
 * scalar lists come as plain JSON or as the columns the body parser read them into (docs/server.md#parsing-a-log-body).
 */
export function validateLogRequest(
  bodyValue: BodyValue,
  options: ValidateOptions,
): { request: LogRequest; rejected: Rejection[] } {
  if (!isObj(bodyValue) || bodyValue instanceof ScalarColumns || bodyValue instanceof StepColumns)
    throw new FrameError('The body must be a JSON object');
  const body = bodyValue as Obj;
  const rejected: Rejection[] = [];
  const reject = (r: Rejection) => rejected.push(r);

  const range = body.sync_range;
  let syncRange = { start_step: 0, end_step: -1 };
  if (range !== undefined && range !== null) {
    if (!isObj(range) || !isInt(range.start_step) || !isInt(range.end_step))
      throw new FrameError('"sync_range" must be {"start_step": int, "end_step": int}');
    syncRange = { start_step: range.start_step, end_step: range.end_step };
  }

  const sentSteps = body.steps as BodyValue | undefined;
  const steps = sentSteps instanceof StepColumns ? sentSteps : validateSteps(listOf(body, 'steps'), reject);

  // The offsets' frame is checked even when their sources are absent.
  offsetsOf(body, 'scalars');
  offsetsOf(body, 'histograms');
  const metrics = validateScalars(body, reject);
  const media = validateMedia(listOf(body, 'media'), reject);
  const tables = validateTables(listOf(body, 'tables'), reject);
  const histograms = validateHistograms(listOf(body, 'histograms'), offsetsOf(body, 'histograms'), reject);
  const payloads = [
    ...validatePayloads('tensors', listOf(body, 'tensors'), options, reject),
    ...validatePayloads('kernel_density', listOf(body, 'kernel_density'), options, reject),
  ];

  let metadata: Obj | null = null;
  if (body.metadata !== undefined && body.metadata !== null) {
    if (!isObj(body.metadata)) throw new FrameError('"metadata" must be an object');
    metadata = body.metadata;
  }
  return {
    request: { syncRange, steps, metrics, media, tables, histograms, payloads, metadata },
    rejected,
  };
}

/** Step rows sent as plain JSON: the valid ones as columns, the others reported. */
function validateSteps(list: JsonValue[], reject: (r: Rejection) => void): StepColumns {
  const step: number[] = [];
  const globalSteps: number[] = [];
  const timestamps: number[] = [];
  list.forEach((s, index) => {
    const globalStep = isObj(s) ? optInt(s.global_step) : undefined;
    const timestamp = isObj(s) ? optInt(s.timestamp) : undefined;
    if (!isObj(s) || !isInt(s.step) || globalStep === undefined || timestamp === undefined) {
      reject({
        source: 'steps',
        name: null,
        index,
        code: 'invalid_row',
        message: 'a step row needs an integer step, global_step and timestamp',
      });
      return;
    }
    step.push(s.step);
    globalSteps.push(globalStep ?? Number.NaN);
    timestamps.push(timestamp ?? Number.NaN);
  });
  return new StepColumns(
    Float64Array.from(step),
    Float64Array.from(globalSteps),
    Float64Array.from(timestamps),
  );
}

function validateScalars(body: Obj, reject: (r: Rejection) => void): MetricIn[] {
  const scalars = body.scalars;
  if (scalars === undefined || scalars === null) return [];
  if (!isObj(scalars)) throw new FrameError('"scalars" must be an object of lists');
  const offsets = offsetsOf(body, 'scalars');
  const out: MetricIn[] = [];
  for (const name of Object.keys(scalars)) {
    const rows = scalars[name] as BodyValue;
    const bad = (index: number | null, message: string, code = 'invalid_row') =>
      reject({ source: 'scalars', name, index, code, message });
    const problem = checkLogName(name, 'linux');
    if (problem) {
      bad(null, problem, 'invalid_name');
      continue;
    }
    if (!Array.isArray(rows) && !(rows instanceof ScalarColumns)) {
      bad(null, 'the rows must be a list');
      continue;
    }
    const offset = offsets[name];
    if (offset !== undefined && offset !== null && !(isInt(offset) && offset >= 0)) {
      bad(null, 'its offset must be a whole number ≥ 0');
      continue;
    }
    if (rows instanceof ScalarColumns) {
      // Already checked row by row by the body parser.
      out.push({
        name,
        offset: offset === undefined || offset === null ? null : offset,
        step: rows.step,
        value: rows.value,
        globalStep: rows.globalStep,
        timestamp: rows.timestamp,
      });
      continue;
    }
    const n = rows.length;
    const m: MetricIn = {
      name,
      offset: offset === undefined || offset === null ? null : offset,
      step: new Float64Array(n),
      value: new Float64Array(n),
      globalStep: new Float64Array(n),
      timestamp: new Float64Array(n),
    };
    let failed = false;
    for (let i = 0; i < n; i++) {
      const r = rows[i];
      if (!isObj(r) || !isInt(r.step)) {
        bad(i, 'a row needs an integer step');
        failed = true;
        break;
      }
      const value = scalarValue(r.value);
      if (value === undefined) {
        bad(i, 'the value must be a number, null, "NaN", "Infinity" or "-Infinity"');
        failed = true;
        break;
      }
      const gs = r.global_step;
      const ts = r.timestamp;
      if (
        (gs !== undefined && gs !== null && !isInt(gs)) ||
        (ts !== undefined && ts !== null && !isInt(ts))
      ) {
        bad(i, 'global_step and timestamp must be integers');
        failed = true;
        break;
      }
      m.step[i] = r.step;
      m.value[i] = value;
      m.globalStep[i] = gs === undefined || gs === null ? Number.NaN : gs;
      m.timestamp[i] = ts === undefined || ts === null ? Number.NaN : ts;
    }
    // A metric is written whole or not at all: its rows stand for consecutive rows of the client's file.
    if (!failed) out.push(m);
  }
  return out;
}

function validateMedia(list: JsonValue[], reject: (r: Rejection) => void): MediaIn[] {
  const out: MediaIn[] = [];
  for (const [index, m] of list.entries()) {
    const name = isObj(m) && typeof m.name === 'string' ? m.name : null;
    const bad = (message: string) => reject({ source: 'media', name, index, code: 'invalid_row', message });
    if (!isObj(m)) {
      bad('a media row must be an object');
      continue;
    }
    if (!isInt(m.id) || m.id < 1) {
      bad('"id" must be a whole number ≥ 1');
      continue;
    }
    if (typeof m.media_hash !== 'string' || !MEDIA_HASH_RE.test(m.media_hash)) {
      bad('"media_hash" must be 22 characters of 0-9 and a-z');
      continue;
    }
    if (typeof m.format !== 'string' || !FORMAT_RE.test(m.format)) {
      bad('"format" must be 1–8 characters of 0-9 and a-z');
      continue;
    }
    if (typeof m.type !== 'string' || !MEDIA_TYPES.has(m.type)) {
      bad('"type" must be image, video or audio');
      continue;
    }
    if (!isInt(m.step)) {
      bad('"step" must be an integer');
      continue;
    }
    if (name === null || name === '') {
      bad('"name" must be a non-empty string');
      continue;
    }
    const globalStep = optInt(m.global_step);
    const width = optInt(m.width);
    const height = optInt(m.height);
    const sizeBytes = optInt(m.size_bytes);
    if (globalStep === undefined || width === undefined || height === undefined || sizeBytes === undefined) {
      bad('global_step, width, height and size_bytes must be integers or null');
      continue;
    }
    if (m.caption !== undefined && m.caption !== null && typeof m.caption !== 'string') {
      bad('"caption" must be a string or null');
      continue;
    }
    out.push({
      id: m.id,
      hash: m.media_hash,
      format: m.format,
      step: m.step,
      globalStep,
      name,
      caption: typeof m.caption === 'string' ? m.caption : null,
      type: m.type,
      width,
      height,
      sizeBytes,
    });
  }
  return out;
}

const isStringList = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');

function validateTables(list: JsonValue[], reject: (r: Rejection) => void): TableIn[] {
  const out: TableIn[] = [];
  for (const [index, t] of list.entries()) {
    const name = isObj(t) && typeof t.name === 'string' ? t.name : null;
    const bad = (message: string) => reject({ source: 'tables', name, index, code: 'invalid_row', message });
    if (!isObj(t)) {
      bad('a table row must be an object');
      continue;
    }
    if (name === null || name === '') {
      bad('"name" must be a non-empty string');
      continue;
    }
    if (!isInt(t.step)) {
      bad('"step" must be an integer');
      continue;
    }
    const id = optInt(t.id);
    const globalStep = optInt(t.global_step);
    if (id === undefined || (id !== null && id < 1)) {
      bad('"id" must be a whole number ≥ 1');
      continue;
    }
    if (globalStep === undefined) {
      bad('"global_step" must be an integer or null');
      continue;
    }
    if (!isStringList(t.columns) || !isStringList(t.column_types)) {
      bad('"columns" and "column_types" must be lists of strings');
      continue;
    }
    if (!Array.isArray(t.rows) || !t.rows.every(Array.isArray)) {
      bad('"rows" must be a list of lists');
      continue;
    }
    out.push({
      id,
      step: t.step,
      globalStep,
      name,
      columns: JSON.stringify(t.columns),
      columnTypes: JSON.stringify(t.column_types),
      rows: stringifyDialectJson(t.rows),
    });
  }
  return out;
}

function precisionOf(v: unknown): 'u8' | 'i32' | null {
  if (v === 'u8' || v === 'compact') return 'u8';
  if (v === 'i32' || v === 'exact') return 'i32';
  return null;
}

function validateHistograms(
  list: JsonValue[],
  offsets: Obj,
  reject: (r: Rejection) => void,
): Map<string, { offset: number | null; rows: HistogramIn[] }> {
  const out = new Map<string, { offset: number | null; rows: HistogramIn[] }>();
  const badStems = new Set<string>();
  for (const [index, h] of list.entries()) {
    const name = isObj(h) && typeof h.name === 'string' ? h.name : null;
    const bad = (message: string, code = 'invalid_row') =>
      reject({ source: 'histograms', name, index, code, message });
    if (!isObj(h)) {
      bad('a histogram row must be an object');
      continue;
    }
    const problem = checkLogName(name, 'linux');
    if (problem || name === null) {
      bad(problem ?? 'the name must be a string', 'invalid_name');
      continue;
    }
    if (!isInt(h.step)) {
      bad('"step" must be an integer');
      continue;
    }
    const globalStep = optInt(h.global_step);
    if (globalStep === undefined) {
      bad('"global_step" must be an integer or null');
      continue;
    }
    const precision = precisionOf(h.precision);
    if (!precision) {
      bad('"precision" must be u8 or i32 (or compact, exact)');
      continue;
    }
    const { bins, counts } = h;
    if (!Array.isArray(counts) || counts.length < 1 || counts.length > MAX_BINS) {
      bad(`"counts" must hold 1 to ${MAX_BINS} bins`);
      continue;
    }
    const K = counts.length;
    if (!Array.isArray(bins) || bins.length !== K + 1) {
      bad(`"bins" must hold the ${K + 1} edges of ${K} bins`);
      continue;
    }
    if (!bins.every((e) => typeof e === 'number' && Number.isFinite(e))) {
      bad('every edge must be finite');
      continue;
    }
    const top = precision === 'u8' ? 255 : 2_147_483_647;
    if (!counts.every((c) => isInt(c) && c >= 0 && c <= top)) {
      bad(`every count must be a whole number from 0 to ${top}`);
      continue;
    }
    const stem = `${namespaceOf(name)}_${K}_${precision}`;
    if (badStems.has(stem)) continue;
    let group = out.get(stem);
    if (!group) {
      const offset = offsets[stem];
      if (offset !== undefined && offset !== null && !(isInt(offset) && offset >= 0)) {
        badStems.add(stem);
        bad(`the offset of ${stem} must be a whole number ≥ 0`);
        continue;
      }
      group = { offset: offset === undefined || offset === null ? null : offset, rows: [] };
      out.set(stem, group);
    }
    group.rows.push({
      step: h.step,
      globalStep,
      name,
      numBins: K,
      precision,
      counts: counts as number[],
      min: bins[0] as number,
      max: bins[K] as number,
    });
  }
  return out;
}

function decodePayload(kind: PayloadIn['kind'], text: unknown, maxBytes: number): Buffer | string {
  if (typeof text !== 'string') return '"payload" must be a base64 string';
  if (text.length % 4 !== 0 || !BASE64.test(text)) return '"payload" is not base64';
  if ((text.length / 4) * 3 > maxBytes + 2) return 'too_large';
  const bytes = Buffer.from(text, 'base64');
  if (bytes.length > maxBytes) return 'too_large';
  if (startsWithKvHeaderMagic(bytes))
    return 'the payload starts with the bytes 89 4B, which the format reserves';
  const magic = kind === 'tensors' ? NPY_MAGIC : ZIP_MAGIC;
  if (bytes.length < magic.length || !bytes.subarray(0, magic.length).equals(magic))
    return kind === 'tensors' ? 'the payload is not an NPY file' : 'the payload is not an NPZ archive';
  return bytes;
}

function validatePayloads(
  kind: PayloadIn['kind'],
  list: JsonValue[],
  options: ValidateOptions,
  reject: (r: Rejection) => void,
): PayloadIn[] {
  const metaKey = kind === 'tensors' ? 'tensor_meta' : 'kde_meta';
  const out: PayloadIn[] = [];
  for (const [index, p] of list.entries()) {
    const name = isObj(p) && typeof p.name === 'string' ? p.name : null;
    const bad = (message: string, code = 'invalid_row') =>
      reject({ source: kind, name, index, code, message });
    if (!isObj(p)) {
      bad('a row must be an object');
      continue;
    }
    const problem = checkLogName(name, 'linux');
    if (problem || name === null) {
      bad(problem ?? 'the name must be a string', 'invalid_name');
      continue;
    }
    if (!isInt(p.step)) {
      bad('"step" must be an integer');
      continue;
    }
    const id = optInt(p.id);
    const globalStep = optInt(p.global_step);
    if (id === undefined || (id !== null && id < 1)) {
      bad('"id" must be a whole number ≥ 1');
      continue;
    }
    if (globalStep === undefined) {
      bad('"global_step" must be an integer or null');
      continue;
    }
    const meta = p[metaKey] ?? {};
    if (!isObj(meta)) {
      bad(`"${metaKey}" must be an object`);
      continue;
    }
    const bytes = decodePayload(kind, p.payload, options.maxItemBytes);
    if (bytes === 'too_large') {
      bad(`the payload is larger than ${options.maxItemBytes} bytes`, 'too_large');
      continue;
    }
    if (typeof bytes === 'string') {
      bad(bytes, 'invalid_payload');
      continue;
    }
    out.push({ kind, id, step: p.step, globalStep, name, bytes, meta });
  }
  return out;
}
