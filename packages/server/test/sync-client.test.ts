/**
 * Remote sync against a real server (SQLite, 127.0.0.1): a Board run and a Python run arrive equal to the
 * local folders (`kobo dump` of both), a second sync sends nothing, a sync cut off mid-way (before a
 * request, or after the server applied one whose answer was lost) resumes without a row twice, and a run
 * that fails is reported while the others go on. A Board with sync on uploads while it runs and finishes
 * with the server's copy complete; with the server unreachable, finish() gives up at its limit and says
 * what is left.
 */
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Board } from 'kohakuboard';
import { type FetchLike, SyncError, syncRun } from 'kohakuboard/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDbUrl } from '../src/config/resolve.js';
import { writeReferenceRun } from './helpers/reference-run.js';
import { eventually, startTestServer, type TestServer } from './helpers/server.js';
import { expectSameRun } from './helpers/sync-driver.js';
import { makeToken } from './helpers/uploads.js';
import { buildWorld, FIXTURES } from './helpers/world.js';

const KOBO = fileURLToPath(new URL('../../kohakuboard/bin/kobo.js', import.meta.url));

/** Runs `kobo` as a child, asynchronously: the server answers from this process. */
function kobo(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [KOBO, ...args],
      { encoding: 'utf8', env: { ...process.env, KOHAKU_BOARD_TOKEN: '', ...env }, timeout: 120_000 },
      (err, stdout, stderr) => {
        const code = err ? ((err as { code?: unknown }).code as number | null) : 0;
        resolve({ code: typeof code === 'number' ? code : null, stdout, stderr });
      },
    );
  });
}

/** fetch that counts requests by route. */
function countingFetch(counts: Map<string, number>, inner: FetchLike = (u, i) => fetch(u, i)): FetchLike {
  return (url, init) => {
    const route = `${init.method} ${url.split('/runs/')[1]?.split('/').slice(1).join('/')}`;
    counts.set(route, (counts.get(route) ?? 0) + 1);
    return inner(url, init);
  };
}

describe('kobo sync', () => {
  let t: TestServer;
  let root = '';
  let token = '';
  let url = '';
  const serverRun = (owner: string, project: string, runId: string) =>
    join(t.dataDir, 'users', owner, project, runId);

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'kobo-sync-client-'));
    t = await startTestServer(parseDbUrl(`sqlite:///${join(root, 'kobo.db')}`), {
      flags: { 'ingest-rate': '1000' },
    });
    const w = await buildWorld(t);
    token = await makeToken(w.alice);
    url = t.url();
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('uploads a Board run equal to the local one; a second sync sends nothing', async () => {
    const refDir = await writeReferenceRun(join(root, 'local'), 'cli00001');
    const first = await kobo(['sync', refDir, '--to', url, '--project', 'alice/synced'], {
      KOHAKU_BOARD_TOKEN: token,
    });
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/→ alice\/synced\/cli00001: \d+ rows in \d+ requests/);
    expect(first.stdout).toMatch(/1 of 1 runs synced, 0 failed/);
    expectSameRun(serverRun('alice', 'synced', 'cli00001'), refDir);
    const state = JSON.parse(readFileSync(join(refDir, 'sync_state.json'), 'utf8'));
    expect(state).toMatchObject({ run_id: 'cli00001', project: 'alice/synced', metadata_synced: true });
    expect(state.last_synced_step).toBe(150);

    const again = await kobo(['sync', refDir, '--to', url, '--project', 'alice/synced'], {
      KOHAKU_BOARD_TOKEN: token,
    });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/cli00001: up to date/);
    const counts = new Map<string, number>();
    const report = await syncRun(refDir, {
      remoteUrl: url,
      token,
      project: 'alice/synced',
      fetch: countingFetch(counts),
    });
    expect([...counts.entries()]).toEqual([]);
    expect(report.rows).toBe(0);
    expectSameRun(serverRun('alice', 'synced', 'cli00001'), refDir);
  }, 120_000);

  it('a sync cut off before a request resumes where it stopped', async () => {
    const refDir = await writeReferenceRun(join(root, 'local'), 'cut00001');
    const counts = new Map<string, number>();
    let logs = 0;
    const failing: FetchLike = (u, init) => {
      if (u.endsWith('/log') && ++logs === 4) return Promise.reject(new TypeError('fetch failed'));
      return fetch(u, init);
    };
    const options = { remoteUrl: url, token, project: 'alice/cut', maxBodyBytes: 16 * 1024, maxRetries: 0 };
    const err = await syncRun(refDir, { ...options, fetch: failing }).catch((e) => e);
    expect(err).toBeInstanceOf(SyncError);
    expect((err as SyncError).code).toBe('network');
    const partial = JSON.parse(readFileSync(join(refDir, 'sync_state.json'), 'utf8'));
    expect(partial.metadata_synced).toBe(true);
    // KDEs come last: the cut came before them.
    expect(partial.cursors.kernel_density).toBe(0);

    const report = await syncRun(refDir, { ...options, fetch: countingFetch(counts) });
    expect(report.requests).toBeGreaterThan(0);
    expectSameRun(serverRun('alice', 'cut', 'cut00001'), refDir);
  }, 120_000);

  it('an answer lost after the server applied the request is sent again without a row twice', async () => {
    const refDir = await writeReferenceRun(join(root, 'local'), 'lost0001');
    let logs = 0;
    const losing: FetchLike = async (u, init) => {
      const res = await fetch(u, init);
      if (u.endsWith('/log') && ++logs === 3) {
        await res.text();
        throw new TypeError('fetch failed: the connection was reset');
      }
      return res;
    };
    const options = { remoteUrl: url, token, project: 'alice/lost', maxBodyBytes: 16 * 1024, maxRetries: 0 };
    await expect(syncRun(refDir, { ...options, fetch: losing })).rejects.toBeInstanceOf(SyncError);
    await syncRun(refDir, options);
    expectSameRun(serverRun('alice', 'lost', 'lost0001'), refDir);
  }, 120_000);

  it('retries a refused request after Retry-After and loses nothing', async () => {
    const refDir = await writeReferenceRun(join(root, 'local'), 'busy0001', 40);
    let logs = 0;
    const busy: FetchLike = (u, init) => {
      if (u.endsWith('/log') && ++logs === 2)
        return Promise.resolve(
          new Response(JSON.stringify({ detail: { error: 'busy', code: 'server_busy' } }), {
            status: 503,
            headers: { 'retry-after': '0' },
          }),
        );
      return fetch(u, init);
    };
    const warnings: string[] = [];
    await syncRun(refDir, {
      remoteUrl: url,
      token,
      project: 'alice/busy',
      maxBodyBytes: 16 * 1024,
      maxRetries: 2,
      fetch: busy,
      onWarning: (m) => warnings.push(m),
    });
    expect(warnings.some((w) => w.includes('503 server_busy'))).toBe(true);
    expectSameRun(serverRun('alice', 'busy', 'busy0001'), refDir);
  }, 120_000);

  it('a request refused as too large is cut smaller and everything arrives', async () => {
    const refDir = await writeReferenceRun(join(root, 'local'), 'big00001');
    const sizes: number[] = [];
    // A server whose body limit is 70 KB: larger bodies get its 413.
    const limited: FetchLike = (u, init) => {
      if (u.endsWith('/log')) {
        const size = Buffer.byteLength(String(init.body));
        sizes.push(size);
        if (size > 70_000)
          return Promise.resolve(
            new Response(JSON.stringify({ detail: { error: 'too large', code: 'too_large' } }), {
              status: 413,
            }),
          );
      }
      return fetch(u, init);
    };
    const warnings: string[] = [];
    await syncRun(refDir, {
      remoteUrl: url,
      token,
      project: 'alice/big',
      maxBodyBytes: 256 * 1024,
      maxRetries: 0,
      fetch: limited,
      onWarning: (m) => warnings.push(m),
    });
    expect(sizes.some((s) => s > 70_000)).toBe(true);
    expect(warnings.some((w) => w.includes('sending at most'))).toBe(true);
    expectSameRun(serverRun('alice', 'big', 'big00001'), refDir);
  }, 120_000);

  it('uploads a run the Python client wrote', async () => {
    const dir = join(root, 'python', 'lka9');
    mkdirSync(join(root, 'python'), { recursive: true });
    cpSync(join(FIXTURES, 'vision', 'lka9'), dir, { recursive: true });
    const r = await kobo(['sync', dir, '--to', url], { KOHAKU_BOARD_TOKEN: token });
    expect(r.code, r.stderr).toBe(0);
    // The run's own project, under the token's user.
    expectSameRun(serverRun('alice', 'vision', 'lka9'), dir);
  }, 120_000);

  it('a bad token fails every run with a clear error; a failing run does not stop the others', async () => {
    const a = await writeReferenceRun(join(root, 'local'), 'tok00001', 10);
    const b = await writeReferenceRun(join(root, 'local'), 'tok00002', 10);
    const tokenFile = join(root, 'bad-token');
    writeFileSync(tokenFile, 'kobo_not_a_real_token\n');
    const bad = await kobo(['sync', a, b, '--to', url, '--token-file', tokenFile, '--project', 'alice/tok']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain(`${a}: failed: POST /log to ${url}: 401 invalid_token`);
    expect(bad.stderr).toContain(`${b}: failed: POST /log to ${url}: 401 invalid_token`);
    expect(bad.stdout).toMatch(/0 of 2 runs synced, 2 failed/);
    expect(existsSync(serverRun('alice', 'tok', 'tok00001'))).toBe(false);

    const notARun = join(root, 'not-a-run');
    mkdirSync(notARun);
    const mixed = await kobo(['sync', notARun, a, '--to', url, '--token', token, '--project', 'alice/tok']);
    expect(mixed.code).toBe(1);
    expect(mixed.stderr).toContain('visible to other users');
    expect(mixed.stderr).toContain(`${notARun}: failed: ${notARun} is not a run folder`);
    expect(mixed.stdout).toMatch(/1 of 2 runs synced, 1 failed/);
    expectSameRun(serverRun('alice', 'tok', 'tok00001'), a);
  }, 120_000);

  it('without a token it says where to put one', async () => {
    const r = await kobo(['sync', root, '--to', url]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('needs a token: --token-file FILE, KOHAKU_BOARD_TOKEN or --token');
    const help = await kobo(['sync', '--help']);
    expect(help.code).toBe(0);
    for (const option of ['--to <url>', '--token-file <file>', '--token <token>', '--project <owner/name>'])
      expect(help.stdout).toContain(option);
    expect((await kobo(['--help'])).stdout).toMatch(/sync \[options\] <run_dir\.\.\.>/);
  });

  it('a data folder or a project folder stands for every run inside', async () => {
    const base = join(root, 'many-data');
    const dirs: string[] = [];
    for (const runId of ['many0001', 'many0002']) {
      const b = new Board({
        baseDir: base,
        project: 'many',
        runId,
        captureOutput: false,
        handleSignals: false,
      });
      for (let s = 0; s < 25; s++) b.log({ 'train/loss': s * 2 });
      await b.finish();
      dirs.push(b.boardDir);
    }
    const first = await kobo(['sync', base, '--to', url, '--project', 'alice/many'], {
      KOHAKU_BOARD_TOKEN: token,
    });
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toContain(`${base}: a data folder with 2 runs`);
    expect(first.stdout).toContain('2 of 2 runs synced, 0 failed; 50 rows');
    for (const d of dirs) expectSameRun(serverRun('alice', 'many', d.split('/').pop() as string), d);
    const again = await kobo(['sync', join(base, 'many'), '--to', url, '--project', 'alice/many'], {
      KOHAKU_BOARD_TOKEN: token,
    });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain('a project folder with 2 runs');
    expect(again.stdout).toContain('2 of 2 runs synced, 0 failed; 0 rows');
  }, 120_000);

  it('a Board with sync on uploads while it runs; after finish() the server holds the whole run', async () => {
    const board = new Board({
      baseDir: join(root, 'live'),
      project: 'live',
      runId: 'live0001',
      captureOutput: false,
      handleSignals: false,
      syncEnabled: true,
      remoteUrl: `${url}/`,
      remoteToken: token,
      remoteProject: 'alice/live',
      syncInterval: 0.2,
    });
    const remote = serverRun('alice', 'live', 'live0001');
    for (let s = 0; s < 40; s++) {
      board.log({ 'train/loss': 1 / (s + 1), 'val/odd': s % 7 === 3 ? Number.NaN : s });
      await board.flush();
    }
    // Uploaded before the run ends.
    await eventually(async () =>
      expect(existsSync(join(remote, 'data', 'metrics', 'train__loss.db'))).toBe(true),
    );
    for (let s = 40; s < 80; s++) board.log({ 'train/loss': 1 / (s + 1), 'val/odd': s });
    await board.finish();
    expectSameRun(remote, board.boardDir);
    const remoteMeta = JSON.parse(readFileSync(join(remote, 'metadata.json'), 'utf8'));
    expect(remoteMeta.status).toBe('finished');
    const boardLog = readFileSync(join(board.boardDir, 'logs', 'board.log'), 'utf8');
    expect(boardLog).toContain('Remote sync complete');
  }, 120_000);

  it('with the server unreachable, finish() ends at its limit and says what is left', async () => {
    const board = new Board({
      baseDir: join(root, 'live'),
      project: 'live',
      runId: 'gone0001',
      captureOutput: false,
      handleSignals: false,
      syncEnabled: true,
      // Nothing listens on the discard port of the loopback interface.
      remoteUrl: 'http://127.0.0.1:9',
      remoteToken: token,
      syncInterval: 0.2,
      [Symbol.for('kohakuboard.internalHooks')]: { finalSyncTimeoutMs: 1500 },
    } as ConstructorParameters<typeof Board>[0]);
    for (let s = 0; s < 30; s++) board.log({ 'train/loss': s });
    await board.finish();
    const boardLog = readFileSync(join(board.boardDir, 'logs', 'board.log'), 'utf8');
    expect(boardLog).toContain('Remote sync did not complete');
    expect(boardLog).toMatch(/30 rows are not on the server yet; they stay in .*gone0001/);
    // The run is complete locally, and a later kobo sync can upload it.
    const r = await kobo(['sync', board.boardDir, '--to', url, '--project', 'alice/gone'], {
      KOHAKU_BOARD_TOKEN: token,
    });
    expect(r.code, r.stderr).toBe(0);
    expectSameRun(serverRun('alice', 'gone', 'gone0001'), board.boardDir);
  }, 120_000);
});
