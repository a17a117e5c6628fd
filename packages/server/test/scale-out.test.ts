/**
 * Real `kobo-serve` processes (the built package, uploads written in its ingest threads):
 * - a server killed (SIGKILL) after the metric and histogram files of an upload were committed but before
 *   data/metadata.db: after a restart, the re-sent upload completes the run with no row twice;
 * - two instances on one PostgreSQL and one data dir with --shared-data-dir: both ingest one run (serialised
 *   by the run lease), the files they create use a rollback journal (no -wal), both serve the run, and an
 *   event stream resumes on the other instance from its Last-Event-ID (event ids are run_changes.seq).
 */
import { closeSync, mkdirSync, mkdtempSync, openSync, readdirSync, readSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readMetricSeries, readSteps, withReadOnly } from 'kohakuboard/storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../src/auth/passwords.js';
import { parseDbUrl } from '../src/config/resolve.js';
import { createUser } from '../src/db/accounts.js';
import { migrate, openDatabase } from '../src/db/database.js';
import { describeBackends } from './helpers/backends.js';
import { type ChildServer, startChildServer } from './helpers/child-server.js';
import { createTestDatabase, postgresAvailable, type TestDatabase } from './helpers/postgres.js';
import { writeReferenceRun } from './helpers/reference-run.js';
import { type RunContent, readRunContent, toWireJson, tsRequest } from './helpers/run-requests.js';
import { ADMIN, Client, SECRET } from './helpers/server.js';
import { readEvents } from './helpers/sse.js';
import { expectSameRun, send } from './helpers/sync-driver.js';
import { makeToken, postLog } from './helpers/uploads.js';

let refRoot = '';
let refDir = '';
let content: RunContent;
beforeAll(async () => {
  refRoot = mkdtempSync(join(tmpdir(), 'kobo-ref-'));
  refDir = await writeReferenceRun(refRoot, 'ref00002');
  content = readRunContent(refDir);
}, 120_000);
afterAll(() => rmSync(refRoot, { recursive: true, force: true }));

describeBackends('a server killed between the metric files and metadata.db', (b) => {
  let dir = '';
  const servers: ChildServer[] = [];
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'kobo-crash-'));
    mkdirSync(join(dir, 'data'));
  });
  afterAll(async () => {
    for (const s of servers) await s.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('completes the run exactly when the upload is sent again after a restart', async () => {
    const args = [
      '--data-dir',
      join(dir, 'data'),
      '--db',
      b.target().url,
      '--no-auth',
      '--scan-interval',
      '1',
    ];
    const first = await startChildServer(args, { KOBO_TEST_INGEST_KILL_AFTER: 'histograms' });
    servers.push(first);
    const body = toWireJson(tsRequest(content, 0, 150, { metadata: true }));
    await expect(postLog(first.url, 'none', 'crash', 'kill1', body)).rejects.toThrow();
    await first.exited;
    expect(first.child.signalCode).toBe('SIGKILL');
    const runDir = join(dir, 'data', 'users', 'local', 'crash', 'kill1');
    const loss = join(runDir, 'data', 'metrics', 'train__loss.db');
    expect(withReadOnly(loss, (db) => readMetricSeries(db, loss)).step.length).toBe(151);
    const md = join(runDir, 'data', 'metadata.db');
    expect(withReadOnly(md, (db) => readSteps(db)).step.length).toBe(0);

    const second = await startChildServer(args);
    servers.push(second);
    // The killed process still holds the run's lease until it expires: the client retries on run_busy.
    const r = await send(second.url, 'none', 'crash', 'kill1', body, { dir: refDir, content });
    expect(r.json.cursors.scalars['train/loss']).toBe(151);
    expectSameRun(runDir, refDir);
  });
});

/** SQLite's header says which journal a database uses: bytes 18 and 19 are 1 (rollback) or 2 (WAL). */
function journalOf(file: string): number {
  const fd = openSync(file, 'r');
  const b = Buffer.alloc(2);
  readSync(fd, b, 0, 2, 18);
  closeSync(fd);
  return b[0];
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
}

const pg = postgresAvailable();
describe.skipIf(!pg.ok)('two instances on one PostgreSQL and one data dir (--shared-data-dir)', () => {
  let dir = '';
  let database: TestDatabase | null = null;
  let a: ChildServer;
  let b: ChildServer;
  let token = '';
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kobo-shared-'));
    mkdirSync(join(dir, 'data'));
    database = await createTestDatabase();
    const db = openDatabase(parseDbUrl(database.url));
    await migrate(db);
    await createUser(db, {
      username: ADMIN.username,
      passwordHash: await hashPassword(ADMIN.password),
      isAdmin: true,
      emailVerified: true,
    });
    await db.close();
    const args = [
      '--data-dir',
      join(dir, 'data'),
      '--db',
      database.url,
      '--shared-data-dir',
      '--session-secret',
      SECRET,
      '--scan-interval',
      '1',
      '--ingest-rate',
      '1000',
    ];
    a = await startChildServer(args);
    b = await startChildServer(args);
    const admin = new Client(a.url);
    await admin.login(ADMIN.username, ADMIN.password);
    token = await makeToken(admin);
  }, 180_000);
  afterAll(async () => {
    await a?.stop();
    await b?.stop();
    await database?.drop();
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('both ingest one run, its files use a rollback journal, and both serve it', async () => {
    const ref = { dir: refDir, content };
    const urls = [a.url, b.url];
    await send(
      a.url,
      token,
      'boss%2Fshared',
      'run1',
      toWireJson(tsRequest(content, 0, 30, { metadata: true })),
      ref,
    );
    for (let from = 31, i = 1; from <= 150; from += 20, i++)
      await send(
        urls[i % 2],
        token,
        'boss%2Fshared',
        'run1',
        toWireJson(tsRequest(content, from, Math.min(150, from + 19))),
        ref,
      );
    const full = toWireJson(tsRequest(content, 0, 150));
    await Promise.all([a, b, a, b].map((s) => send(s.url, token, 'boss%2Fshared', 'run1', full, ref)));
    const runDir = join(dir, 'data', 'users', 'boss', 'shared', 'run1');
    expectSameRun(runDir, refDir);
    const dbs = filesUnder(runDir).filter((f) => f.endsWith('.db'));
    expect(dbs.length).toBeGreaterThan(5);
    for (const f of dbs) expect(journalOf(f), f).toBe(1);
    expect(filesUnder(runDir).filter((f) => f.endsWith('-wal'))).toEqual([]);
    for (const s of [a, b]) {
      const r = await new Client(s.url, token).get(
        '/api/projects/boss%2Fshared/runs/run1/scalars/train/loss',
      );
      expect(r.status).toBe(200);
      expect(r.json().steps.length).toBe(151);
    }
  });

  it('an event stream resumes on the other instance from its Last-Event-ID', async () => {
    const headers = { authorization: `Bearer ${token}` };
    const url = (s: ChildServer) => `${s.url}/api/events?project=${encodeURIComponent('boss/shared')}`;
    const body = (from: number, to: number) =>
      toWireJson(tsRequest(content, from, to, { metadata: from === 0 }));
    const seen = await readEvents(
      url(a),
      headers,
      (ev) => ev.filter((e) => e.event === 'run_data' && e.data.run_id === 'run2').length >= 2,
      30_000,
      async () => {
        expect((await postLog(b.url, token, 'boss%2Fshared', 'run2', body(0, 40))).status).toBe(200);
        expect((await postLog(b.url, token, 'boss%2Fshared', 'run2', body(41, 80))).status).toBe(200);
      },
    );
    const data = seen.filter((e) => e.event === 'run_data' && e.data.run_id === 'run2');
    expect(data[0].data.scalars['train/loss']).toEqual({ last_step: 40, count: 41 });
    expect(data[0].data.new_scalars).toContain('train/loss');
    expect(data[1].data.scalars['train/loss']).toEqual({ last_step: 80, count: 81 });
    // The same events, with the same ids, replayed by the other instance.
    const resumeFrom = data[0].id! - 1;
    const replay = await readEvents(url(b), { ...headers, 'last-event-id': String(resumeFrom) }, (ev) =>
      ev.some((e) => e.event === 'run_data' && e.id === data[1].id),
    );
    expect(replay.some((e) => e.event === 'resync')).toBe(false);
    const replayed = replay.filter((e) => e.event === 'run_data' && e.data.run_id === 'run2');
    expect(replayed.map((e) => e.id)).toEqual(data.map((e) => e.id));
    expect(replayed.map((e) => e.data.scalars)).toEqual(data.map((e) => e.data.scalars));
  });
});
