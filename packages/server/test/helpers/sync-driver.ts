/**
 * Drives uploads of a reference run's content and compares the result with the reference: `kobo dump` of
 * both must be equal apart from what legitimately differs — `metadata.run_id` and `board_id` (a server copy
 * has `board_id` and no `run_id`), the chunk `layout` of ColumnVault files (it follows the sizes of the
 * appends: one per client flush, one per upload) and `wal_files` (which files have a -wal at the moment).
 */
import { join } from 'node:path';
import { kvGet, withReadOnly } from 'kohakuboard/storage';
import { expect } from 'vitest';
import type { RunContent } from './run-requests.js';
import { koboDump, postLog, postMedia } from './uploads.js';

export function comparableDump(runDir: string): Record<string, unknown> {
  const d = koboDump(runDir);
  const metadata = { ...(d.metadata as Record<string, unknown>) };
  delete metadata.run_id;
  delete metadata.board_id;
  delete metadata.annotation;
  const { layout: _layout, wal_files: _wal, board_id: _board, ...rest } = d;
  return { ...rest, metadata };
}

export function expectSameRun(uploaded: string, reference: string): void {
  expect(comparableDump(uploaded)).toEqual(comparableDump(reference));
}

/** Uploads the blobs a /log answer names as missing, from the reference run. */
export async function uploadMissing(
  base: string,
  token: string,
  project: string,
  runId: string,
  refDir: string,
  content: RunContent,
  missing: string[],
): Promise<void> {
  if (!missing.length) return;
  const files = [];
  for (const hash of missing) {
    const m = content.media.find((x) => x.media_hash === hash);
    if (!m) throw new Error(`no media row for ${hash}`);
    const key = `${hash}.${m.format}`;
    const bytes = withReadOnly(join(refDir, 'media', 'blobs.db'), (db) => kvGet(db, key));
    if (!bytes) throw new Error(`no blob ${key}`);
    files.push({ name: key, bytes });
  }
  const r = await postMedia(base, token, project, runId, files);
  expect(r.status, r.text).toBe(200);
}

/** Sends one request and uploads what it says is missing; retries 409 run_busy as clients do. */
export async function send(
  base: string,
  token: string,
  project: string,
  runId: string,
  body: string | object,
  ref: { dir: string; content: RunContent },
  expectStatus = 'synced',
) {
  for (let attempt = 0; ; attempt++) {
    const r = await postLog(base, token, project, runId, body);
    if (r.status === 409 && r.json?.detail?.code === 'run_busy' && attempt < 40) {
      await new Promise((res) => setTimeout(res, 1000));
      continue;
    }
    expect(r.status, r.text).toBe(200);
    expect(r.json.status, r.text).toBe(expectStatus);
    await uploadMissing(base, token, project, runId, ref.dir, ref.content, r.json.missing_media);
    return r;
  }
}
