/**
 * A writer killed between its metric commit and its data/metadata.db commit leaves metric rows that the step
 * index does not cover. The reader serves metric rows up to the step index's last step only, so every series,
 * the metric details and the batch answers agree with the summary's total_steps and last_step; rows appear
 * as soon as the step index covers them.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunActivityTracker, type RunDataChange } from '../src/reader/run-activity.js';
import { RunIndex } from '../src/reader/run-index.js';
import { committedLastStep, metricEndsOf, readScalarSeries } from '../src/reader/scalar-source.js';
import { MetricFileWriter, openForWriting } from '../src/storage/index.js';
import type { Viewer } from '../src/viewer/app.js';
import { createReaderContext } from '../src/viewer/worker-pool/tasks.js';
import { decodeKbcStream } from './helpers/hardening.js';
import { T0, writeTsRun } from './helpers/ts-runs.js';
import { get, post, startViewer, tempDir } from './helpers/viewer.js';

const ROWS = 1000;
const INDEXED = 600;

let tmp: ReturnType<typeof tempDir>;
let runDir: string;
let viewer: Viewer;

function stepRows(db: string, from: number, to: number): void {
  const conn = new Database(db);
  const insert = conn.prepare('INSERT OR REPLACE INTO steps (step, global_step, timestamp) VALUES (?, ?, ?)');
  conn.transaction(() => {
    for (let s = from; s < to; s++) insert.run(s, s, T0 + s * 1000);
  })();
  conn.close();
}

beforeAll(async () => {
  tmp = tempDir('kobo-committed-');
  const steps = Array.from({ length: ROWS }, (_, i) => i);
  runDir = writeTsRun(tmp.dir, {
    project: 'p',
    runId: 'killed',
    status: 'running',
    metrics: { loss: { steps, values: steps.map((s) => s / 10) }, acc: { steps, values: steps } },
    histograms: steps
      .filter((s) => s % 100 === 0)
      .map((step) => ({ name: 'w/hist', step, counts: [1, 2, step % 7], min: 0, max: 1 })),
  });
  // What a kill between the two commits leaves: the last flush's steps rows never landed.
  const conn = new Database(join(runDir, 'data', 'metadata.db'));
  conn.prepare('DELETE FROM steps WHERE step >= ?').run(INDEXED);
  conn.close();
  viewer = await startViewer(tmp.dir);
});

afterAll(async () => {
  await viewer?.close();
  tmp?.cleanup();
});

const base = '/api/projects/p/runs/killed';

describe('metric rows past the step index', () => {
  it('the summary and every served series agree on the last step', async () => {
    const summary = (await get(viewer, `${base}/summary`)).json;
    expect(summary.total_steps).toBe(INDEXED);
    expect(summary.last_step).toBe(INDEXED - 1);
    const series = (await get(viewer, `${base}/scalars/loss`)).json;
    expect(series.steps.length).toBe(INDEXED);
    expect(series.steps.at(-1)).toBe(summary.last_step);
    expect(series.values.at(-1)).toBe((INDEXED - 1) / 10);
    const down = (await get(viewer, `${base}/scalars/loss?points=40&smooth=gaussian&smooth_value=50`)).json;
    expect(down.total_points).toBe(INDEXED);
    expect(down.last_step).toBe(INDEXED - 1);
    expect(down.steps.at(-1)).toBe(INDEXED - 1);
    const tail = (await get(viewer, `${base}/scalars/loss?after_step=${INDEXED - 3}`)).json;
    expect(tail.steps).toEqual([INDEXED - 2, INDEXED - 1]);
    const details = (await get(viewer, `${base}/scalars?details=true`)).json.details;
    expect(details).toContainEqual({
      name: 'loss',
      count: INDEXED,
      first_step: 0,
      last_step: INDEXED - 1,
      last_value: (INDEXED - 1) / 10,
    });
    expect((await get(viewer, `${base}/status`)).json.metrics_count).toBe(INDEXED);
    // Histogram entries of the unfinished commit are cut at the same step.
    const hist = (await get(viewer, `${base}/histograms/w/hist`)).json;
    expect(hist.data.map((e: { step: number }) => e.step)).toEqual([0, 100, 200, 300, 400, 500]);
  });

  it('batch/scalars, JSON and kbc, stop at the same step', async () => {
    const json = await post(viewer, '/api/projects/p/runs/batch/scalars', {
      run_ids: ['killed'],
      metrics: ['loss', 'acc', 'step'],
    });
    for (const m of ['loss', 'acc', 'step']) expect(json.json.killed[m].steps.at(-1)).toBe(INDEXED - 1);
    const kbc = await post(viewer, '/api/projects/p/runs/batch/scalars?format=kbc', {
      run_ids: ['killed'],
      metrics: ['loss', 'acc'],
    });
    for (const f of decodeKbcStream(new Uint8Array(kbc.raw))) {
      expect(f.header.count).toBe(INDEXED);
      expect(f.steps.at(-1)).toBe(INDEXED - 1);
    }
  });

  it('rows are served as soon as the step index covers them', async () => {
    const ctx = createReaderContext({ cacheBytes: 1 << 24, maxHandles: 8, dataDir: tmp.dir });
    expect(committedLastStep(ctx, runDir)).toBe(INDEXED - 1);
    expect(readScalarSeries(ctx, runDir, 'loss')?.length).toBe(INDEXED);
    stepRows(join(runDir, 'data', 'metadata.db'), INDEXED, ROWS);
    expect(committedLastStep(ctx, runDir)).toBe(ROWS - 1);
    expect(readScalarSeries(ctx, runDir, 'loss')?.length).toBe(ROWS);
    expect(metricEndsOf(ctx, runDir, 'loss')).toEqual({
      count: ROWS,
      firstStep: 0,
      lastStep: ROWS - 1,
      lastValue: (ROWS - 1) / 10,
    });
    ctx.handles.closeAll();
    const series = (await get(viewer, `${base}/scalars/loss`)).json;
    expect(series.steps.length).toBe(ROWS);
    const hist = (await get(viewer, `${base}/histograms/w/hist`)).json;
    expect(hist.data.length).toBe(ROWS / 100);
  });

  it('a run without a step index serves its metrics whole', async () => {
    const dir = writeTsRun(tmp.dir, {
      project: 'p',
      runId: 'nosteps',
      metrics: { loss: { steps: [0, 1, 2], values: [1, 2, 3] } },
    });
    const conn = new Database(join(dir, 'data', 'metadata.db'));
    conn.exec('DELETE FROM steps');
    conn.close();
    const ctx = createReaderContext({ cacheBytes: 1 << 24, maxHandles: 8, dataDir: tmp.dir });
    expect(committedLastStep(ctx, dir)).toBeNull();
    expect(readScalarSeries(ctx, dir, 'loss')?.length).toBe(3);
    ctx.handles.closeAll();
  });

  it('run_data events announce metric rows only once the step index covers them', async () => {
    const steps = Array.from({ length: 100 }, (_, i) => i);
    const dir = writeTsRun(tmp.dir, {
      project: 'ev',
      runId: 'grow',
      status: 'running',
      metrics: { loss: { steps, values: steps } },
    });
    const index = new RunIndex(tmp.dir, { watch: false });
    index.start();
    await index.ready;
    const ctx = createReaderContext({ cacheBytes: 1 << 24, maxHandles: 8, dataDir: tmp.dir });
    const events: RunDataChange[] = [];
    const tracker = new RunActivityTracker(index, ctx, {
      intervalMs: 0,
      watch: false,
      onData: (c) => events.push(c),
    });
    const record = () => index.resolve('ev', 'grow')!;
    tracker.check(record());
    // A flush whose metric commit landed and whose step-index commit did not (yet).
    const file = join(dir, 'data', 'metrics', 'loss.db');
    const h = openForWriting(file, 'columnvault');
    const more = Array.from({ length: 100 }, (_, i) => 100 + i);
    new MetricFileWriter(h.db, file).append({ step: more, globalStep: more, timestamp: more, value: more });
    h.db.close();
    tracker.check(record());
    expect(events.flatMap((e) => [...e.scalars.keys()])).toEqual([]);
    stepRows(join(dir, 'data', 'metadata.db'), 100, 200);
    tracker.check(record());
    const last = events.at(-1)!;
    expect(last.lastStep).toBe(199);
    expect(last.scalars.get('loss')).toEqual({ count: 200, lastStep: 199 });
    tracker.close();
    index.close();
    ctx.handles.closeAll();
  });
});
