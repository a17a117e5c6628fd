// Viewer benchmarks (docs/api.md#performance-targets; run after `npm run build`). Generates its own data in a
// temp dir, runs the viewer in a child process (bench/viewer-server.js) and measures it over loopback:
//   downsample_1m_to_2000_ms (+ _kbc_ms)       C1: Server-Timing median, 1M-row metric, points=2000
//   downsample_1m_window_ms (+ _kbc_ms)        C1: the same with an x window over 10 % of the steps
//   downsample_1m_after_step_ms (+ _kbc_ms)    C1: after_step near the end
//   scalars_full_1m_json_ms, _binary_ms        every row of the 1M-row metric (Server-Timing)
//   list_10k_runs_ms, _uncached_ms, _limit100_ms, _query_ms  C2: 10,000 runs (Server-Timing)
//   projects_10k_ms                            C2: /api/projects over those runs
//   metric_summaries_10k_first_ms, _ms         metric_summaries of those runs (2 metrics): first, then held
//   cold_projects_ms                           C5: first /api/projects answer after listening (client time)
//   index_10k_runs_s                           C5: time to index the fresh directory
//   batch_scalars_100x10k_kbc_ms               C7: batch/scalars, 100 runs x 10k rows, points=1000, kbc (client)
//   media_8mb_ttfb_ms                          C6: time to first byte of an 8 MiB blob (client)
//   event_latency_ms                           C4: from a committed write to its run_data event (client)
//   event_loop_lag_max_ms                      C8: the server's largest event-loop delay during C1-C7
//   event_loop_lag_full_series_max_ms          the same while whole 1M-row series are served
//   list_rss_growth_mb                         C3: RSS growth over 200 listings of 10,000 runs
// Sizes can be reduced for a quick look: KOBO_BENCH_RUNS (10000), KOBO_BENCH_METRIC_ROWS (1000000).
// The largest event-loop delay of each phase is printed as a `#` comment line, with the server's clock, so
// that a profile (KOBO_BENCH_SERVER_FLAGS="--cpu-prof --cpu-prof-dir=DIR", or "--trace-gc") can be matched.
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  createMetadataTables,
  formatPythonIso,
  KVaultWriter,
  MetadataDbWriter,
  MetricFileWriter,
  mediaHash,
  openForWriting,
  serializeMetadataJson,
  writeMetadataJson,
} from '../dist/storage/index.js';
import { bench, median, nowMs, percentile, tempDir } from './lib.js';

const here = dirname(fileURLToPath(import.meta.url));
const RUNS = Number(process.env.KOBO_BENCH_RUNS ?? 10_000);
const ROWS = Number(process.env.KOBO_BENCH_METRIC_ROWS ?? 1_000_000);
const T0 = Date.UTC(2025, 0, 1);
const REPS = 20;

function meta(project, runId, status, config, createdMs) {
  return {
    name: `Run ${runId}`,
    config,
    created_at: formatPythonIso(createdMs),
    project,
    finished_at: status === 'running' ? null : formatPythonIso(createdMs + 60_000),
    run_id: runId,
    annotation: null,
    status,
    version: '0.1.0',
    updated_at: formatPythonIso(status === 'running' ? Date.now() : createdMs + 60_000),
  };
}

function writeMetric(runDir, name, rows, chunk = 100_000) {
  mkdirSync(join(runDir, 'data', 'metrics'), { recursive: true });
  const file = join(runDir, 'data', 'metrics', `${name}.db`);
  const h = openForWriting(file, 'columnvault');
  const w = new MetricFileWriter(h.db, file);
  const md = openForWriting(join(runDir, 'data', 'metadata.db'), 'metadata');
  createMetadataTables(md.db);
  const mw = new MetadataDbWriter(md.db);
  for (let b = 0; b < rows; b += chunk) {
    const n = Math.min(chunk, rows - b);
    const s = new Float64Array(n);
    const g = new Float64Array(n);
    const t = new Float64Array(n);
    const v = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const k = b + i;
      s[i] = k;
      g[i] = k >> 2;
      t[i] = T0 + k * 10;
      v[i] = Math.sin(k / 1000) + (k % 97) / 97;
    }
    w.append({ step: s, globalStep: g, timestamp: t, value: v });
    md.db.transaction(() => {
      for (let i = 0; i < n; i++) mw.step(s[i], g[i], t[i]);
    })();
  }
  h.db.close();
  return { md, mw };
}

function generate(dir) {
  // One run with a 1M-row metric and an 8 MiB media blob.
  const big = join(dir, 'big', 'r1m');
  const { md, mw } = writeMetric(big, 'train__loss', ROWS);
  mkdirSync(join(big, 'media'), { recursive: true });
  const blob = Buffer.alloc(8 * 1024 * 1024, 7);
  const hash = mediaHash(blob);
  const kv = openForWriting(join(big, 'media', 'blobs.db'), 'kvault');
  new KVaultWriter(kv.db, 'blobs.db').put(`${hash}.mp4`, blob);
  kv.db.close();
  mw.media({
    media_hash: hash,
    format: 'mp4',
    step: 0,
    global_step: 0,
    name: 'video',
    caption: null,
    type: 'video',
    size_bytes: blob.length,
    width: null,
    height: null,
  });
  md.db.close();
  writeMetadataJson(big, meta('big', 'r1m', 'finished', { lr: 0.001 }, T0));

  // 100 runs of 10k rows for the batch comparison.
  for (let r = 0; r < 100; r++) {
    const run = join(dir, 'cmp', `c${String(r).padStart(4, '0')}`);
    writeMetric(run, 'loss', 10_000).md.db.close();
    writeMetadataJson(run, meta('cmp', `c${r}`, 'finished', { seed: r }, T0 + r));
  }

  // 10,000 small runs, copies of one template, each with its own config of about 20 keys.
  const template = join(dir, 'template');
  writeMetric(template, 'loss', 100).md.db.close();
  const statuses = ['finished', 'finished', 'finished', 'crashed', 'interrupted'];
  for (let r = 0; r < RUNS; r++) {
    const id = `r${String(r).padStart(5, '0')}`;
    const run = join(dir, 'many', id);
    mkdirSync(join(run, 'data', 'metrics'), { recursive: true });
    copyFileSync(join(template, 'data', 'metadata.db'), join(run, 'data', 'metadata.db'));
    copyFileSync(join(template, 'data', 'metrics', 'loss.db'), join(run, 'data', 'metrics', 'loss.db'));
    const config = {
      optimizer: {
        name: r % 3 ? 'adam' : 'sgd',
        lr: 10 ** -(1 + (r % 4)),
        betas: [0.9, 0.999],
        weight_decay: (r % 5) * 1e-4,
      },
      model: {
        name: `net${r % 7}`,
        depth: 8 + (r % 5),
        width: 64 * (1 + (r % 4)),
        dropout: (r % 3) / 10,
        act: 'gelu',
      },
      data: { name: 'cifar10', batch_size: 32 * (1 + (r % 4)), augment: r % 2 === 0, workers: 4 },
      seed: r,
      epochs: 10 + (r % 20),
      tags: ['bench', `g${r % 10}`],
      notes: `run number ${r}`,
    };
    writeFileSync(
      join(run, 'metadata.json'),
      serializeMetadataJson(meta('many', id, statuses[r % 5], config, T0 + r * 1000)),
    );
  }

  // A running run that the event benchmark appends to.
  const live = join(dir, 'live', 'ev');
  const ev = writeMetric(live, 'loss', 10);
  ev.md.db.close();
  writeMetadataJson(live, meta('live', 'ev', 'running', {}, Date.now()));
}

function startServer(dataDir) {
  // KOBO_BENCH_SERVER_FLAGS adds node flags to the server, e.g. "--cpu-prof --cpu-prof-dir=DIR" or "--trace-gc".
  const flags = (process.env.KOBO_BENCH_SERVER_FLAGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, ['--expose-gc', ...flags, join(here, 'viewer-server.js'), dataDir], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const waiting = [];
  const early = [];
  let buffered = '';
  child.stdout.on('data', (chunk) => {
    buffered += chunk;
    let nl = buffered.indexOf('\n');
    while (nl >= 0) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      nl = buffered.indexOf('\n');
      // Lines that are not messages come from diagnostic flags (--trace-gc): passed on as comments.
      if (!line.startsWith('{')) {
        console.error(`# server: ${line}`);
        continue;
      }
      const msg = JSON.parse(line);
      const i = waiting.findIndex((w) => w.type === msg.type);
      if (i >= 0) waiting.splice(i, 1)[0].resolve(msg);
      else early.push(msg); // a message that came before anyone asked for it (indexing can beat a request)
    }
  });
  return {
    child,
    next: (type) => {
      const i = early.findIndex((m) => m.type === type);
      if (i >= 0) return Promise.resolve(early.splice(i, 1)[0]);
      return new Promise((resolve) => waiting.push({ type, resolve }));
    },
    send: (cmd) => child.stdin.write(`${cmd}\n`),
  };
}

const timing = (res) =>
  Number(/app;dur=([\d.]+)/.exec(res.headers.get('server-timing') ?? '')?.[1] ?? Number.NaN);

/** Server-Timing median over REPS requests after two warm-ups; reports p95/median too. */
async function serverTime(url, init) {
  for (let i = 0; i < 2; i++) await (await fetch(url, init)).arrayBuffer();
  const times = [];
  for (let i = 0; i < REPS; i++) {
    const res = await fetch(url, init);
    await res.arrayBuffer();
    times.push(timing(res));
  }
  return { median: median(times), p95: percentile(times, 95) };
}

async function clientTime(fn, reps = REPS) {
  await fn();
  const times = [];
  for (let i = 0; i < reps; i++) {
    const t = nowMs();
    await fn();
    times.push(nowMs() - t);
  }
  return median(times);
}

async function eventLatency(base, dataDir) {
  const abort = new AbortController();
  const res = await fetch(`${base}/api/events?project=live&runs=ev&types=run_data`, { signal: abort.signal });
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  const waiters = [];
  void (async () => {
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        text += decoder.decode(value, { stream: true });
        for (const w of [...waiters]) w();
      }
    } catch {
      /* aborted */
    }
  })();
  const runDir = join(dataDir, 'live', 'ev');
  const file = join(runDir, 'data', 'metrics', 'loss.db');
  const h = openForWriting(file, 'columnvault');
  const w = new MetricFileWriter(h.db, file);
  // As the writer does: metric rows first, then their steps in metadata.db, which is what makes them
  // committed (the viewer serves no metric row past the last step of the step index, docs/format.md#crashes-and-the-wal).
  const md = openForWriting(join(runDir, 'data', 'metadata.db'), 'metadata');
  const mw = new MetadataDbWriter(md.db);
  await new Promise((r) => setTimeout(r, 1500));
  const latencies = [];
  let count = 10;
  for (let i = 0; i < 10; i++) {
    const rows = 100;
    const s = Array.from({ length: rows }, (_, k) => count + k);
    const t = nowMs();
    const times = s.map((x) => Date.now() + x);
    w.append({ step: s, globalStep: s, timestamp: times, value: s.map(Math.sqrt) });
    mw.steps(s, s, times);
    count += rows;
    const want = `"count":${count}`;
    await new Promise((resolve) => {
      const check = () => {
        if (text.includes(want)) {
          waiters.splice(waiters.indexOf(check), 1);
          resolve();
        }
      };
      waiters.push(check);
      check();
    });
    latencies.push(nowMs() - t);
    await new Promise((r) => setTimeout(r, 1200));
  }
  h.db.close();
  md.db.close();
  abort.abort();
  return median(latencies);
}

async function main() {
  const { dir, cleanup } = tempDir('kobo-viewer-bench-');
  try {
    let t = nowMs();
    generate(dir);
    console.log(
      `# generated ${RUNS} runs and a ${ROWS}-row metric in ${((nowMs() - t) / 1000).toFixed(1)} s`,
    );
    const server = startServer(dir);
    const listening = await server.next('listening');
    const base = `http://127.0.0.1:${listening.port}`;
    t = nowMs();
    await (await fetch(`${base}/api/projects`)).json();
    bench('cold_projects_ms', nowMs() - t, 'ms');
    const indexed = await server.next('indexed');
    bench('index_10k_runs_s', indexed.ms / 1000, 's');
    server.send('lag-reset');
    // The largest event-loop delay per phase, printed as comments: where the C8 figure comes from.
    const phaseLags = [];
    const phaseLag = async (phase) => {
      server.send('lag');
      const { maxMs, atS } = await server.next('lag');
      server.send('lag-reset');
      phaseLags.push(maxMs);
      console.log(
        `# event-loop lag max during ${phase}: ${maxMs.toFixed(1)} ms (server time ${atS.toFixed(2)} s)`,
      );
    };

    const metric = `${base}/api/projects/big/runs/r1m/scalars/train/loss`;
    for (const [name, q] of [
      ['downsample_1m_to_2000', 'points=2000'],
      [
        'downsample_1m_window',
        `points=2000&x_min=${Math.floor(ROWS * 0.45)}&x_max=${Math.floor(ROWS * 0.55)}`,
      ],
      ['downsample_1m_after_step', `points=2000&after_step=${ROWS - 1000}`],
    ]) {
      const json = await serverTime(`${metric}?${q}`);
      bench(`${name}_ms`, json.median, 'ms');
      bench(`${name}_p95_ms`, json.p95, 'ms');
      const kbc = await serverTime(`${metric}?${q}&format=kbc`);
      bench(`${name}_kbc_ms`, kbc.median, 'ms');
      await phaseLag(name);
    }
    const runs = `${base}/api/projects/many/runs`;
    bench('list_10k_runs_ms', (await serverTime(runs)).median, 'ms');
    await phaseLag('list_10k_runs');
    // Any parameter bypasses the cached body of the parameterless listing: the full build every time.
    bench('list_10k_runs_uncached_ms', (await serverTime(`${runs}?offset=0`)).median, 'ms');
    await phaseLag('list_10k_runs_uncached');
    bench('list_10k_runs_limit100_ms', (await serverTime(`${runs}?limit=100`)).median, 'ms');
    bench(
      'list_10k_runs_query_ms',
      (
        await serverTime(
          `${runs}?q=run&status=finished,crashed&config=optimizer.name%3Dadam&sort=-config.seed`,
        )
      ).median,
      'ms',
    );
    await phaseLag('list_10k_runs_query');
    bench('projects_10k_ms', (await serverTime(`${base}/api/projects`)).median, 'ms');
    // Metric summaries of every run: the first request computes them, the next are answered from the cache.
    // KOBO_BENCH_SUMMARIES=0 skips them (the first request is long), to compare with builds that lack them.
    if (process.env.KOBO_BENCH_SUMMARIES !== '0') {
      const summaries = `${base}/api/projects/many/metric_summaries?metric=loss&metric=absent`;
      const first = await fetch(summaries);
      await first.arrayBuffer();
      bench('metric_summaries_10k_first_ms', timing(first), 'ms');
      bench('metric_summaries_10k_ms', (await serverTime(summaries)).median, 'ms');
      await phaseLag('metric_summaries_10k');
    }

    const batchBody = JSON.stringify({
      run_ids: Array.from({ length: 100 }, (_, r) => `c${String(r).padStart(4, '0')}`),
      metrics: ['loss'],
      points: 1000,
      format: 'kbc',
    });
    bench(
      'batch_scalars_100x10k_kbc_ms',
      await clientTime(async () => {
        const res = await fetch(`${base}/api/projects/cmp/runs/batch/scalars`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: batchBody,
        });
        await res.arrayBuffer();
      }),
      'ms',
    );
    await phaseLag('batch_scalars');

    const media = await (await fetch(`${base}/api/projects/big/runs/r1m/media/video`)).json();
    const blobUrl = `${base}${media.data[0].url}`;
    bench(
      'media_8mb_ttfb_ms',
      await clientTime(async () => {
        const res = await fetch(blobUrl);
        const reader = res.body.getReader();
        await reader.read();
        await reader.cancel();
      }),
      'ms',
    );
    await phaseLag('media');

    bench('event_latency_ms', await eventLatency(base, dir), 'ms');
    await phaseLag('events');
    bench('event_loop_lag_max_ms', Math.max(...phaseLags), 'ms');

    // Every row of the 1M-row metric: not a Part C target; its event-loop lag is reported apart.
    server.send('lag-reset');
    bench('scalars_full_1m_json_ms', (await serverTime(metric)).median, 'ms');
    await phaseLag('scalars_full_1m_json');
    bench('scalars_full_1m_binary_ms', (await serverTime(`${metric}?format=kbc`)).median, 'ms');
    await phaseLag('scalars_full_1m_binary');
    bench('event_loop_lag_full_series_max_ms', Math.max(...phaseLags.slice(-2)), 'ms');

    // Last: the explicit garbage collections of the RSS measurement would count as event-loop lag.
    server.send('rss');
    const mem0 = await server.next('rss');
    const rss0 = mem0.mb;
    console.log(`# server main-thread heap in use: ${mem0.heapMb.toFixed(1)} MB`);
    for (let i = 0; i < 200; i++) await (await fetch(runs)).arrayBuffer();
    server.send('rss');
    bench('list_rss_growth_mb', (await server.next('rss')).mb - rss0, 'MB');
    server.send('quit');
    await new Promise((r) => server.child.on('exit', r));
  } finally {
    cleanup();
  }
}

await main();
