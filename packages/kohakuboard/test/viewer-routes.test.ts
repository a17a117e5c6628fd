/**
 * Which route answers (docs/api.md#names-in-paths, docs/api.md#route-table), through HTTP: names with unencoded `/`, `%2F` that does not split
 * a segment, fixed sub-routes (media files and ids, the histogram surface) before `{name:path}` routes, the
 * batch routes beside a run named "batch", and 405 with Allow for known paths asked with other methods.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Viewer } from '../src/viewer/app.js';
import { writeTsRun } from './helpers/ts-runs.js';
import { get, type Json, post, startViewer, tempDir } from './helpers/viewer.js';

const PNG_X = Buffer.from('not really a png, but bytes of the name files/x.png');
const PNG_AB = Buffer.from('the bytes logged under files/a/b');
const RUN = '/api/projects/p/runs/r';

let tmp: ReturnType<typeof tempDir>;
let viewer: Viewer;

beforeAll(async () => {
  tmp = tempDir('kobo-routes-');
  writeTsRun(tmp.dir, {
    project: 'p',
    runId: 'r',
    metrics: { 'train/loss': { steps: [0, 1, 2], values: [0.5, 0.25, 0.125] } },
    histograms: [
      { name: 'a', step: 1, counts: [1, 2, 3, 4], min: 0, max: 4 },
      { name: 'a/surface', step: 1, counts: [9, 8, 7, 6], min: -1, max: 1 },
      { name: 'x/y', step: 2, counts: [5, 5, 5, 5], min: 0, max: 1 },
    ],
    media: [
      { name: 'files/x.png', step: 1, bytes: PNG_X, format: 'png' },
      { name: 'files/a/b', step: 2, bytes: PNG_AB, format: 'png' },
    ],
  });
  writeTsRun(tmp.dir, {
    project: 'p',
    runId: 'batch',
    metrics: { loss: { steps: [0, 1, 2, 3], values: [4, 3, 2, 1] } },
  });
  writeTsRun(tmp.dir, { project: 'p x', runId: 'r+q', metrics: { é: { steps: [0, 7], values: [1, 2] } } });
  viewer = await startViewer(tmp.dir);
});

afterAll(async () => {
  await viewer?.close();
  tmp?.cleanup();
});

describe('names with `/` and the raw path', () => {
  it('a metric name with an unencoded slash, and every segment percent-decoded', async () => {
    const loss = await get(viewer, `${RUN}/scalars/train/loss`);
    expect(loss.json).toMatchObject({ metric: 'train/loss', steps: [0, 1, 2], values: [0.5, 0.25, 0.125] });
    const e = await get(viewer, '/api/projects/p%20x/runs/r%2Bq/scalars/%C3%A9');
    expect(e.json).toMatchObject({ metric: 'é', steps: [0, 7], values: [1, 2] });
  });

  it('`…/surface` is the surface of the name before it; `%2Fsurface` is part of the name', async () => {
    const surface = await get(viewer, `${RUN}/histograms/a/surface?bins=8`);
    expect(surface.json).toMatchObject({ histogram_name: 'a', bin_range: { min: 0, max: 4 } });
    expect(surface.json.matrix).toHaveLength(1);
    const nested = await get(viewer, `${RUN}/histograms/x/y/surface`);
    expect(nested.json).toMatchObject({ histogram_name: 'x/y', steps: [2] });
    const named = await get(viewer, `${RUN}/histograms/a%2Fsurface`);
    expect(named.json.histogram_name).toBe('a/surface');
    expect(named.json.data.map((d: Json) => d.counts)).toEqual([[9, 8, 7, 6]]);
    const plain = await get(viewer, `${RUN}/histograms/a`);
    expect(plain.json.data.map((d: Json) => d.counts)).toEqual([[1, 2, 3, 4]]);
  });

  it('media files and ids before media names; names that only look like them reach their entries', async () => {
    const x = await get(viewer, `${RUN}/media/files%2Fx.png`);
    expect(x.json.media_name).toBe('files/x.png');
    const entry = x.json.data[0];
    const blob = await get(viewer, entry.url);
    expect(blob.raw.equals(PNG_X)).toBe(true);
    expect(entry.url).toBe(`${RUN}/media/files/${entry.filename}`);
    const byId = await get(viewer, `${RUN}/media/by-id/${entry.id}`);
    expect(byId.raw.equals(PNG_X)).toBe(true);
    const ab = await get(viewer, `${RUN}/media/files/a/b`);
    expect(ab.json.media_name).toBe('files/a/b');
    expect((await get(viewer, ab.json.data[0].url)).raw.equals(PNG_AB)).toBe(true);
  });
});

describe('fixed routes, the run named "batch" and methods', () => {
  it('POST batch/summary is the batch route; GET of the same path is the run named "batch"', async () => {
    const batch = await post(viewer, '/api/projects/p/runs/batch/summary', { run_ids: ['r', 'batch'] });
    expect(Object.keys(batch.json)).toEqual(['r', 'batch']);
    const run = await get(viewer, '/api/projects/p/runs/batch/summary');
    expect(run.status).toBe(200);
    expect(run.json).toMatchObject({ run_id: 'batch', total_steps: 4 });
    expect((await get(viewer, '/api/projects/p/runs/batch/scalars/loss')).json.values).toEqual([4, 3, 2, 1]);
  });

  it('a known path with another method is 405 with Allow; an unknown path is a JSON 404', async () => {
    for (const [method, url, allow] of [
      ['DELETE', RUN, 'GET, HEAD, PATCH'],
      ['POST', `${RUN}/status`, 'GET, HEAD'],
      ['PUT', `${RUN}/scalars/train/loss`, 'GET, HEAD'],
      ['PUT', '/api/projects/p/runs/batch/summary', 'GET, HEAD, POST'],
      ['DELETE', '/api/boards/r/media/by-id/1', 'GET, HEAD'],
    ] as const) {
      const r = await viewer.app.inject({ method, url });
      expect(r.statusCode, `${method} ${url}`).toBe(405);
      expect(r.headers.allow).toBe(allow);
      expect(r.json().detail.code).toBe('method_not_allowed');
    }
    for (const url of [`${RUN}/nope`, '/api/projects/p/other', '/api/boards/r/media']) {
      const r = await get(viewer, url);
      expect(r.status, url).toBe(404);
      expect(r.json.detail.code).toBe('not_found');
    }
  });
});
