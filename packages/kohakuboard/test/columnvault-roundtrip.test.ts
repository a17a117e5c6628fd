/**
 * Round trip: what the storage writers write is read back bit-exact, and every file keeps the invariants of
 * docs/format.md#row-counts-and-transactions (checked by reading the SQLite tables directly).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import {
  ColumnVaultWriter,
  encodeF64,
  HistogramFileWriter,
  histogramFileInfo,
  MetricFileWriter,
  NewMetricFiles,
  openForWriting,
  openReadOnly,
  readColumnMetas,
  readFixedBytes,
  readHistogramRows,
  readMetricSeries,
  readVarColumn,
} from '../src/storage/index.js';
import { columnVaultViolations, kvaultViolations } from './helpers/invariants.js';

const root = mkdtempSync(join(tmpdir(), 'kobo-roundtrip-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let fileCounter = 0;
const newFile = (stem: string) => join(root, `${stem}-${fileCounter++}.db`);

const specialDoubles = fc.constantFrom(
  Number.NaN,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  -0,
  0,
  Number.MIN_VALUE,
  Number.MAX_VALUE,
  -Number.MAX_VALUE,
);
const doubleValue = fc.oneof({ arbitrary: fc.double(), weight: 4 }, { arbitrary: specialDoubles, weight: 1 });
const safeInt = fc.integer({ min: -(2 ** 53 - 1), max: 2 ** 53 - 1 });

/** Batches of metric rows whose sizes cross many chunk boundaries (a 64 KiB chunk holds 8,192 values). */
const metricBatches = fc.array(
  fc.oneof(
    { arbitrary: fc.integer({ min: 0, max: 40 }), weight: 3 },
    { arbitrary: fc.integer({ min: 500, max: 20_000 }), weight: 1 },
  ),
  { minLength: 1, maxLength: 8 },
);

function rowsOf(n: number, seed: number, values: number[]) {
  const step = new Float64Array(n);
  const globalStep = new Float64Array(n);
  const timestamp = new Float64Array(n);
  const value = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    step[i] = seed + i;
    globalStep[i] = i % 3 === 0 ? -(seed + i) - 1 : (seed + i) * 7;
    timestamp[i] = 1_700_000_000_000 + seed * 13 + i;
    value[i] = values.length ? values[i % values.length] : i / 3;
  }
  return { step, globalStep, timestamp, value };
}

/** Byte image of the values as the format stores them (NaN canonicalised). */
const f64Bytes = (values: ArrayLike<number>) => Buffer.from(encodeF64(values));

describe('metric files', () => {
  it('read back bit-exact and keep F1–F5 for random batch sequences', () => {
    fc.assert(
      fc.property(metricBatches, fc.array(doubleValue, { maxLength: 64 }), (batches, values) => {
        const file = newFile('metric');
        const { db } = openForWriting(file, 'columnvault');
        const writer = new MetricFileWriter(db, file);
        const all = {
          step: [] as number[],
          globalStep: [] as number[],
          timestamp: [] as number[],
          value: [] as number[],
        };
        let seed = 0;
        for (const n of batches) {
          const rows = rowsOf(n, seed, values);
          writer.append(rows);
          all.step.push(...rows.step);
          all.globalStep.push(...rows.globalStep);
          all.timestamp.push(...rows.timestamp);
          all.value.push(...rows.value);
          seed += n;
        }
        db.close();

        expect(columnVaultViolations(file, { tsCreated: true })).toEqual([]);
        const handle = openReadOnly(file);
        try {
          const read = readMetricSeries(handle.db, file);
          expect(Array.from(read.step)).toEqual(all.step);
          expect(Array.from(read.globalStep)).toEqual(all.globalStep);
          expect(Array.from(read.timestamp)).toEqual(all.timestamp);
          // Bit-exact, with NaN canonical: compare the stored bytes with the canonical encoding.
          expect(Buffer.from(read.value.buffer, read.value.byteOffset, read.value.byteLength)).toEqual(
            f64Bytes(all.value),
          );
        } finally {
          handle.close();
        }
      }),
      { numRuns: 25 },
    );
  });

  it('stores every NaN as the canonical quiet NaN, whatever its payload', () => {
    const file = newFile('nan');
    const { db } = openForWriting(file, 'columnvault');
    const writer = new MetricFileWriter(db, file);
    const payloadNaN = new Float64Array(
      new BigUint64Array([0x7ff8000000000123n, 0xfff0000000000001n]).buffer,
    );
    writer.append({ step: [0, 1], globalStep: [0, 0], timestamp: [0, 0], value: payloadNaN });
    db.close();
    const raw = new Database(file, { readonly: true });
    const data = raw.prepare('SELECT data FROM col_chunks WHERE col_id = 4').pluck().get() as Buffer;
    raw.close();
    expect(data.subarray(0, 16).toString('hex')).toBe('000000000000f87f000000000000f87f');
  });

  it('lays out a new file exactly as the example of docs/format.md#chunk-sizes', () => {
    const file = newFile('example');
    const { db } = openForWriting(file, 'columnvault');
    new MetricFileWriter(db, file).append({
      step: [0, 1, 2],
      globalStep: [0, 0, 0],
      timestamp: [0, 0, 0],
      value: [0.5, 0.25, 1.0],
    });
    db.close();
    const raw = new Database(file, { readonly: true });
    const meta = raw.prepare('SELECT * FROM col_meta ORDER BY col_id').raw().all();
    expect(meta).toEqual([
      [1, 'step', 'i64', 8, 3, 4096, 4096, 65536],
      [2, 'global_step', 'i64', 8, 3, 4096, 4096, 65536],
      [3, 'timestamp', 'i64', 8, 3, 4096, 4096, 65536],
      [4, 'value', 'f64', 8, 3, 4096, 4096, 65536],
    ]);
    const step = raw.prepare('SELECT data, actual_size FROM col_chunks WHERE col_id = 1').get() as {
      data: Buffer;
      actual_size: number;
    };
    const value = raw.prepare('SELECT data FROM col_chunks WHERE col_id = 4').pluck().get() as Buffer;
    const version = raw
      .prepare("SELECT typeof(value), value FROM kohakuvault_meta WHERE key = 'schema_version'")
      .raw()
      .get();
    raw.close();
    expect(step.actual_size).toBe(4096);
    expect(step.data.subarray(0, 24).toString('hex')).toBe(
      '000000000000000001000000000000000200000000000000',
    );
    expect(value.subarray(0, 24).toString('hex')).toBe('000000000000e03f000000000000d03f000000000000f03f');
    expect(step.data.subarray(24).every((b) => b === 0)).toBe(true);
    expect(version).toEqual(['text', '2']);
  });

  it('grows chunks of a Python-sized column 128K → 256K → 512K as the original does', () => {
    const file = newFile('python-sized');
    const { db } = openForWriting(file, 'columnvault');
    // A column created with the Python defaults (min 131072, max 16777216), continued by our writer.
    db.exec(
      `CREATE TABLE kohakuvault_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
       CREATE TABLE col_meta (col_id INTEGER PRIMARY KEY, name TEXT UNIQUE NOT NULL, dtype TEXT NOT NULL, elem_size INTEGER NOT NULL,
         length INTEGER NOT NULL, chunk_bytes INTEGER NOT NULL, min_chunk_bytes INTEGER DEFAULT 131072, max_chunk_bytes INTEGER DEFAULT 16777216);
       INSERT INTO col_meta (name, dtype, elem_size, length, chunk_bytes, min_chunk_bytes, max_chunk_bytes)
         VALUES ('value', 'f64', 8, 0, 131072, 131072, 16777216);`,
    );
    const vault = new ColumnVaultWriter(db, file, [{ name: 'value', dtype: 'f64' }]);
    const sizes: number[] = [];
    const chunkSize = () =>
      db
        .prepare('SELECT actual_size FROM col_chunks WHERE col_id = 1 AND chunk_idx = 0')
        .pluck()
        .get() as number;
    for (const n of [16_384, 1, 16_383, 1, 8_000]) {
      vault.transaction(() => vault.appendFixed('value', encodeF64(new Float64Array(n).fill(1))));
      sizes.push(chunkSize());
    }
    const chunkCount = db.prepare('SELECT count(*) FROM col_chunks').pluck().get();
    db.close();
    expect(sizes).toEqual([131072, 262144, 262144, 524288, 524288]);
    expect(chunkCount).toBe(1);
    expect(columnVaultViolations(file)).toEqual([]);
  });
});

describe('var-size columns', () => {
  const value = fc.oneof(
    { arbitrary: fc.uint8Array({ maxLength: 40 }), weight: 6 },
    { arbitrary: fc.constant(new Uint8Array(0)), weight: 1 },
    // Longer than one 64 KiB chunk: stored in a dedicated chunk of exactly its size.
    {
      arbitrary: fc.integer({ min: 65_537, max: 140_000 }).map((n) => new Uint8Array(n).fill(n & 0xff || 1)),
      weight: 1,
    },
    { arbitrary: fc.integer({ min: 3_000, max: 30_000 }).map((n) => new Uint8Array(n).fill(7)), weight: 1 },
  );

  it('read back bit-exact and keep V1–V5 for random batch sequences', () => {
    fc.assert(
      fc.property(fc.array(fc.array(value, { maxLength: 12 }), { minLength: 1, maxLength: 6 }), (batches) => {
        const file = newFile('var');
        const { db } = openForWriting(file, 'columnvault');
        const vault = new ColumnVaultWriter(db, file, [{ name: 'blob', dtype: 'var' }]);
        const all: Uint8Array[] = [];
        for (const batch of batches) {
          vault.transaction(() => vault.appendVar('blob', batch));
          all.push(...batch);
        }
        db.close();
        expect(columnVaultViolations(file, { tsCreated: true })).toEqual([]);
        const handle = openReadOnly(file);
        try {
          const read = readVarColumn(handle.db, readColumnMetas(handle.db, file), 'blob', file);
          expect(read.map((b) => Buffer.from(b).toString('hex'))).toEqual(
            all.map((b) => Buffer.from(b).toString('hex')),
          );
        } finally {
          handle.close();
        }
      }),
      { numRuns: 30 },
    );
  });

  it('packs several flushes into the last data chunk instead of a new chunk per flush', () => {
    const file = newFile('packing');
    const { db } = openForWriting(file, 'columnvault');
    const vault = new ColumnVaultWriter(db, file, [{ name: 'name', dtype: 'var' }]);
    const enc = new TextEncoder();
    vault.transaction(() => vault.appendVar('name', [enc.encode('grad/w'), enc.encode('grad/b')]));
    vault.transaction(() => vault.appendVar('name', [enc.encode('grad/w')]));
    const chunks = db
      .prepare('SELECT chunk_idx, actual_size, bytes_used FROM col_chunks WHERE col_id = 1')
      .raw()
      .all();
    db.close();
    expect(chunks).toEqual([[0, 4096, 18]]);
  });
});

describe('histogram files', () => {
  const row = (K: number) =>
    fc.record({
      step: fc.nat({ max: 1_000_000 }),
      globalStep: safeInt,
      name: fc.string({ maxLength: 30 }).map((s) => `ns/${s}`),
      counts: fc.array(fc.nat({ max: 2 ** 31 - 1 }), { minLength: K, maxLength: K }),
      min: doubleValue,
      max: doubleValue,
    });

  it.each([
    ['i32', 64],
    ['u8', 32],
  ] as const)('read back what was written (%s, %i bins) and keep the invariants', (precision, K) => {
    fc.assert(
      fc.property(
        fc.array(fc.array(row(K), { maxLength: 20 }), { minLength: 1, maxLength: 5 }),
        (batches) => {
          const file = join(root, `ns_${K}_${precision}-${fileCounter++}.db`);
          const { db } = openForWriting(file, 'columnvault');
          const writer = new HistogramFileWriter(db, file, K, precision);
          const all = batches.flat().map((r) => ({
            ...r,
            counts: precision === 'u8' ? r.counts.map((c) => Math.min(255, c)) : r.counts,
          }));
          for (const batch of batches) {
            writer.vault.transaction(() =>
              writer.appendInTransaction(
                batch.map((r) => ({
                  ...r,
                  counts: precision === 'u8' ? r.counts.map((c) => Math.min(255, c)) : r.counts,
                })),
              ),
            );
          }
          db.close();
          expect(columnVaultViolations(file, { tsCreated: true })).toEqual([]);
          const handle = openReadOnly(file);
          try {
            const stem = `ns_${K}_${precision}`;
            const info = histogramFileInfo(handle.db, stem, file);
            expect(info).toEqual({ namespace: 'ns', numBins: K, precision });
            const read = readHistogramRows(handle.db, file, info!);
            expect(read.names).toEqual(all.map((r) => r.name));
            expect(Array.from(read.step)).toEqual(all.map((r) => r.step));
            expect(Array.from(read.globalStep)).toEqual(all.map((r) => r.globalStep));
            expect(Array.from(read.counts)).toEqual(all.flatMap((r) => r.counts));
            expect(f64Bytes(read.min)).toEqual(f64Bytes(all.map((r) => r.min)));
            expect(f64Bytes(read.max)).toEqual(f64Bytes(all.map((r) => r.max)));
          } finally {
            handle.close();
          }
        },
      ),
      { numRuns: 15 },
    );
  });
});

describe('reading by range', () => {
  it('returns the elements of any [start, end) window across chunk boundaries', () => {
    const file = newFile('range');
    const { db } = openForWriting(file, 'columnvault');
    const writer = new MetricFileWriter(db, file);
    const n = 30_000;
    writer.append(rowsOf(n, 0, []));
    db.close();
    const handle = openReadOnly(file);
    try {
      const col = readColumnMetas(handle.db, file).get('step')!;
      fc.assert(
        fc.property(fc.nat({ max: n }), fc.nat({ max: n }), (a, b) => {
          const [start, end] = a <= b ? [a, b] : [b, a];
          const bytes = readFixedBytes(handle.db, col, file, start, end);
          const expected = Array.from({ length: end - start }, (_, i) => start + i);
          const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
          const got = Array.from({ length: end - start }, (_, i) => Number(view.getBigInt64(i * 8, true)));
          expect(got).toEqual(expected);
        }),
        { numRuns: 100 },
      );
    } finally {
      handle.close();
    }
  });
});

describe('KVault files', () => {
  it('keeps the schema, page size and BLOB keys of docs/format.md#kvault-files', async () => {
    const { KVaultWriter, kvGet } = await import('../src/storage/index.js');
    const file = newFile('kv');
    const { db } = openForWriting(file, 'kvault');
    const kv = new KVaultWriter(db, file);
    kv.put('a:1', Buffer.from('one'));
    kv.put('a:1', Buffer.from('uno'));
    expect(kv.putIfAbsent('b:2', Buffer.from('two'))).toBe(true);
    expect(kv.putIfAbsent('b:2', Buffer.from('deux'))).toBe(false);
    expect(() => kv.put('bad', Buffer.from([0x89, 0x4b, 1, 2]))).toThrow(/89 4B/);
    db.close();
    expect(kvaultViolations(file)).toEqual([]);
    const handle = openReadOnly(file);
    try {
      expect(kvGet(handle.db, 'a:1')?.toString()).toBe('uno');
      expect(kvGet(handle.db, 'b:2')?.toString()).toBe('two');
      expect(kvGet(handle.db, 'bad')).toBeUndefined();
    } finally {
      handle.close();
    }
  });
});

describe('closing many files with batched fsyncs', () => {
  it('leaves every file complete and without a -wal, also when a reader holds a snapshot', async () => {
    const { checkpointAndCloseAll } = await import('../src/storage/index.js');
    const { existsSync, statSync } = await import('node:fs');
    const files = Array.from({ length: 4 }, () => {
      const path = newFile('closing');
      const { db } = openForWriting(path, 'columnvault');
      new MetricFileWriter(db, path).append(rowsOf(9_000, 0, [0.5, Number.NaN]));
      return { db, path };
    });
    // A reader inside a read transaction on the first file: its snapshot keeps part of the WAL.
    const reader = new Database(files[0].path, { readonly: true });
    reader.exec('BEGIN');
    reader.prepare('SELECT count(*) FROM col_chunks').get();
    const errors: string[] = [];
    await checkpointAndCloseAll(files, (path, err) => errors.push(`${path}: ${String(err)}`));
    reader.exec('COMMIT');
    reader.close();
    expect(errors).toEqual([]);
    for (const [i, { path }] of files.entries()) {
      // The file a reader was looking at keeps its WAL (SQLite checkpoints only at the last close); the data
      // is complete either way.
      if (i > 0) expect(!existsSync(`${path}-wal`) || statSync(`${path}-wal`).size === 0).toBe(true);
      const handle = openReadOnly(path);
      try {
        expect(readMetricSeries(handle.db, path).step.length).toBe(9_000);
      } finally {
        handle.close();
      }
      expect(columnVaultViolations(path, { tsCreated: true })).toEqual([]);
    }
  });
});

describe('new metric files built in memory', () => {
  const rowsOf = (values: number[]) => ({
    step: values.map((_, i) => i),
    globalStep: values.map((_, i) => i + 1),
    timestamp: values.map((_, i) => 1_700_000_000_000 + i),
    value: values,
  });

  it('are whole WAL-mode files that read back and continue like files created on disk', () => {
    const builder = new NewMetricFiles();
    for (const n of [1, 511, 512, 3000, 9000, 2]) {
      const values = Array.from({ length: n }, (_, i) => n * 10 + i + 0.5);
      const file = newFile(`built-${n}`);
      writeFileSync(file, builder.build(file, rowsOf(values)));
      expect(columnVaultViolations(file, { tsCreated: true })).toEqual([]);
      const h = openReadOnly(file);
      expect(h.db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(Array.from(readMetricSeries(h.db, file).value)).toEqual(values);
      h.close();
      // The same layout as appending the same rows to a file created on disk.
      const twin = newFile(`twin-${n}`);
      const { db } = openForWriting(twin, 'columnvault');
      new MetricFileWriter(db, twin).append(rowsOf(values));
      const layout = (d: Database.Database) =>
        d.prepare('SELECT col_id, chunk_idx, data, actual_size FROM col_chunks ORDER BY 1, 2').all();
      const built = new Database(file, { readonly: true });
      expect(layout(built)).toEqual(layout(db));
      built.close();
      db.close();
      // And it continues where it was.
      const { db: again } = openForWriting(file, 'columnvault');
      new MetricFileWriter(again, file).append(rowsOf([7]));
      again.close();
      const h2 = openReadOnly(file);
      expect(Array.from(readMetricSeries(h2.db, file).value)).toEqual([...values, 7]);
      h2.close();
      expect(columnVaultViolations(file, { tsCreated: true })).toEqual([]);
    }
    builder.close();
  });

  it('carry no bytes of another file and no free pages a larger one left', () => {
    const builder = new NewMetricFiles();
    const small = builder.build('a', rowsOf([1.5])).length;
    const marker = 123456.789;
    const big = builder.build('b', rowsOf(Array.from({ length: 5000 }, () => marker)));
    expect(big.length).toBeGreaterThan(small);
    const after = builder.build('c', rowsOf([2.5]));
    expect(after.length).toBe(small);
    const markerBytes = Buffer.alloc(8);
    markerBytes.writeDoubleLE(marker);
    expect(after.includes(markerBytes)).toBe(false);
    builder.close();
  });
});
