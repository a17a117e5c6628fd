/**
 * How numbers and times are spelled in the text formats (docs/export.md#csv and #jsonl).
 *
 * Floats use the shortest decimal that reads back to the same double (ECMAScript's Number-to-String, the
 * same digits as Python's repr), with `.0` added to integral values so that every reader sees a float
 * column. -0 keeps its sign. CSV spells non-finite values as pandas parses them: NaN, inf, -inf.
 */

/** A finite float in shortest round-trip form: `0.1`, `1.0`, `-0.0`, `1e-7`, `1.5e+300`. */
export function finiteFloatText(x: number): string {
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const s = String(x);
  // Integral values print without a point ("3", "1e+21"); an exponent already marks a float for every reader.
  return s.includes('.') || s.includes('e') ? s : `${s}.0`;
}

/** CSV spelling of a float: non-finite values as pandas.read_csv reads them. */
export function csvFloatText(x: number): string {
  if (Number.isFinite(x)) return finiteFloatText(x);
  if (Number.isNaN(x)) return 'NaN';
  return x > 0 ? 'inf' : '-inf';
}

/**
 * JSON spelling of a float: a number, or for non-finite values the strings "NaN", "Infinity" and
 * "-Infinity" (strict JSON has no token for them; the read API spells them the same way).
 */
export function jsonFloatText(x: number): string {
  if (Number.isFinite(x)) return finiteFloatText(x);
  if (Number.isNaN(x)) return '"NaN"';
  return x > 0 ? '"Infinity"' : '"-Infinity"';
}

/** UTC time with millisecond precision: `2025-01-29T07:04:23.123Z`. Out-of-range values as plain ms. */
export function isoMillis(ms: number): string {
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? String(ms) : d.toISOString();
}

const MS_TEXT = Array.from({ length: 1000 }, (_, i) => `.${String(i).padStart(3, '0')}Z`);

/**
 * isoMillis for a stream of times: the text up to the seconds is kept for the last second seen, so that
 * logged times, which mostly share their second with the row before, skip the Date conversion.
 */
export function isoMillisCached(): (ms: number) => string {
  let second = Number.NaN;
  let prefix = '';
  return (ms) => {
    const s = Math.floor(ms / 1000);
    if (s !== second) {
      const text = isoMillis(s * 1000);
      if (text.length !== 24) return isoMillis(ms);
      second = s;
      prefix = text.slice(0, 19);
    }
    return prefix + MS_TEXT[ms - s * 1000];
  };
}

const NEEDS_QUOTES = /[",\r\n]/;

/** A CSV field per RFC 4180: quoted (with doubled quotes) when it holds a comma, a quote or a line break. */
export function csvField(text: string): string {
  return NEEDS_QUOTES.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
