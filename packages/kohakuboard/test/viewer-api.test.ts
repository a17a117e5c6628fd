/**
 * The API against runs written the way this project's client writes them (with the storage writers until
 * the client lands): Part B extensions — downsampling, after_step, kbc, smoothing, x_metric, run queries,
 * config, batch routes — plus PATCH, the error shape, Server-Timing, the SPA fallback, CORS and the rule
 * that listings open no run database.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { downsample, smooth } from '@kohakuboard/series';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseOpenCount } from '../src/reader/db-open.js';
import type { Viewer } from '../src/viewer/app.js';
import { T0, writeTsRun } from './helpers/ts-runs.js';
import { get, type Json, post, startViewer, tempDir } from './helpers/viewer.js';

const N = 5000;
const steps = Array.from({ length: N }, (_, i) => i);
const lossValues = steps.map((i) => Math.sin(i / 50) + i / 1000);
lossValues[10] = Number.NaN;
lossValues[2000] = Number.POSITIVE_INFINITY;
lossValues[3000] = Number.NEGATIVE_INFINITY;

let tmp: ReturnType<typeof tempDir>;
let viewer: Viewer;
let uiViewer: Viewer;
const run = '/api/projects/mnist/runs/abcd1234';

function readKbc(buf: Buffer) {
  expect(buf.subarray(0, 4).toString('latin1')).toBe('KBC1');
  const h = buf.readUInt32LE(4);
  const header = JSON.parse(buf.subarray(8, 8 + h).toString('utf8'));
  const cols: Record<string, number[]> = {};
  for (const c of header.columns) {
    const at = buf.byteOffset + c.offset;
    const aligned = Buffer.from(buf.subarray(c.offset, c.offset + header.count * (c.dtype === 'u8' ? 1 : 8)));
    void at;
    if (c.dtype === 'i64')
      cols[c.name] = Array.from(new BigInt64Array(aligned.buffer, aligned.byteOffset, header.count), Number);
    else if (c.dtype === 'f64')
      cols[c.name] = Array.from(new Float64Array(aligned.buffer, aligned.byteOffset, header.count));
    else cols[c.name] = Array.from(aligned);
    expect(c.offset % 8).toBe(0);
  }
  expect(header.byte_length % 8).toBe(0);
  return { header, cols };
}

beforeAll(async () => {
  tmp = tempDir();
  const data = join(tmp.dir, 'data');
  writeTsRun(data, {
    project: 'mnist',
    runId: 'abcd1234',
    annotation: 'baseline',
    name: 'Aback Zucchini',
    config: { optimizer: { name: 'adam', lr: 0.001 }, layers: [64, 64], '1': 'one', seed: 7 },
    metrics: {
      'train/loss': { steps, values: lossValues, globalSteps: steps.map((s) => Math.floor(s / 4)) },
      'train/lr': {
        steps: steps.filter((s) => s % 10 === 0),
        values: steps.filter((s) => s % 10 === 0).map((s) => s / 10),
      },
    },
    media: [
      {
        name: 'samples',
        step: 5,
        bytes: Buffer.from('not really a png 1'),
        format: 'png',
        caption: 'first',
        width: 4,
        height: 3,
      },
      { name: 'samples', step: 9, bytes: Buffer.from('not really a png 2'), format: 'png' },
    ],
    tables: [
      {
        name: 'preds',
        step: 3,
        columns: ['img', 'score'],
        columnTypes: ['media', 'number'],
        rowsText: '[["<media id=1>", NaN], ["<media id=99>", 0.5]]',
      },
    ],
    histograms: [
      { name: 'params/w', step: 0, counts: [1, 2, 3, 4], min: -1, max: 1 },
      { name: 'params/w', step: 10, counts: [4, 3, 2, 1], min: -2, max: 2 },
    ],
    kde: [{ name: 'kde/act', step: 4, grid: [0, 1, 2, 3], density: [0, 0.5, 0.5, 0] }],
    tensors: [
      {
        name: 'weights/fc',
        step: 7,
        descr: '<f4',
        shape: [2, 3],
        data: new Uint8Array(Float32Array.from([1, 2, Number.NaN, 4, 5, 6]).buffer),
      },
    ],
    logs: { 'output.log': 'line 1\nline 2\n 45%|####      | 45/100' },
  });
  writeTsRun(data, {
    project: 'mnist',
    runId: 'efgh5678',
    name: 'Second',
    config: { optimizer: { name: 'adam', lr: 0.0003 }, layers: [64, 64], seed: 7 },
    createdAtMs: T0 + 1000,
    metrics: { 'train/loss': { steps: [0, 1, 2], values: [3, 2, 1] } },
  });
  writeTsRun(data, {
    project: 'mnist',
    runId: 'live0001',
    status: 'running',
    config: { optimizer: { name: 'sgd', lr: 0.1 } },
    createdAtMs: T0 + 2000,
  });
  writeTsRun(data, { project: 'resnet-v1.5', runId: 'zzzz0001', config: {} });
  viewer = await startViewer(data);
  const ui = join(tmp.dir, 'ui');
  mkdirSync(join(ui, 'assets'), { recursive: true });
  writeFileSync(join(ui, 'index.html'), '<!doctype html><title>kobo</title>');
  writeFileSync(join(ui, 'assets', 'app-1234.js'), 'console.log(1)');
  uiViewer = await startViewer(data, { uiDir: ui, readOnly: true, corsOrigins: ['http://example.test'] });
});

afterAll(async () => {
  await viewer?.close();
  await uiViewer?.close();
  tmp?.cleanup();
});

describe('scalar series (§A.10, §B.1–§B.4)', () => {
  it('sends every row with non-finite values as strings, and an ETag that answers 304', async () => {
    const r = await get(viewer, `${run}/scalars/train/loss`);
    expect(r.status).toBe(200);
    expect(r.json.values.length).toBe(N);
    expect(r.json.values[10]).toBe('NaN');
    expect(r.json.values[2000]).toBe('Infinity');
    expect(r.json.values[3000]).toBe('-Infinity');
    expect(r.json.global_steps[9]).toBe(2);
    expect(r.headers['cache-control']).toBe('no-cache');
    const again = await get(viewer, `${run}/scalars/train/loss`, { 'if-none-match': String(r.headers.etag) });
    expect(again.status).toBe(304);
    const other = await get(viewer, `${run}/scalars/train/loss?limit=2`, {
      'if-none-match': String(r.headers.etag),
    });
    expect(other.status).toBe(200);
  });

  it('downsamples exactly as the shared series package does, deterministically', async () => {
    const r = await get(viewer, `${run}/scalars/train/loss?points=200`);
    const x = Float64Array.from(steps);
    const sel = downsample(x, Float64Array.from(lossValues), { points: 200 });
    expect(r.json.steps).toEqual(Array.from(sel.indices));
    expect(r.json.downsampling).toEqual({
      method: 'm4',
      points_requested: 200,
      x: 'step',
      bucket_width: sel.bucketWidth,
      buckets: 50,
      window_points: N,
      returned_points: sel.indices.length,
      x_min: null,
      x_max: null,
      from_bucket_x: null,
    });
    expect(r.json.total_points).toBe(N);
    expect(r.json.last_step).toBe(N - 1);
    for (const marker of ['NaN', 'Infinity', '-Infinity']) expect(r.json.values).toContain(marker);
    const again = await get(viewer, `${run}/scalars/train/loss?points=200`);
    expect(again.body).toBe(r.body);
  });

  it('zoom windows keep the neighbours; timestamps bucket in ms', async () => {
    const r = await get(viewer, `${run}/scalars/train/loss?points=40&x_min=1000&x_max=1500`);
    expect(r.json.steps[0]).toBe(999);
    expect(r.json.steps.at(-1)).toBe(1501);
    expect(r.json.downsampling.window_points).toBe(501);
    const t = await get(viewer, `${run}/scalars/train/loss?points=40&x=timestamp&time_unit=ms`);
    expect(t.json.downsampling.bucket_width_ms).toBeGreaterThan(0);
    expect(t.json.downsampling).toHaveProperty('from_bucket_x_ms', null);
    expect(t.json.timestamps[0]).toBe(T0);
  });

  it('after_step returns only the tail: rows after the cursor, or whole buckets with points', async () => {
    const plain = await get(viewer, `${run}/scalars/train/loss?after_step=4990`);
    expect(plain.json.steps).toEqual([4991, 4992, 4993, 4994, 4995, 4996, 4997, 4998, 4999]);
    expect(plain.json.total_points).toBe(N);
    const full = await get(viewer, `${run}/scalars/train/loss?points=200`);
    const tail = await get(viewer, `${run}/scalars/train/loss?points=200&after_step=4900`);
    const from = tail.json.downsampling.from_bucket_x;
    expect(from).toBe(
      Math.floor(4901 / full.json.downsampling.bucket_width) * full.json.downsampling.bucket_width,
    );
    expect(tail.json.steps).toEqual(full.json.steps.filter((s: number) => s >= from));
    const none = await get(viewer, `${run}/scalars/train/loss?points=200&after_step=99999`);
    expect(none.json.steps).toEqual([]);
    expect(none.json.downsampling.from_bucket_x).toBeNull();
  });

  it('smoothed and xs are computed at full resolution with the shared formulas', async () => {
    const r = await get(
      viewer,
      `${run}/scalars/train/loss?points=100&smooth=ema&smooth_value=0.9&x_metric=train/lr`,
    );
    const full = smooth(Float64Array.from(lossValues), 'ema', 0.9);
    r.json.steps.forEach((s: number, i: number) => {
      const v = full[s];
      expect(r.json.smoothed[i]).toBe(Number.isFinite(v) ? v : null);
      expect(r.json.xs[i]).toBe(Math.floor(s / 10));
    });
  });

  it('the kbc frame carries the same rows as JSON, in milliseconds', async () => {
    const json = await get(viewer, `${run}/scalars/train/loss?points=100&time_unit=ms`);
    const bin = await get(viewer, `${run}/scalars/train/loss?points=100&format=kbc`);
    expect(bin.headers['content-type']).toBe('application/x-kohakuboard-kbc');
    const { header, cols } = readKbc(bin.raw);
    expect(header.count).toBe(json.json.steps.length);
    expect(header.byte_length).toBe(bin.raw.length);
    expect(cols.steps).toEqual(json.json.steps);
    expect(cols.timestamps_ms).toEqual(json.json.timestamps);
    expect(
      cols.values.map((v) => (Number.isFinite(v) ? v : String(v).replace('-Infinity', '-Infinity'))),
    ).toEqual(json.json.values.map((v: Json) => (typeof v === 'string' ? String(Number(v)) : v)));
    expect(header.meta.total_points).toBe(N);
    expect(header.columns.map((c: Json) => c.name)).not.toContain('present');
  });

  it('base columns: timestamp in seconds, limit keeps the last rows, unknown metrics are empty', async () => {
    const r = await get(viewer, `${run}/scalars/timestamp?limit=2`);
    expect(r.json.values).toEqual([Math.trunc((T0 + 4998000) / 1000), Math.trunc((T0 + 4999000) / 1000)]);
    const u = await get(viewer, `${run}/scalars/nope/never`);
    expect(u.status).toBe(200);
    expect(u.json).toEqual({ metric: 'nope/never', steps: [], global_steps: [], timestamps: [], values: [] });
  });

  it('validates parameters with 400 invalid_parameter naming the parameter', async () => {
    for (const [q, param] of [
      ['points=3', 'points'],
      ['limit=-1', 'limit'],
      ['x=foo', 'x'],
      ['smooth=zigzag', 'smooth'],
      ['after_step=abc', 'after_step'],
    ]) {
      const r = await get(viewer, `${run}/scalars/train/loss?${q}`);
      expect(r.status).toBe(400);
      expect(r.json.detail).toMatchObject({ code: 'invalid_parameter', param });
    }
  });

  it('details list counts and last values (§B.11)', async () => {
    const r = await get(viewer, `${run}/scalars?details=true`);
    expect(r.json.metrics).toEqual(['step', 'global_step', 'timestamp', 'train/loss', 'train/lr']);
    expect(r.json.details[0]).toEqual({
      name: 'train/loss',
      count: N,
      first_step: 0,
      last_step: N - 1,
      last_value: lossValues[N - 1],
    });
  });
});

describe('run listing at scale (§B.10, §B.11)', () => {
  it('filters, sorts, pages and selects fields', async () => {
    const q = async (qs: string) => (await get(viewer, `/api/projects/mnist/runs?${qs}`)).json;
    expect((await q('')).runs.map((r: Json) => r.run_id)).toEqual(['live0001', 'efgh5678', 'abcd1234']);
    expect((await q('q=zucchini')).runs.map((r: Json) => r.run_id)).toEqual(['abcd1234']);
    expect((await q('status=running')).runs.map((r: Json) => r.run_id)).toEqual(['live0001']);
    expect(
      (await q('config=optimizer.name%3Dadam&config=optimizer.lr%3E%3D0.001')).runs.map(
        (r: Json) => r.run_id,
      ),
    ).toEqual(['abcd1234']);
    expect((await q('config=optimizer.lr%3D1e-3')).runs.map((r: Json) => r.run_id)).toEqual(['abcd1234']);
    expect((await q('config=seed%21%3D7')).runs.map((r: Json) => r.run_id)).toEqual(['live0001']);
    expect((await q('config=layers%3D%5B64%2C64%5D')).total).toBe(2);
    expect((await q('config=layers')).total).toBe(2);
    expect((await q('sort=config.optimizer.lr')).runs.map((r: Json) => r.run_id)).toEqual([
      'efgh5678',
      'abcd1234',
      'live0001',
    ]);
    expect((await q('sort=-config.seed,run_id')).runs.map((r: Json) => r.run_id)).toEqual([
      'abcd1234',
      'efgh5678',
      'live0001',
    ]);
    const page = await q('offset=1&limit=1&fields=name');
    expect(page).toMatchObject({ total: 3, offset: 1, limit: 1 });
    expect(page.runs).toEqual([{ run_id: 'efgh5678', name: 'Second' }]);
    expect((await get(viewer, '/api/projects/mnist/runs?status=bogus')).status).toBe(400);
    expect((await get(viewer, '/api/projects/mnist/runs?sort=nope')).status).toBe(400);
  });

  it('config keys and the single-run record come from the index', async () => {
    const keys = (await get(viewer, '/api/projects/mnist/config_keys')).json.keys;
    expect(keys.map((k: Json) => k.key)).toEqual(['1', 'layers', 'optimizer.lr', 'optimizer.name', 'seed']);
    expect(keys.find((k: Json) => k.key === 'optimizer.lr')).toEqual({
      key: 'optimizer.lr',
      count: 3,
      numeric: true,
    });
    const rec = await get(viewer, run);
    expect(rec.json).toMatchObject({
      run_id: 'abcd1234',
      annotation: 'baseline',
      board_id: 'abcd1234_baseline',
      status: 'finished',
      last_step: N - 1,
    });
  });

  it('an unknown project is 404; default always exists (§A.4)', async () => {
    expect((await get(viewer, '/api/projects/nope/runs')).json.detail.code).toBe('project_not_found');
    const d = await get(viewer, '/api/projects/default/runs');
    expect(d.status).toBe(200);
    expect(d.json.runs).toEqual([]);
  });

  it('listing, projects, status and the run record open no run database (Part C2)', async () => {
    const before = databaseOpenCount();
    for (let i = 0; i < 5; i++) {
      await get(viewer, '/api/projects');
      await get(viewer, '/api/projects/mnist/runs');
      await get(viewer, '/api/projects/mnist/runs?q=a&status=finished&config=seed%3D7&sort=config.seed');
      await get(viewer, `${run}/status`);
      await get(viewer, run);
      await get(viewer, '/api/projects/mnist/config_keys');
    }
    expect(databaseOpenCount()).toBe(before);
  });
});

describe('config (§B.6)', () => {
  it('flattens in code-point order, and batch/config reports what differs', async () => {
    const c = await get(viewer, `${run}/config`);
    expect(Object.keys(c.json.flat)).toEqual(['1', 'layers', 'optimizer.lr', 'optimizer.name', 'seed']);
    expect(c.body.slice(c.body.indexOf('"flat":'))).toMatch(/^"flat":\{"1":"one","layers"/);
    const b = await post(viewer, '/api/projects/mnist/runs/batch/config', {
      run_ids: ['abcd1234', 'efgh5678', 'ghost'],
      only_differences: true,
    });
    expect(b.json).toEqual({
      keys: ['1', 'optimizer.lr'],
      differing: ['1', 'optimizer.lr'],
      configs: { abcd1234: { '1': 'one', 'optimizer.lr': 0.001 }, efgh5678: { 'optimizer.lr': 0.0003 } },
      missing_runs: ['ghost'],
    });
  });
});

describe('batch routes (§A.19, §A.20)', () => {
  it('batch/summary maps resolvable runs; envelope reports the others', async () => {
    const r = await post(viewer, '/api/projects/mnist/runs/batch/summary', {
      run_ids: ['abcd1234', 'ghost'],
    });
    expect(Object.keys(r.json)).toEqual(['abcd1234']);
    expect(r.json.abcd1234.total_steps).toBe(N);
    const e = await post(viewer, '/api/projects/mnist/runs/batch/summary?envelope=1', { run_ids: ['ghost'] });
    expect(e.json).toEqual({
      results: {},
      errors: { ghost: { error: 'Run not found', code: 'run_not_found' } },
    });
    const big = await post(viewer, '/api/projects/mnist/runs/batch/summary', {
      run_ids: Array.from({ length: 1001 }, (_, i) => `r${i}`),
    });
    expect(big.status).toBe(413);
    expect(big.json.detail.code).toBe('too_large');
  });

  it('batch/scalars streams every requested series, missing metrics as empty arrays', async () => {
    const body = {
      run_ids: ['abcd1234', 'efgh5678', 'ghost'],
      metrics: ['train/loss', 'train/lr'],
      points: 100,
      after_step: { efgh5678: 0 },
    };
    const r = await post(viewer, '/api/projects/mnist/runs/batch/scalars', body);
    expect(r.status).toBe(200);
    expect(r.headers['server-timing']).toMatch(/^app;dur=\d+\.\d+$/);
    expect(Object.keys(r.json)).toEqual(['abcd1234', 'efgh5678']);
    const single = await get(viewer, `${run}/scalars/train/loss?points=100`);
    expect(r.json.abcd1234['train/loss'].steps).toEqual(single.json.steps);
    expect(r.json.efgh5678['train/loss'].steps).toEqual([1, 2]);
    expect(r.json.efgh5678['train/lr'].steps).toEqual([]);
    const kbc = await post(viewer, '/api/projects/mnist/runs/batch/scalars?format=kbc', body);
    expect(kbc.headers['content-type']).toBe('application/x-kohakuboard-kbc-stream');
    const frames: Json[] = [];
    for (let at = 0; at < kbc.raw.length; ) {
      const f = readKbc(kbc.raw.subarray(at));
      frames.push(f.header);
      at += f.header.byte_length;
    }
    expect(frames.map((f) => [f.run_id, f.metric, f.error?.code ?? null])).toEqual([
      ['abcd1234', 'train/loss', null],
      ['abcd1234', 'train/lr', null],
      ['efgh5678', 'train/loss', null],
      ['efgh5678', 'train/lr', null],
      ['ghost', 'train/loss', 'run_not_found'],
      ['ghost', 'train/lr', 'run_not_found'],
    ]);
    const bad = await post(viewer, '/api/projects/mnist/runs/batch/scalars', 'not json');
    expect(bad.status).toBe(400);
    expect(bad.json.detail.code).toBe('invalid_body');
  });

  it('a run folder named "batch" is still reachable by GET', async () => {
    const r = await get(viewer, '/api/projects/mnist/runs/batch/summary');
    expect(r.status).toBe(404);
    expect(r.json.detail.code).toBe('run_not_found');
  });
});

describe('media, tables, histograms, tensors, KDE, logs', () => {
  it('media entries point at content-addressed files; ranges work', async () => {
    const r = await get(viewer, `${run}/media/samples?limit=1`);
    expect(r.json.data.length).toBe(1);
    expect(r.json.data[0].step).toBe(9);
    const url = r.json.data[0].url;
    const whole = await get(viewer, url);
    expect(whole.body).toBe('not really a png 2');
    expect(whole.headers['content-type']).toBe('image/png');
    expect((await get(viewer, url, { range: 'bytes=-3' })).body).toBe('g 2');
    expect((await get(viewer, url, { range: 'bytes=4-' })).body).toBe('really a png 2');
    const bad = await get(viewer, url, { range: 'bytes=100-200' });
    expect(bad.status).toBe(416);
    expect(bad.headers['content-range']).toBe('bytes */18');
    expect((await get(viewer, url, { range: 'bytes=0-1,4-5' })).status).toBe(200);
    expect((await get(viewer, `${run}/media/files/bad..name.png`)).json.detail.code).toBe('invalid_name');
    expect((await get(viewer, `${run}/media/by-id/1`)).body).toBe('not really a png 1');
    expect((await get(viewer, `${run}/media/by-id/x`)).json.detail.code).toBe('invalid_parameter');
    const details = await get(viewer, `${run}/media?details=true`);
    expect(details.json.details).toEqual([
      { name: 'samples', type: 'image', count: 2, first_step: 5, last_step: 9 },
    ]);
  });

  it('tables resolve media cells on request', async () => {
    const r = await get(viewer, `${run}/tables/preds?resolve_media=true`);
    expect(r.json.data[0].rows).toEqual([
      ['<media id=1>', 'NaN'],
      ['<media id=99>', 0.5],
    ]);
    expect(r.json.data[0].nonfinite_cells).toEqual([[0, 1]]);
    expect(Object.keys(r.json.media)).toEqual(['1']);
    expect(r.json.media['1'].url).toMatch(/\/media\/files\/[0-9a-z]{22}\.png$/);
  });

  it('histograms and the surface', async () => {
    const h = await get(viewer, `${run}/histograms/params/w?after_step=0`);
    expect(h.headers.etag).toMatch(/^W\//);
    expect(
      (
        await get(viewer, `${run}/histograms/params/w?after_step=0`, {
          'if-none-match': String(h.headers.etag),
        })
      ).status,
    ).toBe(304);
    expect(h.json.data.map((e: Json) => e.step)).toEqual([10]);
    expect(h.json.data[0].bins).toEqual([-2, -1, 0, 1, 2]);
    const s = await get(
      viewer,
      `${run}/histograms/params/w/surface?bins=8&normalize=per-step&axis=relative_walltime`,
    );
    expect(s.json.axis_type).toBe('relative_walltime');
    expect(s.json.axis_values).toEqual([0, 10]);
    expect(s.json.bin_range).toEqual({ min: -2, max: 2 });
    for (const row of s.json.matrix) expect(Math.max(...row)).toBeCloseTo(1, 12);
    expect((await get(viewer, `${run}/histograms/params/w/surface?normalize=bogus`)).status).toBe(400);
    expect((await get(viewer, `${run}/histograms/nope/surface`)).json.detail.code).toBe(
      'histogram_not_found',
    );
    expect((await get(viewer, `${run}/histograms/params/w?range_min=2&range_max=1`)).status).toBe(400);
    const kde = await get(viewer, `${run}/histograms/kde/act?bins=8`);
    expect(kde.json.data[0].bins.length).toBe(9);
    expect(kde.json.data[0].precision).toBe('kde');
  });

  it('tensors: slicing, statistics, NaN as a string, too large', async () => {
    const r = await get(
      viewer,
      `${run}/tensors/weights/fc?include_data=true&encoding=json&slice=:,1:&stats=true`,
    );
    const e = r.json.entries[0];
    expect(e.data_shape).toEqual([2, 2]);
    expect(e.data).toEqual([
      [2, 'NaN'],
      [5, 6],
    ]);
    expect(e.stats).toMatchObject({ numel: 4, nan_count: 1, min: 2, max: 6 });
    expect(
      (await get(viewer, `${run}/tensors/weights/fc?include_data=true&encoding=json&slice=5`)).status,
    ).toBe(400);
    expect(
      (await get(viewer, `${run}/tensors/weights/fc?include_data=true&encoding=json&max_elements=3`)).status,
    ).toBe(413);
    const b64 = await get(viewer, `${run}/tensors/weights/fc?include_data=true`);
    expect(Buffer.from(b64.json.entries[0].data_base64, 'base64').subarray(0, 6).toString('latin1')).toBe(
      '\x93NUMPY',
    );
    expect((await get(viewer, `${run}/tensors/nope`)).json.detail.code).toBe('tensor_not_found');
    const raw = await get(viewer, `${run}/tensors/weights/fc?format=npy&step=7`);
    expect(raw.headers['content-disposition']).toBe('attachment; filename="weights__fc_7.npy"');
  });

  it('KDE on a shared grid, and range without points is refused', async () => {
    const r = await get(viewer, `${run}/kernel_density/kde/act?points=9`);
    expect(r.json.grid).toEqual([0, 0.375, 0.75, 1.125, 1.5, 1.875, 2.25, 2.625, 3]);
    expect(r.json.entries[0].density).toEqual([0, 0.1875, 0.375, 0.5, 0.5, 0.5, 0.375, 0.1875, 0]);
    expect(r.json.entries[0]).not.toHaveProperty('grid');
    expect((await get(viewer, `${run}/kernel_density/kde/act?points=5`)).status).toBe(400);
    expect((await get(viewer, `${run}/kernel_density/kde/act?range_min=1`)).status).toBe(400);
    expect((await get(viewer, `${run}/kernel_density/nope`)).json.detail.code).toBe(
      'kernel_density_not_found',
    );
  });

  it('logs: next_offset stops after the last newline; text format carries the offsets', async () => {
    const r = await get(viewer, `${run}/logs/output.log`);
    expect(r.json).toMatchObject({ offset: 0, next_offset: 14, eof: true, reset: false });
    expect(r.json.content.endsWith('45/100')).toBe(true);
    const t = await get(viewer, `${run}/logs/output.log?offset=14&format=text`);
    expect(t.body).toBe(' 45%|####      | 45/100');
    expect(t.headers['x-log-next-offset']).toBe('14');
    const reset = await get(viewer, `${run}/logs/output.log?offset=3&tail=1`);
    expect(reset.json.reset).toBe(true);
    expect((await get(viewer, `${run}/logs/..%2Fmetadata.json`)).status).toBe(400);
    expect((await get(viewer, `${run}/logs/missing.log`)).json.detail.code).toBe('log_not_found');
  });
});

describe('PATCH a run (§A.6)', () => {
  it('refuses running runs, renames folders and rewrites metadata.json keeping key order', async () => {
    const live = await viewer.app.inject({
      method: 'PATCH',
      url: '/api/projects/mnist/runs/live0001',
      payload: { name: 'x' },
    });
    expect(live.statusCode).toBe(409);
    expect(live.json().detail.code).toBe('run_is_running');
    const none = await viewer.app.inject({
      method: 'PATCH',
      url: '/api/projects/mnist/runs/efgh5678',
      payload: {},
    });
    expect(none.json().detail.code).toBe('no_update_fields');
    const empty = await viewer.app.inject({
      method: 'PATCH',
      url: '/api/projects/mnist/runs/efgh5678',
      payload: { name: '  ' },
    });
    expect(empty.json().detail.code).toBe('empty_name');
    const badAnn = await viewer.app.inject({
      method: 'PATCH',
      url: '/api/projects/mnist/runs/efgh5678',
      payload: { annotation: '!!' },
    });
    expect(badAnn.json().detail.code).toBe('invalid_annotation');
    const ok = await viewer.app.inject({
      method: 'PATCH',
      url: '/api/projects/mnist/runs/efgh5678',
      payload: { name: ' Renamed ', annotation: 'Second Try' },
    });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({ run_id: 'efgh5678', annotation: 'second_try', name: 'Renamed' });
    const dir = join(tmp.dir, 'data', 'mnist', 'efgh5678_second_try');
    const text = readFileSync(join(dir, 'metadata.json'), 'utf8');
    const keys = Object.keys(JSON.parse(text));
    expect(keys.slice(0, 5)).toEqual(['name', 'config', 'created_at', 'project', 'finished_at']);
    expect(JSON.parse(text).annotation).toBe('second_try');
    const rec = await get(viewer, '/api/projects/mnist/runs/efgh5678');
    expect(rec.json).toMatchObject({
      board_id: 'efgh5678_second_try',
      name: 'Renamed',
      annotation: 'second_try',
    });
    const clash = await viewer.app.inject({
      method: 'PATCH',
      url: '/api/projects/mnist/runs/abcd1234',
      payload: { annotation: 'second try' },
    });
    expect(clash.statusCode).toBe(200);
    const ro = await uiViewer.app.inject({
      method: 'PATCH',
      url: '/api/projects/mnist/runs/abcd1234',
      payload: { name: 'y' },
    });
    expect(ro.statusCode).toBe(405);
    expect(ro.json().detail.code).toBe('read_only');
  });
});

describe('HTTP conventions (§0.4–§0.7)', () => {
  it('every /api response carries Server-Timing; errors have one shape; unknown /api paths are JSON 404', async () => {
    for (const url of [
      '/api/system/info',
      '/api/projects',
      '/api/nope',
      '/api/projects/mnist/runs/abcd1234/nope',
      '/api',
    ]) {
      const r = await get(viewer, url);
      expect(r.headers['server-timing']).toMatch(/^app;dur=\d+\.\d+$/);
      if (r.status >= 400) {
        expect(r.headers['content-type']).toBe('application/json; charset=utf-8');
        expect(r.json.detail).toMatchObject({ code: expect.any(String), error: expect.any(String) });
      }
    }
    expect((await get(uiViewer, '/api/nope')).json.detail.code).toBe('not_found');
    const wrong = await viewer.app.inject({ method: 'DELETE', url: `${run}/status` });
    expect(wrong.statusCode).toBe(405);
    expect(wrong.headers.allow).toBe('GET, HEAD');
    expect(wrong.json().detail.code).toBe('method_not_allowed');
    const post405 = await viewer.app.inject({ method: 'POST', url: '/api/system/info' });
    expect(post405.statusCode).toBe(405);
    expect(post405.json().detail.code).toBe('method_not_allowed');
    const head = await viewer.app.inject({ method: 'HEAD', url: `${run}/scalars/train/lr` });
    expect(head.statusCode).toBe(200);
    expect(head.body).toBe('');
    expect(Number(head.headers['content-length'])).toBe(
      (await get(viewer, `${run}/scalars/train/lr`)).raw.length,
    );
    const info = (await get(viewer, '/api/system/info')).json;
    expect(info).toMatchObject({ mode: 'local', require_auth: false, api_version: 2 });
    expect((await get(viewer, '/health')).json).toEqual({ status: 'healthy', mode: 'local' });
  });

  it('without a UI, / describes the API; with one, deep links get index.html and assets do not', async () => {
    const root = await get(viewer, '/');
    expect(root.json).toMatchObject({ name: 'KohakuBoard API (Local Mode)', mode: 'local', board_count: 4 });
    const deep = await get(uiViewer, '/projects/resnet-v1.5');
    expect(deep.status).toBe(200);
    expect(deep.body).toContain('<title>kobo</title>');
    expect(deep.headers['cache-control']).toBe('no-cache');
    expect((await get(uiViewer, '/assets/missing.js')).status).toBe(404);
    expect((await get(uiViewer, '/favicon.ico')).status).toBe(404);
    const asset = await get(uiViewer, '/assets/app-1234.js');
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
  });

  it('CORS only for allowed origins; preflight answered', async () => {
    const other = await get(uiViewer, '/api/projects', { origin: 'http://evil.test' });
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
    const dev = await get(uiViewer, '/api/projects', { origin: 'http://localhost:5175' });
    expect(dev.headers['access-control-allow-origin']).toBe('http://localhost:5175');
    const pre = await uiViewer.app.inject({
      method: 'OPTIONS',
      url: '/api/projects/mnist/runs/batch/scalars',
      headers: { origin: 'http://example.test', 'access-control-request-method': 'POST' },
    });
    expect(pre.statusCode).toBe(204);
    expect(pre.headers['access-control-allow-credentials']).toBe('true');
  });

  it('JSON over 1 KiB is compressed when the client accepts it', async () => {
    const r = await viewer.app.inject({
      method: 'GET',
      url: `${run}/scalars/train/loss`,
      headers: { 'accept-encoding': 'gzip' },
    });
    expect(r.headers['content-encoding']).toBe('gzip');
    expect(JSON.parse(gunzipSync(r.rawPayload).toString()).values.length).toBe(N);
  });
});
