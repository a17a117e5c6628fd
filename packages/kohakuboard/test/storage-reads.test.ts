/**
 * The storage library's targeted reads (the queries readers use instead of reading every row): rows of one
 * name, names, newest row ids, step-index ends, metric and histogram ends, KVault ranges and entries,
 * chunk layouts, and one-snapshot reads. Files are written with the storage writers, read back read-only.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createMetadataTables,
  HistogramFileWriter,
  KVaultWriter,
  kvEntries,
  kvGetRange,
  kvValueLength,
  MetadataDbWriter,
  MetricFileWriter,
  openForWriting,
  openReadOnly,
  type ReadOnlyDatabase,
  readChunkLayout,
  readColumnMetas,
  readDistinctNames,
  readHistogramNamesSince,
  readKernelDensityRowsByName,
  readMaxRowId,
  readMediaNameSummaries,
  readMediaRowById,
  readMediaRowsByIds,
  readMediaRowsByName,
  readMetricEnd,
  readMetricEnds,
  readNamesAfterRowId,
  readSnapshot,
  readStepIndexEnds,
  readStepTimestamps,
  readTableRowsByName,
  readTensorRowsByName,
  type SqliteDatabase,
  stepIndexHasGlobalStep,
} from '../src/storage/index.js';

let dir: string;
const open: ReadOnlyDatabase[] = [];
const read = (file: string): SqliteDatabase => {
  const h = openReadOnly(join(dir, file));
  open.push(h);
  return h.db;
};

function media(w: MetadataDbWriter, name: string, step: number, type = 'image'): number {
  return w.media({
    media_hash: `hash${step}${name.length}`,
    format: 'png',
    step,
    global_step: step,
    name,
    caption: null,
    type,
    size_bytes: 10,
    width: 2,
    height: 1,
  });
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'kobo-storage-reads-'));

  const m = openForWriting(join(dir, 'metadata.db'), 'metadata');
  createMetadataTables(m.db);
  const w = new MetadataDbWriter(m.db);
  w.steps([0, 1, 2, 3], [0, 0, 0, 5], [1000, 2000, 3000, 4000]);
  w.step(4, 0, Number.NaN); // a step row whose timestamp is NULL
  media(w, 'b', 5);
  media(w, 'a', 2);
  media(w, 'b', 2, 'video');
  for (const [step, name] of [
    [3, 'preds'],
    [1, 'preds'],
    [1, 'other'],
    [1, 'preds'],
  ] as const) {
    w.table({ step, global_step: step, name, columns: `["c${step}"]`, column_types: '["text"]', rows: '[]' });
  }
  for (const step of [7, 3]) {
    w.tensor({
      step,
      global_step: step,
      name: 'w/fc',
      namespace: 'w',
      kv_file: 'w',
      kv_key: `fc:${step}`,
      dtype: 'float32',
      shape: '[2]',
      size_bytes: 136,
      metadata: '{}',
    });
    w.kernelDensity({
      step,
      global_step: step,
      name: 'kde/x',
      kv_file: 'kde',
      kv_key: `x:${step}`,
      kernel: 'gaussian',
      bandwidth: '0.25',
      sample_count: 100,
      range_min: 0,
      range_max: 1,
      num_points: 64,
      metadata: null,
    });
  }
  m.db.close();

  const empty = openForWriting(join(dir, 'no-tables.db'), 'metadata');
  empty.db.close();

  const steps0 = openForWriting(join(dir, 'zero-global.db'), 'metadata');
  createMetadataTables(steps0.db);
  new MetadataDbWriter(steps0.db).steps([0, 1], [0, 0], [10, 20]);
  steps0.db.close();

  const kv = openForWriting(join(dir, 'blobs.db'), 'kvault');
  const kw = new KVaultWriter(kv.db, 'blobs.db');
  kw.put('b.png', Buffer.from('0123456789'));
  kw.put('a.png', Buffer.from('xyz'));
  kv.db.close();

  const mf = openForWriting(join(dir, 'metric.db'), 'columnvault');
  // 10,000 rows: more than one chunk per column (TS columns start at 4 KiB chunks).
  const n = 10_000;
  const steps = Array.from({ length: n }, (_, i) => i * 2);
  new MetricFileWriter(mf.db, join(dir, 'metric.db')).append({
    step: steps,
    globalStep: steps,
    timestamp: steps,
    value: steps.map((s) => s / 4),
  });
  mf.db.close();

  const emptyMetric = openForWriting(join(dir, 'empty-metric.db'), 'columnvault');
  new MetricFileWriter(emptyMetric.db, join(dir, 'empty-metric.db'));
  emptyMetric.db.close();

  const hf = openForWriting(join(dir, 'params_4_i32.db'), 'columnvault');
  const hw = new HistogramFileWriter(hf.db, join(dir, 'params_4_i32.db'), 4, 'i32');
  const row = (name: string, step: number) => ({
    step,
    globalStep: step,
    name,
    counts: [1, 2, 3, 4],
    min: 0,
    max: 1,
  });
  hw.append([row('params/w', 0), row('params/b', 0)]);
  hw.append([row('params/w', 1), row('params/w', 2), row('params/v', 2)]);
  hf.db.close();
});

afterAll(() => {
  for (const h of open) h.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('metadata.db rows of one name (docs/format.md#row-meanings)', () => {
  it('distinct names, sorted; a missing table has none', () => {
    const db = read('metadata.db');
    expect(readDistinctNames(db, 'media')).toEqual(['a', 'b']);
    expect(readDistinctNames(db, 'tables')).toEqual(['other', 'preds']);
    expect(readDistinctNames(db, 'tensors')).toEqual(['w/fc']);
    expect(readDistinctNames(db, 'kernel_density')).toEqual(['kde/x']);
    expect(readDistinctNames(read('no-tables.db'), 'media')).toEqual([]);
  });

  it('media rows by name come by step, then id; by id and by ids skip what is missing', () => {
    const db = read('metadata.db');
    const b = readMediaRowsByName(db, 'b');
    expect(b.map((r) => [r.step, r.type])).toEqual([
      [2, 'video'],
      [5, 'image'],
    ]);
    expect(b[1]).toMatchObject({ id: 1, name: 'b', format: 'png', width: 2, height: 1, size_bytes: 10 });
    expect(readMediaRowById(db, 2)?.name).toBe('a');
    expect(readMediaRowById(db, 99)).toBeNull();
    expect(readMediaRowsByIds(db, [3, 99, 1]).map((r) => r.id)).toEqual([3, 1]);
    expect(readMediaRowsByIds(db, [])).toEqual([]);
    expect(readMediaRowsByName(read('no-tables.db'), 'b')).toEqual([]);
    expect(readMediaRowById(read('no-tables.db'), 1)).toBeNull();
  });

  it('per-name media summaries: count, step range and "mixed" for several types', () => {
    expect(readMediaNameSummaries(read('metadata.db'))).toEqual([
      { name: 'a', type: 'image', count: 1, first_step: 2, last_step: 2 },
      { name: 'b', type: 'mixed', count: 2, first_step: 2, last_step: 5 },
    ]);
  });

  it('table, tensor and KDE rows of a name come by step, then append order', () => {
    const db = read('metadata.db');
    expect(readTableRowsByName(db, 'preds').map((r) => [r.step, r.columns])).toEqual([
      [1, '["c1"]'],
      [1, '["c1"]'],
      [3, '["c3"]'],
    ]);
    expect(readTensorRowsByName(db, 'w/fc').map((r) => r.kv_key)).toEqual(['fc:3', 'fc:7']);
    const kde = readKernelDensityRowsByName(db, 'kde/x');
    expect(kde.map((r) => r.step)).toEqual([3, 7]);
    expect(kde[0]).toMatchObject({ bandwidth: '0.25', sample_count: 100, num_points: 64, metadata: null });
    expect(readTensorRowsByName(db, 'nope')).toEqual([]);
  });

  it('the newest row id and the names of rows after a row id', () => {
    const db = read('metadata.db');
    expect(readMaxRowId(db, 'media')).toBe(3);
    expect(readMaxRowId(db, 'tables')).toBe(4);
    expect(readNamesAfterRowId(db, 'tables', 1)).toEqual(['other', 'preds']);
    expect(readNamesAfterRowId(db, 'tables', 3)).toEqual(['preds']);
    expect(readNamesAfterRowId(db, 'tables', 4)).toEqual([]);
    expect(readMaxRowId(read('no-tables.db'), 'media')).toBe(0);
    expect(readNamesAfterRowId(read('no-tables.db'), 'media', 0)).toEqual([]);
  });
});

describe('the step index (docs/format.md#row-meanings)', () => {
  it('timestamps of given steps; steps without a row or a timestamp are left out', () => {
    const t = readStepTimestamps(read('metadata.db'), [3, 0, 3, 9, 4]);
    expect([...t]).toEqual([
      [3, 4000],
      [0, 1000],
    ]);
    expect(readStepTimestamps(read('no-tables.db'), [0]).size).toBe(0);
  });

  it('ends: last step, first and last timestamps; null when empty or missing', () => {
    expect(readStepIndexEnds(read('metadata.db'))).toEqual({
      lastStep: 4,
      firstTimestamp: 1000,
      lastTimestamp: null,
    });
    expect(readStepIndexEnds(read('zero-global.db'))).toEqual({
      lastStep: 1,
      firstTimestamp: 10,
      lastTimestamp: 20,
    });
    expect(readStepIndexEnds(read('no-tables.db'))).toBeNull();
  });

  it('a non-zero global_step, over all rows or only rows after a step', () => {
    const db = read('metadata.db');
    expect(stepIndexHasGlobalStep(db)).toBe(true);
    expect(stepIndexHasGlobalStep(db, 2)).toBe(true);
    expect(stepIndexHasGlobalStep(db, 3)).toBe(false);
    expect(stepIndexHasGlobalStep(read('zero-global.db'))).toBe(false);
    expect(stepIndexHasGlobalStep(read('no-tables.db'))).toBe(false);
  });
});

describe('ColumnVault ends and layout (docs/format.md#column-vault, docs/format.md#histogram-files)', () => {
  it('a metric file: row count and last step; the ends with the first step and the last value', () => {
    const file = join(dir, 'metric.db');
    const db = read('metric.db');
    expect(readMetricEnd(db, file)).toEqual({ count: 10_000, lastStep: 19_998 });
    expect(readMetricEnds(db, file)).toEqual({
      count: 10_000,
      firstStep: 0,
      lastStep: 19_998,
      lastValue: 4999.5,
    });
    const empty = join(dir, 'empty-metric.db');
    expect(readMetricEnd(read('empty-metric.db'), empty)).toEqual({ count: 0, lastStep: null });
    expect(readMetricEnds(read('empty-metric.db'), empty)).toEqual({
      count: 0,
      firstStep: null,
      lastStep: null,
      lastValue: null,
    });
  });

  it('a histogram file: row count and the distinct names of the rows from a row on', () => {
    const file = join(dir, 'params_4_i32.db');
    const db = read('params_4_i32.db');
    expect(readHistogramNamesSince(db, file, 0)).toEqual({
      count: 5,
      names: ['params/w', 'params/b', 'params/v'],
    });
    expect(readHistogramNamesSince(db, file, 2)).toEqual({ count: 5, names: ['params/w', 'params/v'] });
    expect(readHistogramNamesSince(db, file, 99)).toEqual({ count: 5, names: [] });
  });

  it('the chunks of a column as [chunk_idx, actual_size, bytes_used], in order', () => {
    const db = read('metric.db');
    const step = readColumnMetas(db, join(dir, 'metric.db')).get('step')!;
    const chunks = readChunkLayout(db, step.colId);
    expect(chunks.map((c) => c[0])).toEqual(chunks.map((_, i) => i));
    expect(chunks.length).toBeGreaterThan(1);
    // The chunks hold every element of the column.
    expect(chunks.reduce((sum, c) => sum + c[1], 0)).toBeGreaterThanOrEqual(step.length * 8);
  });
});

describe('KVault values (docs/format.md#kvault-files)', () => {
  it('length of a value, a byte range clipped at its end, undefined for a missing key', () => {
    const db = read('blobs.db');
    expect(kvValueLength(db, 'b.png')).toBe(10);
    expect(kvValueLength(db, 'nope.png')).toBeUndefined();
    expect(kvGetRange(db, 'b.png', 2, 3)?.toString()).toBe('234');
    expect(kvGetRange(db, 'b.png', 8, 100)?.toString()).toBe('89');
    expect(kvGetRange(db, 'nope.png', 0, 1)).toBeUndefined();
    expect(kvValueLength(read('no-tables.db'), 'b.png')).toBeUndefined();
  });

  it('every entry in key order', () => {
    const entries = [...kvEntries(read('blobs.db'))].map((e) => [e.key, e.value.toString()]);
    expect(entries).toEqual([
      ['a.png', 'xyz'],
      ['b.png', '0123456789'],
    ]);
  });
});

describe('one snapshot per read (docs/format.md#reading-safely)', () => {
  it('a writer committing meanwhile is not seen inside readSnapshot, and is seen after it', () => {
    const file = join(dir, 'metric.db');
    const db = read('metric.db');
    const writer = openForWriting(file, 'columnvault');
    try {
      const seen = readSnapshot(db, () => {
        const before = readMetricEnd(db, file).count;
        new MetricFileWriter(writer.db, file).append({
          step: [1],
          globalStep: [1],
          timestamp: [1],
          value: [1],
        });
        return [before, readMetricEnd(db, file).count];
      });
      expect(seen).toEqual([10_000, 10_000]);
      expect(readMetricEnd(db, file).count).toBe(10_001);
    } finally {
      writer.db.close();
    }
  });
});
