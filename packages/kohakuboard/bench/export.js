// Export benchmarks (run after `npm run build`): a run of 10M points (4 metrics of 2.5M) exported as Parquet
// and CSV, beside the limit: the same columns written with apache-arrow + parquet-wasm directly from memory,
// with the same writer settings, in the same process.
//   export_parquet_s / _points_per_s / _MB_per_s / _size_MB   kobo's Parquet export of the run
//   parquet_direct_s                                          the library alone (the limit)
//   export_parquet_vs_direct                                  direct time / export time (1.0 = no overhead)
//   export_csv_s / _points_per_s / _MB_per_s / _size_MB       kobo's CSV export
import { createWriteStream, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  Dictionary,
  Field,
  Float64,
  Int32,
  Int64,
  makeData,
  RecordBatch,
  RecordBatchStreamWriter,
  Schema,
  Struct,
  Timestamp,
  TimeUnit,
  Utf8,
  vectorFromArray,
} from 'apache-arrow';
import * as pw from 'parquet-wasm';
import { exportToFile } from '../dist/export/index.js';
import {
  createMetadataTables,
  MetricFileWriter,
  openForWriting,
  writeMetadataJson,
} from '../dist/storage/index.js';
import { bench, nowMs, tempDir } from './lib.js';

const POINTS = Number(process.env.KOBO_BENCH_EXPORT_POINTS ?? 10_000_000);
const METRICS = 4;
const PER_METRIC = Math.floor(POINTS / METRICS);
const WRITE_BATCH = 250_000;
const T0 = 1_760_000_000_000;
const BATCH = 262_144;
const ROW_GROUP = 1 << 20;

const stepAt = (i) => i;
const valueAt = (m, i) => Math.sin(i / 1000 + m) + (i % 7) * 1e-3;

/** The run, written with the storage library: metadata.json, metadata.db and METRICS metric files. */
function writeRun(base) {
  const dir = join(base, 'bench', 'run00001');
  mkdirSync(join(dir, 'data', 'metrics'), { recursive: true });
  writeMetadataJson(dir, {
    name: 'bench',
    config: {},
    created_at: '2025-01-01T00:00:00+00:00',
    project: 'bench',
    finished_at: '2025-01-01T01:00:00+00:00',
    status: 'finished',
  });
  const meta = openForWriting(join(dir, 'data', 'metadata.db'), 'metadata');
  createMetadataTables(meta.db);
  meta.db.close();
  for (let m = 0; m < METRICS; m++) {
    const file = join(dir, 'data', 'metrics', `train__m${m}.db`);
    const { db } = openForWriting(file, 'columnvault');
    const w = new MetricFileWriter(db, file);
    for (let s = 0; s < PER_METRIC; s += WRITE_BATCH) {
      const n = Math.min(WRITE_BATCH, PER_METRIC - s);
      const step = new Float64Array(n);
      const value = new Float64Array(n);
      const ts = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        step[i] = stepAt(s + i);
        value[i] = valueAt(m, s + i);
        ts[i] = T0 + (s + i) * 10;
      }
      w.append({ step, globalStep: step, timestamp: ts, value });
    }
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
  }
  return dir;
}

/** The limit: the same table from memory through apache-arrow and parquet-wasm, the same settings. */
async function writeDirect(path) {
  const fields = [
    new Field('metric', new Dictionary(new Utf8(), new Int32()), false),
    new Field('step', new Int64(), false),
    new Field('global_step', new Int64(), false),
    new Field('timestamp', new Timestamp(TimeUnit.MILLISECOND, 'UTC'), false),
    new Field('value', new Float64(), false),
  ];
  const schema = new Schema(fields);
  const names = vectorFromArray(
    Array.from({ length: METRICS }, (_, m) => `train/m${m}`),
    new Utf8(),
  );
  // One buffer per column: apache-arrow's IPC writer mis-sizes a message whose columns share a buffer.
  const step = new BigInt64Array(BATCH);
  const globalStep = new BigInt64Array(BATCH);
  const ts = new BigInt64Array(BATCH);
  const value = new Float64Array(BATCH);
  const codes = new Int32Array(BATCH);
  // Column data prepared before the clock starts, as the export finds it in the files.
  const columns = [];
  for (let m = 0; m < METRICS; m++) {
    const s = new BigInt64Array(PER_METRIC);
    const t = new BigInt64Array(PER_METRIC);
    const v = new Float64Array(PER_METRIC);
    for (let i = 0; i < PER_METRIC; i++) {
      s[i] = BigInt(stepAt(i));
      t[i] = BigInt(T0 + i * 10);
      v[i] = valueAt(m, i);
    }
    columns.push({ s, t, v });
  }
  let props = new pw.WriterPropertiesBuilder()
    .setCompression(pw.Compression.ZSTD)
    .setMaxRowGroupSize(ROW_GROUP)
    .setDictionaryEnabled(false)
    .setColumnDictionaryEnabled('metric', true);
  for (const c of ['step', 'global_step', 'timestamp'])
    props = props.setColumnEncoding(c, pw.Encoding.DELTA_BINARY_PACKED);
  props = props.build();
  const t0 = nowMs();
  function* batches() {
    let m = 0;
    let i = 0;
    while (m < METRICS) {
      let n = 0;
      while (n < BATCH && m < METRICS) {
        const take = Math.min(BATCH - n, PER_METRIC - i);
        step.set(columns[m].s.subarray(i, i + take), n);
        globalStep.set(columns[m].s.subarray(i, i + take), n);
        ts.set(columns[m].t.subarray(i, i + take), n);
        value.set(columns[m].v.subarray(i, i + take), n);
        codes.fill(m, n, n + take);
        n += take;
        i += take;
        if (i === PER_METRIC) {
          m++;
          i = 0;
        }
      }
      const children = [
        makeData({ type: fields[0].type, length: n, data: codes.subarray(0, n), dictionary: names }),
        makeData({ type: fields[1].type, length: n, data: step.subarray(0, n) }),
        makeData({ type: fields[2].type, length: n, data: globalStep.subarray(0, n) }),
        makeData({ type: fields[3].type, length: n, data: ts.subarray(0, n) }),
        makeData({ type: fields[4].type, length: n, data: value.subarray(0, n) }),
      ];
      const rb = new RecordBatch(
        schema,
        makeData({ type: new Struct(fields), length: n, nullCount: 0, children }),
      );
      const table = pw.Table.fromIPCStream(RecordBatchStreamWriter.writeAll([rb]).toUint8Array(true));
      const [wasmBatch] = table.recordBatches();
      table.free();
      yield wasmBatch;
    }
  }
  const it = batches();
  const input = new ReadableStream({
    pull(c) {
      const { value: v, done } = it.next();
      if (done) c.close();
      else c.enqueue(v);
    },
  });
  const out = await pw.transformParquetStream(input, props);
  const file = createWriteStream(path);
  for await (const chunk of out) if (!file.write(chunk)) await new Promise((r) => file.once('drain', r));
  await new Promise((r) => file.end(r));
  return (nowMs() - t0) / 1000;
}

async function main() {
  const { dir, cleanup } = tempDir('kobo-bench-export-');
  try {
    const tw = nowMs();
    const run = writeRun(dir);
    console.log(`# wrote a ${POINTS}-point run in ${((nowMs() - tw) / 1000).toFixed(1)} s`);
    const results = { export: [], direct: [], csv: [] };
    for (let rep = 0; rep < 2; rep++) {
      const direct = join(dir, `direct${rep}.parquet`);
      results.direct.push({ s: await writeDirect(direct), bytes: statSync(direct).size });
      const out = join(dir, `export${rep}.parquet`);
      const t0 = nowMs();
      const cpu0 = process.cpuUsage();
      const r = await exportToFile({ targets: [run], format: 'parquet' }, out);
      const cpu = process.cpuUsage(cpu0);
      if (r.rows !== POINTS) throw new Error(`exported ${r.rows} rows, expected ${POINTS}`);
      results.export.push({
        s: (nowMs() - t0) / 1000,
        cpuS: (cpu.user + cpu.system) / 1e6,
        bytes: statSync(out).size,
      });
    }
    const csv = join(dir, 'export.csv');
    const t1 = nowMs();
    await exportToFile({ targets: [run], format: 'csv' }, csv);
    results.csv.push({ s: (nowMs() - t1) / 1000, bytes: statSync(csv).size });
    const best = (xs) => xs.reduce((a, b) => (b.s < a.s ? b : a));
    const e = best(results.export);
    const d = best(results.direct);
    const c = best(results.csv);
    bench('export_parquet_s', e.s, 's');
    bench('export_parquet_points_per_s', POINTS / e.s, 'points/s');
    bench('export_parquet_MB_per_s', e.bytes / 1e6 / e.s, 'MB/s');
    // On a shared machine the wall time includes waiting for a core; the CPU time of the export does not.
    bench('export_parquet_points_per_cpu_s', POINTS / e.cpuS, 'points/s');
    bench('export_parquet_size_MB', e.bytes / 1e6, 'MB');
    bench('parquet_direct_s', d.s, 's');
    bench('parquet_direct_size_MB', d.bytes / 1e6, 'MB');
    bench('export_parquet_vs_direct', d.s / e.s, 'ratio');
    bench('export_csv_s', c.s, 's');
    bench('export_csv_points_per_s', POINTS / c.s, 'points/s');
    bench('export_csv_MB_per_s', c.bytes / 1e6 / c.s, 'MB/s');
    bench('export_csv_size_MB', c.bytes / 1e6, 'MB');
  } finally {
    cleanup();
  }
}

await main();
