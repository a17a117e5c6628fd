/**
 * The shape of an exported table: named, typed columns filled batch by batch. Numeric columns keep the raw
 * little-endian bytes the run's files store (i64 and f64, 8 bytes per row), so that values travel to the
 * writers without being decoded and re-encoded; string columns are dictionary codes.
 */

export type ColumnType = 'string' | 'int64' | 'timestamp' | 'float64';

export interface ColumnDef {
  name: string;
  type: ColumnType;
  /** Whether some rows may hold no value (written as null, an empty CSV field, JSON null). */
  nullable: boolean;
}

/** A string column: `codes[i]` indexes `dict`, -1 is null. The dictionary only grows during an export. */
export interface StringColumn {
  kind: 'string';
  dict: string[];
  codes: Int32Array;
}

/**
 * An int64, timestamp (Unix ms) or float64 column as 8 little-endian bytes per row, in an 8-byte-aligned
 * buffer. `valid[i]` is 0 where the row holds no value (null when every row has one).
 */
export interface FixedColumn {
  kind: 'fixed';
  bytes: Uint8Array;
  valid: Uint8Array | null;
}

export type ColumnValues = StringColumn | FixedColumn;

export interface TableBatch {
  length: number;
  /** In the order of the table's ColumnDefs. */
  columns: ColumnValues[];
}

/** A growing string dictionary: the code of a value, assigned on first use. */
export class StringDictionary {
  readonly values: string[] = [];
  private readonly codes = new Map<string, number>();

  code(value: string): number {
    let c = this.codes.get(value);
    if (c === undefined) {
      c = this.values.length;
      this.values.push(value);
      this.codes.set(value, c);
    }
    return c;
  }
}

/**
 * Rows of one table collected into fixed-capacity column buffers. A batch is handed out when it is full
 * (or at the end) and the buffers are then reused, so an export of any size keeps one batch in memory.
 */
export class BatchBuilder {
  length = 0;
  private readonly strings: Int32Array[] = [];
  private readonly fixed: Uint8Array[] = [];
  private readonly valid: Array<Uint8Array | null> = [];
  private readonly f64: Array<Float64Array | null> = [];
  readonly dictionaries: Array<StringDictionary | null>;

  constructor(
    readonly defs: readonly ColumnDef[],
    readonly capacity: number,
  ) {
    this.dictionaries = defs.map((d) => (d.type === 'string' ? new StringDictionary() : null));
    for (const d of defs) {
      if (d.type === 'string') {
        this.strings.push(new Int32Array(capacity));
        this.fixed.push(new Uint8Array(0));
        this.f64.push(null);
      } else {
        const bytes = new Uint8Array(capacity * 8);
        this.strings.push(new Int32Array(0));
        this.fixed.push(bytes);
        this.f64.push(new Float64Array(bytes.buffer));
      }
      this.valid.push(d.nullable ? new Uint8Array(capacity) : null);
    }
  }

  get room(): number {
    return this.capacity - this.length;
  }

  get full(): boolean {
    return this.length >= this.capacity;
  }

  /** Sets string column `col` to `code` for rows [from, from + n). */
  fillString(col: number, from: number, n: number, code: number): void {
    this.strings[col].fill(code, from, from + n);
    this.valid[col]?.fill(code < 0 ? 0 : 1, from, from + n);
  }

  setString(col: number, row: number, value: string | null): void {
    const code = value === null ? -1 : this.dictionaries[col]!.code(value);
    this.strings[col][row] = code;
    const v = this.valid[col];
    if (v) v[row] = code < 0 ? 0 : 1;
  }

  /** Copies raw 8-byte elements into fixed column `col` at rows [from, from + bytes.length / 8). */
  copyFixed(col: number, from: number, bytes: Uint8Array): void {
    this.fixed[col].set(bytes, from * 8);
    this.valid[col]?.fill(1, from, from + bytes.length / 8);
  }

  /** Writes a float64 (or, with `int`, an int64 given as a safe integer) at a row; null leaves no value. */
  setNumber(col: number, row: number, value: number | null, int = false): void {
    const v = this.valid[col];
    if (value === null) {
      if (!v) throw new Error(`column ${this.defs[col].name} is not nullable`);
      v[row] = 0;
      this.f64[col]![row] = 0;
      return;
    }
    if (v) v[row] = 1;
    if (int) writeInt64(this.fixed[col], row, value);
    else this.f64[col]![row] = value;
  }

  /** Marks rows [from, from + n) of column `col` as holding no value. */
  fillNull(col: number, from: number, n: number): void {
    const v = this.valid[col];
    if (!v) throw new Error(`column ${this.defs[col].name} is not nullable`);
    v.fill(0, from, from + n);
    this.fixed[col].fill(0, from * 8, (from + n) * 8);
  }

  /** The rows collected so far as a batch (views of the builder's buffers, valid until the next reset). */
  batch(): TableBatch {
    const n = this.length;
    return {
      length: n,
      columns: this.defs.map((d, i): ColumnValues => {
        const valid = this.valid[i];
        if (d.type === 'string') {
          return {
            kind: 'string',
            dict: this.dictionaries[i]!.values,
            codes: this.strings[i].subarray(0, n),
          };
        }
        return {
          kind: 'fixed',
          bytes: this.fixed[i].subarray(0, n * 8),
          valid: valid ? valid.subarray(0, n) : null,
        };
      }),
    };
  }

  reset(): void {
    this.length = 0;
  }
}

const TWO_32 = 4294967296;

/** Writes a safe integer as i64 little-endian at element `row`. */
export function writeInt64(bytes: Uint8Array, row: number, value: number): void {
  const v = Math.trunc(value);
  const hi = Math.floor(v / TWO_32);
  const lo = v - hi * TWO_32;
  const o = row * 8;
  bytes[o] = lo & 0xff;
  bytes[o + 1] = (lo >>> 8) & 0xff;
  bytes[o + 2] = (lo >>> 16) & 0xff;
  bytes[o + 3] = (lo >>> 24) & 0xff;
  bytes[o + 4] = hi & 0xff;
  bytes[o + 5] = (hi >>> 8) & 0xff;
  bytes[o + 6] = (hi >>> 16) & 0xff;
  bytes[o + 7] = (hi >>> 24) & 0xff;
}
