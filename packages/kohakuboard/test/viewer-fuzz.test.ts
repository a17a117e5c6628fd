/**
 * Random requests against the read API: random routes, names (with `/`, `%2F`, `..`, unicode, very long),
 * query values and bodies, sent through Fastify's inject to a viewer with worker threads (the built package)
 * over the Python fixture runs and damaged copies of them (metric files cut short or zeroed, a damaged
 * data/metadata.db, media/blobs.db, histogram and tensor file, table JSON that is not JSON). Whatever the
 * request: no 5xx other than storage_error, every JSON body parses, every kbc body is whole, no unhandled
 * rejection. The largest event-loop delay is measured and printed.
 */
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Viewer } from '../src/viewer/app.js';
import { copyFixtures } from './helpers/fixtures.js';
import { damage, decodeKbcStream } from './helpers/hardening.js';

let fixtures: ReturnType<typeof copyFixtures>;
let viewer: Viewer;
const unhandled: unknown[] = [];
const onUnhandled = (err: unknown) => unhandled.push(err);

const RUNS: Array<[project: string, run: string]> = [
  ['vision', 'lka9'],
  ['vision', 'u6pw'],
  ['nlp', 'n5iy'],
  ['nlp', 'qggl'],
  ['default', '20251105'],
  ['damaged', 'trunc'],
  ['damaged', 'zero'],
  ['damaged', 'meta'],
  ['damaged', 'metahalf'],
  ['damaged', 'blobs'],
  ['damaged', 'table'],
  ['damaged', 'files'],
  ['nope', 'x'],
  ['vision', 'nope'],
];

const NAMES = [
  'train/loss',
  'train/ppl',
  'eval/bleu@4',
  'step',
  'global_step',
  'timestamp',
  'sample',
  'rollout',
  'tts',
  'predictions',
  'activations/relu1',
  'gradients/fc1',
  'params/fc1.weight',
  'params/fc1/bias',
  'params/fc1_kde',
  'params/latency_kde',
  'output.log',
  'board.log',
];

beforeAll(async () => {
  process.on('unhandledRejection', onUnhandled);
  fixtures = copyFixtures();
  const base = fixtures.base;
  const copy = (from: string, to: string) => {
    cpSync(join(base, from), join(base, 'damaged', to), { recursive: true });
    return join(base, 'damaged', to);
  };
  damage(join(copy('vision/lka9', 'trunc'), 'data/metrics/train__loss.db'), 'half');
  damage(join(copy('vision/lka9', 'zero'), 'data/metrics/train__loss.db'), 'zeroed');
  const u6pw = 'vision/u6pw_baseline_lr_3e-4_ablation';
  damage(join(copy(u6pw, 'meta'), 'data/metadata.db'), 'garbage');
  damage(join(copy(u6pw, 'metahalf'), 'data/metadata.db'), 'half');
  damage(join(copy(u6pw, 'blobs'), 'media/blobs.db'), 'half');
  const table = join(copy(u6pw, 'table'), 'data/metadata.db');
  new Database(table).exec(`UPDATE tables SET rows = '[[1, "x"', columns = '{"a": NaN}'`).close();
  const files = copy(u6pw, 'files');
  damage(join(files, 'data/histograms/gradients_64_i32.db'), 'empty');
  damage(join(files, 'data/histograms/activations_32_u8.db'), 'garbage');
  damage(join(files, 'data/tensors/params.db'), 'half');
  // The built package with worker threads: the event loop is then what `kobo open` has.
  const app = new URL('../dist/viewer/app.js', import.meta.url).href;
  const { createViewer } = (await import(app)) as typeof import('../src/viewer/app.js');
  viewer = await createViewer({ dataDir: base, workers: 2, uiDir: null, watch: false, readOnly: true });
  await viewer.index.ready;
});

afterAll(async () => {
  await viewer?.close();
  fixtures?.cleanup();
  process.off('unhandledRejection', onUnhandled);
});

/** A name: one that exists, or a random one with the characters that trouble routers and file systems. */
const name = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...NAMES) },
  {
    weight: 3,
    arbitrary: fc
      .array(
        fc.oneof(
          fc.constantFrom(
            '..',
            '.',
            '%2F',
            '%2f',
            '%2e%2e',
            '%00',
            '%ZZ',
            '%',
            '\\',
            '%5C',
            '',
            'files',
            'surface',
          ),
          fc.string({ unit: 'grapheme', maxLength: 12 }),
          fc.string({ maxLength: 6 }),
        ),
        { minLength: 1, maxLength: 5 },
      )
      .map((parts) => parts.join('/')),
  },
  { weight: 1, arbitrary: fc.integer({ min: 200, max: 3000 }).map((n) => 'x'.repeat(n)) },
);

/** A path segment as a client may send it: encoded, raw, or half-encoded. */
const segment = (s: string) =>
  fc.constantFrom(
    s,
    s
      .split('/')
      .map((p) => encodeURIComponent(p))
      .join('/'),
    encodeURIComponent(s),
  );

const value = fc.oneof(
  fc.constantFrom(
    '0',
    '1',
    '-1',
    '8',
    '2000',
    '1e9',
    '1e309',
    'NaN',
    'true',
    'false',
    '',
    ':',
    '0,:,2:5',
    '-5:',
  ),
  fc.integer({ min: -10, max: 200_000 }).map(String),
  fc.double({ noNaN: false }).map(String),
  fc.string({ maxLength: 20 }),
);

const PARAMS = [
  'points',
  'x',
  'x_min',
  'x_max',
  'x_metric',
  'smooth',
  'smooth_value',
  'limit',
  'after_step',
  'format',
  'time_unit',
  'details',
  'bins',
  'range_min',
  'range_max',
  'axis',
  'normalize',
  'downsample',
  'target_rows',
  'step_min',
  'step',
  'slice',
  'include_data',
  'encoding',
  'max_elements',
  'stats',
  'offset',
  'before',
  'tail',
  'max_bytes',
  'strip_ansi',
  'resolve_media',
  'q',
  'status',
  'sort',
  'config',
  'fields',
  'envelope',
  'junk',
];

const ENUMS: Record<string, string[]> = {
  x: ['step', 'global_step', 'timestamp'],
  smooth: ['ema', 'ema_debiased', 'ma', 'gaussian'],
  format: ['json', 'kbc', 'npy', 'text'],
  axis: ['step', 'global_step', 'relative_walltime'],
  normalize: ['none', 'per-step', 'global'],
  encoding: ['json', 'npy_base64'],
  sort: ['-created_at', 'name,config.lr', 'last_step'],
  config: ['lr%3E0.001', 'optimizer.name%3Dadam', 'lr'],
};

const query = fc
  .array(
    fc
      .constantFrom(...PARAMS)
      .chain((p) =>
        (ENUMS[p] ? fc.oneof(fc.constantFrom(...ENUMS[p]), value) : value).map(
          (v) => `${p}=${/%[0-9A-F]{2}/i.test(v) ? v : encodeURIComponent(v)}`,
        ),
      ),
    { maxLength: 6 },
  )
  .map((parts) => (parts.length ? `?${parts.join('&')}` : ''));

const SUBROUTES = [
  '',
  '/status',
  '/summary',
  '/metadata',
  '/config',
  '/scalars',
  '/media',
  '/tables',
  '/histograms',
  '/tensors',
  '/kernel_density',
  '/logs',
];
const NAMED = [
  'scalars',
  'media',
  'tables',
  'histograms',
  'tensors',
  'kernel_density',
  'logs',
  'media/files',
  'media/by-id',
];

const runRoute = fc
  .tuple(
    fc.constantFrom(...RUNS),
    fc.oneof(fc.constantFrom(...SUBROUTES), fc.tuple(fc.constantFrom(...NAMED), name)),
  )
  .chain(([[project, run], sub]) => {
    const runBase = `/api/projects/${encodeURIComponent(project)}/runs/${encodeURIComponent(run)}`;
    if (typeof sub === 'string') return fc.constant(`${runBase}${sub}`);
    const [kind, n] = sub;
    const suffix = kind === 'histograms' ? fc.constantFrom('', '/surface') : fc.constant('');
    return fc.tuple(segment(n), suffix).map(([s, x]) => `${runBase}/${kind}/${s}${x}`);
  });

const otherRoute = fc.constantFrom(
  '/api/projects',
  '/api/system/info',
  '/health',
  '/api/projects/vision/runs',
  '/api/projects/nlp/config_keys',
  '/api/projects/damaged/runs',
  '/api/boards/lka9/media/by-id/1',
  '/api/boards/u6pw/media/by-id/2',
  '/api/nothing',
);

const runIds = fc.array(fc.oneof(fc.constantFrom(...RUNS.map((r) => r[1])), fc.string({ maxLength: 8 })), {
  maxLength: 6,
});

const batchBody = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record(
      {
        run_ids: runIds,
        metrics: fc.array(name, { maxLength: 4 }),
        points: fc.oneof(fc.constant(null), fc.integer({ min: -5, max: 3000 })),
        x: fc.constantFrom('step', 'global_step', 'timestamp', 'bogus'),
        smooth: fc.constantFrom(null, 'ema', 'ma', 'gaussian', 'bogus'),
        smooth_value: fc.oneof(fc.constant(null), fc.double({ min: -2, max: 2000, noNaN: true })),
        after_step: fc.oneof(
          fc.constant(null),
          fc.integer({ min: -1, max: 50_000 }),
          fc.constant({ lka9: 10 }),
        ),
        limit: fc.oneof(fc.constant(null), fc.integer({ min: -1, max: 500 })),
        x_metric: fc.constantFrom(null, 'train/loss', 'step', ''),
        exclude_prefixes: fc.constantFrom(null, ['train/'], 'x'),
        only_differences: fc.constantFrom(undefined, true, 'yes'),
        time_unit: fc.constantFrom('s', 'ms', 'h'),
      },
      { requiredKeys: [] },
    ),
  },
  { weight: 1, arbitrary: fc.jsonValue() },
  { weight: 1, arbitrary: fc.string({ maxLength: 30 }) },
);

const batchRoute = fc.tuple(
  fc.constantFrom('vision', 'nlp', 'damaged', 'default', 'nope'),
  fc.constantFrom('summary', 'scalars', 'config'),
  fc.constantFrom('', '?format=kbc', '?envelope=1', '?format=kbc&envelope=1', '?format=bogus'),
);

function checkResponse(
  what: string,
  res: Awaited<ReturnType<Viewer['app']['inject']>>,
  hasBody: boolean,
): void {
  const type = String(res.headers['content-type'] ?? '');
  expect(res.statusCode < 500 || !hasBody || res.json().detail.code === 'storage_error', what).toBe(true);
  if (!hasBody) return;
  if (res.statusCode >= 500) {
    expect(res.json().detail.code, `${what}: ${res.body.slice(0, 300)}`).toBe('storage_error');
  }
  if (type.startsWith('application/json')) {
    const body = JSON.parse(res.body);
    if (res.statusCode >= 400) {
      expect(typeof body.detail?.error, what).toBe('string');
      expect(typeof body.detail?.code, what).toBe('string');
    }
  } else if (type.startsWith('application/x-kohakuboard-kbc')) {
    const frames = decodeKbcStream(new Uint8Array(res.rawPayload));
    if (type === 'application/x-kohakuboard-kbc') expect(frames, what).toHaveLength(1);
  }
}

describe('random requests', () => {
  it('never get an undocumented 5xx, a cut body or a crash', async () => {
    const lag = monitorEventLoopDelay({ resolution: 10 });
    lag.enable();
    let requests = 0;
    const statuses = new Map<number, number>();
    const count = (s: number) => statuses.set(s, (statuses.get(s) ?? 0) + 1);
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          {
            weight: 8,
            arbitrary: fc.tuple(runRoute, query).map(([r, q]) => ({ method: 'GET' as const, url: r + q })),
          },
          { weight: 1, arbitrary: otherRoute.map((url) => ({ method: 'GET' as const, url })) },
          {
            weight: 1,
            arbitrary: fc
              .tuple(runRoute, query, fc.constantFrom('POST', 'PATCH', 'DELETE', 'HEAD'))
              .map(([r, q, method]) => ({
                method: method as 'POST' | 'PATCH' | 'DELETE' | 'HEAD',
                url: r + q,
              })),
          },
          {
            weight: 3,
            arbitrary: fc.tuple(batchRoute, batchBody).map(([[p, what, q], body]) => ({
              method: 'POST' as const,
              url: `/api/projects/${p}/runs/batch/${what}${q}`,
              payload: typeof body === 'string' ? body : JSON.stringify(body),
            })),
          },
        ),
        async (req) => {
          requests++;
          const res = await viewer.app.inject({
            ...req,
            headers: { 'content-type': 'application/json', 'accept-encoding': 'identity' },
          });
          count(res.statusCode);
          checkResponse(`${req.method} ${req.url.slice(0, 200)}`, res, req.method !== 'HEAD');
        },
      ),
      { numRuns: 5000 },
    );
    lag.disable();
    // Printed, not asserted: the machine's other load moves it. The budget is 50 ms.
    console.log(
      `fuzz: ${requests} requests, statuses ${JSON.stringify(Object.fromEntries(statuses))}, ` +
        `event-loop delay max ${(lag.max / 1e6).toFixed(1)} ms, p99 ${(lag.percentile(99) / 1e6).toFixed(1)} ms`,
    );
    expect(requests).toBe(5000);
    // A fair share of the requests reached real data, not only errors.
    expect(statuses.get(200) ?? 0).toBeGreaterThan(1000);
  });

  it('the process saw no unhandled rejection, and still answers', async () => {
    expect(unhandled).toEqual([]);
    const res = await viewer.app.inject({
      method: 'GET',
      url: '/api/projects/vision/runs/lka9/scalars/train/loss?points=100',
    });
    expect(res.statusCode).toBe(200);
  });
});
