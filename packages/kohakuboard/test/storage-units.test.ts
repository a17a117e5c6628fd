/**
 * Unit tests of the small storage modules: names, the JSON dialect, timestamps, the media hash, NPY and NPZ.
 */
import { deflateRawSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OBJECTS, PREDICATES } from '../src/storage/friendly-words.js';
import {
  checkItemName,
  checkLogName,
  decodeNpy,
  decodeNpz,
  deriveRunStatus,
  encodeKdeNpz,
  encodeNpy,
  fileStemToLogName,
  formatPythonIso,
  friendlyRunName,
  generateRunId,
  histogramFileName,
  histogramNamespaceFromStem,
  logNameToFileStem,
  mediaHash,
  normalizeSuppliedRunId,
  npyValues,
  parseHistogramStem,
  parseIsoToMs,
  parseTolerantJson,
  runFolderName,
  StorageError,
  sanitizeAnnotation,
  sanitizeProject,
  serializeMetadataJson,
  shownName,
  splitRunFolderName,
  stringifyDialectJson,
  tensorLocation,
} from '../src/storage/index.js';

describe('names (docs/format.md#names)', () => {
  it.each([
    ['My Project!', 'My-Project'],
    ['  ../x  ', 'x'],
    ['___', 'default'],
    ['résumé', 'résumé'],
    ['users', 'users-'],
    ['', 'default'],
    ['a  b//c', 'a-b-c'],
  ])('sanitizeProject(%j) = %j', (input, want) => {
    expect(sanitizeProject(input)).toBe(want);
  });

  it('sanitizeProject of an absent project is default', () => {
    expect(sanitizeProject(undefined)).toBe('default');
  });

  it.each([
    ['Baseline LR=3e-4', 'baseline_lr_3e-4'],
    ['--__--', null],
    ['Ünïcode', 'n_code'],
    ['  a   b ', 'a_b'],
  ])('sanitizeAnnotation(%j) = %j', (input, want) => {
    expect(sanitizeAnnotation(input)).toBe(want);
  });

  it('sanitizeAnnotation always returns [a-z0-9_-]+ or null', () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        const a = sanitizeAnnotation(s);
        expect(a === null || /^[a-z0-9](?:[a-z0-9_-]*[a-z0-9])?$/.test(a)).toBe(true);
      }),
    );
  });

  it('generates 8-character ids from [a-z0-9] and validates supplied ids', () => {
    const ids = new Set(Array.from({ length: 200 }, () => generateRunId()));
    for (const id of ids) expect(id).toMatch(/^[a-z0-9]{8}$/);
    expect(ids.size).toBeGreaterThan(195);
    expect(normalizeSuppliedRunId(' ab12 ')).toBe('ab12');
    expect(normalizeSuppliedRunId('abc')).toBeNull();
    expect(normalizeSuppliedRunId('a'.repeat(33))).toBeNull();
    expect(normalizeSuppliedRunId('ab_12')).toBeNull();
  });

  it('builds and splits folder names at the first underscore', () => {
    expect(runFolderName('abcd', 'baseline')).toBe('abcd_baseline');
    expect(runFolderName('abcd', null)).toBe('abcd');
    expect(splitRunFolderName('20250115_103045_xx')).toEqual({ runId: '20250115', annotation: '103045_xx' });
    expect(splitRunFolderName('abcd_')).toEqual({ runId: 'abcd', annotation: null });
    expect(splitRunFolderName('abcd')).toEqual({ runId: 'abcd', annotation: null });
  });

  it('maps metric names to file stems and back', () => {
    expect(logNameToFileStem('train/loss')).toBe('train__loss');
    expect(fileStemToLogName('eval__bleu@4')).toBe('eval/bleu@4');
  });

  it('applies the writer name rules of docs/format.md#log-names', () => {
    expect(checkLogName('train/loss')).toBeNull();
    expect(checkLogName('')).toMatch(/empty/);
    expect(checkLogName('a\u0000b')).toMatch(/NUL/);
    expect(checkLogName('a\\b')).toMatch(/backslash/);
    expect(checkLogName('/abs')).toMatch(/starts with/);
    expect(checkLogName('')).not.toBeNull();
    expect(checkLogName('x'.repeat(253))).toMatch(/255 bytes/);
    expect(checkLogName('x'.repeat(252))).toBeNull();
    expect(checkLogName('a:b', 'win32')).toMatch(/Windows/);
    expect(checkLogName('a:b', 'linux')).toBeNull();
  });

  it('refuses the names the viewer refuses, for files and for media and table rows alike', () => {
    for (const check of [checkLogName, checkItemName]) {
      expect(check('a//b')).toMatch(/empty part/);
      expect(check('a/')).toMatch(/empty part/);
      expect(check('a/./b')).toMatch(/'\.' part/);
      expect(check('a/..')).toMatch(/'\.\.' part/);
      expect(check('tab\tname')).toMatch(/control character/);
      expect(check('del\u007f')).toMatch(/control character/);
      expect(check('train/loss.v2')).toBeNull();
    }
    expect(checkItemName('/abs')).toMatch(/empty part/);
    expect(checkItemName('x'.repeat(1024))).toBeNull();
    expect(checkItemName('x'.repeat(1025))).toMatch(/longer than 1024/);
  });

  it('shows names in messages escaped and cut short', () => {
    expect(shownName('train/loss')).toBe('train/loss');
    expect(shownName('a\u0000b\tc\nd')).toBe('a\\u0000b\\tc\\nd');
    expect(shownName('back\\slash "q"')).toBe('back\\slash "q"');
    const long = shownName('n'.repeat(1 << 20));
    expect(long).toBe(`${'n'.repeat(64)}… (1048576 characters)`);
  });

  it('names and parses histogram files, with K from the column and legacy names', () => {
    expect(histogramFileName('grad/w', 64, 'i32')).toBe('grad_64_i32.db');
    expect(parseHistogramStem('layer_3_i32')).toEqual({ group: 'layer_3', precision: 'i32' });
    expect(histogramNamespaceFromStem('layer_3', 64)).toBe('layer_3');
    expect(histogramNamespaceFromStem('grad_64', 64)).toBe('grad');
    expect(parseHistogramStem('weights')).toBeNull();
  });

  it('locates tensor payloads', () => {
    expect(tensorLocation('params/fc1/weight', 42)).toEqual({ kvFile: 'params', key: 'fc1__weight:42' });
    expect(tensorLocation('weights', 3)).toEqual({ kvFile: 'weights', key: 'value:3' });
    expect(tensorLocation('weights/', 3)).toEqual({ kvFile: 'weights', key: 'value:3' });
  });

  it('ships the friendly word lists and builds names from them', () => {
    expect(PREDICATES.length).toBe(1450);
    expect(OBJECTS.length).toBeGreaterThan(3000);
    for (const w of [...PREDICATES, ...OBJECTS]) expect(w).toMatch(/^[a-z]+$/);
    expect(friendlyRunName()).toMatch(/^[A-Z][a-z]+ [A-Z][a-z]+$/);
  });
});

describe('the JSON dialect (docs/format.md#json-dialect)', () => {
  it('parses bare NaN and Infinity tokens but not inside strings', () => {
    const v = parseTolerantJson(
      '{"a": NaN, "b": [Infinity, -Infinity, 1e3], "c": "NaN Infinity", "d": -0.5}',
    );
    expect(v).toEqual({ a: Number.NaN, b: [Infinity, -Infinity, 1000], c: 'NaN Infinity', d: -0.5 });
  });

  it('round-trips any JSON value through stringify and parse', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(parseTolerantJson(stringifyDialectJson(value, { indent: 2, ascii: true }))).toEqual(value);
        expect(parseTolerantJson(JSON.stringify(value))).toEqual(value);
      }),
    );
  });

  it('escapes non-ASCII as lower-case \\uXXXX with surrogate pairs, like Python ensure_ascii', () => {
    expect(stringifyDialectJson({ note: 'naïve → ✓ 𝄞' }, { ascii: true })).toBe(
      '{"note":"na\\u00efve \\u2192 \\u2713 \\ud834\\udd1e"}',
    );
  });

  it('writes non-finite numbers as bare tokens and bigint as integers', () => {
    expect(stringifyDialectJson({ a: Number.NaN, b: -Infinity, c: 12345678901234567890n })).toBe(
      '{"a":NaN,"b":-Infinity,"c":12345678901234567890}',
    );
  });

  it('drops undefined and functions in objects, writes null in arrays, honours toJSON', () => {
    const when = new Date(Date.UTC(2025, 0, 2));
    expect(stringifyDialectJson({ a: undefined, f: () => 1, arr: [undefined, () => 1], when })).toBe(
      '{"arr":[null,null],"when":"2025-01-02T00:00:00.000Z"}',
    );
  });

  it('throws TypeError on a cycle', () => {
    const a: Record<string, unknown> = {};
    a.self = a;
    expect(() => stringifyDialectJson(a)).toThrow(TypeError);
  });

  it('writes metadata.json with the layout of JSON.stringify(v, null, 2) and no trailing newline', () => {
    const text = serializeMetadataJson({
      name: 'x',
      config: { lr: 0.001, t: Number.NaN, e: [], o: {} },
      finished_at: null,
    });
    expect(text).toBe(
      '{\n  "name": "x",\n  "config": {\n    "lr": 0.001,\n    "t": NaN,\n    "e": [],\n    "o": {}\n  },\n  "finished_at": null\n}',
    );
  });

  it('reports malformed JSON with the file and the position', () => {
    expect(() => parseTolerantJson('{"a": 1,', 'x/metadata.json')).toThrow(
      /x\/metadata.json: not valid JSON: .*line 1/,
    );
    expect(() => parseTolerantJson('[1 2]')).toThrow(StorageError);
    expect(() => parseTolerantJson('Nan')).toThrow(StorageError);
  });
});

describe('timestamps (docs/format.md#timestamps)', () => {
  it('formats like Python isoformat, omitting a zero fraction', () => {
    expect(formatPythonIso(Date.UTC(2025, 0, 29, 7, 4, 23, 123))).toBe('2025-01-29T07:04:23.123000+00:00');
    expect(formatPythonIso(Date.UTC(2025, 0, 1))).toBe('2025-01-01T00:00:00+00:00');
  });

  it.each([
    ['2025-01-29T07:04:23.123456+00:00', Date.UTC(2025, 0, 29, 7, 4, 23, 123)],
    ['2025-01-29T07:04:23Z', Date.UTC(2025, 0, 29, 7, 4, 23)],
    ['2025-01-29T09:04:23.5+02:00', Date.UTC(2025, 0, 29, 7, 4, 23, 500)],
    ['2025-01-29T07:04:23', Date.UTC(2025, 0, 29, 7, 4, 23)],
    ['2025-01-29 07:04:23', Date.UTC(2025, 0, 29, 7, 4, 23)],
  ])('parses %s', (text, ms) => {
    expect(parseIsoToMs(text)).toBe(ms);
  });

  it('returns null for text that is not a time', () => {
    expect(parseIsoToMs('yesterday')).toBeNull();
    expect(parseIsoToMs(null)).toBeNull();
  });
});

describe('run status (docs/format.md#run-status)', () => {
  const now = 1_000_000_000;
  it('derives the canonical status from stored status, finished_at and activity', () => {
    expect(deriveRunStatus({ status: 'running' }, now - 1000, now)).toBe('running');
    expect(deriveRunStatus({ status: 'running' }, now - 400_000, now)).toBe('stale');
    expect(deriveRunStatus({ status: 'crashed', finished_at: 'x' }, now, now)).toBe('crashed');
    expect(deriveRunStatus({ finished_at: '2025-01-01T00:00:00+00:00' }, null, now)).toBe('finished');
    expect(deriveRunStatus({ finished_at: null }, now - 10, now)).toBe('running');
    expect(deriveRunStatus({ finished_at: null }, now - 301_000, now)).toBe('stale');
    expect(deriveRunStatus({ name: 'legacy' }, now, now)).toBe('unknown');
  });
});

describe('media hash (docs/format.md#media-hash)', () => {
  it('matches both test vectors', () => {
    expect(mediaHash(Buffer.from('hello world'))).toBe('3aet1vxyq5z0bjc55sjlpz');
    expect(mediaHash(new Uint8Array(0))).toBe('984rb18u89tnxl2rmctxvt');
  });
});

describe('NPY (docs/format.md#npy)', () => {
  it('writes a v1.0 header padded to 64 bytes that reads back', () => {
    const data = new Float32Array([1.5, -2, Number.NaN, 4, 5, 6]);
    const npy = encodeNpy('<f4', [2, 3], new Uint8Array(data.buffer));
    expect((10 + (npy[8] | (npy[9] << 8))) % 64).toBe(0);
    const header = Buffer.from(npy.subarray(10, 10 + (npy[8] | (npy[9] << 8)))).toString('latin1');
    expect(header.startsWith("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }")).toBe(true);
    expect(header.endsWith('\n')).toBe(true);
    const arr = decodeNpy(npy);
    expect(arr).toMatchObject({
      version: 1,
      descr: '<f4',
      dtype: 'float32',
      shape: [2, 3],
      size: 6,
      fortranOrder: false,
    });
    expect(Array.from(npyValues(arr) as Float32Array)).toEqual(Array.from(data));
  });

  it('writes shapes in Python tuple notation', () => {
    const head = (shape: number[]) =>
      Buffer.from(encodeNpy('<f8', shape, new Uint8Array(8 * shape.reduce((a, b) => a * b, 1)))).toString(
        'latin1',
      );
    expect(head([])).toContain("'shape': (), }");
    expect(head([5])).toContain("'shape': (5,), }");
  });

  it('reads v2.0 and v3.0 headers, big-endian data and float16', () => {
    const v2 = Buffer.concat([
      Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 2, 0]),
      Buffer.alloc(4),
      Buffer.from("{'descr': '>i4', 'fortran_order': False, 'shape': (2,), }\n"),
      Buffer.from([0, 0, 0, 7, 0xff, 0xff, 0xff, 0xfe]),
    ]);
    v2.writeUInt32LE(v2.length - 12 - 8, 8);
    expect(Array.from(npyValues(decodeNpy(v2)) as Int32Array)).toEqual([7, -2]);

    const header3 = Buffer.from("{'descr': '<f2', 'fortran_order': False, 'shape': (3,), }\n", 'utf8');
    const v3 = Buffer.concat([
      Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 3, 0]),
      Buffer.alloc(4),
      header3,
      Buffer.from([0x00, 0x3c, 0x00, 0xc0, 0x00, 0x7c]),
    ]);
    v3.writeUInt32LE(header3.length, 8);
    expect(Array.from(npyValues(decodeNpy(v3)) as Float32Array)).toEqual([1, -2, Infinity]);
  });

  it('rejects truncated data, bad magic and unsupported dtypes with a clear error', () => {
    const npy = encodeNpy('<f8', [4], new Uint8Array(32));
    expect(() => decodeNpy(npy.subarray(0, npy.length - 1), 'x.db key k')).toThrow(
      /x.db key k: NPY data is truncated/,
    );
    expect(() => decodeNpy(Buffer.from('not npy at all'))).toThrow(/bad magic/);
    const structured = encodeNpy('<f8', [1], new Uint8Array(8));
    const text = Buffer.from(structured).toString('latin1').replace("'descr': '<f8'", "'descr': '|S8'");
    const arr = decodeNpy(Buffer.from(text, 'latin1'));
    expect(arr.dtype).toBeNull();
    expect(() => npyValues(arr)).toThrow(/not supported/);
  });
});

describe('NPZ (docs/format.md#npz)', () => {
  it('writes grid.npy then density.npy and reads them back', () => {
    const grid = new Float32Array([0, 0.5, 1]);
    const density = new Float32Array([0.1, 0.8, 0.1]);
    const npz = Buffer.from(encodeKdeNpz(grid, density));
    expect(npz.readUInt32LE(0)).toBe(0x04034b50);
    expect(npz.readUInt16LE(6)).toBe(0); // flags
    expect(npz.readUInt16LE(8)).toBe(8); // deflate
    expect(npz.readUInt16LE(10)).toBe(0); // time
    expect(npz.readUInt16LE(12)).toBe(0x0021); // date 1980-01-01
    expect(npz.subarray(30, 38).toString()).toBe('grid.npy');
    const members = decodeNpz(npz);
    expect([...members.keys()]).toEqual(['grid', 'density']);
    expect(Array.from(npyValues(members.get('density')!) as Float32Array)).toEqual(Array.from(density));
  });

  it('reads archives whose local headers carry ZIP64 size placeholders (numpy savez_compressed)', () => {
    // Build the archive numpy writes: sizes FFFFFFFF in the local header, real sizes in the central directory.
    const member = encodeNpy('<f4', [2], new Uint8Array(new Float32Array([3, 4]).buffer));
    const deflated = deflateRawSync(member);
    const name = Buffer.from('grid.npy');
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(45, 4);
    local.writeUInt16LE(8, 8);
    local.writeUInt32LE(0xffffffff, 18);
    local.writeUInt32LE(0xffffffff, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(20, 28);
    const extra = Buffer.alloc(20);
    extra.writeUInt16LE(1, 0);
    extra.writeUInt16LE(16, 2);
    extra.writeBigUInt64LE(BigInt(member.length), 4);
    extra.writeBigUInt64LE(BigInt(deflated.length), 12);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(45, 4);
    central.writeUInt16LE(45, 6);
    central.writeUInt16LE(8, 10);
    central.writeUInt32LE(deflated.length, 20);
    central.writeUInt32LE(member.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(0, 42);
    const body = Buffer.concat([local, name, extra, deflated]);
    const eocd = Buffer.alloc(22);
    eocd.writeUInt32LE(0x06054b50, 0);
    eocd.writeUInt16LE(1, 8);
    eocd.writeUInt16LE(1, 10);
    eocd.writeUInt32LE(central.length + name.length, 12);
    eocd.writeUInt32LE(body.length, 16);
    const archive = Buffer.concat([body, central, name, eocd]);
    const members = decodeNpz(archive);
    expect(Array.from(npyValues(members.get('grid')!) as Float32Array)).toEqual([3, 4]);
  });

  it('reports a damaged archive as corrupt', () => {
    expect(() => decodeNpz(Buffer.from('PK not really'), 'params.db key k:1')).toThrow(
      /params.db key k:1: not a readable NPZ/,
    );
  });
});
