/**
 * The viewer's plain functions, without HTTP: raw-path routing, name checks, byte ranges, run-query
 * parsing, log chunking, the kbc frame, the event buffer, the handle pool and the caches.
 */
import { appendFileSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cacheSet, createDecodedCache } from '../src/reader/decoded-cache.js';
import { HandlePool } from '../src/reader/handle-pool.js';
import type { RunRecord } from '../src/reader/run-record.js';
import { RunTree } from '../src/reader/run-tree.js';
import { readOnlyOpenCount as databaseOpenCount } from '../src/storage/index.js';
import { ApiError } from '../src/viewer/api-error.js';
import { EventHub, matchesFilter } from '../src/viewer/events/event-hub.js';
import { existingFileInside } from '../src/viewer/path-safety.js';
import { parseRange } from '../src/viewer/read-api/handlers/media-blob.js';
import { namesOf } from '../src/viewer/read-api/route-context.js';
import { readLogChunk } from '../src/viewer/run-data/logs.js';
import { formatDuration } from '../src/viewer/run-data/summary.js';
import { nest, parseSlice, sliceIndices } from '../src/viewer/run-data/tensor-slice.js';
import type { RunRef } from '../src/viewer/run-ref.js';
import { matchesConfig, parseConfigFilter, sortRecords } from '../src/viewer/runs/run-query.js';
import { kbcFrame } from '../src/viewer/scalars/kbc-frame.js';
import {
  COMPRESS_IN_TASK_BYTES,
  compressLargeBody,
  negotiateEncoding,
} from '../src/viewer/worker-pool/compress-body.js';
import { filterInSlices, yieldToLoop } from '../src/viewer/worker-pool/slices.js';
import { JSON_TYPE } from '../src/viewer/worker-pool/task-result.js';
import { writeTsRun } from './helpers/ts-runs.js';
import { tempDir } from './helpers/viewer.js';

const code = (fn: () => unknown): string | null => {
  try {
    fn();
    return null;
  } catch (err) {
    return err instanceof ApiError ? err.code : String(err);
  }
};

describe('names from the raw path', () => {
  const RUN = '/api/projects/:project/runs/:run_id';
  const n = (declared: string, raw: string) => namesOf(`${RUN}${declared}`, `/api/projects/${raw}`);

  it('names with unencoded slashes, %2F inside a segment, every segment decoded', () => {
    expect(n('/scalars/*', 'p/runs/r/scalars/train/loss')).toEqual({
      project: 'p',
      run_id: 'r',
      name: 'train/loss',
    });
    expect(n('/histograms/*', 'p/runs/r/histograms/a%2Fsurface')).toMatchObject({ name: 'a/surface' });
    expect(n('/histograms/:name/surface', 'p/runs/r/histograms/a/surface')).toMatchObject({ name: 'a' });
    expect(n('/media/files/:filename', 'p/runs/r/media/files/x.png')).toMatchObject({ filename: 'x.png' });
    expect(n('/media/*', 'p/runs/r/media/files%2Fx.png')).toMatchObject({ name: 'files/x.png' });
    expect(n('/media/by-id/:media_id', 'p/runs/r/media/by-id/7')).toMatchObject({ media_id: '7' });
    expect(n('/media/*', 'p/runs/r/media/files/a/b')).toMatchObject({ name: 'files/a/b' });
    expect(n('/scalars/*', 'p%20x/runs/r%2Bq/scalars/%C3%A9')).toEqual({
      project: 'p x',
      run_id: 'r+q',
      name: 'é',
    });
  });

  it('refuses names that could climb, are empty, or hold NUL or a backslash', () => {
    for (const [declared, bad] of [
      ['/scalars/*', 'p/runs/r/scalars/..'],
      ['/scalars/*', 'p/runs/r/scalars/a/../b'],
      ['/scalars/*', 'p/runs/r/scalars/a%00b'],
      ['/scalars/*', 'p/runs/r/scalars/a%5Cb'],
      ['', '%2e%2e/runs/r'],
      ['', 'a%2Fb/runs/r'],
      ['/scalars/*', 'p/runs/r/scalars//x'],
      ['', 'p/runs/%ZZ'],
    ]) {
      expect(
        code(() => n(declared, bad)),
        bad,
      ).toBe('invalid_name');
    }
  });
});

describe('byte ranges (docs/api.md#media-files)', () => {
  it('single ranges, suffixes, open ends; several ranges are the full answer', () => {
    expect(parseRange('bytes=0-9', 100)).toEqual({ start: 0, end: 9 });
    expect(parseRange('bytes=90-', 100)).toEqual({ start: 90, end: 99 });
    expect(parseRange('bytes=-10', 100)).toEqual({ start: 90, end: 99 });
    expect(parseRange('bytes=95-200', 100)).toEqual({ start: 95, end: 99 });
    expect(parseRange('bytes=100-', 100)).toBe('unsatisfiable');
    expect(parseRange('bytes=5-2', 100)).toBe('unsatisfiable');
    expect(parseRange('bytes=0-1,5-6', 100)).toBeNull();
    expect(parseRange(undefined, 100)).toBeNull();
  });
});

describe('config filters (docs/api.md#filters-and-sorting)', () => {
  it('takes the first operator that occurs', () => {
    expect(parseConfigFilter('a.b>=3')).toEqual({ key: 'a.b', op: '>=', value: '3' });
    expect(parseConfigFilter('x!=y=z')).toEqual({ key: 'x', op: '!=', value: 'y=z' });
    expect(parseConfigFilter('name~Ad')).toEqual({ key: 'name', op: '~', value: 'Ad' });
    expect(parseConfigFilter('bare')).toEqual({ key: 'bare', op: 'exists', value: '' });
  });

  it('compares numbers numerically, literals exactly, strings by their form; a missing key fails but !=', () => {
    const flat = new Map<string, unknown>([
      ['lr', 0.001],
      ['name', 'Adam'],
      ['on', true],
      ['none', null],
      ['layers', [64, 64]],
    ]) as Map<string, never>;
    expect(matchesConfig(flat, parseConfigFilter('lr=1e-3'))).toBe(true);
    expect(matchesConfig(flat, parseConfigFilter('lr<0.01'))).toBe(true);
    expect(matchesConfig(flat, parseConfigFilter('name>1'))).toBe(false);
    expect(matchesConfig(flat, parseConfigFilter('on=true'))).toBe(true);
    expect(matchesConfig(flat, parseConfigFilter('none=null'))).toBe(true);
    expect(matchesConfig(flat, parseConfigFilter('layers=[64,64]'))).toBe(true);
    expect(matchesConfig(flat, parseConfigFilter('name~ada'))).toBe(true);
    expect(matchesConfig(flat, parseConfigFilter('missing!=1'))).toBe(true);
    expect(matchesConfig(flat, parseConfigFilter('missing=1'))).toBe(false);
  });
});

describe('log chunks (docs/api.md#logs)', () => {
  let tmp: ReturnType<typeof tempDir>;
  let run: RunRef;
  const q = (over: Partial<Parameters<typeof readLogChunk>[2]> = {}) => ({
    offset: null,
    before: null,
    tail: 1000,
    maxBytes: 1_048_576,
    stripAnsi: false,
    format: 'json' as const,
    ...over,
  });

  beforeAll(() => {
    tmp = tempDir();
    const dir = join(tmp.dir, 'run');
    mkdirSync(join(dir, 'logs'), { recursive: true });
    run = { dir } as RunRef;
    writeFileSync(join(dir, 'logs', 'a.log'), 'one\ntwo\nthree\nfour\n');
    writeFileSync(join(dir, 'logs', 'long.log'), `${'x'.repeat(100)}\nshort\n`);
    writeFileSync(join(dir, 'logs', 'utf.log'), 'ééééé\n');
    writeFileSync(join(dir, 'logs', 'ansi.log'), '\u001b[31mred\u001b[0m\n');
  });
  afterAll(() => tmp.cleanup());

  it('tail, follow, load earlier', () => {
    expect(readLogChunk(run, 'a.log', q({ tail: 2 }))).toMatchObject({
      offset: 8,
      content: 'three\nfour\n',
      eof: true,
    });
    expect(readLogChunk(run, 'a.log', q({ offset: 8 }))).toMatchObject({
      offset: 8,
      next_offset: 19,
      content: 'three\nfour\n',
      eof: true,
      reset: false,
    });
    expect(readLogChunk(run, 'a.log', q({ before: 8, tail: 1 }))).toMatchObject({
      offset: 4,
      content: 'two\n',
      eof: false,
    });
  });

  it('a rewritten tail or an offset past the end is a reset to the last lines', () => {
    expect(readLogChunk(run, 'a.log', q({ offset: 6, tail: 1 }))).toMatchObject({
      reset: true,
      content: 'four\n',
    });
    expect(readLogChunk(run, 'a.log', q({ offset: 999, tail: 1 }))).toMatchObject({
      reset: true,
      offset: 14,
    });
  });

  it('over-long lines are cut at max_bytes and continued without a reset', () => {
    const first = readLogChunk(run, 'long.log', q({ offset: 0, maxBytes: 40 }));
    expect(first).toMatchObject({ offset: 0, next_offset: 40, eof: false });
    const second = readLogChunk(run, 'long.log', q({ offset: 40, maxBytes: 40 }));
    expect(second).toMatchObject({ offset: 40, reset: false });
  });

  it('never splits a UTF-8 sequence; strips ANSI on request; growth is followed', () => {
    const cut = readLogChunk(run, 'utf.log', q({ offset: 0, maxBytes: 5 }));
    expect(cut.content).toBe('éé');
    expect(cut.next_offset).toBe(4);
    expect(readLogChunk(run, 'ansi.log', q({ stripAnsi: true })).content).toBe('red\n');
    appendFileSync(join(run.dir, 'logs', 'a.log'), 'five (partial');
    const grown = readLogChunk(run, 'a.log', q({ offset: 19 }));
    expect(grown).toMatchObject({ content: 'five (partial', next_offset: 19, eof: true });
  });
});

describe('tensor slices (docs/api.md#tensor-slices)', () => {
  it('indices, ranges with strides, negative indices, C order', () => {
    const shape = [2, 3, 4];
    const s = parseSlice('1,::2,-1', shape);
    expect(Array.from(sliceIndices(s, shape, false))).toEqual([15, 23]);
    expect(nest([1, 2, 3, 4, 5, 6], [2, 3])).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(code(() => parseSlice('2', shape))).toBe('invalid_parameter');
    expect(code(() => parseSlice('0:2:0', shape))).toBe('invalid_parameter');
    expect(code(() => parseSlice('0,0,0,0', shape))).toBe('invalid_parameter');
  });
});

describe('the kbc frame (docs/api.md#kbc-frames)', () => {
  it('aligns every column to 8 bytes and pads the header with spaces', () => {
    const f = kbcFrame(
      { run_id: 'r', metric: 'm', count: 3 },
      [
        { name: 'steps', dtype: 'i64', bytes: new Uint8Array(24).fill(1) },
        { name: 'present', dtype: 'u8', bytes: new Uint8Array([1, 0, 1]) },
      ],
      null,
      null,
    );
    const view = Buffer.from(f);
    const h = view.readUInt32LE(4);
    const header = JSON.parse(view.subarray(8, 8 + h).toString());
    expect(header.byte_length).toBe(f.length);
    expect(f.length % 8).toBe(0);
    for (const c of header.columns) expect(c.offset % 8).toBe(0);
    expect(view[8 + h]).toBe(h % 8 === 0 ? view[8 + h] : 0x20);
    expect(Array.from(view.subarray(header.columns[1].offset, header.columns[1].offset + 3))).toEqual([
      1, 0, 1,
    ]);
  });
});

describe('the event buffer (docs/api.md#events)', () => {
  it('replays newer events, and asks for a resync for lost or foreign ids', () => {
    const hub = new EventHub(3, 1000);
    const ids = [1, 2, 3, 4, 5].map((i) => hub.publish('run_data', { i }).id);
    expect(ids[0]).toBe(1_000_000);
    expect(hub.since(ids[3]).events.map((e) => e.data.i)).toEqual([5]);
    expect(hub.since(ids[0]).resync).toBe('buffer_overflow');
    expect(hub.since(5).resync).toBe('server_restart');
    expect(hub.since(ids[4] + 10).resync).toBe('server_restart');
  });

  it('filters: run_data by runs, run events of the project always, types by name', () => {
    const e = (event: string, project: string, runId: string) => ({
      id: 1,
      event,
      data: {},
      project,
      runId,
      record: null,
    });
    const f = { project: 'p', runs: new Set(['a']), types: null };
    expect(matchesFilter(e('run_data', 'p', 'a'), f)).toBe(true);
    expect(matchesFilter(e('run_data', 'p', 'b'), f)).toBe(false);
    expect(matchesFilter(e('run_added', 'p', 'b'), f)).toBe(true);
    expect(matchesFilter(e('run_added', 'q', 'a'), f)).toBe(false);
    expect(
      matchesFilter(e('run_data', 'p', 'a'), { project: null, runs: null, types: new Set(['run_added']) }),
    ).toBe(false);
  });
});

describe('handles, caches and the run tree', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeAll(() => {
    tmp = tempDir();
    for (let i = 0; i < 6; i++)
      writeTsRun(tmp.dir, { project: 'p', runId: `run${i}`, metrics: { m: { steps: [0], values: [i] } } });
  });
  afterAll(() => tmp.cleanup());

  it('the handle pool never holds more than its bound and closes idle handles', () => {
    const pool = new HandlePool({ maxHandles: 3, idleMs: 1000 });
    const before = databaseOpenCount();
    for (let i = 0; i < 6; i++)
      pool.use(join(tmp.dir, 'p', `run${i}`, 'data', 'metadata.db'), (db) => db.prepare('SELECT 1').get());
    expect(pool.size).toBe(3);
    pool.use(join(tmp.dir, 'p', 'run5', 'data', 'metadata.db'), () => null);
    expect(databaseOpenCount() - before).toBe(6);
    expect(pool.closeIdle(Date.now() + 5000)).toBe(3);
    expect(pool.size).toBe(0);
    expect(code(() => pool.use(join(tmp.dir, 'nope.db'), () => null))).toMatch(/EMISSING|does not exist/);
  });

  it('the byte-bounded LRU evicts the oldest entries', () => {
    const lru = createDecodedCache(100);
    cacheSet(lru, 'a', { v: 'A' }, 60);
    cacheSet(lru, 'b', { v: 'B' }, 30);
    lru.get('a');
    cacheSet(lru, 'c', { v: 'C' }, 30);
    expect(lru.get('b')).toBeUndefined();
    expect(lru.get('a')).toEqual({ v: 'A' });
    cacheSet(lru, 'huge', { v: 'H' }, 1000);
    expect(lru.get('huge')).toBeUndefined();
    expect(lru.calculatedSize).toBeLessThanOrEqual(100);
  });

  it('the run tree reports added and removed runs from container changes only', () => {
    const tree = new RunTree(tmp.dir);
    expect(
      tree
        .scan()
        .added.map((l) => l.folder)
        .sort(),
    ).toEqual(['run0', 'run1', 'run2', 'run3', 'run4', 'run5']);
    expect(tree.refresh()).toEqual({ added: [], removed: [] });
    writeTsRun(tmp.dir, { project: 'q', runId: 'new1' });
    expect(tree.refresh().added.map((l) => `${l.project}/${l.folder}`)).toEqual(['q/new1']);
  });

  it('durations read like the original', () => {
    expect(formatDuration(3_723_000)).toBe('1h 02m 03s');
    expect(formatDuration(63_000)).toBe('01m 03s');
    expect(formatDuration(null)).toBe('N/A');
  });
});

describe('work off the event loop (docs/api.md#work-off-the-event-loop)', () => {
  it('negotiates the encoding of large bodies as the HTTP layer does: br, else gzip, honouring q=0', () => {
    const enc = (h: Record<string, string>) => negotiateEncoding(h);
    expect(enc({ 'accept-encoding': 'gzip, deflate, br' })).toBe('br');
    expect(enc({ 'accept-encoding': 'gzip, deflate' })).toBe('gzip');
    expect(enc({ 'accept-encoding': 'br;q=0, gzip' })).toBe('gzip');
    expect(enc({ 'accept-encoding': 'gzip;q=0.5, br;q=0.4' })).toBe('gzip');
    expect(enc({ 'accept-encoding': 'x-gzip' })).toBe('gzip');
    expect(enc({ 'accept-encoding': '*' })).toBe('br');
    expect(enc({ 'accept-encoding': 'identity' })).toBeNull();
    expect(enc({ 'accept-encoding': '*;q=0' })).toBeNull();
    expect(enc({})).toBeNull();
    expect(enc({ 'accept-encoding': 'br', 'x-no-compression': '1' })).toBeNull();
  });

  it('compresses large compressible task results only, and says so in the headers', () => {
    const big = JSON.stringify({ values: Array.from({ length: 200_000 }, (_, i) => i / 7) });
    expect(Buffer.byteLength(big)).toBeGreaterThan(COMPRESS_IN_TASK_BYTES);
    const result = { status: 200, type: JSON_TYPE, body: big, headers: { etag: 'W/"x"' } };
    const gz = compressLargeBody(result, 'gzip');
    expect(gz.headers).toEqual({ etag: 'W/"x"', 'content-encoding': 'gzip', vary: 'accept-encoding' });
    expect(gunzipSync(gz.body as Uint8Array).toString()).toBe(big);
    const br = compressLargeBody(result, 'br');
    expect(brotliDecompressSync(br.body as Uint8Array).toString()).toBe(big);
    expect(compressLargeBody({ ...result, body: '{"small":1}' }, 'br').body).toBe('{"small":1}');
    expect(compressLargeBody(result, null)).toBe(result);
    expect(compressLargeBody({ ...result, type: 'application/octet-stream' }, 'br').body).toBe(big);
    expect(compressLargeBody({ ...result, status: 404 }, 'br').body).toBe(big);
  });

  it('long filters let the event loop turn between slices, and give the same result', async () => {
    const busy = (ms: number) => {
      const end = performance.now() + ms;
      while (performance.now() < end) {
        /* work */
      }
    };
    let turned = false;
    setImmediate(() => {
      turned = true;
    });
    let turnedDuringFilter = false;
    const items = Array.from({ length: 200 }, (_, i) => i);
    const kept = await filterInSlices(items, (i) => {
      busy(0.1); // 64 items (one check) take longer than a slice
      if (turned) turnedDuringFilter = true;
      return i % 3 === 0;
    });
    expect(kept).toEqual(items.filter((i) => i % 3 === 0));
    expect(turnedDuringFilter).toBe(true);
    await yieldToLoop();
  });

  it('sorts runs by several keys, missing values last in both directions, ties by run_id', async () => {
    const rec = (runId: string, lr: number | undefined, name: string) =>
      ({
        runId,
        name,
        flatConfig: new Map(lr === undefined ? [] : [['lr', lr]]),
      }) as unknown as RunRecord;
    const runs = [rec('d', 0.1, 'x'), rec('a', undefined, 'y'), rec('c', 0.01, 'x'), rec('b', 0.1, 'x')];
    const ids = async (keys: Array<{ key: string; descending: boolean }>) =>
      (await sortRecords(runs, keys)).map((r) => r.runId);
    expect(await ids([{ key: 'config.lr', descending: false }])).toEqual(['c', 'b', 'd', 'a']);
    expect(await ids([{ key: 'config.lr', descending: true }])).toEqual(['b', 'd', 'c', 'a']);
    expect(
      await ids([
        { key: 'name', descending: true },
        { key: 'config.lr', descending: false },
      ]),
    ).toEqual(['a', 'c', 'b', 'd']);
    expect(runs.map((r) => r.runId)).toEqual(['d', 'a', 'c', 'b']);
  });

  it('a file reached through a link must really lie under the root', () => {
    const dir = tempDir('kobo-links-');
    try {
      mkdirSync(join(dir.dir, 'root'));
      writeFileSync(join(dir.dir, 'root', 'a.log'), 'a');
      writeFileSync(join(dir.dir, 'outside.txt'), 'secret');
      symlinkSync('a.log', join(dir.dir, 'root', 'inside.log'));
      symlinkSync(join(dir.dir, 'outside.txt'), join(dir.dir, 'root', 'out.log'));
      expect(existingFileInside(join(dir.dir, 'root'), 'inside.log')).toMatch(/a\.log$/);
      expect(existingFileInside(join(dir.dir, 'root'), 'missing.log')).toBeNull();
      let code = '';
      try {
        existingFileInside(join(dir.dir, 'root'), 'out.log');
      } catch (err) {
        code = (err as ApiError).code;
      }
      expect(code).toBe('invalid_name');
    } finally {
      dir.cleanup();
    }
  });

  it.runIf(process.platform === 'linux')(
    'pool threads lower their own priority, leaving the main thread as it is',
    async () => {
      const { getPriority } = await import('node:os');
      const mainBefore = getPriority(0);
      const module = new URL('../dist/viewer/worker-pool/thread-priority.js', import.meta.url).href;
      const worker = new Worker(
        `import(${JSON.stringify(module)}).then((m) => {
          const lowered = m.lowerThreadPriority();
          const { getPriority } = require('node:os');
          require('node:worker_threads').parentPort.postMessage({ lowered, nice: getPriority(m.linuxThreadId()) });
        });`,
        { eval: true },
      );
      const reply = await new Promise<{ lowered: boolean; nice: number }>((resolve) =>
        worker.once('message', resolve),
      );
      await worker.terminate();
      expect(reply.nice).toBeGreaterThanOrEqual(5);
      expect(getPriority(0)).toBe(mainBefore);
    },
  );
});
