/**
 * The API against runs written by this project's client (the built package, in a child process: see
 * helpers/client-runs.mjs): every answer is compared with what was logged. Covers Part B — downsampling,
 * after_step, kbc, smoothing, x_metric, run queries, config, batch routes — media, tables with image cells,
 * histograms, KDE, tensors and logs, PATCH, the error shape, Server-Timing, the SPA fallback, CORS, the rule
 * that listings open no run database, and the read API mounted with an access check that denies everything.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { downsample, linspaceEdges, smooth } from '@kohakuboard/series';
import { encode as encodePng } from 'fast-png';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunIndex } from '../src/reader/run-index.js';
import { readOnlyOpenCount as databaseOpenCount } from '../src/storage/index.js';
import type { Viewer } from '../src/viewer/app.js';
import { EventHub } from '../src/viewer/events/event-hub.js';
import { publishIndexChange } from '../src/viewer/events/publish-changes.js';
import { type AccessCheck, ALLOW_ALL } from '../src/viewer/read-api/options.js';
import { readApiPlugin } from '../src/viewer/read-api/plugin.js';
import { createExecutor } from '../src/viewer/worker-pool/executor.js';
import { createReaderContext } from '../src/viewer/worker-pool/tasks.js';
import { type RunningChild, startNodeScript } from './helpers/child-process.js';
import {
  CONFIG_A,
  globalStepAt,
  HISTOGRAMS,
  KDE,
  LIVE_OUTPUT,
  lossAt,
  lrAt,
  N,
  STEP,
  TENSOR,
  videoBytes,
} from './helpers/client-runs-data.mjs';
import { connectSse, type SseClient } from './helpers/sse.js';
import { get, type Json, post, startViewer, tempDir } from './helpers/viewer.js';

const CLIENT_RUNS = join(dirname(fileURLToPath(import.meta.url)), 'helpers', 'client-runs.mjs');
const steps = Array.from({ length: N }, (_, i) => i);
const lossValues = steps.map(lossAt);
const asApi = (v: number) =>
  Number.isFinite(v) ? v : Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity';

let tmp: ReturnType<typeof tempDir>;
let writer: RunningChild;
let viewer: Viewer;
let uiViewer: Viewer;
/** The PNG files the child logged, by name: their bytes are stored unchanged. */
const png: Record<string, Buffer> = {};
/** Step-index timestamps (ms) of run abcd1234, by step. */
const stepMs = new Map<number, number>();
let loggedFromMs = 0;
let loggedToMs = 0;
const run = '/api/projects/mnist/runs/abcd1234';
const live = '/api/projects/mnist/runs/live0001';

function readKbc(buf: Buffer) {
  expect(buf.subarray(0, 4).toString('latin1')).toBe('KBC1');
  const h = buf.readUInt32LE(4);
  const header = JSON.parse(buf.subarray(8, 8 + h).toString('utf8'));
  const cols: Record<string, number[]> = {};
  for (const c of header.columns) {
    const aligned = Buffer.from(buf.subarray(c.offset, c.offset + header.count * (c.dtype === 'u8' ? 1 : 8)));
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

function writePng(dir: string, name: string, width: number, height: number, seed: number): void {
  const data = new Uint8Array(width * height * 3).map((_, k) => (k * 37 + seed * 11) % 256);
  png[name] = Buffer.from(encodePng({ width, height, data, channels: 3 }));
  writeFileSync(join(dir, name), png[name]);
}

beforeAll(async () => {
  tmp = tempDir();
  const data = join(tmp.dir, 'data');
  const images = join(tmp.dir, 'images');
  mkdirSync(images);
  writePng(images, 'a.png', 4, 3, 1);
  writePng(images, 'b.png', 2, 2, 2);
  writePng(images, 'c.png', 3, 1, 3);
  loggedFromMs = Date.now();
  writer = startNodeScript(CLIENT_RUNS, [data, images], { stdin: true });
  await writer.waitForLine(/^READY$/);
  loggedToMs = Date.now();
  viewer = await startViewer(data);
  const ts = (await get(viewer, `${run}/scalars/timestamp?time_unit=ms`)).json;
  ts.steps.forEach((s: number, i: number) => {
    stepMs.set(s, ts.values[i]);
  });
  const ui = join(tmp.dir, 'ui');
  mkdirSync(join(ui, 'assets'), { recursive: true });
  writeFileSync(join(ui, 'index.html'), '<!doctype html><title>kobo</title>');
  writeFileSync(join(ui, 'assets', 'app-1234.js'), 'console.log(1)');
  uiViewer = await startViewer(data, { uiDir: ui, readOnly: true, corsOrigins: ['http://example.test'] });
});

afterAll(async () => {
  if (writer) {
    writer.child.stdin?.end();
    await writer.done;
  }
  await viewer?.close();
  await uiViewer?.close();
  tmp?.cleanup();
});

describe('runs written by the client', () => {
  it('the step index holds one row per logging call, stamped while the child ran', () => {
    expect([...stepMs.keys()]).toEqual(Array.from({ length: STEP.tensor + 1 }, (_, i) => i));
    for (const t of stepMs.values()) {
      expect(t).toBeGreaterThanOrEqual(loggedFromMs);
      expect(t).toBeLessThanOrEqual(loggedToMs);
    }
  });

  it('the running run is listed as running; the others as finished', async () => {
    const runs = (await get(viewer, '/api/projects/mnist/runs')).json.runs;
    expect(runs.map((r: Json) => [r.run_id, r.status])).toEqual([
      ['live0001', 'running'],
      ['efgh5678', 'finished'],
      ['abcd1234', 'finished'],
    ]);
  });
});

describe('scalar series (docs/api.md#scalars, docs/api.md#downsampling, docs/api.md#kbc-frames)', () => {
  it('sends every logged row with non-finite values as strings, and an ETag that answers 304', async () => {
    const r = await get(viewer, `${run}/scalars/train/loss`);
    expect(r.status).toBe(200);
    expect(r.json.steps).toEqual(steps);
    expect(r.json.values).toEqual(lossValues.map(asApi));
    expect(r.json.values.slice(9, 11)).toEqual([lossAt(9), 'NaN']);
    expect(r.json.values[2000]).toBe('Infinity');
    expect(r.json.values[3000]).toBe('-Infinity');
    expect(r.json.global_steps).toEqual(steps.map(globalStepAt));
    expect(r.json.timestamps).toEqual(steps.map((s) => Math.trunc(stepMs.get(s)! / 1000)));
    expect(r.headers['cache-control']).toBe('no-cache');
    const again = await get(viewer, `${run}/scalars/train/loss`, { 'if-none-match': String(r.headers.etag) });
    expect(again.status).toBe(304);
    const other = await get(viewer, `${run}/scalars/train/loss?limit=2`, {
      'if-none-match': String(r.headers.etag),
    });
    expect(other.status).toBe(200);
    const lr = await get(viewer, `${run}/scalars/train/lr`);
    expect(lr.json.steps).toEqual(steps.filter((s) => s % 10 === 0));
    expect(lr.json.values).toEqual(lr.json.steps.map(lrAt));
  });

  it('downsamples exactly as the shared series package does, deterministically', async () => {
    const r = await get(viewer, `${run}/scalars/train/loss?points=200`);
    const sel = downsample(Float64Array.from(steps), Float64Array.from(lossValues), { points: 200 });
    expect(r.json.steps).toEqual(Array.from(sel.indices));
    expect(r.json.values).toEqual(Array.from(sel.indices, (i) => asApi(lossValues[i])));
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
    expect(t.json.timestamps[0]).toBe(stepMs.get(0));
    expect(t.json.timestamps.at(-1)).toBe(stepMs.get(N - 1));
  });

  it('after_step returns only the tail: rows after the cursor, or whole buckets with points', async () => {
    const plain = await get(viewer, `${run}/scalars/train/loss?after_step=4990`);
    expect(plain.json.steps).toEqual([4991, 4992, 4993, 4994, 4995, 4996, 4997, 4998, 4999]);
    expect(plain.json.values).toEqual(plain.json.steps.map((s: number) => lossAt(s)));
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
      expect(r.json.xs[i]).toBe(lrAt(Math.floor(s / 10) * 10));
    });
  });

  it('the kbc frame carries the same rows as JSON, in milliseconds, NaN and infinities as IEEE values', async () => {
    const json = await get(viewer, `${run}/scalars/train/loss?points=100&time_unit=ms`);
    const bin = await get(viewer, `${run}/scalars/train/loss?points=100&format=kbc`);
    expect(bin.headers['content-type']).toBe('application/x-kohakuboard-kbc');
    const { header, cols } = readKbc(bin.raw);
    expect(header.count).toBe(json.json.steps.length);
    expect(header.byte_length).toBe(bin.raw.length);
    expect(cols.steps).toEqual(json.json.steps);
    expect(cols.global_steps).toEqual(json.json.steps.map(globalStepAt));
    expect(cols.timestamps_ms).toEqual(json.json.timestamps);
    expect(cols.values.map(asApi)).toEqual(json.json.values);
    expect(
      cols.values
        .filter((v) => !Number.isFinite(v))
        .map(String)
        .sort(),
    ).toEqual(['-Infinity', 'Infinity', 'NaN']);
    expect(header.meta.total_points).toBe(N);
    expect(header.columns.map((c: Json) => c.name)).not.toContain('present');
  });

  it('base columns come from the step index: timestamp in seconds, limit keeps the last rows', async () => {
    const s = await get(viewer, `${run}/scalars/timestamp?limit=2`);
    const ms = await get(viewer, `${run}/scalars/timestamp?limit=2&time_unit=ms`);
    expect(s.json.steps).toEqual([STEP.kde, STEP.tensor]);
    expect(ms.json.values).toEqual([stepMs.get(STEP.kde), stepMs.get(STEP.tensor)]);
    expect(s.json.values).toEqual(ms.json.values.map((t: number) => Math.trunc(t / 1000)));
    const gs = await get(viewer, `${run}/scalars/global_step?limit=3`);
    expect(gs.json.values).toEqual([globalStepAt(N - 1), globalStepAt(N - 1), globalStepAt(N - 1)]);
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

  it('details list counts and last values (docs/api.md#scalars)', async () => {
    const r = await get(viewer, `${run}/scalars?details=true`);
    expect(r.json.metrics).toEqual(['step', 'global_step', 'timestamp', 'train/loss', 'train/lr']);
    expect(r.json.details).toEqual([
      { name: 'train/loss', count: N, first_step: 0, last_step: N - 1, last_value: lossAt(N - 1) },
      { name: 'train/lr', count: N / 10, first_step: 0, last_step: N - 10, last_value: lrAt(N - 10) },
    ]);
  });
});

describe('run listing at scale (docs/api.md#run-listing, docs/api.md#run-record)', () => {
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
      name: 'Aback Zucchini',
      board_id: 'abcd1234_baseline',
      status: 'finished',
      last_step: STEP.tensor,
      updated_at_ms: stepMs.get(STEP.tensor),
      config: CONFIG_A,
    });
  });

  it('an unknown project is 404; default always exists (docs/api.md#run-records)', async () => {
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

describe('config (docs/api.md#config)', () => {
  it('flattens in code-point order, and batch/config reports what differs', async () => {
    const c = await get(viewer, `${run}/config`);
    expect(c.json.config).toEqual(CONFIG_A);
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

describe('batch routes (docs/api.md#batch-summary, docs/api.md#batch-scalars)', () => {
  it('batch/summary maps resolvable runs; envelope reports the others', async () => {
    const r = await post(viewer, '/api/projects/mnist/runs/batch/summary', {
      run_ids: ['abcd1234', 'ghost'],
    });
    expect(Object.keys(r.json)).toEqual(['abcd1234']);
    expect(r.json.abcd1234.total_steps).toBe(STEP.tensor + 1);
    expect(r.json.abcd1234.has_global_step).toBe(true);
    expect(r.json.abcd1234.available_data).toEqual({
      scalars: ['step', 'global_step', 'timestamp', 'train/loss', 'train/lr'],
      media: ['preds_r0_c0', 'preds_r1_c0', 'samples'],
      tables: ['preds'],
      histograms: ['kde/act', 'params/w'],
      tensors: ['weights/fc'],
      kernel_density: ['kde/act'],
    });
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
    expect(r.json.abcd1234['train/loss'].values).toEqual(single.json.values);
    expect(r.json.efgh5678['train/loss'].steps).toEqual([1, 2]);
    expect(r.json.efgh5678['train/loss'].values).toEqual([2, 1]);
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
  it('media entries point at the logged bytes; ranges work', async () => {
    const all = await get(viewer, `${run}/media/samples`);
    expect(all.json.data.map((e: Json) => [e.step, e.caption, e.width, e.height, e.size_bytes])).toEqual([
      [STEP.firstImage, 'first', 4, 3, png['a.png'].length],
      [STEP.secondImage, '', 2, 2, png['b.png'].length],
    ]);
    const r = await get(viewer, `${run}/media/samples?limit=1`);
    expect(r.json.data.length).toBe(1);
    expect(r.json.data[0]).toMatchObject({ step: STEP.secondImage, type: 'image', format: 'png' });
    const url = r.json.data[0].url;
    expect(url).toBe(`${run}/media/files/${r.json.data[0].filename}`);
    const whole = await get(viewer, url);
    expect(whole.raw.equals(png['b.png'])).toBe(true);
    expect(whole.headers['content-type']).toBe('image/png');
    const size = png['b.png'].length;
    expect((await get(viewer, url, { range: 'bytes=-3' })).raw.equals(png['b.png'].subarray(size - 3))).toBe(
      true,
    );
    const tail = await get(viewer, url, { range: 'bytes=4-' });
    expect(tail.status).toBe(206);
    expect(tail.headers['content-range']).toBe(`bytes 4-${size - 1}/${size}`);
    expect(tail.raw.equals(png['b.png'].subarray(4))).toBe(true);
    const bad = await get(viewer, url, { range: `bytes=${size}-${size + 10}` });
    expect(bad.status).toBe(416);
    expect(bad.headers['content-range']).toBe(`bytes */${size}`);
    expect((await get(viewer, url, { range: 'bytes=0-1,4-5' })).status).toBe(200);
    expect((await get(viewer, `${run}/media/files/bad..name.png`)).json.detail.code).toBe('invalid_name');
    expect((await get(viewer, `${run}/media/by-id/${all.json.data[0].id}`)).raw.equals(png['a.png'])).toBe(
      true,
    );
    expect((await get(viewer, `${run}/media/by-id/x`)).json.detail.code).toBe('invalid_parameter');
    const details = await get(viewer, `${run}/media?details=true`);
    expect(details.json.details.find((d: Json) => d.name === 'samples')).toEqual({
      name: 'samples',
      type: 'image',
      count: 2,
      first_step: STEP.firstImage,
      last_step: STEP.secondImage,
    });
  });

  it('a large blob (read in the task pool) is sent whole and in ranges', async () => {
    const video = Buffer.from(videoBytes());
    const entry = (await get(viewer, '/api/projects/mnist/runs/efgh5678/media/clip')).json.data[0];
    expect(entry).toMatchObject({ type: 'video', format: 'mp4', size_bytes: video.length, step: 3 });
    const whole = await get(viewer, entry.url);
    expect(whole.headers['content-type']).toBe('video/mp4');
    expect(whole.raw.equals(video)).toBe(true);
    const part = await get(viewer, entry.url, { range: 'bytes=1000-1999' });
    expect(part.status).toBe(206);
    expect(part.headers['content-range']).toBe(`bytes 1000-1999/${video.length}`);
    expect(part.raw.equals(video.subarray(1000, 2000))).toBe(true);
  });

  it('a table with image cells: NaN as a string and its position; media cells resolve to the logged images', async () => {
    const r = await get(viewer, `${run}/tables/preds?resolve_media=true`);
    const entry = r.json.data[0];
    expect(entry).toMatchObject({
      step: STEP.table,
      global_step: globalStepAt(N - 1),
      columns: ['img', 'score'],
      column_types: ['media', 'number'],
      nonfinite_cells: [[0, 1]],
    });
    expect(entry.rows.map((row: Json) => row[1])).toEqual(['NaN', 0.5]);
    const ids = entry.rows.map((row: Json) => Number(/^<media id=(\d+)>$/.exec(row[0])?.[1]));
    expect(Object.keys(r.json.media).sort()).toEqual(ids.map(String).sort());
    const cells = await Promise.all(ids.map((id: number) => get(viewer, r.json.media[String(id)].url)));
    expect(cells[0].raw.equals(png['a.png'])).toBe(true);
    expect(cells[1].raw.equals(png['c.png'])).toBe(true);
    expect(r.json.media[String(ids[1])]).toMatchObject({ type: 'image', format: 'png', width: 3, height: 1 });
  });

  it('histograms and the surface', async () => {
    const all = await get(viewer, `${run}/histograms/params/w`);
    expect(all.json.data.map((e: Json) => [e.step, e.bins, e.counts, e.precision])).toEqual(
      HISTOGRAMS.map((h, i) => [
        i === 0 ? STEP.firstHistogram : STEP.secondHistogram,
        h.bins,
        h.counts,
        'i32',
      ]),
    );
    const h = await get(viewer, `${run}/histograms/params/w?after_step=${STEP.firstHistogram}`);
    expect(h.headers.etag).toMatch(/^W\//);
    const again = await get(viewer, `${run}/histograms/params/w?after_step=${STEP.firstHistogram}`, {
      'if-none-match': String(h.headers.etag),
    });
    expect(again.status).toBe(304);
    expect(h.json.data.map((e: Json) => e.step)).toEqual([STEP.secondHistogram]);
    const first = stepMs.get(0)!;
    expect(h.json.data[0].relative_walltime).toBe((stepMs.get(STEP.secondHistogram)! - first) / 1000);
    const s = await get(
      viewer,
      `${run}/histograms/params/w/surface?bins=8&normalize=per-step&axis=relative_walltime`,
    );
    expect(s.json.axis_type).toBe('relative_walltime');
    expect(s.json.axis_values).toEqual(
      [STEP.firstHistogram, STEP.secondHistogram].map((st) => (stepMs.get(st)! - first) / 1000),
    );
    expect(s.json.bin_range).toEqual({ min: -2, max: 2 });
    expect(s.json.bin_edges).toEqual(Array.from(linspaceEdges(-2, 2, 8)));
    for (const row of s.json.matrix) expect(Math.max(...row)).toBeCloseTo(1, 12);
    expect((await get(viewer, `${run}/histograms/params/w/surface?normalize=bogus`)).status).toBe(400);
    expect((await get(viewer, `${run}/histograms/nope/surface`)).json.detail.code).toBe(
      'histogram_not_found',
    );
    expect((await get(viewer, `${run}/histograms/params/w?range_min=2&range_max=1`)).status).toBe(400);
    const kde = await get(viewer, `${run}/histograms/kde/act?bins=8`);
    expect(kde.json.data[0].bins.length).toBe(9);
    expect(kde.json.data[0]).toMatchObject({
      precision: 'kde',
      step: STEP.kde,
      sample_count: KDE.sampleCount,
    });
  });

  it('a tensor: the logged values, slicing, statistics, NaN as a string, too large', async () => {
    const r = await get(
      viewer,
      `${run}/tensors/weights/fc?include_data=true&encoding=json&slice=:,1:&stats=true`,
    );
    const e = r.json.entries[0];
    expect(e).toMatchObject({ step: STEP.tensor, dtype: 'float32', shape: TENSOR.shape, data_dtype: '<f4' });
    expect(e.data_shape).toEqual([2, 2]);
    expect(e.data).toEqual([
      [2, 'NaN'],
      [5, 6],
    ]);
    expect(e.stats).toMatchObject({ numel: 4, nan_count: 1, min: 2, max: 6 });
    const full = await get(viewer, `${run}/tensors/weights/fc?include_data=true&encoding=json`);
    expect(full.json.entries[0].data).toEqual([
      TENSOR.values.slice(0, 3).map(asApi),
      TENSOR.values.slice(3).map(asApi),
    ]);
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
    const raw = await get(viewer, `${run}/tensors/weights/fc?format=npy&step=${STEP.tensor}`);
    expect(raw.headers['content-disposition']).toBe(`attachment; filename="weights__fc_${STEP.tensor}.npy"`);
  });

  it('KDE: the logged grid and density, on a shared grid, and range without points is refused', async () => {
    const native = await get(viewer, `${run}/kernel_density/kde/act`);
    expect(native.json.entries[0]).toMatchObject({
      step: STEP.kde,
      grid: KDE.grid,
      density: KDE.density,
      sample_count: KDE.sampleCount,
      range_min: 0,
      range_max: 3,
      num_points: 4,
    });
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

  it("logs: the running client's output.log ends in its live progress bar; next_offset stops after the last newline", async () => {
    // The writer refreshes the unsettled tail on its own schedule: wait until the bar is in the file.
    let r = await get(viewer, `${live}/logs/output.log`);
    for (let i = 0; i < 200 && r.json?.content !== LIVE_OUTPUT; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      r = await get(viewer, `${live}/logs/output.log`);
    }
    expect(r.json).toMatchObject({
      offset: 0,
      next_offset: 14,
      eof: true,
      reset: false,
      content: LIVE_OUTPUT,
    });
    const files = (await get(viewer, `${live}/logs`)).json.files.map((f: Json) => f.name);
    expect(files[0]).toBe('output.log');
    expect(files).toContain('board.log');
    const t = await get(viewer, `${live}/logs/output.log?offset=14&format=text`);
    expect(t.body).toBe(' 45%|####      | 45/100');
    expect(t.headers['x-log-next-offset']).toBe('14');
    const reset = await get(viewer, `${live}/logs/output.log?offset=3&tail=1`);
    expect(reset.json.reset).toBe(true);
    expect((await get(viewer, `${live}/logs/..%2Fmetadata.json`)).status).toBe(400);
    expect((await get(viewer, `${live}/logs/missing.log`)).json.detail.code).toBe('log_not_found');
  });
});

describe('PATCH a run (docs/api.md#renaming-a-run)', () => {
  it('refuses running runs, renames folders and rewrites metadata.json keeping key order', async () => {
    const patch = (v: Viewer, url: string, payload: unknown) =>
      v.app.inject({ method: 'PATCH', url, payload: payload as object });
    const running = await patch(viewer, live, { name: 'x' });
    expect(running.statusCode).toBe(409);
    expect(running.json().detail.code).toBe('run_is_running');
    const second = '/api/projects/mnist/runs/efgh5678';
    expect((await patch(viewer, second, {})).json().detail.code).toBe('no_update_fields');
    expect((await patch(viewer, second, { name: '  ' })).json().detail.code).toBe('empty_name');
    expect((await patch(viewer, second, { annotation: '!!' })).json().detail.code).toBe('invalid_annotation');
    const before = readFileSync(join(tmp.dir, 'data', 'mnist', 'efgh5678', 'metadata.json'), 'utf8');
    const ok = await patch(viewer, second, { name: ' Renamed ', annotation: 'Second Try' });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({ run_id: 'efgh5678', annotation: 'second_try', name: 'Renamed' });
    const after = JSON.parse(
      readFileSync(join(tmp.dir, 'data', 'mnist', 'efgh5678_second_try', 'metadata.json'), 'utf8'),
    );
    const keysBefore = Object.keys(JSON.parse(before));
    expect(Object.keys(after).filter((k) => keysBefore.includes(k))).toEqual(keysBefore);
    expect(after).toMatchObject({
      name: 'Renamed',
      annotation: 'second_try',
      config: JSON.parse(before).config,
    });
    const rec = await get(viewer, second);
    expect(rec.json).toMatchObject({
      board_id: 'efgh5678_second_try',
      name: 'Renamed',
      annotation: 'second_try',
    });
    const other = await patch(viewer, run, { annotation: 'second try' });
    expect(other.statusCode).toBe(200);
    const ro = await patch(uiViewer, run, { name: 'y' });
    expect(ro.statusCode).toBe(405);
    expect(ro.json().detail.code).toBe('read_only');
  });
});

describe('HTTP conventions (docs/api.md#json-encoding, docs/api.md#static-ui)', () => {
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
    const options = await viewer.app.inject({ method: 'OPTIONS', url: `${run}/status` });
    expect(options.statusCode).toBe(405);
    expect(options.headers.allow).toBe('GET, HEAD');
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

describe('the read API as a plugin with an access check (docs/api.md#read-api-plugin)', () => {
  /** The read API alone in a bare Fastify app, over a data directory, with the given access check. */
  async function mount(
    dataDir: string,
    access: AccessCheck,
    events: EventHub | null = null,
  ): Promise<{ app: FastifyInstance; index: RunIndex; close: () => Promise<void> }> {
    const index = new RunIndex(dataDir, { watch: false });
    index.start();
    await index.ready;
    const executor = createExecutor({ threads: 0, cacheBytes: 1 << 24, maxHandles: 16, dataDir });
    const reader = createReaderContext({ cacheBytes: 1 << 24, maxHandles: 16, dataDir });
    const app = Fastify();
    const systemInfo = () => ({ mode: 'local' });
    await app.register(readApiPlugin, { index, access, systemInfo, executor, reader, events });
    return {
      app,
      index,
      close: async () => {
        events?.closeAll();
        index.close();
        await app.close();
        await executor.close();
        reader.handles.closeAll();
      },
    };
  }

  const DENY_ALL: AccessCheck = {
    principal: async () => 'somebody',
    projectKey: (_req, segment) => segment,
    canReadProject: () => false,
    canReadRun: () => false,
    canWriteRun: () => false,
  };

  it('with every read denied, runs and projects answer exactly like ones that do not exist', async () => {
    const denied = await mount(join(tmp.dir, 'data'), DENY_ALL);
    const emptyDir = tempDir();
    const empty = await mount(emptyDir.dir, ALLOW_ALL);
    try {
      const media = (await get(viewer, `${run}/media/samples`)).json.data[0];
      const gets = [
        '/api/projects',
        '/api/projects/mnist/runs',
        '/api/projects/mnist/runs?q=a&sort=name',
        '/api/projects/mnist/config_keys',
        run,
        ...['status', 'summary', 'metadata', 'config', 'scalars', 'media', 'tables', 'histograms', 'tensors']
          .concat(['kernel_density', 'logs'])
          .map((sub) => `${run}/${sub}`),
        `${run}/scalars/train/loss?points=100`,
        `${run}/media/samples`,
        `${run}/media/files/${media.filename}`,
        `${run}/media/by-id/${media.id}`,
        `${run}/tables/preds`,
        `${run}/histograms/params/w`,
        `${run}/histograms/params/w/surface`,
        `${run}/tensors/weights/fc`,
        `${run}/kernel_density/kde/act`,
        `${live}/logs/output.log`,
        '/api/boards/abcd1234/media/by-id/1',
        '/api/boards/abcd1234_baseline/media/by-id/1',
      ];
      for (const url of gets) {
        const a = await denied.app.inject({ method: 'GET', url });
        const b = await empty.app.inject({ method: 'GET', url });
        expect([a.statusCode, a.body], url).toEqual([b.statusCode, b.body]);
      }
      expect(JSON.parse((await denied.app.inject({ url: '/api/projects' })).body).projects).toEqual([
        {
          name: 'default',
          display_name: 'Default Project',
          run_count: 0,
          created_at: null,
          updated_at: null,
          updated_at_ms: null,
        },
      ]);
      for (const what of ['summary', 'scalars', 'config']) {
        const url = `/api/projects/mnist/runs/batch/${what}`;
        const payload = { run_ids: ['abcd1234'], metrics: ['train/loss'] };
        const a = await denied.app.inject({ method: 'POST', url, payload });
        const b = await empty.app.inject({ method: 'POST', url, payload });
        expect([a.statusCode, a.body], url).toEqual([b.statusCode, b.body]);
      }
      const patchA = await denied.app.inject({ method: 'PATCH', url: run, payload: { name: 'x' } });
      const patchB = await empty.app.inject({ method: 'PATCH', url: run, payload: { name: 'x' } });
      expect([patchA.statusCode, patchA.body]).toEqual([patchB.statusCode, patchB.body]);
    } finally {
      await denied.close();
      await empty.close();
      emptyDir.cleanup();
    }
  });

  it('the event stream carries only events of runs the caller may read', async () => {
    const events = new EventHub();
    const access: AccessCheck = { ...ALLOW_ALL, canReadRun: (_p, r) => r.runIdPart !== 'efgh5678' };
    const mounted = await mount(join(tmp.dir, 'data'), access, events);
    let sse: SseClient | null = null;
    try {
      await mounted.app.listen({ port: 0, host: '127.0.0.1' });
      const { port } = mounted.app.server.address() as { port: number };
      sse = await connectSse(`http://127.0.0.1:${port}/api/events?project=mnist`);
      await sse.waitFor((e) => e.event === 'hello');
      const hidden = mounted.index.resolve('mnist', 'efgh5678')!;
      const shown = mounted.index.resolve('mnist', 'abcd1234')!;
      publishIndexChange(events, { type: 'updated', record: hidden, previous: hidden });
      publishIndexChange(events, { type: 'updated', record: shown, previous: shown });
      // Events come in publishing order on one stream: the hidden run's would have come first.
      const seen = await sse.waitFor((e) => e.event === 'run_updated');
      expect(seen.data.run_id).toBe('abcd1234');
      expect(sse.events.filter((e) => e.data.run_id === 'efgh5678')).toEqual([]);
    } finally {
      sse?.close();
      await mounted.close();
    }
  });

  it('a run that may be read but not written answers PATCH with 403; hidden runs leave counts and batches', async () => {
    const someRuns: AccessCheck = {
      ...ALLOW_ALL,
      canReadRun: (_p, r) => r.runIdPart !== 'efgh5678',
      canWriteRun: () => false,
    };
    const mounted = await mount(join(tmp.dir, 'data'), someRuns);
    try {
      const patch = await mounted.app.inject({ method: 'PATCH', url: run, payload: { name: 'x' } });
      expect(patch.statusCode).toBe(403);
      expect(JSON.parse(patch.body).detail.code).toBe('forbidden');
      const projects = JSON.parse((await mounted.app.inject({ url: '/api/projects' })).body).projects;
      expect(projects.find((p: Json) => p.name === 'mnist').run_count).toBe(2);
      const list = JSON.parse((await mounted.app.inject({ url: '/api/projects/mnist/runs' })).body);
      expect(list.runs.map((r: Json) => r.run_id)).toEqual(['live0001', 'abcd1234']);
      const hidden = await mounted.app.inject({ url: '/api/projects/mnist/runs/efgh5678/summary' });
      expect(hidden.statusCode).toBe(404);
      const batch = await mounted.app.inject({
        method: 'POST',
        url: '/api/projects/mnist/runs/batch/summary?envelope=1',
        payload: { run_ids: ['abcd1234', 'efgh5678'] },
      });
      const body = JSON.parse(batch.body);
      expect(Object.keys(body.results)).toEqual(['abcd1234']);
      expect(body.errors).toEqual({ efgh5678: { error: 'Run not found', code: 'run_not_found' } });
    } finally {
      await mounted.close();
    }
  });
});
