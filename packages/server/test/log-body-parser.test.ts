/**
 * The log body parser (docs/server.md#parsing-a-log-body) against the reference: the tolerant JSON parser of
 * the run-folder dialect, whose result the request's checks then see. Numbers, strings, refusals and whole
 * requests (scalar and step rows read as columns or, when unusual, as plain JSON) must come out the same.
 */
import fc from 'fast-check';
import { parseTolerantJson } from 'kohakuboard/storage';
import { describe, expect, it } from 'vitest';
import { type BodySource, parseLogBody, ScalarColumns, StepColumns } from '../src/ingest/log-body.js';
import { validateLogRequest } from '../src/ingest/log-request.js';

const enc = (s: string) => new TextEncoder().encode(s);
const parsed = (s: string) => {
  const r = parseLogBody(enc(s));
  if ('problem' in r) throw new Error(r.problem.message);
  return r.value;
};
const check = (v: unknown) => validateLogRequest(v as never, { maxItemBytes: 1 << 20 });

/** A checked request as plain data, so that two can be compared with toEqual. */
function plain(v: unknown) {
  const { request, rejected } = check(v);
  return {
    ...request,
    steps: [...request.steps.step].map((s, i) => [
      s,
      request.steps.globalStep[i],
      request.steps.timestamp[i],
    ]),
    metrics: request.metrics.map((m) => ({
      name: m.name,
      offset: m.offset,
      rows: [...m.step].map((s, i) => [s, m.value[i], m.globalStep[i], m.timestamp[i]]),
    })),
    histograms: [...request.histograms],
    rejected,
  };
}

describe('numbers', () => {
  it('equal JSON.parse for any double written the shortest way', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (x) => {
        const text = JSON.stringify(x);
        expect(Object.is(parsed(text), JSON.parse(text))).toBe(true);
      }),
      { numRuns: 20_000 },
    );
  });

  it('equal JSON.parse for decimal text of any length and exponent', () => {
    const digits = (min: number, max: number) =>
      fc.array(fc.constantFrom(...'0123456789'), { minLength: min, maxLength: max }).map((d) => d.join(''));
    const number = fc
      .tuple(
        fc.boolean(),
        fc.oneof(
          fc.constant('0'),
          fc.tuple(fc.constantFrom(...'123456789'), digits(0, 24)).map(([a, b]) => a + b),
        ),
        fc.option(digits(1, 30)),
        fc.option(
          fc.tuple(
            fc.constantFrom('e', 'E'),
            fc.constantFrom('', '+', '-'),
            fc.integer({ min: 0, max: 400 }),
          ),
        ),
      )
      .map(
        ([neg, int, frac, exp]) =>
          `${neg ? '-' : ''}${int}${frac === null ? '' : `.${frac}`}${exp === null ? '' : `${exp[0]}${exp[1]}${exp[2]}`}`,
      );
    fc.assert(
      fc.property(number, (text) => {
        expect(Object.is(parsed(text), JSON.parse(text))).toBe(true);
        const row = parsed(`{"scalars": {"m": [{"step": 0, "value": ${text}}]}}`) as unknown as {
          scalars: { m: ScalarColumns };
        };
        expect(Object.is(row.scalars.m.value[0], JSON.parse(text))).toBe(true);
      }),
      { numRuns: 20_000 },
    );
  });

  it('read the dialect tokens and large exponents as JSON.parse and the dialect do', () => {
    expect(parsed('[NaN, Infinity, -Infinity, 1e400, -1e400, 1e-400, -0, 0e999, 9007199254740993]')).toEqual([
      Number.NaN,
      Infinity,
      -Infinity,
      Infinity,
      -Infinity,
      0,
      -0,
      0,
      9007199254740992,
    ]);
  });
});

describe('text that is not JSON', () => {
  it('is refused, as JSON.parse refuses it', () => {
    for (const text of [
      '',
      '{',
      '{"a": 1,}',
      '[1,]',
      '[01]',
      '[1.]',
      '[.5]',
      '[+1]',
      '[1e]',
      '[-]',
      '["a]',
      '["a\u0001"]',
      '["\\x"]',
      '{"a" 1}',
      '{a: 1}',
      '[1] 2',
      '[nul]',
      '[NaNa]',
      '[-Inf]',
      '{"scalars": {"m": [{"step": 0, "value": 1},]}}',
      '{"steps": [{"step": 0, "global_step": 0, "timestamp": 0}}',
    ]) {
      expect(parseLogBody(enc(text)), text).toMatchObject({ problem: { code: 'invalid_json' } });
    }
  });
});

describe('strings and objects', () => {
  it('decode escapes and UTF-8 as JSON.parse, and keep "__proto__" as a member', () => {
    const text =
      '{"a\\n\\u00e9\\ud83d\\ude00": "caf\u00e9 \u{1f600} \\"q\\" \\/", "__proto__": {"x": 1}, "b": "\\ud800"}';
    const value = parsed(text) as Record<string, unknown>;
    expect(value).toEqual(JSON.parse(text));
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.hasOwn(value, '__proto__')).toBe(true);
  });

  it('skips a UTF-8 byte order mark and whitespace everywhere', () => {
    const bytes = new Uint8Array([0xef, 0xbb, 0xbf, ...enc(' \t\r\n{ "steps" : [ { "step" : 1 } ] }\n')]);
    const r = parseLogBody(bytes);
    expect('value' in r && r.value).toEqual({ steps: expect.any(StepColumns) });
  });
});

// Row fields as a client might send them, from the usual to the odd.
const intText = fc.oneof(
  fc.integer({ min: -1000, max: 1_000_000 }).map(String),
  fc.constantFrom('1.0', '1e3', '1.5', '-0', 'null', '"3"', '9007199254740993', 'true'),
);
const valueText = fc.oneof(
  fc.double().map((x) => (Number.isFinite(x) ? JSON.stringify(x) : String(x))),
  fc.constantFrom(
    'null',
    '"NaN"',
    '"Infinity"',
    '"-Infinity"',
    'NaN',
    '-Infinity',
    '"x"',
    '[1]',
    '{}',
    'false',
  ),
);
const row = fc
  .tuple(
    fc.option(intText, { nil: undefined }),
    fc.option(valueText, { nil: undefined }),
    fc.option(intText, { nil: undefined }),
    fc.option(intText, { nil: undefined }),
    fc.option(fc.constantFrom('"extra": 1', '"step": 7', '"value": 2', '"st\\u0065p": 3'), {
      nil: undefined,
    }),
  )
  .map(([step, value, gs, ts, extra]) => {
    const parts: string[] = [];
    if (step !== undefined) parts.push(`"step": ${step}`);
    if (value !== undefined) parts.push(`"value":${value}`);
    if (gs !== undefined) parts.push(`"global_step":${gs}`);
    if (ts !== undefined) parts.push(` "timestamp" : ${ts}`);
    if (extra !== undefined) parts.push(extra);
    return `{${parts.join(',')}}`;
  });
const usualRow = fc
  .tuple(fc.integer({ min: 0, max: 1e6 }), fc.double({ noNaN: true, noDefaultInfinity: true }))
  .map(
    ([s, v]) =>
      `{"step":${s},"value":${JSON.stringify(v)},"global_step":${s},"timestamp":${1_738_137_600_000 + s}}`,
  );
const rows = (r: fc.Arbitrary<string>) => fc.array(r, { maxLength: 6 }).map((l) => `[${l.join(',')}]`);
const metricRows = fc.oneof(
  rows(usualRow),
  rows(fc.oneof(usualRow, row)),
  fc.constantFrom('{}', '3', 'null', '[1]'),
);
const stepRow = fc.oneof(
  fc.integer({ min: 0, max: 1e6 }).map((s) => `{"step":${s},"global_step":${s},"timestamp":${s * 10}}`),
  fc
    .tuple(intText, fc.option(intText, { nil: undefined }), fc.option(intText, { nil: undefined }))
    .map(
      ([s, g, t]) =>
        `{"step":${s}${g === undefined ? '' : `,"global_step":${g}`}${t === undefined ? '' : `,"timestamp":${t}`}}`,
    ),
  fc.constantFrom('{"step": 1, "value": 2}', '[]', 'null'),
);
const request = fc
  .tuple(
    fc.dictionary(fc.constantFrom('loss', 'acc', 'a/b', 'x', '../up', '__proto__'), metricRows, {
      maxKeys: 4,
    }),
    fc.option(
      fc.array(stepRow, { maxLength: 5 }).map((l) => `[${l.join(',')}]`),
      { nil: undefined },
    ),
    fc.boolean(),
  )
  .map(([scalars, steps, offsets]) => {
    const parts = [
      `"scalars": {${Object.entries(scalars)
        .map(([k, v]) => `${JSON.stringify(k)}: ${v}`)
        .join(', ')}}`,
    ];
    if (steps !== undefined) parts.push(`"steps": ${steps}`);
    if (offsets)
      parts.push(`"offsets": {"scalars": {${Object.keys(scalars).map((k) => `${JSON.stringify(k)}: 0`)}}}`);
    return `{${parts.join(', ')}}`;
  });

describe('whole requests', () => {
  it('check out exactly as the same text read by the reference parser', () => {
    fc.assert(
      fc.property(request, (text) => {
        expect(plain(parsed(text))).toEqual(plain(parseTolerantJson(text)));
      }),
      { numRuns: 3000 },
    );
  });

  it('read usual scalar and step rows as columns, and unusual lists as plain JSON', () => {
    const v = parsed(
      '{"scalars": {"a": [{"step": 1, "value": NaN, "global_step": null}], "b": [{"step": 1, "value": 1, "note": 1}]},' +
        ' "steps": [{"step": 1, "global_step": 2, "timestamp": 3}]}',
    ) as { scalars: Record<string, unknown>; steps: unknown };
    expect(v.scalars.a).toBeInstanceOf(ScalarColumns);
    expect(Array.isArray(v.scalars.b)).toBe(true);
    expect(v.steps).toBeInstanceOf(StepColumns);
    const a = v.scalars.a as ScalarColumns;
    expect([a.step[0], a.value[0], a.globalStep[0], a.timestamp[0]]).toEqual([
      1,
      Number.NaN,
      Number.NaN,
      Number.NaN,
    ]);
  });
});

/**
 * A body that arrives in pieces: each wait reveals the next piece, and some bytes of the piece after it are
 * already written (as another thread's copy may show them early), the rest still zero.
 */
function arriving(full: Uint8Array, pieces: number[], early: number[]): BodySource & { waits: number } {
  const bytes = new Uint8Array(full.length);
  let available = 0;
  let next = 0;
  const reveal = () => {
    const size = pieces[next % pieces.length];
    const earlyBytes = early[next % early.length];
    next++;
    const end = Math.min(full.length, available + size);
    bytes.set(full.subarray(available, end), available);
    for (let k = end; k < Math.min(full.length, end + earlyBytes); k += 2) bytes[k] = full[k];
    available = end;
  };
  return {
    bytes,
    get available() {
      return available;
    },
    get complete() {
      return available === full.length;
    },
    waits: 0,
    waitBeyond(i: number) {
      this.waits++;
      if (available === full.length) throw new Error('waited on a complete body');
      while (available <= i && available < full.length) reveal();
    },
  };
}

describe('a body still arriving', () => {
  const bodyText = fc.oneof(
    request,
    fc.constantFrom(
      '{"a": "\\u00e9\\"x", "b": [1.5e3, -0, NaN, -Infinity, "caf\u00e9"]}',
      '{"steps": [}',
      '[1, 2',
    ),
  );
  it('parses to what the whole body parses to, whatever the pieces', () => {
    fc.assert(
      fc.property(
        bodyText,
        fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 8 }),
        fc.array(fc.integer({ min: 0, max: 12 }), { minLength: 1, maxLength: 4 }),
        (text, pieces, early) => {
          const full = enc(text);
          const source = arriving(full, pieces, early);
          expect(parseLogBody(source)).toEqual(parseLogBody(full));
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('waits only at the edge of what has arrived', () => {
    const rowsText = Array.from({ length: 2000 }, (_, i) => `{"step":${i},"value":${Math.sin(i)}}`).join(',');
    const full = enc(`{"scalars": {"m": [${rowsText}]}}`);
    const source = arriving(full, [4096], [100]);
    const r = parseLogBody(source) as unknown as { value: { scalars: { m: ScalarColumns } } };
    expect([...r.value.scalars.m.value]).toEqual(Array.from({ length: 2000 }, (_, i) => Math.sin(i)));
    expect(source.waits).toBeLessThanOrEqual(Math.ceil(full.length / 4096) * 2);
  });
});
