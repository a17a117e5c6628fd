/**
 * Path attacks (docs/architecture.md, docs/api.md#names-in-paths): `..`, `%2e%2e`, `%2f`, absolute paths, NUL
 * bytes, backslashes and over-long names in every path parameter give 400 or 404 and never the content of a
 * file outside the data directory. A secret file sits beside the data directory (and one inside a run,
 * outside its data files).
 */
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encode as encodePng } from 'fast-png';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Viewer } from '../src/viewer/app.js';
import { runScriptAt } from './helpers/child-process.js';
import { startViewer, tempDir } from './helpers/viewer.js';

const CLIENT_SMALL = join(dirname(fileURLToPath(import.meta.url)), 'helpers', 'client-small.mjs');

const SECRET = 'TOP-SECRET-7f3a9c';

let tmp: ReturnType<typeof tempDir>;
let viewer: Viewer;
let uiViewer: Viewer;

const ATTACKS = [
  '..',
  '%2e%2e',
  '%2E%2E',
  '.',
  '..%2F..%2Fsecret.txt',
  '%2e%2e%2f%2e%2e%2fsecret.txt',
  '..%5C..%5Csecret.txt',
  '%2Fetc%2Fpasswd',
  'secret.txt%00.png',
  '%00',
  'a%2Fb',
  'x'.repeat(5000),
  '%ZZ',
];

/** Multi-segment forms for `{name:path}` parameters. */
const PATH_ATTACKS = [
  ...ATTACKS,
  '../../secret.txt',
  '../../../secret.txt',
  '%2e%2e/%2e%2e/%2e%2e/secret.txt',
  '/etc/passwd',
  'a//b',
  'a/./b',
];

beforeAll(async () => {
  tmp = tempDir('kobo-attacks-');
  const data = join(tmp.dir, 'data');
  writeFileSync(join(tmp.dir, 'secret.txt'), SECRET);
  writeFileSync(join(tmp.dir, 'secret.txt.db'), SECRET);
  // The run is written by this project's client (a finished run with a metric, an image and output.log).
  const image = join(tmp.dir, 'img.png');
  writeFileSync(image, encodePng({ width: 1, height: 1, data: new Uint8Array([1, 2, 3]), channels: 3 }));
  const written = await runScriptAt(CLIENT_SMALL, [data, 'p', 'run1', image]);
  expect(written.code, written.stderr).toBe(0);
  writeFileSync(join(data, 'p', 'run1', 'secret.log'), SECRET);
  // Links inside logs/ that lead out of it: to a file beside the data directory, and to one in the run.
  symlinkSync(join(tmp.dir, 'secret.txt'), join(data, 'p', 'run1', 'logs', 'outside.log'));
  symlinkSync('../secret.log', join(data, 'p', 'run1', 'logs', 'sibling.log'));
  mkdirSync(join(tmp.dir, 'ui'));
  writeFileSync(join(tmp.dir, 'ui', 'index.html'), '<!doctype html>');
  viewer = await startViewer(data);
  uiViewer = await startViewer(data, { uiDir: join(tmp.dir, 'ui') });
});

afterAll(async () => {
  await viewer?.close();
  await uiViewer?.close();
  tmp?.cleanup();
});

async function expectRefused(v: Viewer, url: string, allowEmpty200 = false): Promise<void> {
  const res = await v.app.inject({ method: 'GET', url });
  // Clients resolve literal `.` and `..` segments before sending (as light-my-request does here): what
  // arrives is another, harmless path, which may well exist. It must still never show the secret.
  const normalizedByClient = /(^|\/)\.\.?(\/|$)/.test(url.split('?')[0]);
  if (normalizedByClient) allowEmpty200 = true;
  expect(res.body).not.toContain(SECRET);
  if (url.startsWith('/api/')) expect(res.headers['content-type']).toMatch(/json|octet|image|text\/plain/);
  if (allowEmpty200 && res.statusCode === 200) return;
  expect([400, 404], `${url} answered ${res.statusCode}`).toContain(res.statusCode);
  if (url.startsWith('/api/')) expect(res.json().detail.code).toEqual(expect.any(String));
}

describe('every path parameter refuses names that could leave the data directory', () => {
  const run = '/api/projects/p/runs/run1';
  it('project', async () => {
    for (const a of ATTACKS) {
      await expectRefused(viewer, `/api/projects/${a}/runs`);
      await expectRefused(viewer, `/api/projects/${a}/runs/run1/summary`);
      await expectRefused(viewer, `/api/projects/${a}/config_keys`);
    }
  });

  it('run_id', async () => {
    for (const a of ATTACKS) {
      for (const sub of ['', '/status', '/summary', '/metadata', '/config', '/scalars', '/media', '/logs']) {
        await expectRefused(viewer, `/api/projects/p/runs/${a}${sub}`);
      }
    }
  });

  it('series names of scalars, media, tables, histograms, tensors and KDE', async () => {
    for (const a of PATH_ATTACKS) {
      for (const kind of ['scalars', 'media', 'tables', 'histograms', 'tensors', 'kernel_density']) {
        // An unknown metric, media or table name is an empty 200 (docs/api.md#scalars, docs/api.md#media,
        // docs/api.md#tables): allowed, if empty.
        await expectRefused(
          viewer,
          `${run}/${kind}/${a}`,
          ['scalars', 'media', 'tables', 'histograms'].includes(kind),
        );
      }
      await expectRefused(viewer, `${run}/histograms/${a}/surface`);
      await expectRefused(viewer, `${run}/scalars/loss?x_metric=${a}`, true);
    }
  });

  it('media file names, media ids, boards and log names', async () => {
    for (const a of [...ATTACKS, 'secret.txt', '..%2Fsecret.log', 'secret.txt.db']) {
      await expectRefused(viewer, `${run}/media/files/${a}`);
      await expectRefused(viewer, `${run}/media/by-id/${a}`);
      await expectRefused(viewer, `/api/boards/${a}/media/by-id/1`);
      await expectRefused(viewer, `${run}/logs/${a}`);
    }
    for (const a of ['..%2F..%2F..%2Fsecret.txt', '..%2Fsecret.log', '%2e%2e%2f%2e%2e%2fsecret.txt'])
      await expectRefused(viewer, `${run}/logs/${a}`);
  });

  it('a log file that is a symbolic link out of logs/ is refused, and not listed', async () => {
    for (const name of ['outside.log', 'sibling.log']) await expectRefused(viewer, `${run}/logs/${name}`);
    const list = await viewer.app.inject({ method: 'GET', url: `${run}/logs` });
    expect(list.json().files.map((f: { name: string }) => f.name)).not.toContain('outside.log');
  });

  it('names that merely look like attacks still answer with the run’s own data only', async () => {
    const ok = await viewer.app.inject({ method: 'GET', url: `${run}/logs/output.log` });
    expect(ok.json().content).toBe('hello\n');
    const inside = await viewer.app.inject({ method: 'GET', url: `${run}/logs/secret.log` });
    // secret.log lies in the run folder, not in its logs/ folder: logs are only ever read from logs/.
    expect(inside.statusCode).toBe(404);
    expect(inside.json().detail.code).toBe('log_not_found');
  });

  it('batch bodies and the static UI', async () => {
    const res = await viewer.app.inject({
      method: 'POST',
      url: '/api/projects/p/runs/batch/scalars',
      payload: { run_ids: ['../..', 'run1'], metrics: ['../../secret.txt'] },
    });
    expect(res.statusCode).toBe(400);
    expect(res.body).not.toContain(SECRET);
    for (const url of [
      '/..%2Fsecret.txt',
      '/%2e%2e/%2e%2e/secret.txt',
      '/..%2F..%2Fsecret.txt',
      '/%2e%2e%2fsecret.txt',
      '/../secret.txt',
    ]) {
      const r = await uiViewer.app.inject({ method: 'GET', url });
      expect(r.body).not.toContain(SECRET);
    }
  });
});
