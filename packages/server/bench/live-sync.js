// Live sync benchmark (run after `npm run build`): how long a logged value takes to become readable on
// kobo-serve. A Board with live sync (syncInterval 1 s, then 0.25 s) logs one scalar every PACE ms whose value
// is its step (a marker); meanwhile this process polls the run's scalar route on the server with
// `after_step` every POLL ms and notes, for each marker, the time from its log() call to the first answer
// that holds it. The server is kobo-serve in a child process (SQLite, --no-auth, 127.0.0.1, a free port).
//   live_sync_<i>s_log_to_readable_p50_ms / _p99_ms   over the markers logged after a warm-up
//   live_sync_<i>s_p99_vs_interval                    p99 / syncInterval (target ≤ 2)
//   live_sync_<i>s_samples                            markers measured
//   live_sync_<i>s_log_to_event_p50_ms / _p99_ms      until the server's event stream (/api/events, what the
//                                                     web UI listens to) announced the marker's step
// The Board runs with its defaults, so its writer commits every quarter sync interval
// (docs/sync.md#log-to-readable-latency); KOBO_BENCH_LIVE_FLUSH_MS sets flushIntervalMs instead (1000 gives
// the commit interval that does not follow the sync interval).
// KOBO_BENCH_LIVE_SECONDS (default 9) sets how long each interval logs; KOBO_BENCH_LIVE_INTERVALS (default
// "1,0.25") the intervals measured.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Board } from 'kohakuboard';
import { bench, startServer } from './child-server.js';

const SECONDS = Number(process.env.KOBO_BENCH_LIVE_SECONDS ?? 9);
const INTERVALS = (process.env.KOBO_BENCH_LIVE_INTERVALS ?? '1,0.25').split(',').map(Number);
const FLUSH_MS = process.env.KOBO_BENCH_LIVE_FLUSH_MS ? Number(process.env.KOBO_BENCH_LIVE_FLUSH_MS) : null;
const PACE_MS = 20;
const POLL_MS = 25;
/** Markers logged in the first WARMUP_MS (the run's creation on the server, first cycles) are not counted. */
const WARMUP_MS = 2000;
const METRIC = 'live/marker';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** Logs markers for SECONDS at PACE_MS while polling the server; the latency of every marker seen. */
async function measure(base, localDir, intervalS) {
  const runId = `live${String(intervalS).replace('.', 'p')}`;
  const project = 'bench-live';
  const board = new Board({
    baseDir: localDir,
    project,
    runId,
    captureOutput: false,
    handleSignals: false,
    systemMetrics: false,
    syncEnabled: true,
    remoteUrl: base,
    remoteToken: 'not-checked-under-no-auth',
    syncInterval: intervalS,
    ...(FLUSH_MS ? { flushIntervalMs: FLUSH_MS } : {}),
  });
  const loggedAt = [];
  const readableAt = [];
  const url = `${base}/api/projects/local%2F${project}/runs/${runId}/scalars/${METRIC}`;
  let stopPolling = false;
  let stoppedAt = 0;
  const poller = (async () => {
    let after = -1;
    while (!stopPolling || after < loggedAt.length - 1) {
      const res = await fetch(`${url}?after_step=${after}`);
      const now = performance.now();
      if (res.status === 200) {
        const body = await res.json();
        for (let i = 0; i < body.steps.length; i++) {
          const step = body.steps[i];
          if (body.values[i] !== step)
            throw new Error(`step ${step} carries ${body.values[i]}, not its marker`);
          if (readableAt[step] === undefined) readableAt[step] = now;
          if (step > after) after = step;
        }
      } else await res.arrayBuffer();
      if (stopPolling && performance.now() - stoppedAt > 20_000)
        throw new Error(`markers up to ${loggedAt.length - 1} logged, only ${after} readable after 20 s`);
      await sleep(POLL_MS);
    }
  })();
  const events = watchEvents(base, project, runId, loggedAt);
  const t0 = performance.now();
  let next = t0;
  for (let step = 0; performance.now() - t0 < SECONDS * 1000; step++) {
    next += PACE_MS;
    const wait = next - performance.now();
    if (wait > 0) await sleep(wait);
    loggedAt[step] = performance.now();
    board.log({ [METRIC]: step });
  }
  stoppedAt = performance.now();
  stopPolling = true;
  await poller;
  await events.until(loggedAt.length - 1, 20_000);
  await board.finish();
  const latencies = [];
  const eventLatencies = [];
  for (let s = 0; s < loggedAt.length; s++) {
    if (loggedAt[s] - t0 < WARMUP_MS) continue;
    latencies.push(readableAt[s] - loggedAt[s]);
    eventLatencies.push(events.seenAt[s] - loggedAt[s]);
  }
  latencies.sort((a, b) => a - b);
  eventLatencies.sort((a, b) => a - b);
  return { latencies, eventLatencies };
}

/**
 * The server's event stream as the web UI reads it: for each marker, when the first `run_data` event whose
 * `last_step` of the metric covers it arrived.
 */
function watchEvents(base, project, runId, loggedAt) {
  const seenAt = [];
  const abort = new AbortController();
  let lastStep = -1;
  let waiter = null;
  const done = (async () => {
    const res = await fetch(`${base}/api/events?project=local%2F${project}&runs=${runId}&types=run_data`, {
      signal: abort.signal,
    });
    const decoder = new TextDecoder();
    let text = '';
    for await (const chunk of res.body) {
      const now = performance.now();
      text += decoder.decode(chunk, { stream: true });
      let end = text.indexOf('\n\n');
      while (end >= 0) {
        const data = /^data: (.*)$/m.exec(text.slice(0, end));
        text = text.slice(end + 2);
        end = text.indexOf('\n\n');
        const last = data ? JSON.parse(data[1]).scalars?.[METRIC]?.last_step : undefined;
        if (typeof last !== 'number' || last <= lastStep) continue;
        for (let s = lastStep + 1; s <= Math.min(last, loggedAt.length - 1); s++) seenAt[s] = now;
        lastStep = last;
        if (waiter && lastStep >= waiter.step) waiter.resolve();
      }
    }
  })().catch((err) => {
    if (!abort.signal.aborted) throw err;
  });
  return {
    seenAt,
    /** Resolves once `step` was announced, then closes the stream; throws after `timeoutMs`. */
    async until(step, timeoutMs) {
      if (lastStep < step) {
        let timer;
        await Promise.race([
          new Promise((resolve) => {
            waiter = { step, resolve };
          }),
          new Promise((_, reject) => {
            timer = setTimeout(
              () => reject(new Error(`no run_data event for step ${step} within ${timeoutMs} ms`)),
              timeoutMs,
            );
          }),
        ]);
        clearTimeout(timer);
      }
      abort.abort();
      await done;
    },
  };
}

const root = mkdtempSync(join(tmpdir(), 'kobo-bench-live-'));
const server = startServer(join(root, 'data'), { timeoutMs: 60_000 });
try {
  const base = `http://127.0.0.1:${await server.port}`;
  for (const intervalS of INTERVALS) {
    const { latencies, eventLatencies } = await measure(base, join(root, 'local'), intervalS);
    const name = `live_sync_${String(intervalS).replace('.', 'p')}s`;
    const p99 = percentile(latencies, 99);
    bench(`${name}_log_to_readable_p50_ms`, percentile(latencies, 50), 'ms');
    bench(`${name}_log_to_readable_p99_ms`, p99, 'ms');
    bench(`${name}_p99_vs_interval`, p99 / (intervalS * 1000), 'ratio');
    bench(`${name}_samples`, latencies.length, 'samples');
    bench(`${name}_log_to_event_p50_ms`, percentile(eventLatencies, 50), 'ms');
    bench(`${name}_log_to_event_p99_ms`, percentile(eventLatencies, 99), 'ms');
    console.log(
      `# ${name}: min ${latencies[0].toFixed(0)} ms, p90 ${percentile(latencies, 90).toFixed(0)} ms, max ${latencies[latencies.length - 1].toFixed(0)} ms`,
    );
  }
} finally {
  await server.stop();
  rmSync(root, { recursive: true, force: true });
}
