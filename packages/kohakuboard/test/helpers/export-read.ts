/**
 * Reading exported tables back independently of the export code: Parquet through hyparquet (a JavaScript
 * Parquet reader, with zstd from hyparquet-compressors), CSV with the field and float rules of
 * pandas.read_csv(float_precision="round_trip"), JSON Lines with JSON.parse.
 */
import { readFileSync } from 'node:fs';
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import {
  decodeF64,
  decodeI64,
  listMetricFiles,
  readMetricSeries,
  withReadOnly,
} from '../../src/storage/index.js';

export type Row = Record<string, unknown>;

function arrayBufferOf(path: string): ArrayBuffer {
  const buf = readFileSync(path);
  return buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer;
}

export async function readParquet(path: string): Promise<{
  rows: Row[];
  schema: ReturnType<typeof parquetMetadata>['schema'];
  rowGroups: number;
  keyValue: string[];
}> {
  const file = arrayBufferOf(path);
  const meta = parquetMetadata(file);
  const rows = (await parquetReadObjects({ file, compressors, utf8: true })) as Row[];
  return {
    rows,
    schema: meta.schema,
    rowGroups: meta.row_groups.length,
    keyValue: (meta.key_value_metadata ?? []).map((k) => k.key),
  };
}

/** pandas' default NA spellings (read_csv na_values), which read as NaN in a float column. */
const PANDAS_NA = new Set([
  '',
  '#N/A',
  '#N/A N/A',
  '#NA',
  '-1.#IND',
  '-1.#QNAN',
  '-NaN',
  '-nan',
  '1.#IND',
  '1.#QNAN',
  '<NA>',
  'N/A',
  'NA',
  'NULL',
  'NaN',
  'None',
  'n/a',
  'nan',
  'null',
]);

/** A float field as pandas reads it: NA spellings → NaN, inf/infinity (any case, signed), else strtod. */
export function pandasFloat(text: string): number {
  if (PANDAS_NA.has(text)) return Number.NaN;
  const inf = /^([+-]?)(inf|infinity)$/i.exec(text);
  if (inf) return inf[1] === '-' ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text))
    throw new Error(`not a float: ${JSON.stringify(text)}`);
  return Number(text); // correctly rounded, as Python's float() (round_trip)
}

/** RFC 4180 records of a CSV text (quoted fields with doubled quotes, \n line ends). */
export function parseCsv(text: string): { header: string[]; records: string[][] } {
  const records: string[][] = [];
  let field = '';
  let record: string[] = [];
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      record.push(field);
      field = '';
    } else if (ch === '\n') {
      record.push(field);
      records.push(record);
      record = [];
      field = '';
    } else field += ch;
  }
  if (field !== '' || record.length > 0) {
    record.push(field);
    records.push(record);
  }
  const [header, ...rest] = records;
  return { header, records: rest };
}

export interface Point {
  metric: string;
  step: number;
  globalStep: number;
  timestamp: number;
  value: number;
}

/** Every point of a run's metrics in storage order, read with the storage library. */
export function storedPoints(runDir: string): Point[] {
  const out: Point[] = [];
  for (const { name, file } of listMetricFiles(runDir)) {
    const s = withReadOnly(file, (db) => readMetricSeries(db, file));
    for (let i = 0; i < s.step.length; i++) {
      out.push({
        metric: name,
        step: s.step[i],
        globalStep: s.globalStep[i],
        timestamp: s.timestamp[i],
        value: s.value[i],
      });
    }
  }
  return out;
}

/** The 8 bytes of a double, as a hex string: equal strings are bit-identical values. */
export function bitsOf(x: number): string {
  return Buffer.from(new Float64Array([x]).buffer).toString('hex');
}

export { decodeF64, decodeI64 };
