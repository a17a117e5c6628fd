/**
 * Re-sends never duplicate a row, on SQLite and PostgreSQL: the same /log twice, the Python worker's
 * overlapping step ranges, an offset gap, a response lost after the commit, and one run written through two
 * server instances at once. Each ends with a run whose `kobo dump` equals that of the reference run the
 * project's own Board wrote with the same data (see sync-driver.ts for the fields that legitimately differ).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeBackends } from './helpers/backends.js';
import { writeReferenceRun } from './helpers/reference-run.js';
import {
  pythonInitialRequest,
  pythonRequest,
  type RunContent,
  readRunContent,
  toWireJson,
  tsRequest,
} from './helpers/run-requests.js';
import { ADMIN, Client, eventually, startTestServer, type TestServer } from './helpers/server.js';
import { expectSameRun, send } from './helpers/sync-driver.js';
import { makeToken, postLog } from './helpers/uploads.js';

let refRoot = '';
let refDir = '';
let content: RunContent;

beforeAll(async () => {
  refRoot = mkdtempSync(join(tmpdir(), 'kobo-ref-'));
  refDir = await writeReferenceRun(refRoot, 'ref00001');
  content = readRunContent(refDir);
}, 120_000);
afterAll(() => rmSync(refRoot, { recursive: true, force: true }));

describeBackends('re-sent uploads', (b) => {
  let t: TestServer;
  let token = '';
  const P = 'boss%2Fidem';
  const ref = () => ({ dir: refDir, content });
  const runDir = (id: string) => join(t.dataDir, 'users', 'boss', 'idem', id);
  beforeAll(async () => {
    t = await startTestServer(b.target(), { flags: { 'ingest-rate': '1000' } });
    const admin = new Client(t.url());
    await admin.login(ADMIN.username, ADMIN.password);
    token = await makeToken(admin);
  });
  afterAll(async () => t?.close());

  it('the same /log twice stores every row once', async () => {
    const body = toWireJson(tsRequest(content, 0, 150, { metadata: true }));
    const first = await send(t.url(), token, P, 'same1', body, ref());
    expect(first.json.cursors.scalars['train/loss']).toBe(151);
    const second = await send(t.url(), token, P, 'same1', body, ref());
    expect(second.json.cursors).toEqual(first.json.cursors);
    expectSameRun(runDir('same1'), refDir);
  });

  it("Python's overlapping ranges [0,100], [0,150], [0,100] store every row once", async () => {
    const wire = (x: object) => toWireJson(x, 'bare');
    await send(t.url(), token, P, 'py1', wire(pythonInitialRequest(content)), ref());
    await send(t.url(), token, P, 'py1', wire(pythonRequest(content, 0, 100)), ref());
    await send(t.url(), token, P, 'py1', wire(pythonRequest(content, 0, 150)), ref());
    const last = await send(t.url(), token, P, 'py1', wire(pythonRequest(content, 0, 100)), ref());
    expect(last.json.cursors.scalars['train/loss']).toBe(151);
    expectSameRun(runDir('py1'), refDir);
  });

  it('an offset gap writes nothing of the metric and names the expected offset; filling it completes the run', async () => {
    await send(t.url(), token, P, 'gap1', toWireJson(tsRequest(content, 0, 50, { metadata: true })), ref());
    const gap = await send(
      t.url(),
      token,
      P,
      'gap1',
      toWireJson(tsRequest(content, 80, 150)),
      ref(),
      'partial',
    );
    const lossGap = gap.json.rejected.find(
      (r: { source: string; name: string }) => r.source === 'scalars' && r.name === 'train/loss',
    );
    expect(lossGap).toMatchObject({ code: 'offset_gap', expected: 51 });
    expect(gap.json.cursors.scalars['train/loss']).toBe(51);
    expect(gap.json.errors.length).toBe(gap.json.rejected.length);
    await send(t.url(), token, P, 'gap1', toWireJson(tsRequest(content, 51, 150)), ref());
    expectSameRun(runDir('gap1'), refDir);
  });

  it('a request whose answer was lost after the commit is sent again without duplicates', async () => {
    await send(t.url(), token, P, 'lost1', toWireJson(tsRequest(content, 0, 60, { metadata: true })), ref());
    const body = toWireJson(tsRequest(content, 61, 120));
    const u = new URL(t.url());
    // The request is committed, but its answer is never read: the socket is dropped.
    await new Promise<void>((resolve, reject) => {
      const req = request({
        host: u.hostname,
        port: u.port,
        method: 'POST',
        path: `/api/projects/${P}/runs/lost1/log`,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      });
      req.on('error', () => undefined);
      req.end(body, () => resolve());
      req.on('response', (res) => {
        res.destroy();
        req.destroy();
      });
      setTimeout(() => reject(new Error('the request was not sent')), 30_000).unref();
    });
    const admin = new Client(t.url(), token);
    await eventually(async () => {
      const s = await admin.get(`/api/projects/${P}/runs/lost1/scalars/train/loss`);
      expect(s.json().steps.length).toBe(121);
    });
    await send(t.url(), token, P, 'lost1', toWireJson(tsRequest(content, 61, 150)), ref());
    expectSameRun(runDir('lost1'), refDir);
  });

  it('bad JSON, a body that is not an object and a wrong frame apply nothing', async () => {
    for (const body of ['{"scalars": {', '[1,2]', '{"steps": 3, "metadata": {}}']) {
      const r = await postLog(t.url(), token, P, 'bad1', body);
      expect(r.status, r.text).toBe(400);
    }
    const listing = await new Client(t.url(), token).get(`/api/projects/${P}/runs`);
    expect(listing.text).not.toContain('bad1');
  });
});

describeBackends('one run through two instances at once', (b) => {
  let t: TestServer;
  let token = '';
  const P = 'boss%2Ftwo';
  beforeAll(async () => {
    t = await startTestServer(b.target(), { instances: 2, flags: { 'ingest-rate': '1000' } });
    const admin = new Client(t.url(0));
    await admin.login(ADMIN.username, ADMIN.password);
    token = await makeToken(admin);
  });
  afterAll(async () => t?.close());

  it('serialises through the run lease and stores every row once', async () => {
    const ref = { dir: refDir, content };
    await send(t.url(0), token, P, 'both1', toWireJson(tsRequest(content, 0, 20, { metadata: true })), ref);
    // Alternating instances: each must drop what it cached about the run when the other wrote in between.
    for (let from = 21, i = 0; from <= 150; from += 13, i++)
      await send(
        t.url(i % 2),
        token,
        P,
        'both1',
        toWireJson(tsRequest(content, from, Math.min(150, from + 12))),
        ref,
      );
    // The same requests at once through both instances.
    const full = toWireJson(tsRequest(content, 0, 150));
    await Promise.all([0, 1, 0, 1].map((i) => send(t.url(i), token, P, 'both1', full, ref)));
    expectSameRun(join(t.dataDir, 'users', 'boss', 'two', 'both1'), refDir);
    // Python's ranges through both at once.
    const py = (from: number, to: number) => toWireJson(pythonRequest(content, from, to));
    await send(t.url(1), token, P, 'both2', toWireJson(pythonInitialRequest(content)), ref);
    await Promise.all([
      send(t.url(0), token, P, 'both2', py(0, 100), ref),
      send(t.url(1), token, P, 'both2', py(0, 150), ref),
      send(t.url(0), token, P, 'both2', py(0, 100), ref),
    ]);
    await send(t.url(1), token, P, 'both2', py(0, 150), ref);
    expectSameRun(join(t.dataDir, 'users', 'boss', 'two', 'both2'), refDir);
  });
});
