/**
 * Parquet through parquet-wasm (the Rust `parquet` crate's Arrow writer compiled to WebAssembly) fed with
 * Arrow record batches built by apache-arrow (docs/export.md#parquet). Batches are streamed: the writer
 * encodes each batch into the open row group and emits a row group's bytes once it holds `rowGroupRows`
 * rows, so memory stays bounded by one row group whatever the size of the export.
 *
 * Types: string columns are dictionary-encoded UTF-8, int64 columns INT64 (DELTA_BINARY_PACKED), timestamps
 * INT64 TIMESTAMP(MILLIS, UTC), float64 columns DOUBLE with every NaN and infinity kept.
 */
import {
  type Data,
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
import { asError } from '../util/error-text.js';
import { VERSION } from '../version.js';
import type { ByteSink } from './byte-sink.js';
import type { ColumnDef, ColumnValues, TableBatch } from './table-model.js';
import type { ParquetCompression, TableWriter, TableWriterOptions } from './table-writer.js';

export const DEFAULT_ROW_GROUP_ROWS = 1 << 20;

const CODECS: Record<ParquetCompression, pw.Compression> = {
  zstd: pw.Compression.ZSTD,
  snappy: pw.Compression.SNAPPY,
  none: pw.Compression.UNCOMPRESSED,
};

function arrowType(def: ColumnDef) {
  switch (def.type) {
    case 'string':
      return new Dictionary(new Utf8(), new Int32());
    case 'int64':
      return new Int64();
    case 'timestamp':
      return new Timestamp(TimeUnit.MILLISECOND, 'UTC');
    default:
      return new Float64();
  }
}

/** Arrow's validity bitmap (bit i set: row i holds a value), or undefined when every row does. */
function nullBitmap(valid: Uint8Array | null, codes?: Int32Array): Uint8Array | undefined {
  const n = valid ? valid.length : codes ? codes.length : 0;
  let missing = false;
  const bits = new Uint8Array((n + 7) >> 3);
  for (let i = 0; i < n; i++) {
    const present = valid ? valid[i] !== 0 : codes![i] >= 0;
    if (present) bits[i >> 3] |= 1 << (i & 7);
    else missing = true;
  }
  return missing ? bits : undefined;
}

/** The writer properties of docs/export.md#parquet. */
function writerProperties(defs: readonly ColumnDef[], options: TableWriterOptions): pw.WriterProperties {
  let b = new pw.WriterPropertiesBuilder()
    .setCompression(CODECS[options.compression ?? 'zstd'])
    .setMaxRowGroupSize(options.rowGroupRows ?? DEFAULT_ROW_GROUP_ROWS)
    .setCreatedBy(`kohakuboard ${VERSION}`)
    .setDictionaryEnabled(false);
  for (const d of defs) {
    if (d.type === 'string') b = b.setColumnDictionaryEnabled(d.name, true);
    else if (d.type !== 'float64') b = b.setColumnEncoding(d.name, pw.Encoding.DELTA_BINARY_PACKED);
  }
  return b.build();
}

export class ParquetTableWriter implements TableWriter {
  private readonly schema: Schema;
  private controller!: ReadableStreamDefaultController<pw.RecordBatch>;
  private pulled: (() => void) | null = null;
  private failure: Error | null = null;
  private readonly done: Promise<void>;
  private batches = 0;

  private constructor(defs: readonly ColumnDef[], sink: ByteSink, options: TableWriterOptions) {
    this.schema = new Schema(defs.map((d) => new Field(d.name, arrowType(d), d.nullable)));
    const input = new ReadableStream<pw.RecordBatch>(
      {
        start: (controller) => {
          this.controller = controller;
        },
        pull: () => {
          this.pulled?.();
          this.pulled = null;
        },
      },
      { highWaterMark: 1 },
    );
    const props = writerProperties(defs, options);
    this.done = (async () => {
      const output = await pw.transformParquetStream(input, props);
      for await (const chunk of output as unknown as AsyncIterable<Uint8Array>) {
        if (this.failure) throw this.failure;
        await sink.write(chunk);
      }
    })();
    this.done.catch((err: unknown) => {
      this.failure ??= toError(err);
      this.pulled?.();
    });
  }

  static async create(
    defs: readonly ColumnDef[],
    sink: ByteSink,
    options: TableWriterOptions,
  ): Promise<ParquetTableWriter> {
    return new ParquetTableWriter(defs, sink, options);
  }

  private emptyBatch(): TableBatch {
    return {
      length: 0,
      columns: this.schema.fields.map((f) =>
        f.type instanceof Dictionary
          ? { kind: 'string', dict: [], codes: new Int32Array(0) }
          : { kind: 'fixed', bytes: new Uint8Array(0), valid: null },
      ),
    };
  }

  /** The batch in WebAssembly memory, through one Arrow IPC message. */
  private toWasm(batch: TableBatch): pw.RecordBatch {
    const n = batch.length;
    const children = batch.columns.map((col, c) => columnData(this.schema.fields[c], col, n));
    const arrowBatch = new RecordBatch(
      this.schema,
      makeData({ type: new Struct(this.schema.fields), length: n, nullCount: 0, children }),
    );
    const ipc = RecordBatchStreamWriter.writeAll([arrowBatch]).toUint8Array(true);
    const table = pw.Table.fromIPCStream(ipc);
    const [wasmBatch] = table.recordBatches();
    table.free();
    return wasmBatch;
  }

  async writeBatch(batch: TableBatch): Promise<void> {
    if (this.failure) throw this.failure;
    if (batch.length === 0) return;
    this.batches++;
    this.controller.enqueue(this.toWasm(batch));
    // Wait until the writer has taken the batch: one batch in flight at a time.
    while ((this.controller.desiredSize ?? 0) <= 0 && !this.failure) {
      await new Promise<void>((resolve) => {
        this.pulled = resolve;
      });
    }
    if (this.failure) throw this.failure;
  }

  async finish(): Promise<void> {
    if (this.failure) throw this.failure;
    // The writer takes its schema from the first batch: an empty table still sends one, without rows.
    if (this.batches === 0) {
      this.batches++;
      this.controller.enqueue(this.toWasm(this.emptyBatch()));
    }
    this.controller.close();
    await this.done;
  }

  abort(reason: Error): void {
    this.failure ??= reason;
    try {
      this.controller.error(reason);
    } catch {
      /* already closed */
    }
    this.pulled?.();
  }
}

function columnData(field: Field, col: ColumnValues, n: number): Data {
  const type = field.type;
  if (col.kind === 'string') {
    const dictionary = vectorFromArray(col.dict, new Utf8());
    return makeData({
      type: type as Dictionary<Utf8, Int32>,
      length: n,
      data: col.codes,
      nullBitmap: field.nullable ? nullBitmap(null, col.codes) : undefined,
      dictionary,
    });
  }
  const { buffer, byteOffset } = col.bytes;
  const nulls = field.nullable ? nullBitmap(col.valid) : undefined;
  if (type instanceof Float64) {
    return makeData({ type, length: n, data: new Float64Array(buffer, byteOffset, n), nullBitmap: nulls });
  }
  return makeData({
    type: type as Int64 | Timestamp,
    length: n,
    data: new BigInt64Array(buffer, byteOffset, n),
    nullBitmap: nulls,
  } as never);
}

function toError(err: unknown): Error {
  return asError(err);
}
