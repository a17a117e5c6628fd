/**
 * Cheap requests cannot buy unbounded work: parameters that scale work are bounded or refused with 400/413;
 * the work of a client that has gone is dropped; one client's many heavy tasks do not go before another
 * client's task (fair queueing per client).
 */
import { spawn } from 'node:child_process';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Viewer } from '../src/viewer/app.js';
import { TaskCancelled } from '../src/viewer/worker-pool/cancellation.js';
import type { InlineExecutor, PoolExecutor } from '../src/viewer/worker-pool/executor.js';
import { FairQueue } from '../src/viewer/worker-pool/fair-queue.js';
import { writeTsRun } from './helpers/ts-runs.js';
import { get, post, startViewer, tempDir } from './helpers/viewer.js';

const BIG = 100_000;
const METRICS = Array.from({ length: 100 }, (_, i) => `m${i}`);
let tmp: ReturnType<typeof tempDir>;
let viewer: Viewer;
let executor: InlineExecutor;

beforeAll(async () => {
  tmp = tempDir('kobo-load-');
  const steps = Array.from({ length: BIG }, (_, i) => i);
  writeTsRun(tmp.dir, {
    project: 'p',
    runId: 'big',
    metrics: {
      loss: { steps, values: steps.map((s) => Math.sin(s / 100)) },
      small: { steps: [0, 1, 2, 3], values: [1, 2, 3, 4] },
    },
    histograms: Array.from({ length: 5000 }, (_, i) => ({
      name: 'h/w',
      step: i,
      counts: [1, 2, 3, 4, 5, 6, 7, 8],
      min: -1,
      max: 1,
    })),
  });
  const few = Array.from({ length: 3000 }, (_, i) => i);
  writeTsRun(tmp.dir, {
    project: 'p',
    runId: 'many',
    metrics: Object.fromEntries(METRICS.map((m) => [m, { steps: few, values: few }])),
  });
  viewer = await startViewer(tmp.dir);
  executor = viewer.executor as InlineExecutor;
});

afterAll(async () => {
  await viewer?.close();
  tmp?.cleanup();
});

const base = '/api/projects/p/runs/big';

describe('parameters that scale work', () => {
  it('a Gaussian kernel above 1000 is refused with 400, in the URL and in a batch body', async () => {
    for (const v of ['1e9', '1001', '2']) {
      const res = await get(viewer, `${base}/scalars/loss?smooth=gaussian&smooth_value=${v}`);
      expect(res.status).toBe(400);
      expect(res.json.detail).toMatchObject({ code: 'invalid_parameter', param: 'smooth_value' });
    }
    const batch = await post(viewer, '/api/projects/p/runs/batch/scalars', {
      run_ids: ['big'],
      metrics: ['loss'],
      smooth: 'gaussian',
      smooth_value: 1e9,
    });
    expect(batch.status).toBe(400);
    const ok = await get(viewer, `${base}/scalars/loss?points=100&smooth=gaussian&smooth_value=1000`);
    expect(ok.status).toBe(200);
    expect(ok.json.smoothed).toHaveLength(ok.json.values.length);
  });

  it('a moving-average window longer than the series averages all of it', async () => {
    const res = await get(viewer, `${base}/scalars/small?smooth=ma&smooth_value=1e9`);
    expect(res.status).toBe(200);
    expect(res.json.smoothed).toEqual([1, 1.5, 2, 2.5]);
  });

  it('a histogram surface larger than 4096 x 1024 cells is 413; the automatic stride is not', async () => {
    const big = await get(viewer, `${base}/histograms/h/w/surface?downsample=1&bins=1024`);
    expect(big.status).toBe(413);
    expect(big.json.detail.code).toBe('too_large');
    const auto = await get(viewer, `${base}/histograms/h/w/surface?bins=1024`);
    expect(auto.status).toBe(200);
    expect(auto.json.sampled_entries).toBeLessThanOrEqual(181);
  });

  it('run listings take at most 64 config filters and 16 sort keys', async () => {
    const filters = Array.from({ length: 65 }, (_, i) => `config=k${i}%3D1`).join('&');
    expect((await get(viewer, `/api/projects/p/runs?${filters}`)).status).toBe(400);
    const sort = Array.from({ length: 17 }, () => 'name').join(',');
    expect((await get(viewer, `/api/projects/p/runs?sort=${sort}`)).status).toBe(400);
    expect((await get(viewer, '/api/projects/p/runs?sort=name,-created_at&config=k%3D1')).status).toBe(200);
  });
});

describe('fair queueing', () => {
  it('the next task comes from the waiting client that has used the least time', () => {
    const q = new FairQueue<string>();
    for (let i = 0; i < 5; i++) q.push('heavy', `h${i}`);
    const first = q.shift()!;
    expect(first.item).toBe('h0');
    q.charge('heavy', 500);
    q.push('light', 'l0');
    expect(q.shift()!.item).toBe('l0');
    q.charge('light', 1);
    expect(q.shift()!.item).toBe('h1');
    // A client that was idle starts at the clock: its idle time is no credit to burst with. Without the
    // catch-up, 'light' (1 ms used) would run all three of its tasks before 'heavy' (1000 ms) ran again.
    q.charge('heavy', 500);
    for (let i = 1; i <= 3; i++) q.push('light', `l${i}`);
    const order = [q.shift()!.item];
    q.charge('light', 600);
    order.push(q.shift()!.item);
    expect(order).toEqual(['l1', 'h2']);
    expect(q.remove('heavy', 'h3')).toBe(true);
    expect(q.remove('heavy', 'h3')).toBe(false);
    expect(q.size).toBe(3);
  });

  it("one client's queue of heavy tasks does not delay another client's task", async () => {
    const ref = (await get(viewer, `${base}`)).json;
    expect(ref.run_id).toBe('big');
    const run = viewer.index.resolve('p', 'big')!;
    const { runRef } = await import('../src/viewer/run-ref.js');
    const heavyInput = {
      task: 'scalar' as const,
      run: runRef(run, run.dir),
      name: 'loss',
      query: {
        limit: null,
        points: null,
        x: 'step' as const,
        xMin: null,
        xMax: null,
        xMetric: null,
        smooth: 'gaussian' as const,
        smoothValue: 200,
        timeUnit: 's' as const,
        afterStep: null,
        format: 'kbc' as const,
      },
      ifNoneMatch: null,
    };
    const done: string[] = [];
    const heavy = Array.from({ length: 6 }, (_, i) =>
      executor.run(heavyInput, run.dir, { client: 'heavy' }).then(() => done.push(`heavy${i}`)),
    );
    const light = executor
      .run({ task: 'summary', run: runRef(run, run.dir) }, run.dir, { client: 'light' })
      .then(() => done.push('light'));
    await Promise.all([...heavy, light]);
    // The first heavy task was already running; the light one goes next, not after the other five.
    expect(done.indexOf('light')).toBe(1);
  });
});

describe('cancellation', () => {
  it('an aborted task is dropped from the queue and its caller answered at once', async () => {
    const run = viewer.index.resolve('p', 'big')!;
    const { runRef } = await import('../src/viewer/run-ref.js');
    const input = { task: 'summary' as const, run: runRef(run, run.dir) };
    const controller = new AbortController();
    const startedBefore = executor.started;
    const first = executor.run(input, run.dir, { client: 'a' });
    const dropped = Array.from({ length: 5 }, () =>
      executor.run(input, run.dir, { client: 'a', signal: controller.signal }),
    );
    // The first is already running; the others wait.
    expect(executor.waiting).toBe(5);
    controller.abort();
    expect(executor.waiting).toBe(0);
    for (const d of dropped) await expect(d).rejects.toBeInstanceOf(TaskCancelled);
    await first;
    expect(executor.started - startedBefore).toBe(1);
    await expect(executor.run(input, run.dir, { signal: AbortSignal.abort() })).rejects.toBeInstanceOf(
      TaskCancelled,
    );
  });

  it('a batch abandoned by its client starts no more series', async () => {
    await viewer.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = viewer.app.server.address() as AddressInfo;
    const startedBefore = executor.started;
    const body = JSON.stringify({
      run_ids: ['many'],
      metrics: METRICS,
      smooth: 'gaussian',
      smooth_value: 1000,
    });
    await new Promise<void>((resolve) => {
      const req = request({
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/api/projects/p/runs/batch/scalars?format=kbc',
        headers: { 'content-type': 'application/json' },
      });
      req.on('error', () => resolve());
      // Walk away as soon as the first frame arrives.
      req.on('response', (res) =>
        res.once('data', () => {
          req.destroy();
          resolve();
        }),
      );
      req.end(body);
    });
    while (executor.waiting > 0) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, 50));
    const ran = executor.started - startedBefore;
    expect(ran).toBeGreaterThan(0);
    expect(ran).toBeLessThan(METRICS.length / 2);
    // The server goes on answering.
    const normal = await fetch(`http://127.0.0.1:${port}${base}/scalars/small`);
    expect(normal.status).toBe(200);
    expect(((await normal.json()) as { values: number[] }).values).toEqual([1, 2, 3, 4]);
  });

  it('single requests abandoned by their clients are dropped before they run', async () => {
    // Worker threads (the built package): the event loop stays free, so every request queues at once.
    const app = new URL('../dist/viewer/app.js', import.meta.url).href;
    const { createViewer } = (await import(app)) as typeof import('../src/viewer/app.js');
    const pooled = await createViewer({ dataDir: tmp.dir, workers: 1, uiDir: null, watch: false });
    const pool = pooled.executor as PoolExecutor;
    try {
      await pooled.index.ready;
      await pooled.app.listen({ port: 0, host: '127.0.0.1' });
      const { port } = pooled.app.server.address() as AddressInfo;
      const heavy = `${base}/scalars/loss?smooth=gaussian&smooth_value=1000&format=kbc`;
      const script = `
        const http = require('node:http');
        for (let i = 0; i < 12; i++) {
          const req = http.request({ host: '127.0.0.1', port: ${port}, path: ${JSON.stringify(heavy)} + '&i=' + i });
          req.on('error', () => {});
          req.end();
        }
        setInterval(() => {}, 1000);`;
      // The clients live in another process, killed while their requests wait.
      const child = spawn(process.execPath, ['-e', script], { stdio: 'ignore' });
      try {
        while (pool.waiting < 8) {
          expect(pool.started, 'the requests ran before they could queue up').toBeLessThan(12);
          await new Promise((r) => setTimeout(r, 5));
        }
      } finally {
        child.kill('SIGKILL');
      }
      await new Promise((r) => child.once('exit', r));
      while (pool.waiting > 0) await new Promise((r) => setTimeout(r, 5));
      // The task running when the clients went, and perhaps one picked before their close was seen.
      expect(pool.started).toBeLessThanOrEqual(12 - 8 + 2);
      const normal = await fetch(`http://127.0.0.1:${port}${base}/scalars/small`);
      expect(normal.status).toBe(200);
    } finally {
      await pooled.close();
    }
  });
});
