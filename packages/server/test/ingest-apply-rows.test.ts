/**
 * Which sent scalar rows an upload stores (docs/server.md#deduplication), read back from the metric file:
 * with offsets, the rows past the stored count; without, the rows after the last stored step, in the order
 * sent; a row's missing global step and time come from the request's step rows.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openReadOnly, readMetricSeries } from 'kohakuboard/storage';
import { afterAll, describe, expect, it } from 'vitest';
import { applyLogRequest } from '../src/ingest/apply-log.js';
import { parseLogBody } from '../src/ingest/log-body.js';
import { validateLogRequest } from '../src/ingest/log-request.js';
import { RunFiles } from '../src/ingest/run-files.js';

const root = mkdtempSync(join(tmpdir(), 'kobo-apply-rows-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function upload(files: RunFiles, body: string) {
  const parsed = parseLogBody(new TextEncoder().encode(body));
  if ('problem' in parsed) throw new Error(parsed.problem.message);
  const { request, rejected } = validateLogRequest(parsed.value, { maxItemBytes: 1024 });
  const r = applyLogRequest(files, request, rejected, { folder: 'run1', annotation: null, receivedAtMs: 5 });
  if (!r.ok) throw new Error(r.message);
  return r;
}

function stored(dir: string, stem: string) {
  const file = join(dir, 'data', 'metrics', `${stem}.db`);
  const db = openReadOnly(file);
  try {
    const s = readMetricSeries(db.db, file);
    return [...s.step].map((step, i) => [step, s.value[i], s.globalStep[i], s.timestamp[i]]);
  } finally {
    db.close();
  }
}

const rows = (list: Array<[number, number]>, extra = '') =>
  `[${list.map(([s, v]) => `{"step": ${s}, "value": ${v}${extra}}`).join(', ')}]`;

describe('scalar rows an upload stores', () => {
  it('with offsets: the rows past the stored count, whatever overlaps', () => {
    const dir = join(root, 'offsets');
    const files = new RunFiles(dir, 'wal');
    upload(
      files,
      `{"scalars": {"a": ${rows(
        [
          [0, 1],
          [1, 2],
        ],
        ', "global_step": 0, "timestamp": 9',
      )}}, "offsets": {"scalars": {"a": 0}}}`,
    );
    const r = upload(
      files,
      `{"scalars": {"a": ${rows(
        [
          [1, 2],
          [2, 3],
          [3, 4],
        ],
        ', "global_step": 1, "timestamp": 10',
      )}}, "offsets": {"scalars": {"a": 1}}}`,
    );
    expect(r.cursors.scalars.a).toBe(4);
    files.close();
    expect(stored(dir, 'a')).toEqual([
      [0, 1, 0, 9],
      [1, 2, 0, 9],
      [2, 3, 1, 10],
      [3, 4, 1, 10],
    ]);
  });

  it('without offsets: the rows after the last stored step, in the order sent, with step facts filled in', () => {
    const dir = join(root, 'steps');
    const files = new RunFiles(dir, 'wal');
    upload(
      files,
      `{"scalars": {"a": ${rows([
        [3, 1],
        [4, 2],
      ])}}, "steps": [{"step": 3, "global_step": 30, "timestamp": 300}]}`,
    );
    // 4 and 2 are already covered; 5, 7 and 6 are new and kept in the order sent (not the sent list's tail).
    upload(
      files,
      `{"scalars": {"a": ${rows([
        [5, 3],
        [7, 4],
        [6, 5],
        [4, 9],
        [2, 9],
      ])}}, "steps": [{"step": 7, "global_step": 70, "timestamp": null}]}`,
    );
    files.close();
    expect(stored(dir, 'a')).toEqual([
      [3, 1, 30, 300],
      [4, 2, 4, 5],
      [5, 3, 5, 5],
      [7, 4, 70, 5],
      [6, 5, 6, 5],
    ]);
  });
});
