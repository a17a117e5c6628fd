// A normal request while other clients ask for the heaviest reads (docs/api.md#work-off-the-event-loop; run
// after `npm run build`).
// Generates a run with one long metric and a small one, starts the viewer in a child process (viewer-server.js,
// worker threads as `kobo open` has them) and measures over loopback:
//   heavy_normal_idle_ms            median time of the normal request with nothing else going on
//   heavy_normal_first_ms           the first normal request, 0.2 s after 8 clients started asking for the
//                                   heaviest read again and again
//   heavy_normal_p50_ms, _p95_ms    normal requests under that load, from 3 s after it started
//   heavy_normal_max_ms             the slowest of those normal requests
//   heavy_reads_done                heavy reads the 8 clients got answered meanwhile
//   heavy_after_abandon_ms          the normal request right after 32 heavy reads were abandoned after 1 s
//   heavy_event_loop_lag_max_ms     the server's largest event-loop delay over all of it
// The heavy read is the whole long series, Gaussian-smoothed with the largest kernel the server accepts
// (`smooth_value` 1000; KOBO_BENCH_HEAVY_SMOOTH changes it). The normal request is a downsampled small
// metric of the same run, so that it is served by the same worker thread as the heavy reads.
// Sizes: KOBO_BENCH_HEAVY_ROWS (300000) rows, KOBO_BENCH_HEAVY_SECONDS (20) seconds of load. A normal request
// that takes longer than KOBO_BENCH_HEAVY_TIMEOUT_S (60) seconds is counted at that time and noted.
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  createMetadataTables,
  formatPythonIso,
  MetadataDbWriter,
  MetricFileWriter,
  openForWriting,
  writeMetadataJson,
} from '../dist/storage/index.js';
import { bench, median, nowMs, percentile, tempDir } from './lib.js';

const here = dirname(fileURLToPath(import.meta.url));
const ROWS = Number(process.env.KOBO_BENCH_HEAVY_ROWS ?? 300_000);
const SECONDS = Number(process.env.KOBO_BENCH_HEAVY_SECONDS ?? 20);
const SMOOTH = process.env.KOBO_BENCH_HEAVY_SMOOTH ?? '1000';
const TIMEOUT_MS = Number(process.env.KOBO_BENCH_HEAVY_TIMEOUT_S ?? 60) * 1000;
const HEAVY_CLIENTS = 8;
/** Normal requests are sampled from this long after the load started (the first one is reported alone). */
const WARMUP_MS = 3000;
const ABANDONED = 32;
const T0 = Date.UTC(2025, 0, 1);

function writeRun(dir) {
  const run = join(dir, 'heavy', 'big');
  mkdirSync(join(run, 'data', 'metrics'), { recursive: true });
  const md = openForWriting(join(run, 'data', 'metadata.db'), 'metadata');
  createMetadataTables(md.db);
  const steps = new MetadataDbWriter(md.db);
  const metric = (name, rows) => {
    const file = join(run, 'data', 'metrics', `${name}.db`);
    const h = openForWriting(file, 'columnvault');
    const w = new MetricFileWriter(h.db, file);
    for (let b = 0; b < rows; b += 100_000) {
      const n = Math.min(100_000, rows - b);
      const s = Float64Array.from({ length: n }, (_, i) => b + i);
      w.append({
        step: s,
        globalStep: s,
        timestamp: s.map((k) => T0 + k * 10),
        value: s.map((k) => Math.sin(k / 1000) + (k % 97) / 97),
      });
    }
    h.db.close();
  };
  metric('train__loss', ROWS);
  metric('small', 1000);
  md.db.transaction(() => {
    for (let k = 0; k < ROWS; k++) steps.step(k, k, T0 + k * 10);
  })();
  md.db.close();
  writeMetadataJson(run, {
    name: 'heavy',
    config: {},
    created_at: formatPythonIso(T0),
    project: 'heavy',
    finished_at: formatPythonIso(T0 + 60_000),
    run_id: 'big',
    annotation: null,
    status: 'finished',
    version: '0.1.0',
    updated_at: formatPythonIso(T0 + 60_000),
  });
}

function startServer(dataDir) {
  const child = spawn(process.execPath, [join(here, 'viewer-server.js'), dataDir], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const waiting = [];
  let buffered = '';
  child.stdout.on('data', (chunk) => {
    buffered += chunk;
    for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      if (!line.startsWith('{')) continue;
      const msg = JSON.parse(line);
      const i = waiting.findIndex((w) => w.type === msg.type);
      if (i >= 0) waiting.splice(i, 1)[0].resolve(msg);
    }
  });
  return {
    child,
    next: (type) => new Promise((resolve) => waiting.push({ type, resolve })),
    send: (cmd) => child.stdin.write(`${cmd}\n`),
  };
}

/** GET on its own agent (one connection: one client of the server), body read whole; resolves the status. */
function get(port, path, agent, timeoutMs = 0) {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path, agent }, (res) => {
      res.on('data', () => {});
      res.on('end', () => resolve(res.statusCode));
      res.on('error', () => resolve(0));
    });
    req.on('error', () => resolve(0));
    if (timeoutMs > 0) req.setTimeout(timeoutMs, () => req.destroy());
    req.end();
  });
}

async function timed(fn) {
  const t = nowMs();
  const status = await fn();
  return { ms: nowMs() - t, status };
}

const tmp = tempDir('kobo-bench-heavy-');
let srv = null;
try {
  writeRun(tmp.dir);
  srv = startServer(tmp.dir);
  const { port } = await srv.next('listening');
  await srv.next('indexed');
  const base = '/api/projects/heavy/runs/big/scalars';
  const heavyPath = `${base}/train/loss?smooth=gaussian&smooth_value=${SMOOTH}&format=kbc`;
  const normalPath = `${base}/small?points=2000`;
  const normalAgent = new Agent({ keepAlive: true, maxSockets: 1 });
  const normal = () => timed(() => get(port, normalPath, normalAgent, TIMEOUT_MS));

  const idle = [];
  for (let i = 0; i < 20; i++) idle.push((await normal()).ms);
  const probe = await timed(() => get(port, heavyPath, new Agent({ maxSockets: 1 }), TIMEOUT_MS));
  console.log(`# one heavy read alone: ${probe.ms.toFixed(0)} ms, status ${probe.status}`);
  srv.send('lag-reset');

  // 8 clients ask for the heavy read again and again while the normal client measures.
  let stop = false;
  let done = 0;
  const loadStart = nowMs();
  const hammer = Array.from({ length: HEAVY_CLIENTS }, async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    while (!stop) {
      if ((await get(port, heavyPath, agent)) === 200) done++;
    }
    agent.destroy();
  });
  // The first normal request meets eight heavy reads of clients the server knows nothing about yet: it
  // waits its turn among them. From then on each client's service is known, and the normal client goes
  // before the clients that have used more.
  await new Promise((r) => setTimeout(r, 200));
  const first = await normal();
  while (nowMs() < loadStart + WARMUP_MS) await new Promise((r) => setTimeout(r, 50));
  const loaded = [];
  let timeouts = 0;
  const until = nowMs() + SECONDS * 1000;
  while (nowMs() < until) {
    const r = await normal();
    if (r.status === 0) timeouts++;
    loaded.push(r.ms);
    await new Promise((r2) => setTimeout(r2, 100));
  }
  stop = true;
  // Heavy clients finish their last read; a server that cannot keep up is not waited for longer than that.
  await Promise.race([Promise.all(hammer), new Promise((r) => setTimeout(r, TIMEOUT_MS))]);

  // The probe's pattern: many heavy reads, abandoned after a second; then one normal request.
  const abandoned = Array.from({ length: ABANDONED }, () => get(port, heavyPath, false, 1000));
  await Promise.all(abandoned);
  const after = await normal();
  srv.send('lag');
  const lag = await srv.next('lag');

  bench('heavy_normal_idle_ms', median(idle), 'ms');
  bench('heavy_normal_first_ms', first.ms, 'ms');
  bench('heavy_normal_p50_ms', median(loaded), 'ms');
  bench('heavy_normal_p95_ms', percentile(loaded, 95), 'ms');
  bench('heavy_normal_max_ms', Math.max(...loaded), 'ms');
  bench('heavy_reads_done', done, 'reads');
  bench('heavy_after_abandon_ms', after.ms, 'ms');
  bench('heavy_event_loop_lag_max_ms', lag.maxMs, 'ms');
  console.log(
    `# ${loaded.length} normal requests under load (${timeouts} cut at ${TIMEOUT_MS} ms), rows ${ROWS}, smooth_value ${SMOOTH}, after-abandon status ${after.status}`,
  );
} finally {
  srv?.child.kill('SIGKILL');
  tmp.cleanup();
}
