/**
 * Symbolic links inside the data directory are followed only to places inside it. Canary runs and files sit
 * beside the data directory; links to them from metric files, data/metadata.db, media/blobs.db, histogram and
 * tensor files, metadata.json, logs, run folders and project folders must never bring a canary's content into
 * any answer, on any route. Links that stay inside the data directory are served.
 */
import { mkdirSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Viewer } from '../src/viewer/app.js';
import { RUN_ROUTES, writeRichRun } from './helpers/hardening.js';
import { get, post, startViewer, tempDir } from './helpers/viewer.js';

/** The canary runs are written with this marker: it shows up in metric values, media bytes, tables, logs. */
const CANARY = 777777;
const CANARY_TEXT = String(CANARY);

let tmp: ReturnType<typeof tempDir>;
let data: string;
let canary: string;
let viewer: Viewer;

/** Replaces `rel` inside run `dir` with a link to the same file of the canary run. */
function linkOut(dir: string, rel: string): void {
  rmSync(join(dir, rel), { recursive: true, force: true });
  for (const suffix of ['-wal', '-shm']) rmSync(join(dir, rel + suffix), { force: true });
  symlinkSync(join(canary, 'c', 'cr', rel), join(dir, rel));
}

const LINKED_FILES = [
  'data/metrics/loss.db',
  'data/metadata.db',
  'media/blobs.db',
  'data/histograms/h_8_i32.db',
  'data/tensors/w.db',
  'data/tensors/k.db',
  'metadata.json',
  'logs/output.log',
];

beforeAll(async () => {
  tmp = tempDir('kobo-links-');
  data = join(tmp.dir, 'data');
  canary = join(tmp.dir, 'canary');
  writeRichRun(canary, 'c', 'cr', CANARY);
  writeRichRun(canary, 'outproj', 'or', CANARY);
  writeRichRun(canary, 'outrun', 'xr', CANARY);
  // One run per linked file, so that every other file of it is its own.
  for (const [i, rel] of LINKED_FILES.entries()) linkOut(writeRichRun(data, 'p', `l${i}`, 1), rel);
  // Data folders that are links out.
  const dirs = writeRichRun(data, 'p', 'ldirs', 1);
  for (const rel of ['data/metrics', 'data/histograms', 'logs']) linkOut(dirs, rel);
  // A run folder and a project folder that link out; a run folder and a project that link inside.
  symlinkSync(join(canary, 'outrun', 'xr'), join(data, 'p', 'runout'));
  symlinkSync(join(canary, 'outproj'), join(data, 'projout'));
  writeRichRun(data, 'q', 'real', 5);
  symlinkSync(join(data, 'q', 'real'), join(data, 'p', 'runin'));
  symlinkSync(join(data, 'q'), join(data, 'projin'));
  // The data directory reached through a link of its own still counts as inside.
  mkdirSync(join(tmp.dir, 'alias'));
  symlinkSync(data, join(tmp.dir, 'alias', 'data'));
  viewer = await startViewer(join(tmp.dir, 'alias', 'data'));
});

afterAll(async () => {
  await viewer?.close();
  tmp?.cleanup();
});

function expectNoCanary(route: string, body: string): void {
  expect(body, route).not.toContain(CANARY_TEXT);
  // Bytes and numbers of a canary in the formats routes use (a kbc frame holds values as f64).
  expect(body, route).not.toContain(`image-bytes-${CANARY}`);
}

describe('links out of the data directory', () => {
  it('no run route of a run with a linked file answers with the canary; the linked file is named', async () => {
    for (const [i, rel] of LINKED_FILES.entries()) {
      let named = 0;
      for (const route of [...RUN_ROUTES, '/media/files/x.png']) {
        const res = await get(viewer, `/api/projects/p/runs/l${i}${route}`);
        expectNoCanary(`${rel} ${route}`, res.body);
        if (res.status === 500) {
          expect(res.json.detail.code, `${rel} ${route}`).toBe('storage_error');
          expect(res.json.detail.error).toContain(`p/l${i}/${rel}`);
          named++;
        }
      }
      // A run with a linked metadata.json is not indexed (404), a linked log is refused with 400, and the
      // listing of data/histograms/ leaves links out: those are never opened, so never named.
      const neverOpened = ['metadata.json', 'logs/output.log', 'data/histograms/h_8_i32.db'];
      if (!neverOpened.includes(rel)) expect(named, rel).toBeGreaterThan(0);
    }
  });

  it('the media blob behind a linked blobs.db is not served by its files URL', async () => {
    const i = LINKED_FILES.indexOf('media/blobs.db');
    const list = await get(viewer, `/api/projects/p/runs/l${i}/media/img`);
    const url = list.json.data[0].url as string;
    const blob = await get(viewer, url);
    expect(blob.status).toBe(500);
    expect(blob.json.detail).toMatchObject({ code: 'storage_error' });
    expect(blob.body).not.toContain(`image-bytes-${CANARY}`);
  });

  it('a run whose metadata.json links out is not indexed', async () => {
    const i = LINKED_FILES.indexOf('metadata.json');
    expect((await get(viewer, `/api/projects/p/runs/l${i}`)).status).toBe(404);
  });

  it('folders of a run that link out are refused, their files never read', async () => {
    for (const route of RUN_ROUTES) {
      const res = await get(viewer, `/api/projects/p/runs/ldirs${route}`);
      expectNoCanary(`ldirs ${route}`, res.body);
    }
    const scalars = await get(viewer, '/api/projects/p/runs/ldirs/scalars');
    expect(scalars.status).toBe(500);
    expect(scalars.json.detail.error).toContain('p/ldirs/data/metrics');
    const logs = await get(viewer, '/api/projects/p/runs/ldirs/logs');
    expect(logs.json.files).toEqual([]);
    expect((await get(viewer, '/api/projects/p/runs/ldirs/logs/output.log')).status).toBe(400);
  });

  it('batch routes over runs with linked files answer without the canary', async () => {
    const ids = LINKED_FILES.map((_, i) => `l${i}`).concat(['ldirs', 'runout']);
    for (const format of ['json', 'kbc']) {
      const res = await post(viewer, `/api/projects/p/runs/batch/scalars?format=${format}`, {
        run_ids: ids,
        metrics: ['loss', 'step'],
      });
      expect(res.status).toBe(200);
      expect(res.body).not.toContain(CANARY_TEXT);
      if (format === 'kbc') {
        // Values are f64 in frames: look for the canary's bytes too.
        const raw = Buffer.from(res.raw);
        const needle = Buffer.alloc(8);
        needle.writeDoubleLE(CANARY + Math.sin(0));
        expect(raw.indexOf(needle)).toBe(-1);
      }
    }
    const summary = await post(viewer, '/api/projects/p/runs/batch/summary', { run_ids: ids });
    expect(summary.body).not.toContain(CANARY_TEXT);
  });

  it('a run folder or a project folder that links out is not served', async () => {
    expect((await get(viewer, '/api/projects/p/runs/runout')).status).toBe(404);
    expect((await get(viewer, '/api/projects/p/runs/runout/scalars/loss')).status).toBe(404);
    expect((await get(viewer, '/api/projects/projout/runs')).status).toBe(404);
    const projects = await get(viewer, '/api/projects');
    expect(projects.json.projects.map((p: { name: string }) => p.name)).not.toContain('projout');
    const runs = await get(viewer, '/api/projects/p/runs');
    expect(runs.json.runs.map((r: { run_id: string }) => r.run_id)).not.toContain('runout');
    expect(runs.body).not.toContain(CANARY_TEXT);
  });

  it('a run folder and a project folder that link inside the data directory are served', async () => {
    const viaRun = await get(viewer, '/api/projects/p/runs/runin/scalars/loss');
    expect(viaRun.status).toBe(200);
    expect(viaRun.json.values[0]).toBe(5);
    const viaProject = await get(viewer, '/api/projects/projin/runs/real/media/img');
    expect(viaProject.status).toBe(200);
    const blob = await get(viewer, viaProject.json.data[0].url);
    expect(blob.body).toBe('image-bytes-5');
  });

  it('a linked file put in place after its handle was opened is not read either', async () => {
    const dir = join(data, 'q', 'real');
    expect((await get(viewer, '/api/projects/q/runs/real/scalars/loss')).json.values[0]).toBe(5);
    renameSync(join(dir, 'data/metrics/loss.db'), join(dir, 'data/metrics/loss.db.moved'));
    symlinkSync(join(canary, 'c', 'cr', 'data/metrics/loss.db'), join(dir, 'data/metrics/loss.db'));
    const res = await get(viewer, '/api/projects/q/runs/real/scalars/loss');
    expect(res.body).not.toContain(CANARY_TEXT);
    expect(res.json.detail?.code).toBe('storage_error');
  });
});
