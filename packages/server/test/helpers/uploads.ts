/**
 * Uploads as clients send them: API tokens made through the account API, log sync requests (raw text, so
 * that bare NaN tokens reach the server as written), multipart media and raw log files.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import type { Client } from './server.js';

const KOBO = fileURLToPath(new URL('../../../kohakuboard/bin/kobo.js', import.meta.url));

export async function makeToken(c: Client, scopes: string[] = ['read', 'write']): Promise<string> {
  const r = await c.post('/api/auth/tokens', { name: `t-${Math.random()}`, scopes });
  expect(r.status, r.text).toBe(200);
  return r.json().token as string;
}

export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: response bodies of many shapes
  json: any;
}

async function answer(res: Response): Promise<Answer> {
  const text = await res.text();
  let json: unknown = null;
  try {
    json = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  return { status: res.status, headers: res.headers, text, json };
}

/** POST …/runs/{runId}/log with a body as text (or an object, serialised as JSON). */
export async function postLog(
  base: string,
  token: string,
  project: string,
  runId: string,
  body: string | object,
  headers: Record<string, string> = { 'content-type': 'application/json' },
): Promise<Answer> {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  const res = await fetch(`${base}/api/projects/${project}/runs/${runId}/log`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, ...headers },
    body: text,
  });
  return answer(res);
}

export async function postMedia(
  base: string,
  token: string,
  project: string,
  runId: string,
  files: Array<{ name: string; bytes: Uint8Array }>,
): Promise<Answer> {
  const form = new FormData();
  for (const f of files)
    form.append('files', new Blob([f.bytes], { type: 'application/octet-stream' }), f.name);
  const res = await fetch(`${base}/api/projects/${project}/runs/${runId}/media`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
    body: form,
  });
  return answer(res);
}

export async function putLog(
  base: string,
  token: string,
  project: string,
  runId: string,
  file: string,
  bytes: Uint8Array | string,
  contentType: string | null = 'application/octet-stream',
): Promise<Answer> {
  const res = await fetch(`${base}/api/projects/${project}/runs/${runId}/logs/${file}`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${token}`, ...(contentType ? { 'content-type': contentType } : {}) },
    body: typeof bytes === 'string' ? bytes : new Blob([bytes]),
  });
  return answer(res);
}

/** `kobo dump RUN_DIR --full` as a parsed document. */
export function koboDump(runDir: string): Record<string, unknown> {
  const out = execFileSync(process.execPath, [KOBO, 'dump', runDir, '--full'], {
    encoding: 'utf8',
    maxBuffer: 512 * 1024 * 1024,
  });
  return JSON.parse(out) as Record<string, unknown>;
}

/** The run metadata a Board writes, for requests that create a run. */
export function runMetadata(runId: string, extra: Record<string, unknown> = {}) {
  return {
    name: `run ${runId}`,
    config: { lr: 0.001, layers: [64, 32] },
    created_at: '2025-01-29T07:04:23.123000+00:00',
    project: 'mnist',
    finished_at: null,
    run_id: runId,
    annotation: null,
    status: 'running',
    version: '0.1.0',
    updated_at: '2025-01-29T07:04:23.123000+00:00',
    ...extra,
  };
}
