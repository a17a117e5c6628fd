/**
 * Uploads end to end, on SQLite and PostgreSQL: a first request creates the run under
 * users/<owner>/<project>/, what was sent reads back through the read API, media blobs are checked against
 * their names and their rows, log files are replaced, and callers without the right get nothing.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Board } from 'kohakuboard';
import { mediaHash } from 'kohakuboard/storage';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeBackends } from './helpers/backends.js';
import { ADMIN, Client, startTestServer, type TestServer } from './helpers/server.js';
import { readEvents } from './helpers/sse.js';
import { makeToken, postLog, postMedia, putLog, runMetadata } from './helpers/uploads.js';
import { buildWorld, type World } from './helpers/world.js';

const PNG = Buffer.from(
  '89504e470d0a1a0a0000000d4948445200000001000000010806000000' +
    '1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082',
  'hex',
);

describeBackends('uploads', (b) => {
  let t: TestServer;
  let w: World;
  let token = '';
  beforeAll(async () => {
    t = await startTestServer(b.target());
    w = await buildWorld(t);
    token = await makeToken(w.alice);
  });
  afterAll(async () => t?.close());

  it('a first request creates the run; rows read back; a re-send adds nothing', async () => {
    const body = {
      sync_range: { start_step: 0, end_step: 2 },
      steps: [
        { step: 0, global_step: 0, timestamp: 1738137600000 },
        { step: 1, global_step: 10, timestamp: 1738137601000 },
        { step: 2, global_step: 20, timestamp: 1738137602000 },
      ],
      scalars: {
        'train/loss': [
          { step: 0, value: 1.5 },
          { step: 1, value: 1.25 },
          { step: 2, value: 1 },
        ],
      },
      metadata: runMetadata('abcd1234'),
    };
    const r = await postLog(t.url(), token, 'alice%2Fmnist', 'abcd1234', body);
    expect(r.status, r.text).toBe(200);
    expect(r.json.status).toBe('synced');
    expect(r.json.run).toEqual({ project: 'alice/mnist', run_id: 'abcd1234', created: true });
    expect(r.json.cursors.scalars).toEqual({ 'train/loss': 3 });
    expect(r.json.cursors.last_step).toBe(2);
    expect(existsSync(join(t.dataDir, 'users', 'alice', 'mnist', 'abcd1234', 'metadata.json'))).toBe(true);
    const again = await postLog(t.url(), token, 'alice%2Fmnist', 'abcd1234', body);
    expect(again.status, again.text).toBe(200);
    expect(again.json.run.created).toBe(false);
    expect(again.json.cursors.scalars).toEqual({ 'train/loss': 3 });
    const s = await w.alice.get('/api/projects/alice%2Fmnist/runs/abcd1234/scalars/train/loss');
    expect(s.status, s.text).toBe(200);
    expect(s.json().steps).toEqual([0, 1, 2]);
    expect(s.json().values).toEqual([1.5, 1.25, 1]);
    expect(s.json().global_steps).toEqual([0, 10, 20]);
  });

  it('media blobs are checked against their hash and their rows', async () => {
    const hash = mediaHash(PNG);
    const r = await postLog(t.url(), token, 'alice%2Fmnist', 'abcd1234', {
      sync_range: { start_step: 3, end_step: 3 },
      steps: [{ step: 3, global_step: 30, timestamp: 1738137603000 }],
      media: [
        {
          id: 1,
          media_hash: hash,
          format: 'png',
          step: 3,
          global_step: 30,
          name: 'samples',
          caption: 'one pixel',
          type: 'image',
          width: 1,
          height: 1,
          size_bytes: PNG.length,
        },
      ],
    });
    expect(r.status, r.text).toBe(200);
    expect(r.json.missing_media).toEqual([hash]);
    const wrong = await postMedia(t.url(), token, 'alice%2Fmnist', 'abcd1234', [
      { name: `${hash}.png`, bytes: Buffer.concat([PNG, Buffer.from([0])]) },
      { name: `${'a'.repeat(22)}.png`, bytes: PNG },
    ]);
    expect(wrong.status, wrong.text).toBe(422);
    expect(wrong.json.detail.code).toBe('media_rejected');
    expect(wrong.json.detail.results.rejected).toEqual([
      { filename: `${hash}.png`, code: 'hash_mismatch' },
      { filename: `${'a'.repeat(22)}.png`, code: 'not_referenced' },
    ]);
    const missing = await w.alice.get(`/api/projects/alice%2Fmnist/runs/abcd1234/media/files/${hash}.png`);
    expect(missing.status).toBe(404);
    const ok = await postMedia(t.url(), token, 'alice%2Fmnist', 'abcd1234', [
      { name: `${hash}.png`, bytes: PNG },
    ]);
    expect(ok.status, ok.text).toBe(200);
    expect(ok.json).toMatchObject({
      status: 'uploaded',
      uploaded_count: 1,
      uploaded_hashes: [hash],
      skipped_count: 0,
    });
    const got = await fetch(`${t.url()}/api/projects/alice%2Fmnist/runs/abcd1234/media/files/${hash}.png`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(got.status).toBe(200);
    expect(Buffer.from(await got.arrayBuffer()).equals(PNG)).toBe(true);
    const next = await postLog(t.url(), token, 'alice%2Fmnist', 'abcd1234', {
      sync_range: { start_step: 4, end_step: 3 },
    });
    expect(next.json.missing_media).toEqual([]);
  });

  it('log files are replaced whole and their hashes reported', async () => {
    const r = await putLog(t.url(), token, 'alice%2Fmnist', 'abcd1234', 'output.log', 'hello\nworld\n', null);
    expect(r.status, r.text).toBe(200);
    expect(r.json).toMatchObject({ status: 'success', filename: 'output.log', size: 12 });
    const path = join(t.dataDir, 'users', 'alice', 'mnist', 'abcd1234', 'logs', 'output.log');
    expect(readFileSync(path, 'utf8')).toBe('hello\nworld\n');
    const bad = await putLog(t.url(), token, 'alice%2Fmnist', 'abcd1234', 'evil.log', 'x');
    expect(bad.status).toBe(400);
    expect(bad.json.detail.code).toBe('invalid_log_filename');
    const next = await postLog(t.url(), token, 'alice%2Fmnist', 'abcd1234', {
      sync_range: { start_step: 4, end_step: 3 },
    });
    expect(next.json.log_hashes['output.log']).toBe(r.json.hash);
  });

  it('an uploaded run appears and grows live: its events say which series grew', async () => {
    const headers = { authorization: `Bearer ${token}` };
    const rows = (from: number, to: number) =>
      Array.from({ length: to - from + 1 }, (_, i) => ({ step: from + i, value: (from + i) / 10 }));
    const events = await readEvents(
      `${t.url()}/api/events?project=${encodeURIComponent('alice/live')}&runs=live1`,
      headers,
      (ev) => ev.some((e) => e.event === 'run_updated'),
      20_000,
      async () => {
        await postLog(t.url(), token, 'alice%2Flive', 'live1', {
          scalars: { 'train/loss': rows(0, 9) },
          metadata: runMetadata('live1'),
        });
        await postLog(t.url(), token, 'alice%2Flive', 'live1', {
          scalars: { 'train/loss': rows(10, 14), 'val/acc': rows(10, 14) },
        });
        // The final sync sends the settled metadata: the run is finished.
        const at = '2025-01-29T08:00:00+00:00';
        await postLog(t.url(), token, 'alice%2Flive', 'live1', {
          metadata: runMetadata('live1', { status: 'finished', finished_at: at, updated_at: at }),
        });
      },
    );
    expect(events.find((e) => e.event === 'run_added')?.data).toMatchObject({
      project: 'alice/live',
      run_id: 'live1',
    });
    const data = events.filter((e) => e.event === 'run_data');
    expect(data[0].data).toMatchObject({
      run_id: 'live1',
      scalars: { 'train/loss': { last_step: 9, count: 10 } },
      new_scalars: ['train/loss'],
    });
    expect(data[1].data).toMatchObject({
      scalars: { 'train/loss': { last_step: 14, count: 15 }, 'val/acc': { last_step: 14, count: 5 } },
      new_scalars: ['val/acc'],
    });
    expect(data[1].id).toBeGreaterThan(data[0].id!);
    expect(events.find((e) => e.event === 'run_updated')?.data).toMatchObject({
      run_id: 'live1',
      status: 'finished',
      finished_at: '2025-01-29T08:00:00+00:00',
    });
  });

  it('a run copied into the data dir grows live too: its events say which series grew', async () => {
    const admin = new Client(t.url());
    await admin.login(ADMIN.username, ADMIN.password);
    const board = new Board({
      baseDir: t.dataDir,
      project: 'copied',
      runId: 'drop0001',
      captureOutput: false,
      handleSignals: false,
    });
    for (let s = 0; s < 20; s++) board.log({ loss: s });
    await board.flush();
    const cookie = [...admin.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    let step = 20;
    const events = await readEvents(
      `${t.url()}/api/events?project=${encodeURIComponent('boss/copied')}&runs=drop0001`,
      { cookie },
      (ev) => ev.some((e) => e.event === 'run_data' && e.data.scalars?.loss?.count > 20),
      30_000,
      async () => {
        // Keep logging while the stream is open: the scanner looks at running runs every 2 s.
        const timer = setInterval(() => {
          for (let i = 0; i < 5; i++) board.log({ loss: step++ });
          void board.flush();
        }, 300);
        setTimeout(() => clearInterval(timer), 25_000).unref();
      },
    );
    await board.finish();
    const grew = events.find((e) => e.event === 'run_data' && e.data.scalars?.loss?.count > 20);
    expect(grew?.data.scalars.loss.count).toBeGreaterThan(20);
    expect(grew?.data.project).toBe('boss/copied');
  });

  it('callers without the right get nothing, and nothing is created', async () => {
    const meta = { sync_range: { start_step: 0, end_step: -1 }, metadata: runMetadata('zzzz') };
    const readOnly = await makeToken(w.alice, ['read']);
    expect((await postLog(t.url(), readOnly, 'alice%2Fmnist', 'zzzz', meta)).json.detail.code).toBe(
      'insufficient_scope',
    );
    const bob = await makeToken(w.bob);
    const r = await postLog(t.url(), bob, 'alice%2Fsecret', 'zzzz', meta);
    const missing = await postLog(t.url(), bob, 'alice%2Fnothing', 'zzzz', meta);
    expect(r.status).toBe(404);
    expect(r.text).toBe(missing.text);
    expect(existsSync(join(t.dataDir, 'users', 'alice', 'nothing'))).toBe(false);
    const anonymous = await fetch(`${t.url()}/api/projects/alice%2Fmnist/runs/zzzz/log`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(meta),
    });
    expect(anonymous.status).toBe(401);
    expect((await postLog(t.url(), token, 'alice%2Fmnist', 'zz_z', meta)).status).toBe(400);
    expect(
      (await postLog(t.url(), token, 'alice%2Fmnist', 'nometa', { sync_range: meta.sync_range })).json.detail
        .code,
    ).toBe('metadata_required');
    // An organization's project: its owner may create it by uploading; a viewer of another may not.
    const org = await postLog(t.url(), token, 'acme%2Fplans2', 'orgrun', meta);
    expect(org.status, org.text).toBe(200);
    expect(org.json.run.project).toBe('acme/plans2');
    expect(existsSync(join(t.dataDir, 'users', 'acme', 'plans2', 'orgrun', 'metadata.json'))).toBe(true);
    const viewer = await postLog(t.url(), bob, 'other%2Fplans', 'zzzz', meta);
    expect(viewer.status).toBe(403);
    expect(existsSync(join(t.dataDir, 'users', 'other'))).toBe(false);
    // Another user cannot write into a run it did not create, even with the right to the project.
    expect((await w.alice.post('/api/org/acme/members', { username: 'bob', role: 'member' })).status).toBe(
      200,
    );
    const taken = await postLog(t.url(), bob, 'acme%2Fplans2', 'orgrun', {
      scalars: { x: [{ step: 0, value: 1 }] },
    });
    expect(taken.status).toBe(409);
    expect(taken.json.detail.code).toBe('run_id_conflict');
    const fresh = await postLog(t.url(), bob, 'acme%2Fplans2', 'bobrun', meta);
    expect(fresh.status, fresh.text).toBe(200);
    const legacy = await w.alice.post('/api/projects/alice%2Fmnist/sync', {});
    expect(legacy.status).toBe(410);
    void ADMIN;
    void Client;
  });
});
