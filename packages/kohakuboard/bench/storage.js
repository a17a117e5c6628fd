// Storage benchmarks (run after `npm run build`):
//   columnvault_append_values_per_s  scalar rows, 4 columns, flushed in batches of 10,000 rows
//   raw_blob_write_values_per_s      the same bytes as plain 64 KiB blob inserts, one transaction per batch
//   columnvault_append_vs_raw        their ratio, measured in the same run
//   columnvault_read_1m_ms           reading and decoding a 1M-row f64 column
import { join } from 'node:path';
import Database from 'better-sqlite3';
import {
  decodeF64,
  MetricFileWriter,
  openForWriting,
  openReadOnly,
  readColumnMetas,
  readFixedBytes,
} from '../dist/storage/index.js';
import { bench, median, nowMs, tempDir } from './lib.js';

const ROWS = Number(process.env.KOBO_BENCH_ROWS ?? 10_000_000);
const BATCH = 10_000;
const ROW_BYTES = 32;

function makeBatch(start) {
  const step = new Float64Array(BATCH);
  const globalStep = new Float64Array(BATCH);
  const timestamp = new Float64Array(BATCH);
  const value = new Float64Array(BATCH);
  for (let i = 0; i < BATCH; i++) {
    step[i] = start + i;
    globalStep[i] = Math.floor((start + i) / 8);
    timestamp[i] = 1_760_000_000_000 + start + i;
    value[i] = Math.sin((start + i) / 1000) + (i % 7) * 1e-3;
  }
  return { step, globalStep, timestamp, value };
}

function columnVaultAppend(dir) {
  const file = join(dir, 'metric.db');
  const { db } = openForWriting(file, 'columnvault');
  const writer = new MetricFileWriter(db, file);
  const batches = [];
  for (let b = 0; b < 8; b++) batches.push(makeBatch(b * BATCH));
  const t0 = nowMs();
  for (let start = 0; start < ROWS; start += BATCH) writer.append(batches[(start / BATCH) % batches.length]);
  const ms = nowMs() - t0;
  db.close();
  return { valuesPerS: ROWS / (ms / 1000), file };
}

function rawBlobWrite(dir) {
  const db = new Database(join(dir, 'raw.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('wal_autocheckpoint = 1000');
  db.exec('CREATE TABLE blobs (id INTEGER PRIMARY KEY, data BLOB NOT NULL)');
  const insert = db.prepare('INSERT INTO blobs (data) VALUES (?)');
  const batchBytes = BATCH * ROW_BYTES;
  const payload = Buffer.alloc(batchBytes);
  for (let i = 0; i < batchBytes; i++) payload[i] = (i * 31) & 0xff;
  const CHUNK = 65536;
  const writeBatch = db.transaction(() => {
    for (let off = 0; off < batchBytes; off += CHUNK)
      insert.run(payload.subarray(off, Math.min(off + CHUNK, batchBytes)));
  });
  const t0 = nowMs();
  for (let start = 0; start < ROWS; start += BATCH) writeBatch.immediate();
  const ms = nowMs() - t0;
  db.close();
  return ROWS / (ms / 1000);
}

function readMillion(dir) {
  const file = join(dir, 'read.db');
  const { db } = openForWriting(file, 'columnvault');
  const writer = new MetricFileWriter(db, file);
  for (let start = 0; start < 1_000_000; start += BATCH) writer.append(makeBatch(start));
  db.close();
  const handle = openReadOnly(file);
  const col = readColumnMetas(handle.db, file).get('value');
  const times = [];
  let sum = 0;
  for (let i = 0; i < 25; i++) {
    const t0 = nowMs();
    const values = decodeF64(readFixedBytes(handle.db, col, file));
    times.push(nowMs() - t0);
    sum += values[values.length - 1];
  }
  handle.close();
  if (!Number.isFinite(sum)) throw new Error('unexpected read result');
  return median(times.slice(5));
}

export function runStorageBenchmarks() {
  const { dir, cleanup } = tempDir('kobo-bench-storage-');
  try {
    const ours = columnVaultAppend(dir);
    const raw = rawBlobWrite(dir);
    bench('columnvault_append_values_per_s', ours.valuesPerS, 'values/s');
    bench('raw_blob_write_values_per_s', raw, 'values/s');
    bench('columnvault_append_vs_raw', ours.valuesPerS / raw, 'ratio');
    bench('columnvault_read_1m_ms', readMillion(dir), 'ms');
    return { rawValuesPerS: raw };
  } finally {
    cleanup();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) runStorageBenchmarks();
