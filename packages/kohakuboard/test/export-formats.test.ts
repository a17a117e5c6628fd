/**
 * kobo export's tables read back by independent readers: every point of every fixture run bit-exact in
 * Parquet (hyparquet), CSV (pandas' float rules) and JSON Lines; NaN and ±Inf kept; the documented column
 * types; run columns in project exports; one row per step in wide exports; histograms, table cells and
 * media listings equal to what the runs hold.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ExportRequest, exportToFile } from '../src/export/index.js';
import { isoMillisCached } from '../src/export/value-text.js';
import {
  bitsOf,
  type Point,
  pandasFloat,
  parseCsv,
  type Row,
  readParquet,
  storedPoints,
} from './helpers/export-read.js';
import { copyFixtures, fixtureIndex, fixtureRunDir, readExpected } from './helpers/fixtures.js';
import { T0, writeTsRun } from './helpers/ts-runs.js';

let fixtures: ReturnType<typeof copyFixtures>;
let out: string;
let special: string;
let specialRun: string;

const SPECIAL_VALUES = [
  0.1,
  -0,
  0,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  5e-324,
  -1.7976931348623157e308,
  1,
  3,
  1e21,
  1e-7,
  0.30000000000000004,
  2 ** 53,
  123456789.12345679,
  -2.5,
];

beforeAll(() => {
  fixtures = copyFixtures();
  out = mkdtempSync(join(tmpdir(), 'kobo-export-'));
  special = mkdtempSync(join(tmpdir(), 'kobo-export-runs-'));
  const n = SPECIAL_VALUES.length;
  specialRun = writeTsRun(special, {
    project: 'edge',
    runId: 'nonfin01',
    name: 'Edge, "quoted" name',
    metrics: {
      'train/loss': { steps: [...Array(n).keys()], values: SPECIAL_VALUES },
      // Logged out of step order, with a repeated step: the wide table keeps the last value of a step.
      'eval/acc,top1': { steps: [4, 2, 2, 9], values: [0.5, 0.25, 0.75, 1] },
    },
  });
  writeTsRun(special, {
    project: 'edge',
    runId: 'second02',
    metrics: { 'train/loss': { steps: [0, 1, 2], values: [3, 2, 1], timestamps: [T0, T0 + 1, T0 + 2] } },
  });
});

afterAll(() => {
  fixtures.cleanup();
  rmSync(out, { recursive: true, force: true });
  rmSync(special, { recursive: true, force: true });
});

let counter = 0;
async function exportTo(
  ext: string,
  request: Omit<ExportRequest, 'format'> & { format?: ExportRequest['format'] },
) {
  const path = join(out, `t${counter++}.${ext}`);
  const format = request.format ?? (ext === 'parquet' ? 'parquet' : ext === 'csv' ? 'csv' : 'jsonl');
  const result = await exportToFile({ ...request, format }, path);
  return { path, result };
}

function expectPoint(
  actual: { metric: unknown; step: unknown; gs: unknown; ts: unknown; value: number },
  p: Point,
) {
  expect(actual.metric).toBe(p.metric);
  expect(Number(actual.step)).toBe(p.step);
  expect(Number(actual.gs)).toBe(p.globalStep);
  expect(actual.ts).toBe(p.timestamp);
  expect(bitsOf(actual.value)).toBe(bitsOf(p.value));
}

/** index.json lists what each fixture run holds. */
const runsIndex = () =>
  fixtureIndex().runs as Array<
    ReturnType<typeof fixtureIndex>['runs'][number] & {
      histogram_files: string[];
      tables: number;
      media: number;
    }
  >;

const allRunDirs = () => [...fixtureIndex().runs.map((r) => fixtureRunDir(fixtures.base, r)), specialRun];

describe('scalars, long table', () => {
  it('Parquet holds every point of every run bit-exact, with the documented column types', async () => {
    for (const dir of allRunDirs()) {
      const points = storedPoints(dir);
      const { path, result } = await exportTo('parquet', { targets: [dir] });
      expect(result.problems).toEqual([]);
      const { rows, schema, keyValue } = await readParquet(path);
      expect(rows.length).toBe(points.length);
      rows.forEach((r, i) => {
        expectPoint(
          {
            metric: r.metric,
            step: r.step,
            gs: r.global_step,
            ts: (r.timestamp as Date).getTime(),
            value: r.value as number,
          },
          points[i],
        );
      });
      const types = Object.fromEntries(
        schema.slice(1).map((s) => [s.name, [s.type, s.logical_type?.type ?? null, s.repetition_type]]),
      );
      expect(types).toEqual({
        metric: ['BYTE_ARRAY', 'STRING', 'REQUIRED'],
        step: ['INT64', null, 'REQUIRED'],
        global_step: ['INT64', null, 'REQUIRED'],
        timestamp: ['INT64', 'TIMESTAMP', 'REQUIRED'],
        value: ['DOUBLE', null, 'REQUIRED'],
      });
      const ts = schema.find((s) => s.name === 'timestamp')!.logical_type as {
        isAdjustedToUTC: boolean;
        unit: string;
      };
      expect([ts.isAdjustedToUTC, ts.unit]).toEqual([true, 'MILLIS']);
      expect(keyValue).toContain('ARROW:schema');
    }
  });

  it('NaN, ±Inf, -0 and extreme values survive Parquet, CSV and JSON Lines', async () => {
    const parquet = await readParquet(
      (await exportTo('parquet', { targets: [specialRun], names: ['train/*'] })).path,
    );
    expect(parquet.rows.map((r) => bitsOf(r.value as number))).toEqual(SPECIAL_VALUES.map(bitsOf));
    const csv = parseCsv(
      readFileSync((await exportTo('csv', { targets: [specialRun], names: ['train/*'] })).path, 'utf8'),
    );
    expect(csv.records.map((r) => bitsOf(pandasFloat(r[4])))).toEqual(SPECIAL_VALUES.map(bitsOf));
    // Integral values carry ".0" so that pandas reads a float column; non-finite values as pandas spells them.
    expect(csv.records.map((r) => r[4]).slice(0, 10)).toEqual([
      '0.1',
      '-0.0',
      '0.0',
      'NaN',
      'inf',
      '-inf',
      '5e-324',
      '-1.7976931348623157e+308',
      '1.0',
      '3.0',
    ]);
    const jsonl = readFileSync(
      (await exportTo('jsonl', { targets: [specialRun], names: ['train/*'] })).path,
      'utf8',
    )
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Row);
    const fromJson = (v: unknown) =>
      v === 'NaN'
        ? Number.NaN
        : v === 'Infinity'
          ? Number.POSITIVE_INFINITY
          : v === '-Infinity'
            ? Number.NEGATIVE_INFINITY
            : (v as number);
    expect(jsonl.map((r) => bitsOf(fromJson(r.value)))).toEqual(
      SPECIAL_VALUES.map(bitsOf).map((b, i) => (Object.is(SPECIAL_VALUES[i], -0) ? bitsOf(-0) : b)),
    );
    expect(jsonl[0].timestamp).toBe(new Date(T0).toISOString());
  });

  it('CSV reads back exactly for every fixture run (pandas float rules, quoted names)', async () => {
    for (const dir of allRunDirs()) {
      const points = storedPoints(dir);
      const { path } = await exportTo('csv', { targets: [dir] });
      const { header, records } = parseCsv(readFileSync(path, 'utf8'));
      expect(header).toEqual(['metric', 'step', 'global_step', 'timestamp', 'value']);
      expect(records.length).toBe(points.length);
      records.forEach((r, i) => {
        expectPoint(
          {
            metric: r[0],
            step: Number(r[1]),
            gs: Number(r[2]),
            ts: Date.parse(r[3]),
            value: pandasFloat(r[4]),
          },
          points[i],
        );
      });
    }
  });

  it('a data directory export holds every run with its project, run_id and run_name', async () => {
    const { path, result } = await exportTo('parquet', { targets: [fixtures.base] });
    const { rows } = await readParquet(path);
    expect(result.runs).toBe(fixtureIndex().runs.length);
    for (const run of fixtureIndex().runs) {
      const dir = fixtureRunDir(fixtures.base, run);
      const points = storedPoints(dir);
      const meta = JSON.parse(
        readFileSync(join(dir, 'metadata.json'), 'utf8').replace(/\bNaN\b|-?Infinity\b/g, 'null'),
      );
      const mine = rows.filter((r) => r.project === run.project && r.run_id === run.board_id.split('_')[0]);
      expect(mine.length).toBe(points.length);
      for (const r of mine) expect(r.run_name).toBe(meta.name);
      mine.forEach((r, i) => {
        expectPoint(
          {
            metric: r.metric,
            step: r.step,
            gs: r.global_step,
            ts: (r.timestamp as Date).getTime(),
            value: r.value as number,
          },
          points[i],
        );
      });
    }
    // A single run has no run columns.
    const single = await readParquet((await exportTo('parquet', { targets: [specialRun] })).path);
    expect(Object.keys(single.rows[0])).toEqual(['metric', 'step', 'global_step', 'timestamp', 'value']);
  });

  it('a project folder export holds its runs; --metric globs select metrics', async () => {
    const { path } = await exportTo('csv', { targets: [join(special, 'edge')], names: ['eval/*'] });
    const { header, records } = parseCsv(readFileSync(path, 'utf8'));
    expect(header.slice(0, 4)).toEqual(['project', 'run_id', 'run_name', 'metric']);
    expect(records.map((r) => [r[0], r[1], r[2], r[3], r[4]])).toEqual(
      [4, 2, 2, 9].map((s) => ['edge', 'nonfin01', 'Edge, "quoted" name', 'eval/acc,top1', String(s)]),
    );
  });

  it('row groups stay bounded: a table larger than a row group is split', async () => {
    const { path } = await exportTo('parquet', {
      targets: [fixtures.base],
      rowGroupRows: 10_000,
      batchRows: 4096,
    });
    const { rows, rowGroups } = await readParquet(path);
    expect(rowGroups).toBe(Math.ceil(rows.length / 10_000));
  });
});

describe('scalars, wide table', () => {
  it('has one row per step with the last value of each metric at that step, null where none', async () => {
    for (const dir of [...allRunDirs()]) {
      const points = storedPoints(dir);
      const metrics = [...new Set(points.map((p) => p.metric))].sort();
      const byStep = new Map<number, Map<string, number>>();
      for (const p of points) {
        if (!byStep.has(p.step)) byStep.set(p.step, new Map());
        byStep.get(p.step)!.set(p.metric, p.value);
      }
      const { path } = await exportTo('parquet', { targets: [dir], wide: true });
      const { rows } = await readParquet(path);
      const steps = [...byStep.keys()].sort((a, b) => a - b);
      expect(rows.map((r) => Number(r.step))).toEqual(steps);
      for (const r of rows) {
        expect(Object.keys(r)).toEqual(['step', 'global_step', 'timestamp', ...metrics]);
        const want = byStep.get(Number(r.step))!;
        for (const m of metrics) {
          if (want.has(m)) expect(bitsOf(r[m] as number)).toBe(bitsOf(want.get(m)!));
          else expect(r[m]).toBeNull();
        }
      }
    }
    const csv = parseCsv(
      readFileSync((await exportTo('csv', { targets: [specialRun], wide: true })).path, 'utf8'),
    );
    expect(csv.header).toEqual(['step', 'global_step', 'timestamp', 'eval/acc,top1', 'train/loss']);
    expect(csv.records.find((r) => r[0] === '2')![3]).toBe('0.75');
  });

  it('a project export in wide form has one row per run and step', async () => {
    const { path } = await exportTo('parquet', { targets: [join(special, 'edge')], wide: true });
    const { rows } = await readParquet(path);
    const keys = rows.map((r) => `${r.run_id}:${r.step}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(rows.filter((r) => r.run_id === 'second02').map((r) => r['train/loss'])).toEqual([3, 2, 1]);
  });
});

describe('histograms, tables and media', () => {
  it('histograms: one row per bin with linspace edges, as the files hold them', async () => {
    const run = runsIndex().find((r) => r.histogram_files.length > 0)!;
    const expected = readExpected(run).histogram_files as Record<
      string,
      {
        precision: string;
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
    const { path } = await exportTo('parquet', {
      targets: [fixtureRunDir(fixtures.base, run)],
      kind: 'histograms',
    });
    const { rows } = await readParquet(path);
    const want: Row[] = [];
    for (const f of Object.keys(expected).sort()) {
      for (const h of expected[f].rows) {
        const K = h.counts.length;
        h.counts.forEach((c, j) => {
          want.push({
            name: h.name,
            step: h.step,
            global_step: h.global_step,
            precision: expected[f].precision,
            bin: j,
            bin_left: h.min + ((h.max - h.min) * j) / K,
            bin_right: j + 1 === K ? h.max : h.min + ((h.max - h.min) * (j + 1)) / K,
            count: c,
          });
        });
      }
    }
    expect(
      rows.map((r) => ({
        name: r.name,
        step: Number(r.step),
        global_step: Number(r.global_step),
        precision: r.precision,
        bin: Number(r.bin),
        bin_left: r.bin_left,
        bin_right: r.bin_right,
        count: Number(r.count),
      })),
    ).toEqual(want);
    expect(rows.every((r) => r.timestamp instanceof Date)).toBe(true);
  });

  it('tables: one row per cell; media cells name the exported media file', async () => {
    for (const run of runsIndex().filter((r) => r.tables > 0)) {
      const expected = readExpected(run).tables as Array<{
        name: string;
        step: number;
        columns: string[];
        rows: unknown[][];
      }>;
      const { path } = await exportTo('jsonl', {
        targets: [fixtureRunDir(fixtures.base, run)],
        kind: 'tables',
      });
      const rows = readFileSync(path, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Row);
      const cells = expected.flatMap((t) =>
        t.rows.flatMap((r, i) =>
          t.columns.map((c, j) => ({ name: t.name, step: t.step, row: i, column: c, cell: r[j] })),
        ),
      );
      expect(rows.length).toBe(cells.length);
      rows.forEach((r, i) => {
        const c = cells[i];
        expect([r.name, r.step, r.row, r.column]).toEqual([c.name, c.step, c.row, c.column]);
        if (typeof c.cell === 'string' && /^<media id=\d+>$/.test(c.cell))
          expect(r.value).toMatch(/\/\d+_\d+\.[a-z0-9]+$/);
        else if (typeof c.cell === 'number') expect(Number(r.value)).toBe(c.cell);
        else if (c.cell === null) expect(r.value).toBeNull();
        else if (typeof c.cell === 'string') expect(r.value).toBe(c.cell);
      });
    }
  });

  it('media: a listing with file names, and --media-dir writes every file with its exact bytes', async () => {
    const mediaDir = join(out, 'media');
    const { path, result } = await exportTo('csv', { targets: [fixtures.base], kind: 'media', mediaDir });
    const { header, records } = parseCsv(readFileSync(path, 'utf8'));
    const col = (n: string) => header.indexOf(n);
    const expectedCount = runsIndex().reduce((a, r) => a + r.media, 0);
    expect(records.length).toBe(expectedCount);
    expect(result.mediaFilesWritten).toBe(expectedCount);
    for (const r of records) {
      const bytes = readFileSync(join(mediaDir, r[col('file')]));
      expect(bytes.length).toBe(Number(r[col('size_bytes')]));
      const run = fixtureIndex().runs.find(
        (x) => x.project === r[col('project')] && x.board_id.startsWith(r[col('run_id')]),
      )!;
      const media = (readExpected(run).media as Array<{ media_hash: string; blob_sha256: string }>).find(
        (m) => m.media_hash === r[col('media_hash')],
      )!;
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(media.blob_sha256);
    }
    expect(readdirSync(mediaDir).sort()).toEqual([...new Set(records.map((r) => r[col('project')]))].sort());
  });
});

describe('time text', () => {
  it('the per-second cache spells every time exactly as toISOString, across seconds and before 1970', () => {
    const cached = isoMillisCached();
    const times = [0, 999, 1000, -1, -1000, -1001, T0, T0 + 999, T0 + 1000, 253402300799999];
    let x = 12345;
    for (let i = 0; i < 20000; i++) {
      x = (x * 1103515245 + 12345) % 2147483648;
      times.push(T0 + (x % 5000) - 2500, -x * 1000 - (x % 1000));
    }
    for (const ms of times) expect(cached(ms)).toBe(new Date(ms).toISOString());
  });
});
