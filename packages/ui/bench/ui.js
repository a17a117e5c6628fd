// UI benchmarks (docs/ui.md#performance): headless Chromium against `kobo open` serving the production build.
// Prints `BENCH <name> <value> <unit>` lines: U1 run page, U2 pan and zoom, U3 comparison, U4 live
// update, U5 10,000-run list, U6 JS heap after U1 and U3 and its growth over a scroll through 200 cards and
// back. Data is generated here with the storage writers; figures are medians over BENCH_REPEAT runs (5).
// BENCH_ONLY=u6-scroll runs only the scroll measurement (with its own, small data set).
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { CHROMIUM, CHROMIUM_FLAGS } from '../e2e/helpers/chromium-flags.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../../..');
const KOBO = join(root, 'packages/kohakuboard/bin/kobo.js');
const UI_DIST = join(root, 'packages/kohakuboard/ui-dist/index.html');
const STORAGE = join(root, 'packages/kohakuboard/dist/storage/index.js');
const REPEAT = Number(process.env.BENCH_REPEAT ?? 5);

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

const U5_RUNS = Number(process.env.BENCH_U5_RUNS ?? 10_000);

/** U5: copies of one small run, each with its own metadata.json (name, status, a config of ~10 keys). */
async function generateRunList(s, base) {
  await writeRun(s, base, 'u5-template', 'tpl', ['loss'], 100, noisy);
  const tpl = join(base, 'u5-template', 'tpl');
  const statuses = ['finished', 'finished', 'finished', 'crashed', 'interrupted'];
  const t0 = Date.UTC(2025, 0, 1);
  for (let r = 0; r < U5_RUNS; r++) {
    const id = `run${String(r).padStart(5, '0')}`;
    const dir = join(base, 'u5', id);
    mkdirSync(join(dir, 'data', 'metrics'), { recursive: true });
    copyFileSync(join(tpl, 'data', 'metadata.db'), join(dir, 'data', 'metadata.db'));
    copyFileSync(join(tpl, 'data', 'metrics', 'loss.db'), join(dir, 'data', 'metrics', 'loss.db'));
    const created = new Date(t0 + r * 60_000).toISOString();
    writeFileSync(
      join(dir, 'metadata.json'),
      JSON.stringify({
        name: `sweep ${r}`,
        config: {
          lr: 10 ** -(1 + (r % 4)),
          depth: 8 + (r % 5),
          optimizer: { name: r % 3 ? 'adam' : 'sgd' },
          seed: r,
        },
        created_at: created,
        project: 'u5',
        finished_at: created,
        run_id: id,
        annotation: null,
        status: statuses[r % statuses.length],
        version: '0.1.0',
        updated_at: created,
      }),
    );
  }
}

/** U6: a run with 200 metrics in one tab, i.e. 200 line cards to scroll through. */
const U6_CARDS = 200;
async function generateCardsRun(s, base) {
  const metrics = Array.from({ length: U6_CARDS }, (_, k) => `metric_${String(k).padStart(3, '0')}`);
  await writeRun(s, base, 'u6', 'cards200', metrics, 2_000, noisy);
}

async function generate(base) {
  const s = await import(pathToFileURL(STORAGE).href);
  await generateCardsRun(s, base);
  const metrics20 = Array.from({ length: 20 }, (_, k) => `m${String(k).padStart(2, '0')}`);
  await writeRun(s, base, 'u1', 'run20x100k', metrics20, 100_000, noisy);
  await generateRunList(s, base);
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

/**
 * `kobo open` on the benchmark data, warm: the index is built and the runs are known. `expectRuns`
 * waits for the U5 project's runs; without it (BENCH_ONLY runs) only for the index.
 */
async function startViewer(dir, expectRuns = U5_RUNS) {
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
  const warmProject = expectRuns > 0 ? 'u5' : 'u6';
  for (;;) {
    const r = await (await fetch(`${url}/api/projects/${warmProject}/runs?limit=1`)).json();
    if (!r.indexing && r.total >= Math.max(1, expectRuns)) break;
    await new Promise((res) => setTimeout(res, 200));
  }
  const projects = expectRuns > 0 ? ['u1', 'u2', 'u3', 'u5', 'u6'] : ['u6'];
  for (const p of projects) await fetch(`${url}/api/projects/${p}/runs`);
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

/**
 * JS heap in use (MB) once the page is idle, after a garbage collection. Typed-array buffers live
 * outside the V8 heap proper, so CDP's `backingStorageSize` is added where Chromium reports it.
 */
async function jsHeapMb(context, page) {
  await page.waitForLoadState('networkidle');
  const cdp = await context.newCDPSession(page);
  await cdp.send('HeapProfiler.collectGarbage');
  const usage = await cdp.send('Runtime.getHeapUsage');
  await cdp.detach();
  return (usage.usedSize + (usage.backingStorageSize ?? 0)) / 1048576;
}

async function timeToMark(browser, url, mark, withHeap = false) {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, deviceScaleFactor: 1 });
  const page = await context.newPage();
  await page.goto(url);
  await page.waitForFunction((m) => performance.getEntriesByName(m).length > 0, mark, { timeout: 60_000 });
  const t = await page.evaluate((m) => performance.getEntriesByName(m)[0].startTime, mark);
  const heap = withHeap ? await jsHeapMb(context, page) : Number.NaN;
  await context.close();
  return { t, heap };
}

/**
 * U6: the JS heap after scrolling a run page of 200 cards to the bottom and back to the top, minus the
 * heap before (MB, both after a garbage collection). Cards leaving the screen destroy their charts and
 * keep their data in a bounded cache (docs/ui.md#virtualization), so the growth stays small.
 */
async function scrollHeapGrowth(browser, url) {
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
  const before = await jsHeapMb(context, page);
  const bottom = await page.evaluate(() => document.documentElement.scrollHeight - window.innerHeight);
  const stops = [];
  for (let y = 0; y <= bottom; y += 800) stops.push(y);
  stops.push(bottom);
  for (const y of [...stops, ...[...stops].reverse()]) {
    await page.evaluate((top) => window.scrollTo(0, top), y);
    // Let the cards in view fetch and draw before moving on.
    await page.waitForTimeout(150);
    await page.waitForLoadState('networkidle');
  }
  const after = await jsHeapMb(context, page);
  // The grid mounts only the cards near the screen; it says how many it lists.
  const cards = await page.$eval('[data-testid="card-grid"]', (el) =>
    Number(el.getAttribute('data-cards') ?? el.querySelectorAll(':scope > section').length),
  );
  await context.close();
  if (cards < U6_CARDS) throw new Error(`U6: the page has ${cards} cards, expected ${U6_CARDS}`);
  return after - before;
}

/**
 * U4: the run of U1 is running; 100 points are appended to one metric while its page is open.
 * Returns the time from the write to `kobo:live-applied`, and the scalar requests it caused.
 */
async function liveUpdate(browser, url, s, runDir, round) {
  markRunning(s, runDir);
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, deviceScaleFactor: 1 });
  const page = await context.newPage();
  const scalar = [];
  page.on('request', (r) => {
    if (r.url().includes('/scalars/')) scalar.push(r.url());
  });
  await page.goto(url);
  await page.waitForFunction(
    () => performance.getEntriesByName('kobo:visible-charts-ready').length > 0,
    null,
    {
      timeout: 60_000,
    },
  );
  await page.waitForFunction(
    () => document.querySelector('[data-testid="live-indicator"]')?.textContent?.includes('Live'),
    null,
    { timeout: 30_000 },
  );
  // The catch-up after the stream's hello settles first.
  await page.waitForTimeout(1500);
  await page.waitForLoadState('networkidle');
  scalar.length = 0;
  const written = appendPoints(s, runDir, 'm00', 100, round);
  await page.waitForFunction(() => performance.getEntriesByName('kobo:live-applied').length > 0, null, {
    timeout: 30_000,
  });
  const applied = await page.evaluate(
    () => performance.timeOrigin + performance.getEntriesByName('kobo:live-applied')[0].startTime,
  );
  await context.close();
  const tails = scalar.filter((u) => new URL(u).searchParams.has('after_step'));
  return { ms: applied - written, requests: scalar.length, tails: tails.length };
}

const U1_POINTS = 100_000;

/** Rewrites metadata.json so the run reads as running, with a fresh heartbeat. */
function markRunning(s, runDir) {
  const now = new Date().toISOString();
  s.writeMetadataJson(runDir, {
    name: 'run20x100k',
    config: { lr: 0.001 },
    created_at: new Date(Date.UTC(2025, 0, 1)).toISOString(),
    project: 'u1',
    finished_at: null,
    run_id: 'run20x100k',
    annotation: null,
    status: 'running',
    version: '0.1.0',
    updated_at: now,
  });
}

/** Appends `n` points to one metric (and the step index) as a writer would; returns the epoch ms. */
function appendPoints(s, runDir, metric, n, round) {
  const p = s.runPaths(runDir);
  const first = U1_POINTS + round * n;
  const t0 = Date.UTC(2025, 0, 1);
  const step = new Float64Array(n);
  const gstep = new Float64Array(n);
  const ts = new Float64Array(n);
  const value = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    step[i] = first + i;
    gstep[i] = Math.floor((first + i) / 8);
    ts[i] = t0 + (first + i) * 20;
    value[i] = noisy(0, first + i);
  }
  const file = join(p.metricsDir, `${s.logNameToFileStem(metric)}.db`);
  const db = s.openForWriting(file, 'columnvault').db;
  new s.MetricFileWriter(db, file).append({ step, globalStep: gstep, timestamp: ts, value });
  db.close();
  const meta = s.openForWriting(p.metadataDb, 'metadata').db;
  new s.MetadataDbWriter(meta).steps(step, gstep, ts);
  meta.close();
  return Date.now();
}

/** U5: navigation → first run row visible; filter: last keystroke → the list shows the result. */
async function runList(browser, url) {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, deviceScaleFactor: 1 });
  const page = await context.newPage();
  await page.goto(`${url}/projects/u5`);
  await page.waitForSelector('[data-testid^="run-list-item-"]', { timeout: 60_000 });
  const visible = await page.evaluate(() => performance.now());
  await page.waitForLoadState('networkidle');
  // Scrolling the list: rAF intervals while the wheel moves it down and up.
  const list = await page.$eval('[data-testid="run-sidebar"] [role="list"]', (el) => {
    const r = el.getBoundingClientRect();
    return { x: r.x + r.width / 2, y: r.y + r.height / 2 };
  });
  await page.mouse.move(list.x, list.y);
  await page.evaluate(() => {
    window.__frames = [];
    const tick = (t) => {
      window.__frames.push(t);
      if (window.__frames.length < 100000) requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
  const start = Date.now();
  let dir = 1;
  while (Date.now() - start < 2000) {
    await page.mouse.wheel(0, dir * 400);
    await page.waitForTimeout(16);
    if (Date.now() - start > 1000) dir = -1;
  }
  const frames = await page.evaluate(() => window.__frames);
  const fps = ((frames.length - 1) / (frames[frames.length - 1] - frames[0])) * 1000;
  // Filter: the time from the last keystroke until "Runs (N)" shows the filtered total.
  const query = 'run00777';
  await page.evaluate(() => {
    window.__lastKey = 0;
    window.__shown = 0;
    document.addEventListener('keydown', () => {
      window.__lastKey = performance.now();
    });
    const count = document.querySelector('[data-testid="runs-count"]');
    new MutationObserver(() => {
      if (
        count?.textContent === 'Runs (1)' &&
        document.querySelector('[data-testid="run-list-item-run00777"]')
      )
        window.__shown = performance.now();
    }).observe(document.querySelector('[data-testid="run-sidebar"]'), {
      subtree: true,
      childList: true,
      characterData: true,
    });
  });
  await page.click('[data-testid="run-search"]');
  await page.keyboard.type(query, { delay: 40 });
  await page.waitForFunction(() => window.__shown > 0, null, { timeout: 30_000 });
  const filter = await page.evaluate(() => window.__shown - window.__lastKey);
  await context.close();
  return { visible, filter, fps };
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
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS });
    const s = await import(pathToFileURL(STORAGE).href);
    const u1 = [];
    const u1first = [];
    const u1heap = [];
    const u3 = [];
    const u3heap = [];
    const fps = [];
    const p95 = [];
    const live = [];
    const liveRequests = [];
    const listVisible = [];
    const listFilter = [];
    const listFps = [];
    const scrollGrowth = [];
    for (let i = 0; i < REPEAT; i++) {
      scrollGrowth.push(await scrollHeapGrowth(browser, `${viewer.url}/projects/u6/cards200`));
      u1first.push((await timeToMark(browser, `${viewer.url}/projects/u1/run20x100k`, 'kobo:first-chart')).t);
      const r1 = await timeToMark(
        browser,
        `${viewer.url}/projects/u1/run20x100k`,
        'kobo:visible-charts-ready',
        true,
      );
      u1.push(r1.t);
      u1heap.push(r1.heap);
      const r3 = await timeToMark(
        browser,
        `${viewer.url}/projects/u3?runs=all-matching`,
        'kobo:visible-charts-ready',
        true,
      );
      u3.push(r3.t);
      u3heap.push(r3.heap);
      const f = await panFps(browser, `${viewer.url}/projects/u2/run1m`);
      fps.push(f.fps);
      p95.push(f.p95);
      const l = await runList(browser, viewer.url);
      listVisible.push(l.visible);
      listFilter.push(l.filter);
      listFps.push(l.fps);
    }
    // U4 last: it turns the U1 run into a running one that grows. The server is given time to see
    // the status change first (its sweep of finished runs is slow by design).
    const u1dir = join(dir, 'u1', 'run20x100k');
    markRunning(s, u1dir);
    for (let k = 0; k < 900; k++) {
      const st = await (await fetch(`${viewer.url}/api/projects/u1/runs/run20x100k/status`)).json();
      if (st.status === 'running') break;
      await new Promise((res) => setTimeout(res, 100));
    }
    for (let i = 0; i < REPEAT; i++) {
      const u = await liveUpdate(browser, `${viewer.url}/projects/u1/run20x100k`, s, u1dir, i);
      live.push(u.ms);
      liveRequests.push(u.requests);
      if (u.requests !== u.tails)
        console.log(`# U4 round ${i}: ${u.requests - u.tails} scalar request(s) without after_step`);
    }
    bench('run_page_first_chart_ms', median(u1first), 'ms');
    bench('run_page_first_charts_ms', median(u1), 'ms');
    bench('js_heap_after_u1_mb', median(u1heap), 'MB');
    bench('compare_100_runs_ms', median(u3), 'ms');
    bench('js_heap_after_u3_mb', median(u3heap), 'MB');
    bench('js_heap_scroll_200_cards_growth_mb', median(scrollGrowth), 'MB');
    bench('pan_fps', median(fps), 'fps');
    bench('pan_frame_p95_ms', median(p95), 'ms');
    bench('live_update_ms', median(live), 'ms');
    bench('live_update_scalar_requests', median(liveRequests), 'requests');
    bench('run_list_10k_visible_ms', median(listVisible), 'ms');
    bench('run_list_scroll_fps', median(listFps), 'fps');
    bench('run_list_filter_ms', median(listFilter), 'ms');
  } finally {
    await browser?.close();
    await viewer?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Only U6's scroll measurement: the 200-card run, served and scrolled BENCH_REPEAT times. */
async function mainScrollOnly() {
  if (!existsSync(UI_DIST)) throw new Error('UI not built: run `npm run build` first');
  const dir = mkdtempSync(join(process.env.KOBO_BENCH_DIR ?? tmpdir(), 'kobo-ui-bench-'));
  let viewer = null;
  let browser = null;
  try {
    await generateCardsRun(await import(pathToFileURL(STORAGE).href), dir);
    viewer = await startViewer(dir, 0);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS });
    const growth = [];
    for (let i = 0; i < REPEAT; i++)
      growth.push(await scrollHeapGrowth(browser, `${viewer.url}/projects/u6/cards200`));
    bench('js_heap_scroll_200_cards_growth_mb', median(growth), 'MB');
  } finally {
    await browser?.close();
    await viewer?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.env.BENCH_ONLY === 'u6-scroll') await mainScrollOnly();
else await main();
