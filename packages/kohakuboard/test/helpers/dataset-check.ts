/**
 * Checks that a run folder holds exactly the dataset of client-scripts/dataset.mjs, read back through the
 * project's reader (dumpRun) and, for payloads, decoded independently.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decode } from 'fast-png';
import { expect } from 'vitest';
import { dumpRun } from '../../src/reader/run-dump.js';
import { decodeNpz, kvGet, openReadOnly } from '../../src/storage/index.js';
import {
  accAt,
  EXPECTED_OUTPUT_LOG,
  histogramValues,
  kdeSamples,
  lossAt,
  pixels,
  SPECIAL,
  STEP,
  STEPS,
  TENSOR,
} from '../client-scripts/dataset.mjs';
import { KOBO_BIN, runViolations } from './child-process.js';

// biome-ignore lint/suspicious/noExplicitAny: a JSON document, checked field by field
export type Dump = Record<string, any>;

const nf = (x: number) =>
  Number.isFinite(x) ? x : { $nonfinite: Number.isNaN(x) ? 'NaN' : x > 0 ? 'Infinity' : '-Infinity' };
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

/** numpy-style percentile from a full sort: an independent reference for the writer's selection. */
function percentile(sorted: number[], p: number): number {
  const h = ((sorted.length - 1) * p) / 100;
  const f = Math.floor(h);
  if (f >= sorted.length - 1) return sorted[sorted.length - 1];
  return sorted[f] + (h - f) * (sorted[f + 1] - sorted[f]);
}

export function referenceHistogram(values: number[], K: number) {
  const s = values.filter(Number.isFinite).sort((a, b) => a - b);
  const lo = percentile(s, 1);
  const hi = percentile(s, 99);
  const counts = new Array(K).fill(0);
  for (const v of s) counts[Math.min(K - 1, Math.max(0, Math.floor(((v - lo) / (hi - lo)) * K)))]++;
  return { lo, hi, counts };
}

function blob(runDir: string, key: string): Buffer {
  const h = openReadOnly(join(runDir, 'media', 'blobs.db'));
  try {
    const b = kvGet(h.db, key);
    if (!b) throw new Error(`blob ${key} is missing`);
    return b;
  } finally {
    h.close();
  }
}

export function expectDataset(runDir: string, status: string): Dump {
  const d: Dump = dumpRun(runDir, { full: true });

  expect(d.metadata.status).toBe(status);
  expect(typeof d.metadata.finished_at).toBe('string');
  expect(d.metadata.config).toMatchObject({ nested: { lr: 0.001 } });

  const loss = d.metrics['train/loss'];
  expect(loss.count).toBe(STEPS);
  expect(loss.step).toEqual(range(0, STEPS));
  expect(loss.global_step).toEqual(range(1, STEPS + 1));
  expect(loss.value).toEqual(range(0, STEPS).map(lossAt));
  const acc = d.metrics['train/acc'];
  expect(acc.value).toEqual(range(0, STEPS).map((i) => (accAt(i) ? 1 : 0)));
  // One call, one timestamp: both metrics and the steps row share it.
  expect(acc.timestamp).toEqual(loss.timestamp);
  expect(loss.timestamp.every((t: number, i: number) => i === 0 || t >= loss.timestamp[i - 1])).toBe(true);

  const special = d.metrics.special;
  expect(special.step).toEqual(range(STEP.special, STEP.special + 6));
  expect(special.global_step).toEqual(new Array(6).fill(STEPS));
  expect(special.value).toEqual(SPECIAL.map(nf));
  expect(Object.is(special.value[3], -0)).toBe(true);
  expect(d.metrics.ok).toMatchObject({ count: 1, step: [STEP.ok], value: [2] });
  // The board samples system/ metrics too (on by default, docs/client.md#system-metrics): they are not the
  // dataset's.
  const logged = Object.keys(d.metrics).filter((n) => !n.startsWith('system/'));
  expect(logged.sort()).toEqual(['ok', 'special', 'train/acc', 'train/loss']);

  // The steps index: every call that stored something; the call with only a bad value left a gap.
  expect(d.steps.step).toEqual([...range(0, STEP.bad), STEP.ok]);
  expect(d.steps.timestamp.slice(0, STEPS)).toEqual(loss.timestamp);

  const hist = d.histogram_files['hist_16_i32.db'];
  const ref = referenceHistogram(histogramValues(), 16);
  expect(hist.rows).toHaveLength(1);
  expect(hist.rows[0]).toMatchObject({
    step: STEP.histogram,
    global_step: STEPS,
    name: 'hist/w',
    counts: ref.counts,
  });
  expect(hist.rows[0].min).toBeCloseTo(ref.lo, 12);
  expect(hist.rows[0].max).toBeCloseTo(ref.hi, 12);
  expect(ref.counts.reduce((a, b) => a + b, 0)).toBe(1002); // outliers kept in the edge bins

  expect(
    d.media.map((m: Dump) => [m.id, m.name, m.step, m.caption, m.type, m.format, m.width, m.height]),
  ).toEqual([
    [1, 'samples', STEP.images, 'a caption', 'image', 'png', 4, 3],
    [2, 'samples', STEP.images, 'a caption', 'image', 'png', 4, 3],
    [3, 'preds_r0_c0', STEP.table, '', 'image', 'png', 4, 3],
    [4, 'preds_r1_c0', STEP.table, '', 'image', 'png', 4, 3],
  ]);
  const seeds = [1, 2, 1, 3];
  d.media.forEach((m: Dump, i: number) => {
    const png = decode(blob(runDir, m.blob_key));
    expect([png.width, png.height, png.channels]).toEqual([4, 3, 3]);
    expect(Buffer.from(png.data as Uint8Array).equals(Buffer.from(pixels(seeds[i])))).toBe(true);
    expect(m.size_bytes).toBe(blob(runDir, m.blob_key).length);
  });
  expect(d.media[0].media_hash).toBe(d.media[2].media_hash); // equal pixels, equal bytes
  expect(Object.keys(d.kvault['media/blobs.db'])).toHaveLength(3);

  expect(d.tables).toHaveLength(1);
  expect(d.tables[0]).toMatchObject({
    step: STEP.table,
    name: 'preds',
    columns: ['image', 'label', 'p', 'extra'],
    column_types: ['media', 'text', 'number', 'number'],
  });
  expect(d.tables[0].rows_text).toBe('[["<media id=3>","cat",0.9,null],["<media id=4>","dog",NaN,7]]');

  expect(d.tensors).toHaveLength(1);
  expect(d.tensors[0]).toMatchObject({
    step: STEP.tensor,
    name: 'params/fc1/weight',
    namespace: 'params',
    kv_file: 'params',
    kv_key: `fc1__weight:${STEP.tensor}`,
    dtype: 'float32',
    shape: [2, 3],
    metadata: { layer: 'fc1' },
  });
  expect(d.tensors[0].payload).toMatchObject({ descr: '<f4', shape: [2, 3], fortran_order: false });
  expect(d.tensors[0].payload.first_values).toEqual(Array.from(Float32Array.from(TENSOR)).map(nf));

  expect(d.kernel_density).toHaveLength(1);
  const k = d.kernel_density[0];
  const samples = kdeSamples().filter(Number.isFinite);
  const mean = samples.reduce((a, b) => a + b, 0) / samples.length;
  const sigma = Math.sqrt(samples.reduce((a, b) => a + (b - mean) ** 2, 0) / samples.length);
  expect(k).toMatchObject({
    step: STEP.kde,
    name: 'kde/x',
    kernel: 'gaussian',
    sample_count: 500,
    num_points: 64,
  });
  expect(Number(k.bandwidth)).toBeCloseTo(1.06 * sigma * 500 ** -0.2, 12);
  const tensorsDb = openReadOnly(join(runDir, 'data', 'tensors', 'kde.db'));
  const npz = decodeNpz(kvGet(tensorsDb.db, k.kv_key)!);
  tensorsDb.close();
  expect(npz.get('grid')?.shape).toEqual([64]);
  expect(npz.get('density')?.shape).toEqual([64]);

  expect(d.output_log.text).toBe(EXPECTED_OUTPUT_LOG);

  const boardLog = readFileSync(join(runDir, 'logs', 'board.log'), 'utf8');
  expect(boardLog.match(/Cannot convert value of "bad" to a number/g)).toHaveLength(1);
  expect(boardLog.match(/Skipped "": the name is empty/g)).toHaveLength(1);

  expect(runViolations(runDir)).toEqual([]);

  const cli = spawnSync(process.execPath, [KOBO_BIN, 'dump', runDir, '--compact'], { encoding: 'utf8' });
  expect(cli.status).toBe(0);
  expect(JSON.parse(cli.stdout).metrics['train/loss'].count).toBe(STEPS);
  return d;
}
