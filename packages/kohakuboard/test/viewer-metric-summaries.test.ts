/**
 * `GET /api/projects/{project}/metric_summaries`: each run's last, min and max of chosen metrics equal what
 * the real client logged (NaN and ±Infinity as docs/api.md#metric-summaries says), the documented errors,
 * summaries held between requests, and recomputed from the new rows when a run grows.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Viewer } from '../src/viewer/app.js';
import { type RunningChild, startNodeScript } from './helpers/child-process.js';
import { ACC, GROW_FIRST, GROW_SECOND, LOSS } from './helpers/client-summaries-data.mjs';
import { get, type Json, startViewer, tempDir } from './helpers/viewer.js';

const SCRIPT = join(import.meta.dirname, 'helpers', 'client-summaries.mjs');
const URL = '/api/projects/sum/metric_summaries';
const asApi = (v: number) =>
  Number.isFinite(v) ? v : Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity';

/** The summary the route promises, computed here from the logged values and the steps read back. */
function expected(values: number[], steps: number[]) {
  const finiteOrInf = values.filter((v) => !Number.isNaN(v));
  return {
    count: values.length,
    last: asApi(values[values.length - 1]),
    last_step: steps[steps.length - 1],
    min: asApi(Math.min(...finiteOrInf)),
    max: asApi(Math.max(...finiteOrInf)),
  };
}

let tmp: ReturnType<typeof tempDir>;
let viewer: Viewer;
let writer: RunningChild;

function summaryTasks(spy: { mock: { calls: unknown[][] } }): number {
  return spy.mock.calls.filter((c) => (c[0] as { task: string }).task === 'metricSummaries').length;
}

beforeAll(async () => {
  tmp = tempDir('kobo-summaries-');
  writer = startNodeScript(SCRIPT, [join(tmp.dir, 'data'), 'sum'], { stdin: true });
  await writer.waitForLine(/^flushed$/);
  viewer = await startViewer(join(tmp.dir, 'data'));
}, 60_000);

afterAll(async () => {
  writer?.child.stdin?.end();
  await viewer?.close();
  tmp?.cleanup();
});

describe('metric summaries', () => {
  it('equal what was logged, NaN and infinities included', async () => {
    const res = await get(viewer, `${URL}?metric=loss&metric=val/acc&metric=missing`);
    expect(res.status).toBe(200);
    const body: Json = res.json;
    expect(body.project).toBe('sum');
    expect(body.metrics).toEqual(['loss', 'val/acc', 'missing']);
    expect(Object.keys(body.runs).sort()).toEqual(['grow', 'vals']);
    expect(body.names).toEqual(expect.arrayContaining(['loss', 'val/acc']));

    const loss = (await get(viewer, '/api/projects/sum/runs/vals/scalars/loss')).json;
    const acc = (await get(viewer, '/api/projects/sum/runs/vals/scalars/val%2Facc')).json;
    expect(loss.values).toEqual(LOSS.map(asApi));
    const vals = body.runs.vals;
    expect(vals.metrics.loss).toEqual(expected(LOSS, loss.steps));
    expect(vals.metrics['val/acc']).toEqual(expected(ACC, acc.steps));
    // A metric the run lacks is absent, not an empty summary.
    expect(vals.metrics.missing).toBeUndefined();
    const record = (await get(viewer, '/api/projects/sum/runs/vals')).json;
    expect(vals.last_step).toBe(record.last_step);
    // The client logs no global_step of its own: the step index holds 0.
    expect(vals.last_global_step).toBe(0);
  });

  it('answers bad input with the documented errors', async () => {
    const many = Array.from({ length: 17 }, (_, i) => `metric=m${i}`).join('&');
    const tooMany = await get(viewer, `${URL}?${many}`);
    expect(tooMany.status).toBe(400);
    expect(tooMany.json.detail).toMatchObject({ code: 'invalid_parameter', param: 'metric' });
    const traversal = await get(viewer, `${URL}?metric=${encodeURIComponent('../x')}`);
    expect(traversal.status).toBe(400);
    expect(traversal.json.detail.code).toBe('invalid_name');
    const unknown = await get(viewer, '/api/projects/nope/metric_summaries?metric=loss');
    expect(unknown.status).toBe(404);
    expect(unknown.json.detail.code).toBe('project_not_found');
    const none = await get(viewer, URL);
    expect(none.status).toBe(200);
    expect(none.json.runs.vals.metrics).toEqual({});
  });

  it('are held between requests and recomputed from the new rows when a run grows', async () => {
    const spy = vi.spyOn(viewer.executor, 'run');
    try {
      const first = (await get(viewer, `${URL}?metric=loss`)).json;
      const steps0 = (await get(viewer, '/api/projects/sum/runs/grow/scalars/loss')).json.steps;
      expect(first.runs.grow.metrics.loss).toEqual(expected(GROW_FIRST, steps0));
      const tasks = summaryTasks(spy);
      const again = (await get(viewer, `${URL}?metric=loss`)).json;
      expect(again).toEqual(first);
      expect(summaryTasks(spy)).toBe(tasks);

      writer.child.stdin?.write('go\n');
      await writer.waitForLine(/^done$/);
      expect((await writer.done).code).toBe(0);
      await viewer.index.tick();
      const grown = (await get(viewer, `${URL}?metric=loss&metric=extra`)).json;
      expect(summaryTasks(spy)).toBeGreaterThan(tasks);
      const all = [...GROW_FIRST, ...GROW_SECOND];
      const steps = (await get(viewer, '/api/projects/sum/runs/grow/scalars/loss')).json.steps;
      expect(grown.runs.grow.metrics.loss).toEqual(expected(all, steps));
      const extraSteps = (await get(viewer, '/api/projects/sum/runs/grow/scalars/extra')).json.steps;
      expect(grown.runs.grow.metrics.extra).toEqual(
        expected(
          GROW_SECOND.map((v) => v * 2),
          extraSteps,
        ),
      );
      // The finished run did not change: its summaries are the ones held.
      expect(grown.runs.vals.metrics.loss).toEqual(first.runs.vals.metrics.loss);
    } finally {
      spy.mockRestore();
    }
  });
});
