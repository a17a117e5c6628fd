/**
 * The TensorBoard reader's pieces: CRC-32C, wall times, histogram re-binning, tensor decoding, tag names.
 */
import { crc32c as nativeCrc32c } from '@node-rs/crc32';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkLogName } from '../src/storage/index.js';
import { crc32c, crc32cTable, maskedCrc32c, SHORT_INPUT_BYTES } from '../src/tensorboard/crc32c.js';
import { wallTimeMs } from '../src/tensorboard/event-mapping.js';
import {
  legacyBuckets,
  REBIN_BINS,
  tensorBuckets,
  toUniformHistogram,
  wholeCounts,
} from '../src/tensorboard/histogram-buckets.js';
import type { TensorMessage } from '../src/tensorboard/proto-schema.js';
import { runIdFor } from '../src/tensorboard/run-importer.js';
import { nameForTag } from '../src/tensorboard/tag-names.js';
import { DType, tensorNumbers, tensorStrings } from '../src/tensorboard/tensor-values.js';
import { checkName } from '../src/viewer/path-safety.js';

describe('CRC-32C', () => {
  it('gives the standard check value and the masked form TFRecord stores', () => {
    const nine = Buffer.from('123456789');
    expect(crc32c(nine)).toBe(0xe3069283);
    const crc = 0xe3069283;
    expect(maskedCrc32c(nine)).toBe((((crc >>> 15) | (crc << 17)) + 0xa282ead8) >>> 0);
    expect(crc32c(new Uint8Array(0))).toBe(0);
  });

  it('computes short inputs in the table exactly as the native library computes long ones', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 0, maxLength: 2 * SHORT_INPUT_BYTES }),
        fc.nat(7),
        (bytes, cut) => {
          const start = Math.min(cut, bytes.length);
          const expected = nativeCrc32c(Buffer.from(bytes.subarray(start))) >>> 0;
          expect(crc32cTable(bytes, start, bytes.length)).toBe(expected);
          expect(crc32c(bytes, start, bytes.length)).toBe(expected);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('wall times', () => {
  it('become whole milliseconds rounded half to even, as Python rounds', () => {
    // Python: round(1.0005 * 1000) == 1000 (the product is 1000.5); Math.round would give 1001.
    expect(wallTimeMs(1.0005)).toBe(1000);
    expect(wallTimeMs(0.0025)).toBe(2); // 2.5 → 2
    expect(wallTimeMs(0.0035)).toBe(4); // 3.5 → 4
    expect(wallTimeMs(-0.0025)).toBe(-2);
    expect(wallTimeMs(1796418590.0518286)).toBe(1796418590052);
  });

  it('gives every run a stable id of 8 characters', () => {
    expect(runIdFor('tbx/long')).toBe(runIdFor('tbx/long'));
    expect(runIdFor('tbx/long')).not.toBe(runIdFor('tbx/long2'));
    expect(runIdFor('.')).toMatch(/^[a-z0-9]{8}$/);
  });
});

describe('histograms', () => {
  const bucketsArb = fc
    .array(fc.tuple(fc.double({ min: 0.001, max: 10, noNaN: true }), fc.nat(1000)), {
      minLength: 1,
      maxLength: 80,
    })
    .chain((widthsAndCounts) =>
      fc.double({ min: -1e3, max: 1e3, noNaN: true }).map((lo) => {
        const k = widthsAndCounts.length;
        const left = new Float64Array(k);
        const right = new Float64Array(k);
        const count = new Float64Array(k);
        let x = lo;
        widthsAndCounts.forEach(([w, c], i) => {
          left[i] = x;
          x += w;
          right[i] = x;
          count[i] = c;
        });
        return { left, right, count };
      }),
    );

  it('keep the total count and the range when re-binned', () => {
    fc.assert(
      fc.property(bucketsArb, (b) => {
        const total = b.count.reduce((s, c) => s + c, 0);
        const h = toUniformHistogram(b)!;
        expect(h.counts.reduce((s, c) => s + c, 0)).toBe(total);
        expect(h.min).toBe(b.left[0]);
        expect(h.max).toBe(b.right[b.right.length - 1]);
        for (const c of h.counts) expect(Number.isInteger(c) && c >= 0).toBe(true);
        if (h.rebinned) expect(h.counts.length).toBe(REBIN_BINS);
      }),
      { numRuns: 300 },
    );
  });

  it('keep uniform buckets as they are', () => {
    const b = tensorBuckets(Float64Array.of(0, 1, 3, 1, 2, 0, 2, 3, 5), [3, 3])!;
    expect(toUniformHistogram(b)).toEqual({
      min: 0,
      max: 3,
      counts: Float64Array.of(3, 0, 5),
      rebinned: false,
    });
  });

  it('spread each bucket over the uniform bins it overlaps', () => {
    // Two buckets [0, 1) with 4 and [1, 4) with 6 over 64 bins of width 1/16: 4 in the first 16 bins.
    const b = tensorBuckets(Float64Array.of(0, 1, 4, 1, 4, 6), [2, 3])!;
    const h = toUniformHistogram(b)!;
    expect(h.rebinned).toBe(true);
    expect(h.counts.subarray(0, 16).reduce((s, c) => s + c, 0)).toBe(4);
    expect(h.counts.subarray(16).reduce((s, c) => s + c, 0)).toBe(6);
  });

  it('read legacy histograms as TensorBoard does: empty ends dropped, min and max as the outer edges', () => {
    const b = legacyBuckets({
      min: -0.5,
      max: 2.5,
      num: 5,
      bucketLimit: [-1, 0, 1, 2, 3, 4],
      bucket: [0, 2, 0, 3, 0, 0],
    });
    expect([...b.left]).toEqual([-0.5, 0, 1]);
    expect([...b.right]).toEqual([0, 1, 2.5]);
    expect([...b.count]).toEqual([2, 0, 3]);
    expect(
      toUniformHistogram(legacyBuckets({ min: 0, max: 0, num: 0, bucketLimit: [1], bucket: [0] })),
    ).toBeNull();
  });

  it('widen a histogram of equal values by 0.5 each side', () => {
    const b = tensorBuckets(Float64Array.of(2, 2, 7), [1, 3])!;
    expect(toUniformHistogram(b)).toEqual({
      min: 1.5,
      max: 2.5,
      counts: Float64Array.of(7),
      rebinned: false,
    });
  });

  it('round spread counts to whole ones with the same total, none further than 1 from its share', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 50, noNaN: true }), { maxLength: 100 }), (weights) => {
        const w = Float64Array.from(weights);
        const out = wholeCounts(w);
        const total = Math.round(weights.reduce((s, x) => s + x, 0));
        expect(out.reduce((s, x) => s + x, 0)).toBe(total);
        let cumW = 0;
        let cumOut = 0;
        out.forEach((c, i) => {
          expect(Number.isInteger(c)).toBe(true);
          cumW += w[i];
          cumOut += c;
          expect(Math.abs(cumOut - cumW)).toBeLessThanOrEqual(0.5 + 1e-9);
        });
      }),
    );
  });
});

describe('tensors', () => {
  const tensor = (t: Partial<TensorMessage>): TensorMessage => ({
    dtype: DType.FLOAT,
    tensorShape: null,
    tensorContent: new Uint8Array(0),
    floatVal: [],
    doubleVal: [],
    intVal: [],
    stringVal: [],
    int64Val: [],
    boolVal: [],
    halfVal: [],
    uint32Val: [],
    uint64Val: [],
    ...t,
  });

  it('decode numbers from tensor_content and from the repeated field of their dtype', () => {
    const content = Buffer.alloc(8);
    content.writeFloatLE(1.5, 0);
    content.writeFloatLE(-0, 4);
    const shape2 = { dim: [{ size: 2 }] };
    expect([...tensorNumbers(tensor({ tensorShape: shape2, tensorContent: content }))!]).toEqual([1.5, -0]);
    expect([
      ...tensorNumbers(tensor({ dtype: DType.HALF, halfVal: [0x3c00, 0xc000], tensorShape: shape2 }))!,
    ]).toEqual([1, -2]);
    expect([...tensorNumbers(tensor({ dtype: DType.BFLOAT16, halfVal: [0x3f80] }))!]).toEqual([1]);
    const i64 = Buffer.alloc(8);
    i64.writeBigInt64LE(-5n);
    expect([...tensorNumbers(tensor({ dtype: DType.INT64, tensorContent: i64 }))!]).toEqual([-5]);
    expect([...tensorNumbers(tensor({ dtype: DType.DOUBLE, doubleVal: [0.1] }))!]).toEqual([0.1]);
    // One value for a larger shape fills it, as TensorFlow's short form does.
    expect([...tensorNumbers(tensor({ tensorShape: { dim: [{ size: 3 }] }, floatVal: [2] }))!]).toEqual([
      2, 2, 2,
    ]);
    expect(tensorNumbers(tensor({ tensorShape: shape2, tensorContent: Buffer.alloc(4) }))).toBeNull();
    expect(tensorNumbers(tensor({ dtype: DType.STRING }))).toBeNull();
  });

  it('decode byte strings', () => {
    const s = [Buffer.from('a'), Buffer.from('bc')];
    expect(
      tensorStrings(tensor({ dtype: DType.STRING, tensorShape: { dim: [{ size: 2 }] }, stringVal: s })),
    ).toEqual(s);
    expect(tensorStrings(tensor({ dtype: DType.FLOAT }))).toBeNull();
  });
});

describe('tag names', () => {
  it('keep tags that the name rules accept', () => {
    for (const tag of ['loss', 'train/loss', 'Ünïcode/σ', 'a b', 'lr:0'])
      expect(nameForTag(tag, 'linux')).toBe(tag);
  });

  it('map every other tag to a name that storage and the viewer accept', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 400 }), (tag) => {
        for (const platform of ['linux', 'win32'] as const) {
          const name = nameForTag(tag, platform);
          expect(checkLogName(name, platform)).toBeNull();
          expect(() => checkName(name)).not.toThrow();
          expect(name.includes('__')).toBe(false);
          expect(['step', 'global_step', 'timestamp']).not.toContain(name);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('cut names whose file name would pass 255 bytes, keeping them distinct', () => {
    const a = nameForTag(`${'é'.repeat(200)}a`, 'linux');
    const b = nameForTag(`${'é'.repeat(200)}b`, 'linux');
    expect(Buffer.byteLength(`${a}.db`)).toBeLessThanOrEqual(255);
    expect(a).not.toBe(b);
    expect(nameForTag('x:y?', 'win32')).toBe('x_y_');
  });
});
