/**
 * The writer's pure pieces, tested in-process: histogram binning with selection, KDE, Python float repr,
 * pixel conversion and PNG, image headers, tensor casts, the terminal model of output.log, the log-line
 * format, the scalar ring, and the bulk steps insert of the storage library.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { decode, encode } from 'fast-png';
import { describe, expect, it } from 'vitest';
import {
  createMetadataTables,
  formatPythonIso,
  halfToFloat,
  MetadataDbWriter,
  type RunMetadata,
  readMetadataJson,
  readSteps,
} from '../src/storage/index.js';
import { binValuesInPlace, edgesAreNonUniform } from '../src/writer/histogram-bins.js';
import { detectImageFormat, readImageSize } from '../src/writer/image-header.js';
import { autoBandwidth, computeKde, interpolate } from '../src/writer/kde.js';
import { formatLogLines } from '../src/writer/log-line.js';
import { OutputLog } from '../src/writer/output-log.js';
import { encodePixelsAsPng, pixelsToBytes } from '../src/writer/png.js';
import { pythonFloatRepr } from '../src/writer/python-float.js';
import { HEARTBEAT_MS, RunMetadataFile } from '../src/writer/run-metadata.js';
import {
  createRing,
  DATA_HEADER_WORDS,
  RecordKind,
  RingReader,
  RingWriter,
} from '../src/writer/scalar-ring.js';
import { percentilesInPlace, selectInPlace } from '../src/writer/select.js';
import { Ctl, createControlBlock } from '../src/writer/shared-state.js';
import { castTensor, float16Bits } from '../src/writer/tensor-cast.js';
import { TerminalScreen } from '../src/writer/terminal-screen.js';

const sortedPercentile = (values: number[], p: number) => {
  const s = [...values].sort((a, b) => a - b);
  const h = ((s.length - 1) * p) / 100;
  const f = Math.floor(h);
  return f >= s.length - 1 ? s[s.length - 1] : s[f] + (h - f) * (s[f + 1] - s[f]);
};

describe('selection and percentiles', () => {
  it('selectInPlace finds the k-th smallest and partitions around it', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -50, max: 50 }), { minLength: 1, maxLength: 300 }),
        fc.nat(),
        (xs, k0) => {
          const a = Float64Array.from(xs);
          const k = k0 % xs.length;
          const sorted = [...xs].sort((x, y) => x - y);
          expect(selectInPlace(a, k)).toBe(sorted[k]);
          for (let i = 0; i < k; i++) expect(a[i]).toBeLessThanOrEqual(a[k]);
          for (let i = k + 1; i < a.length; i++) expect(a[i]).toBeGreaterThanOrEqual(a[k]);
        },
      ),
    );
  });

  it('percentiles equal the sort-based linear interpolation', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 400 }),
        fc.array(fc.double({ min: 0, max: 100, noNaN: true }), { minLength: 1, maxLength: 4 }),
        (xs, ps) => {
          const got = percentilesInPlace(Float64Array.from(xs), ps);
          ps.forEach((p, i) => {
            expect(got[i]).toBe(sortedPercentile(xs, p));
          });
        },
      ),
    );
  });
});

describe('histogram binning (docs/format.md#binning)', () => {
  it('keeps outliers in the edge bins: [1, 2, 3, 4, 100] with K = 4', () => {
    const r = binValuesInPlace(Float64Array.from([1, 2, 3, 4, 100]), 4, 'percentile')!;
    expect(Array.from(r.counts)).toEqual([4, 0, 0, 1]);
    expect(r.min).toBeCloseTo(1.04, 12);
    expect(r.max).toBeCloseTo(96.16, 12);
  });

  it('drops non-finite values and returns null when none is left', () => {
    const r = binValuesInPlace(Float64Array.from([Number.NaN, 1, Number.POSITIVE_INFINITY, 2]), 2, 'full')!;
    expect(Array.from(r.counts)).toEqual([1, 1]);
    expect([r.min, r.max]).toEqual([1, 2]);
    expect(
      binValuesInPlace(Float64Array.from([Number.NaN, Number.NEGATIVE_INFINITY]), 8, 'percentile'),
    ).toBeNull();
  });

  it('falls back to min..max, then ±0.5, for a degenerate range', () => {
    // p1 and p99 coincide, but min and max do not.
    const many = new Float64Array(1000).fill(5);
    many[0] = 0;
    many[999] = 10;
    const r = binValuesInPlace(many, 10, 'percentile')!;
    expect([r.min, r.max]).toEqual([0, 10]);
    const same = binValuesInPlace(Float64Array.from([3, 3, 3]), 4, 'percentile')!;
    expect([same.min, same.max]).toEqual([2.5, 3.5]);
    expect(Array.from(same.counts)).toEqual([0, 0, 3, 0]);
  });

  it('counts every finite value exactly once in the bin of the stated formula', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -1e3, max: 1e3, noNaN: true }), { minLength: 1, maxLength: 500 }),
        fc.integer({ min: 1, max: 70 }),
        fc.constantFrom<'percentile' | 'full'>('percentile', 'full'),
        (xs, K, range) => {
          const r = binValuesInPlace(Float64Array.from(xs), K, range)!;
          expect(r.counts.reduce((a, b) => a + b, 0)).toBe(xs.length);
          const expected = new Array(K).fill(0);
          for (const v of xs)
            expected[Math.min(K - 1, Math.max(0, Math.floor(((v - r.min) / (r.max - r.min)) * K)))]++;
          expect(Array.from(r.counts)).toEqual(expected);
        },
      ),
    );
  });

  it('tells uniform edges from non-uniform ones', () => {
    expect(edgesAreNonUniform([0, 1, 2, 3])).toBe(false);
    expect(edgesAreNonUniform([0, 1, 2.5, 3])).toBe(true);
  });
});

describe('kernel density (docs/client.md#kerneldensity)', () => {
  const settings = {
    bandwidth: 'auto' as const,
    numPoints: 201,
    percentileClip: [1, 99] as [number, number],
    rangeMin: -8,
    rangeMax: 8,
    approximate: false,
    approximateBins: null,
  };

  it("uses Scott's rule and its fallbacks", () => {
    const x = Float64Array.from([1, 2, 3, 4]);
    const sigma = Math.sqrt(1.25);
    expect(autoBandwidth(x)).toBeCloseTo(1.06 * sigma * 4 ** -0.2, 14);
    expect(autoBandwidth(Float64Array.from([2, 2, 2]))).toBe(1e-3);
  });

  it('computes the exact Gaussian sum, drops non-finite samples and integrates to about 1', () => {
    const r = computeKde(Float64Array.from([0, 1, Number.NaN, -1]), settings)!;
    expect(r.sampleCount).toBe(3);
    const bw = r.bandwidth;
    const g = r.grid[100];
    const direct =
      [0, 1, -1].reduce((s, x) => s + Math.exp(-0.5 * ((g - x) / bw) ** 2), 0) /
      (3 * bw * Math.sqrt(2 * Math.PI));
    expect(r.density[100]).toBeCloseTo(direct, 6);
    let area = 0;
    for (let j = 1; j < r.grid.length; j++)
      area += ((r.density[j] + r.density[j - 1]) / 2) * (r.grid[j] - r.grid[j - 1]);
    expect(area).toBeCloseTo(1, 3);
    expect(computeKde(Float64Array.from([Number.NaN]), settings)).toBeNull();
  });

  it('derives the range from percentiles, widening equal bounds', () => {
    const r = computeKde(Float64Array.from([5, 5, 5]), { ...settings, rangeMin: null, rangeMax: null })!;
    expect([r.rangeMin, r.rangeMax]).toEqual([4.9, 5.1]);
    const full = computeKde(Float64Array.from([0, 10, 20]), {
      ...settings,
      rangeMin: null,
      rangeMax: null,
      percentileClip: [0, 100],
    })!;
    expect([full.rangeMin, full.rangeMax]).toEqual([0, 20]);
  });

  it('the binned approximation stays close to the exact density', () => {
    const xs = Float64Array.from({ length: 2000 }, (_, i) => Math.sin(i * 1.3) * 2);
    const exact = computeKde(xs.slice(), settings)!;
    const approx = computeKde(xs.slice(), { ...settings, approximate: true, approximateBins: 400 })!;
    const peak = Math.max(...exact.density);
    for (let j = 0; j < exact.density.length; j++)
      expect(Math.abs(approx.density[j] - exact.density[j])).toBeLessThan(0.05 * peak);
  });

  it('interpolates like numpy.interp, holding the ends', () => {
    const out = interpolate(
      Float64Array.from([-1, 0.5, 3]),
      Float64Array.from([0, 1, 2]),
      Float64Array.from([10, 20, 40]),
    );
    expect(Array.from(out)).toEqual([10, 15, 40]);
  });
});

describe('Python float repr', () => {
  it.each([
    [0.25, '0.25'],
    [3, '3.0'],
    [0.0001, '0.0001'],
    [1e-5, '1e-05'],
    [1.5e16, '1.5e+16'],
    [2.5e-7, '2.5e-07'],
    [1e16, '1e+16'],
    [123456789.125, '123456789.125'],
    [0.1 + 0.2, '0.30000000000000004'],
    [-0, '-0.0'],
    [Number.NaN, 'nan'],
    [Number.POSITIVE_INFINITY, 'inf'],
    [Number.NEGATIVE_INFINITY, '-inf'],
  ])('%s → %s', (x, text) => {
    expect(pythonFloatRepr(x)).toBe(text);
  });
});

describe('pixels and PNG (docs/client.md#media)', () => {
  it('scales float data with maximum ≤ 1, clamps and truncates', () => {
    const f = pixelsToBytes({
      data: Float32Array.from([0, 0.5, 1, -0.2]),
      width: 4,
      height: 1,
      channels: 1,
      isFloat: true,
    });
    expect(Array.from(f)).toEqual([0, 127, 255, 0]);
    const big = pixelsToBytes({
      data: Float64Array.from([0, 1.5, 300, 254.9]),
      width: 4,
      height: 1,
      channels: 1,
      isFloat: true,
    });
    expect(Array.from(big)).toEqual([0, 1, 255, 254]);
    const ints = pixelsToBytes({
      data: Float64Array.from([0, 1, 1, 0]),
      width: 4,
      height: 1,
      channels: 1,
      isFloat: false,
    });
    expect(Array.from(ints)).toEqual([0, 1, 1, 0]);
  });

  it('encodes deterministically and decodes back to the same pixels', () => {
    const data = Uint8Array.from({ length: 5 * 3 * 4 }, (_, i) => (i * 53) % 256);
    const p = { data, width: 5, height: 3, channels: 4 as const, isFloat: false };
    const a = encodePixelsAsPng(p);
    const b = encodePixelsAsPng({ ...p, data: data.slice() });
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
    const back = decode(a);
    expect([back.width, back.height, back.channels, back.depth]).toEqual([5, 3, 4, 8]);
    expect(Array.from(back.data)).toEqual(Array.from(data));
  });

  it('reads formats and sizes from image headers', () => {
    const png = encode({ width: 7, height: 2, data: new Uint8Array(14), channels: 1 });
    expect(detectImageFormat(png)).toBe('png');
    expect(readImageSize(png)).toEqual({ width: 7, height: 2 });
    const gif = Buffer.from('GIF89a\x0a\x00\x05\x00', 'latin1');
    expect([detectImageFormat(gif), readImageSize(gif)]).toEqual(['gif', { width: 10, height: 5 }]);
    const jpeg = Uint8Array.from([
      0xff, 0xd8, 0xff, 0xe0, 0, 4, 0, 0, 0xff, 0xc0, 0, 11, 8, 0, 33, 1, 2, 3, 0, 0, 0,
    ]);
    expect([detectImageFormat(jpeg), readImageSize(jpeg)]).toEqual(['jpg', { width: 258, height: 33 }]);
    const vp8x = new Uint8Array(30);
    vp8x.set(Buffer.from('RIFF\0\0\0\0WEBPVP8X', 'latin1'));
    vp8x.set([99, 0, 0, 49, 0, 0], 24);
    expect([detectImageFormat(vp8x), readImageSize(vp8x)]).toEqual(['webp', { width: 100, height: 50 }]);
    const bmp = new Uint8Array(30);
    bmp.set([0x42, 0x4d]);
    bmp.set([40, 0, 0, 0, 3, 0, 0, 0, 0xfe, 0xff, 0xff, 0xff], 14);
    expect([detectImageFormat(bmp), readImageSize(bmp)]).toEqual(['bmp', { width: 3, height: 2 }]);
    expect(detectImageFormat(Uint8Array.from([1, 2, 3]))).toBeNull();
  });
});

describe('tensor casts (docs/client.md#tensorlog)', () => {
  it('float16: round to nearest even, overflow to infinity', () => {
    expect(float16Bits(1)).toBe(0x3c00);
    expect(float16Bits(65504)).toBe(0x7bff);
    expect(float16Bits(65519)).toBe(0x7bff);
    expect(float16Bits(65520)).toBe(0x7c00);
    expect(float16Bits(2 ** -24)).toBe(1);
    expect(float16Bits(2 ** -25)).toBe(0); // a tie rounds to even
    expect(float16Bits(1.5 * 2 ** -24)).toBe(2);
    expect(float16Bits(-0)).toBe(0x8000);
    expect(float16Bits(Number.NaN)).toBe(0x7e00);
    expect(float16Bits(Number.NEGATIVE_INFINITY)).toBe(0xfc00);
    fc.assert(
      fc.property(fc.double({ min: -60000, max: 60000, noNaN: true }), (x) => {
        const h = halfToFloat(float16Bits(x));
        expect(Math.abs(h - x)).toBeLessThanOrEqual(Math.max(Math.abs(x) * 2 ** -11, 2 ** -25));
      }),
    );
  });

  it('float → integer truncates, maps NaN to 0 and clamps', () => {
    const src = Float64Array.from([1.9, -1.9, Number.NaN, Number.POSITIVE_INFINITY, -300, 300]);
    expect(Array.from(castTensor(src, 'float64', 'int8') as Int8Array)).toEqual([1, -1, 0, 127, -128, 127]);
    expect(Array.from(castTensor(src, 'float64', 'uint8') as Uint8Array)).toEqual([1, 0, 0, 255, 0, 255]);
    expect(Array.from(castTensor(src, 'float64', 'int64') as BigInt64Array)).toEqual([
      1n,
      -1n,
      0n,
      2n ** 63n - 1n,
      -300n,
      300n,
    ]);
    expect(Array.from(castTensor(src, 'float64', 'bool') as Uint8Array)).toEqual([1, 1, 1, 1, 1, 1]);
    expect(Array.from(castTensor(Float64Array.from([0, -0]), 'float64', 'bool') as Uint8Array)).toEqual([
      0, 0,
    ]);
    expect(Array.from(castTensor(BigInt64Array.from([5n, -7n]), 'int64', 'float32') as Float32Array)).toEqual(
      [5, -7],
    );
    const same = Float32Array.from([1]);
    expect(castTensor(same, 'float32', 'float32')).toBe(same);
  });
});

describe('terminal model of output.log (docs/client.md#terminal-model)', () => {
  const run = (chunks: string[]) => {
    const log = new OutputLog(null);
    for (const c of chunks) log.write(c.startsWith('E:') ? 'stderr' : 'stdout', c.replace(/^E:/, ''));
    return log;
  };

  it("keeps a progress bar's last state with no smear (the spec's example)", () => {
    const log = run([
      'E:\rEpoch 1:  37%|███▋      | 37/100 [00:03<00:06]',
      'E:\rEpoch 1: 100%|██████████| 100/100 [00:09<00:00]',
      'E:\n',
      'E:done\n',
    ]);
    log.finish();
    expect(log.text()).toBe('[STDERR] Epoch 1: 100%|██████████| 100/100 [00:09<00:00]\n[STDERR] done\n');
  });

  it('on disk: settled rows, then the live row without a newline, truncated when it shrinks', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kobo-output-'));
    const file = join(dir, 'output.log');
    const log = new OutputLog(file);
    log.write('stdout', 'first line\n');
    log.write('stderr', '\rprogress 10% ..........');
    log.refresh(0, false); // settled rows were written: the tail is rewritten at once
    expect(readFileSync(file, 'utf8')).toBe('first line\n[STDERR] progress 10% ..........');
    log.write('stderr', '\rprogress 99%');
    log.refresh(100, false); // only the live row changed: throttled
    expect(readFileSync(file, 'utf8')).toBe('first line\n[STDERR] progress 10% ..........');
    log.refresh(300, false);
    expect(readFileSync(file, 'utf8')).toBe('first line\n[STDERR] progress 99%');
    log.finish();
    log.close();
    expect(readFileSync(file, 'utf8')).toBe('first line\n[STDERR] progress 99%\n');
    rmSync(dir, { recursive: true, force: true });
  });

  it('a shorter redraw replaces the longer line entirely', () => {
    const log = run(['loading 100000 files', '\rok']);
    log.refresh(1000, true);
    expect(log.text()).toBe('ok'); // the live row, without a final newline
    log.finish();
    expect(log.text()).toBe('ok\n');
  });

  it('removes colours, OSC titles and cursor show/hide, also when split across writes', () => {
    const log = run(['\x1b[31mred\x1b', '[0m plain \x1b]0;title\x07x\x1b[?25l\n']);
    log.finish();
    expect(log.text()).toBe('red plain x\n');
  });

  it('applies cursor-up redraws of stacked bars and settles rows U below the cursor', () => {
    const screen = new TerminalScreen();
    screen.write('bar1 10%\nbar2 10%\n');
    expect(screen.takeSettled()).toEqual(['bar1 10%', 'bar2 10%']); // U = 0 so far
    screen.write('x1 1%\nx2 1%\n\x1b[2Ax1 50%\nx2 50%\n');
    expect(screen.takeSettled()).toEqual([]); // U = 2 now: rows within 2 of the cursor stay live
    expect(screen.liveRows()).toEqual(['x1 50%', 'x2 50%', '']);
    screen.write('\x1b[2Ax1 100%\nx2 100%\ndone\n');
    expect(screen.takeSettled()).toEqual(['x1 100%']);
    expect(screen.settleAll()).toEqual(['x2 100%', 'done']);
  });

  it('handles backspace, tabs, erasures, UTF-8 split across byte chunks, and drops other controls', () => {
    const screen = new TerminalScreen();
    const euro = Buffer.from('€', 'utf8');
    screen.write('ab\bX\tY\x07\n');
    screen.write(Uint8Array.from([0x41, euro[0], euro[1]]));
    screen.write(Uint8Array.from([euro[2], 0x0a]));
    screen.write('hello world\x1b[6D\x1b[K!\nabc\x1b[2K\rz\n');
    screen.write('12345\x1b[3G\x1b[1K\n');
    expect(screen.takeSettled()).toEqual(['aX\tY', 'A€', 'hello!', 'z', '   45']);
  });
});

describe('log lines (docs/client.md#log-files)', () => {
  it('formats time, logger, level and every line of the message', () => {
    const d = new Date(2025, 0, 29, 7, 4, 23, 5);
    expect(formatLogLines(d, 'BOARD', 'INFO', 'Board created: x')).toBe(
      '07:04:23.005 | BOARD    | INFO     | Board created: x\n',
    );
    expect(formatLogLines(d, 'LONGLOGGERNAME', 'WARNING', 'a\nb')).toBe(
      '07:04:23.005 | LONGLOGG | WARNING  | a\n07:04:23.005 | LONGLOGG | WARNING  | b\n',
    );
  });
});

describe('the scalar ring (docs/client.md#transport)', () => {
  it('carries records and names in order across wrap-arounds', () => {
    const ctl = new Int32Array(createControlBlock());
    const ring = createRing(64);
    const w = new RingWriter(ring, ctl);
    const r = new RingReader(ring, ctl);
    const got: Array<[number, number, string]> = [];
    const names = new Map<number, string>();
    const drain = () => {
      for (;;) {
        const idx = r.next();
        if (idx < 0) break;
        const header = r.words[idx];
        const len = RingReader.length(header);
        if (RingReader.kind(header) === RecordKind.NAME) {
          const [id, name] = r.readName(idx);
          names.set(id, name);
        } else {
          for (let j = idx + DATA_HEADER_WORDS; j < idx + len; j += 2)
            got.push([r.words[idx + 1], r.words[j + 1], names.get(r.words[j])!]);
        }
        r.advance(len);
      }
      r.publishTail();
    };
    const nameBytes = RingWriter.encodeName('train/lößs');
    const at = w.reserve(RingWriter.nameRecordWords(nameBytes));
    w.publish(w.writeName(at, 0, nameBytes));
    for (let seq = 1; seq <= 50; seq++) {
      let idx = w.reserve(DATA_HEADER_WORDS + 2);
      if (idx < 0) {
        drain();
        idx = w.reserve(DATA_HEADER_WORDS + 2);
      }
      w.words.set([(DATA_HEADER_WORDS + 2) * 8 + RecordKind.DATA, seq, seq, 0, 0, 0, seq * 1.5], idx);
      w.publish(DATA_HEADER_WORDS + 2);
    }
    drain();
    expect(got).toEqual(Array.from({ length: 50 }, (_, i) => [i + 1, (i + 1) * 1.5, 'train/lößs']));
    expect(Atomics.load(ctl, Ctl.RING_TAIL)).toBe(Atomics.load(ctl, Ctl.RING_HEAD));
  });
});

describe('MetadataDbWriter.steps (bulk steps insert)', () => {
  it('inserts many rows in order, the last row of a step winning', () => {
    const db = new Database(':memory:');
    createMetadataTables(db);
    const w = new MetadataDbWriter(db);
    const n = 1000;
    const step = Float64Array.from({ length: n }, (_, i) => (i < 900 ? i : i - 100)); // steps 800..899 twice
    const gs = Float64Array.from({ length: n }, (_, i) => i);
    const ts = Float64Array.from({ length: n }, (_, i) => 1_700_000_000_000 + i);
    db.transaction(() => w.steps(step, gs, ts, n))();
    const rows = readSteps(db);
    expect(rows.step.length).toBe(900);
    expect(Array.from(rows.step)).toEqual(Array.from({ length: 900 }, (_, i) => i));
    expect(rows.globalStep[850]).toBe(950);
    expect(rows.globalStep[799]).toBe(799);
    expect(rows.timestamp[899]).toBe(1_700_000_000_000 + 999);
    db.close();
  });
});

describe('metadata.json rewrites (docs/format.md#metadata-writes)', () => {
  it('refreshes updated_at every 30 s and writes the final status with finished_at', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kobo-meta-'));
    const start = Date.UTC(2025, 0, 1, 12, 0, 0);
    const base: RunMetadata = {
      name: 'n',
      config: { a: 1 },
      created_at: formatPythonIso(start),
      project: 'p',
      finished_at: null,
      run_id: 'abcd1234',
      annotation: null,
      status: 'running',
      version: '0.1.0',
      updated_at: formatPythonIso(start),
    };
    const meta = new RunMetadataFile(dir, base, start);
    meta.heartbeat(start + HEARTBEAT_MS - 1);
    expect(() => readMetadataJson(dir)).toThrow(); // not due yet: nothing written
    meta.heartbeat(start + HEARTBEAT_MS);
    expect(readMetadataJson(dir)).toMatchObject({
      status: 'running',
      updated_at: '2025-01-01T12:00:30+00:00',
    });
    meta.finalize('interrupted', start + 45_500, { a: 2 });
    meta.write();
    expect(readMetadataJson(dir)).toMatchObject({
      status: 'interrupted',
      config: { a: 2 },
      finished_at: '2025-01-01T12:00:45.500000+00:00',
      updated_at: '2025-01-01T12:00:45.500000+00:00',
    });
    expect(Object.keys(readMetadataJson(dir))).toEqual(Object.keys(base));
    rmSync(dir, { recursive: true, force: true });
  });
});
