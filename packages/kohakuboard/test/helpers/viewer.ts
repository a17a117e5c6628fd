/**
 * Starting a viewer for tests: tasks in this thread (no worker build needed), index ticks driven by the
 * test, every server closed by the returned function.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createViewer, type Viewer, type ViewerOptions } from '../../src/viewer/app.js';

// biome-ignore lint/suspicious/noExplicitAny: API answers are JSON documents, checked field by field
export type Json = any;

export async function startViewer(dataDir: string, options: Partial<ViewerOptions> = {}): Promise<Viewer> {
  const viewer = await createViewer({ dataDir, workers: 0, uiDir: null, watch: false, ...options });
  await viewer.index.ready;
  return viewer;
}

export function tempDir(prefix = 'kobo-viewer-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** GET through fastify.inject; returns status, headers and the parsed JSON body (or raw text). */
export async function get(viewer: Viewer, url: string, headers: Record<string, string> = {}) {
  const res = await viewer.app.inject({ method: 'GET', url, headers });
  let json: Json = null;
  try {
    json = JSON.parse(res.body);
  } catch {
    json = null;
  }
  return { status: res.statusCode, headers: res.headers, body: res.body, raw: res.rawPayload, json };
}

export async function post(viewer: Viewer, url: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await viewer.app.inject({
    method: 'POST',
    url,
    payload: typeof body === 'string' ? body : JSON.stringify(body),
    headers: { 'content-type': 'application/json', ...headers },
  });
  let json: Json = null;
  try {
    json = JSON.parse(res.body);
  } catch {
    json = null;
  }
  return { status: res.statusCode, headers: res.headers, body: res.body, raw: res.rawPayload, json };
}
