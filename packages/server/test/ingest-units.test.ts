/**
 * The pieces of ingest that need no server: the body's dialect and nesting, the item rules of a log sync
 * request, the per-thread file budget, and the event memory whose ids are run_changes.seq.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SequencedEventHub } from '../src/index/change-events.js';
import { parseLogBody } from '../src/ingest/log-body.js';
import { FrameError, validateLogRequest } from '../src/ingest/log-request.js';
import { RunFilesCache } from '../src/ingest/run-files.js';

const enc = (s: string) => new TextEncoder().encode(s);

describe('log body', () => {
  it('reads bare NaN and Infinity outside strings, and leaves the words inside strings alone', () => {
    expect(parseLogBody(enc('{"a": "NaN Infinity"}'))).toEqual({ value: { a: 'NaN Infinity' } });
    expect(parseLogBody(enc('{"a": "\\"", "b": NaN}'))).toEqual({ value: { a: '"', b: Number.NaN } });
    const r = parseLogBody(enc('{"x": [NaN, Infinity, -Infinity, "NaN"]}'));
    expect('value' in r && r.value).toEqual({ x: [Number.NaN, Infinity, -Infinity, 'NaN'] });
  });

  it('refuses nesting beyond 64 levels and text that is not JSON', () => {
    const nest = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;
    expect('value' in parseLogBody(enc(nest(64)))).toBe(true);
    expect(parseLogBody(enc(nest(65)))).toMatchObject({ problem: { code: 'too_deep' } });
    // Brackets inside strings do not count.
    expect('value' in parseLogBody(enc(`["${'['.repeat(100)}"]`))).toBe(true);
    expect(parseLogBody(enc('{"a": NaNa}'))).toMatchObject({ problem: { code: 'invalid_json' } });
  });
});

describe('log sync request rules', () => {
  const check = (body: unknown) => validateLogRequest(body as never, { maxItemBytes: 1024 });

  it('turns scalar values null, "NaN" and "-Infinity" into non-finite numbers', () => {
    const { request, rejected } = check({
      scalars: {
        loss: [
          { step: 0, value: null },
          { step: 1, value: 'NaN' },
          { step: 2, value: '-Infinity' },
        ],
      },
    });
    expect(rejected).toEqual([]);
    expect([...request.metrics[0].value]).toEqual([Number.NaN, Number.NaN, -Infinity]);
  });

  it('skips a metric whole when one row is wrong, and items that break their rules', () => {
    const { request, rejected } = check({
      scalars: {
        good: [{ step: 0, value: 1 }],
        bad: [
          { step: 0, value: 1 },
          { step: 1.5, value: 2 },
        ],
        '/abs': [],
      },
      media: [{ id: 1, media_hash: 'short', format: 'png', step: 0, name: 'm', type: 'image' }],
      histograms: [
        { step: 0, name: 'h', bins: [0, 1], counts: [1, 2], precision: 'i32' },
        { step: 0, name: 'h', bins: [0, 1, 2], counts: [1, 300], precision: 'u8' },
        { step: 0, name: 'h', bins: [0, Infinity, 2], counts: [1, 3], precision: 'i32' },
        { step: 0, name: 'h', bins: [0, 1, 2], counts: [1, 3], precision: 'exact' },
      ],
      tensors: [{ id: 1, step: 0, name: 't', payload: 'AAAA', tensor_meta: {} }],
      kernel_density: [{ step: 0, name: 'k', payload: Buffer.alloc(2000).toString('base64') }],
    });
    expect(request.metrics.map((m) => m.name)).toEqual(['good']);
    expect([...request.histograms.keys()]).toEqual(['h_2_i32']);
    expect(rejected.map((r) => [r.source, r.name, r.index, r.code])).toEqual([
      ['scalars', 'bad', 1, 'invalid_row'],
      ['scalars', '/abs', null, 'invalid_name'],
      ['media', 'm', 0, 'invalid_row'],
      ['histograms', 'h', 0, 'invalid_row'],
      ['histograms', 'h', 1, 'invalid_row'],
      ['histograms', 'h', 2, 'invalid_row'],
      ['tensors', 't', 0, 'invalid_payload'],
      ['kernel_density', 'k', 0, 'too_large'],
    ]);
  });

  it('refuses a wrong frame as a whole', () => {
    expect(() => check([])).toThrow(FrameError);
    expect(() => check({ steps: {} })).toThrow(FrameError);
    expect(() => check({ sync_range: { start_step: 'a' } })).toThrow(FrameError);
    expect(() => check({ offsets: { scalars: [] } })).toThrow(FrameError);
  });
});

describe('open files of an ingest thread', () => {
  it('closes other runs while the thread holds more files than its budget', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kobo-files-'));
    try {
      const cache = new RunFilesCache(32, 5);
      const a = cache.get(join(dir, 'a'), 'wal');
      for (const m of ['m1', 'm2', 'm3', 'm4']) a.metric(m);
      expect(a.openCount).toBe(4);
      const b = cache.get(join(dir, 'b'), 'wal');
      b.metric('x');
      b.metric('y');
      // a (4) + b (2) > 5: a is closed when the thread asks for b again.
      expect(cache.get(join(dir, 'b'), 'wal')).toBe(b);
      expect(a.openCount).toBe(0);
      expect(cache.get(join(dir, 'a'), 'wal')).not.toBe(a);
      cache.closeAll();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('event memory keyed by run_changes.seq', () => {
  it('replays after an id it holds, says resync for one it no longer holds, and waits for one ahead', () => {
    const hub = new SequencedEventHub(3);
    hub.startAt(10);
    for (const seq of [11, 13, 14, 16]) hub.publishAt(seq, 'run_data', { seq }, null);
    expect(hub.lastId).toBe(16);
    expect(hub.since(13).events.map((e) => e.id)).toEqual([14, 16]);
    expect(hub.since(13).resync).toBeNull();
    // 11 left the memory (3 kept): ids before 12 cannot be replayed.
    expect(hub.since(11).resync).toBe('buffer_overflow');
    expect(hub.since(20)).toEqual({ events: [], resync: null });
    expect(hub.since(Number.NaN).resync).toBe('server_restart');
  });
});
