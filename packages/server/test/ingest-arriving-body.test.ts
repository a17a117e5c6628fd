/**
 * Large log bodies are parsed by the run's ingest thread while they arrive (docs/server.md#parsing-a-log-body),
 * on the built server with its threads: a body sent in pieces with pauses lands exactly, an upload of another
 * run on the same thread lands while a body is held back half-way, and a body cut off half-way stores nothing
 * and leaves the thread free for the next upload of that run.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STREAM_MIN_BYTES } from '../src/ingest/body-stream.js';
import { threadIndexOf } from '../src/ingest/pool.js';
import { type ChildServer, startChildServer } from './helpers/child-server.js';

const THREADS = Math.max(2, availableParallelism());
const PROJECT = 'arrive';
let root = '';
let server: ChildServer;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'kobo-arriving-'));
  server = await startChildServer(['--no-auth', '--data-dir', join(root, 'data'), '--ingest-rate', '100000']);
}, 120_000);

afterAll(async () => {
  await server?.stop();
  rmSync(root, { recursive: true, force: true });
});

/** Values that take every path of the number reader: short, 17 digits, exponents, non-finite. */
const valueText = (s: number) =>
  s % 7 === 0 ? 'NaN' : s % 11 === 0 ? '-Infinity' : s % 3 === 0 ? `${s}e-3` : JSON.stringify(Math.sin(s));
const expected = (s: number) =>
  s % 7 === 0 ? 'NaN' : s % 11 === 0 ? '-Infinity' : s % 3 === 0 ? s / 1000 : Math.sin(s);

/** A body of `steps` rows of metric `m` (more than the size that is parsed while arriving). */
function body(runId: string, steps: number): Buffer {
  const rows = Array.from(
    { length: steps },
    (_, s) => `{"step": ${s}, "value": ${valueText(s)}, "global_step": ${s}}`,
  );
  const metadata = { name: runId, created_at: '2025-01-29T07:04:23.123000+00:00', status: 'running' };
  const text = `{"steps": [${Array.from({ length: steps }, (_, s) => `{"step":${s},"global_step":${s},"timestamp":${1e12 + s}}`)}],
    "scalars": {"m": [${rows.join(',\n')}]}, "offsets": {"scalars": {"m": 0}}, "metadata": ${JSON.stringify(metadata)}}`;
  const bytes = Buffer.from(text);
  expect(bytes.length).toBeGreaterThan(STREAM_MIN_BYTES);
  return bytes;
}

async function storedValues(runId: string): Promise<unknown[] | null> {
  const res = await fetch(`${server.url}/api/projects/local%2F${PROJECT}/runs/${runId}/scalars/m`);
  if (res.status === 404) return null;
  const json = (await res.json()) as { values: unknown[] };
  return json.values;
}

/** Run ids whose uploads go to the same ingest thread as `runId`. */
function sameThread(runId: string, count: number): string[] {
  const want = threadIndexOf(`local/${PROJECT}/${runId}`, THREADS);
  const out: string[] = [];
  for (let i = 0; out.length < count; i++)
    if (threadIndexOf(`local/${PROJECT}/other${i}`, THREADS) === want) out.push(`other${i}`);
  return out;
}

/** A log upload whose body the test sends piece by piece (with its length announced). */
function openUpload(base: string, project: string, runId: string, length: number) {
  const u = new URL(base);
  let answered = false;
  const req = request({
    host: u.hostname,
    port: u.port,
    method: 'POST',
    path: `/api/projects/${project}/runs/${runId}/log`,
    headers: { 'content-type': 'application/json', 'content-length': String(length) },
  });
  // biome-ignore lint/suspicious/noExplicitAny: the answer's JSON
  const response = new Promise<{ status: number; json: any }>((resolve, reject) => {
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        answered = true;
        resolve({ status: res.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
      });
    });
    req.on('error', reject);
  });
  response.catch(() => undefined);
  return {
    write: (bytes: Uint8Array) => req.write(bytes),
    end: () => {
      req.end();
      return response;
    },
    destroy: () => req.destroy(),
    get answered() {
      return answered;
    },
  };
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('a log body parsed while it arrives', () => {
  it('lands exactly when sent in pieces with pauses, short and long', async () => {
    const steps = 6000;
    const bytes = body('pieces1', steps);
    const upload = openUpload(server.url, PROJECT, 'pieces1', bytes.length);
    const piece = Math.ceil(bytes.length / 9);
    for (let k = 0; k < 9; k++) {
      upload.write(bytes.subarray(k * piece, (k + 1) * piece));
      await pause(k === 4 ? 400 : 15);
    }
    const answer = await upload.end();
    expect(answer.status).toBe(200);
    expect(answer.json.cursors.scalars.m).toBe(steps);
    expect(await storedValues('pieces1')).toEqual(Array.from({ length: steps }, (_, s) => expected(s)));
  }, 60_000);

  it('leaves the thread to another run while a body is held back half-way', async () => {
    const bytes = body('held1', 5000);
    const held = openUpload(server.url, PROJECT, 'held1', bytes.length);
    held.write(bytes.subarray(0, bytes.length >> 1));
    await pause(50);
    const [other] = sameThread('held1', 1);
    const otherBytes = body(other, 4000);
    const quick = openUpload(server.url, PROJECT, other, otherBytes.length);
    quick.write(otherBytes);
    const quickAnswer = await quick.end();
    expect(quickAnswer.status).toBe(200);
    expect(held.answered).toBe(false);
    held.write(bytes.subarray(bytes.length >> 1));
    const heldAnswer = await held.end();
    expect(heldAnswer.status).toBe(200);
    expect(await storedValues('held1')).toHaveLength(5000);
    expect(await storedValues(other)).toEqual(Array.from({ length: 4000 }, (_, s) => expected(s)));
  }, 60_000);

  it('stores nothing of a body cut off half-way, and takes the next upload of the run', async () => {
    const bytes = body('cut1', 5000);
    const cut = openUpload(server.url, PROJECT, 'cut1', bytes.length);
    cut.write(bytes.subarray(0, bytes.length >> 1));
    await pause(50);
    cut.destroy();
    await pause(100);
    expect(await storedValues('cut1')).toBeNull();
    const again = openUpload(server.url, PROJECT, 'cut1', bytes.length);
    again.write(bytes);
    const answer = await again.end();
    expect(answer.status).toBe(200);
    expect(await storedValues('cut1')).toEqual(Array.from({ length: 5000 }, (_, s) => expected(s)));
  }, 60_000);
});
