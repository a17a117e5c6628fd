/**
 * The export route of the read API: for the same selection it answers the very bytes the export module
 * (what `kobo export` runs) writes, as an attachment with the format's content type; values read back from
 * its Parquet and CSV are the logged ones; bad parameters get the documented 400s, limits 413, and runs,
 * metrics and projects that do not exist 404. With worker threads (the built package) the export runs in a
 * thread of its own and streams the same bytes.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ExportRequest, exportToStream } from '../src/export/index.js';
import type { Viewer } from '../src/viewer/app.js';
import { bitsOf, pandasFloat, parseCsv, readParquet, storedPoints } from './helpers/export-read.js';
import { copyFixtures } from './helpers/fixtures.js';
import { T0, writeTsRun } from './helpers/ts-runs.js';
import { get, startViewer } from './helpers/viewer.js';

let fixtures: ReturnType<typeof copyFixtures>;
let viewer: Viewer;
let scratch: string;
const dirs: Record<string, string> = {};

const LOSS = [2.5, 0.1, Number.NaN, 0.30000000000000004, Number.POSITIVE_INFINITY, -0, 1e-7, 1];

beforeAll(async () => {
  fixtures = copyFixtures();
  scratch = mkdtempSync(join(tmpdir(), 'kobo-export-route-'));
  dirs.lka9 = join(fixtures.base, 'vision', 'lka9');
  dirs.qggl = join(fixtures.base, 'nlp', 'qggl');
  dirs.grid1 = writeTsRun(fixtures.base, {
    project: 'grid',
    runId: 'aaaa01',
    name: 'First, "quoted"',
    metrics: {
      'train/loss': { steps: LOSS.map((_, i) => i), values: LOSS, timestamps: LOSS.map((_, i) => T0 + i) },
      'eval/acc': { steps: [0, 4, 7], values: [0.5, 0.75, 0.875] },
    },
  });
  dirs.grid2 = writeTsRun(fixtures.base, {
    project: 'grid',
    runId: 'bbbb02',
    metrics: { 'train/loss': { steps: [0, 1, 2], values: [3, 2, 1.5] } },
  });
  viewer = await startViewer(fixtures.base);
});

afterAll(async () => {
  await viewer?.close();
  fixtures?.cleanup();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

/** What the export module writes for a request, collected in memory. */
async function moduleBytes(request: ExportRequest): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(Buffer.from(chunk));
      done();
    },
  });
  await exportToStream(request, sink);
  return Buffer.concat(chunks);
}

function exportUrl(project: string, query: Record<string, string | string[]>): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) for (const x of [v].flat()) params.append(k, x);
  return `/api/projects/${project}/export?${params}`;
}

describe('the export route', () => {
  it('answers a run’s CSV with the bytes of the export module, as an attachment', async () => {
    const r = await get(viewer, exportUrl('vision', { run: 'lka9' }));
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(r.headers['content-disposition']).toBe('attachment; filename="vision-lka9.csv"');
    expect(r.raw.equals(await moduleBytes({ targets: [dirs.lka9], format: 'csv' }))).toBe(true);
    const head = await viewer.app.inject({ method: 'HEAD', url: exportUrl('vision', { run: 'lka9' }) });
    expect(head.statusCode).toBe(200);
    expect(head.headers['content-disposition']).toBe('attachment; filename="vision-lka9.csv"');
    expect(head.rawPayload.length).toBe(0);
    const { header, records } = parseCsv(r.body);
    expect(header).toEqual(['metric', 'step', 'global_step', 'timestamp', 'value']);
    const stored = storedPoints(dirs.lka9);
    expect(stored.length).toBeGreaterThan(0);
    expect(records.map((f) => [f[0], Number(f[1]), bitsOf(pandasFloat(f[4]))])).toEqual(
      stored.map((p) => [p.metric, p.step, bitsOf(p.value)]),
    );
  });

  it('answers Parquet of several runs and chosen metrics; values read back bit for bit', async () => {
    const url = exportUrl('grid', { run: ['aaaa01', 'bbbb02'], metric: 'train/loss', format: 'parquet' });
    const r = await get(viewer, url);
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('application/vnd.apache.parquet');
    expect(r.headers['content-disposition']).toBe('attachment; filename="grid-2-runs.parquet"');
    const expected = await moduleBytes({
      targets: [dirs.grid1, dirs.grid2],
      format: 'parquet',
      names: ['train/loss'],
    });
    expect(r.raw.equals(expected)).toBe(true);
    const file = join(scratch, 'grid.parquet');
    writeFileSync(file, r.raw);
    const { rows } = await readParquet(file);
    const logged = [
      ...LOSS.map((v, step) => ['aaaa01', 'First, "quoted"', step, bitsOf(v)]),
      ...[3, 2, 1.5].map((v, step) => ['bbbb02', 'Run bbbb02', step, bitsOf(v)]),
    ];
    expect(rows.map((x) => [x.run_id, x.run_name, Number(x.step), bitsOf(x.value as number)])).toEqual(
      logged,
    );
    expect(new Set(rows.map((x) => x.metric))).toEqual(new Set(['train/loss']));
  });

  it('answers the wide table, and JSON Lines, as the module writes them', async () => {
    const wide = await get(viewer, exportUrl('grid', { run: 'aaaa01', format: 'parquet', wide: 'true' }));
    expect(wide.status).toBe(200);
    expect(wide.headers['content-disposition']).toBe('attachment; filename="grid-aaaa01-wide.parquet"');
    expect(wide.raw.equals(await moduleBytes({ targets: [dirs.grid1], format: 'parquet', wide: true }))).toBe(
      true,
    );
    const file = join(scratch, 'wide.parquet');
    writeFileSync(file, wide.raw);
    const { rows } = await readParquet(file);
    expect(rows.map((x) => [Number(x.step), bitsOf(x['train/loss'] as number), x['eval/acc']])).toEqual(
      LOSS.map((v, step) => [step, bitsOf(v), { 0: 0.5, 4: 0.75, 7: 0.875 }[step] ?? null]),
    );
    // A metric name with a glob character (`@`) selects only itself.
    const jsonl = await get(
      viewer,
      exportUrl('nlp', { run: 'qggl', metric: 'eval/bleu@4', format: 'jsonl' }),
    );
    expect(jsonl.status).toBe(200);
    expect(jsonl.headers['content-type']).toBe('application/jsonl; charset=utf-8');
    const expected = await moduleBytes({ targets: [dirs.qggl], format: 'jsonl', names: ['eval/bleu@4'] });
    expect(jsonl.raw.equals(expected)).toBe(true);
    const lines = jsonl.body.trimEnd().split('\n');
    expect(lines.length).toBe(storedPoints(dirs.qggl).length);
    expect(JSON.parse(lines[0]).metric).toBe('eval/bleu@4');
  });

  it('refuses bad parameters with 400 invalid_parameter naming them', async () => {
    const cases: Array<[Record<string, string | string[]>, string]> = [
      [{}, 'run'],
      [{ run: 'aaaa01', format: 'xlsx' }, 'format'],
      [{ run: 'aaaa01', wide: 'maybe' }, 'wide'],
    ];
    for (const [query, param] of cases) {
      const r = await get(viewer, exportUrl('grid', query));
      expect(r.status, JSON.stringify(query)).toBe(400);
      expect(r.json.detail.code).toBe('invalid_parameter');
      expect(r.json.detail.param).toBe(param);
    }
  });

  it('is bounded: more than 100 runs or 1,000 metrics is 413 too_large', async () => {
    const runs = Array.from({ length: 101 }, (_, i) => `r${i}`);
    const tooManyRuns = await get(viewer, exportUrl('grid', { run: runs }));
    expect(tooManyRuns.status).toBe(413);
    expect(tooManyRuns.json.detail.code).toBe('too_large');
    const metrics = Array.from({ length: 1001 }, (_, i) => `m${i}`);
    const tooManyMetrics = await get(viewer, exportUrl('grid', { run: 'aaaa01', metric: metrics }));
    expect(tooManyMetrics.status).toBe(413);
  });

  it('answers 404 for an unknown project, run or metric', async () => {
    const cases: Array<[string, Record<string, string | string[]>, string]> = [
      ['nope', { run: 'aaaa01' }, 'project_not_found'],
      ['grid', { run: ['aaaa01', 'zzzz99'] }, 'run_not_found'],
      ['grid', { run: 'lka9' }, 'run_not_found'],
      ['grid', { run: 'aaaa01', metric: ['train/loss', 'train/lost'] }, 'metric_not_found'],
    ];
    for (const [project, query, code] of cases) {
      const r = await get(viewer, exportUrl(project, query));
      expect(r.status, `${project} ${JSON.stringify(query)}`).toBe(404);
      expect(r.json.detail.code).toBe(code);
    }
  });

  it('runs in a thread of its own with worker threads, streaming the same bytes; a client that goes stops it', async () => {
    // Several batches and row groups: the bytes must not depend on how the export was cut up.
    const big = mkdtempSync(join(scratch, 'big-'));
    const steps = Array.from({ length: 300_000 }, (_, i) => i);
    const dir = writeTsRun(big, {
      project: 'big',
      runId: 'long01',
      metrics: {
        a: { steps, values: steps.map((i) => Math.sin(i) * 1e3) },
        b: {
          steps: steps.filter((i) => i % 3 === 0),
          values: steps.filter((i) => i % 3 === 0).map((i) => i / 7),
        },
      },
    });
    const app = new URL('../dist/viewer/app.js', import.meta.url).href;
    const { createViewer } = (await import(app)) as typeof import('../src/viewer/app.js');
    const pooled = await createViewer({ dataDir: big, workers: 1, uiDir: null, watch: false });
    try {
      await pooled.index.ready;
      await pooled.app.listen({ port: 0, host: '127.0.0.1' });
      const { port } = pooled.app.server.address() as AddressInfo;
      for (const [format, wide] of [
        ['parquet', false],
        ['parquet', true],
        ['csv', false],
      ] as const) {
        const url = `http://127.0.0.1:${port}${exportUrl('big', { run: 'long01', format, wide: String(wide) })}`;
        const r = await fetch(url);
        expect(r.status).toBe(200);
        const bytes = Buffer.from(await r.arrayBuffer());
        expect(
          bytes.equals(await moduleBytes({ targets: [dir], format, wide })),
          `${format} wide=${wide}`,
        ).toBe(true);
      }
      // Clients that walk away stop their exports and free their turns: with both turns taken by
      // abandoned downloads that nobody reads, a third export still runs to its end.
      for (let i = 0; i < 2; i++) {
        const controller = new AbortController();
        const r = await fetch(`http://127.0.0.1:${port}${exportUrl('big', { run: 'long01' })}`, {
          signal: controller.signal,
        });
        const reader = r.body!.getReader();
        expect((await reader.read()).done).toBe(false);
        controller.abort();
      }
      const after = await fetch(
        `http://127.0.0.1:${port}${exportUrl('big', { run: 'long01', metric: 'b' })}`,
      );
      expect(after.status).toBe(200);
      const bytes = Buffer.from(await after.arrayBuffer());
      expect(bytes.equals(await moduleBytes({ targets: [dir], format: 'csv', names: ['b'] }))).toBe(true);
    } finally {
      await pooled.close();
    }
  }, 120_000);
});
