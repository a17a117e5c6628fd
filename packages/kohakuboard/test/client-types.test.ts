/**
 * The data types and the board's option checks, in-process: what their constructors accept and reject (a
 * TypeError naming a wrong option; a recorded problem, which log() reports, for data they cannot store), and
 * what is captured at log time (copies, never references).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { encode } from 'fast-png';
import { afterAll, describe, expect, it } from 'vitest';
import { Board } from '../src/client/board.js';
import { resolveBoardOptions } from '../src/client/board-options.js';
import { configSnapshot } from '../src/client/config-snapshot.js';
import { captureHistogram, Histogram } from '../src/client/histogram.js';
import { captureKde, KernelDensity } from '../src/client/kernel-density.js';
import { captureMedia, Media } from '../src/client/media.js';
import { toScalar } from '../src/client/scalar-value.js';
import { captureTable, Table } from '../src/client/table.js';
import { captureTensor, TensorLog } from '../src/client/tensor.js';
import { binValuesInPlace } from '../src/writer/histogram-bins.js';

const dir = mkdtempSync(join(tmpdir(), 'kobo-types-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const png = encode({ width: 2, height: 1, data: new Uint8Array(2), channels: 1 });

describe('Media', () => {
  it('takes the format of encoded bytes from their magic number and rejects unknown bytes without a format', () => {
    expect(captureMedia(new Media(png), 'x').format).toBe('png');
    expect(captureMedia(new Media(Uint8Array.from([0xff, 0xd8, 0xff, 0])), 'x').format).toBe('jpg');
    expect(new Media(Uint8Array.from([1, 2, 3])).problem).toMatch(/not a PNG, JPEG/);
    expect(() => captureMedia(new Media(Uint8Array.from([1, 2, 3])), 'x')).toThrow(/not a PNG, JPEG/);
    expect(captureMedia(new Media(Uint8Array.from([1, 2, 3]), { format: 'TIFF' }), 'x').format).toBe('tiff');
    expect(new Media(Uint8Array.from([1, 2]), { mediaType: 'video' }).problem).toMatch(/need a format/);
    expect(new Media(Uint8Array.from([1, 2]), { mediaType: 'auto' }).problem).toMatch(/not a PNG/);
    expect(() => new Media(png, { mediaType: 'film' as never })).toThrow(/mediaType/);
  });

  it("decides 'auto' by extension and reads files at log time", () => {
    const file = join(dir, 'clip.MP4');
    writeFileSync(file, 'first');
    const m = new Media(file, { mediaType: 'auto', caption: 'c' });
    expect(m.type).toBe('video');
    const item = captureMedia(m, 'v');
    writeFileSync(file, 'second'); // overwritten after the log call: what was logged stays
    expect(Buffer.from(item.bytes!).toString()).toBe('first');
    expect(item.format).toBe('mp4');
    expect(new Media(join(dir, 'notes.txt'), { mediaType: 'auto' }).problem).toMatch(/extension/);
    expect(() => captureMedia(new Media(join(dir, 'missing.png')), 'x')).toThrow(/cannot read/);
  });

  it('rejects bytes that start with 89 4B at log time', () => {
    const m = new Media(Uint8Array.from([0x89, 0x4b, 1, 2]), { format: 'bin' });
    expect(() => captureMedia(m, 'x')).toThrow(/89 4B/);
  });

  it('copies pixel arrays, reads CHW when told or when the shape says so, and keeps HWC with 3 or 4 rows', () => {
    const data = Uint8Array.from({ length: 12 }, (_, i) => i);
    const item = captureMedia(new Media({ data, width: 2, height: 2, channels: 3 }), 'x');
    data[0] = 99;
    expect(item.pixels!.data[0]).toBe(0);
    // [c, h, w] = [3, 2, 2] given as CHW: pixel (0,0) is (0, 4, 8).
    const chw = captureMedia(
      new Media({ data: Uint8Array.from({ length: 12 }, (_, i) => i), shape: [3, 2, 2], layout: 'CHW' }),
      'x',
    );
    expect(Array.from(chw.pixels!.data.slice(0, 6))).toEqual([0, 4, 8, 1, 5, 9]);
    // [3, 5, 5]: the last dimension is not a channel count but the first is → CHW.
    expect(captureMedia(new Media({ data: new Uint8Array(75), shape: [3, 5, 5] }), 'x').pixels).toMatchObject(
      { width: 5, height: 5, channels: 3 },
    );
    // [4, 4, 3] is an HWC image with four rows (Python guessed CHW here).
    expect(captureMedia(new Media({ data: new Uint8Array(48), shape: [4, 4, 3] }), 'x').pixels).toMatchObject(
      { width: 4, height: 4, channels: 3 },
    );
    expect(
      captureMedia(new Media({ data: [0, 0.5, 1, 0.25], width: 2, height: 2 }), 'x').pixels!.isFloat,
    ).toBe(true);
    expect(new Media({ data: new Uint8Array(5), width: 2, height: 2 }).problem).toMatch(/channels/);
    expect(
      new Media({ data: new Uint8Array(12), width: 2, height: 2, channels: 3 }, { mediaType: 'audio' })
        .problem,
    ).toMatch(/pixel arrays are images/);
  });
});

describe('Table', () => {
  it('takes the union of row keys in order of first appearance', () => {
    const t = new Table([
      { a: 1, b: 'x' },
      { c: true, a: 2 },
    ]);
    expect(t.columns).toEqual(['a', 'b', 'c']);
    expect(t.rows).toEqual([
      [1, 'x', null],
      [2, null, true],
    ]);
    expect(t.columnTypes).toEqual(['number', 'text', 'boolean']);
  });

  it('takes row arrays with or without column names, and a spec with no rows', () => {
    expect(new Table([[1, 2]]).columns).toEqual(['col_0', 'col_1']);
    expect(
      new Table([[1, 'a']], { columns: ['n', 's'], columnTypes: ['number', 'text'] }).columnTypes,
    ).toEqual(['number', 'text']);
    expect(new Table({ columns: ['x'], rows: [] }).columnTypes).toEqual(['text']);
    expect(new Table([[1, 2], [3]]).problem).toMatch(/row 1/);
    expect(() => captureTable(new Table([[1, 2], [3]]), 't', () => {})).toThrow(/row 1/);
    expect(new Table([]).problem).toMatch(/at least one row/);
    expect(new Table([[1]], { columnTypes: ['number', 'text'] }).problem).toMatch(/one type per column/);
    expect(() => new Table([[1]], { columnTypes: ['image' as never] })).toThrow(TypeError);
  });

  it('serialises each cell on its own: no table is lost to one odd cell', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const t = new Table([
      [
        undefined,
        12n,
        Number.NaN,
        new Date(Date.UTC(2025, 0, 2)),
        { a: [1, Number.POSITIVE_INFINITY] },
        () => 1,
        cyclic,
      ],
    ] as never);
    const item = captureTable(t, 't', () => {});
    expect(item.rows[0].slice(0, 5)).toEqual([
      'null',
      '12',
      'NaN',
      '"2025-01-02T00:00:00.000Z"',
      '{"a":[1,Infinity]}',
    ]);
    expect(item.rows[0][5]).toBe('"() => 1"');
    expect(item.fallbacks).toHaveLength(2);
    expect(t.columnTypes[1]).toBe('number');
  });

  it('captures media cells as items named <table>_r<r>_c<c>', () => {
    const t = new Table([
      { img: new Media(png), n: 1 },
      { img: new Media(join(dir, 'nope.png')), n: 2 },
    ]);
    const errors: string[] = [];
    const item = captureTable(t, 'preds', (cell) => errors.push(cell));
    expect(t.columnTypes).toEqual(['media', 'number']);
    expect(item.rows.map((r) => r[0])).toEqual([{ media: 0 }, { media: 1 }]);
    expect(item.media[0]?.name).toBe('preds_r0_c0');
    expect(item.media[1]).toBeNull();
    expect(errors).toEqual(['preds_r1_c0']);
  });
});

describe('Histogram', () => {
  it('rejects invalid options with a TypeError', () => {
    expect(() => new Histogram([1], { precision: 'precise' as never })).toThrow(/precision/);
    expect(() => new Histogram([1], { numBins: 0 })).toThrow(/numBins/);
    expect(() => new Histogram([1], { numBins: 65537 })).toThrow(/numBins/);
    expect(new Histogram('abc' as never).problem).toMatch(/must be an array of numbers/);
    expect(() => captureHistogram(new Histogram('abc' as never), 'h')).toThrow(/must be an array of numbers/);
  });

  it('computeBins() uses exactly the writer rules, on this thread', () => {
    const values = Array.from({ length: 500 }, (_, i) => Math.cos(i) * (i % 7));
    const h = new Histogram(values, { numBins: 10 }).computeBins();
    const w = binValuesInPlace(Float64Array.from(values), 10, 'percentile')!;
    expect(Array.from(h.counts!)).toEqual(Array.from(w.counts));
    expect(h.bins![0]).toBe(w.min);
    expect(h.bins![10]).toBe(w.max);
    const item = captureHistogram(h, 'h');
    expect(item.values).toBeUndefined();
    expect(item.computed).toMatchObject({ min: w.min, max: w.max, nonUniformEdges: false });
    expect(new Histogram([Number.NaN]).computeBins()).toMatchObject({ bins: undefined, counts: undefined });
    expect(captureHistogram(new Histogram([Number.NaN]).computeBins(), 'h').computed).toBe('empty');
  });

  it('fromBins() validates, rounds counts and flags non-uniform edges', () => {
    const h = Histogram.fromBins([0, 1, 3], [2.4, 5.6], { precision: 'compact' });
    expect(Array.from(h.counts!)).toEqual([2, 6]);
    expect(h.precision).toBe('compact');
    expect(captureHistogram(h, 'h').computed).toMatchObject({ min: 0, max: 3, nonUniformEdges: true });
    expect(Histogram.fromBins([0, 1], [1, 2]).problem).toMatch(/K\+1 edges/);
    expect(Histogram.fromBins([1, 0], [1]).problem).toMatch(/ascending/);
    expect(Histogram.fromBins([0, 1], [-1]).problem).toMatch(/non-negative/);
  });

  it('copies raw values at log time into one Float64Array (nested and BigInt inputs too)', () => {
    const values = [1, 2, 3];
    const item = captureHistogram(new Histogram(values), 'h');
    values[0] = 100;
    expect(Array.from(item.values!)).toEqual([1, 2, 3]);
    expect(Array.from(captureHistogram(new Histogram([[1, 2], [3]] as never), 'h').values!)).toEqual([
      1, 2, 3,
    ]);
    expect(Array.from(captureHistogram(new Histogram(BigInt64Array.from([5n])), 'h').values!)).toEqual([5]);
    const weights = Float32Array.from([0.5, -1.25]);
    const f32 = captureHistogram(new Histogram(weights), 'h').values!;
    weights[0] = 7;
    expect(f32).toBeInstanceOf(Float32Array);
    expect(Array.from(f32)).toEqual([0.5, -1.25]);
    expect(f32.buffer).not.toBe(weights.buffer);
  });
});

describe('TensorLog', () => {
  it('infers dtype and shape from typed, plain, nested, {data, shape} and tfjs-style inputs', () => {
    expect(new TensorLog(new Int16Array(6), { shape: [2, 3] })).toMatchObject({
      dtype: 'int16',
      shape: [2, 3],
    });
    expect(new TensorLog(new Uint8ClampedArray(2))).toMatchObject({ dtype: 'uint8', shape: [2] });
    expect(
      new TensorLog([
        [1, 2, 3],
        [4, 5, 6],
      ]),
    ).toMatchObject({ dtype: 'float64', shape: [2, 3] });
    expect(new TensorLog([true, false])).toMatchObject({ dtype: 'bool', shape: [2] });
    expect(new TensorLog({ data: new Float32Array(4), shape: [2, 2] })).toMatchObject({
      dtype: 'float32',
      shape: [2, 2],
    });
    expect(
      new TensorLog({ dataSync: () => Int32Array.from([1, 2]), shape: [2], dtype: 'int32' }),
    ).toMatchObject({ dtype: 'int32' });
    expect(new TensorLog([7], { shape: [] })).toMatchObject({ shape: [] });
    expect(new TensorLog([1.5], { dtype: 'float16' })).toMatchObject({
      dtype: 'float16',
      sourceDtype: 'float64',
    });
  });

  it('rejects ragged arrays, shape mismatches and bad options', () => {
    expect(new TensorLog([[1, 2], [3]]).problem).toMatch(/ragged/);
    expect(() => captureTensor(new TensorLog([[1, 2], [3]]), 't')).toThrow(/ragged/);
    expect(new TensorLog([1, 2, 3], { shape: [2, 2] }).problem).toMatch(/does not match/);
    expect(new TensorLog([1, true] as never).problem).toMatch(/mix/);
    expect(() => new TensorLog([1], { dtype: 'float8' as never })).toThrow(/dtype/);
    expect(new TensorLog({ dataSync: () => [1], shape: [1], dtype: 'complex64' }).problem).toMatch(
      /complex64/,
    );
    const cyclic: Record<string, unknown> = {};
    cyclic.c = cyclic;
    expect(() => new TensorLog([1], { metadata: cyclic })).toThrow(/metadata/);
  });

  it('copies the elements at log time', () => {
    const src = Float32Array.from([1, 2]);
    const item = captureTensor(new TensorLog(src, { metadata: { a: 1 } }), 't');
    src[0] = 9;
    expect(Array.from(item.data as Float32Array)).toEqual([1, 2]);
    expect(item.data.buffer).not.toBe(src.buffer);
    expect(item.metadata).toBe('{"a":1}');
  });
});

describe('KernelDensity', () => {
  it('takes values or a grid and density, never both', () => {
    expect(new KernelDensity({ values: [1], grid: [1], density: [1] } as never).problem).toMatch(/either/);
    expect(() => captureKde(new KernelDensity({} as never), 'k')).toThrow(/either/);
    expect(new KernelDensity({ grid: [1, 2], density: [1] }).problem).toMatch(/equal lengths/);
    const pre = captureKde(
      new KernelDensity({ grid: [0, 1], density: [0.5, 0.25] }, { bandwidth: 0.1, sampleCount: 9 }),
      'k',
    );
    expect(Array.from(pre.grid!)).toEqual([0, 1]);
    expect(pre).toMatchObject({ bandwidth: 0.1, sampleCount: 9 });
  });

  it('rejects invalid options', () => {
    const v = { values: [1, 2, 3] };
    expect(() => new KernelDensity(v, { kernel: 'tophat' as never })).toThrow(/kernel/);
    expect(() => new KernelDensity(v, { bandwidth: 0 })).toThrow(/bandwidth/);
    expect(() => new KernelDensity(v, { numPoints: 1 })).toThrow(/numPoints/);
    expect(() => new KernelDensity(v, { percentileClip: [99, 1] })).toThrow(/percentileClip/);
    expect(() => new KernelDensity(v, { rangeMin: Number.NaN })).toThrow(/rangeMin/);
  });
});

describe('scalar values (docs/client.md#scalar-values)', () => {
  it.each([
    [3.5, 3.5],
    [Number.NaN, Number.NaN],
    [true, 1],
    [false, 0],
    [7n, 7],
    [{ item: () => 2.5 }, 2.5],
    [{ item: () => 4n }, 4],
    [{ dataSync: () => Float32Array.from([0.5]) }, 0.5],
    [[8], 8],
    [Float64Array.from([-1]), -1],
  ])('%o → %s', (input, value) => {
    expect(toScalar(input)?.value).toBe(value);
  });

  it.each([
    ['text'],
    [null],
    [undefined],
    [[1, 2]],
    [{}],
    [{ dataSync: () => [1, 2] }],
    [{ item: () => 'x' }],
    [
      {
        item: () => {
          throw new Error('x');
        },
      },
    ],
  ])('%o cannot be converted', (input) => {
    expect(toScalar(input)).toBeNull();
  });

  it('flags bigints that are not safe integers', () => {
    expect(toScalar(2n ** 60n + 1n)).toMatchObject({ unsafeBigint: true });
    expect(toScalar(2n ** 40n)).toMatchObject({ unsafeBigint: false });
  });
});

describe('Board options (docs/client.md#options)', () => {
  it('throws a TypeError that names the option', () => {
    expect(() => resolveBoardOptions({ base_dir: 'x' })).toThrow(
      /Unknown Board option "base_dir" \(did you mean "baseDir"\?\)/,
    );
    expect(() => resolveBoardOptions({ name: 3 })).toThrow(/"name" must be a string/);
    expect(() => resolveBoardOptions({ runId: 'a_b' })).toThrow(
      /"runId" must be 4 to 32 ASCII letters and digits/,
    );
    expect(() => resolveBoardOptions({ runId: 'abcd', boardId: 'efgh' })).toThrow(/aliases but differ/);
    expect(() => resolveBoardOptions({ queueCapacity: 0 })).toThrow(
      /"queueCapacity" must be a positive integer/,
    );
    expect(() => resolveBoardOptions({ flushIntervalMs: -1 })).toThrow(/"flushIntervalMs"/);
    expect(() => resolveBoardOptions({ captureOutput: 'yes' })).toThrow(
      /"captureOutput" must be true or false/,
    );
    expect(() => resolveBoardOptions({ syncInterval: 0 })).toThrow(/"syncInterval"/);
    expect(() => resolveBoardOptions({ config: [] })).toThrow(/"config" must be an object/);
    const cyclic: Record<string, unknown> = {};
    cyclic.me = cyclic;
    expect(() => resolveBoardOptions({ config: { a: cyclic } })).toThrow(/"config" cannot be serialised/);
    expect(() => resolveBoardOptions('x')).toThrow(TypeError);
  });

  it('resolves defaults: KOHAKU_BOARD_DATA_DIR, else ./kohakuboard; sanitised project and annotation', () => {
    const cwd = resolve(dir, 'cwd');
    expect(resolveBoardOptions({}, {}, cwd).baseDir).toBe(join(cwd, 'kohakuboard'));
    expect(resolveBoardOptions({}, { KOHAKU_BOARD_DATA_DIR: 'data' }, cwd).baseDir).toBe(join(cwd, 'data'));
    expect(resolveBoardOptions({}, { KOHAKU_BOARD_DATA_DIR: '' }, cwd).baseDir).toBe(
      join(cwd, 'kohakuboard'),
    );
    const o = resolveBoardOptions(
      { project: 'My Project!', annotation: 'Baseline LR=3e-4', boardId: ' abcd ' },
      {},
      cwd,
    );
    expect([o.project, o.annotation, o.runId]).toEqual(['My-Project', 'baseline_lr_3e-4', 'abcd']);
    expect(o).toMatchObject({
      queueCapacity: 50_000,
      queueMaxBytes: 2 ** 30,
      flushIntervalMs: 1000,
      captureOutput: true,
      handleSignals: true,
    });
  });

  it('takes the sync options; warns when sync cannot run', () => {
    expect(resolveBoardOptions({ syncEnabled: true }).warnings[0]).toMatch(
      /remoteUrl or remoteToken is missing/,
    );
    const o = resolveBoardOptions({ syncEnabled: true, remoteUrl: 'https://x.example/', remoteToken: 't' });
    expect(o.sync.remoteUrl).toBe('https://x.example');
    expect(o.warnings).toEqual([]);
    const memory = resolveBoardOptions({
      syncEnabled: true,
      remoteUrl: 'https://x.example/',
      remoteToken: 't',
      memoryMode: true,
    });
    expect(memory.warnings).toEqual([]);
    expect(memory.memoryMode).toBe(true);
  });

  it('snapshots the config with the dialect rules', () => {
    expect(
      configSnapshot({
        a: undefined,
        b: [undefined, () => 1],
        c: 5n,
        d: Number.NaN,
        e: { toJSON: () => 'j' },
      }),
    ).toEqual({
      b: [null, null],
      c: 5n,
      d: Number.NaN,
      e: 'j',
    });
  });

  it('a run id that is taken throws ERUN_EXISTS and leaves nothing behind', () => {
    const base = join(dir, 'taken');
    mkdirSync(join(base, 'p', 'ABCD_note'), { recursive: true });
    let err: unknown;
    try {
      new Board({ baseDir: base, project: 'p', runId: 'abcd', captureOutput: false });
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: 'ERUN_EXISTS' });
    expect(() => new Board({ baseDir: base, config: 42 as never })).toThrow(/"config" must be an object/);
  });
});
