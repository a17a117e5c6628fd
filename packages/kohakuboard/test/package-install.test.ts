/**
 * The package as a user outside the repository gets it: `npm pack` of the client (and the series package it
 * depends on), installed into a fresh project elsewhere, imported by a training script of that project, which
 * logs a run; the project's own `kobo open` then serves the run and the web UI.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from './helpers/fixtures.js';
import { installOffline, packClient } from './helpers/offline-install.js';
import type { Json } from './helpers/viewer.js';

const TRAIN = `import { Board, Media } from 'kohakuboard';
const board = new Board({ project: 'outside', name: 'packed', config: { lr: 0.1 } });
for (let i = 0; i < 50; i++) board.log({ 'train/loss': 1 / (i + 1) });
const pixels = new Uint8Array(4 * 4 * 3).map((_, i) => i * 5);
board.log({ sample: new Media({ data: pixels, width: 4, height: 4, channels: 3 }) });
await board.finish();
console.log('run ' + board.runId);
`;

let root: string;
let project: string;
let install: { stdout: string; stderr: string };
let viewer: ChildProcess | null = null;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'kobo-packed-'));
  project = join(root, 'my-training');
  mkdirSync(join(root, 'tarballs'));
  mkdirSync(project);
  install = installOffline(REPO_ROOT, project, packClient(REPO_ROOT, join(root, 'tarballs')));
}, 300_000);

afterAll(() => {
  viewer?.kill('SIGTERM');
  rmSync(root, { recursive: true, force: true });
});

function startViewer(): Promise<string> {
  const child = spawn(join(project, 'node_modules/.bin/kobo'), ['open', './kohakuboard', '--port', '0'], {
    cwd: project,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  viewer = child;
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`kobo open printed no URL:\n${out}`)), 60_000);
    const onData = (d: Buffer) => {
      out += d;
      const m = /(http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`kobo open exited with ${code}:\n${out}`));
    });
  });
}

describe('the packed package in a project of its own', () => {
  it('installs without warnings', () => {
    expect(install.stderr).not.toMatch(/EBADENGINE|npm warn/i);
  });

  it('logs a run from a script of that project, which its kobo open serves with the UI', async () => {
    writeFileSync(join(project, 'train.mjs'), TRAIN);
    const env = { ...process.env };
    delete env.KOHAKU_BOARD_DATA_DIR;
    const trained = spawnSync(process.execPath, ['train.mjs'], { cwd: project, encoding: 'utf8', env });
    expect(trained.stderr).not.toMatch(/WARNING|ERROR/);
    expect(trained.status).toBe(0);
    const runId = /run (\S+)/.exec(trained.stdout)![1];

    const url = await startViewer();
    // The first scan of the folder runs after the URL is printed: wait for it (bounded).
    let runs: Json = {};
    for (let i = 0; i < 300 && !runs.runs; i++) {
      runs = await (await fetch(`${url}api/projects/outside/runs`)).json();
      if (!runs.runs) await new Promise((r) => setTimeout(r, 100));
    }
    expect(runs.runs.map((r: Json) => r.run_id)).toEqual([runId]);
    const series: Json = await (
      await fetch(`${url}api/projects/outside/runs/${runId}/scalars/train/loss`)
    ).json();
    expect(series.values).toEqual(Array.from({ length: 50 }, (_, i) => 1 / (i + 1)));
    const media: Json = await (await fetch(`${url}api/projects/outside/runs/${runId}/media/sample`)).json();
    expect(media.data).toHaveLength(1);
    const png = Buffer.from(
      await (
        await fetch(`${url}api/projects/outside/runs/${runId}/media/files/${media.data[0].filename}`)
      ).arrayBuffer(),
    );
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
    const page = await fetch(url);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<div id="app">');
  });
});
