/**
 * `kobo open` as a user runs it (the built package, worker threads included): help, a missing directory,
 * the printed URL, headless --browser, a busy port, and a clean stop on Ctrl+C (SIGINT).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exposureWarning } from '../src/cli/commands/open.js';
import { copyFixtures } from './helpers/fixtures.js';
import { writeTsRun } from './helpers/ts-runs.js';
import { type Json, tempDir } from './helpers/viewer.js';

const KOBO = join(dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'kobo.js');
const children = new Set<ChildProcess>();
const getJson = async (url: string): Promise<Json> => (await fetch(url)).json();

/** A GET with a Host header of our choice (fetch always sends the URL's own). */
function getWithHost(url: string, host: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { host } }, (res) => {
      let body = '';
      res.on('data', (d) => {
        body += d;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

interface Running {
  child: ChildProcess;
  url: string;
  out: () => string;
  exit: Promise<number | null>;
}

/** Starts `kobo open …` and waits for the URL line. */
function startKobo(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Running> {
  const child = spawn(process.execPath, [KOBO, 'open', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let out = '';
  const exit = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      children.delete(child);
      resolve(code);
    }),
  );
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`kobo open printed no URL:\n${out}`)), 30_000);
    const onData = (d: Buffer) => {
      out += d;
      const m = /(http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, url: m[1], out: () => out, exit });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (d) => {
      out += d;
    });
    void exit.then((code) => {
      clearTimeout(timer);
      reject(new Error(`kobo open exited with ${code}:\n${out}`));
    });
  });
}

let fixtures: ReturnType<typeof copyFixtures>;
let tmp: ReturnType<typeof tempDir>;

beforeAll(() => {
  fixtures = copyFixtures();
  tmp = tempDir();
});

afterAll(() => {
  for (const c of children) c.kill('SIGKILL');
  fixtures?.cleanup();
  tmp?.cleanup();
});

describe('kobo open', () => {
  it('--help explains every option', () => {
    const r = spawnSync(process.execPath, [KOBO, 'open', '--help'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    for (const flag of [
      '--port',
      '--host',
      '--browser',
      '--read-only',
      '--cors-origin',
      '--ui-dir',
      '--stale-after',
      '--event-interval',
      '--cache-mb',
      '--workers',
    ]) {
      expect(r.stdout).toContain(flag);
    }
    expect(r.stdout).toContain('48889');
    expect(r.stdout).toContain('127.0.0.1');
  });

  it('a directory that does not exist gets a clear message and exit code 2', () => {
    const r = spawnSync(process.execPath, [KOBO, 'open', join(tmp.dir, 'nope')], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/no such directory/);
    const ui = spawnSync(process.execPath, [KOBO, 'open', tmp.dir, '--ui-dir', tmp.dir], {
      encoding: 'utf8',
    });
    expect(ui.status).toBe(2);
    expect(ui.stderr).toMatch(/not a UI build/);
  });

  it('serves the API and the UI on one port, prints the URL, and stops cleanly on Ctrl+C', async () => {
    const ui = join(tmp.dir, 'ui');
    mkdirSync(ui, { recursive: true });
    writeFileSync(join(ui, 'index.html'), '<!doctype html><title>ui</title>');
    const k = await startKobo([fixtures.base, '--port', '0', '--ui-dir', ui, '--workers', '2']);
    // /api/projects answers at once; the first scan (in worker threads) completes shortly after.
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      const runs = await getJson(`${k.url}api/projects/vision/runs`);
      if (runs.indexing === false && runs.runs?.length === 2) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const info = await getJson(`${k.url}api/system/info`);
    expect(info).toMatchObject({ mode: 'local', require_auth: false, data_dir: fixtures.base });
    const projects = await getJson(`${k.url}api/projects`);
    expect(projects.projects.map((p: { name: string }) => p.name)).toEqual(['default', 'nlp', 'vision']);
    const loss = await getJson(`${k.url}api/projects/vision/runs/lka9/scalars/train/loss?points=100`);
    expect(loss.total_points).toBe(40962);
    const page = await fetch(`${k.url}projects/vision`);
    expect(await page.text()).toContain('<title>ui</title>');
    k.child.kill('SIGINT');
    expect(await k.exit).toBe(0);
    expect(k.out()).toContain('Stopping');
  });

  it('--browser without a browser says so in one line and keeps serving', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, PATH: tmp.dir, BROWSER: '' };
    delete env.DISPLAY;
    delete env.WAYLAND_DISPLAY;
    const k = await startKobo([fixtures.base, '--port', '0', '--browser', '--workers', '0'], env);
    const deadline = Date.now() + 20_000;
    while (!/open a browser/i.test(k.out()) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    expect(k.out()).toMatch(/Could not open a browser here; open http:\/\/127\.0\.0\.1:\d+\/ yourself\./);
    expect((await fetch(`${k.url}health`)).status).toBe(200);
    k.child.kill('SIGTERM');
    expect(await k.exit).toBe(0);
  });

  it('a busy port is reported, not a stack trace', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as { port: number }).port;
    try {
      const r = spawnSync(
        process.execPath,
        [KOBO, 'open', tmp.dir, '--port', String(port), '--workers', '0'],
        { encoding: 'utf8' },
      );
      expect(r.status).toBe(1);
      expect(r.stderr).toContain(`port ${port} on 127.0.0.1 is in use`);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    } finally {
      blocker.close();
    }
  });

  it('--allowed-host is explained; exposed addresses get a warning that says what anyone may do', () => {
    const r = spawnSync(process.execPath, [KOBO, 'open', '--help'], { encoding: 'utf8' });
    expect(r.stdout).toContain('--allowed-host');
    expect(r.stdout).toMatch(/DNS\s+rebinding/);
    expect(exposureWarning('0.0.0.0', false)).toMatch(
      /anyone who can reach 0\.0\.0\.0 .*can read every run, and rename runs/,
    );
    expect(exposureWarning('0.0.0.0', true)).toMatch(/can read every run/);
    expect(exposureWarning('0.0.0.0', true)).not.toMatch(/rename/);
  });

  it('answers only host names it serves: localhost, addresses, --host and --allowed-host', async () => {
    const k = await startKobo([
      fixtures.base,
      '--port',
      '0',
      '--workers',
      '0',
      '--allowed-host',
      'kobo.lan',
      '--allowed-host',
      'gpu-box',
    ]);
    const port = new URL(k.url).port;
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, 'kobo.lan', `gpu-box:${port}`]) {
      expect((await getWithHost(`${k.url}api/projects`, host)).status, host).toBe(200);
    }
    const evil = await getWithHost(`${k.url}api/system/info`, `evil.example:${port}`);
    expect(evil.status).toBe(421);
    expect(JSON.parse(evil.body).detail.code).toBe('invalid_host');
    expect(evil.body).not.toContain(fixtures.base);
    k.child.kill('SIGINT');
    expect(await k.exit).toBe(0);
  });

  it('a damaged file is answered 500 naming it inside the data dir, and logged on stderr with its cause', async () => {
    const data = join(tmp.dir, 'damaged');
    writeTsRun(data, { project: 'p', runId: 'run1', metrics: { loss: { steps: [0, 1], values: [1, 2] } } });
    writeFileSync(join(data, 'p', 'run1', 'data', 'metrics', 'loss.db'), Buffer.alloc(8192, 7));
    const k = await startKobo([data, '--port', '0', '--workers', '1']);
    // The first scan (in the worker thread) lists the run shortly after the server answers.
    const listed = Date.now() + 20_000;
    while ((await getJson(`${k.url}api/projects/p/runs`)).runs?.length !== 1 && Date.now() < listed)
      await new Promise((r) => setTimeout(r, 50));
    const res = await fetch(`${k.url}api/projects/p/runs/run1/scalars/loss`);
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({
      detail: {
        error: 'p/run1/data/metrics/loss.db: file is not a database (SQLITE_NOTADB)',
        code: 'storage_error',
      },
    });
    const deadline = Date.now() + 10_000;
    while (!/not a database/.test(k.out()) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    const line = k
      .out()
      .split('\n')
      .find((l) => l.includes('/api/projects/p/runs/run1/scalars/loss'));
    expect(line, k.out()).toBeDefined();
    const entry = JSON.parse(line!);
    expect(entry.level).toBe(50);
    expect(entry.err.message).toMatch(/loss\.db.*not a database/);
    k.child.kill('SIGINT');
    expect(await k.exit).toBe(0);
  });
});
