// Upload benchmark (run after `npm run build`): sustained ingest over HTTP into kobo-serve (one process,
// SQLite database, its ingest threads), beside the local client's ingest of the same values in the same run.
//   ingest_http_values_per_s_1client    one client sending log sync requests back to back: 10 metrics per
//                                       step, STEPS steps per request (this project's client's shape: offsets,
//                                       step, global_step and timestamp on every row)
//   ingest_http_values_per_s_1client_step_value   the same with rows of step and value only (the Python
//                                       worker's row shape, with offsets): a body half as large
//   ingest_http_values_per_s_8clients   8 clients at once, each into its own run
//   ingest_http_values_per_s_1client_100mbps      one client whose bodies travel at 100 MB/s, as over a
//                                       gigabit link (node:http, 128 KiB pieces each sent when due): the
//                                       server can parse a body while it arrives
//   ingest_http_stage_<stage>_ms_100mbps          its median Server-Timing stages
//   ingest_http_request_ms_1client      median time of one request (body sent to answer read)
//   ingest_http_stage_<stage>_ms        median Server-Timing of each stage of those requests (body: receiving,
//                                       parse: JSON and checks, lease, write: the files, db: run row and change)
//   ingest_http_client_build_share      the share of the one-client time spent building bodies, in % (bodies
//                                       are built before each phase, so this is ~0 unless a phase outruns them)
//   ingest_local_values_per_s           Board.log of the same 10 metrics per step, to finish()
//   ingest_http_vs_local                one-client HTTP / local values per second
// KOBO_BENCH_SECONDS (default 8) sets the length of each HTTP phase; KOBO_BENCH_INGEST_STEPS (5000) the
// steps per request; KOBO_BENCH_SERVE another kobo-serve script to measure (a build of other code, to compare).
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Board } from 'kohakuboard';
import { bench, startServer } from './child-server.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const SERVE = process.env.KOBO_BENCH_SERVE ?? join(here, '../bin/kobo-serve.js');
const SECONDS = Number(process.env.KOBO_BENCH_SECONDS ?? 8);
const STEPS = Number(process.env.KOBO_BENCH_INGEST_STEPS ?? 5000);
const METRICS = Array.from({ length: 10 }, (_, i) => `train/metric_${i}`);

const t0 = 1_738_137_600_000;

/** The body of the request that carries steps [from, from + STEPS). */
function body(from, withMetadata, runId, compact = false) {
  const parts = [];
  parts.push(`{"sync_range":{"start_step":${from},"end_step":${from + STEPS - 1}},"steps":[`);
  const steps = [];
  for (let s = from; s < from + STEPS; s++)
    steps.push(`{"step":${s},"global_step":${s},"timestamp":${t0 + s}}`);
  parts.push(steps.join(','), '],"scalars":{');
  const metrics = [];
  for (let m = 0; m < METRICS.length; m++) {
    const rows = [];
    for (let s = from; s < from + STEPS; s++)
      rows.push(
        compact
          ? `{"step":${s},"value":${Math.sin(s * 0.001 + m)}}`
          : `{"step":${s},"value":${Math.sin(s * 0.001 + m)},"global_step":${s},"timestamp":${t0 + s}}`,
      );
    metrics.push(`"${METRICS[m]}":[${rows.join(',')}]`);
  }
  parts.push(metrics.join(','), '}');
  const offsets = METRICS.map((m) => `"${m}":${from}`).join(',');
  parts.push(`,"offsets":{"scalars":{${offsets}},"histograms":{}}`);
  if (withMetadata) {
    const meta = {
      name: `bench ${runId}`,
      config: {},
      created_at: '2025-01-29T07:04:23.123000+00:00',
      project: 'bench',
      finished_at: null,
      run_id: runId,
      annotation: null,
      status: 'running',
      version: '0.1.0',
      updated_at: '2025-01-29T07:04:23.123000+00:00',
    };
    parts.push(`,"metadata":${JSON.stringify(meta)}`);
  }
  parts.push('}');
  return parts.join('');
}

/** Request bodies, built before a phase so that the client's own work does not count (encoded once). */
const built = { full: [], compact: [] };
function bodyAt(i, compact) {
  const list = compact ? built.compact : built.full;
  while (list.length <= i)
    list.push(Buffer.from(body(list.length * STEPS, list.length === 0, 'bench', compact)));
  return list[i];
}
function prebuild(count, compact) {
  bodyAt(count - 1, compact);
}

/** A request with `fetch`, as this project's client sends it. */
async function fetchPost(url, data) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: data,
  });
  return { status: res.status, timing: res.headers.get('server-timing'), answer: await res.json() };
}

const LINK_BYTES_PER_MS = 100e6 / 1000;
const PIECE = 128 * 1024;
const linkAgent = new Agent({ keepAlive: true });

/** A request whose body goes out at LINK_BYTES_PER_MS, in pieces each written when it is due. */
function linkPost(url, data) {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        agent: linkAgent,
        headers: { 'content-type': 'application/json', 'content-length': data.length },
      },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode,
            timing: res.headers['server-timing'],
            answer: JSON.parse(Buffer.concat(chunks).toString('utf8')),
          }),
        );
      },
    );
    req.on('error', reject);
    const t0 = performance.now();
    (async () => {
      for (let at = 0; at < data.length; at += PIECE) {
        const wait = t0 + at / LINK_BYTES_PER_MS - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        req.write(data.subarray(at, at + PIECE));
      }
      req.end();
    })();
  });
}

/** One client sending back to back for `seconds`; values stored, request times and body-building time. */
async function client(base, runId, seconds, compact = false, post = fetchPost) {
  const url = `${base}/api/projects/bench/runs/${runId}/log`;
  const times = [];
  const stages = {};
  let values = 0;
  let building = 0;
  let i = 0;
  const end = performance.now() + seconds * 1000;
  while (performance.now() < end) {
    const b0 = performance.now();
    const data = bodyAt(i, compact);
    building += performance.now() - b0;
    const r0 = performance.now();
    const res = await post(url, data);
    const answer = res.answer;
    times.push(performance.now() - r0);
    for (const part of (res.timing ?? '').split(',')) {
      const m = /^\s*(\w+);dur=([\d.]+)/.exec(part);
      if (!m) continue;
      stages[m[1]] ??= [];
      stages[m[1]].push(Number(m[2]));
    }
    if (res.status !== 200 || answer.status !== 'synced')
      throw new Error(`upload failed: ${res.status} ${JSON.stringify(answer).slice(0, 500)}`);
    if (answer.cursors.scalars[METRICS[0]] !== (i + 1) * STEPS)
      throw new Error('a row is missing or doubled');
    values += STEPS * METRICS.length;
    i++;
  }
  return { values, times, building, stages };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function httpIngest() {
  const dir = mkdtempSync(join(tmpdir(), 'kobo-bench-ingest-'));
  const server = startServer(dir, { args: ['--ingest-rate', '100000'], serve: SERVE });
  try {
    const base = `http://127.0.0.1:${await server.port}`;
    prebuild(Math.ceil(SECONDS * 12), false);
    prebuild(Math.ceil(SECONDS * 16), true);
    // Warm-up: threads started, code compiled, in every ingest thread (runs go to threads by their name, so a
    // few runs reach them all with high probability).
    await client(base, 'warmup', 1);
    for (let w = 1; w <= 4; w++) await client(base, `warmup${w}`, 0.5);
    let t = performance.now();
    const one = await client(base, 'one', SECONDS);
    const oneSeconds = (performance.now() - t) / 1000;
    bench('ingest_http_values_per_s_1client', one.values / oneSeconds, 'values/s');
    bench('ingest_http_request_ms_1client', median(one.times), 'ms');
    for (const [stage, durations] of Object.entries(one.stages))
      bench(`ingest_http_stage_${stage}_ms`, median(durations), 'ms');
    bench('ingest_http_client_build_share', (100 * one.building) / (oneSeconds * 1000), '%');
    t = performance.now();
    const compact = await client(base, 'compact', SECONDS, true);
    bench(
      'ingest_http_values_per_s_1client_step_value',
      compact.values / ((performance.now() - t) / 1000),
      'values/s',
    );
    t = performance.now();
    const many = await Promise.all(Array.from({ length: 8 }, (_, i) => client(base, `many${i}`, SECONDS)));
    const manySeconds = (performance.now() - t) / 1000;
    bench(
      'ingest_http_values_per_s_8clients',
      many.reduce((a, c) => a + c.values, 0) / manySeconds,
      'values/s',
    );
    t = performance.now();
    const link = await client(base, 'link', SECONDS, false, linkPost);
    bench(
      'ingest_http_values_per_s_1client_100mbps',
      link.values / ((performance.now() - t) / 1000),
      'values/s',
    );
    for (const [stage, durations] of Object.entries(link.stages))
      bench(`ingest_http_stage_${stage}_ms_100mbps`, median(durations), 'ms');
    return one.values / oneSeconds;
  } finally {
    linkAgent.destroy();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function localIngest() {
  const dir = mkdtempSync(join(tmpdir(), 'kobo-bench-local-'));
  try {
    const board = new Board({ baseDir: dir, project: 'bench', captureOutput: false, handleSignals: false });
    const steps = 200_000;
    const t = performance.now();
    const row = {};
    for (let s = 0; s < steps; s++) {
      for (let m = 0; m < METRICS.length; m++) row[METRICS[m]] = Math.sin(s * 0.001 + m);
      board.log(row);
    }
    await board.finish();
    const v = (steps * METRICS.length) / ((performance.now() - t) / 1000);
    bench('ingest_local_values_per_s', v, 'values/s');
    return v;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const http = await httpIngest();
const local = await localIngest();
bench('ingest_http_vs_local', http / local, 'ratio');
