/**
 * CSV and JSON Lines writers (docs/export.md#csv, docs/export.md#json-lines). Rows are rendered into strings of a
 * few thousand rows each, which keeps the number of writes small without holding a batch's text at once.
 */
import type { ByteSink } from './byte-sink.js';
import type { ColumnDef, ColumnValues, TableBatch } from './table-model.js';
import type { TableWriter } from './table-writer.js';
import { csvField, csvFloatText, isoMillisCached, jsonFloatText } from './value-text.js';

const ROWS_PER_WRITE = 4096;
const TWO_32 = 4294967296;

/** Reads values of a fixed column without decoding the whole batch. */
interface FixedView {
  f64: Float64Array;
  i32: Int32Array;
  u32: Uint32Array;
  valid: Uint8Array | null;
}

function fixedView(col: ColumnValues): FixedView {
  if (col.kind !== 'fixed') throw new Error('expected a numeric column');
  const { buffer, byteOffset, byteLength } = col.bytes;
  return {
    f64: new Float64Array(buffer, byteOffset, byteLength / 8),
    i32: new Int32Array(buffer, byteOffset, byteLength / 4),
    u32: new Uint32Array(buffer, byteOffset, byteLength / 4),
    valid: col.valid,
  };
}

const int64At = (v: FixedView, i: number) => v.i32[2 * i + 1] * TWO_32 + v.u32[2 * i];

/** Renders one cell of a non-string column, or null when the row holds no value there. */
type CellText = (row: number) => string | null;

function cellRenderer(
  def: ColumnDef,
  col: ColumnValues,
  float: (x: number) => string,
  time: (ms: number) => string,
): CellText {
  const v = fixedView(col);
  const present = (i: number) => v.valid === null || v.valid[i] !== 0;
  switch (def.type) {
    case 'int64':
      return (i) => (present(i) ? String(int64At(v, i)) : null);
    case 'timestamp':
      return (i) => (present(i) ? time(int64At(v, i)) : null);
    default:
      return (i) => (present(i) ? float(v.f64[i]) : null);
  }
}

/** Spelled-out dictionary entries, extended as the dictionary grows. */
class SpelledDictionary {
  private readonly spelled: string[] = [];
  constructor(private readonly spell: (s: string) => string) {}
  get(dict: string[], code: number): string {
    for (let i = this.spelled.length; i < dict.length; i++) this.spelled.push(this.spell(dict[i]));
    return this.spelled[code];
  }
}

abstract class TextTableWriter implements TableWriter {
  private aborted: Error | null = null;
  protected readonly spelled: SpelledDictionary[];
  protected readonly time = isoMillisCached();

  constructor(
    protected readonly defs: readonly ColumnDef[],
    protected readonly sink: ByteSink,
    spell: (s: string) => string,
  ) {
    this.spelled = defs.map(() => new SpelledDictionary(spell));
  }

  protected abstract renderRows(batch: TableBatch, from: number, to: number): string;

  async writeBatch(batch: TableBatch): Promise<void> {
    for (let from = 0; from < batch.length; from += ROWS_PER_WRITE) {
      if (this.aborted) throw this.aborted;
      await this.sink.write(this.renderRows(batch, from, Math.min(batch.length, from + ROWS_PER_WRITE)));
    }
  }

  async finish(): Promise<void> {
    if (this.aborted) throw this.aborted;
  }

  abort(reason: Error): void {
    this.aborted = reason;
  }
}

/** CSV with a header line; see docs/export.md#csv for how values are spelled. */
export class CsvTableWriter extends TextTableWriter {
  private headerWritten = false;

  constructor(defs: readonly ColumnDef[], sink: ByteSink) {
    super(defs, sink, csvField);
  }

  override async writeBatch(batch: TableBatch): Promise<void> {
    await this.writeHeader();
    await super.writeBatch(batch);
  }

  override async finish(): Promise<void> {
    await this.writeHeader();
    await super.finish();
  }

  private async writeHeader(): Promise<void> {
    if (this.headerWritten) return;
    this.headerWritten = true;
    await this.sink.write(`${this.defs.map((d) => csvField(d.name)).join(',')}\n`);
  }

  protected renderRows(batch: TableBatch, from: number, to: number): string {
    const cells = batch.columns.map((col, c): CellText => {
      if (col.kind === 'string') {
        const sp = this.spelled[c];
        return (i) => (col.codes[i] < 0 ? null : sp.get(col.dict, col.codes[i]));
      }
      return cellRenderer(this.defs[c], col, csvFloatText, this.time);
    });
    let out = '';
    for (let i = from; i < to; i++) {
      let line = '';
      for (let c = 0; c < cells.length; c++) {
        if (c > 0) line += ',';
        line += cells[c](i) ?? '';
      }
      out += `${line}\n`;
    }
    return out;
  }
}

/** One JSON object per line; see docs/export.md#json-lines. */
export class JsonlTableWriter extends TextTableWriter {
  private readonly keys: string[];

  constructor(defs: readonly ColumnDef[], sink: ByteSink) {
    super(defs, sink, (s) => JSON.stringify(s));
    this.keys = defs.map((d, i) => `${i === 0 ? '{' : ','}${JSON.stringify(d.name)}:`);
  }

  protected renderRows(batch: TableBatch, from: number, to: number): string {
    const cells = batch.columns.map((col, c): CellText => {
      if (col.kind === 'string') {
        const sp = this.spelled[c];
        return (i) => (col.codes[i] < 0 ? null : sp.get(col.dict, col.codes[i]));
      }
      return cellRenderer(this.defs[c], col, jsonFloatText, (ms) => `"${this.time(ms)}"`);
    });
    let out = '';
    for (let i = from; i < to; i++) {
      let line = '';
      for (let c = 0; c < cells.length; c++) line += this.keys[c] + (cells[c](i) ?? 'null');
      out += `${line}}\n`;
    }
    return out;
  }
}
