/**
 * Damaged files never end the process or cut a body short: a damaged file answers 500 `storage_error` with a
 * message that names the file (relative to the data directory), and a batch answers every run it can, with
 * the series of a damaged file marked by an `error` (JSON) or an error frame (kbc).
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Viewer } from '../src/viewer/app.js';
import { damage, decodeKbcStream, RUN_ROUTES, writeRichRun } from './helpers/hardening.js';
import { get, type Json, post, startViewer, tempDir } from './helpers/viewer.js';

let tmp: ReturnType<typeof tempDir>;
let viewer: Viewer;
const unhandled: unknown[] = [];
const onUnhandled = (err: unknown) => unhandled.push(err);

beforeAll(async () => {
  process.on('unhandledRejection', onUnhandled);
  tmp = tempDir('kobo-damage-api-');
  writeRichRun(tmp.dir, 'p', 'good', 1);
  // An empty metric file (a writer killed right after creating it) and one that is not a ColumnVault.
  writeFileSync(join(writeRichRun(tmp.dir, 'p', 'empty', 2), 'data/metrics/loss.db'), '');
  const notVault = join(writeRichRun(tmp.dir, 'p', 'notvault', 3), 'data/metrics/loss.db');
  rmSync(notVault);
  new Database(notVault).exec('CREATE TABLE other (x)').close();
  damage(join(writeRichRun(tmp.dir, 'p', 'garbage', 4), 'data/metrics/loss.db'), 'garbage');
  // A step index that is garbage, and one cut in half.
  damage(join(writeRichRun(tmp.dir, 'p', 'mdgarbage', 5), 'data/metadata.db'), 'garbage');
  damage(join(writeRichRun(tmp.dir, 'p', 'mdhalf', 6), 'data/metadata.db'), 'half');
  // Table JSON that is not JSON, and JSON that is not an array.
  const tables = join(writeRichRun(tmp.dir, 'p', 'badtable', 7), 'data/metadata.db');
  new Database(tables).exec(`UPDATE tables SET rows = '[[1, "x"' WHERE name = 't'`).close();
  const notArray = join(writeRichRun(tmp.dir, 'p', 'objtable', 8), 'data/metadata.db');
  new Database(notArray).exec(`UPDATE tables SET columns = '{"a": 1}' WHERE name = 't'`).close();
  viewer = await startViewer(tmp.dir);
});

afterAll(async () => {
  await viewer?.close();
  tmp?.cleanup();
  process.off('unhandledRejection', onUnhandled);
});

const BATCH = '/api/projects/p/runs/batch/scalars';
const DAMAGED = ['empty', 'notvault', 'garbage'];

function expectStorageError(detail: Json, file: string): void {
  expect(detail.code).toBe('storage_error');
  expect(detail.error).toContain(file);
}

describe('batch/scalars with damaged metric files', () => {
  it('JSON: one damaged run alone gets a whole body with the error naming the file', async () => {
    for (const run of DAMAGED) {
      const res = await post(viewer, BATCH, { run_ids: [run], metrics: ['loss'] });
      expect(res.status).toBe(200);
      expect(res.json, res.body).not.toBeNull();
      const s = res.json[run].loss;
      expect(s).toMatchObject({ steps: [], global_steps: [], timestamps: [], values: [] });
      expectStorageError(s.error, `p/${run}/data/metrics/loss.db`);
    }
  });

  it('JSON: every readable run is answered in full beside the damaged ones', async () => {
    const ids = ['good', ...DAMAGED, 'nope', 'mdgarbage'];
    for (const extra of [{}, { points: 50, smooth: 'ema', smooth_value: 0.5 }]) {
      const res = await post(viewer, `${BATCH}?envelope=1`, {
        run_ids: ids,
        metrics: ['loss', 'step'],
        ...extra,
      });
      expect(res.status).toBe(200);
      expect(res.json, res.body).not.toBeNull();
      const { results, errors } = res.json;
      expect(Object.keys(results)).toEqual(['good', ...DAMAGED, 'mdgarbage']);
      expect(errors).toEqual({ nope: { error: 'Run not found', code: 'run_not_found' } });
      expect(results.good.loss.steps.length).toBeGreaterThan(0);
      expect(results.good.loss.error).toBeUndefined();
      for (const run of DAMAGED) expectStorageError(results[run].loss.error, `p/${run}/data/metrics/loss.db`);
      // The step index of a good run is served; that of a damaged one is an error naming it.
      expect(results.good.step.values.length).toBe(extra.points ? results.good.step.values.length : 200);
      expect(results.good.step.values.length).toBeGreaterThan(10);
      expectStorageError(results.mdgarbage.step.error, 'p/mdgarbage/data/metadata.db');
      // A damaged step index does not keep a good metric file from being served.
      expect(results.mdgarbage.loss.values.length).toBe(results.good.loss.values.length);
    }
  });

  it('kbc: every frame is whole; a damaged series is a frame with count 0 and the error', async () => {
    const ids = ['good', ...DAMAGED, 'nope'];
    const res = await post(viewer, `${BATCH}?format=kbc`, { run_ids: ids, metrics: ['loss'], points: 40 });
    expect(res.status).toBe(200);
    const frames = decodeKbcStream(new Uint8Array(res.raw));
    expect(frames.map((f) => f.header.run_id)).toEqual(ids);
    expect(frames[0].header.error).toBeNull();
    expect(frames[0].header.count).toBeGreaterThan(0);
    for (let i = 1; i <= DAMAGED.length; i++) {
      expect(frames[i].header.count).toBe(0);
      expectStorageError(frames[i].header.error, `p/${ids[i]}/data/metrics/loss.db`);
    }
    expect(frames[4].header.error).toEqual({ error: 'Run not found', code: 'run_not_found' });
  });

  it('kbc: a damaged run alone still gets its whole frame', async () => {
    const res = await post(viewer, `${BATCH}?format=kbc`, {
      run_ids: ['garbage'],
      metrics: ['loss', 'step'],
    });
    const frames = decodeKbcStream(new Uint8Array(res.raw));
    expect(frames).toHaveLength(2);
    expectStorageError(frames[0].header.error, 'p/garbage/data/metrics/loss.db');
    expect(frames[1].header.count).toBe(200);
  });

  it('the process saw no unhandled rejection', () => {
    expect(unhandled).toEqual([]);
  });
});

describe('single routes over damaged files', () => {
  it('a damaged metric file is storage_error naming it, for JSON and kbc', async () => {
    for (const run of DAMAGED) {
      for (const q of ['', '?format=kbc', '?points=8']) {
        const res = await get(viewer, `/api/projects/p/runs/${run}/scalars/loss${q}`);
        expect(res.status).toBe(500);
        expectStorageError(res.json.detail, `p/${run}/data/metrics/loss.db`);
      }
    }
  });

  it('a damaged data/metadata.db: no route answers internal_error; those that read it name the file', async () => {
    for (const run of ['mdgarbage', 'mdhalf']) {
      const named: string[] = [];
      for (const route of RUN_ROUTES) {
        const res = await get(viewer, `/api/projects/p/runs/${run}${route}`);
        const isJson = String(res.headers['content-type']).startsWith('application/json');
        if (isJson) expect(res.json, `${route}: ${res.body}`).not.toBeNull();
        else decodeKbcStream(new Uint8Array(res.raw));
        if (res.status >= 500) {
          expectStorageError(res.json.detail, `p/${run}/data/metadata.db`);
          named.push(route);
        }
      }
      // Everything that lists or reads rows of data/metadata.db.
      expect(named).toEqual(
        expect.arrayContaining([
          '/summary',
          '/scalars/step',
          '/media',
          '/tables',
          '/tables/t?resolve_media=true',
        ]),
      );
      expect(named.length).toBeGreaterThanOrEqual(9);
    }
  });

  it('batch/summary leaves the damaged run out, and names the file under errors with envelope=1', async () => {
    const res = await post(viewer, '/api/projects/p/runs/batch/summary?envelope=1', {
      run_ids: ['good', 'mdgarbage'],
    });
    expect(res.status).toBe(200);
    expect(Object.keys(res.json.results)).toEqual(['good']);
    expectStorageError(res.json.errors.mdgarbage, 'p/mdgarbage/data/metadata.db');
  });

  it('table JSON that is not valid, or not an array, is an error naming the file and the entry', async () => {
    const bad = await get(viewer, '/api/projects/p/runs/badtable/tables/t');
    expect(bad.status).toBe(500);
    expectStorageError(bad.json.detail, 'p/badtable/data/metadata.db');
    expect(bad.json.detail.error).toMatch(/table "t" at step 4: rows is not valid JSON/);
    const obj = await get(viewer, '/api/projects/p/runs/objtable/tables/t');
    expect(obj.status).toBe(500);
    expect(obj.json.detail.error).toMatch(
      /p\/objtable\/data\/metadata\.db: table "t" at step 4: columns is not a JSON array/,
    );
    // The good run's table is served as stored.
    const good = await get(viewer, '/api/projects/p/runs/good/tables/t');
    expect(good.json.data[0]).toMatchObject({
      columns: ['a', 'img'],
      rows: [
        [1, '<media id=1>'],
        ['NaN', 'x'],
      ],
    });
  });

  it('the process saw no unhandled rejection', () => {
    expect(unhandled).toEqual([]);
  });
});
