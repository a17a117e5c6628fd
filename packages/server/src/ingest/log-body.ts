/**
 * The body of a log upload (docs/server.md#log-upload): JSON of the run-folder dialect (bare NaN, Infinity
 * and -Infinity outside strings), at most 64 levels deep, parsed from its bytes in one pass
 * (docs/server.md#parsing-a-log-body).
 *
 * Most of a body is scalar rows and step rows. Those are read straight into columns of numbers
 * (ScalarColumns, StepColumns) instead of one object per row; a list that holds anything the columns cannot
 * say exactly (another key, a value of another kind, a step that is not a whole number) is read again as
 * plain JSON, so that the request's checks see it as sent and report it. Everything else becomes the
 * value JSON.parse would give.
 *
 * The bytes may still be arriving (a BodySource that is not complete): then the parser trusts only the
 * bytes below `available`. A token whose end lies at or past it is read again once more bytes are there,
 * and every native decoder is given bytes below it only.
 */
import type { JsonValue } from 'kohakuboard/storage';

export const MAX_NESTING = 64;

export type BodyProblem = { code: 'too_deep' | 'invalid_json'; message: string };

/** A metric's rows, all `{step: int, value, global_step?: int|null, timestamp?: int|null}`; NaN for none. */
export class ScalarColumns {
  constructor(
    readonly step: Float64Array,
    readonly value: Float64Array,
    readonly globalStep: Float64Array,
    readonly timestamp: Float64Array,
  ) {}
}

/** Step rows, all `{step: int, global_step: int|null, timestamp: int|null}`; NaN for null. */
export class StepColumns {
  constructor(
    readonly step: Float64Array,
    readonly globalStep: Float64Array,
    readonly timestamp: Float64Array,
  ) {}
}

/** The bytes of a body, complete or still arriving. */
export interface BodySource {
  /** The body's full length; bytes past `available` are not to be trusted yet. */
  readonly bytes: Uint8Array;
  readonly available: number;
  readonly complete: boolean;
  /** Waits until more than `i` bytes are there or the body is complete; throws to give up. */
  waitBeyond(i: number): void;
}

/** A parsed body: JSON values, where `steps` and the lists of `scalars` may be columns. */
export type BodyValue = JsonValue | ScalarColumns | StepColumns;

class TooDeep extends Error {}
class Invalid extends Error {}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const MINUS = 0x2d;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_LIST = 0x5b;
const CLOSE_LIST = 0x5d;

/** Powers of ten that a double holds exactly. */
const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);
/** Below this, m * 10 + 9 is still an exact double (< 2^53). */
const MANTISSA_LIMIT = 900_719_925_474_099;

const KEY_STEP = bytesOf('step');
const KEY_VALUE = bytesOf('value');
const KEY_GLOBAL_STEP = bytesOf('global_step');
const KEY_TIMESTAMP = bytesOf('timestamp');
/** The pieces of a row as this project's client writes it, without spaces. */
const ROW_STEP = bytesOf('{"step":');
const ROW_VALUE = bytesOf(',"value":');
const ROW_GLOBAL_STEP = bytesOf(',"global_step":');
const ROW_TIMESTAMP = bytesOf(',"timestamp":');
const ROW_END = bytesOf('}');

function bytesOf(s: string): Uint8Array {
  return new TextEncoder().encode(s);
}

/**
 * Space for the columns of a body's lists, cut from large shared blocks: one allocation for many lists
 * instead of four per list (allocating a typed array costs far more than filling it).
 */
class Slab {
  private block = new Float64Array(0);
  private used = 0;
  take(length: number): Float64Array {
    if (this.used + length > this.block.length) {
      this.block = new Float64Array(Math.max(length, 1 << 18));
      this.used = 0;
    }
    const out = this.block.subarray(this.used, this.used + length);
    this.used += length;
    return out;
  }
}

/**
 * Growable columns for one list, sized like the previous list (the metrics of one request usually have as
 * many rows each), so that a list of the same length needs no copy.
 */
class Columns {
  cols: Float64Array[] = [];
  private capacity = 1024;
  constructor(
    private readonly count: number,
    private readonly slab: Slab,
  ) {}
  start(): void {
    this.cols = Array.from({ length: this.count }, () => this.slab.take(this.capacity));
  }
  grow(): void {
    this.cols = this.cols.map((c) => {
      const g = this.slab.take(c.length * 2);
      g.set(c);
      return g;
    });
  }
  /** The columns at length `n`; the next list starts with that capacity. */
  finish(n: number): Float64Array[] {
    this.capacity = Math.max(16, n);
    return this.cols.map((c) => c.subarray(0, n));
  }
}

class Parser {
  i = 0;
  /** The same bytes as a Buffer, for its native decoders (latin1Slice skips toString's argument checks). */
  private readonly text: Buffer & { latin1Slice(start: number, end: number): string };
  private readonly slab = new Slab();
  private readonly scalarColumns = new Columns(4, this.slab);
  private readonly stepColumns = new Columns(3, this.slab);
  /** The value of the last number read by `number()`. */
  private num = 0;
  private readonly b: Uint8Array;
  /** Bytes below this are there; past it only once `done`. */
  private avail: number;
  private done: boolean;

  constructor(private readonly source: BodySource) {
    const b = source.bytes;
    this.b = b;
    this.text = Buffer.from(b.buffer, b.byteOffset, b.length) as Parser['text'];
    this.avail = source.complete ? b.length : source.available;
    this.done = source.complete;
  }

  /** True when position `i` is not there yet: waits for more bytes, after which the caller reads again. */
  private stalled(i: number): boolean {
    if (this.done || i < this.avail) return false;
    this.source.waitBeyond(i);
    this.done = this.source.complete;
    this.avail = this.done ? this.b.length : this.source.available;
    return true;
  }

  /** Waits until the bytes below `end` are there (or the body is complete). */
  private ensure(end: number): void {
    while (this.stalled(end - 1));
  }

  fail(what: string): never {
    throw new Invalid(`${what} at byte ${this.i}`);
  }

  ws(): void {
    const b = this.b;
    let i = this.i;
    let c = b[i];
    while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = b[++i];
    this.i = i;
  }

  /** The byte at the position, after whitespace; -1 at the end. */
  peek(): number {
    this.ws();
    while (this.stalled(this.i)) this.ws();
    return this.i < this.b.length ? this.b[this.i] : -1;
  }

  body(): BodyValue {
    const b = this.b;
    this.ensure(3);
    if (b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) this.i = 3; // a UTF-8 byte order mark
    const value = this.peek() === OPEN_OBJECT ? this.topObject() : this.value(1);
    if (this.peek() !== -1) this.fail('unexpected text after the JSON value');
    return value;
  }

  value(depth: number): JsonValue {
    const c = this.peek();
    switch (c) {
      case OPEN_OBJECT:
        return this.object(depth);
      case OPEN_LIST:
        return this.list(depth);
      case QUOTE:
        return this.string();
      case 0x74: // t
        return this.word('true', true);
      case 0x66: // f
        return this.word('false', false);
      case 0x6e: // n
        return this.word('null', null);
      case 0x4e: // N
        return this.word('NaN', Number.NaN);
      case 0x49: // I
        return this.word('Infinity', Number.POSITIVE_INFINITY);
      case -1:
        return this.fail('unexpected end of the body');
      default:
        if (c === MINUS || (c >= 0x30 && c <= 0x39)) {
          this.number();
          return this.num;
        }
        return this.fail(`unexpected character ${JSON.stringify(String.fromCharCode(c))}`);
    }
  }

  private word<T extends JsonValue>(word: string, value: T): T {
    const b = this.b;
    this.ensure(this.i + word.length);
    for (let k = 0; k < word.length; k++)
      if (b[this.i + k] !== word.charCodeAt(k)) this.fail(`unexpected token (expected ${word})`);
    this.i += word.length;
    return value;
  }

  /**
   * A number (or -Infinity) into `num`. Mantissas below 2^53 with a power of ten up to 22 are one exact
   * division or multiplication, correctly rounded as JSON.parse rounds; other numbers go to Number().
   */
  number(): void {
    while (!this.numberOnce());
  }

  /** `number()`; false when the number reaches bytes not there yet (read it again). */
  private numberOnce(): boolean {
    const b = this.b;
    const start = this.i;
    let i = start;
    let negative = false;
    if (b[i] === MINUS) {
      negative = true;
      i++;
      if (b[i] === 0x49) {
        this.i = i;
        this.word('Infinity', 0);
        this.num = Number.NEGATIVE_INFINITY;
        return true;
      }
    }
    let m = 0;
    let exact = true;
    let c = b[i];
    if (c === 0x30) c = b[++i];
    else if (c >= 0x31 && c <= 0x39) {
      do {
        if (m < MANTISSA_LIMIT) m = m * 10 + (c - 0x30);
        else exact = false;
        c = b[++i];
      } while (c >= 0x30 && c <= 0x39);
    } else {
      if (this.stalled(i)) return false;
      this.i = i;
      this.fail('malformed number');
    }
    let scale = 0;
    if (c === 0x2e) {
      c = b[++i];
      if (!(c >= 0x30 && c <= 0x39)) {
        if (this.stalled(i)) return false;
        this.i = i;
        this.fail('malformed number');
      }
      do {
        if (m < MANTISSA_LIMIT) {
          m = m * 10 + (c - 0x30);
          scale++;
        } else exact = false;
        c = b[++i];
      } while (c >= 0x30 && c <= 0x39);
    }
    let exponent = 0;
    if (c === 0x65 || c === 0x45) {
      c = b[++i];
      let expNegative = false;
      if (c === 0x2b || c === MINUS) {
        expNegative = c === MINUS;
        c = b[++i];
      }
      if (!(c >= 0x30 && c <= 0x39)) {
        if (this.stalled(i)) return false;
        this.i = i;
        this.fail('malformed number');
      }
      do {
        if (exponent < 100_000) exponent = exponent * 10 + (c - 0x30);
        c = b[++i];
      } while (c >= 0x30 && c <= 0x39);
      if (expNegative) exponent = -exponent;
    }
    // The byte after the number must be there: else the number may go on.
    if (this.stalled(i)) return false;
    this.i = i;
    const e10 = exponent - scale;
    let v: number;
    if (m === 0 && exact) v = 0;
    else if (exact && e10 === 0) v = m;
    else if (exact && e10 > 0 && e10 <= 22) v = m * POW10[e10];
    else if (exact && e10 < 0 && e10 >= -22) v = m / POW10[-e10];
    else {
      this.num = Number(this.text.latin1Slice(start, i));
      return true;
    }
    this.num = negative ? -v : v;
    return true;
  }

  string(): string {
    const b = this.b;
    const start = ++this.i;
    let i = start;
    let plain = true;
    for (;;) {
      const c = b[i];
      if (c === QUOTE) {
        // Read again from the start once the closing quote is there: every byte read is then there too.
        if (!this.stalled(i)) break;
        i = start;
        plain = true;
        continue;
      }
      if (c === 0 && this.stalled(i)) continue;
      if (c === undefined) {
        this.i = i;
        this.fail('unterminated string');
      }
      if (c === BACKSLASH) {
        plain = false;
        i += 2;
        continue;
      }
      if (c < 0x20 || c >= 0x80) plain = false;
      i++;
    }
    this.i = i + 1;
    if (plain) return this.text.latin1Slice(start, i);
    // Escapes, other scripts or control characters: the native parser decodes them, or refuses.
    try {
      return JSON.parse(this.text.toString('utf8', start - 1, i + 1)) as string;
    } catch {
      this.i = start;
      return this.fail('invalid string');
    }
  }

  private list(depth: number): JsonValue[] {
    if (depth > MAX_NESTING) throw new TooDeep();
    this.i++;
    const out: JsonValue[] = [];
    if (this.peek() === CLOSE_LIST) {
      this.i++;
      return out;
    }
    for (;;) {
      out.push(this.value(depth + 1));
      const c = this.peek();
      this.i++;
      if (c === COMMA) continue;
      if (c === CLOSE_LIST) return out;
      this.i--;
      this.fail("expected ',' or ']'");
    }
  }

  private key(): string {
    if (this.peek() !== QUOTE) this.fail('expected a string key');
    const key = this.string();
    if (this.peek() !== COLON) this.fail("expected ':'");
    this.i++;
    return key;
  }

  /** An object; `member` may read a member's value itself (the top level's scalars and steps). */
  private object(
    depth: number,
    member?: (key: string) => BodyValue | undefined,
  ): { [key: string]: JsonValue } {
    if (depth > MAX_NESTING) throw new TooDeep();
    this.i++;
    const out: { [key: string]: JsonValue } = {};
    if (this.peek() === CLOSE_OBJECT) {
      this.i++;
      return out;
    }
    for (;;) {
      const key = this.key();
      const special = member?.(key);
      const value = (special === undefined ? this.value(depth + 1) : special) as JsonValue;
      // As JSON.parse: "__proto__" is a member like any other, not the prototype.
      if (key === '__proto__')
        Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
      else out[key] = value;
      const c = this.peek();
      this.i++;
      if (c === COMMA) continue;
      if (c === CLOSE_OBJECT) return out;
      this.i--;
      this.fail("expected ',' or '}'");
    }
  }

  private topObject(): JsonValue {
    return this.object(1, (key) => {
      if (key === 'scalars' && this.peek() === OPEN_OBJECT)
        return this.object(2, () =>
          this.peek() === OPEN_LIST ? this.columnsOr(this.scalarRows, 3) : undefined,
        );
      if (key === 'steps' && this.peek() === OPEN_LIST) return this.columnsOr(this.stepRows, 2);
      return undefined;
    });
  }

  /** A list read as columns, else (null from `read`) read again as plain JSON at its nesting depth. */
  private columnsOr(read: () => BodyValue | null, depth: number): BodyValue {
    const start = this.i;
    const columns = read.call(this);
    if (columns !== null) return columns;
    this.i = start;
    return this.list(depth);
  }

  /** The position after `key` when the string at `i` is exactly it, else -1. */
  private isKey(i: number, key: Uint8Array): number {
    const b = this.b;
    const n = key.length;
    if (b[i + n] !== QUOTE) return -1;
    for (let k = 0; k < n; k++) if (b[i + k] !== key[k]) return -1;
    return i + n + 1;
  }

  /** After whitespace, `byte` is next: skips it and true; else false. */
  private take(byte: number): boolean {
    if (this.peek() !== byte) return false;
    this.i++;
    return true;
  }

  /** Which known row key starts at the position (0 step, 1 value, 2 global_step, 3 timestamp), after the colon; -1 otherwise. */
  private rowKey(): number {
    if (this.peek() !== QUOTE) return -1;
    const at = this.i + 1;
    this.ensure(at + KEY_GLOBAL_STEP.length + 1);
    let key = -1;
    let next = -1;
    switch (this.b[at]) {
      case 0x73: // s
        next = this.isKey(at, KEY_STEP);
        key = 0;
        break;
      case 0x76: // v
        next = this.isKey(at, KEY_VALUE);
        key = 1;
        break;
      case 0x67: // g
        next = this.isKey(at, KEY_GLOBAL_STEP);
        key = 2;
        break;
      case 0x74: // t
        next = this.isKey(at, KEY_TIMESTAMP);
        key = 3;
        break;
    }
    if (next < 0) return -1;
    this.i = next;
    return this.take(COLON) ? key : -1;
  }

  /** A whole number or null (NaN) into `num`; false for anything else. */
  private intOrNull(): boolean {
    const c = this.peek();
    if (c === 0x6e) {
      this.word('null', null);
      this.num = Number.NaN;
      return true;
    }
    if (c !== MINUS && !(c >= 0x30 && c <= 0x39)) return false;
    if (c !== 0x30 && c !== MINUS && this.plainInteger()) return true;
    this.number();
    return Number.isSafeInteger(this.num);
  }

  /** Up to 15 digits, then neither a fraction nor an exponent, into `num`: most whole numbers sent. */
  private plainInteger(): boolean {
    const b = this.b;
    const start = this.i;
    let i = start;
    let m = 0;
    let c = b[i];
    while (c >= 0x30 && c <= 0x39) {
      m = m * 10 + (c - 0x30);
      c = b[++i];
    }
    if (i - start > 15 || c === 0x2e || c === 0x65 || c === 0x45 || this.stalled(i)) return false;
    this.i = i;
    this.num = m;
    return true;
  }

  /** A scalar value into `num`: a number, a bare token, null or the words "NaN", "Infinity", "-Infinity". */
  private scalar(): boolean {
    const c = this.peek();
    if (c === MINUS || (c >= 0x30 && c <= 0x39)) {
      this.number();
      return true;
    }
    switch (c) {
      case 0x6e:
        this.word('null', null);
        this.num = Number.NaN;
        return true;
      case 0x4e:
        this.word('NaN', null);
        this.num = Number.NaN;
        return true;
      case 0x49:
        this.word('Infinity', null);
        this.num = Number.POSITIVE_INFINITY;
        return true;
      case QUOTE: {
        const s = this.string();
        if (s === 'NaN') this.num = Number.NaN;
        else if (s === 'Infinity') this.num = Number.POSITIVE_INFINITY;
        else if (s === '-Infinity') this.num = Number.NEGATIVE_INFINITY;
        else return false;
        return true;
      }
      default:
        return false;
    }
  }

  /** The bytes of `literal` at the position: skips them and true; else false, at the same position. */
  private literal(literal: Uint8Array): boolean {
    const b = this.b;
    const i = this.i;
    const n = literal.length;
    this.ensure(i + n);
    for (let k = 0; k < n; k++) if (b[i + k] !== literal[k]) return false;
    this.i = i + n;
    return true;
  }

  private rewind(to: number): false {
    this.i = to;
    return false;
  }

  /**
   * A scalar row exactly as this project's client writes it, `{"step":S,"value":V,"global_step":G,
   * "timestamp":T}` or `{"step":S,"value":V}`, into `cols` at `n`; false, at the same position, for any
   * other form (read then by the general loop).
   */
  private compactScalarRow(cols: Float64Array[], n: number): boolean {
    this.peek();
    const start = this.i;
    if (!this.literal(ROW_STEP) || !this.intOrNull() || Number.isNaN(this.num)) return this.rewind(start);
    const step = this.num;
    if (!this.literal(ROW_VALUE) || !this.scalar()) return this.rewind(start);
    const value = this.num;
    let globalStep = Number.NaN;
    let timestamp = Number.NaN;
    if (this.literal(ROW_GLOBAL_STEP)) {
      if (!this.intOrNull()) return this.rewind(start);
      globalStep = this.num;
      if (!this.literal(ROW_TIMESTAMP) || !this.intOrNull()) return this.rewind(start);
      timestamp = this.num;
    }
    if (!this.literal(ROW_END)) return this.rewind(start);
    cols[0][n] = step;
    cols[1][n] = value;
    cols[2][n] = globalStep;
    cols[3][n] = timestamp;
    return true;
  }

  /** A step row exactly as this project's client writes it, `{"step":S,"global_step":G,"timestamp":T}`. */
  private compactStepRow(cols: Float64Array[], n: number): boolean {
    this.peek();
    const start = this.i;
    if (!this.literal(ROW_STEP) || !this.intOrNull() || Number.isNaN(this.num)) return this.rewind(start);
    const step = this.num;
    if (!this.literal(ROW_GLOBAL_STEP) || !this.intOrNull()) return this.rewind(start);
    const globalStep = this.num;
    if (!this.literal(ROW_TIMESTAMP) || !this.intOrNull()) return this.rewind(start);
    const timestamp = this.num;
    if (!this.literal(ROW_END)) return this.rewind(start);
    cols[0][n] = step;
    cols[1][n] = globalStep;
    cols[2][n] = timestamp;
    return true;
  }

  /** `[{step, value, global_step?, timestamp?}, …]` as columns; null when a row is anything else. */
  private scalarRows(): ScalarColumns | null {
    const s = this.scalarColumns;
    s.start();
    this.i++;
    let n = 0;
    if (this.take(CLOSE_LIST))
      return new ScalarColumns(
        new Float64Array(0),
        new Float64Array(0),
        new Float64Array(0),
        new Float64Array(0),
      );
    for (;;) {
      if (n === s.cols[0].length) s.grow();
      if (this.compactScalarRow(s.cols, n)) {
        n++;
        if (this.take(COMMA)) continue;
        if (this.take(CLOSE_LIST)) break;
        return null;
      }
      if (!this.take(OPEN_OBJECT)) return null;
      // Later keys win, as in JSON.parse.
      let step = Number.NaN;
      let value = Number.NaN;
      let hasValue = false;
      let globalStep = Number.NaN;
      let timestamp = Number.NaN;
      if (!this.take(CLOSE_OBJECT)) {
        for (;;) {
          const key = this.rowKey();
          if (key === 1) {
            if (!this.scalar()) return null;
            value = this.num;
            hasValue = true;
          } else if (key >= 0) {
            if (!this.intOrNull()) return null;
            if (key === 0) step = this.num;
            else if (key === 2) globalStep = this.num;
            else timestamp = this.num;
          } else return null;
          if (this.take(COMMA)) continue;
          if (this.take(CLOSE_OBJECT)) break;
          return null;
        }
      }
      if (Number.isNaN(step) || !hasValue) return null;
      const c = s.cols;
      c[0][n] = step;
      c[1][n] = value;
      c[2][n] = globalStep;
      c[3][n] = timestamp;
      n++;
      if (this.take(COMMA)) continue;
      if (this.take(CLOSE_LIST)) break;
      return null;
    }
    const [step, value, globalStep, timestamp] = s.finish(n);
    return new ScalarColumns(step, value, globalStep, timestamp);
  }

  /** `[{step, global_step?, timestamp?}, …]` (whole numbers, the last two may be null) as columns; else null. */
  private stepRows(): StepColumns | null {
    const s = this.stepColumns;
    s.start();
    this.i++;
    let n = 0;
    if (this.take(CLOSE_LIST))
      return new StepColumns(new Float64Array(0), new Float64Array(0), new Float64Array(0));
    for (;;) {
      if (n === s.cols[0].length) s.grow();
      if (this.compactStepRow(s.cols, n)) {
        n++;
        if (this.take(COMMA)) continue;
        if (this.take(CLOSE_LIST)) break;
        return null;
      }
      if (!this.take(OPEN_OBJECT)) return null;
      let step = Number.NaN;
      let globalStep = Number.NaN;
      let timestamp = Number.NaN;
      if (!this.take(CLOSE_OBJECT)) {
        for (;;) {
          const key = this.rowKey();
          if (key < 0 || key === 1 || !this.intOrNull()) return null;
          if (key === 0) step = this.num;
          else if (key === 2) globalStep = this.num;
          else timestamp = this.num;
          if (this.take(COMMA)) continue;
          if (this.take(CLOSE_OBJECT)) break;
          return null;
        }
      }
      // A step row needs an integer step; a missing or null global_step or timestamp is none (NaN).
      if (Number.isNaN(step)) return null;
      const c = s.cols;
      c[0][n] = step;
      c[1][n] = globalStep;
      c[2][n] = timestamp;
      n++;
      if (this.take(COMMA)) continue;
      if (this.take(CLOSE_LIST)) break;
      return null;
    }
    const [step, globalStep, timestamp] = s.finish(n);
    return new StepColumns(step, globalStep, timestamp);
  }
}

/**
 * Parses a log upload body, complete or still arriving; a problem instead of a value when it is too deep or
 * not JSON of the dialect. Whatever `waitBeyond` throws is thrown.
 */
export function parseLogBody(body: Uint8Array | BodySource): { value: BodyValue } | { problem: BodyProblem } {
  const source =
    body instanceof Uint8Array
      ? { bytes: body, available: body.length, complete: true, waitBeyond() {} }
      : body;
  const parser = new Parser(source);
  try {
    return { value: parser.body() };
  } catch (err) {
    if (err instanceof TooDeep)
      return { problem: { code: 'too_deep', message: `The body nests deeper than ${MAX_NESTING} levels` } };
    if (err instanceof Invalid)
      return { problem: { code: 'invalid_json', message: `The body is not valid JSON: ${err.message}` } };
    throw err;
  }
}
