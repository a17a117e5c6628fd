/**
 * The viewer's HTTP layer against requests a web page or a damaged run can produce: DNS rebinding (a foreign
 * Host), cross-site writes (a text/plain body, a foreign Origin), a PATCH that cannot be carried out, byte
 * ranges that do not parse or whose If-Range does not match, and an unexpected error, which is logged with
 * its cause while the client sees no internals.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Viewer } from '../src/viewer/app.js';
import { writeTsRun } from './helpers/ts-runs.js';
import { type Json, startViewer, tempDir } from './helpers/viewer.js';

const BLOB = Buffer.from(Array.from({ length: 200 }, (_, i) => (i * 7) % 256));
const RUN = '/api/projects/p/runs/run1';

let tmp: ReturnType<typeof tempDir>;
let viewer: Viewer;
let log: string[];

function metadataText(): string {
  const folder = readdirSync(join(tmp.dir, 'p')).find((f) => f.startsWith('run1'))!;
  return readFileSync(join(tmp.dir, 'p', folder, 'metadata.json'), 'utf8');
}

async function request(
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
  url: string,
  headers: Record<string, string> = {},
  payload?: string,
) {
  const res = await viewer.app.inject({ method, url, headers, payload });
  let json: Json = null;
  try {
    json = JSON.parse(res.body);
  } catch {
    json = null;
  }
  return { status: res.statusCode, headers: res.headers, body: res.body, raw: res.rawPayload, json };
}

beforeAll(async () => {
  tmp = tempDir('kobo-hardening-');
  writeTsRun(tmp.dir, {
    project: 'p',
    runId: 'run1',
    metrics: { loss: { steps: [0, 1, 2], values: [3, 2, 1] } },
    media: [{ name: 'clip', step: 1, bytes: BLOB, format: 'wav', type: 'audio' }],
  });
  writeTsRun(tmp.dir, {
    project: 'p',
    runId: 'broken1',
    metrics: { loss: { steps: [0], values: [1] } },
  });
  // A damaged metric file: reading it fails in a way no handler expects.
  writeFileSync(join(tmp.dir, 'p', 'broken1', 'data', 'metrics', 'loss.db'), Buffer.alloc(8192, 7));
  log = [];
  viewer = await startViewer(tmp.dir, {
    allowedHosts: ['kobo.lan'],
    corsOrigins: ['http://notebook.test:8888'],
    logger: { level: 'warn', stream: { write: (line: string) => log.push(line) } },
  });
});

afterAll(async () => {
  await viewer?.close();
  tmp?.cleanup();
});

describe('DNS rebinding: only the host names the viewer serves are answered', () => {
  it('a foreign Host gets 421 invalid_host, for reads and writes alike, and nothing changes', async () => {
    const before = metadataText();
    const evil = { host: 'evil.example:48889', origin: 'http://evil.example:48889' };
    for (const url of ['/api/system/info', '/api/projects', `${RUN}/scalars/loss`, '/health', '/']) {
      const r = await request('GET', url, evil);
      expect(r.status, url).toBe(421);
      expect(r.body).not.toContain(tmp.dir);
      if (url.startsWith('/api/')) expect(r.json.detail.code).toBe('invalid_host');
    }
    const patch = await request(
      'PATCH',
      RUN,
      { ...evil, 'content-type': 'text/plain' },
      JSON.stringify({ name: 'pwned' }),
    );
    expect(patch.status).toBe(421);
    expect(metadataText()).toBe(before);
  });

  it('loopback names and addresses, with or without a port, and --allowed-host names are answered', async () => {
    for (const host of [
      'localhost',
      'localhost:48889',
      'LOCALHOST:1',
      '127.0.0.1',
      '127.0.0.1:48889',
      '[::1]',
      '[::1]:48889',
      'kobo.lan',
      'kobo.lan:80',
      '192.168.1.20:48889',
    ]) {
      const r = await request('GET', '/api/system/info', { host });
      expect(r.status, host).toBe(200);
    }
    for (const host of ['kobo.lan.evil.example', 'localhost.evil.example', '127.0.0.1.nip.io', 'a:b:c']) {
      expect((await request('GET', '/api/projects', { host })).status, host).toBe(421);
    }
  });
});

describe('cross-site writes', () => {
  it('a write whose body is not application/json is 415, before anything is read or written', async () => {
    const before = metadataText();
    const plain = await request('PATCH', RUN, { 'content-type': 'text/plain' }, '{"name":"x"}');
    expect(plain.status).toBe(415);
    expect(plain.json.detail.code).toBe('unsupported_media_type');
    const form = await request(
      'POST',
      '/api/projects/p/runs/batch/summary',
      { 'content-type': 'application/x-www-form-urlencoded' },
      'run_ids=run1',
    );
    expect(form.status).toBe(415);
    expect(metadataText()).toBe(before);
  });

  it('a write from a foreign Origin is 403 csrf_failed; the viewer’s own and allowed origins may write', async () => {
    const before = metadataText();
    const json = { 'content-type': 'application/json' };
    const foreign = await request('PATCH', RUN, { ...json, origin: 'http://evil.example' }, '{"name":"x"}');
    expect(foreign.status).toBe(403);
    expect(foreign.json.detail.code).toBe('csrf_failed');
    const nullOrigin = await request('PATCH', RUN, { ...json, origin: 'null' }, '{"name":"x"}');
    expect(nullOrigin.status).toBe(403);
    expect(metadataText()).toBe(before);

    const own = await request(
      'PATCH',
      RUN,
      { ...json, host: '127.0.0.1:48889', origin: 'http://127.0.0.1:48889' },
      '{"name":"Own"}',
    );
    expect(own.status).toBe(200);
    expect(JSON.parse(metadataText()).name).toBe('Own');
    const allowed = await request(
      'PATCH',
      RUN,
      { ...json, origin: 'http://notebook.test:8888' },
      '{"name":"Allowed"}',
    );
    expect(allowed.status).toBe(200);
    expect(JSON.parse(metadataText()).name).toBe('Allowed');
    // Reads need no Origin check: CORS decides whether a page may see them.
    expect((await request('GET', '/api/projects', { origin: 'http://evil.example' })).status).toBe(200);
  });
});

describe('CORS', () => {
  it('another origin gets no Access-Control-* header at all; an allowed one gets what the UI needs', async () => {
    const other = await request('GET', '/api/projects', { origin: 'http://evil.example' });
    expect(Object.keys(other.headers).filter((h) => h.startsWith('access-control-'))).toEqual([]);
    const allowed = await request('GET', '/api/projects', { origin: 'http://notebook.test:8888' });
    expect(allowed.headers).toMatchObject({
      'access-control-allow-origin': 'http://notebook.test:8888',
      'access-control-allow-credentials': 'true',
    });
    expect(String(allowed.headers['access-control-expose-headers'])).toMatch(
      /Server-Timing.*X-Log-Next-Offset/,
    );
    const pre = await viewer.app.inject({
      method: 'OPTIONS',
      url: '/api/projects/p/runs/batch/scalars',
      headers: {
        origin: 'http://notebook.test:8888',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type',
      },
    });
    expect(pre.statusCode).toBe(204);
    expect(pre.headers).toMatchObject({
      'access-control-allow-methods': 'GET, HEAD, POST, PATCH, OPTIONS',
      'access-control-allow-headers': 'content-type',
      'access-control-max-age': '600',
    });
    const foreignPre = await viewer.app.inject({
      method: 'OPTIONS',
      url: '/api/projects/p/runs/batch/scalars',
      headers: { origin: 'http://evil.example', 'access-control-request-method': 'POST' },
    });
    expect(foreignPre.statusCode).toBe(405);
    expect(foreignPre.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('PATCH validates everything before it writes', () => {
  it('an annotation too long for a folder name is 400 invalid_annotation and changes nothing', async () => {
    const before = metadataText();
    const folders = readdirSync(join(tmp.dir, 'p')).sort();
    const r = await request(
      'PATCH',
      RUN,
      { 'content-type': 'application/json' },
      JSON.stringify({ name: 'Renamed', annotation: 'a'.repeat(300) }),
    );
    expect(r.status).toBe(400);
    expect(r.json.detail.code).toBe('invalid_annotation');
    expect(metadataText()).toBe(before);
    expect(readdirSync(join(tmp.dir, 'p')).sort()).toEqual(folders);
    const ok = await request(
      'PATCH',
      RUN,
      { 'content-type': 'application/json' },
      JSON.stringify({ annotation: 'b'.repeat(200) }),
    );
    expect(ok.status).toBe(200);
    expect(readdirSync(join(tmp.dir, 'p'))).toContain(`run1_${'b'.repeat(200)}`);
    expect(JSON.parse(metadataText()).annotation).toBe('b'.repeat(200));
  });
});

describe('byte ranges', () => {
  async function blobUrl(): Promise<string> {
    return (await request('GET', `${RUN}/media/clip`)).json.data[0].url;
  }

  it('a Range header that does not parse is ignored: the whole blob with 200', async () => {
    const url = await blobUrl();
    for (const range of ['bytes=abc', 'bytes=1-x', 'bytes=-', 'bytes']) {
      const r = await request('GET', url, { range });
      expect(r.status, range).toBe(200);
      expect(r.raw.equals(BLOB), range).toBe(true);
    }
    const part = await request('GET', url, { range: 'bytes=10-19' });
    expect(part.status).toBe(206);
    expect(part.raw.equals(BLOB.subarray(10, 20))).toBe(true);
    const beyond = await request('GET', url, { range: 'bytes=500-' });
    expect(beyond.status).toBe(416);
    expect(beyond.headers['content-range']).toBe(`bytes */${BLOB.length}`);
  });

  it('If-Range with another validator gives the whole blob; with the ETag, the range', async () => {
    const url = await blobUrl();
    const etag = String((await request('GET', url)).headers.etag);
    for (const ifRange of ['"garbage"', 'W/"x"', 'Wed, 21 Oct 2015 07:28:00 GMT']) {
      const r = await request('GET', url, { range: 'bytes=0-9', 'if-range': ifRange });
      expect(r.status, ifRange).toBe(200);
      expect(r.raw.equals(BLOB)).toBe(true);
    }
    const same = await request('GET', url, { range: 'bytes=0-9', 'if-range': etag });
    expect(same.status).toBe(206);
    expect(same.raw.equals(BLOB.subarray(0, 10))).toBe(true);
  });
});

describe('unexpected errors', () => {
  it('a 500 is logged with its cause; the client gets the error shape, naming the file inside the data dir only', async () => {
    const r = await request('GET', '/api/projects/p/runs/broken1/scalars/loss');
    expect(r.status).toBe(500);
    // A damaged file is the documented storage_error, named relative to the data directory (no machine path).
    expect(r.json).toEqual({
      detail: {
        error: 'p/broken1/data/metrics/loss.db: file is not a database (SQLITE_NOTADB)',
        code: 'storage_error',
      },
    });
    const entries = log.map((l) => JSON.parse(l));
    const entry = entries.find((e) => e.level >= 50 && String(e.msg).includes('/broken1/scalars/loss'));
    expect(entry, log.join('\n')).toBeDefined();
    expect(entry.err.message).toMatch(/not a database/);
    expect(entry.err.stack).toMatch(/caused by: .*not a database/);
  });
});
