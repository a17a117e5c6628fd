// UI benchmarks (UI.md §18): headless Chromium against `kobo open` serving the production build.
// Prints `BENCH run_page_first_charts_ms`, `BENCH compare_100_runs_ms` and `BENCH pan_fps` lines.
// Data is generated here with the storage writers; figures are medians over BENCH_REPEAT runs (5).
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../../..');
const KOBO = join(root, 'packages/kohakuboard/bin/kobo.js');
const UI_DIST = join(root, 'packages/kohakuboard/ui-dist/index.html');
const STORAGE = join(root, 'packages/kohakuboard/dist/storage/index.js');
const REPEAT = Number(process.env.BENCH_REPEAT ?? 5);
const CHROMIUM = process.env.KOBO_CHROMIUM ?? '/usr/bin/chromium';

function bench(name, value, unit) {
  const v = Math.abs(value) >= 100 ? Math.round(value) : Number(value.toPrecision(4));
  console.log(`BENCH ${name} ${v} ${unit}`);
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

// ---- Data ----

async function writeRun(s, base, project, runId, metrics, points, valueAt) {
  const dir = join(base, project, runId);
  const p = s.runPaths(dir);
  mkdirSync(p.metricsDir, { recursive: true });
  const meta = s.openForWriting(p.metadataDb, 'metadata').db;
  s.createMetadataTables(meta);
  const t0 = Date.UTC(2025, 0, 1);
  const step = new Float64Array(points);
  const gstep = new Float64Array(points);
  const ts = new Float64Array(points);
  for (let i = 0; i < points; i++) {
    step[i] = i;
    gstep[i] = Math.floor(i / 8);
    ts[i] = t0 + i * 20;
  }
  new s.MetadataDbWriter(meta).steps(step, gstep, ts);
  meta.close();
  metrics.forEach((m, k) => {
    const file = join(p.metricsDir, `${s.logNameToFileStem(m)}.db`);
    const db = s.openForWriting(file, 'columnvault').db;
    const value = new Float64Array(points);
    for (let i = 0; i < points; i++) value[i] = valueAt(k, i);
    new s.MetricFileWriter(db, file).append({ step, globalStep: gstep, timestamp: ts, value });
    db.close();
  });
  const now = new Date().toISOString();
  s.writeMetadataJson(dir, {
    name: runId,
    config: { lr: 0.001 },
    created_at: new Date(t0).toISOString(),
    project,
    finished_at: now,
    run_id: runId,
    annotation: null,
    status: 'finished',
    version: '0.1.0',
    updated_at: now,
  });
}

const noisy = (k, i) =>
  Math.exp(-i / (20000 + 3000 * k)) + 0.05 * Math.sin(i * 0.13 + k) + 0.02 * Math.sin(i * 0.0007);

async function generate(base) {
  const s = await import(pathToFileURL(STORAGE).href);
  const metrics20 = Array.from({ length: 20 }, (_, k) => `m${String(k).padStart(2, '0')}`);
  await writeRun(s, base, 'u1', 'run20x100k', metrics20, 100_000, noisy);
  await writeRun(s, base, 'u2', 'run1m', ['loss'], 1_000_000, noisy);
  for (let r = 0; r < 100; r++) {
    await writeRun(s, base, 'u3', `run${String(r).padStart(3, '0')}`, ['loss', 'acc'], 10_000, (k, i) =>
      k === 0 ? noisy(r % 7, i * 10) : 1 - noisy(r % 5, i * 10),
    );
  }
}

// ---- Server ----

function freePort() {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.on('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => res(port));
    });
  });
}

async function startViewer(dir) {
  const port = await freePort();
  const child = spawn(process.execPath, [KOBO, 'open', dir, '--port', String(port), '--host', '127.0.0.1'], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 300; i++) {
    try {
      const r = await fetch(`${url}/api/system/info`);
      if (r.ok) break;
    } catch {
      // starting
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  // Warm: the index is built and the runs are known.
  for (const p of ['u1', 'u2', 'u3']) await fetch(`${url}/api/projects/${p}/runs`);
  return {
    url,
    stop: () =>
      new Promise((r) => {
        child.once('exit', r);
        child.kill('SIGTERM');
      }),
  };
}

// ---- Measurements ----

async function timeToMark(browser, url, mark) {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, deviceScaleFactor: 1 });
  const page = await context.newPage();
  await page.goto(url);
  await page.waitForFunction((m) => performance.getEntriesByName(m).length > 0, mark, { timeout: 60_000 });
  const t = await page.evaluate((m) => performance.getEntriesByName(m)[0].startTime, mark);
  await context.close();
  return t;
}

async function panFps(browser, url) {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, deviceScaleFactor: 1 });
  const page = await context.newPage();
  await page.goto(url);
  await page.waitForFunction(
    () => performance.getEntriesByName('kobo:visible-charts-ready').length > 0,
    null,
    {
      timeout: 60_000,
    },
  );
  // Full width makes the chart a realistic panning target.
  const box = await page.$eval('[data-testid^="chart-canvas-"] .u-over', (el) => {
    const r = el.getBoundingClientRect();
    return { x: r.x, y: r.y, w: r.width, h: r.height };
  });
  await page.evaluate(() => {
    const w = window;
    w.__frames = [];
    const tick = (t) => {
      w.__frames.push(t);
      if (w.__frames.length < 100000) requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
  // A scripted 3 s sequence: Ctrl+wheel zooms and Alt-drag pans, one input every 16 ms.
  const cx = box.x + box.w / 2;
  const cy = box.y + box.h / 2;
  await page.mouse.move(cx, cy);
  for (let i = 0; i < 10; i++) {
    await page.keyboard.down('Control');
    await page.mouse.wheel(0, -100);
    await page.keyboard.up('Control');
    await page.waitForTimeout(16);
  }
  await page.keyboard.down('Alt');
  await page.mouse.down();
  const start = Date.now();
  let x = cx;
  let dir = -1;
  while (Date.now() - start < 2800) {
    x += dir * 12;
    if (x < box.x + 40 || x > box.x + box.w - 40) dir = -dir;
    await page.mouse.move(x, cy);
    await page.waitForTimeout(16);
  }
  await page.mouse.up();
  await page.keyboard.up('Alt');
  const frames = await page.evaluate(() => window.__frames);
  await context.close();
  const intervals = [];
  for (let i = 1; i < frames.length; i++) intervals.push(frames[i] - frames[i - 1]);
  const span = frames[frames.length - 1] - frames[0];
  const sorted = [...intervals].sort((a, b) => a - b);
  return { fps: ((frames.length - 1) / span) * 1000, p95: sorted[Math.floor(sorted.length * 0.95)] ?? 0 };
}

async function main() {
  if (!existsSync(UI_DIST)) throw new Error('UI not built: run `npm run build` first');
  const dir = mkdtempSync(join(process.env.KOBO_BENCH_DIR ?? tmpdir(), 'kobo-ui-bench-'));
  let viewer = null;
  let browser = null;
  try {
    const t0 = Date.now();
    await generate(dir);
    console.log(`# generated benchmark runs in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    viewer = await startViewer(dir);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
    const u1 = [];
    const u1first = [];
    const u3 = [];
    const fps = [];
    const p95 = [];
    for (let i = 0; i < REPEAT; i++) {
      u1first.push(await timeToMark(browser, `${viewer.url}/projects/u1/run20x100k`, 'kobo:first-chart'));
      u1.push(await timeToMark(browser, `${viewer.url}/projects/u1/run20x100k`, 'kobo:visible-charts-ready'));
      u3.push(
        await timeToMark(browser, `${viewer.url}/projects/u3?runs=all-matching`, 'kobo:visible-charts-ready'),
      );
      const f = await panFps(browser, `${viewer.url}/projects/u2/run1m`);
      fps.push(f.fps);
      p95.push(f.p95);
    }
    bench('run_page_first_chart_ms', median(u1first), 'ms');
    bench('run_page_first_charts_ms', median(u1), 'ms');
    bench('compare_100_runs_ms', median(u3), 'ms');
    bench('pan_fps', median(fps), 'fps');
    bench('pan_frame_p95_ms', median(p95), 'ms');
  } finally {
    await browser?.close();
    await viewer?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
