// Team server benchmark (run after `npm run build`): authenticated requests per second against kobo-serve
// with 1 and 2 workers, beside the same requests against `kobo open` on the same folder in the same run, and
// logins per second. 50 concurrent connections over 127.0.0.1 (autocannon), SQLite database.
//   serve_runs_rps_w1, _w2 (open_runs_rps_w*_round)   GET …/runs (a project of 203 runs, full listing)
//   serve_scalars_rps_w1, _w2 (open_…)                GET …/scalars/train/loss?points=2000 (40,961 rows)
//   serve_*_rps_cost_w1                               1 − serve/open requests per second, one worker, in %
//   serve_*_server_ms, open_*_server_ms               median Server-Timing of 200 requests each, alternating
//   serve_*_auth_cost                                 (serve − open) / serve server time, in %
//   serve_login_rps                                   POST /api/auth/login (argon2id dominates)
// KOBO_BENCH_SECONDS (default 8) sets the length of each autocannon round, KOBO_BENCH_ROUNDS (3) their number.
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';

const here = fileURLToPath(new URL('.', import.meta.url));
const root = join(here, '../../..');
const SERVE = join(here, '../bin/kobo-serve.js');
const KOBO = join(root, 'packages/kohakuboard/bin/kobo.js');
const FIXTURES = join(root, 'test/fixtures/python-boards/base');
const SECONDS = Number(process.env.KOBO_BENCH_SECONDS ?? 8);
const PASSWORD = 'measured-password-0123';
const ROUNDS = Number(process.env.KOBO_BENCH_ROUNDS ?? 3);

function bench(name, value, unit) {
  const v = Math.abs(value) >= 100 ? Math.round(value) : Number(value.toPrecision(4));
  console.log(`BENCH ${name} ${v} ${unit}`);
}

function start(cmd, args, cwd, pattern) {
  const child = spawn(process.execPath, [cmd, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const port = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`did not start: ${out.slice(-2000)}`)), 120_000);
    const onData = (d) => {
      out += String(d);
      const m = pattern.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`exited ${code}: ${out.slice(-2000)}`)));
  });
  return {
    port,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

async function rps(url, headers) {
  // A short warm-up, then the measured run.
  await autocannon({ url, connections: 10, duration: 1, headers });
  const r = await autocannon({ url, connections: 50, duration: SECONDS, headers });
  if (r.non2xx > 0 || r.errors > 0) throw new Error(`${url}: ${r.non2xx} non-2xx, ${r.errors} errors`);
  return r.requests.average;
}

/**
 * Median Server-Timing (the server's own time for a request, authentication included) of 200 requests to
 * each of two URLs, alternating, so that the machine's changing load hits both alike.
 */
async function serverTimes(a, b) {
  const times = [[], []];
  for (let i = 0; i < 200; i++) {
    for (const [k, [url, headers]] of [a, b].entries()) {
      const r = await fetch(url, { headers });
      await r.arrayBuffer();
      const m = /app;dur=([\d.]+)/.exec(r.headers.get('server-timing') ?? '');
      if (!m) throw new Error(`${url}: no Server-Timing`);
      times[k].push(Number(m[1]));
    }
  }
  return times.map((t) => t.sort((x, y) => x - y)[t.length >> 1]);
}

/** Waits until a listing shows every copied run (both servers index in the background). */
async function waitForRuns(url, headers) {
  for (let i = 0; i < 600; i++) {
    const r = await fetch(url, { headers });
    if (r.status === 200 && (await r.json()).runs.length === 203) return;
    await new Promise((done) => setTimeout(done, 200));
  }
  throw new Error(`${url} never listed every run`);
}

async function login(base) {
  const res = await fetch(`${base}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'bench', password: PASSWORD }),
  });
  if (res.status !== 200) throw new Error(`login: ${res.status}`);
  return res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
}

const dir = mkdtempSync(join(process.env.KOBO_BENCH_DIR ?? tmpdir(), 'kobo-serve-bench-'));
try {
  const data = join(dir, 'runs');
  cpSync(join(FIXTURES, 'vision', 'lka9'), join(data, 'vision', 'lka9'), { recursive: true });
  cpSync(
    join(FIXTURES, 'vision', 'u6pw_baseline_lr_3e-4_ablation'),
    join(data, 'vision', 'u6pw_baseline_lr_3e-4_ablation'),
    { recursive: true },
  );
  for (let i = 0; i < 201; i++)
    cpSync(join(FIXTURES, 'nlp', 'qggl'), join(data, 'vision', `r${String(i).padStart(4, '0')}`), {
      recursive: true,
    });
  writeFileSync(join(dir, 'secret'), 'a-benchmark-session-secret-of-enough-length');
  const created = spawnSync(
    process.execPath,
    [SERVE, 'create-user', 'bench', '--admin', '--password-stdin', '--data-dir', data],
    {
      cwd: dir,
      input: `${PASSWORD}\n`,
      encoding: 'utf8',
    },
  );
  if (created.status !== 0) throw new Error(created.stderr);

  const open = start(KOBO, ['open', data, '--port', '0'], dir, /http:\/\/[^\s/]+:(\d+)\//);
  const openBase = `http://127.0.0.1:${await open.port}`;
  const openUrls = {
    runs: `${openBase}/api/projects/vision/runs`,
    scalars: `${openBase}/api/projects/vision/runs/lka9/scalars/train/loss?points=2000`,
  };
  await waitForRuns(openUrls.runs, {});
  for (const workers of [1, 2]) {
    const s = start(
      SERVE,
      [
        '--data-dir',
        data,
        '--session-secret-file',
        'secret',
        '--port',
        '0',
        '--workers',
        String(workers),
        '--log-level',
        'warn',
      ],
      dir,
      /listening on 127\.0\.0\.1:(\d+)/,
    );
    const base = `http://127.0.0.1:${await s.port}`;
    const cookie = await login(base);
    const serveUrls = {
      runs: `${base}/api/projects/bench%2Fvision/runs`,
      scalars: `${base}/api/projects/bench%2Fvision/runs/lka9/scalars/train/loss?points=2000`,
    };
    await waitForRuns(serveUrls.runs, { cookie });
    for (const what of ['runs', 'scalars']) {
      // Rounds alternate between the two servers, so that a change in the machine's load hits both alike;
      // the best round of each counts.
      let openBest = 0;
      let serveBest = 0;
      for (let round = 0; round < ROUNDS; round++) {
        openBest = Math.max(openBest, await rps(openUrls[what], {}));
        serveBest = Math.max(serveBest, await rps(serveUrls[what], { cookie }));
      }
      bench(`serve_${what}_rps_w${workers}`, serveBest, 'req/s');
      bench(`open_${what}_rps_w${workers}_round`, openBest, 'req/s');
      if (workers === 1) {
        bench(`serve_${what}_rps_cost_w1`, 100 * (1 - serveBest / openBest), '%');
        const [openMs, serveMs] = await serverTimes([openUrls[what], {}], [serveUrls[what], { cookie }]);
        bench(`open_${what}_server_ms`, openMs, 'ms');
        bench(`serve_${what}_server_ms`, serveMs, 'ms');
        bench(`serve_${what}_auth_cost`, (100 * (serveMs - openMs)) / serveMs, '%');
      }
    }
    if (workers === 1) {
      // Logins: 24 at 4 at a time (the per-address limit allows 30 per 10 minutes).
      const t0 = performance.now();
      for (let i = 0; i < 6; i++) await Promise.all([0, 1, 2, 3].map(() => login(base)));
      bench('serve_login_rps', 24 / ((performance.now() - t0) / 1000), 'req/s');
    }
    await s.stop();
  }
  await open.stop();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
