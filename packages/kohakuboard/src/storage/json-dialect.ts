/**
 * The JSON dialect of run folders (docs/format.md#json-dialect): Python's json module with allow_nan=True
 * writes the bare tokens NaN, Infinity and -Infinity, which JSON.parse rejects. Reading needs a tolerant
 * parser that accepts them outside strings; writing needs a serialiser that produces them.
 */
import { StorageError } from './errors.js';

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** Parses JSON that may contain the bare tokens NaN, Infinity and -Infinity. Throws StorageError('ECORRUPT'). */
export function parseTolerantJson(text: string, file: string | null = null): JsonValue {
  const parser = new TolerantParser(text, file);
  parser.skipWhitespace();
  const value = parser.parseValue(0);
  parser.skipWhitespace();
  if (parser.pos < text.length) parser.fail('unexpected text after the JSON value');
  return value;
}

const MAX_DEPTH = 512;

class TolerantParser {
  pos = 0;
  constructor(
    private readonly text: string,
    private readonly file: string | null,
  ) {}

  fail(problem: string): never {
    const { line, column } = this.lineAndColumn();
    throw new StorageError(
      'ECORRUPT',
      this.file,
      `not valid JSON: ${problem} at line ${line}, column ${column}`,
    );
  }

  private lineAndColumn(): { line: number; column: number } {
    let line = 1;
    let lineStart = 0;
    for (let i = 0; i < this.pos && i < this.text.length; i++) {
      if (this.text.charCodeAt(i) === 10) {
        line++;
        lineStart = i + 1;
      }
    }
    return { line, column: this.pos - lineStart + 1 };
  }

  skipWhitespace(): void {
    const t = this.text;
    while (this.pos < t.length) {
      const c = t.charCodeAt(this.pos);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) this.pos++;
      else break;
    }
  }

  parseValue(depth: number): JsonValue {
    if (depth > MAX_DEPTH) this.fail('nesting is too deep');
    const t = this.text;
    if (this.pos >= t.length) this.fail('unexpected end of text');
    const c = t[this.pos];
    switch (c) {
      case '{':
        return this.parseObject(depth);
      case '[':
        return this.parseArray(depth);
      case '"':
        return this.parseString();
      case 't':
        return this.expectWord('true', true);
      case 'f':
        return this.expectWord('false', false);
      case 'n':
        return this.expectWord('null', null);
      case 'N':
        return this.expectWord('NaN', Number.NaN);
      case 'I':
        return this.expectWord('Infinity', Number.POSITIVE_INFINITY);
      default:
        if (c === '-' && t.startsWith('-Infinity', this.pos))
          return this.expectWord('-Infinity', Number.NEGATIVE_INFINITY);
        if (c === '-' || (c >= '0' && c <= '9')) return this.parseNumber();
        return this.fail(`unexpected character ${JSON.stringify(c)}`);
    }
  }

  private expectWord<T extends JsonValue>(word: string, value: T): T {
    if (!this.text.startsWith(word, this.pos)) this.fail(`unexpected token (expected ${word})`);
    this.pos += word.length;
    return value;
  }

  private parseNumber(): number {
    const re = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
    re.lastIndex = this.pos;
    const m = re.exec(this.text);
    if (!m) this.fail('malformed number');
    this.pos += m[0].length;
    return Number(m[0]);
  }

  private parseString(): string {
    const t = this.text;
    this.pos++; // opening quote
    let out = '';
    let chunkStart = this.pos;
    while (true) {
      if (this.pos >= t.length) this.fail('unterminated string');
      const c = t.charCodeAt(this.pos);
      if (c === 0x22) {
        out += t.slice(chunkStart, this.pos);
        this.pos++;
        return out;
      }
      if (c === 0x5c) {
        out += t.slice(chunkStart, this.pos);
        this.pos++;
        const e = t[this.pos];
        switch (e) {
          case '"':
          case '\\':
          case '/':
            out += e;
            break;
          case 'b':
            out += '\b';
            break;
          case 'f':
            out += '\f';
            break;
          case 'n':
            out += '\n';
            break;
          case 'r':
            out += '\r';
            break;
          case 't':
            out += '\t';
            break;
          case 'u': {
            const hex = t.slice(this.pos + 1, this.pos + 5);
            if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail('bad \\u escape');
            out += String.fromCharCode(Number.parseInt(hex, 16));
            this.pos += 4;
            break;
          }
          default:
            this.fail('bad escape sequence');
        }
        this.pos++;
        chunkStart = this.pos;
        continue;
      }
      if (c < 0x20) this.fail('control character in string');
      this.pos++;
    }
  }

  private parseArray(depth: number): JsonValue[] {
    this.pos++;
    const out: JsonValue[] = [];
    this.skipWhitespace();
    if (this.text[this.pos] === ']') {
      this.pos++;
      return out;
    }
    while (true) {
      this.skipWhitespace();
      out.push(this.parseValue(depth + 1));
      this.skipWhitespace();
      const c = this.text[this.pos];
      if (c === ',') {
        this.pos++;
        continue;
      }
      if (c === ']') {
        this.pos++;
        return out;
      }
      this.fail(c === undefined ? 'unexpected end of text in array' : "expected ',' or ']'");
    }
  }

  private parseObject(depth: number): { [key: string]: JsonValue } {
    this.pos++;
    const out: { [key: string]: JsonValue } = {};
    this.skipWhitespace();
    if (this.text[this.pos] === '}') {
      this.pos++;
      return out;
    }
    while (true) {
      this.skipWhitespace();
      if (this.text[this.pos] !== '"') this.fail('expected a string key');
      const key = this.parseString();
      this.skipWhitespace();
      if (this.text[this.pos] !== ':') this.fail("expected ':'");
      this.pos++;
      this.skipWhitespace();
      const value = this.parseValue(depth + 1);
      // defineProperty keeps a key named "__proto__" as data instead of changing the prototype.
      Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
      this.skipWhitespace();
      const c = this.text[this.pos];
      if (c === ',') {
        this.pos++;
        continue;
      }
      if (c === '}') {
        this.pos++;
        return out;
      }
      this.fail(c === undefined ? 'unexpected end of text in object' : "expected ',' or '}'");
    }
  }
}

export interface StringifyOptions {
  /** Spaces per indentation level; 0 or absent writes compact JSON. */
  indent?: number;
  /** Escape every character outside 0x20–0x7E as \uXXXX (lower-case hex), as Python's ensure_ascii does. */
  ascii?: boolean;
  /** Compact separators: Python's json.dumps default ", " and ": " (true), or JSON.stringify's "," and ":" (false). */
  pythonSeparators?: boolean;
  /**
   * What to do with a value JSON cannot express (a function, a symbol, a cycle, a class instance).
   * 'throw' (default) throws TypeError; 'string' writes String(value) and reports it through onFallback.
   */
  unsupported?: 'throw' | 'string';
  onFallback?: (path: string, value: unknown) => void;
}

/**
 * Serialises a value in the run-folder dialect: the layout of JSON.stringify, non-finite numbers as bare
 * tokens, bigint as integer literals, toJSON honoured, undefined and functions dropped inside objects and
 * written as null inside arrays (docs/client.md#what-the-constructor-does). Throws TypeError on a cycle
 * (unless unsupported = 'string').
 */
export function stringifyDialectJson(value: unknown, options: StringifyOptions = {}): string {
  const writer = new DialectWriter(options);
  const out = writer.write(value, '', '$');
  return out === undefined ? 'null' : out;
}

class DialectWriter {
  private readonly stack: unknown[] = [];
  private readonly indentUnit: string;
  private readonly itemSep: string;
  private readonly keySep: string;

  constructor(private readonly options: StringifyOptions) {
    this.indentUnit = options.indent ? ' '.repeat(options.indent) : '';
    this.itemSep = options.indent ? ',' : options.pythonSeparators ? ', ' : ',';
    this.keySep = options.indent || options.pythonSeparators ? ': ' : ':';
  }

  private quote(s: string): string {
    const q = JSON.stringify(s);
    return this.options.ascii ? escapeNonAscii(q) : q;
  }

  private fallback(value: unknown, path: string, why: string): string {
    if (this.options.unsupported === 'string') {
      this.options.onFallback?.(path, value);
      let text: string;
      try {
        text = String(value);
      } catch {
        text = Object.prototype.toString.call(value);
      }
      return this.quote(text);
    }
    throw new TypeError(`${path}: ${why}`);
  }

  /** Returns undefined for values that are dropped (undefined, functions, symbols) in an object. */
  write(value: unknown, indent: string, path: string): string | undefined {
    if (
      value !== null &&
      typeof value === 'object' &&
      typeof (value as { toJSON?: unknown }).toJSON === 'function'
    ) {
      value = (value as { toJSON: (key: string) => unknown }).toJSON(path);
    }
    switch (typeof value) {
      case 'string':
        return this.quote(value);
      case 'number':
        if (Number.isNaN(value)) return 'NaN';
        if (value === Number.POSITIVE_INFINITY) return 'Infinity';
        if (value === Number.NEGATIVE_INFINITY) return '-Infinity';
        return JSON.stringify(value);
      case 'boolean':
        return value ? 'true' : 'false';
      case 'bigint':
        return value.toString();
      case 'undefined':
      case 'function':
      case 'symbol':
        if (this.options.unsupported === 'string' && typeof value !== 'undefined') {
          return this.fallback(value, path, 'cannot be serialised');
        }
        return undefined;
      default:
        break;
    }
    if (value === null) return 'null';
    const obj = value as object;
    if (this.stack.includes(obj)) return this.fallback(obj, path, 'contains a cycle');
    if (obj instanceof Number || obj instanceof String || obj instanceof Boolean) {
      return this.write(obj.valueOf(), indent, path);
    }
    this.stack.push(obj);
    try {
      const inner = indent + this.indentUnit;
      const open = this.indentUnit ? `\n${inner}` : '';
      const close = this.indentUnit ? `\n${indent}` : '';
      if (Array.isArray(obj) || ArrayBuffer.isView(obj)) {
        const items: string[] = [];
        const arr = obj as ArrayLike<unknown>;
        for (let i = 0; i < arr.length; i++) {
          items.push(this.write(arr[i], inner, `${path}[${i}]`) ?? 'null');
        }
        if (items.length === 0) return '[]';
        return `[${open}${items.join(this.itemSep + open)}${close}]`;
      }
      const proto = Object.getPrototypeOf(obj);
      if (proto !== Object.prototype && proto !== null && this.options.unsupported === 'string') {
        return this.fallback(obj, path, 'is not a plain object');
      }
      const parts: string[] = [];
      for (const key of Object.keys(obj)) {
        const v = this.write((obj as Record<string, unknown>)[key], inner, `${path}.${key}`);
        if (v !== undefined) parts.push(this.quote(key) + this.keySep + v);
      }
      if (parts.length === 0) return '{}';
      return `{${open}${parts.join(this.itemSep + open)}${close}}`;
    } finally {
      this.stack.pop();
    }
  }
}

/** Escapes every UTF-16 code unit outside 0x20–0x7E (already JSON-quoted text) as \uXXXX, lower-case hex. */
function escapeNonAscii(quoted: string): string {
  // JSON.stringify already escapes control characters below 0x20; only 0x7F and above remain.
  return quoted.replace(/[\u007f-\uffff]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * Strict-JSON view of a value for APIs and dumps: non-finite numbers become the strings the API uses
 * ("NaN", "Infinity", "-Infinity") or a tagged object; everything else is unchanged.
 */
export function mapNonFinite(value: unknown, replace: (x: number) => unknown): unknown {
  if (typeof value === 'number') return Number.isFinite(value) ? value : replace(value);
  if (Array.isArray(value)) return value.map((v) => mapNonFinite(v, replace));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      Object.defineProperty(out, k, {
        value: mapNonFinite(v, replace),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out;
  }
  return value;
}

/** The name of a non-finite number as the API and the fixtures write it. */
export function nonFiniteName(x: number): 'NaN' | 'Infinity' | '-Infinity' {
  if (Number.isNaN(x)) return 'NaN';
  return x > 0 ? 'Infinity' : '-Infinity';
}
