/**
 * Live sync under faults, everything in child processes: a training script (the built `kohakuboard`
 * package, sync every 0.2 s) uploads to `kobo-serve --no-auth` (SQLite), and after each fault the server's
 * copy of the run equals the local run folder (`kobo dump` of both, see sync-driver.ts) with every row
 * exactly once: the server stopped and restarted three times during a 50,000-step run (SIGTERM while a
 * request is in flight, SIGKILL as an answer comes back, SIGKILL inside an upload after the metric files
 * were written and before data/metadata.db); the network path cut for 10 s (the first request in the cut applied
 * but its answer lost, the rest refused); the training process killed with SIGKILL, then `kobo sync`.
 * And, in this process, the sync core cut off between an acknowledged /log and its blob upload.
 */
import { type ChildProcess, execFile, fork } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readMetricSeries, readSteps, withReadOnly } from 'kohakuboard/storage';
import { type FetchLike, syncRun } from 'kohakuboard/sync';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type ChildServer, startChildServer } from './helpers/child-server.js';
import { type FaultProxy, startFaultProxy } from './helpers/fault-proxy.js';
import { writeReferenceRun } from './helpers/reference-run.js';
import { eventually } from './helpers/server.js';
import { comparableDump, expectSameRun } from './helpers/sync-driver.js';

const TRAINER = fileURLToPath(new URL('./helpers/live-sync-trainer.mjs', import.meta.url));
const KOBO = fileURLToPath(new URL('../../kohakuboard/bin/kobo.js', import.meta.url));
const METRICS = ['lr', 'train/acc', 'train/loss'];

/** The training script as a child process, logging up to the steps it is told. */
class Trainer {
  at = 0;
  boardDir = '';
  finished = false;
  output = '';
  readonly exited: Promise<void>;
  private constructor(readonly child: ChildProcess) {
    const keep = (d: Buffer) => {
      this.output += String(d);
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    child.on('message', (m: { at?: number; ready?: string; finished?: boolean }) => {
      if (typeof m.at === 'number') this.at = m.at;
      if (m.ready) this.boardDir = m.ready;
      if (m.finished) this.finished = true;
    });
    this.exited = new Promise((r) => child.once('exit', () => r()));
  }

  static async start(baseDir: string, runId: string, remoteUrl: string): Promise<Trainer> {
    const child = fork(TRAINER, [baseDir, runId, remoteUrl], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
    const t = new Trainer(child);
    await eventually(async () => expect(t.boardDir).not.toBe(''), 60_000);
    return t;
  }

  logTo(step: number): void {
    this.child.send({ to: step });
  }

  async reached(step: number): Promise<void> {
    await eventually(async () => expect(this.at).toBeGreaterThanOrEqual(step), 60_000);
  }

  /** finish() in the child: the writer closes, then the last sync (at most 30 s). */
  async finish(): Promise<void> {
    this.child.send({ finish: true });
    await this.exited;
    expect(this.finished, this.output).toBe(true);
  }

  async kill(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    await this.exited;
  }
}

/** Rows of `train/loss` the server acknowledged, from the run's sync state (0 before the first sync). */
function syncedRows(boardDir: string): number {
  try {
    const state = JSON.parse(readFileSync(join(boardDir, 'sync_state.json'), 'utf8'));
    return state.cursors?.metrics?.train__loss ?? 0;
  } catch {
    return 0;
  }
}

/** Rows committed in a metric file. */
function metricRows(file: string): number {
  return withReadOnly(file, (db) => readMetricSeries(db, file)).step.length;
}

async function waitSynced(boardDir: string, rows: number, timeoutMs = 90_000): Promise<void> {
  await eventually(async () => expect(syncedRows(boardDir)).toBeGreaterThanOrEqual(rows), timeoutMs);
}

function kobo(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [KOBO, ...args],
      {
        encoding: 'utf8',
        env: { ...process.env, KOHAKU_BOARD_TOKEN: 'unused-without-auth' },
        timeout: 120_000,
      },
      (err, stdout, stderr) => {
        const code = err ? ((err as { code?: unknown }).code as number | null) : 0;
        resolve({ code: typeof code === 'number' ? code : null, stdout, stderr });
      },
    );
  });
}

/** Rejects when `promise` has not settled within `ms`. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: nothing within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

type Dump = Record<string, unknown>;
type Counts = { steps: number; metrics: Record<string, number>; media: number };

function rowCounts(dump: Dump): Counts {
  const metrics = dump.metrics as Record<string, { count: number }>;
  return {
    steps: (dump.steps as { count: number }).count,
    metrics: Object.fromEntries(Object.entries(metrics).map(([name, m]) => [name, m.count])),
    media: (dump.media as unknown[]).length,
  };
}

/**
 * The dump without the blobs that no media row names. A writer killed with SIGKILL may have committed
 * blobs whose media rows it had not committed yet: nothing refers to them, and the server stores only the
 * blobs its media rows name (docs/server.md#media-upload).
 */
function withoutUnreferencedBlobs(dump: Dump): { dump: Dump; dropped: string[] } {
  const named = new Set((dump.media as Array<{ blob_key: string }>).map((m) => m.blob_key));
  const kvault = dump.kvault as Record<string, Record<string, unknown>>;
  const blobs = kvault['media/blobs.db'] ?? {};
  const dropped = Object.keys(blobs).filter((key) => !named.has(key));
  const kept = Object.fromEntries(Object.entries(blobs).filter(([key]) => named.has(key)));
  return { dump: { ...dump, kvault: { ...kvault, 'media/blobs.db': kept } }, dropped };
}

/**
 * The server's copy equals the local run (`kobo dump` of both, row counts first for a short message when
 * they differ); returns the server's dump. `killed`: the local run's
 * writer was killed, so blobs without their media rows may lie in it (see withoutUnreferencedBlobs).
 */
function expectServerCopyEqual(serverRunDir: string, localRunDir: string, killed = false): Dump {
  const remote = comparableDump(serverRunDir);
  let local = comparableDump(localRunDir);
  if (killed) {
    local = withoutUnreferencedBlobs(local).dump;
    expect(withoutUnreferencedBlobs(remote).dropped).toEqual([]);
  }
  expect(rowCounts(remote)).toEqual(rowCounts(local));
  expect(remote).toEqual(local);
  return remote;
}

/** The training script's rows (the board's own system metrics left aside). */
const trainingRows = (c: Counts): Counts => ({
  ...c,
  metrics: Object.fromEntries(METRICS.map((m) => [m, c.metrics[m]])),
});

/** Every step logged once: 50,000 steps give 50,000 rows of each training metric and 20 images. */
const countsOf = (steps: number): Counts => ({
  steps,
  metrics: Object.fromEntries(METRICS.map((m) => [m, steps])),
  media: Math.ceil(steps / 2500),
});

describe('live sync under faults', () => {
  let root = '';
  let dataDir = '';
  let localDir = '';
  let port = 0;
  let server: ChildServer | null = null;
  let proxy: FaultProxy | null = null;
  const trainers: Trainer[] = [];
  const serverRun = (runId: string) => join(dataDir, 'users', 'local', 'faults', runId);

  /** kobo-serve on the test's port (port 0 the first time); a port not yet free is tried again. */
  async function startServer(env: Record<string, string> = {}): Promise<void> {
    const args = ['--no-auth', '--data-dir', dataDir, '--host', '127.0.0.1', '--port', String(port)];
    for (let attempt = 0; ; attempt++) {
      try {
        server = await startChildServer(args, env);
        port = Number(new URL(server.url).port);
        return;
      } catch (err) {
        if (attempt >= 20 || !String(err).includes('EADDRINUSE')) throw err;
        await new Promise((r) => setTimeout(r, 250));
      }
    }
  }

  async function stopServer(signal: 'SIGTERM' | 'SIGKILL'): Promise<void> {
    const s = server!;
    server = null;
    s.child.kill(signal);
    await s.exited;
  }

  const startTrainer = async (runId: string, url: string) => {
    const t = await Trainer.start(localDir, runId, url);
    trainers.push(t);
    return t;
  };

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'kobo-live-faults-'));
    dataDir = join(root, 'server');
    localDir = join(root, 'local');
    await startServer();
  }, 120_000);
  afterEach(async () => {
    for (const t of trainers.splice(0)) await t.kill();
    await proxy?.close();
    proxy = null;
    if (!server) await startServer();
  });
  afterAll(async () => {
    if (server) await stopServer('SIGTERM');
    rmSync(root, { recursive: true, force: true });
  });

  it('a 50,000-step run survives three server restarts with every row once', async () => {
    // Through a pass-through proxy, only to see when a request is in flight or an answer comes back.
    proxy = await startFaultProxy(port);
    const trainer = await startTrainer('restart1', proxy.url);
    const remote = serverRun('restart1');

    // 1. SIGTERM while a request is in flight (more is logged meanwhile, so a request follows).
    trainer.logTo(6_250);
    await waitSynced(trainer.boardDir, 2_500);
    const request = proxy.nextRequest();
    trainer.logTo(12_500);
    await within(request, 60_000, 'a request');
    await stopServer('SIGTERM');
    await trainer.reached(12_500); // logging goes on while the server is away
    await startServer();
    await waitSynced(trainer.boardDir, 12_500);

    // 2. SIGKILL just as an answer comes back.
    trainer.logTo(18_750);
    await waitSynced(trainer.boardDir, 15_000);
    const answer = proxy.nextAnswer();
    trainer.logTo(25_000);
    await within(answer, 60_000, 'an answer');
    await stopServer('SIGKILL');
    await trainer.reached(25_000);

    // 3. Restarted with the crash point: the server kills itself (SIGKILL) inside the next upload, after
    // the metric files committed and before data/metadata.db; the dead process still holds the run's lease
    // until it expires, so the next server answers run_busy for a while. Steps committed while no server
    // runs make sure that upload carries metric rows.
    trainer.logTo(31_250);
    const localLoss = join(trainer.boardDir, 'data', 'metrics', 'train__loss.db');
    await eventually(async () => expect(metricRows(localLoss)).toBe(31_250), 60_000);
    await startServer({ KOBO_TEST_INGEST_KILL_AFTER: 'scalars' });
    const crashed = server!;
    await within(crashed.exited, 60_000, 'the crash inside an upload');
    server = null;
    expect(crashed.child.signalCode).toBe('SIGKILL');
    const metadataDb = join(remote, 'data', 'metadata.db');
    const storedSteps = withReadOnly(metadataDb, (db) => readSteps(db)).step.length;
    expect(metricRows(join(remote, 'data', 'metrics', 'train__loss.db'))).toBeGreaterThan(storedSteps);
    trainer.logTo(37_500);
    await startServer();
    await waitSynced(trainer.boardDir, 37_500);

    trainer.logTo(50_000);
    await trainer.finish();
    expect(trainingRows(rowCounts(expectServerCopyEqual(remote, trainer.boardDir)))).toEqual(
      countsOf(50_000),
    );
    const boardLog = readFileSync(join(trainer.boardDir, 'logs', 'board.log'), 'utf8');
    expect(boardLog).toContain('Remote sync failed');
    expect(boardLog).toContain('Remote sync complete');
    expect(JSON.parse(readFileSync(join(remote, 'metadata.json'), 'utf8')).status).toBe('finished');
  }, 240_000);

  it('a network path cut for 10 s: the answer lost in the cut and the refused requests cost no row', async () => {
    proxy = await startFaultProxy(port);
    const trainer = await startTrainer('cut1', proxy.url);
    trainer.logTo(10_000);
    await waitSynced(trainer.boardDir, 10_000);
    proxy.cut();
    const cutAt = Date.now();
    trainer.logTo(20_000);
    await eventually(async () => {
      expect(proxy!.answersDropped).toBe(1);
      expect(proxy!.refused).toBeGreaterThan(0);
    }, 10_000);
    await new Promise((r) => setTimeout(r, Math.max(0, cutAt + 10_000 - Date.now())));
    proxy.heal();
    await waitSynced(trainer.boardDir, 20_000);
    trainer.logTo(30_000);
    await trainer.finish();
    expect(trainingRows(rowCounts(expectServerCopyEqual(serverRun('cut1'), trainer.boardDir)))).toEqual(
      countsOf(30_000),
    );
  }, 180_000);

  it('a training process killed with SIGKILL: kobo sync uploads the rest, and a second kobo sync nothing', async () => {
    const url = server!.url;
    const trainer = await startTrainer('killed1', url);
    trainer.logTo(20_000);
    await waitSynced(trainer.boardDir, 20_000);
    trainer.logTo(40_000);
    await trainer.reached(30_000);
    await trainer.kill();
    const synced = syncedRows(trainer.boardDir);
    expect(synced).toBeGreaterThanOrEqual(20_000);

    const first = await kobo(['sync', trainer.boardDir, '--to', url, '--no-progress']);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/1 of 1 runs synced, 0 failed/);
    const uploaded = expectServerCopyEqual(serverRun('killed1'), trainer.boardDir, true);
    expect(rowCounts(uploaded).steps).toBeGreaterThanOrEqual(20_000);
    const again = await kobo(['sync', trainer.boardDir, '--to', url, '--no-progress']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/killed1: up to date/);
    expect(comparableDump(serverRun('killed1'))).toEqual(uploaded);
  }, 120_000);

  it('a blob upload cut off after its /log was acknowledged is sent by the next sync', async () => {
    const refDir = await writeReferenceRun(join(root, 'reference'), 'blobs1', 50);
    const url = server!.url;
    const options = { remoteUrl: url, token: 'unused-without-auth', project: 'faults', maxRetries: 0 };
    const cut: FetchLike = (u, init) =>
      u.endsWith('/media') ? Promise.reject(new TypeError('fetch failed')) : fetch(u, init);
    await expect(syncRun(refDir, { ...options, fetch: cut })).rejects.toMatchObject({ code: 'network' });
    const report = await syncRun(refDir, options);
    expect(report.mediaUploaded).toBeGreaterThan(0);
    expect(report.missingMedia).toEqual([]);
    expectSameRun(serverRun('blobs1'), refDir);
  });
});
