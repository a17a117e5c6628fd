/**
 * Recorded requests of the Python client's sync worker, replayed on SQLite and PostgreSQL, land exactly.
 *
 * The recording (test/fixtures/python-sync/) follows the worker's source request by request: the first
 * request with no data, the metadata (Python's five keys) and its unknown `log_files` key; step-range
 * requests with its field order, `{step, value}` scalars with bare NaN and Infinity tokens (one retry
 * serialised with null, as orjson writes non-finite floats), tables without ids, tensors and KDEs after a
 * rowid, Content-Type application/json from its session; the retry queue sending an older range again after
 * a newer one; multipart media as `requests` encodes it; raw log PUTs as application/octet-stream.
 * The stored run's `kobo dump` must equal the recorded one of the Board run the requests were cut from.
 *
 * KOBO_WRITE_FIXTURES=1 records anew (from a fresh Board run) instead of replaying.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { kvGet, withReadOnly } from 'kohakuboard/storage';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeBackends } from './helpers/backends.js';
import { writeReferenceRun } from './helpers/reference-run.js';
import { pythonInitialRequest, pythonRequest, readRunContent, toWireJson } from './helpers/run-requests.js';
import { ADMIN, Client, startTestServer, type TestServer } from './helpers/server.js';
import { comparableDump } from './helpers/sync-driver.js';
import { makeToken } from './helpers/uploads.js';

const DIR = fileURLToPath(new URL('./fixtures/python-sync/', import.meta.url));

interface Recorded {
  method: 'POST' | 'PUT';
  /** After /api/projects/{project}/runs/{run}/. */
  path: string;
  headers: Record<string, string>;
  body: string;
  expect: { status: number; missing_media?: string[] };
}

function multipart(files: Array<{ name: string; bytes: Buffer }>): { type: string; body: Buffer } {
  const boundary = randomBytes(16).toString('hex');
  const parts: Buffer[] = [];
  for (const f of files) {
    parts.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="files"; filename="${f.name}"\r\n` +
          'Content-Type: application/octet-stream\r\n\r\n',
      ),
      f.bytes,
      Buffer.from('\r\n'),
    );
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return { type: `multipart/form-data; boundary=${boundary}`, body: Buffer.concat(parts) };
}

async function record(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'kobo-py-'));
  try {
    const refDir = await writeReferenceRun(root, 'pyrec001', 60);
    const c = readRunContent(refDir);
    // What a Python board's metadata.json holds while it runs (sent once, by the first request).
    c.metadata = {
      name: c.metadata.name,
      config: c.metadata.config,
      created_at: c.metadata.created_at,
      project: 'mnist',
      finished_at: null,
    };
    const json = { 'content-type': 'application/json' };
    const out: Recorded[] = [];
    let n = 0;
    const add = (r: Omit<Recorded, 'body'>, body: Buffer | string) => {
      const file = `${String(++n).padStart(2, '0')}-${r.method.toLowerCase()}-${r.path.split('/')[0]}.body`;
      writeFileSync(join(DIR, file), body);
      out.push({ ...r, body: file });
    };
    const media = (from: number, to: number) => {
      const rows = c.media.filter((m) => m.step >= from && m.step <= to);
      const keys = [...new Set(rows.map((m) => `${m.media_hash}.${m.format}`))];
      return {
        missing: [...new Set(rows.map((m) => m.media_hash as string))],
        files: keys.map((k) => ({
          name: k,
          bytes: withReadOnly(join(refDir, 'media', 'blobs.db'), (db) => kvGet(db, k)) as Buffer,
        })),
      };
    };
    const cycle = (from: number, to: number, nonFinite: 'bare' | 'null', lastRowid: number) =>
      toWireJson(
        pythonRequest(c, from, to, {
          afterTensorRowid: lastRowid,
          afterKdeRowid: lastRowid,
          logHashes: { 'board.log': 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' },
        }),
        nonFinite,
      );
    const rowidAt = (step: number) => c.tensors.filter((t) => t.step <= step).length;
    add(
      { method: 'POST', path: 'log', headers: json, expect: { status: 200, missing_media: [] } },
      toWireJson(pythonInitialRequest(c)),
    );
    // Cycle 1: steps 0..30 (tensors and KDEs of those steps are the rows after rowid -1 then).
    const m1 = media(0, 30);
    add(
      { method: 'POST', path: 'log', headers: json, expect: { status: 200, missing_media: m1.missing } },
      cycle(0, 30, 'bare', -1),
    );
    const mp1 = multipart(m1.files);
    add(
      { method: 'POST', path: 'media', headers: { 'content-type': mp1.type }, expect: { status: 200 } },
      mp1.body,
    );
    add(
      {
        method: 'PUT',
        path: 'logs/output.log',
        headers: { 'content-type': 'application/octet-stream' },
        expect: { status: 200 },
      },
      'epoch 1\r\nloss 0.5\n[STDERR] warning\n',
    );
    // Cycle 2 fails on the client's side after the server applied it (its answer was lost): the range goes
    // to the retry queue; the next cycle sends 31..60, then the retry sends 31..50 again (serialised by orjson).
    const m2 = media(31, 60);
    add(
      {
        method: 'POST',
        path: 'log',
        headers: json,
        expect: { status: 200, missing_media: media(31, 50).missing },
      },
      cycle(31, 50, 'bare', rowidAt(30)),
    );
    add(
      { method: 'POST', path: 'log', headers: json, expect: { status: 200, missing_media: m2.missing } },
      cycle(31, 60, 'bare', rowidAt(30)),
    );
    const mp2 = multipart(m2.files);
    add(
      { method: 'POST', path: 'media', headers: { 'content-type': mp2.type }, expect: { status: 200 } },
      mp2.body,
    );
    add(
      { method: 'POST', path: 'log', headers: json, expect: { status: 200, missing_media: [] } },
      cycle(31, 50, 'null', rowidAt(30)),
    );
    add(
      {
        method: 'PUT',
        path: 'logs/output.log',
        headers: { 'content-type': 'application/octet-stream' },
        expect: { status: 200 },
      },
      'epoch 1\r\nloss 0.5\n[STDERR] warning\nepoch 2\nloss 0.25',
    );
    writeFileSync(join(DIR, 'requests.json'), `${JSON.stringify(out, null, 2)}\n`);
    // The dump the replay must give: the Board run's, with the metadata the worker sent.
    const dump = comparableDump(refDir);
    writeFileSync(join(DIR, 'expected-dump.json'), `${JSON.stringify(dump)}\n`);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

beforeAll(async () => {
  if (process.env.KOBO_WRITE_FIXTURES === '1') {
    rmSync(DIR, { recursive: true, force: true });
    mkdirSync(DIR, { recursive: true });
    await record();
  }
}, 120_000);

describeBackends('recorded Python sync requests', (b) => {
  let t: TestServer;
  let token = '';
  beforeAll(async () => {
    t = await startTestServer(b.target(), { flags: { 'ingest-rate': '1000' } });
    const admin = new Client(t.url());
    await admin.login(ADMIN.username, ADMIN.password);
    token = await makeToken(admin);
  });
  afterAll(async () => t?.close());

  it('replay and land exactly', async () => {
    const recorded = JSON.parse(readFileSync(join(DIR, 'requests.json'), 'utf8')) as Recorded[];
    // Python's remote_project="mnist": the caller's own project, named bare in the URL.
    for (const r of recorded) {
      const res = await fetch(`${t.url()}/api/projects/mnist/runs/pyrun01/${r.path}`, {
        method: r.method,
        headers: { authorization: `Bearer ${token}`, ...r.headers },
        body: readFileSync(join(DIR, r.body)),
      });
      const text = await res.text();
      expect(res.status, `${r.body}: ${text}`).toBe(r.expect.status);
      if (r.expect.missing_media)
        expect(JSON.parse(text).missing_media.sort(), r.body).toEqual([...r.expect.missing_media].sort());
    }
    const runDir = join(t.dataDir, 'users', 'boss', 'mnist', 'pyrun01');
    const expected = JSON.parse(readFileSync(join(DIR, 'expected-dump.json'), 'utf8'));
    const got = comparableDump(runDir);
    const initial = JSON.parse(readFileSync(join(DIR, recorded[0].body), 'utf8')).metadata;
    // Sent once by Python, so the run keeps the metadata of its start (no finished_at, no status).
    expect(got.metadata).toEqual(initial);
    expect({ ...got, metadata: null, state: null, output_log: null }).toEqual({
      ...expected,
      metadata: null,
      state: null,
      output_log: null,
    });
    expect(readFileSync(join(runDir, 'logs', 'output.log'), 'utf8')).toBe(
      'epoch 1\r\nloss 0.5\n[STDERR] warning\nepoch 2\nloss 0.25',
    );
  });
});
