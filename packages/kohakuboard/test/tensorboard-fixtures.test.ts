/**
 * The log directories written by PyTorch, TensorFlow 2 and tensorboardX import to exactly what TensorBoard
 * itself reads from them (expected.json): every scalar series bit for bit with its steps and wall times,
 * images and audio byte for byte, histogram totals and ranges, texts and hparams. The imported runs are read
 * back through the project's own reader (`kobo dump`'s machinery), and the log directory is left untouched.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dumpRun } from '../src/reader/run-dump.js';
import { listRuns, readMetadataJson } from '../src/storage/index.js';
import type { ImportWarning } from '../src/tensorboard/import-report.js';
import { importLogDir, type LogDirImportResult } from '../src/tensorboard/logdir-import.js';
import {
  type DumpRun,
  expectedNumber,
  snapshotTree,
  TB_LOGS,
  type TbExpectedRun,
  tbExpected,
} from './helpers/tensorboard.js';
import { tempDir } from './helpers/viewer.js';

const expected = tbExpected();
let tmp: ReturnType<typeof tempDir>;
let result: LogDirImportResult;
const warnings: ImportWarning[] = [];
let before: Map<string, string>;
/** The dump of each imported run, by its TensorBoard run name. */
const dumps = new Map<string, DumpRun>();

beforeAll(async () => {
  tmp = tempDir('kobo-tb-fixtures-');
  before = snapshotTree(TB_LOGS);
  result = await importLogDir(TB_LOGS, { to: tmp.dir, warn: (w) => warnings.push(w) });
  for (const loc of listRuns(tmp.dir)) {
    const name = readMetadataJson(loc.dir).name as string;
    dumps.set(name, dumpRun(loc.dir, { full: true }) as unknown as DumpRun);
  }
});

afterAll(() => tmp?.cleanup());

const runNames = Object.keys(expected.runs);

describe('importing the fixtures written by the real writers', () => {
  it('makes one run per run directory, named by its path, in the project named after the log directory', () => {
    expect([...dumps.keys()].sort()).toEqual([...runNames].sort());
    expect(result.project).toBe('logs');
    for (const d of dumps.values()) expect(d.metadata.project).toBe('logs');
    expect(warnings).toEqual([]);
  });

  it('leaves every file of the log directory as it was (bytes and modification times)', () => {
    expect(snapshotTree(TB_LOGS)).toEqual(before);
  });

  describe.each(runNames)('%s', (run) => {
    const exp: TbExpectedRun = expected.runs[run];
    const dump = () => dumps.get(run)!;

    it('has every scalar series: TensorBoard steps as global_step, wall times, values bit for bit', () => {
      const metrics = dump().metrics;
      expect(Object.keys(metrics).sort()).toEqual(Object.keys(exp.scalars).sort());
      for (const [tag, s] of Object.entries(exp.scalars)) {
        const m = metrics[tag];
        expect(m.count, tag).toBe(s.count);
        expect(m.global_step, tag).toEqual(s.steps);
        expect(m.timestamp, tag).toEqual(s.wall_time_ms);
        // The dump tags non-finite numbers as {"$nonfinite": …}, as expected.json does; -0 stays -0.
        const values = m.value.map(expectedNumber);
        s.values.map(expectedNumber).forEach((v, i) => {
          expect(Object.is(values[i], v), `${tag}[${i}]`).toBe(true);
        });
      }
    });

    it('numbers its events in order with a step counter that the step index and every row share', () => {
      const d = dump();
      const steps = d.steps!;
      const index = new Map<number, [number, number]>();
      for (let i = 0; i < steps.count; i++)
        index.set(steps.step[i], [steps.global_step[i], steps.timestamp[i]]);
      expect(steps.step).toEqual([...steps.step].sort((a, b) => a - b));
      const rows: Array<{ step: number; global_step: number }> = [
        ...d.media,
        ...d.tables,
        ...Object.values(d.histogram_files).flatMap((f) => f.rows),
      ];
      for (const m of Object.values(d.metrics)) {
        for (let i = 0; i < m.count; i++) {
          expect(index.get(m.step[i])).toEqual([m.global_step[i], m.timestamp[i]]);
          if (i > 0) expect(m.step[i]).toBeGreaterThan(m.step[i - 1]);
        }
      }
      for (const r of rows) expect(index.get(r.step)?.[0]).toBe(r.global_step);
    });

    it('has images and audio byte for byte', () => {
      const media = dump().media;
      const byKind = (type: string, tag: string) =>
        media.filter((m) => m.type === type && m.name === tag).map((m) => ({ step: m.global_step, m }));
      for (const [tag, list] of Object.entries(exp.images)) {
        const got = byKind('image', tag);
        expect(
          got.map((g) => g.step),
          tag,
        ).toEqual(list.map((e) => e.step));
        list.forEach((e, i) => {
          const m = got[i].m;
          expect([m.blob_sha256, m.size_bytes, m.width, m.height, m.format]).toEqual([
            e.sha256,
            e.bytes,
            e.width,
            e.height,
            'png',
          ]);
        });
      }
      for (const [tag, list] of Object.entries(exp.audio)) {
        const got = byKind('audio', tag);
        expect(
          got.map((g) => [g.step, g.m.blob_sha256, g.m.size_bytes, g.m.format]),
          tag,
        ).toEqual(list.map((e) => [e.step, e.sha256, e.bytes, 'wav']));
      }
      const tags = new Set(media.map((m) => m.name));
      expect([...tags].sort()).toEqual([...Object.keys(exp.images), ...Object.keys(exp.audio)].sort());
    });

    it('has every histogram with its total count and its range', () => {
      const rows = Object.values(dump().histogram_files).flatMap((f) =>
        f.rows.map((r) => ({ ...r, precision: f.precision })),
      );
      expect([...new Set(rows.map((r) => r.name))].sort()).toEqual(Object.keys(exp.histograms).sort());
      for (const [tag, list] of Object.entries(exp.histograms)) {
        const got = rows.filter((r) => r.name === tag);
        expect(
          got.map((r) => r.global_step),
          tag,
        ).toEqual(list.map((h) => h.step));
        list.forEach((h, i) => {
          const r = got[i];
          expect(r.precision).toBe('i32');
          expect(r.counts.reduce((a, b) => a + b, 0)).toBe(h.total);
          // TensorBoard holds legacy (HistogramProto) edges as float32; the import keeps the stored float64.
          const same = (mine: number, tb: number) => mine === tb || Math.fround(mine) === tb;
          expect(same(r.min, h.left[0]), `${tag} min ${r.min} vs ${h.left[0]}`).toBe(true);
          expect(same(r.max, h.right[h.right.length - 1]), `${tag} max`).toBe(true);
          // Uniform buckets (TensorFlow 2) are kept as they are; others are spread over 64 uniform bins.
          const uniform = h.left.every((l, j) => j === 0 || Math.abs(l - h.right[j - 1]) < 1e-9);
          if (uniform && h.counts.length <= 64 && tag === 'activations') expect(r.counts).toEqual(h.counts);
        });
      }
    });

    it('has every text as a table with a text column', () => {
      const tables = dump().tables;
      expect([...new Set(tables.map((t) => t.name))].sort()).toEqual(Object.keys(exp.text).sort());
      for (const [tag, list] of Object.entries(exp.text)) {
        const got = tables.filter((t) => t.name === tag);
        expect(
          got.map((t) => [t.global_step, t.columns, t.column_types, t.rows]),
          tag,
        ).toEqual(list.map((e) => [e.step, ['text'], ['text'], [[e.text]]]));
      }
    });
  });

  it("puts PyTorch's hparams into the config of their run", () => {
    const hparamsRun = runNames.find((r) =>
      Object.keys(expected.runs[r].other).includes('_hparams_/session_start_info'),
    )!;
    // The values add_hparams logged in the fixture (its session_start_info record).
    expect(dumps.get(hparamsRun)!.metadata.config).toEqual({ lr: 0.1, batch: 20251152, opt: 'adam' });
    for (const r of runNames) if (r !== hparamsRun) expect(dumps.get(r)!.metadata.config).toEqual({});
  });

  it('imports nothing more the second time', async () => {
    const dirBefore = snapshotTree(join(tmp.dir, 'logs'));
    const again = await importLogDir(TB_LOGS, { to: tmp.dir, warn: (w) => warnings.push(w) });
    expect(again.events).toBe(0);
    expect(again.runs.map((r) => r.rows)).toEqual(
      again.runs.map(() => ({ scalars: 0, histograms: 0, images: 0, audio: 0, text: 0 })),
    );
    for (const loc of listRuns(tmp.dir)) {
      const d = dumpRun(loc.dir, { full: true }) as unknown as DumpRun;
      expect(d).toEqual(dumps.get(d.metadata.name));
    }
    // Nothing under the run folders changed but what SQLite does when a database is only read.
    const changed = [...snapshotTree(join(tmp.dir, 'logs'))].filter(
      ([k, v]) => dirBefore.get(k) !== v && !/-(wal|shm)$|\/$/.test(k),
    );
    expect(changed).toEqual([]);
    expect(warnings).toEqual([]);
  });
});
