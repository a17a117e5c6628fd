/**
 * Upload limits, on SQLite and PostgreSQL: bodies over --max-sync-body-mb are refused with 413 whether or
 * not they announce their length, without the server holding them (its memory is watched while 256 MiB are
 * offered); nesting beyond 64 levels; a tensor over --max-item-mb; media count, file and request sizes; log
 * size; blobs that do not match their name or no row are rejected and stay absent.
 */
import { existsSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { kvGet, mediaHash, withReadOnly } from 'kohakuboard/storage';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeBackends } from './helpers/backends.js';
import { ADMIN, Client, startTestServer, type TestServer } from './helpers/server.js';
import { makeToken, postLog, postMedia, putLog, runMetadata } from './helpers/uploads.js';

const MB = 1024 * 1024;

/**
 * Offers `total` bytes of a JSON-looking body in 256 KiB chunks, with or without a Content-Length, stopping as
 * soon as the server answers; returns the status and the largest growth of this process's memory meanwhile.
 */
async function offer(
  base: string,
  token: string,
  path: string,
  total: number,
  announce: boolean,
): Promise<{ status: number; text: string; peakGrowth: number; sent: number }> {
  const u = new URL(base);
  global.gc?.();
  const mem = () => process.memoryUsage().rss;
  const baseline = mem();
  let peak = baseline;
  const sampler = setInterval(() => {
    peak = Math.max(peak, mem());
  }, 5);
  const chunk = Buffer.alloc(256 * 1024, 0x20);
  chunk.write('{"steps": [', 0);
  let sent = 0;
  try {
    return await new Promise((resolve, reject) => {
      let answered = false;
      const req = request({
        host: u.hostname,
        port: u.port,
        method: 'POST',
        path,
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          ...(announce ? { 'content-length': String(total) } : {}),
        },
      });
      req.on('response', (res) => {
        answered = true;
        const parts: Buffer[] = [];
        res.on('data', (d) => parts.push(d));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            text: Buffer.concat(parts).toString(),
            peakGrowth: peak - baseline,
            sent,
          }),
        );
        res.on('error', reject);
      });
      req.on('error', (err) => {
        if (!answered) reject(err);
      });
      const pump = () => {
        while (!answered && sent < total) {
          const ok = req.write(sent === 0 ? chunk : chunk.fill(0x20));
          sent += chunk.length;
          if (!ok) {
            req.once('drain', pump);
            return;
          }
        }
        if (!answered) req.end();
      };
      pump();
    });
  } finally {
    clearInterval(sampler);
  }
}

describeBackends('upload limits', (b) => {
  let t: TestServer;
  let token = '';
  const P = 'boss%2Flimits';
  const runDir = () => join(t.dataDir, 'users', 'boss', 'limits', 'lim1');
  beforeAll(async () => {
    t = await startTestServer(b.target(), {
      flags: {
        'max-sync-body-mb': '8',
        'max-item-mb': '1',
        'max-media-file-mb': '1',
        'max-media-request-mb': '2',
        'max-log-file-mb': '1',
        'ingest-rate': '1000',
      },
    });
    const admin = new Client(t.url());
    await admin.login(ADMIN.username, ADMIN.password);
    token = await makeToken(admin);
    const r = await postLog(t.url(), token, P, 'lim1', { metadata: runMetadata('lim1') });
    expect(r.status, r.text).toBe(200);
  });
  afterAll(async () => t?.close());

  for (const announce of [true, false]) {
    it(`an oversized /log ${announce ? 'with' : 'without'} Content-Length is 413 and never held`, async () => {
      const r = await offer(t.url(), token, `/api/projects/${P}/runs/lim1/log`, 256 * MB, announce);
      expect(r.status, r.text).toBe(413);
      expect(JSON.parse(r.text).detail.code).toBe('too_large');
      // Stopped long before the 256 MiB offered, and the server never held more than its limit (8 MiB).
      expect(r.sent).toBeLessThan(64 * MB);
      expect(r.peakGrowth).toBeLessThan(48 * MB);
    });
  }

  it('nesting deeper than 64 levels is refused before anything is written', async () => {
    const deep = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;
    const ok = await postLog(
      t.url(),
      token,
      P,
      'lim1',
      `{"metadata": ${JSON.stringify(runMetadata('lim1'))}, "x": ${deep(60)}}`,
    );
    expect(ok.status, ok.text).toBe(200);
    const r = await postLog(t.url(), token, P, 'lim1', `{"x": ${deep(100_000)}}`);
    expect(r.status).toBe(400);
    expect(r.json.detail.code).toBe('too_deep');
  });

  it('a tensor over --max-item-mb is rejected; the rest of the request is stored', async () => {
    const npy = (size: number) => {
      const header = Buffer.from(
        "\x93NUMPY\x01\x00v\x00{'descr': '|u1', 'fortran_order': False, 'shape': (0,), }",
        'latin1',
      );
      const b = Buffer.alloc(size);
      header.copy(b);
      return b.toString('base64');
    };
    const r = await postLog(t.url(), token, P, 'lim1', {
      steps: [{ step: 0, global_step: 0, timestamp: 1 }],
      scalars: { loss: [{ step: 0, value: 1 }] },
      tensors: [
        { id: 1, step: 0, global_step: 0, name: 'big', payload: npy(1.5 * MB), tensor_meta: {} },
        { id: 2, step: 0, global_step: 0, name: 'small', payload: npy(1000), tensor_meta: {} },
      ],
    });
    expect(r.status, r.text).toBe(200);
    expect(r.json.status).toBe('partial');
    expect(r.json.rejected).toEqual([
      expect.objectContaining({ source: 'tensors', name: 'big', index: 0, code: 'too_large' }),
    ]);
    expect(r.json.cursors.tensors).toBe(2);
    expect(r.json.cursors.scalars).toEqual({ loss: 1 });
    expect(existsSync(join(runDir(), 'data', 'tensors', 'big.db'))).toBe(false);
    expect(existsSync(join(runDir(), 'data', 'tensors', 'small.db'))).toBe(true);
  });

  it('media: too many files, a file or a request too large is 413; mismatched or unreferenced blobs stay absent', async () => {
    const bytes = (n: number, seed: number) => Buffer.alloc(n, seed);
    const blobs = [
      bytes(100, 1),
      bytes(0.9 * MB, 2),
      bytes(0.9 * MB, 3),
      bytes(0.9 * MB, 4),
      bytes(1.2 * MB, 5),
    ];
    const hashes = blobs.map((x) => mediaHash(x));
    const r = await postLog(t.url(), token, P, 'lim1', {
      media: hashes.map((h, i) => ({
        id: 10 + i,
        media_hash: h,
        format: 'bin',
        step: 1,
        global_step: 1,
        name: 'files',
        caption: null,
        type: 'image',
        width: null,
        height: null,
        size_bytes: blobs[i].length,
      })),
    });
    expect(r.status, r.text).toBe(200);
    expect([...r.json.missing_media].sort()).toEqual([...hashes].sort());
    const file = (i: number) => ({ name: `${hashes[i]}.bin`, bytes: blobs[i] });
    expect((await postMedia(t.url(), token, P, 'lim1', [file(4)])).status).toBe(413);
    expect((await postMedia(t.url(), token, P, 'lim1', [file(1), file(2), file(3)])).status).toBe(413);
    const many = Array.from({ length: 1001 }, () => file(0));
    expect((await postMedia(t.url(), token, P, 'lim1', many)).status).toBe(413);
    const other = bytes(100, 9);
    const mixed = await postMedia(t.url(), token, P, 'lim1', [
      file(0),
      { name: `${hashes[1]}.bin`, bytes: other },
      { name: `${mediaHash(other)}.bin`, bytes: other },
      { name: '../../evil.bin', bytes: other },
    ]);
    expect(mixed.status, mixed.text).toBe(422);
    expect(mixed.json.detail.results.uploaded_hashes).toEqual([hashes[0]]);
    expect(mixed.json.detail.results.rejected).toEqual([
      { filename: 'evil.bin', code: 'invalid_media' },
      { filename: `${hashes[1]}.bin`, code: 'hash_mismatch' },
      { filename: `${mediaHash(other)}.bin`, code: 'not_referenced' },
    ]);
    const blobsDb = join(runDir(), 'media', 'blobs.db');
    withReadOnly(blobsDb, (db) => {
      expect(kvGet(db, `${hashes[0]}.bin`)?.equals(blobs[0])).toBe(true);
      expect(kvGet(db, `${hashes[1]}.bin`)).toBeUndefined();
      expect(kvGet(db, `${mediaHash(other)}.bin`)).toBeUndefined();
    });
    const next = await postLog(t.url(), token, P, 'lim1', {});
    expect(next.json.missing_media.sort()).toEqual(hashes.slice(1).sort());
  });

  it('a log file over --max-log-file-mb is 413 and leaves the stored one', async () => {
    expect((await putLog(t.url(), token, P, 'lim1', 'board.log', 'small\n')).status).toBe(200);
    const r = await putLog(t.url(), token, P, 'lim1', 'board.log', Buffer.alloc(1.5 * MB, 0x41));
    expect(r.status).toBe(413);
    const listed = await new Client(t.url(), token).get(`/api/projects/${P}/runs/lim1/logs/board.log`);
    expect(listed.text).toContain('small');
  });
});
