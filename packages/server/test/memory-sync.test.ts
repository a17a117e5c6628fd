/**
 * Memory mode with remote sync (docs/sync.md#memory-mode-with-sync) against a real server (SQLite,
 * 127.0.0.1): nothing reaches the local disk, the server's copy holds exactly what a disk-mode twin of the
 * run stores (`kobo dump` of both, timestamps aside), rows logged while the server is away wait in memory
 * and arrive, and when the server never answers, finish() ends at its limit and the process says how
 * many rows were lost before it exits.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Board, Histogram, KernelDensity, Media, Table, TensorLog } from 'kohakuboard';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDbUrl } from '../src/config/resolve.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { koboDump, makeToken } from './helpers/uploads.js';
import { buildWorld } from './helpers/world.js';

const KOHAKUBOARD = fileURLToPath(new URL('../../kohakuboard/dist/index.js', import.meta.url));

/** The same values for a memory-mode run and its disk-mode twin; awaits now and then so that syncs happen. */
async function logRun(board: Board, steps: number): Promise<void> {
  for (let s = 0; s < steps; s++) {
    board.log({ 'train/loss': 1 / (s + 1), 'val/odd': s % 7 === 3 ? Number.NaN : s * 0.5 });
    if (s % 250 === 0) {
      const px = new Uint8Array(6 * 5 * 3).map((_, i) => (i * 7 + s) % 256);
      board.log(
        {
          'weights/w': new Histogram(Array.from({ length: 200 }, (_, i) => Math.sin(i + s))),
          'samples/img': new Media({ data: px, width: 6, height: 5, channels: 3 }, { caption: `s${s}` }),
          'eval/table': new Table([
            [s, 'a'],
            [s + 1, 'b'],
          ]),
          'acts/t': new TensorLog(Float32Array.from({ length: 12 }, (_, i) => i * s)),
          'acts/kde': new KernelDensity({ values: Array.from({ length: 50 }, (_, i) => (i * s) % 17) }),
        },
        { autoStep: false },
      );
      // The same image again: its blob is stored once.
      if (s === 500)
        board.log(
          { 'samples/again': new Media({ data: px, width: 6, height: 5, channels: 3 }) },
          { autoStep: false },
        );
      await new Promise((r) => setTimeout(r, 300));
    }
  }
}

/** A dump without what two runs of the same values legitimately differ in. */
function comparable(runDir: string): unknown {
  const d = koboDump(runDir) as Record<string, unknown>;
  const strip = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(strip);
    if (v && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) if (k !== 'timestamp') out[k] = strip(x);
      if (out.sha256_le && typeof out.sha256_le === 'object') {
        const { timestamp: _t, ...rest } = out.sha256_le as Record<string, unknown>;
        out.sha256_le = rest;
      }
      return out;
    }
    return v;
  };
  const { metadata: _m, board_id: _b, layout: _l, wal_files: _w, output_log: _o, ...rest } = d;
  return strip(rest);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

describe('memory mode with remote sync', () => {
  let t: TestServer;
  let root = '';
  let token = '';
  const serverRun = (project: string, runId: string) => join(t.dataDir, 'users', 'alice', project, runId);

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'kobo-memory-sync-'));
    t = await startTestServer(parseDbUrl(`sqlite:///${join(root, 'kobo.db')}`), {
      flags: { 'ingest-rate': '1000' },
    });
    const w = await buildWorld(t);
    token = await makeToken(w.alice);
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('writes nothing locally; the server holds exactly what a disk-mode twin stores, logs included', async () => {
    const base = join(root, 'mem');
    const board = new Board({
      baseDir: base,
      project: 'mem',
      runId: 'mem00001',
      memoryMode: true,
      captureOutput: false,
      handleSignals: false,
      syncEnabled: true,
      remoteUrl: t.url(),
      remoteToken: token,
      remoteProject: 'alice/mem',
      syncInterval: 5,
      // Samples of the machine differ between two runs.
      systemMetrics: false,
    });
    const twin = new Board({
      baseDir: join(root, 'twin'),
      project: 'mem',
      runId: 'twin0001',
      captureOutput: false,
      handleSignals: false,
      systemMetrics: false,
    });
    await Promise.all([logRun(board, 3000), logRun(twin, 3000)]);
    await Promise.all([board.finish(), twin.finish()]);

    expect(existsSync(base)).toBe(false);
    const remote = serverRun('mem', 'mem00001');
    expect(comparable(remote)).toEqual(comparable(twin.boardDir));
    const meta = JSON.parse(readFileSync(join(remote, 'metadata.json'), 'utf8'));
    expect(meta.status).toBe('finished');
    expect(meta.finished_at).not.toBeNull();
    // The rows went in several requests (every 0.25 s, not at syncInterval), each dropped from memory once
    // handed over: the server's copy is whole only if the offsets survived every drop.
    const writerLog = readFileSync(join(remote, 'logs', 'writer.log'), 'utf8');
    expect(writerLog.match(/Handed \d+ bytes of databases/g)?.length ?? 0).toBeGreaterThanOrEqual(3);
    const boardLog = readFileSync(join(remote, 'logs', 'board.log'), 'utf8');
    expect(boardLog).toContain('memory mode: the server holds the only copy');
    expect(writerLog).toContain('Writer finished');
  }, 120_000);

  it('rows logged while the server is away wait in memory and arrive when it comes', async () => {
    const port = await freePort();
    const board = new Board({
      baseDir: join(root, 'away'),
      project: 'away',
      runId: 'away0001',
      memoryMode: true,
      captureOutput: false,
      handleSignals: false,
      syncEnabled: true,
      remoteUrl: `http://127.0.0.1:${port}`,
      remoteToken: token,
      remoteProject: 'away',
      syncInterval: 0.1,
    });
    for (let s = 0; s < 500; s++) board.log({ 'train/loss': s });
    await board.flush();
    // Several packages are made and refused while nothing listens.
    await new Promise((r) => setTimeout(r, 1500));
    const late = await startTestServer(parseDbUrl(`sqlite:///${join(root, 'late.db')}`), {
      flags: { port: String(port), 'no-auth': true },
    });
    try {
      for (let s = 500; s < 1000; s++) board.log({ 'train/loss': s });
      await board.finish();
      const d = koboDump(join(late.dataDir, 'users', 'local', 'away', 'away0001')) as {
        metrics: Record<string, { step: number[]; value: number[] }>;
      };
      const m = d.metrics['train/loss'];
      expect(m.step).toEqual(Array.from({ length: 1000 }, (_, i) => i));
      expect(m.value).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    } finally {
      await late.close();
    }
  }, 120_000);

  it('with the server unreachable, finish() ends at its limit and the process says what was lost', async () => {
    const script = join(root, 'unreachable.mjs');
    writeFileSync(
      script,
      `import { Board } from ${JSON.stringify(KOHAKUBOARD)};
const board = new Board({
  baseDir: ${JSON.stringify(join(root, 'gone'))}, project: 'gone', memoryMode: true, captureOutput: false,
  syncEnabled: true, remoteUrl: 'http://127.0.0.1:9', remoteToken: 't', syncInterval: 0.1,
  [Symbol.for('kohakuboard.internalHooks')]: { finalSyncTimeoutMs: 1500 },
});
for (let s = 0; s < 40; s++) board.log({ 'train/loss': s });
await board.finish();
console.log('finished');
`,
    );
    const r = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
      execFile(process.execPath, [script], { encoding: 'utf8', timeout: 60_000 }, (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, stdout, stderr }),
      ),
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('finished');
    expect(r.stderr).toMatch(/Remote sync did not complete: .*40 rows did not reach http:\/\/127\.0\.0\.1:9/);
    expect(r.stderr).toContain('they are lost');
    expect(existsSync(join(root, 'gone'))).toBe(false);
  }, 90_000);
});
