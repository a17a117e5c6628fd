/**
 * SIGTERM lets requests in flight finish (docs/server.md#workers): an upload whose body is still arriving
 * when the signal comes is stored and answered, the process then exits 0, and a server started again on the
 * same data dir takes the next upload of that run at once (no lease left behind, no 409 run_busy).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type ChildServer, startChildServer } from './helpers/child-server.js';
import { eventually } from './helpers/server.js';
import { koboDump, runMetadata } from './helpers/uploads.js';

function logBody(from: number, to: number, withMetadata: boolean): string {
  const steps = Array.from({ length: to - from }, (_, i) => from + i);
  return JSON.stringify({
    sync_range: { start_step: from, end_step: to - 1 },
    steps: steps.map((s) => ({ step: s, global_step: s, timestamp: 1_738_134_263_000 + s })),
    scalars: { 'train/loss': steps.map((s) => ({ step: s, value: s / 4 })) },
    media: [],
    tables: [],
    histograms: [],
    kernel_density: [],
    ...(withMetadata ? { metadata: runMetadata('stop0001') } : {}),
    offsets: { scalars: { 'train/loss': from }, histograms: {} },
  });
}

/** POST /log whose body is sent in two halves; `between` runs after the first half has gone out. */
function splitUpload(
  url: string,
  body: string,
  between: () => Promise<void>,
): Promise<{ status: number; text: string }> {
  const u = new URL(`${url}/api/projects/stopping/runs/stop0001/log`);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: u.hostname,
        port: u.port,
        path: u.pathname,
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        let text = '';
        res.on('data', (d) => {
          text += String(d);
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on('error', reject);
    const half = Math.floor(body.length / 2);
    req.write(body.slice(0, half));
    void between().then(() => req.end(body.slice(half)), reject);
  });
}

describe('kobo-serve SIGTERM', () => {
  const root = mkdtempSync(join(tmpdir(), 'kobo-graceful-'));
  let server: ChildServer | null = null;
  afterAll(async () => {
    await server?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it('finishes the upload in flight, exits 0, and leaves the run free for the next server', async () => {
    const dataDir = join(root, 'data');
    const args = ['--data-dir', dataDir, '--no-auth', '--log-level', 'info'];
    server = await startChildServer(args);
    const first = server;
    const answer = await splitUpload(first.url, logBody(0, 2000, true), async () => {
      // The request has begun (Fastify logs it when its headers arrive); the signal comes mid-body.
      await eventually(async () => expect(first.output()).toContain('incoming request'), 30_000);
      first.child.kill('SIGTERM');
    });
    expect(answer.status, answer.text).toBe(200);
    expect(await first.exited).toBe(0);

    server = await startChildServer(args);
    const again = await fetch(`${server.url}/api/projects/stopping/runs/stop0001/log`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: logBody(2000, 3000, false),
    });
    expect(again.status, await again.clone().text()).toBe(200);
    const stored = koboDump(join(dataDir, 'users', 'local', 'stopping', 'stop0001')) as {
      metrics: Record<string, { step: number[]; value: number[] }>;
    };
    const loss = stored.metrics['train/loss'];
    expect(loss.step).toEqual(Array.from({ length: 3000 }, (_, i) => i));
    expect(loss.value).toEqual(loss.step.map((s) => s / 4));
  }, 180_000);
});
